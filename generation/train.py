"""Train the built-in generator on the procedural world: the autoencoder, then the DiT on its latents.

    python -m generation.train --preset tiny --stage all --out runs/generator
    torchrun --nproc_per_node 2 -m generation.train --preset tiny --stage dit     # DDP, unchanged
    reelgraph train --preset tiny --stage all                                     # the same, via the CLI
    python -m generation.train --stage decoder --out runs/dec --init-from generation/weights/generator
                                        # refine the decoder (encoder frozen, the DiT stays valid)

The entry point only: the pieces live in ``generation.training`` (``config`` presets and sizes,
``distributed`` DDP, ``autoencoder_stage`` and ``dit_stage`` the two loops, ``decoder_stage`` the
optional decoder refinement, ``state`` resumable
checkpoints, ``export`` the loadable generator, ``seed_run`` a run started from a shipped generator,
``probe`` the periodic evaluator scores). Every checkpoint is safetensors + JSON under ``--out``
(resumable; the optimizer's moments too), and after each DiT checkpoint a ready-to-load generator
folder is exported to ``<out>/export`` (EMA weights).
Clips are rendered live by the world, so there is nothing to download or shard.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from generation.training.autoencoder_stage import train_autoencoder
from generation.training.config import MODEL_SIZE, PRESETS, Stage, TrainConfig, build_config, config_json, model_configs
from generation.training.decoder_stage import train_decoder
from generation.training.distributed import barrier, setup_distributed, shutdown
from generation.training.dit_stage import train_dit
from generation.training.schedule import time_is_up
from generation.training.seed_run import seed_run

__all__ = ["MODEL_SIZE", "PRESETS", "Stage", "TrainConfig", "build_config", "config_json", "main", "model_configs", "run"]


def run(cfg: TrainConfig) -> None:
    """Run the configured stage(s) in this process (one rank of a DDP job under torchrun)."""
    torch.set_num_threads(cfg.threads)
    d = setup_distributed()
    t_start = time.time()
    try:
        if cfg.init_from is not None:
            if d.main:
                seed_run(cfg, cfg.init_from)
            barrier(d)
        finished = True
        if cfg.stage == "decoder":
            train_decoder(cfg, d, t_start)
        if cfg.stage in ("autoencoder", "all"):
            finished = train_autoencoder(cfg, d, t_start)
            barrier(d)
        if cfg.stage in ("dit", "all") and finished and not time_is_up(cfg, t_start):
            train_dit(cfg, d, t_start)
    finally:
        shutdown(d)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Train the built-in video generator on the procedural world.")
    p.add_argument("--preset", default="tiny", choices=sorted(PRESETS))
    p.add_argument("--stage", default="all", choices=["autoencoder", "dit", "decoder", "all"],
                   help="all: autoencoder then DiT. decoder: refine a trained autoencoder's decoder (frame mixes, "
                        "encoder frozen so the DiT stays valid); needs a run folder or --init-from.")
    p.add_argument("--out", type=Path, default=Path("runs/generator"))
    p.add_argument("--ae-steps", type=int)
    p.add_argument("--dit-steps", type=int)
    p.add_argument("--decoder-steps", type=int, help="Steps of the decoder stage (default 3000).")
    p.add_argument("--adv-weight", type=float, help="Weight of the patch discriminator in the autoencoder stage "
                   "(0: none; tiny2 default 0.3).")
    p.add_argument("--adv-start", type=int, help="Autoencoder step the discriminator starts at.")
    p.add_argument("--ae-lr", type=float, help="Learning rate of the autoencoder stage (default 1e-3; lower it "
                   "for a warm start, e.g. 3e-4).")
    p.add_argument("--dit-lr", type=float, help="Learning rate of the DiT stage (default 3e-4, held constant after the "
                   "warm-up; lower it to consolidate a long run, e.g. 1e-4).")
    p.add_argument("--max-minutes", type=float)
    p.add_argument("--threads", type=int)
    p.add_argument("--render-workers", type=int, help="Processes rendering training clips (0: the trainer renders them).")
    p.add_argument("--checkpoint-minutes", type=float)
    p.add_argument("--eval-every", type=int, help="DiT steps between evaluator scores of held-out prompts (0: never).")
    p.add_argument("--eval-prompts", type=int, help="Held-out prompts generated per evaluator score.")
    p.add_argument("--evaluator", type=Path, help="Evaluator checkpoint for those scores (default: the shipped one).")
    p.add_argument("--ae-init", type=Path, help="Generator folder whose autoencoder starts a fresh autoencoder stage "
                   "(a wider latent or extra residual blocks start silent, so it decodes as the source did).")
    p.add_argument("--dit-init", type=Path, help="Generator folder whose DiT weights start a fresh DiT stage where "
                   "they fit (all but the latent in/out layers when the latent channels differ).")
    p.add_argument("--dit-attributes", action="store_true", default=None,
                   help="Give a new DiT stage the attribute path: what each prompt states of the scene (subject, "
                        "motion, camera, ...) as class embeddings beside the text. Starts at zero, so with --init-from "
                        "it begins exactly as the seeded DiT; a resumed run keeps what it was saved with.")
    p.add_argument("--init-from", type=Path,
                   help="Generator folder to start a new run from (e.g. generation/weights/generator); ignored once --out holds a run.")
    a = p.parse_args(argv)
    run(build_config(a.preset, stage=a.stage, out=a.out, ae_steps=a.ae_steps, dit_steps=a.dit_steps, decoder_steps=a.decoder_steps,
                     adv_weight=a.adv_weight, adv_start=a.adv_start, ae_lr=a.ae_lr, dit_lr=a.dit_lr, max_minutes=a.max_minutes,
                     threads=a.threads, checkpoint_minutes=a.checkpoint_minutes,
                     render_workers=a.render_workers,
                     eval_every=a.eval_every, eval_prompts=a.eval_prompts, evaluator=a.evaluator,
                     init_from=a.init_from, dit_init=a.dit_init, ae_init=a.ae_init, dit_attributes=a.dit_attributes))


if __name__ == "__main__":
    main()
