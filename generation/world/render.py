"""Render a scene spec into frames: the public entry point of the procedural world.

A clip is built once (light, sky, scenery, subjects, particles; all from the seed) and then drawn
frame by frame, back to front: sky, ground, cloud shadows on the ground, parallax layers, subjects,
particles. Time is in seconds, so the same spec and seed at 12 and 24 fps show the same motion over
the same seconds; the frame at second t does not depend on the clip's length (a longer clip starts
with the shorter one's frames); and the scene does not depend on the output size: 64x36 and 256x144
show the same world.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import numpy as np

from generation.world.camera import CameraState, ScreenGrid, View, camera_at
from generation.world.cloud_shadows import CloudShadows
from generation.world.settings import build_scenery, fit_skyline
from generation.world.sky import FRAMING_SPAN_S, Sky, lighting_for
from generation.world.spec import SceneSpec
from generation.world.subjects import Cast
from generation.world.weather import Particles
from reelgraph.errors import InputError

MIN_SIDE = 8
MAX_SIDE = 4096
MAX_FRAMES = 24 * 60 * 30  # half an hour at 24 fps
MAX_CLIP_BYTES = 4 << 30  # render_clip holds the whole clip; longer ones go through render_frames


def check_render_args(spec: SceneSpec, width: int, height: int, num_frames: int, fps: float) -> None:
    if not isinstance(spec, SceneSpec):
        raise InputError(f"render needs a SceneSpec, got {type(spec).__name__}; parse a prompt with "
                         "generation.world.parse.parse_prompt or build SceneSpec(...)")
    for name, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise InputError(f"{name} must be a whole number of pixels, got {value!r}")
        if not MIN_SIDE <= value <= MAX_SIDE:
            raise InputError(f"{name}={value} is outside {MIN_SIDE}..{MAX_SIDE} pixels; pick a size in that range")
    if isinstance(num_frames, bool) or not isinstance(num_frames, (int, np.integer)) or not 1 <= num_frames <= MAX_FRAMES:
        raise InputError(f"num_frames={num_frames!r} must be a whole number in 1..{MAX_FRAMES}")
    if not isinstance(fps, (int, float, np.floating)) or not np.isfinite(fps) or not 1.0 <= float(fps) <= 240.0:
        raise InputError(f"fps={fps!r} must be a number in 1..240")


def _rng(seed: int, spec: SceneSpec, part: str) -> np.random.Generator:
    """An independent stream per part of the scene, so changing the weather does not move the
    mountains. Keyed by the values the part depends on, via a stable digest (not Python's hash)."""
    key = {
        "light": (spec.time_of_day, spec.clouds, spec.weather),
        "sky": (spec.time_of_day, spec.clouds, spec.weather),
        "scenery": (spec.setting,),
        "cast": (spec.subject, spec.count, spec.colour, spec.subject_motion, spec.setting, spec.camera_angle),
        "particles": (spec.weather,),
        "shadows": (spec.time_of_day, spec.clouds),
    }[part]
    digest = hashlib.blake2b(repr((part, [str(k) for k in key])).encode(), digest_size=8).digest()
    return np.random.default_rng([int(seed) & 0xFFFFFFFFFFFF, int.from_bytes(digest, "little")])


class Scene:
    """Everything about one clip that does not change from frame to frame."""

    def __init__(self, spec: SceneSpec, *, width: int, height: int, num_frames: int, fps: float, seed: int = 0):
        check_render_args(spec, width, height, num_frames, fps)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise InputError(f"seed={seed!r} must be a non-negative whole number")
        self.spec = spec
        self.grid = ScreenGrid.of(int(width), int(height))
        self.num_frames = int(num_frames)
        self.fps = float(fps)
        self.lit = lighting_for(spec, _rng(seed, spec, "light"))
        self.sky = Sky(spec, self.lit, _rng(seed, spec, "sky"))
        self.sky.frame_clouds(self._framing_path())
        self.scenery = fit_skyline(build_scenery(spec.setting, _rng(seed, spec, "scenery"), self.lit), spec.camera_angle)
        self.cast = Cast(spec, _rng(seed, spec, "cast"), self.scenery, self.grid.aspect)
        self.particles = Particles(spec.weather, _rng(seed, spec, "particles"))
        self.shadows = CloudShadows(spec.clouds, self.lit, _rng(seed, spec, "shadows"))
        self._buf = np.empty((self.grid.height, self.grid.width, 3), np.float32)

    def _framing_path(self, samples: int = 9) -> list[tuple[CameraState, float]]:
        """The camera at ``samples`` instants of ``FRAMING_SPAN_S`` (not of the clip: the sky must not
        depend on the clip's length), with the time of each."""
        times = np.linspace(*FRAMING_SPAN_S, samples)
        return [(camera_at(self.spec.camera_motion, self.spec.camera_angle, float(t)), float(t)) for t in times]

    def frame(self, index: int, out: np.ndarray | None = None, cover: np.ndarray | None = None) -> np.ndarray:
        """Frame ``index`` as uint8 (H, W, 3); written into ``out`` when given. With ``cover``, a
        float32 (H, W) array, it is overwritten with how much of each pixel the subjects' bodies cover
        (0..1), the exact truth a renderer has and a network must learn to see."""
        t = index / self.fps
        view = View(self.grid, camera_at(self.spec.camera_motion, self.spec.camera_angle, t), t)
        img = self._buf
        self.sky.draw(img, view)
        depth = self.scenery.ground.draw(img, view, self.lit)
        self.shadows.draw(img, view, self.lit, depth)
        for layer in self.scenery.layers:
            layer.draw(img, view, self.lit)
        if cover is not None:
            if cover.shape != img.shape[:2] or cover.dtype != np.float32:
                raise InputError(f"cover must be float32 of shape {img.shape[:2]}, got {cover.dtype} {cover.shape}")
            cover.fill(0.0)
        self.cast.draw(img, view, self.lit, cover)
        self.particles.draw(img, view, self.lit)
        if out is None:
            out = np.empty(img.shape, np.uint8)
        np.multiply(img, 255.0, out=img)
        np.clip(img, 0.0, 255.0, out=img)
        np.rint(img, out=img)
        out[...] = img
        return out


def render_frames(spec: SceneSpec, *, width: int, height: int, num_frames: int, fps: float = 24.0, seed: int = 0) -> Iterator[np.ndarray]:
    """Yield the clip's frames one at a time, uint8 (H, W, 3): constant memory for long clips."""
    scene = Scene(spec, width=width, height=height, num_frames=num_frames, fps=fps, seed=seed)
    for i in range(scene.num_frames):
        yield scene.frame(i)


def render_clip(spec: SceneSpec, *, width: int, height: int, num_frames: int, fps: float = 24.0, seed: int = 0) -> np.ndarray:
    """The whole clip as uint8 (T, H, W, 3). Deterministic for (spec, seed, size, fps)."""
    check_render_args(spec, width, height, num_frames, fps)
    if num_frames * width * height * 3 > MAX_CLIP_BYTES:
        raise InputError(f"a {num_frames}-frame {width}x{height} clip needs more than {MAX_CLIP_BYTES >> 30} GiB; "
                         "use render_frames to stream it frame by frame")
    scene = Scene(spec, width=width, height=height, num_frames=num_frames, fps=fps, seed=seed)
    clip = np.empty((scene.num_frames, height, width, 3), np.uint8)
    for i in range(scene.num_frames):
        scene.frame(i, out=clip[i])
    return clip
