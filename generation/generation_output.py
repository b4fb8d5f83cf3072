"""What the Generator hands back and what its progress callback sees (plain dataclasses), and the
check every caller-given frame array goes through."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from reelgraph.errors import InputError

Mode = Literal["text_to_video", "text_to_image", "image_to_video", "extend", "interpolate", "edit"]


@dataclass(frozen=True)
class Progress:
    """What the progress callback sees after every sampler step."""

    window: int
    """1-based index of the window being denoised."""
    windows: int
    """Windows this call will denoise in all."""
    step: int
    steps: int
    latent_shape: tuple[int, ...]
    """Shape of the latents of the current window (B, C, T, H, W): bounded by one window."""


@dataclass(frozen=True)
class GenerationInfo:
    """How a video was made; enough to make it again."""

    mode: Mode
    prompt: str
    seed: int
    width: int
    height: int
    fps: float
    steps: int
    guidance: float
    method: str
    preview: bool
    windows: int
    precision: str
    elapsed_s: float
    given: tuple[tuple[int, int], ...] = ()
    """Frame ranges [start, end) that are the caller's own pixels, copied verbatim."""
    joins: tuple[int, ...] = ()
    """Frame indices where a new window's frames begin (where a seam could show)."""
    composed_at: tuple[int, int] | None = None
    """(width, height) the shot was composed at before it was refined at its own size
    (``generation.compose_size``); None when it was generated at its own size."""


@dataclass
class GeneratedVideo:
    """The result of every mode: ``frames`` (T, H, W, 3) uint8 RGB at ``fps``."""

    frames: np.ndarray
    fps: float
    info: GenerationInfo

    @property
    def duration_s(self) -> float:
        return len(self.frames) / self.fps

    def save(self, path: Path, title: str = ""):
        """Write an H.264 MP4 (atomically, with provenance tags); returns the file's ``VideoInfo``."""
        from generation.video_io import Provenance, write_video

        prov = Provenance(generator="reelgraph-dit", prompt=self.info.prompt, seed=self.info.seed, title=title)
        return write_video(Path(path), self.frames, fps=self.fps, provenance=prov)


def as_frames(x, name: str, single: bool = False) -> np.ndarray:
    """Validate caller pixels: (T, H, W, 3) uint8 (or (H, W, 3) when ``single``)."""
    if isinstance(x, GeneratedVideo):
        x = x.frames
    arr = np.asarray(x)
    if single and arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[-1] != 3 or arr.dtype != np.uint8:
        want = "(H, W, 3)" if single else "(T, H, W, 3)"
        raise InputError(f"{name} must be uint8 RGB frames shaped {want}; got {arr.dtype} {arr.shape}")
    if len(arr) == 0 or arr.shape[1] < 8 or arr.shape[2] < 8:
        raise InputError(f"{name} must hold at least one frame of at least 8x8 pixels; got {arr.shape}")
    return np.ascontiguousarray(arr)
