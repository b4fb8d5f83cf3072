"""Seeded, tileable smooth noise: the raw material of clouds, ground textures and skylines.

Noise is made once per clip (spectrally filtered white noise, so it tiles seamlessly and costs one
FFT), and frames only sample it, which keeps the per-frame cost to a gather.
"""

from __future__ import annotations

import numpy as np


def noise_1d(rng: np.random.Generator, n: int, cutoff: float, octaves_falloff: float = 1.0) -> np.ndarray:
    """(n,) tileable noise with mean 0 and unit std; ``cutoff`` is the number of cycles per period
    below which the spectrum is flat, above it falls off as 1/f**(1+falloff)."""
    spec = rng.standard_normal(n // 2 + 1) + 1j * rng.standard_normal(n // 2 + 1)
    f = np.arange(n // 2 + 1, dtype=np.float64)
    spec *= 1.0 / (1.0 + (f / max(cutoff, 1e-6)) ** (1.0 + octaves_falloff))
    spec[0] = 0.0
    out = np.fft.irfft(spec, n)
    return (out / (out.std() + 1e-9)).astype(np.float32)


def noise_2d(rng: np.random.Generator, shape: tuple[int, int], cutoff: tuple[float, float], falloff: float = 1.0) -> np.ndarray:
    """(rows, cols) tileable noise with mean 0 and unit std; ``cutoff`` in cycles per period along
    (rows, cols) sets the feature size (anisotropic cutoffs stretch features, e.g. wispy clouds).
    Only frequencies up to 8x the cutoff get random coefficients: the rest carry <1% of the
    amplitude, and skipping them makes a 128x1024 texture cost one inverse FFT."""
    rows, cols = shape
    ky = int(min(rows // 2, max(2, np.ceil(8 * cutoff[0]))))
    kx = int(min(cols // 2, max(2, np.ceil(8 * cutoff[1]))))
    fy = np.concatenate([np.arange(0, ky + 1), np.arange(-ky, 0)]).astype(np.float64)[:, None]
    fx = np.arange(kx + 1, dtype=np.float64)[None, :]
    block = (rng.standard_normal((2 * ky + 1, kx + 1)) + 1j * rng.standard_normal((2 * ky + 1, kx + 1))).astype(np.complex64)
    block *= 1.0 / (1.0 + ((fy / max(cutoff[0], 1e-6)) ** 2 + (fx / max(cutoff[1], 1e-6)) ** 2) ** ((1.0 + falloff) / 2.0))
    block[0, 0] = 0.0
    spec = np.zeros((rows, cols // 2 + 1), np.complex64)  # single precision: half the memory
    spec[: ky + 1, : kx + 1] = block[: ky + 1]
    spec[rows - ky:, : kx + 1] = block[ky + 1:]
    out = np.fft.irfft2(spec, (rows, cols))
    return (out / (out.std() + 1e-9)).astype(np.float32)


def smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)
