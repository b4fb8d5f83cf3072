"""Which autoencoder a run folder holds now, and loading it as its stage recorded it.

A run's autoencoder is stage 1's (``<out>/autoencoder``) until the ``decoder`` stage refines its
decoder (``<out>/decoder``); from then on the refined one is what the DiT's exports ship. The
encoder is the same in both (the decoder stage freezes it), so the DiT's latents do not change.
Every stage folder records the network it holds in ``state.json``, and loaders build from that
record rather than from the preset, because a folder seeded from a shipped generator may hold a
network the preset does not build (a decoder with frame mixes).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from generation.autoencoder import AutoencoderConfig, VideoAutoencoder
from generation.checkpoint import load_state


def stage_record(folder: Path) -> dict | None:
    """The ``state.json`` a stage folder holds, or None when it holds none."""
    path = folder / "state.json"
    return json.loads(path.read_text()) if path.is_file() else None


def recorded_autoencoder_config(folder: Path) -> AutoencoderConfig | None:
    """The autoencoder config a stage folder's checkpoint was saved with (None: no checkpoint)."""
    record = stage_record(folder)
    return None if record is None else AutoencoderConfig.from_dict(record["config"]["model"])


def trained_autoencoder_folder(out: Path) -> Path:
    """``<out>/decoder`` once the decoder stage has saved, else ``<out>/autoencoder``."""
    return out / "decoder" if (out / "decoder" / "state.json").is_file() else out / "autoencoder"


def load_trained_autoencoder(out: Path, device: torch.device | str = "cpu") -> VideoAutoencoder:
    """The run's current autoencoder (EMA weights), frozen, in eval mode."""
    folder = trained_autoencoder_folder(out)
    cfg = recorded_autoencoder_config(folder)
    if cfg is None:
        raise FileNotFoundError(f"{folder} holds no autoencoder checkpoint; train stage autoencoder first")
    ae = VideoAutoencoder(cfg)
    ae.load_state_dict(load_state(folder / "ema.safetensors"))
    return ae.eval().requires_grad_(False).to(device).to(memory_format=torch.channels_last)
