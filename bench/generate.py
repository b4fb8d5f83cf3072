"""Benchmark: seconds of compute per generated second of video, and FLOP utilisation.

    python bench/generate.py [--seconds 4] [--threads 2] [--weights DIR]

Cases: 128x72 preview and 256x144 full at the generator's default sampler (Heun, 4 and 8 steps: the
full size is composed at 128x72 and upscaled, ``generation.compose_size``), guidance batched. Uses the
shipped checkpoint when it exists, else random-init networks of the shipped (tiny) size: speed does
not depend on the weights. Prints one JSON object per case. FLOPs are counted with
``torch.utils.flop_counter`` on the real calls (DiT and decoder), and utilisation is reported
against a matmul peak measured here, in the precision that actually ran (the measured-peak numbers
in DESIGN.md came from another CPU; this one may lack native bf16).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generation.autoencoder import VideoAutoencoder  # noqa: E402
from generation.checkpoint import GeneratorConfig  # noqa: E402
from generation.dit import DiT  # noqa: E402
from generation.eval.seams import seam_ratio  # noqa: E402
from generation.pipeline import DEFAULT_WEIGHTS, Generator  # noqa: E402
from generation.sampler import SamplerConfig  # noqa: E402
from generation.training.config import model_configs  # noqa: E402


def matmul_peak(dtype: torch.dtype) -> float:
    """GFLOP/s of a 2048x512 @ 512x2048 matmul (best of 5) in ``dtype``."""
    a, b = torch.randn(2048, 512, dtype=dtype), torch.randn(512, 2048, dtype=dtype)
    a @ b
    best = 1e9
    for _ in range(5):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * 2048 * 512 * 2048 / best / 1e9


class CountingFlops:
    """Counts FLOPs of every DiT and decoder call while the pipeline runs (exact, not estimated)."""

    def __init__(self, gen: Generator):
        from torch.utils.flop_counter import FlopCounterMode

        self.mode = FlopCounterMode(display=False)
        self.gen = gen

    def __enter__(self):
        self.mode.__enter__()
        return self

    def __exit__(self, *exc):
        self.mode.__exit__(*exc)

    @property
    def total(self) -> int:
        return int(self.mode.get_total_flops())


def build(weights: Path | None, sampler: SamplerConfig) -> tuple[Generator, str]:
    if weights is not None and (weights / "config.json").is_file():
        return Generator.load(weights, device="cpu", sampler=sampler), str(weights)
    ae_cfg, dit_cfg = model_configs("tiny")
    c = ae_cfg.latent_channels
    cfg = GeneratorConfig(autoencoder=ae_cfg, dit=dit_cfg, latent_mean=[0.0] * c, latent_std=[1.0] * c)
    return Generator(cfg, VideoAutoencoder(ae_cfg), DiT(dit_cfg), device="cpu", sampler=sampler), "random-init tiny"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=4.0, help="Generated seconds per case (the rate is per second).")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS)
    p.add_argument("--count-flops", action="store_true", help="Also count FLOPs (slower: runs each case twice).")
    p.add_argument("--guidance-min-t", type=float, default=SamplerConfig.guidance_min_t,
                   help="Steps starting below this flow time run without guidance (half the cost).")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    gen, source = build(a.weights, SamplerConfig(guidance_min_t=a.guidance_min_t))
    gen.text_to_image("warm-up", width=64, height=64, steps=1)
    peak = matmul_peak(torch.bfloat16 if gen.precision.dtype is torch.bfloat16 else torch.float32)
    # The decoder on its own (DESIGN.md: "measure the decoder on its own"): 7 latent frames = 25 frames.
    z = torch.randn(1, gen.cfg.autoencoder.latent_channels, 7, 18, 32)
    with torch.no_grad(), gen.precision.autocast():
        gen.autoencoder.decode(z)
        t = time.perf_counter()
        frames = gen.autoencoder.decode(z).shape[1]
        wall = time.perf_counter() - t
    print(json.dumps(dict(case="decoder_256x144", frames=frames, wall_s=round(wall, 3),
                          s_per_generated_minute=round(wall / frames * 24 * 60, 1), precision=gen.precision.name,
                          threads=a.threads, decoder_params=sum(p.numel() for p in gen.autoencoder.decoder.parameters()))),
          flush=True)
    for name, w, h, preview in (("preview_128x72", 128, 72, True), ("full_256x144", 256, 144, False)):
        t = time.perf_counter()
        video = gen.text_to_video("several woolly mammoths approach through a snowy meadow", a.seconds, width=w,
                                  height=h, preview=preview, seed=0)
        wall = time.perf_counter() - t
        steps = video.info.steps
        row = dict(case=name, width=w, height=h, steps=steps, method=video.info.method, composed_at=video.info.composed_at,
                   guidance=video.info.guidance, seconds_generated=video.duration_s,
                   frames=len(video.frames), windows=video.info.windows, wall_s=round(wall, 2),
                   s_per_generated_s=round(wall / video.duration_s, 3),
                   minute_estimate_s=round(60 * wall / video.duration_s, 1), precision=gen.precision.name,
                   threads=a.threads, weights=source, cpu=platform.processor() or platform.machine(),
                   matmul_peak_gflops=round(peak, 1), seam_ratio=seam_ratio(video.frames, video.info.joins))
        if a.count_flops:
            with CountingFlops(gen) as fc:
                gen.text_to_video("several woolly mammoths approach through a snowy meadow", a.seconds, width=w,
                                  height=h, preview=preview, steps=steps, seed=0)
            row.update(gflop=round(fc.total / 1e9, 1), achieved_gflops=round(fc.total / 1e9 / wall, 1),
                       flop_utilisation=round(fc.total / 1e9 / wall / peak, 3))
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
