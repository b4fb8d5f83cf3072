"""Hiding the handover between generation windows.

A new window is conditioned on the latents of frames that already exist (the tail of the previous
window, or frames the caller gave) and decodes its own copy of them, which differs from the real
frames by the autoencoder's reconstruction error (a few grey levels of blur and tint). The new frames
continue the *decoded* copy, so the real frames and the new ones meet with that error as a jump: the
seam. Measured on the shipped generator, the join was 2.4x the median frame change; reconstruction
error was a third of the jump.

The fix is pixel-space and costs nothing: add the difference between the real edge frame and its
decoded copy to the new frames next to it, fading out over ``fade`` frames, so the new frames start
where the real ones end and drift to their own decode within a third of a second. Existing frames
are never touched (the caller's frames stay verbatim).
"""

from __future__ import annotations

import numpy as np

JOIN_FADE_FRAMES = 8
"""Frames over which the correction fades out (1/3 s at 24 fps): long enough that the drift is below
the frame-to-frame change of a moving shot, short enough that the correction's fixed pattern does
not visibly ghost over moving content."""


def carry_join(frames: np.ndarray, real_edge: np.ndarray, decoded_edge: np.ndarray, at_start: bool = True,
               fade: int = JOIN_FADE_FRAMES) -> np.ndarray:
    """``frames`` (T, H, W, 3) uint8, new frames that continue (``at_start``: follow) or lead into
    (``at_start=False``: precede) the existing frame ``real_edge``, whose decoded copy in the same
    window is ``decoded_edge``. Returns the frames with ``real_edge - decoded_edge`` added, weighted
    fade/(fade+1), (fade-1)/(fade+1), ... from the join outwards."""
    if fade <= 0 or len(frames) == 0:
        return frames
    n = min(fade, len(frames))
    weights = 1.0 - (np.arange(n, dtype=np.float32) + 1) / (fade + 1)  # nearest the join first
    residual = real_edge.astype(np.float32) - decoded_edge.astype(np.float32)
    out = frames.copy()
    part = slice(0, n) if at_start else slice(len(frames) - n, len(frames))
    w = weights if at_start else weights[::-1]
    out[part] = np.clip(frames[part].astype(np.float32) + w[:, None, None, None] * residual, 0, 255).round().astype(np.uint8)
    return out
