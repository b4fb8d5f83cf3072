"""Composing a large shot at the size the DiT trained at, then refining it at the asked size.

Why: rotary positions let the DiT run at any size, but it learned how big things are in *patches*.
Asked for 256x144 after training at 128x72, it fills the frame with twice as many half-size copies
of everything (a herd of small brown blobs instead of a few mammoths), and the evaluator reads the
subject at half its 128x72 rate (BENCHMARKS.md, session 14). So a frame much larger than the
training size is composed at the training area with the asked aspect and upscaled (an extension of a
large clip sees the clip downscaled to that size, and its new frames are upscaled); a text shot can then be
refined at the asked size by SDEdit (the "hires fix" of image diffusion front ends), which adds
detail from the size the caller asked for. For the shipped DiT that refinement costs more than it
gives: on 200 held-out prompts at 256x144 the evaluator reads 0.516 for the single full-size pass,
0.571 for the upscaled composition, 0.546 and 0.543 after refining at strength 0.2 and 0.4 (the
full-size passes bring the small-blob texture back). So it is off by default until a DiT has
trained at larger sizes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from reelgraph.errors import InputError


@dataclass(frozen=True)
class ComposeConfig:
    """When and how a shot is composed small and refined large."""

    max_area_ratio: float = 1.5
    """Frames up to this multiple of the DiT's training area are generated directly; larger ones are
    composed at the training area first."""
    refine_strength: float = 0.0
    """SDEdit strength of a refinement at the asked size: 0 (default) keeps the upscaled composition
    as it is; 1 ignores it (a single pass at the asked size, as before composition existed)."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.refine_strength <= 1.0:
            raise InputError(f"refine_strength must be in [0, 1], got {self.refine_strength}")
        if self.max_area_ratio < 1.0:
            raise InputError(f"max_area_ratio must be at least 1, got {self.max_area_ratio}")


def compose_size(width: int, height: int, train_width: int, train_height: int, cfg: ComposeConfig) -> tuple[int, int] | None:
    """(width, height) to compose a ``width`` x ``height`` frame at: the training area with the asked
    aspect, in even pixels; None when the frame is small enough to generate directly."""
    train_area = train_width * train_height
    if width * height <= cfg.max_area_ratio * train_area:
        return None
    s = math.sqrt(train_area / (width * height))
    return max(8, 2 * round(width * s / 2)), max(8, 2 * round(height * s / 2))


@dataclass(frozen=True)
class WorkingSize:
    """Where a clip of ``width`` x ``height`` is worked on: at its own size, or at ``composed`` (see
    ``compose_size``), in which case the DiT sees it downscaled and what it makes comes back upscaled.
    One object, so every mode (extend, join, edit) shrinks and restores the same way."""

    width: int
    height: int
    composed: tuple[int, int] | None

    @property
    def work(self) -> tuple[int, int]:
        """(width, height) the DiT runs at."""
        return self.composed or (self.width, self.height)

    def shrink(self, frames: np.ndarray) -> np.ndarray:
        """A given clip, as the DiT reads it."""
        return frames if self.composed is None else downscale(frames, *self.composed)

    def restore(self, frames: np.ndarray) -> np.ndarray:
        """Frames the DiT made, at the asked size."""
        return frames if self.composed is None else upscale(frames, self.width, self.height)


def upscale(frames: np.ndarray, width: int, height: int) -> np.ndarray:
    """uint8 (T, h, w, 3) -> uint8 (T, height, width, 3), bicubic."""
    return _resize(frames, width, height, "bicubic")


def downscale(frames: np.ndarray, width: int, height: int) -> np.ndarray:
    """uint8 (T, H, W, 3) -> uint8 (T, height, width, 3), area-averaged (no aliasing): how a clip
    given at a large size is shown to the DiT at the size it composes at."""
    return _resize(frames, width, height, "area")


def _resize(frames: np.ndarray, width: int, height: int, mode: str) -> np.ndarray:
    x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float()
    y = F.interpolate(x, size=(height, width), mode=mode, **({"align_corners": False} if mode == "bicubic" else {}))
    return y.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()
