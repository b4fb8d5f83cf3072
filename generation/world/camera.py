"""Where the world camera looks at each instant, and the screen grid it projects onto.

Screen coordinates are measured in frame heights from the frame centre (u to the right, v down), so a
spec looks the same at every size and aspect: a 9:16 frame shows a narrower slice of the same world.

Time is absolute: the world at second t does not depend on how long the clip is, so a longer render
of the same spec and seed starts with exactly the frames of a shorter one (the director extends a
shot seamlessly by rendering on). Every motion passes through the spec's rest view at
``ANCHOR_S`` seconds, at its full per-second rate there. Motions with a limited range (tilt, zoom,
dolly; a subject's approach, retreat or walk across the frame) ease off toward that range in long
clips (``eased``) instead of leaving the world or the frame; pans are unbounded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from generation.world.spec import CameraAngle, CameraMotion

ANCHOR_S = 1.0  # the instant every motion passes through the spec's rest view
# Rates per second, chosen so that each motion is obvious from a 1-second clip at 64x36.
PAN_RATE = 0.30  # frame heights per second that far features slide
TRUCK_PER_PAN = 1.6  # world units the camera slides per frame height of pan (gives near layers parallax)
TILT_RATE = 0.20  # frame heights per second the horizon moves
TILT_MAX = 0.3  # frame heights the horizon eases toward
ZOOM_RATE = 0.40  # natural-log zoom per second
ZOOM_MAX = 0.8  # natural-log zoom the zoom eases toward (x2.2)
DOLLY_RATE = 3.5  # world units per second forward
DOLLY_MAX = 3.0  # world units the dolly eases toward (keeps the camera short of the subjects)

# Pitch of each camera angle, as the horizon's place in frame (frame heights below centre). A low
# camera looks up (horizon low, sky fills the frame), a high camera looks down (horizon high).
ANGLE_HORIZON = {CameraAngle.low: 0.24, CameraAngle.eye: 0.02, CameraAngle.high: -0.25}
# Camera height above the ground in world units: a low camera sits near the ground.
ANGLE_HEIGHT = {CameraAngle.low: 0.9, CameraAngle.eye: 1.6, CameraAngle.high: 3.2}


@dataclass(frozen=True)
class CameraState:
    """The camera at one instant. ``yaw`` and ``horizon`` are in frame heights before zoom."""

    yaw: float  # how far the view has turned right (far features move left by zoom * yaw)
    truck: float  # world units the camera has slid right along with the pan
    horizon: float  # v of the horizon before zoom (+ = below the frame centre)
    zoom: float  # focal scale about the frame centre
    forward: float  # world units the camera has moved forward (dolly)
    height: float  # camera height above the ground, world units


def eased(rate: float, limit: float, dt: float) -> float:
    """An offset moving at ``rate`` per second around ``dt = 0`` that eases off toward +-``limit``:
    ``limit * tanh(rate * dt / limit)``; within a second or two of the anchor it is nearly linear."""
    return limit * math.tanh(rate * dt / limit)


def camera_at(motion: CameraMotion, angle: CameraAngle, t: float) -> CameraState:
    """The camera ``t`` seconds into a clip."""
    dt = t - ANCHOR_S
    yaw = 0.0
    horizon = ANGLE_HORIZON[angle]
    zoom = 1.0
    forward = 0.0
    if motion == CameraMotion.pan_right:  # the world is periodic, so pans never need slowing
        yaw = PAN_RATE * dt
    elif motion == CameraMotion.pan_left:
        yaw = -PAN_RATE * dt
    elif motion == CameraMotion.tilt_up:  # looking up: the world (and horizon) drops in frame
        horizon += eased(TILT_RATE, TILT_MAX, dt)
    elif motion == CameraMotion.tilt_down:
        horizon -= eased(TILT_RATE, TILT_MAX, dt)
    elif motion == CameraMotion.zoom_in:
        zoom = math.exp(eased(ZOOM_RATE, ZOOM_MAX, dt))
    elif motion == CameraMotion.zoom_out:
        zoom = math.exp(-eased(ZOOM_RATE, ZOOM_MAX, dt))
    elif motion == CameraMotion.dolly:
        forward = eased(DOLLY_RATE, DOLLY_MAX, dt)
    return CameraState(
        yaw=yaw,
        truck=TRUCK_PER_PAN * yaw,
        horizon=horizon,
        zoom=zoom,
        forward=forward,
        height=ANGLE_HEIGHT[angle],
    )


@dataclass(frozen=True)
class ScreenGrid:
    """Pixel-centre coordinates of a frame: ``u`` (W,) and ``v`` (H,) in frame heights."""

    width: int
    height: int
    u: np.ndarray  # (W,) float32
    v: np.ndarray  # (H,) float32

    @staticmethod
    def of(width: int, height: int) -> "ScreenGrid":
        u = ((np.arange(width, dtype=np.float32) + 0.5) - width / 2.0) / height
        v = ((np.arange(height, dtype=np.float32) + 0.5) - height / 2.0) / height
        return ScreenGrid(width=width, height=height, u=u, v=v)

    @property
    def aspect(self) -> float:
        return self.width / self.height

    def row_of(self, v: float) -> float:
        """Fractional pixel row of screen coordinate ``v``."""
        return v * self.height + self.height / 2.0 - 0.5

    def col_of(self, u: float) -> float:
        return u * self.height + self.width / 2.0 - 0.5


@dataclass(frozen=True)
class View:
    """Everything a layer needs to draw one frame."""

    grid: ScreenGrid
    cam: CameraState
    t: float  # seconds since the clip began

    def depth_scale(self, depth: float) -> float:
        """How much larger than at rest a thing ``depth`` world units away looks after the dolly."""
        return depth / max(depth - self.cam.forward, 1e-3)

    def ground_depth(self, v: np.ndarray) -> np.ndarray:
        """Depth (world units from the camera) of ground seen at screen rows ``v``; inf above the horizon."""
        below = v / self.cam.zoom - self.cam.horizon
        with np.errstate(divide="ignore"):
            z = np.where(below > 1e-4, self.cam.height / np.maximum(below, 1e-4), np.inf)
        return z.astype(np.float32)

    def project(self, x: float, y: float, z: float) -> tuple[float, float, float]:
        """Screen (u, v) and scale (frame heights per world unit) of world point (x right, y up,
        z ahead of the rest position); ``z`` must be ahead of the camera."""
        zr = max(z - self.cam.forward, 1e-3)
        s = self.cam.zoom / zr
        u = self.cam.zoom * ((x - self.cam.truck) / zr - self.cam.yaw)
        v = self.cam.zoom * (self.cam.horizon + (self.cam.height - y) / zr)
        return u, v, s
