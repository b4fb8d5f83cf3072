"""The subjects of a clip: where each one stands, how it moves through the world, and drawing it.

Subjects live in world coordinates on the ground plane (birds in the air, boats on the sea), so
the camera's pan, zoom and dolly move them the way they move the ground they stand on. Every motion is
centred on ``ANCHOR_S``: that frame shows the group in its seeded layout.

A clip's caption must be true of what is on screen, or nothing trained on the world (the evaluator,
the generator) can learn it. So a subject's own motion always reads against the camera's, both on
screen and against the ground behind it:

- walkers and fliers travel at a steady pace; when the camera pans the same way, they travel faster
  by the ground's screen speed, so they still cross the frame the stated way while the ground slides
  the other way;
- the frame wraps sideways for them (and for every subject while the camera pans): a subject that
  leaves one side re-enters from the other once it is wholly out of sight, so no part of a long clip
  is empty and the motion is visible in every stretch of it;
- approaching or receding outpaces a zoom the other way (its rate and range grow by the zoom's), and
  under a dolly the subject's distance is measured from the moving camera, so the camera's own
  approach neither cancels a retreat nor swallows an approach.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from generation.world.camera import (
    ANCHOR_S, ANGLE_HEIGHT, ANGLE_HORIZON, PAN_RATE, TRUCK_PER_PAN, ZOOM_MAX, ZOOM_RATE, View, eased,
)
from generation.world.settings import Scenery
from generation.world.shapes import BODIES, EXTENTS, Canvas, Pose
from generation.world.sky import Lighting, rgb
from generation.world.spec import CameraMotion, Colour, SceneSpec, Setting, Subject, SubjectMotion

COLOURS = {
    Colour.red: rgb(0.82, 0.1, 0.1), Colour.orange: rgb(0.95, 0.5, 0.1), Colour.yellow: rgb(0.96, 0.84, 0.15),
    Colour.green: rgb(0.15, 0.6, 0.2), Colour.blue: rgb(0.12, 0.3, 0.85), Colour.white: rgb(0.93, 0.93, 0.92),
    Colour.black: rgb(0.08, 0.08, 0.09), Colour.brown: rgb(0.45, 0.28, 0.14), Colour.grey: rgb(0.5, 0.5, 0.52),
}


@dataclass(frozen=True)
class Kind:
    """How big a subject is and how it moves."""

    height: float  # world units (birds: wingspan)
    screen: float  # its height on screen at mid-clip, frame heights, before depth jitter
    speed: float  # screen speed when moving, frame heights per second
    stride: float  # world units per walk cycle (wheel or ball circumference for rollers)
    natural: tuple[float, float, float]  # default colour when the spec gives none


KINDS = {
    Subject.mammoth: Kind(3.4, 0.44, 0.3, 2.2, (0.42, 0.27, 0.15)),
    Subject.elephant: Kind(3.2, 0.42, 0.3, 2.2, (0.52, 0.52, 0.55)),
    # Small subjects are big of their kind (a large dog, a beach ball, a gull) so that even at
    # 64x36 they span several pixels and their silhouette can be told apart.
    Subject.dog: Kind(1.3, 0.3, 0.36, 1.1, (0.55, 0.36, 0.18)),
    Subject.person: Kind(1.8, 0.4, 0.28, 1.3, (0.75, 0.2, 0.2)),
    Subject.car: Kind(1.5, 0.3, 0.45, 1.3, (0.75, 0.1, 0.1)),
    Subject.boat: Kind(4.0, 0.32, 0.2, 1.0, (0.9, 0.9, 0.9)),
    Subject.ball: Kind(1.0, 0.26, 0.36, 3.14, (0.85, 0.12, 0.12)),
    # A bird's wingspan at 0.3 frame heights left a single gull ~0.15 wide on screen and half a
    # percent of the frame: at the evaluator's 96-px canvas a few cells, easily lost in rain or fog
    # (session 18: 14 of 74 bird clips misread as empty or as standing still, and 9 empty skies
    # read as a bird). A bird 1.4x larger at the same depth is as wide as a dog, and a dolly still
    # flies the camera short of it.
    Subject.bird: Kind(1.4, 0.42, 0.55, 1.0, (0.15, 0.15, 0.18)),
}
APPROACH_RATE = 0.45  # natural-log change of depth per second when approaching or receding
APPROACH_MAX = 0.8  # natural-log change of depth either side of the middle of the clip
# Bodies are drawn side on; one walking toward or away from the camera is squeezed sideways, which
# reads as the three-quarter view of a diagonal walk. A dog squeezed as much as the big animals
# stands taller than it is long, which reads as a person or a ball (session 18: 8 of the evaluator's
# 11 dog misses), so it keeps more of its length.
DEPTH_SQUEEZE = 0.62
DEPTH_SQUEEZE_BY_KIND = {Subject.dog: 0.8, Subject.ball: 1.0, Subject.bird: 1.0}
APPROACH_DOLLY_SHARE = 0.5  # an approacher under a dolly keeps half the camera's advance (so it never reaches the lens)
TRAVELLERS = (SubjectMotion.move_left, SubjectMotion.move_right, SubjectMotion.fly_across)
BOUNCE_HZ = 1.6
BOUNCE_HEIGHT = 2.6  # ball diameters
# Where birds fly at mid-clip, frame heights from the centre (+ = down), and how deep. A bird that
# leaves the frame or shrinks to a speck cannot be told from an empty sky, so each camera move
# starts the bird where the move carries it through the frame rather than out of it: they keep
# clear of the top edge (a high camera's horizon is already near it); a tilt shifts the world by
# -0.175..+0.3 frame heights over an 8-s clip (anchored at 1 s), so under a tilt the range leans
# the way the world will travel from; a zoom-in pushes everything off-centre outward; a zoom-out
# shrinks everything 2.2x, so the bird starts nearer; a dolly ends DOLLY_MAX world units forward,
# which would fly the camera into a bird at its usual depth, so the bird flies deeper and just
# above the horizon, and the push grows it ~3.5x without carrying it out of the top edge.
BIRD_V_RANGE = (-0.24, 0.12)
BIRD_TILT_V_RANGE = {CameraMotion.tilt_up: (-0.24, 0.1), CameraMotion.tilt_down: (-0.1, 0.24)}
BIRD_TILT_LEAD = {CameraMotion.tilt_up: -0.1, CameraMotion.tilt_down: 0.1}
BIRD_ZOOM_IN_PULL = 0.75
BIRD_DEPTH = {CameraMotion.dolly: 1.25, CameraMotion.zoom_out: 0.75}
BIRD_DOLLY_RISE = 0.08


@dataclass(frozen=True)
class Actor:
    subject: Subject
    kind: Kind
    x: float  # world x at mid-clip
    z: float  # world depth at mid-clip
    alt: float  # world height of the body's origin (birds fly, others stand at 0)
    facing: int  # +1 faces right, -1 left
    colour: np.ndarray  # (3,)
    phase: float  # animation phase offset, radians


class Cast:
    """All subjects of a clip; ``draw`` paints them far to near with their ground shadows."""

    def __init__(self, spec: SceneSpec, rng: np.random.Generator, scenery: Scenery, aspect: float):
        self.spec = spec
        self.aspect = aspect
        walks_in_depth = spec.subject_motion in (SubjectMotion.approach, SubjectMotion.recede)
        self.squeeze = DEPTH_SQUEEZE_BY_KIND.get(spec.subject, DEPTH_SQUEEZE) if walks_in_depth else 1.0
        self.actors: list[Actor] = []
        if spec.subject == Subject.none:
            return
        kind = KINDS[spec.subject]
        n = spec.count
        hv = ANGLE_HORIZON[spec.camera_angle]
        hcam = ANGLE_HEIGHT[spec.camera_angle]
        motion = spec.subject_motion
        if motion == SubjectMotion.move_left:
            facing = -1
        elif motion == SubjectMotion.move_right:
            facing = 1
        else:
            facing = 1 if rng.random() < 0.5 else -1
        ext = EXTENTS[spec.subject.value]
        length = (ext[1] - ext[0]) * kind.screen  # screen width of one subject, frame heights
        centre = float(rng.uniform(-0.08, 0.08)) * aspect
        fit = min(1.0, 0.85 * aspect / length)  # a narrow (9:16) frame still shows a whole subject
        length *= fit
        gap = min(length * 0.8, 0.8 * aspect / n)
        base = kind.height / (kind.screen * fit)
        if spec.subject != Subject.bird:
            base = max(base, hcam / (0.4 - hv))  # keep the feet inside the frame
        else:
            base *= BIRD_DEPTH.get(spec.camera_motion, 1.0)
        if spec.setting == Setting.beach and scenery.ground.sea_from is not None:
            sea = scenery.ground.sea_from
            base = max(base, sea + 3.0) if spec.subject == Subject.boat else min(base, max(sea - 1.8, hcam / (0.46 - hv)))
        if spec.subject == Subject.car and spec.setting == Setting.city:
            centre = 0.0
        depth_steps = [0.0, 0.28, 0.14]
        for i in range(n):
            z = base * (1.0 + depth_steps[i] + float(rng.uniform(-0.04, 0.04)))
            u = centre + (i - (n - 1) / 2.0) * gap + float(rng.uniform(-0.02, 0.02))
            alt = 0.0
            if spec.subject == Subject.bird:
                rise = BIRD_DOLLY_RISE if spec.camera_motion == CameraMotion.dolly else 0.2
                v_range = BIRD_TILT_V_RANGE.get(spec.camera_motion, BIRD_V_RANGE)
                v = float(np.clip(hv - rise + BIRD_TILT_LEAD.get(spec.camera_motion, 0.0), *v_range))
                v = v * (BIRD_ZOOM_IN_PULL if spec.camera_motion == CameraMotion.zoom_in else 1.0)
                v += 0.06 * abs(i - (n - 1) / 2.0) + float(rng.uniform(-0.03, 0.03))
                alt = hcam - (v - hv) * z
            self.actors.append(Actor(spec.subject, kind, u * z, z, alt, facing, self._colour(spec, kind, rng),
                                     float(rng.uniform(0, 2 * np.pi))))

    @staticmethod
    def _colour(spec: SceneSpec, kind: Kind, rng: np.random.Generator) -> np.ndarray:
        """The spec's colour; else a seeded one for things that come in any colour (cars, balls,
        clothes, dogs' coats) and the natural colour for mammoths and elephants."""
        if spec.colour is not None:
            return COLOURS[spec.colour]
        if spec.subject in (Subject.mammoth, Subject.elephant):
            return np.array(kind.natural, np.float32)
        if spec.subject == Subject.dog:
            coats = [(0.55, 0.36, 0.18), (0.12, 0.1, 0.09), (0.9, 0.85, 0.75), (0.8, 0.6, 0.3)]
            base = np.array(coats[int(rng.integers(len(coats)))], np.float32)
        else:
            base = list(COLOURS.values())[int(rng.integers(len(COLOURS)))]
        return np.clip(base * float(rng.uniform(0.8, 1.15)), 0.0, 1.0).astype(np.float32)

    def _travel_speed(self, a: Actor) -> float:
        """Screen speed (frame heights per second at zoom 1) of a traveller relative to the ground
        it crosses: its own pace, plus the ground's screen speed when the camera pans its way."""
        cam = self.spec.camera_motion
        pans_along = (cam == CameraMotion.pan_left and a.facing < 0) or (cam == CameraMotion.pan_right and a.facing > 0)
        ground = PAN_RATE * (1.0 + TRUCK_PER_PAN / a.z) if pans_along else 0.0
        return a.kind.speed + ground

    def _state(self, a: Actor, view: View) -> tuple[float, float, float, Pose]:
        """World (x, altitude, depth) and pose of actor ``a`` in ``view``. Approach and retreat ease
        toward a limit; travellers keep going (the frame wraps for them, see ``draw``)."""
        t = view.t
        dt = t - ANCHOR_S
        m = self.spec.subject_motion
        cam = self.spec.camera_motion
        x, z, alt = a.x, a.z, a.alt
        travelled = 0.0
        gait = 0.0
        squash = 0.0
        if m in TRAVELLERS:
            travelled = self._travel_speed(a) * dt * a.z
            gait = 1.0
            x = a.x + a.facing * travelled
        elif m in (SubjectMotion.approach, SubjectMotion.recede):
            sign = -1.0 if m == SubjectMotion.approach else 1.0
            against = (m == SubjectMotion.approach and cam == CameraMotion.zoom_out) or (
                m == SubjectMotion.recede and cam == CameraMotion.zoom_in)
            rate = APPROACH_RATE + (ZOOM_RATE if against else 0.0)
            limit = APPROACH_MAX + (ZOOM_MAX if against else 0.0)
            k = eased(rate, limit, dt)
            z = a.z * math.exp(sign * k)
            if cam == CameraMotion.dolly:
                z += view.cam.forward * (1.0 if m == SubjectMotion.recede else APPROACH_DOLLY_SHARE)
            x = a.x + a.facing * 0.06 * a.z * k / APPROACH_RATE  # a slight diagonal reads as walking
            travelled, gait = k * a.z * 1.4, 1.0 - (k / limit) ** 2
        elif m == SubjectMotion.bounce:
            ph = abs(math.sin(math.pi * BOUNCE_HZ * dt + a.phase))
            alt = a.alt + BOUNCE_HEIGHT * a.kind.height * ph
            squash = 0.22 * max(0.0, 1.0 - ph / 0.12)
        stride = a.phase + 2.0 * math.pi * abs(travelled) / a.kind.stride
        spin = -travelled / (a.kind.stride / (2 * math.pi)) * a.facing
        flap = a.phase + 2.0 * math.pi * (3.2 if gait > 0 or a.subject == Subject.bird else 0.0) * t
        if a.subject == Subject.bird and m == SubjectMotion.still:
            alt += 0.04 * a.kind.height * math.sin(2.0 * t + a.phase)
        return x, alt, z, Pose(t=t + a.phase, stride=stride, gait=gait, spin=spin, flap=flap, squash=squash)

    def _wraps(self) -> bool:
        """Whether subjects re-enter from the far side once they leave the frame sideways."""
        pans = self.spec.camera_motion in (CameraMotion.pan_left, CameraMotion.pan_right)
        return self.spec.subject_motion in TRAVELLERS or pans

    def _wrapped(self, a: Actor, u: float, s: float) -> float:
        """Screen ``u`` folded into the frame plus a margin wide enough that the jump happens
        while the subject (of screen scale ``s``) is wholly out of sight."""
        x0, x1, _, _ = EXTENTS[a.subject.value]
        half = max(abs(x0), abs(x1)) * s * a.kind.height * self.squeeze + 0.03
        period = self.aspect + 2.0 * half
        return (u + 0.5 * period) % period - 0.5 * period

    def draw(self, img: np.ndarray, view: View, lit: Lighting, cover: np.ndarray | None = None) -> None:
        """Paint every subject into ``img`` (H, W, 3); with ``cover`` (H, W) float32, also mark how
        much of each pixel a subject's body covers (maximum over subjects; shadows are not bodies):
        the truth the evaluator's subject mask is trained on."""
        states = [(a, *self._state(a, view)) for a in self.actors]
        states.sort(key=lambda s: -s[3])
        wraps = self._wraps()
        for a, x, alt, z, pose in states:
            if z - view.cam.forward <= 0.2:
                continue
            u, v, s = view.project(x, alt, z)
            shift = (self._wrapped(a, u, s) - u) if wraps else 0.0
            if a.subject not in (Subject.bird, Subject.boat):
                self._shadow(img, view, a, x, z, alt, shift)
            self._body(img, view, lit, a, u + shift, v, s, z, pose, cover)

    def _body(self, img, view: View, lit: Lighting, a: Actor, u: float, v: float, s: float, z: float, pose: Pose,
              cover: np.ndarray | None = None) -> None:
        """Paint actor ``a`` with its origin at screen ``(u, v)`` and scale ``s`` (frame heights per
        world unit), ``z`` world units deep."""
        grid = view.grid
        sc = s * a.kind.height  # frame heights per local unit
        sx = sc * self.squeeze  # horizontal scale: foreshortened when walking toward or away from us
        x0, x1, y0, y1 = EXTENTS[a.subject.value]
        if a.facing < 0:
            x0, x1 = -x1, -x0
        c0 = max(0, int(np.floor(grid.col_of(u + x0 * sx))))
        c1 = min(grid.width, int(np.ceil(grid.col_of(u + x1 * sx))) + 1)
        r0 = max(0, int(np.floor(grid.row_of(v - y1 * sc))))
        r1 = min(grid.height, int(np.ceil(grid.row_of(v - y0 * sc))) + 1)
        if c1 <= c0 or r1 <= r0:
            return
        lx = (a.facing * (grid.u[c0:c1] - u) / sx)[None, :]  # (1, w) local x
        ly = ((v - grid.v[r0:r1]) / sc)[:, None]  # (h, 1) local y
        inv_px = sc * grid.height  # pixels per local unit
        depth = z - view.cam.forward
        canvas = Canvas(lx, ly, margin=2.0 / (min(sx, sc) * grid.height))
        parts = BODIES[a.subject.value](canvas, pose, a.colour)
        # Composite front to back on coverage only (one channel), then colour all parts with one
        # matmul: cheaper than blending three channels per part. Each part touches only its own
        # window; outside it its coverage is zero, which the zero-filled weights already say.
        shape = (r1 - r0, c1 - c0)
        weights = np.zeros(shape + (len(parts),), np.float32)
        remaining = np.ones(shape, np.float32)
        scale = np.float32(-inv_px)
        for k in range(len(parts) - 1, -1, -1):
            f = parts[k][1]
            if f.empty:
                continue
            cov = f.d * scale
            cov += 0.5
            np.maximum(cov, 0.0, out=cov)
            np.minimum(cov, 1.0, out=cov)
            rem = remaining[f.r0:f.r1, f.c0:f.c1]
            cov *= rem
            weights[f.r0:f.r1, f.c0:f.c1, k] = cov
            rem -= cov
        colours = lit.shade_subject(np.stack([c for c, _ in parts]).astype(np.float32), depth)  # (K, 3)
        region = img[r0:r1, c0:c1]
        for ch in range(3):  # per channel: a (h, w, 1) broadcast would multiply three floats at a time
            region[..., ch] *= remaining
        region += weights @ colours
        if cover is not None:
            covered = cover[r0:r1, c0:c1]
            np.maximum(covered, 1.0 - remaining, out=covered)

    def _shadow(self, img, view: View, a: Actor, x: float, z: float, alt: float, shift: float = 0.0) -> None:
        grid = view.grid
        u, v, s = view.project(x, 0.0, z)
        u += shift  # follows the body when the frame wraps
        ext = EXTENTS[a.subject.value]
        rx = 0.42 * (ext[1] - ext[0]) * s * a.kind.height
        ry = max(0.12 * rx, 0.5 / grid.height)
        c0, c1 = max(0, int(grid.col_of(u - rx))), min(grid.width, int(np.ceil(grid.col_of(u + rx))) + 1)
        r0, r1 = max(0, int(grid.row_of(v - ry))), min(grid.height, int(np.ceil(grid.row_of(v + ry))) + 1)
        if c1 <= c0 or r1 <= r0:
            return
        dx = ((grid.u[c0:c1] - u) / rx)[None, :]
        dy = ((grid.v[r0:r1] - v) / ry)[:, None]
        k = np.clip(1.0 - (dx * dx + dy * dy), 0.0, 1.0)
        strength = 0.45 / (1.0 + alt / max(a.kind.height, 1e-3))
        keep = 1.0 - strength * k
        region = img[r0:r1, c0:c1]
        for ch in range(3):  # per channel: an (h, w, 1) broadcast would multiply three floats at a time
            region[..., ch] *= keep
