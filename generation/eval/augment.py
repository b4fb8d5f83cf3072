"""Training-time corruptions that make the evaluator read scenes, not renderer pixels.

The evaluator will later score the project's own diffusion outputs, which are softer, noisier and
slightly off in colour compared with the renderer's crisp frames. Each clip therefore gets, with one
set of random draws shared by all its frames: a mild crop/rescale (before letterboxing, so the aspect
handling is exercised too), then on the letterboxed tensor a down-and-up resample (codec-like
softness), a Gaussian blur, a colour jitter and additive noise. The strengths are deliberately mild:
time of day lives in colour and camera angle in the horizon's height, and both must stay readable;
a first run with twice these strengths blurred snow into petals and small subjects into the ground.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from generation.eval.clip_input import Clip, FrameSample


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges of every corruption; each is drawn uniformly per clip."""

    crop_min: float = 0.9
    """Smallest kept fraction of each side in the random crop (1.0 disables cropping)."""
    soften_max: float = 1.5
    """Largest down-then-up resampling factor (1.0 disables)."""
    blur_sigma_max: float = 0.6
    """Largest Gaussian blur sigma, in canvas pixels."""
    brightness: float = 0.08
    """Largest additive brightness shift, in [-1, 1] units."""
    contrast: float = 0.12
    """Largest relative contrast change."""
    saturation: float = 0.15
    """Largest relative saturation change."""
    channel_gain: float = 0.04
    """Largest per-channel gain change (a slight white-balance shift)."""
    noise_max: float = 0.03
    """Largest standard deviation of per-pixel Gaussian noise, in [-1, 1] units."""
    p_clean: float = 0.25
    """Probability that a clip skips the tensor corruptions (crisp clips stay in distribution)."""
    p_mirror: float = 0.5
    """Probability that a clip is mirrored left to right, its left/right classes swapped
    (``evaluator.MIRROR_PAIRS``): the world has no handedness, so this doubles what each render
    teaches about direction, and the evaluator reads clips and their mirrors alike (``metrics.predict``)."""


def random_crop(frames: Clip, cfg: AugmentConfig, rng: np.random.Generator) -> Clip:
    """(T, H, W, 3) frames, or sampled ones -> the same cropped to a random sub-rectangle (same box
    for all frames)."""
    if cfg.crop_min >= 1.0:
        return frames
    t, h, w, _ = (frames.frames if isinstance(frames, FrameSample) else frames).shape
    ch = max(2, int(round(h * rng.uniform(cfg.crop_min, 1.0))))
    cw = max(2, int(round(w * rng.uniform(cfg.crop_min, 1.0))))
    y0 = int(rng.integers(0, h - ch + 1))
    x0 = int(rng.integers(0, w - cw + 1))
    if isinstance(frames, FrameSample):
        return frames.cropped(y0, y0 + ch, x0, x0 + cw)
    return frames[:, y0 : y0 + ch, x0 : x0 + cw]


def _gaussian_kernel(sigma: float) -> torch.Tensor:
    radius = max(1, int(np.ceil(2.5 * sigma)))
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-(x**2) / (2 * sigma**2))
    return k / k.sum()


def corrupt(clip: torch.Tensor, cfg: AugmentConfig, rng: np.random.Generator) -> torch.Tensor:
    """clip: (3k, T, S, S) float in [-1, 1] (letterboxed; k RGB frames per step, e.g. a sample and the
    film frame before it) -> corrupted copy, same shape, clamped. Every frame gets the same draws."""
    if rng.random() < cfg.p_clean:
        return clip
    c, t, s, _ = clip.shape
    x = clip.reshape(c // 3, 3, t, s, s).transpose(1, 2).reshape(c // 3 * t, 3, s, s)  # (kT, 3, S, S)
    factor = rng.uniform(1.0, cfg.soften_max)
    if factor > 1.05:
        small = max(8, int(round(s / factor)))
        x = F.interpolate(x, size=(small, small), mode="bilinear", antialias=True, align_corners=False)
        x = F.interpolate(x, size=(s, s), mode="bilinear", align_corners=False)
    sigma = rng.uniform(0.0, cfg.blur_sigma_max)
    if sigma > 0.2:
        k = _gaussian_kernel(sigma)
        r = k.numel() // 2
        kx = k.view(1, 1, 1, -1).expand(3, 1, 1, -1)
        ky = k.view(1, 1, -1, 1).expand(3, 1, -1, 1)
        x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="replicate"), kx, groups=3)
        x = F.conv2d(F.pad(x, (0, 0, r, r), mode="replicate"), ky, groups=3)
    # colour: contrast and saturation around the clip's mean, brightness and gains on top
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    x = (x - mean) * (1 + rng.uniform(-cfg.contrast, cfg.contrast)) + mean
    grey = x.mean(dim=1, keepdim=True)
    x = (x - grey) * (1 + rng.uniform(-cfg.saturation, cfg.saturation)) + grey
    gains = torch.tensor(1 + rng.uniform(-cfg.channel_gain, cfg.channel_gain, size=3), dtype=x.dtype)
    x = (x + 1) * gains.view(1, 3, 1, 1) - 1 + rng.uniform(-cfg.brightness, cfg.brightness)
    std = rng.uniform(0.0, cfg.noise_max)
    if std > 0.005:
        gen = torch.Generator().manual_seed(int(rng.integers(0, 2**62)))
        x = x + torch.randn(x.shape, generator=gen) * std
    x = x.clamp_(-1.0, 1.0).reshape(c // 3, t, 3, s, s).transpose(1, 2).reshape(c, t, s, s)
    return x.contiguous()
