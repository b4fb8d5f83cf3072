"""A small still of a finished shot, for front ends that draw it (the studio's half-block cells).

The middle frame stands for the shot: the first frames of an extension or a crossfade still show
the shot before it. FFmpeg's scaler shrinks it while decoding, so a thumbnail costs one seek and
one frame, not a decode of the whole clip.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reelgraph.errors import InputError


def thumbnail_size(width: int, height: int, cells: int) -> tuple[int, int]:
    """(w, h) in pixels for a thumbnail ``cells`` columns wide. Half-block cells hold two pixels
    stacked, and a cell is about twice as tall as wide, so one pixel per column and two per row
    keeps the frame's shape; ``h`` is even so every cell row is full."""
    if width <= 0 or height <= 0 or cells <= 0:
        raise InputError(f"cannot size a thumbnail of a {width}x{height} frame at {cells} cells")
    h = max(2, int(round(cells * height / width / 2)) * 2)
    return cells, h


def clip_thumbnail(path: Path, cells: int = 16) -> np.ndarray:
    """The middle frame of a clip as a uint8 (h, cells, 3) RGB array, h even (see thumbnail_size)."""
    from generation.video_io import middle_frame, probe_video

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path} does not exist; the shot's clip is gone from the cache")
    info = probe_video(path)
    frame = middle_frame(path, size=thumbnail_size(info.width, info.height, cells))
    return np.ascontiguousarray(frame[:, :, :3], dtype=np.uint8)
