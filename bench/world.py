"""The procedural world and its evaluator, one JSON object per case.

    python bench/world.py [--clips 200] [--cases render evaluator] [--weights A.safetensors [B.safetensors ...]]
                          [--stream test|heldout] [--no-mirror] [--no-opening] [--no-throughput]

Cases: render throughput on one thread at 128x72 and 256x144 (24 fps, 2-s clips of varied specs);
an evaluator's accuracy per attribute on fresh clips of the test seed stream (never used in
training; ``--stream heldout`` scores the held-out stream instead, for choosing between candidates;
with several ``--weights``, each on the same rendered clips) and how well its subject mask follows
the renderer's cover (``subject_mask_correlation``), with each attribute's four most frequent
misreads ("asked -> read": clips); evaluator throughput (clips/s, decoding
excluded, the evaluator's frame sampling included) at batches of 4 and 32 and at batch 1. On a
shared machine wall-clock rates depend on the load, so every case also reports
the CPU seconds this (single-threaded) process used.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from generation.eval.clip_source import HELDOUT_STREAM, TEST_STREAM, draw_clip, render_draw  # noqa: E402
from generation.eval.evaluator import SHIPPED_WEIGHTS, Evaluator, load_evaluator  # noqa: E402
from generation.eval.metrics import attribute_accuracy, predict, subject_mask_correlation  # noqa: E402
from generation.precision import choose_precision  # noqa: E402
from generation.world.render import render_clip  # noqa: E402
from generation.world.sample import sample_spec  # noqa: E402

MACHINE = f"{platform.machine()} {os.cpu_count()} cores, torch {torch.__version__}"


def emit(case: str, **fields) -> None:
    print(json.dumps({"bench": "world", "case": case, "machine": MACHINE, **fields}), flush=True)


def render_throughput(width: int, height: int, clips: int = 6, frames: int = 48) -> None:
    rng = np.random.default_rng(12345)
    specs = [sample_spec(rng) for _ in range(clips)]
    render_clip(specs[0], width=width, height=height, num_frames=2, fps=24.0, seed=0)  # warm caches
    t0, c0 = time.perf_counter(), time.process_time()
    for i, spec in enumerate(specs):
        render_clip(spec, width=width, height=height, num_frames=frames, fps=24.0, seed=i)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    emit(f"render_{width}x{height}", threads=1, clips=clips, frames=clips * frames,
         seconds=round(dt, 3), frames_per_s=round(clips * frames / dt, 1),
         cpu_seconds=round(cpu, 3), frames_per_cpu_s=round(clips * frames / cpu, 1))


def evaluator_cases(n: int, weights: list[Path], throughput: bool = True, mirror: bool = True, opening: bool = True,
                    stream: int = TEST_STREAM) -> None:
    """Accuracy of each evaluator in ``weights`` on the same ``n`` fresh clips (rendered once per
    distinct way of reading them, so two checkpoints are compared on identical frames), then the
    throughput of the first."""
    draws = [draw_clip(stream, i) for i in range(n)]
    rendered: dict[tuple[int, bool], list] = {}
    for w in weights:
        model = load_evaluator(w)
        key = (model.config.num_frames, model.config.film_diff)
        if key not in rendered:  # the frames this evaluator reads, with the subject's cover
            rendered[key] = [render_draw(d, model.config, cover=True) for d in draws]
        acc = attribute_accuracy(model, rendered[key], [d.spec for d in draws], mirror=mirror, opening=opening)
        mask = subject_mask_correlation(model, rendered[key])
        emit("evaluator_accuracy", clips=n, seed_stream=stream, weights=str(w), precision=choose_precision("cpu").name,
             reading=("clip and mirror" if mirror else "clip only") + (", long clips' opening too" if opening else ""),
             per_attribute=acc.per_attribute, mean=round(acc.mean, 4), worst=round(acc.worst, 4),
             misreads={name: dict(list(pairs.items())[:4]) for name, pairs in acc.misreads.items() if pairs},
             subject_mask_correlation=None if mask is None else round(mask, 4),
             weights_bytes=Path(w).stat().st_size, parameters=sum(p.numel() for p in model.parameters()))
    if throughput:
        evaluator_throughput(load_evaluator(weights[0]), rendered, opening)


def evaluator_throughput(model: Evaluator, rendered: dict[tuple[int, bool], list], opening: bool = True) -> None:
    """Clips per second at batches of 4 (``predict``'s default) and 32, and milliseconds a clip at
    batch 1 (frames already rendered), read as the accuracy case reads them (with or without long
    clips' openings)."""
    clips = rendered[(model.config.num_frames, model.config.film_diff)]
    n = len(clips)
    for batch in (4, 32):
        t0, c0 = time.perf_counter(), time.process_time()
        predict(model, clips, batch=batch, opening=opening)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        emit(f"evaluator_throughput_batch{batch}", clips=n, precision=choose_precision("cpu").name, threads=1,
             opening=opening, seconds=round(dt, 3), clips_per_s=round(n / dt, 1), clips_per_cpu_s=round(n / cpu, 1))
    one = clips[: min(50, n)]
    t0, c0 = time.perf_counter(), time.process_time()
    for clip in one:
        predict(model, [clip], opening=opening)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    emit("evaluator_throughput_batch1", clips=len(one), precision=choose_precision("cpu").name, threads=1, opening=opening,
         seconds=round(dt, 3), clips_per_s=round(len(one) / dt, 1), ms_per_clip=round(1000 * dt / len(one), 2),
         cpu_ms_per_clip=round(1000 * cpu / len(one), 2))


def main() -> None:
    ap = argparse.ArgumentParser(description="world + evaluator benchmark")
    ap.add_argument("--clips", type=int, default=200, help="held-out clips for the accuracy case")
    ap.add_argument("--weights", type=Path, nargs="+", default=[SHIPPED_WEIGHTS],
                    help="evaluator checkpoint(s) to measure; several are scored on the same rendered clips, and the "
                         "throughput cases use the first")
    ap.add_argument("--no-throughput", action="store_true", help="accuracy only (skip the throughput cases)")
    ap.add_argument("--no-mirror", action="store_true",
                    help="read each clip once, not also mirrored (how figures before session 15 were measured)")
    ap.add_argument("--no-opening", action="store_true",
                    help="read long clips once over their whole length, not also over their opening 2.5 s "
                         "(how figures before session 20 were measured)")
    ap.add_argument("--stream", choices=["test", "heldout"], default="test",
                    help="which fresh clips to score: the test stream (the issue's figure) or the held-out stream, "
                         "to choose between candidate checkpoints without wearing out the test clips")
    ap.add_argument("--cases", nargs="+", default=["render", "evaluator"], choices=["render", "evaluator"])
    args = ap.parse_args()
    torch.set_num_threads(1)
    if "render" in args.cases:
        render_throughput(128, 72)
        render_throughput(256, 144)
    if "evaluator" in args.cases:
        evaluator_cases(args.clips, args.weights, not args.no_throughput, not args.no_mirror, not args.no_opening,
                        HELDOUT_STREAM if args.stream == "heldout" else TEST_STREAM)


if __name__ == "__main__":
    main()
