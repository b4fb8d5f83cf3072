"""Evaluator scores while the generator trains: every ``eval_every`` DiT steps, generate a handful of
held-out prompts with the current EMA weights and log what the evaluator reads back.

The loss says little about whether the generator shows what it is asked; these scores do. Prompts
are the first ``eval_prompts`` of the quality benchmark's seed stream (``generation.eval.quality``),
generated at the main training clip shape (``dit_shapes[0]``: 128x72, 25 frames, one window at the
tiny preset) with few sampler steps, so a probe costs a few DiT steps' worth of time.
"""

from __future__ import annotations

import time

import torch

from generation.autoencoder import VideoAutoencoder
from generation.dit import DiT
from generation.text_encoder import TextEncoder
from generation.training.config import TrainConfig
from generation.training.state import StageState


class EvaluatorProbe:
    """Generates the probe prompts with given weights and scores them (rank 0 only)."""

    def __init__(self, cfg: TrainConfig, text_encoder: TextEncoder, device: torch.device):
        from generation.eval.evaluator import load_evaluator
        from generation.eval.quality import heldout_prompts

        self.cfg = cfg
        self.evaluator = load_evaluator(cfg.evaluator)  # ModelUnavailable now, not hours into the run
        self.prompts = heldout_prompts(cfg.eval_prompts)
        self.text_encoder = text_encoder
        self.device = device

    @torch.no_grad()
    def __call__(self, ae: VideoAutoencoder, dit: DiT, state: StageState) -> dict[str, float]:
        """Flat, loggable figures: ``acc_<attribute>`` for every evaluator head, ``acc_mean``,
        ``acc_worst``, ``temporal`` (consecutive-frame consistency) and ``probe_s`` (wall time)."""
        from generation.eval.quality import score_clips
        from generation.pipeline import Generator
        from generation.training.export import generator_config

        t0 = time.time()
        shape = self.cfg.dit_shapes[0]
        gen = Generator(generator_config(self.cfg, ae, dit, state), ae, dit, device=self.device,
                        text_encoder=self.text_encoder)
        clips = [gen.text_to_video(p.prompt, seconds=shape.num_frames / gen.cfg.fps, width=shape.width,
                                   height=shape.height, seed=p.seed, preview=True, steps=self.cfg.eval_steps).frames
                 for p in self.prompts]
        score = score_clips(self.evaluator, clips, [p.spec for p in self.prompts])
        row = {f"acc_{name}": round(v, 4) for name, v in score.accuracy.items()}
        row.update(acc_mean=round(score.mean_accuracy, 4), acc_worst=round(min(score.accuracy.values()), 4),
                   temporal=round(score.temporal_consecutive, 4), prompts=len(clips), probe_s=round(time.time() - t0, 2))
        return row
