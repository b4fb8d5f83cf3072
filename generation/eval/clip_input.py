"""How any clip becomes the evaluator's fixed input tensor.

Whatever its length, fps or aspect, a clip is read as ``num_frames`` frames spaced evenly from its
first to its last frame (so the evaluator always sees the whole clip; a 1-s and a 10-s clip give the
same number of frames). An evaluator that reads motion from neighbouring film frames
(``film_diff``) also gets, with each sampled frame, the film frame just before it: samples of an 8-s
clip lie 0.7 s apart, far enough for a pan to move fine texture by more than its own period, so
their differences alias, while one film frame apart everything moves a pixel or two. Each frame is
resized with antialiasing to fit inside a ``size x size`` square
with its aspect kept, centred, with mid-grey bars (value 0 after scaling to [-1, 1]). 16:9 at size 64
is 64x36 content, 9:16 is 36x64, 1:1 fills the square. Training uses this very function, so the
evaluator has seen every aspect it will be asked about.

A long clip whose frame rate is known gets a second reading when it is measured: the same
``num_frames`` samples over just its opening ``OPENING_S`` seconds (``opening_frames``), and the two
readings' probabilities are combined (``metrics.predict``). This is the multi-clip testing of video
classifiers, aimed where the world puts its motion: every motion passes its full rate at 1 s and the
limited ones (approach, tilt, zoom, dolly) ease off after that, so an 8-s clip's evenly spread
samples spend most of themselves on a scene that has nearly stopped, while the opening's samples lie
a fifth of a second apart. The opening of a clip is itself a clip the evaluator trained on (the world
at second t does not depend on the clip's length). Measured in session 20 (v28, 600 clips of each
held-out stream): subject motion +0.012 / +0.017, subject +0.007 / +0.021, clouds 0 / -0.006, the
rest within a clip; windows from the middle or end of the clip lowered every motion attribute.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F

from reelgraph.errors import InputError

OPENING_S = 2.5
"""Seconds of a long clip's second, opening reading (the module docstring says why)."""


def frame_indices(total: int, num_frames: int) -> np.ndarray:
    """Indices of ``num_frames`` frames spread evenly over ``total`` (repeats when the clip is shorter)."""
    if total < 1:
        raise InputError("the clip has no frames")
    return np.linspace(0, total - 1, num_frames).round().astype(np.int64)


@dataclass(frozen=True)
class FrameSample:
    """Some frames of a longer clip with their frame numbers: what the world renders when only the
    frames an evaluator reads are wanted (an 8-s clip then costs as little as a 1-s one)."""

    frames: np.ndarray
    """uint8 (N, H, W, 3)."""
    index: tuple[int, ...]
    """Frame number in the whole clip of each of ``frames``, ascending."""
    total: int
    """Frames in the whole clip."""
    cover: np.ndarray | None = None
    """uint8 (N, H, W): how much of each pixel the subjects cover (0..255), where the renderer was
    asked for it (training the evaluator's subject mask); None otherwise."""
    opening: int | None = None
    """Frames of the opening window read a second time (``opening_frames``), where the sample holds
    that reading's frames too; None: the clip is read once, whole."""

    @staticmethod
    def whole(frames: np.ndarray, fps: float | None, opening_s: float = OPENING_S) -> "FrameSample":
        """Every frame of a decoded or generated clip, with the opening reading its length and
        ``fps`` call for (none when the rate is unknown)."""
        check_clip(frames)
        total = frames.shape[0]
        return FrameSample(frames=frames, index=tuple(range(total)), total=total,
                           opening=opening_frames(total, fps, opening_s))

    def _rows(self, wanted: np.ndarray) -> list[int]:
        where = {i: k for k, i in enumerate(self.index)}
        missing = [int(i) for i in wanted if int(i) not in where]
        if missing:
            raise InputError(f"frames {missing[:5]} of a {self.total}-frame clip were not sampled")
        return [where[int(i)] for i in wanted]

    def at(self, wanted: np.ndarray) -> np.ndarray:
        """The frames with these frame numbers; InputError when one was not sampled."""
        return self.frames[self._rows(wanted)]

    def cover_at(self, wanted: np.ndarray) -> np.ndarray:
        """The subject cover (uint8 (n, H, W)) of these frame numbers; InputError when there is none."""
        if self.cover is None:
            raise InputError("these frames were rendered without subject cover; render them with cover=True")
        return self.cover[self._rows(wanted)]

    def cropped(self, y0: int, y1: int, x0: int, x1: int) -> "FrameSample":
        cover = None if self.cover is None else self.cover[:, y0:y1, x0:x1]
        return replace(self, frames=self.frames[:, y0:y1, x0:x1], cover=cover)


Clip = np.ndarray | FrameSample
"""A whole clip (T, H, W, 3) uint8, or the frames of one an evaluator reads."""


def reading_indices(total: int, num_frames: int, film_diff: bool) -> np.ndarray:
    """Frame numbers an evaluator reads from a ``total``-frame clip, in the order it reads them: the
    ``num_frames`` evenly spaced samples, then, with ``film_diff``, the frame before each (the first
    frame is its own, so its difference is 0, as the first sample's difference to a previous sample is)."""
    picked = frame_indices(total, num_frames)
    return np.concatenate([picked, np.maximum(picked - 1, 0)]) if film_diff else picked


def opening_frames(total: int, fps: float | None, opening_s: float = OPENING_S) -> int | None:
    """Frames in the opening ``opening_s`` seconds of a ``total``-frame clip at ``fps``, or None where
    no opening reading is made: the rate is unknown, ``opening_s`` is 0, or the clip is shorter than
    1.25 openings (its opening would be read much like the whole)."""
    if not fps or fps <= 0 or opening_s <= 0:
        return None
    n = max(1, round(opening_s * fps))
    return n if total > 1.25 * n else None


def frames_needed(total: int, num_frames: int, film_diff: bool, opening: int | None = None) -> tuple[int, ...]:
    """Every frame number ``reading_indices`` names, for the whole clip and for its ``opening``
    frames where given, ascending and once each."""
    wanted = [reading_indices(total, num_frames, film_diff)]
    if opening is not None:
        wanted.append(reading_indices(opening, num_frames, film_diff))
    return tuple(int(i) for i in np.unique(np.concatenate(wanted)))


def fit_size(height: int, width: int, size: int) -> tuple[int, int]:
    """(h, w) of a frame scaled to fit a ``size`` square with its aspect kept (each side >= 1)."""
    scale = size / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def letterbox(frames: torch.Tensor, size: int) -> torch.Tensor:
    """frames: (N, C, H, W) float in [-1, 1] -> (N, C, size, size), aspect kept, grey (0) bars (RGB
    frames, or a one-channel map such as the subject cover, where 0 means none)."""
    n, c, h, w = frames.shape
    fh, fw = fit_size(h, w, size)
    if (fh, fw) != (h, w):
        frames = F.interpolate(frames, size=(fh, fw), mode="bilinear", antialias=True, align_corners=False)
    top, left = (size - fh) // 2, (size - fw) // 2
    return F.pad(frames, (left, size - fw - left, top, size - fh - top), value=0.0)


def check_clip(frames: Clip) -> None:
    """Reject what is not a (T, H, W, 3) uint8 clip, with a message saying what was given."""
    if isinstance(frames, FrameSample):
        frames = frames.frames
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


def prepare_clip(clip: Clip, num_frames: int, size: int, film_diff: bool = False, span: int | None = None) -> torch.Tensor:
    """A clip (any T/H/W, whole or sampled) -> (3, num_frames, size, size) float32 in [-1, 1], or with
    ``film_diff`` (6, num_frames, size, size): the samples, then the film frame before each. ``span``
    reads only the clip's first ``span`` frames (its opening); default the whole clip."""
    check_clip(clip)
    total = clip.total if isinstance(clip, FrameSample) else clip.shape[0]
    if span is not None:
        if not 1 <= span <= total:
            raise InputError(f"cannot read the first {span} frames of a {total}-frame clip")
        total = span
    wanted = reading_indices(total, num_frames, film_diff)
    frames = clip.at(wanted) if isinstance(clip, FrameSample) else clip[wanted]
    x = letterbox(to_unit(frames), size)  # (n or 2n, 3, size, size)
    return x.reshape(-1, num_frames, 3, size, size).permute(0, 2, 1, 3, 4).reshape(-1, num_frames, size, size).contiguous()
