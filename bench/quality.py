"""Benchmark: how well the shipped generator shows what held-out prompts ask, read by the evaluator.

    python bench/quality.py [--count 200] [--preview|--no-preview] [--seconds 1] [--steps N]
                            [--guidance 3] [--shift 1] [--method euler|heun] [--guidance-min-t 0]
                            [--threads 2] [--weights DIR] [--evaluator PATH] [--long-count 3] [--long-seconds 4]

Held-out prompts are detailed captions of sampled world specs from their own seed stream
(``generation.eval.quality``); each is generated, and the world renders the same spec at the same
size and length. Cases (one JSON object each, on stdout): ``generated`` (per-attribute accuracy vs
the spec, temporal consistency, Fréchet distance to the renders, what limits each target attribute,
timing), ``world_render`` (the same figures for the renders: the ceiling through this evaluator;
its Fréchet distance is to a second render of every spec, the floor), ``autoencoder_round_trip``
(the renders encoded and decoded by the generator's autoencoder: what the DiT could at best reach;
``limited_by`` says ``autoencoder`` where this falls below a target the renders meet). Both carry
``motion``: speed ratio and direction agreement of each clip's global flow against its render's
(``generation.eval.motion_transfer``). ``seams`` (long multi-window
generations: jump at window joins over the median jump inside windows, beside a seamless render).
Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generation.eval.evaluator import SHIPPED_WEIGHTS, load_evaluator  # noqa: E402
from generation.eval.quality_run import QualitySettings, measure_quality  # noqa: E402
from generation.pipeline import DEFAULT_WEIGHTS, Generator  # noqa: E402
from generation.sampler import SamplerConfig  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=200, help="Held-out prompts to generate and score.")
    p.add_argument("--start", type=int, default=0, help="Index of the first held-out prompt.")
    p.add_argument("--preview", action=argparse.BooleanOptionalAction, default=True,
                   help="Preview size 128x72 (the size the DiT trained at; default) or full 256x144.")
    p.add_argument("--seconds", type=float, default=1.0, help="Length of every scored generation.")
    p.add_argument("--steps", type=int, default=None, help="Sampler steps (default: 4 preview, 8 full; Heun).")
    p.add_argument("--style", default="detailed", help="Caption style of the prompts: short, detailed or long.")
    p.add_argument("--long-count", type=int, default=3, help="Prompts also generated long for the seam score.")
    p.add_argument("--long-seconds", type=float, default=4.0, help="Length of the long generations.")
    p.add_argument("--reconstruct", action=argparse.BooleanOptionalAction, default=True,
                   help="Also score the renders after a round trip through the autoencoder (its ceiling).")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--guidance-min-t", type=float, default=SamplerConfig.guidance_min_t,
                   help="Steps starting below this flow time run without guidance (half the cost).")
    p.add_argument("--guidance", type=float, default=SamplerConfig.guidance, help="Classifier-free guidance scale.")
    p.add_argument("--shift", type=float, default=SamplerConfig.shift,
                   help="Timestep shift of the schedule (> 1 spends more steps at high noise).")
    p.add_argument("--method", choices=["euler", "heun"], default=SamplerConfig.method, help="ODE integrator.")
    p.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS, help="Generator checkpoint folder.")
    p.add_argument("--evaluator", type=Path, default=SHIPPED_WEIGHTS, help="Evaluator checkpoint (safetensors).")
    a = p.parse_args()
    torch.set_num_threads(a.threads)

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    gen = Generator.load(a.weights, device="cpu", sampler=SamplerConfig(
        guidance=a.guidance, shift=a.shift, method=a.method, guidance_min_t=a.guidance_min_t))
    evaluator = load_evaluator(a.evaluator)
    gen.text_to_image("warm-up", width=64, height=64, steps=1)  # first-call costs out of the timings
    settings = QualitySettings(count=a.count, seconds=a.seconds, preview=a.preview, steps=a.steps, style=a.style,
                               long_count=min(a.long_count, a.count), long_seconds=a.long_seconds, start=a.start,
                               reconstruct=a.reconstruct)
    bar = Progress(TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TimeRemainingColumn(), console=Console(stderr=True))
    tasks: dict[str, int] = {}

    def on_progress(phase: str, done: int, total: int) -> None:
        if phase not in tasks:
            tasks[phase] = bar.add_task(phase, total=total)
        bar.update(tasks[phase], completed=done)

    t0 = time.perf_counter()
    with bar:
        report = measure_quality(gen, evaluator, settings, on_progress)
    context = dict(bench="quality", weights=str(a.weights), recipe=gen.cfg.recipe, evaluator=str(a.evaluator),
                   evaluator_frames=evaluator.config.num_frames, evaluator_size=evaluator.config.size,
                   threads=a.threads, precision=gen.precision.name, guidance=a.guidance, shift=a.shift, method=a.method,
                   guidance_min_t=a.guidance_min_t, total_s=round(time.perf_counter() - t0, 1),
                   machine=f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}",
                   date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    for row in report.rows():
        print(json.dumps(row | context), flush=True)


if __name__ == "__main__":
    main()
