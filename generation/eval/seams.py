"""Seams between generation windows: does the picture jump where one window hands over to the next?

Long shots are generated window by window (``Generator.iter_text_to_video``); ``GenerationInfo.joins``
says at which frame each new window starts. A visible seam is a frame-to-frame change at a join much
larger than the changes inside windows.
"""

from __future__ import annotations

import numpy as np


def seam_ratio(frames: np.ndarray, joins: tuple[int, ...]) -> float | None:
    """Mean |frame difference| across window joins over the median difference inside windows
    (1.0: seams invisible by this measure; the issue asks for no spikes). ``frames`` uint8
    (T, H, W, 3); ``joins`` the first frame index of every window after the first. None when
    there is no join to measure."""
    if not joins or len(frames) < 3:
        return None
    diffs = np.abs(np.diff(frames.astype(np.int16), axis=0)).mean(axis=(1, 2, 3))  # diffs[i]: frame i -> i+1
    at_join = np.array([diffs[j - 1] for j in joins])
    inside = np.delete(diffs, [j - 1 for j in joins])
    return float(at_join.mean() / max(np.median(inside), 1e-6))
