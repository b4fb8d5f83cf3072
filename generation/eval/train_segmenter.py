"""Teach the evaluator's subject segmenter on its own, before the evaluator reads its mask.

Why a separate run: inside the evaluator the segmenter's mask enters through a gate that starts at
zero, and a gate opens only as far as the mask beside it is already good. Trained alone, on nothing
but the renderer's cover, the segmenter learns in minutes what the evaluator's own mask head took
hundreds of thousands of clips to learn (session 19: correlation 0.76 with the truth after 20,000
clips). ``train_evaluator --segmenter-init`` then starts the evaluator's segmenter from this run.

    python -m generation.eval.train_segmenter --out runs/segmenter --steps 6000

Checkpoints (weights and step, safetensors) go to ``--out`` every few minutes; running the same
command again resumes from them (with fresh optimiser moments). The log has the mean per-clip
correlation between the mask and the true cover, at the evaluator's mask grid, on held-out clips.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from generation.eval.augment import AugmentConfig
from generation.eval.clip_input import prepare_clip
from generation.eval.clip_source import HELDOUT_STREAM, TRAIN_STREAM, draw_clip, render_draw
from generation.eval.evaluator import EvaluatorConfig
from generation.eval.metrics import cover_correlations
from generation.eval.motion import film_flow
from generation.eval.subject_segmenter import SubjectSegmenter, pooled_logits
from generation.eval.subject_track import SubjectTrack
from generation.eval.training_examples import at_mask_grid, cover_target, make_training_example, maybe_mirror
from generation.precision import choose_precision
from reelgraph.errors import InputError

WEIGHTS_NAME = "segmenter.safetensors"


@dataclass
class SegmenterTrainConfig:
    """One segmenter run; stored beside its checkpoint."""

    out_dir: Path = Path("runs/segmenter")
    steps: int = 6000
    """Optimiser steps in total (the cosine lr schedule spans them)."""
    clips_per_step: int = 8
    """Fresh clips a step (each gives ``num_frames`` frames of dense targets)."""
    lr: float = 2e-3
    weight_decay: float = 0.01
    first_clip: int = 100_000
    """Index in the training stream of the first clip (so a run can follow another on fresh clips)."""
    heldout_clips: int = 200
    eval_every: int = 400
    checkpoint_every_s: float = 180.0
    threads: int = 1
    bf16: bool = True
    augment: bool = True
    """Crop, corrupt and mirror the clips as the evaluator's training does."""
    model: EvaluatorConfig = field(default_factory=EvaluatorConfig)
    """The evaluator the segmenter is for: its canvas, frame count and mask grid."""


def _batch(cfg: SegmenterTrainConfig, first: int, count: int, stream: int, rng: np.random.Generator | None
           ) -> tuple[torch.Tensor, torch.Tensor]:
    """Clips ``first ..`` of ``stream`` -> inputs (B, 6, T, S, S) and cover targets (B, T, 2G, 2G)."""
    xs, covers = [], []
    aug = AugmentConfig()
    for i in range(first, first + count):
        frames = render_draw(draw_clip(stream, i), cfg.model, cover=True, opening_s=0.0)
        if rng is None:
            x, cover = prepare_clip(frames, cfg.model.num_frames, cfg.model.size, True), cover_target(frames, cfg.model)
        else:
            x, cover, _ = maybe_mirror(*make_training_example(frames, cfg.model, aug, rng), [], [], aug, rng)
        xs.append(x), covers.append(cover)
    return torch.stack(xs), torch.stack(covers)


def mask_correlation(net: SubjectSegmenter, x: torch.Tensor, cover: torch.Tensor, bf16: bool) -> float:
    """Mean over clips (with a subject) of the correlation between the mask at the evaluator's grid
    and the true cover pooled to it: the figure the evaluator's own mask is compared by."""
    net.eval()
    out = []
    for i in range(0, len(x), 8):
        with torch.no_grad(), choose_precision("cpu", bf16).autocast():
            fine = net(x[i : i + 8], film_flow(x[i : i + 8]))
        p = torch.sigmoid(pooled_logits(fine))  # (B*T, G, G)
        truth = at_mask_grid(cover[i : i + 8], p.shape[-1])  # (B, T, G, G)
        out += cover_correlations(p.reshape(truth.shape), truth)
    net.train()
    return float(np.mean(out)) if out else float("nan")


def train(cfg: SegmenterTrainConfig) -> dict:
    """Train (or resume) the segmenter in ``cfg.out_dir``; returns the last held-out correlation."""
    from safetensors.torch import load_file, save_file

    if not cfg.model.builds_segmenter:
        raise InputError("this evaluator config has no segmenter (it needs subject_track, flow and a 4-pixel stem)")
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(0)
    cfg.out_dir.mkdir(parents=True, exist_ok=True)
    path = cfg.out_dir / WEIGHTS_NAME
    net = SubjectSegmenter()
    step = 0
    if path.is_file():
        from safetensors import safe_open

        net.load_state_dict(load_file(str(path)))
        with safe_open(str(path), "pt") as f:
            step = int(f.metadata().get("step", 0))
        print(f"resumed at step {step}", flush=True)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    hx, hc = _batch(cfg, 0, cfg.heldout_clips, HELDOUT_STREAM, None)
    rng = np.random.default_rng([TRAIN_STREAM, cfg.first_clip, step])
    log = (cfg.out_dir / "log.jsonl").open("a")
    last_save, corr = time.time(), float("nan")

    def save() -> None:
        tmp = path.with_suffix(".tmp")
        save_file({k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}, str(tmp),
                  metadata={"step": str(step), "config": json.dumps(asdict(cfg), default=str)})
        tmp.replace(path)

    while step < cfg.steps:
        lr = cfg.lr * 0.5 * (1.0 + math.cos(math.pi * step / cfg.steps))
        for g in opt.param_groups:
            g["lr"] = lr
        x, cover = _batch(cfg, cfg.first_clip + step * cfg.clips_per_step, cfg.clips_per_step, TRAIN_STREAM,
                          rng if cfg.augment else None)
        with choose_precision("cpu", cfg.bf16).autocast():
            fine = net(x, film_flow(x))  # (B*T, 2G, 2G)
        loss = SubjectTrack.mask_loss(fine, cover.reshape(fine.shape))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if step % 50 == 0:
            log.write(json.dumps({"step": step, "loss": round(loss.item(), 4), "lr": lr}) + "\n")
            log.flush()
        if step % cfg.eval_every == 0 or step == cfg.steps:
            corr = mask_correlation(net, hx, hc, cfg.bf16)
            log.write(json.dumps({"step": step, "heldout_correlation": round(corr, 4)}) + "\n")
            log.flush()
            print(f"step {step} loss {loss.item():.4f} held-out mask correlation {corr:.3f}", flush=True)
        if time.time() - last_save > cfg.checkpoint_every_s or step == cfg.steps:
            save()
            last_save = time.time()
    return {"step": step, "heldout_correlation": corr, "weights": str(path)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=SegmenterTrainConfig.out_dir, help="run folder (resumed when it holds one)")
    ap.add_argument("--steps", type=int, default=SegmenterTrainConfig.steps)
    ap.add_argument("--lr", type=float, default=SegmenterTrainConfig.lr)
    ap.add_argument("--clips-per-step", type=int, default=SegmenterTrainConfig.clips_per_step)
    ap.add_argument("--first-clip", type=int, default=SegmenterTrainConfig.first_clip,
                    help="training-stream index of the first clip (give a later run fresh clips)")
    ap.add_argument("--threads", type=int, default=SegmenterTrainConfig.threads)
    ap.add_argument("--no-augment", action="store_true", help="read the clips as rendered (no crop, corruption or mirror)")
    args = ap.parse_args(argv)
    cfg = SegmenterTrainConfig(out_dir=args.out, steps=args.steps, lr=args.lr, clips_per_step=args.clips_per_step,
                               first_clip=args.first_clip, threads=args.threads, augment=not args.no_augment)
    print(json.dumps(train(cfg)))


if __name__ == "__main__":
    main()
