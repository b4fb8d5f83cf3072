"""Benchmark: what a video autoencoder keeps of the world, read by the evaluator.

    python bench/autoencoder.py [--weights DIR] [--count 200] [--frames 25] [--threads 1] [--speed]

``--weights`` is a generator folder (``config.json`` + safetensors, default the shipped one) or a
training run folder (its current autoencoder, stage ``autoencoder`` or ``decoder``, EMA weights),
so a run can be scored before it has a DiT. The held-out prompts of ``bench/quality.py`` are
rendered at 128x72, encoded, decoded and scored against their specs beside the renders themselves.
Everything the DiT generates passes through this decoder, so ``round_trip`` is a ceiling on every
generated figure of ``bench/quality.py``. Prints one JSON object: PSNR, per-attribute accuracy of
renders and round trips, group-join ratio (the 6 Hz stutter of a decoder that unfolds latent groups
independently) and, with ``--speed``, seconds to decode a minute of 256x144.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generation.autoencoder import VideoAutoencoder, frames_to_tensor, tensor_to_frames  # noqa: E402
from generation.checkpoint import load_generator  # noqa: E402
from generation.eval.evaluator import SHIPPED_WEIGHTS, load_evaluator  # noqa: E402
from generation.eval.quality import heldout_prompts, render_reference, score_clips  # noqa: E402
from generation.eval.seams import group_join_ratio  # noqa: E402
from generation.pipeline import DEFAULT_WEIGHTS  # noqa: E402
from generation.training.trained_autoencoder import load_trained_autoencoder, stage_record, trained_autoencoder_folder  # noqa: E402


def load_autoencoder(folder: Path) -> tuple[VideoAutoencoder, str]:
    """The autoencoder of a generator folder or of a training run, and a line saying which."""
    if (folder / "config.json").is_file():
        cfg, ae, _ = load_generator(folder)
        return ae.eval(), cfg.recipe
    ae = load_trained_autoencoder(folder)
    stage = trained_autoencoder_folder(folder)
    return ae, f"{stage}, step {stage_record(stage)['state']['step']}"


@torch.no_grad()
def round_trip(ae: VideoAutoencoder, frames: np.ndarray) -> np.ndarray:
    """The autoencoder's own round trip (``forward``: encode, decode, crop; no latent noise in eval)."""
    return tensor_to_frames(ae(frames_to_tensor(torch.from_numpy(frames))[None])[0][0]).numpy()


@torch.no_grad()
def decode_minute_s(ae: VideoAutoencoder) -> float:
    """Seconds to decode 60 s of 256x144 at 24 fps, in the pipeline's 7-latent windows."""
    z = torch.randn(1, ae.cfg.latent_channels, 7, 18, 32)
    ae.decode(z)
    t0 = time.perf_counter()
    ae.decode(z)
    per_window = time.perf_counter() - t0
    return per_window * 1440 / 25


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS, help="Generator folder or training run folder.")
    p.add_argument("--count", type=int, default=200, help="Held-out prompts to render and round-trip.")
    p.add_argument("--frames", type=int, default=25, help="Frames per clip (25 = one generation window).")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--evaluator", type=Path, default=SHIPPED_WEIGHTS)
    p.add_argument("--speed", action="store_true", help="Also time decoding a minute of 256x144.")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    ae, recipe = load_autoencoder(a.weights)
    evaluator = load_evaluator(a.evaluator)
    prompts = heldout_prompts(a.count)
    t0 = time.perf_counter()
    renders, trips, psnr, joins = [], [], [], []
    for i, prompt in enumerate(prompts):
        r = render_reference(prompt, 128, 72, a.frames, 24.0)
        y = round_trip(ae, r)
        renders.append(r)
        trips.append(y)
        mse = np.mean((y.astype(np.float64) - r) ** 2)
        psnr.append(10 * np.log10(255.0**2 / max(mse, 1e-10)))
        joins.append(group_join_ratio(y))
        print(f"\r{i + 1}/{a.count}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    trip_s = time.perf_counter() - t0
    specs = [prompt.spec for prompt in prompts]
    rendered, tripped = score_clips(evaluator, renders, specs), score_clips(evaluator, trips, specs)
    row = dict(bench="autoencoder", weights=str(a.weights), recipe=recipe, count=a.count, frames=a.frames,
               width=128, height=72, psnr_db=round(float(np.mean(psnr)), 2),
               round_trip=tripped.summary() | {"loss_vs_render": {k: round(tripped.accuracy[k] - rendered.accuracy[k], 4)
                                                                  for k in tripped.accuracy}},
               render=rendered.summary(),
               group_join_ratio=round(float(np.mean([j for j in joins if j is not None])), 3),
               s_per_clip=round(trip_s / a.count, 3), threads=a.threads, evaluator=str(a.evaluator),
               machine=f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}",
               date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    if a.speed:
        row["decode_minute_256x144_s"] = round(decode_minute_s(ae), 1)
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
