"""How any clip becomes the evaluator's fixed input tensor.

Whatever its length, fps or aspect, a clip is read as ``num_frames`` frames spaced evenly from its
first to its last frame (so the evaluator always sees the whole clip; a 1-s and a 10-s clip give the
same number of frames), each frame resized with antialiasing to fit inside a ``size x size`` square
with its aspect kept, centred, with mid-grey bars (value 0 after scaling to [-1, 1]). 16:9 at size 64
is 64x36 content, 9:16 is 36x64, 1:1 fills the square. Training uses this very function, so the
evaluator has seen every aspect it will be asked about.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from reelgraph.errors import InputError


def frame_indices(total: int, num_frames: int) -> np.ndarray:
    """Indices of ``num_frames`` frames spread evenly over ``total`` (repeats when the clip is shorter)."""
    if total < 1:
        raise InputError("the clip has no frames")
    return np.linspace(0, total - 1, num_frames).round().astype(np.int64)


def fit_size(height: int, width: int, size: int) -> tuple[int, int]:
    """(h, w) of a frame scaled to fit a ``size`` square with its aspect kept (each side >= 1)."""
    scale = size / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def letterbox(frames: torch.Tensor, size: int) -> torch.Tensor:
    """frames: (N, 3, H, W) float in [-1, 1] -> (N, 3, size, size), aspect kept, grey (0) bars."""
    n, c, h, w = frames.shape
    fh, fw = fit_size(h, w, size)
    if (fh, fw) != (h, w):
        frames = F.interpolate(frames, size=(fh, fw), mode="bilinear", antialias=True, align_corners=False)
    top, left = (size - fh) // 2, (size - fw) // 2
    return F.pad(frames, (left, size - fw - left, top, size - fh - top), value=0.0)


def check_clip(frames: np.ndarray) -> None:
    """Reject what is not a (T, H, W, 3) uint8 clip, with a message saying what was given."""
    if not isinstance(frames, np.ndarray) or frames.ndim != 4 or frames.shape[-1] != 3:
        shape = getattr(frames, "shape", None)
        raise InputError(f"expected a clip of shape (T, H, W, 3), got {shape}")
    if frames.dtype != np.uint8:
        raise InputError(f"expected uint8 frames, got {frames.dtype}")
    if min(frames.shape[:3]) < 1:
        raise InputError(f"the clip is empty: shape {frames.shape}")


def to_unit(frames: np.ndarray) -> torch.Tensor:
    """(T, H, W, 3) uint8 -> (T, 3, H, W) float32 in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float().div_(127.5).sub_(1.0)


def prepare_clip(frames: np.ndarray, num_frames: int, size: int) -> torch.Tensor:
    """(T, H, W, 3) uint8, any T/H/W -> (3, num_frames, size, size) float32 in [-1, 1]."""
    check_clip(frames)
    picked = frames[frame_indices(frames.shape[0], num_frames)]
    x = letterbox(to_unit(picked), size)  # (num_frames, 3, size, size)
    return x.transpose(0, 1).contiguous()
