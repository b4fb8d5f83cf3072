"""Turning a DiT checkpoint into a generator folder ``Generator.load`` reads.

The export (and the in-memory generator the periodic evaluator probes use) is the EMA DiT with the
run's autoencoder and the latent statistics measured at the start of stage 2. The autoencoder is read
from the run folder at every export, not taken from the DiT process: a decoder refined by the
``decoder`` stage in the meantime (same encoder, same latents) ships with the next export.
"""

from __future__ import annotations

import time
from pathlib import Path

import torch

from generation.autoencoder import VideoAutoencoder
from generation.checkpoint import GeneratorConfig, save_generator
from generation.dit import DiT
from generation.training.config import TrainConfig
from generation.training.state import StageState
from generation.training.trained_autoencoder import load_trained_autoencoder, stage_record


def generator_config(cfg: TrainConfig, ae: VideoAutoencoder, dit: DiT, state: StageState, recipe: str = "") -> GeneratorConfig:
    """The config of the generator this run would ship now (trained at ``dit_shapes[0]``)."""
    shape = cfg.dit_shapes[0]
    return GeneratorConfig(autoencoder=ae.cfg, dit=dit.cfg, latent_mean=state.extra["latent_mean"],
                           latent_std=state.extra["latent_std"], train_width=shape.width, train_height=shape.height,
                           recipe=recipe)


def warm_source(extra: dict) -> str | None:
    """Where a stage's history began by a warm start: this run's own (``warm_start``), or the one the
    recipe of the folder a seeded run started from names (``warm_origin``, ``seed_run``)."""
    return extra["warm_start"]["source"] if "warm_start" in extra else extra.get("warm_origin")


def autoencoder_recipe(out: Path) -> str:
    """The autoencoder part of a recipe line: stage 1, and the decoder refinement when there is one."""
    ae_state = stage_record(out / "autoencoder")["state"]
    warm = warm_source(ae_state["extra"])
    text = (f"autoencoder {ae_state['step']} steps ({ae_state['elapsed_s'] / 3600:.2f} h, "
            f"recon PSNR {ae_state['extra'].get('psnr_db', float('nan')):.2f} dB"
            f"{', warm-started from ' + warm if warm else ''})")
    dec = stage_record(out / "decoder")
    if dec is not None:
        s = dec["state"]
        text += (f"; decoder refined {s['step']} steps ({s['elapsed_s'] / 3600:.2f} h, "
                 f"recon PSNR {s['extra'].get('psnr_db', float('nan')):.2f} dB, frame mix)")
    return text


def export(cfg: TrainConfig, dit: DiT, state: StageState) -> Path:
    """Write ``<out>/export``: a generator folder ``Generator.load`` reads (EMA weights, fp32)."""
    ae = load_trained_autoencoder(cfg.out)
    warm = warm_source(state.extra)
    origin = f", warm-started from {warm}" if warm else ""
    recipe = (f"preset {cfg.preset}; {autoencoder_recipe(cfg.out)}; DiT {state.step} steps "
              f"({state.elapsed_s / 3600:.2f} h, flow loss {state.last_loss:.4f}{origin}), batch {cfg.dit_batch}, "
              f"clips {[(s.width, s.height, s.num_frames) for s in cfg.dit_shapes]}; world-rendered clips, "
              f"device {torch.cuda.get_device_name() if torch.cuda.is_available() else 'CPU'}; saved {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    save_generator(cfg.out / "export", generator_config(cfg, ae, dit, state, recipe), ae, dit)
    return cfg.out / "export"
