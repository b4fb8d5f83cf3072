"""Camera motion from phase correlation: global shift and zoom between frames, and a class per shot.

Phase correlation of the whole small luma frame gives the global shift (a pan moves all content
one way); the shifts of the four quadrants give the zoom (content flows out of the centre when
zooming in). A shot's class comes from the mean shift and zoom rate, and from how much the shift
wobbles around its trend (a handheld camera).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

CameraClass = Literal["static", "pan_left", "pan_right", "tilt_up", "tilt_down", "zoom_in", "zoom_out", "handheld"]


@dataclass(frozen=True)
class MotionStep:
    """Motion from one frame to the next: content shift as a fraction of the frame size
    (+x right, +y down) and zoom as the relative scale change (+ = content grows)."""

    dx: float
    dy: float
    zoom: float
    confidence: float


@dataclass(frozen=True)
class CameraMotion:
    """A shot's camera move, in frame widths (or heights, or scale) per second."""

    label: CameraClass
    pan_speed: float
    """Camera pan, widths/s: + right (content moves left)."""
    tilt_speed: float
    """Camera tilt, heights/s: + down (content moves up)."""
    zoom_rate: float
    """Relative scale change per second: + zooming in."""
    shake: float
    """Wobble of the shift around its trend, widths/s (a tripod shot is ~0)."""


@dataclass
class MotionConfig:
    """Thresholds for the camera class (per second, so frame rate does not matter)."""

    min_pan: float = 0.03
    """Widths (heights) per second before a steady drift counts as a pan (tilt)."""
    min_zoom: float = 0.03
    """Relative scale change per second before it counts as a zoom."""
    min_shake: float = 0.04
    """Jitter (widths/s) above which a camera without a steady move is handheld."""


def _window(shape: tuple[int, int]) -> np.ndarray:
    return np.outer(np.hanning(shape[0]), np.hanning(shape[1])).astype(np.float32)


def _shift(a: np.ndarray, b: np.ndarray, win: np.ndarray) -> tuple[float, float, float]:
    """Sub-pixel shift (dy, dx) of ``b`` relative to ``a`` (both (h, w) float32) and peak strength."""
    fa = np.fft.rfft2((a - a.mean()) * win)
    fb = np.fft.rfft2((b - b.mean()) * win)
    cross = fb * np.conj(fa)
    cross /= np.abs(cross) + 1e-6
    corr = np.fft.irfft2(cross, s=a.shape)
    h, w = corr.shape
    py, px = np.unravel_index(int(np.argmax(corr)), corr.shape)
    peak = float(corr[py, px])

    def refine(c_m: float, c_0: float, c_p: float) -> float:
        den = c_m - 2 * c_0 + c_p
        return 0.0 if abs(den) < 1e-9 else 0.5 * (c_m - c_p) / den

    oy = refine(corr[(py - 1) % h, px], corr[py, px], corr[(py + 1) % h, px])
    ox = refine(corr[py, (px - 1) % w], corr[py, px], corr[py, (px + 1) % w])
    dy = (py + oy + h / 2) % h - h / 2
    dx = (px + ox + w / 2) % w - w / 2
    return float(dy), float(dx), peak


class MotionEstimator:
    """Estimates ``MotionStep``s between consecutive frames of one size; caches its windows."""

    def __init__(self) -> None:
        self._windows: dict[tuple[int, int], np.ndarray] = {}

    def _win(self, shape: tuple[int, int]) -> np.ndarray:
        if shape not in self._windows:
            self._windows[shape] = _window(shape)
        return self._windows[shape]

    def step(self, prev: np.ndarray, cur: np.ndarray) -> MotionStep:
        """(h, w) float32 luma of two frames -> how the content moved from ``prev`` to ``cur``."""
        h, w = prev.shape
        dy, dx, peak = _shift(prev, cur, self._win(prev.shape))
        # Quadrants: the zoom is how far each moves away from the centre, relative to its offset.
        hh, hw = h // 2, w // 2
        num, den = 0.0, 0.0
        for sy in (0, 1):
            for sx in (0, 1):
                qa = prev[sy * hh : (sy + 1) * hh, sx * hw : (sx + 1) * hw]
                qb = cur[sy * hh : (sy + 1) * hh, sx * hw : (sx + 1) * hw]
                qy, qx, _ = _shift(qa, qb, self._win(qa.shape))
                ry, rx = (sy - 0.5) * hh, (sx - 0.5) * hw  # quadrant centre relative to frame centre
                num += (qy - dy) * ry + (qx - dx) * rx
                den += ry * ry + rx * rx
        return MotionStep(dx=dx / w, dy=dy / h, zoom=num / den, confidence=peak)


def _trimmed_mean(values: np.ndarray) -> float:
    """Mean of the middle half."""
    v = np.sort(values)
    q = len(v) // 4
    return float(v[q : len(v) - q].mean()) if len(v) > 3 else float(v.mean())


def classify_motion(steps: list[MotionStep], fps: float, config: MotionConfig | None = None) -> CameraMotion:
    """The camera class of a shot from its frame-to-frame motion steps."""
    cfg = config or MotionConfig()
    if len(steps) < 2:
        return CameraMotion("static", 0.0, 0.0, 0.0, 0.0)
    dx = np.array([s.dx for s in steps])
    dy = np.array([s.dy for s in steps])
    zoom = np.array([s.zoom for s in steps])
    # Trimmed means resist the odd frame where correlation locks onto a moving subject.
    pan = -_trimmed_mean(dx) * fps
    tilt = -_trimmed_mean(dy) * fps
    zoom_rate = _trimmed_mean(zoom) * fps
    # Shake: frame-to-frame change of the velocity (a smooth move has none; a hand has plenty).
    shake = float(np.sqrt(np.mean(np.diff(dx) ** 2 + np.diff(dy) ** 2))) * fps
    label: CameraClass
    if abs(zoom_rate) >= cfg.min_zoom and abs(zoom_rate) >= 0.5 * max(abs(pan), abs(tilt)):
        label = "zoom_in" if zoom_rate > 0 else "zoom_out"
    elif max(abs(pan), abs(tilt)) >= cfg.min_pan and shake < 4 * max(abs(pan), abs(tilt)):
        if abs(pan) >= abs(tilt):
            label = "pan_right" if pan > 0 else "pan_left"
        else:
            label = "tilt_down" if tilt > 0 else "tilt_up"
    elif shake >= cfg.min_shake:
        label = "handheld"
    else:
        label = "static"
    return CameraMotion(label, pan, tilt, zoom_rate, shake)
