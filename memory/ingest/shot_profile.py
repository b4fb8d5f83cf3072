"""What one shot looks like, measured while its frames stream past (constant memory per shot).

The accumulator sees every frame once: light and contrast from the small luma image, colour from
the RGB thumbnails (a few per second), camera motion from phase correlation every second frame,
and keeps a bounded reservoir of thumbnails from which 1-3 keyframes are picked when it closes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from memory.ingest.camera_motion import CameraMotion, MotionConfig, MotionEstimator, MotionStep, classify_motion
from memory.ingest.colour import colour_temperature, palette, rgb_bins
from memory.ingest.decode import FrameSample

RESERVOIR = 24
"""Thumbnails kept per shot at most; when full, every other one goes and the stride doubles."""
MOTION_GAP = 2
"""Camera motion is measured between frames this far apart (half the work, twice the shift)."""


@dataclass
class ShotProfile:
    """The measured descriptors of one shot. Frames ``start_frame`` (inclusive) to ``end_frame``
    (exclusive); ``keyframes`` are (h, w, 3) uint8 RGB picked evenly through the shot."""

    index: int
    start_frame: int
    end_frame: int
    start_s: float
    end_s: float
    transition_in: str
    brightness: float
    contrast: float
    colour_temperature_k: float
    mean_rgb: tuple[int, int, int]
    palette: list[tuple[tuple[int, int, int], float]]
    motion_energy: float
    camera: CameraMotion
    keyframes: list[np.ndarray] = field(default_factory=list, repr=False)

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def _half(luma: np.ndarray) -> np.ndarray:
    """(h, w) uint8 -> (h/2, w/2) float32 by 2x2 averaging."""
    y = luma.astype(np.float32)
    h, w = (y.shape[0] // 2) * 2, (y.shape[1] // 2) * 2
    y = y[:h, :w]
    return 0.25 * (y[0::2, 0::2] + y[1::2, 0::2] + y[0::2, 1::2] + y[1::2, 1::2])


class ShotAccumulator:
    """Collects one shot's frames; ``close`` turns them into a ``ShotProfile``."""

    def __init__(self, index: int, start_frame: int, start_s: float, transition_in: str, fps: float,
                 motion: MotionEstimator, motion_config: MotionConfig) -> None:
        self.index = index
        self.start_frame = start_frame
        self.start_s = start_s
        self.transition_in = transition_in
        self.fps = fps
        self._motion = motion
        self._motion_config = motion_config
        self.frames = 0
        self._luma_sum = 0.0
        self._std_sum = 0.0
        self._diff_sum = 0.0
        self._prev_motion: np.ndarray | None = None
        self._steps: list[MotionStep] = []
        self._bin_counts = np.zeros(512, np.float64)
        self._bin_sums = np.zeros((512, 3), np.float64)
        self._rgb_sum = np.zeros(3, np.float64)
        self._thumbs = 0
        self._reservoir: list[tuple[int, np.ndarray]] = []
        self._stride = 1
        self._seen_thumbs = 0
        self.last_s = start_s

    def add(self, sample: FrameSample, diff: float) -> None:
        """One frame of the shot; ``diff`` is its mean absolute change from the previous frame."""
        luma = sample.luma
        self._luma_sum += float(luma.mean()) / 255.0
        self._std_sum += float(luma.std()) / 255.0
        if self.frames > 0:
            self._diff_sum += diff
        if self.frames % MOTION_GAP == 0:
            small = _half(luma)
            if self._prev_motion is not None:
                self._steps.append(self._motion.step(self._prev_motion, small))
            self._prev_motion = small
        if sample.thumb is not None:
            thumb = sample.thumb
            px = thumb[::4, ::4].reshape(-1, 3)
            bins = rgb_bins(px)
            self._bin_counts += np.bincount(bins, minlength=512)
            for c in range(3):
                self._bin_sums[:, c] += np.bincount(bins, weights=px[:, c], minlength=512)
            self._rgb_sum += px.mean(axis=0)
            self._thumbs += 1
            if self._seen_thumbs % self._stride == 0:
                self._reservoir.append((sample.index, thumb))
                if len(self._reservoir) >= RESERVOIR:
                    self._reservoir = self._reservoir[::2]
                    self._stride *= 2
            self._seen_thumbs += 1
        self.frames += 1
        self.last_s = sample.time_s

    def sample_rate(self) -> float:
        """Frames seen per second: the film's fps, or less when the decoder skipped frames."""
        span = self.last_s - self.start_s
        return (self.frames - 1) / span if self.frames > 1 and span > 0 else self.fps

    def close(self, end_frame: int, end_s: float) -> ShotProfile:
        n = max(self.frames, 1)
        mean_rgb = self._rgb_sum / max(self._thumbs, 1)
        duration = end_s - self.start_s
        count = 1 if duration < 2.0 else 2 if duration < 5.0 else 3
        keyframes = []
        if self._reservoir:
            for k in range(count):
                target = self.start_frame + (k + 0.5) / count * (end_frame - self.start_frame)
                best = min(self._reservoir, key=lambda item: abs(item[0] - target))
                if not keyframes or best[1] is not keyframes[-1]:
                    keyframes.append(best[1])
        return ShotProfile(
            index=self.index,
            start_frame=self.start_frame,
            end_frame=end_frame,
            start_s=self.start_s,
            end_s=end_s,
            transition_in=self.transition_in,
            brightness=self._luma_sum / n,
            contrast=self._std_sum / n,
            colour_temperature_k=colour_temperature(mean_rgb) if self._thumbs else 6500.0,
            mean_rgb=(int(mean_rgb[0]), int(mean_rgb[1]), int(mean_rgb[2])),
            palette=palette(self._bin_counts, self._bin_sums),
            motion_energy=self._diff_sum / max(self.frames - 1, 1) / 255.0,
            camera=classify_motion(self._steps, self.sample_rate() / MOTION_GAP, self._motion_config),
            keyframes=keyframes,
        )
