"""The generator's checkpoint folder: ``config.json`` + ``autoencoder.safetensors`` + ``dit.safetensors``.

Weights are read ONLY from safetensors (no pickle: a checkpoint from anywhere cannot run code).
A folder holding pickle-style weight files (.pt, .pth, .bin, .ckpt, .pkl) is refused outright, so
nobody mistakes a silently ignored file for the loaded one. The config carries everything needed
to rebuild both networks and to normalise latents, plus the recipe that produced the weights.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from generation.autoencoder import AutoencoderConfig, VideoAutoencoder
from generation.dit import DiT, DiTConfig
from reelgraph.errors import InputError, ModelUnavailable

CONFIG_NAME = "config.json"
AE_NAME = "autoencoder.safetensors"
DIT_NAME = "dit.safetensors"
UNSAFE_SUFFIXES = {".pt", ".pth", ".bin", ".ckpt", ".pkl", ".pickle"}
FORMAT_VERSION = 1


@dataclass
class GeneratorConfig:
    """Everything that travels with the weights."""

    autoencoder: AutoencoderConfig = field(default_factory=AutoencoderConfig)
    dit: DiTConfig = field(default_factory=DiTConfig)
    latent_mean: list[float] = field(default_factory=lambda: [0.0] * 8)
    """Per-channel mean of autoencoder latents on world clips; the DiT sees (z - mean) / std."""
    latent_std: list[float] = field(default_factory=lambda: [1.0] * 8)
    """Per-channel std of autoencoder latents on world clips."""
    fps: float = 24.0
    """Frame rate of the training clips: motion per frame is learned at this rate."""
    train_width: int = 128
    """Width the DiT was trained at (its best resolution)."""
    train_height: int = 72
    """Height the DiT was trained at."""
    window_latents: int = 7
    """Latent frames per generation window (7 -> 25 frames); long shots are several windows."""
    context_latents: int = 2
    """Latent frames of the previous window given as context to the next (overlap)."""
    recipe: str = ""
    """How these weights were made: preset, steps, wall time, device, losses (free text)."""

    def to_dict(self) -> dict:
        d = asdict(self)
        d["autoencoder"] = self.autoencoder.to_dict()
        d["dit"] = self.dit.to_dict()
        d["format_version"] = FORMAT_VERSION
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "GeneratorConfig":
        d = dict(d)
        d.pop("format_version", None)
        d["autoencoder"] = AutoencoderConfig.from_dict(d["autoencoder"])
        d["dit"] = DiTConfig.from_dict(d["dit"])
        return cls(**d)


def check_safetensors_path(path: Path) -> Path:
    """Refuse any weight file that is not safetensors, with what to do instead."""
    if path.suffix.lower() != ".safetensors":
        raise InputError(
            f"{path} is not a .safetensors file; reelgraph loads weights only from safetensors "
            "(convert it with safetensors.torch.save_file from a trusted environment)"
        )
    return path


def save_state(module: torch.nn.Module | dict[str, torch.Tensor], path: Path, dtype: torch.dtype | None = None) -> None:
    """Write a state dict as safetensors (contiguous copies; optional cast of float tensors)."""
    state = module.state_dict() if isinstance(module, torch.nn.Module) else module
    out = {}
    for k, v in state.items():
        v = v.detach().cpu()
        if dtype is not None and v.is_floating_point():
            v = v.to(dtype)
        out[k] = v.contiguous()
    tmp = path.with_suffix(".tmp")
    save_file(out, str(tmp))
    tmp.chmod(0o644)  # shipped weights must be readable by every user of an install
    tmp.replace(path)


def load_state(path: Path) -> dict[str, torch.Tensor]:
    """Read a safetensors state dict as float32 (weights may be stored in half precision)."""
    check_safetensors_path(path)
    if not path.is_file():
        raise ModelUnavailable(f"weight file {path} is missing")
    return {k: (v.float() if v.is_floating_point() else v) for k, v in load_file(str(path)).items()}


def save_generator(folder: Path, cfg: GeneratorConfig, autoencoder: VideoAutoencoder, dit: DiT,
                   dtype: torch.dtype | None = None) -> None:
    """Write the three files of a generator checkpoint (atomically per file)."""
    folder.mkdir(parents=True, exist_ok=True)
    save_state(autoencoder, folder / AE_NAME, dtype)
    save_state(dit, folder / DIT_NAME, dtype)
    tmp = folder / (CONFIG_NAME + ".tmp")
    tmp.write_text(json.dumps(cfg.to_dict(), indent=2))
    tmp.replace(folder / CONFIG_NAME)


def load_generator(folder: Path) -> tuple[GeneratorConfig, VideoAutoencoder, DiT]:
    """Rebuild both networks from a checkpoint folder (eval mode, float32, CPU)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelUnavailable(f"generator checkpoint folder {folder} does not exist; train one with `reelgraph train`")
    unsafe = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in UNSAFE_SUFFIXES)
    if unsafe:
        raise InputError(
            f"{folder} holds pickle-style weight files ({', '.join(unsafe)}); reelgraph loads weights only "
            "from safetensors. Remove them or convert them to .safetensors"
        )
    cfg_path = folder / CONFIG_NAME
    if not cfg_path.is_file():
        raise ModelUnavailable(f"{cfg_path} is missing; a generator checkpoint needs config.json beside its weights")
    try:
        cfg = GeneratorConfig.from_dict(json.loads(cfg_path.read_text()))
    except (ValueError, TypeError, KeyError) as exc:
        raise InputError(f"{cfg_path} is not a valid generator config: {exc}") from exc
    ae = VideoAutoencoder(cfg.autoencoder)
    ae.load_state_dict(load_state(folder / AE_NAME))
    dit = DiT(cfg.dit)
    dit.load_state_dict(load_state(folder / DIT_NAME))
    return cfg, ae.eval(), dit.eval()
