"""Films cut together from procedural shots, with exactly known transitions and camera moves.

Tests and ``bench/analyze.py`` use them as ground truth for shot detection and camera-motion
classification: every shot is a camera (static, pan, tilt, zoom, handheld) moving over its own
textured world, and shots are joined by hard cuts, dissolves, fades through black or wipes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import numpy as np

TransitionKind = Literal["cut", "dissolve", "fade", "wipe"]
CameraMove = Literal["static", "pan_left", "pan_right", "tilt_up", "tilt_down", "zoom_in", "zoom_out", "handheld"]


@dataclass(frozen=True)
class ShotSpec:
    """One shot: how many frames, how its camera moves and how fast (pixels or scale per frame)."""

    frames: int
    camera: CameraMove = "static"
    speed: float = 2.0
    seed: int = 0


@dataclass(frozen=True)
class Transition:
    """A ground-truth transition into shot ``index``: frames ``[start, end]`` of the output film.

    For a cut, ``start == end`` is the first frame of the new shot.
    """

    kind: TransitionKind
    start: int
    end: int


@dataclass
class FilmTruth:
    """What a synthetic film contains, for scoring a detector against it."""

    path: Path
    fps: int
    width: int
    height: int
    frames: int
    transitions: list[Transition] = field(default_factory=list)
    shots: list[ShotSpec] = field(default_factory=list)


def _world(seed: int, height: int, width: int) -> np.ndarray:
    """(H, W, 3) uint8 textured scene: smooth colour fields plus blobs and stripes of detail."""
    rng = np.random.default_rng(seed)
    img = np.zeros((height, width, 3), np.float32)
    for cells, weight in ((4, 1.0), (16, 0.5), (64, 0.25)):
        grid = rng.random((cells * height // width + 2, cells + 2, 3)).astype(np.float32)
        ys = np.linspace(0, grid.shape[0] - 1.001, height)
        xs = np.linspace(0, grid.shape[1] - 1.001, width)
        y0, x0 = ys.astype(int), xs.astype(int)
        fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
        g = grid
        up = (g[y0][:, x0] * (1 - fy) * (1 - fx) + g[y0 + 1][:, x0] * fy * (1 - fx)
              + g[y0][:, x0 + 1] * (1 - fy) * fx + g[y0 + 1][:, x0 + 1] * fy * fx)
        img += weight * up
    img /= 1.75
    tint = rng.random(3).astype(np.float32)
    img = 0.55 * img + 0.45 * tint
    yy, xx = np.mgrid[0:height, 0:width]
    for _ in range(40):
        cy, cx, r = rng.integers(0, height), rng.integers(0, width), rng.integers(height // 40 + 2, height // 8 + 3)
        mask = (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
        img[mask] = rng.random(3)
    return np.clip(img * 255, 0, 255).astype(np.uint8)


def _camera_frames(spec: ShotSpec, height: int, width: int) -> np.ndarray:
    """(T, H, W, 3) uint8 frames of a camera moving over a world twice the frame size."""
    world = _world(spec.seed, 2 * height, 2 * width)
    rng = np.random.default_rng(spec.seed + 1)
    out = np.empty((spec.frames, height, width, 3), np.uint8)
    cy, cx = height, width  # world centre
    jitter = np.cumsum(rng.normal(0, spec.speed, (spec.frames, 2)), axis=0) * 0.6
    jitter -= np.linspace(0, 1, spec.frames)[:, None] * jitter[-1]  # wobble around the start, no drift
    for t in range(spec.frames):
        scale, dy, dx = 1.0, 0.0, 0.0
        span = t - spec.frames / 2
        if spec.camera == "pan_right":
            dx = span * spec.speed
        elif spec.camera == "pan_left":
            dx = -span * spec.speed
        elif spec.camera == "tilt_down":
            dy = span * spec.speed
        elif spec.camera == "tilt_up":
            dy = -span * spec.speed
        elif spec.camera == "zoom_in":
            scale = 1.5 * (1 - spec.speed / 200) ** t
        elif spec.camera == "zoom_out":
            scale = 1.5 * (1 - spec.speed / 200) ** (spec.frames - 1 - t)
        elif spec.camera == "handheld":
            dy, dx = jitter[t]
        ys = (cy + dy + (np.arange(height) - height / 2) * scale).astype(int).clip(0, 2 * height - 1)
        xs = (cx + dx + (np.arange(width) - width / 2) * scale).astype(int).clip(0, 2 * width - 1)
        out[t] = world[ys][:, xs]
    return out


def _blend(a: np.ndarray, b: np.ndarray, kind: TransitionKind, length: int) -> np.ndarray:
    """(L, H, W, 3) transition frames from the tail ``a`` of one shot into the head ``b`` of the next."""
    frames = np.empty_like(a)
    width = a.shape[2]
    for t in range(length):
        w = (t + 1) / (length + 1)
        if kind == "dissolve":
            frames[t] = (a[t] * (1 - w) + b[t] * w).astype(np.uint8)
        elif kind == "fade":
            # Fade out over the first half, fade in over the second half, through black.
            level = 1 - 2 * w if w < 0.5 else 2 * w - 1
            src = a[t] if w < 0.5 else b[t]
            frames[t] = (src * level).astype(np.uint8)
        elif kind == "wipe":
            edge = int(w * width)
            frames[t] = a[t]
            frames[t][:, :edge] = b[t][:, :edge]
    return frames


def make_film(
    path: Path,
    shots: list[ShotSpec],
    joins: list[tuple[TransitionKind, int]],
    *,
    width: int = 320,
    height: int = 180,
    fps: int = 24,
    crf: int = 23,
    codec: str = "libx264",
    preset: str = "ultrafast",
) -> FilmTruth:
    """Render ``shots`` joined by ``joins`` ((kind, length in frames) between consecutive shots)
    into a video at ``path`` (container from the suffix; H.264 unless ``codec`` says otherwise)
    and return the ground truth. ``preset`` is libx264's: ``ultrafast`` has no B-frames, the
    slower presets have them, as most real films do."""
    if len(joins) != len(shots) - 1:
        raise ValueError("one join between each pair of consecutive shots")
    truth = FilmTruth(path=path, fps=fps, width=width, height=height, frames=0, shots=list(shots))
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=Fraction(fps, 1))
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        if codec == "libx264":
            stream.options = {"crf": str(crf), "preset": preset}
        else:
            stream.bit_rate = 2_000_000

        def put(frames: np.ndarray) -> None:
            for rgb in frames:
                for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                    container.mux(packet)
            truth.frames += len(frames)

        pending = _camera_frames(shots[0], height, width)
        for spec, (kind, length) in zip(shots[1:], joins):
            nxt = _camera_frames(spec, height, width)
            if kind == "cut" or length == 0:
                put(pending)
                truth.transitions.append(Transition("cut", truth.frames, truth.frames))
                pending = nxt
                continue
            put(pending[:-length])
            start = truth.frames
            put(_blend(pending[-length:], nxt[:length], kind, length))
            truth.transitions.append(Transition(kind, start, truth.frames - 1))
            pending = nxt[length:]
        put(pending)
        for packet in stream.encode():
            container.mux(packet)
    return truth
