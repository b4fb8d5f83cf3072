"""Subject silhouettes as unions of signed-distance primitives, posed by a few animation numbers.

Each body is written in local units (1 = the subject's height, feet on y = 0, facing +x) and
returns its parts back to front as (colour, signed distance) pairs; the caller turns distances into
anti-aliased coverage. A ``Canvas`` holds the local coordinates of the subject's bounding box, and
every primitive is evaluated only in its own small window of it (a leg or a wheel covers a tenth of
the box), the rest reading as far outside. Parts stay windowed (``Field``) through unions and cuts
and into the compositor, so no step touches the whole box per part; that keeps a dozen-part body
to a few hundred microseconds at 256x144. Pose numbers are Python floats (``math``, not ``np``
scalars), so every primitive computes in the canvas's float32 rather than promoting to float64.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from generation.world.sky import rgb

FAR = np.float32(1e3)  # distance reported outside a primitive's window


class Field:
    """A signed distance known only on one window of a canvas (rows ``r0:r1``, columns ``c0:c1``);
    everywhere else it reads as ``FAR``, which is zero coverage. A leg or a wheel covers a tenth of
    a subject's box, so keeping parts windowed (instead of FAR-filled box-sized arrays) lets unions
    and the compositor touch a tenth of the pixels."""

    __slots__ = ("r0", "r1", "c0", "c1", "d")

    def __init__(self, r0: int, r1: int, c0: int, c1: int, d: np.ndarray):
        self.r0, self.r1, self.c0, self.c1 = r0, r1, c0, c1
        self.d = d  # (r1 - r0, c1 - c0): float32, or float64 where numpy promoted it

    @property
    def empty(self) -> bool:
        return self.r1 <= self.r0 or self.c1 <= self.c0

    @property
    def window(self) -> tuple[slice, slice]:
        return slice(self.r0, self.r1), slice(self.c0, self.c1)

    def offset(self, k: float) -> "Field":
        """The distance plus ``k``: a part grown (k < 0) or shrunk (k > 0) by ``-k`` local units.
        Outside the window it stays FAR rather than FAR + k; both read as zero coverage."""
        return Field(self.r0, self.r1, self.c0, self.c1, self.d + k)


EMPTY = Field(0, 0, 0, 0, np.empty((0, 0), np.float32))
Part = tuple[np.ndarray, Field]  # (colour (3,), signed distance)


def _overlap(a: Field, b: Field) -> tuple[int, int, int, int]:
    return max(a.r0, b.r0), min(a.r1, b.r1), max(a.c0, b.c0), min(a.c1, b.c1)


def _sub(f: Field, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
    """``f.d`` restricted to canvas rows ``r0:r1`` and columns ``c0:c1`` (inside f's window)."""
    return f.d[r0 - f.r0:r1 - f.r0, c0 - f.c0:c1 - f.c0]


def union(*fields: Field) -> Field:
    """Pointwise minimum of the fields over the window that holds them all (FAR where none reach)."""
    live = [f for f in fields if not f.empty]
    if len(live) <= 1:
        return live[0] if live else EMPTY
    r0, r1 = min(f.r0 for f in live), max(f.r1 for f in live)
    c0, c1 = min(f.c0 for f in live), max(f.c1 for f in live)
    out = np.full((r1 - r0, c1 - c0), FAR, np.result_type(*[f.d for f in live]))
    for f in live:
        view = out[f.r0 - r0:f.r1 - r0, f.c0 - c0:f.c1 - c0]
        np.minimum(view, f.d, out=view)
    return Field(r0, r1, c0, c1, out)


def intersect(a: Field, b: Field) -> Field:
    """Pointwise maximum: where both are inside. Outside either window it is FAR."""
    r0, r1, c0, c1 = _overlap(a, b)
    if r1 <= r0 or c1 <= c0:
        return EMPTY
    return Field(r0, r1, c0, c1, np.maximum(_sub(a, r0, r1, c0, c1), _sub(b, r0, r1, c0, c1)))


def cut(a: Field, b: Field) -> Field:
    """``a`` with ``b`` carved out (max(a, -b)); outside b's window ``a`` is unchanged."""
    r0, r1, c0, c1 = _overlap(a, b)
    if r1 <= r0 or c1 <= c0:
        return a
    out = a.d.astype(np.result_type(a.d, b.d), copy=True)
    view = out[r0 - a.r0:r1 - a.r0, c0 - a.c0:c1 - a.c0]
    np.maximum(view, -_sub(b, r0, r1, c0, c1), out=view)
    return Field(a.r0, a.r1, a.c0, a.c1, out)


@dataclass(frozen=True)
class Pose:
    """The animation state of one subject at one instant."""

    t: float  # seconds
    stride: float  # walk-cycle phase, radians
    gait: float  # 0 standing .. 1 full stride
    spin: float  # wheel / ball rotation, radians
    flap: float  # wing phase, radians
    squash: float  # ball squash at impact, 0..0.3


class Canvas:
    """Local coordinates of a subject's pixels: ``x`` (1, w), monotonic along the row (falling
    when the subject faces left), and ``y`` (h, 1), falling down the column."""

    def __init__(self, x: np.ndarray, y: np.ndarray, margin: float):
        self.x, self.y, self.margin = x, y, margin  # margin: local units of ~2 pixels
        xs = x[0]
        self._asc = bool(xs[0] <= xs[-1])
        # Ascending pixel coordinates as Python floats: bisecting a list finds a primitive's window
        # several times faster than ndarray.searchsorted, and compares the same float64 values.
        self._xkey = (xs if self._asc else -xs).tolist()
        self._ykey = (-y[:, 0]).tolist()
        self.shape = (y.shape[0], x.shape[1])

    def shifted(self, dy: float) -> "Canvas":
        """The same pixels with the body raised by ``dy``."""
        return Canvas(self.x, self.y - dy, self.margin)

    def blank(self) -> Field:
        """FAR on every pixel: in a union it widens the window to the whole canvas."""
        return Field(0, self.shape[0], 0, self.shape[1], np.full(self.shape, FAR, np.float32))

    def within(self, f: Field, fn: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]) -> Field:
        """``fn(d, x, y)`` on f's window, for changes that leave FAR reading as outside (a fringe
        on the surface, an intersection with a half-plane)."""
        if f.empty:
            return f
        d = fn(f.d, self.x[:, f.c0:f.c1], self.y[f.r0:f.r1, :])
        return Field(f.r0, f.r1, f.c0, f.c1, d if d.shape == f.d.shape else np.broadcast_to(d, f.d.shape))

    def eval(self, x0: float, x1: float, y0: float, y1: float, fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Field:
        """``fn(x, y)`` on the pixels within the local box (plus margin), stored as float32."""
        m = self.margin
        if self._asc:
            c0, c1 = bisect_left(self._xkey, x0 - m), bisect_right(self._xkey, x1 + m)
        else:
            c0, c1 = bisect_left(self._xkey, -x1 - m), bisect_right(self._xkey, -x0 + m)
        r0, r1 = bisect_left(self._ykey, -y1 - m), bisect_right(self._ykey, -y0 + m)
        if c1 <= c0 or r1 <= r0:
            return EMPTY
        d = fn(self.x[:, c0:c1], self.y[r0:r1, :])
        if d.shape != (r1 - r0, c1 - c0):
            d = np.broadcast_to(d, (r1 - r0, c1 - c0))
        return Field(r0, r1, c0, c1, d.astype(np.float32, copy=False))


def ellipse(c: Canvas, cx: float, cy: float, rx: float, ry: float) -> Field:
    r = min(rx, ry)
    return c.eval(cx - rx, cx + rx, cy - ry, cy + ry,
                  lambda x, y: (np.sqrt(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2) - 1.0) * r)


def capsule(c: Canvas, a: tuple[float, float], b: tuple[float, float], ra: float, rb: float | None = None) -> Field:
    """Distance to a segment a-b whose radius tapers from ``ra`` to ``rb``."""
    rb = ra if rb is None else rb
    bax, bay = b[0] - a[0], b[1] - a[1]
    inv = 1.0 / (bax * bax + bay * bay + 1e-12)
    big = max(ra, rb)

    def dist(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        pax, pay = x - a[0], y - a[1]
        h = pax * (bax * inv) + pay * (bay * inv)
        np.maximum(h, 0.0, out=h)  # clamp to the segment (np.clip's wrapper costs more than the work)
        np.minimum(h, 1.0, out=h)
        dx = pax - bax * h
        dy = pay - bay * h
        d = np.sqrt(dx * dx + dy * dy)
        return d - (ra + (rb - ra) * h) if rb != ra else d - ra

    return c.eval(min(a[0], b[0]) - big, max(a[0], b[0]) + big, min(a[1], b[1]) - big, max(a[1], b[1]) + big, dist)


def box(c: Canvas, cx: float, cy: float, hw: float, hh: float, r: float = 0.0) -> Field:
    def dist(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        qx = np.abs(x - cx) - (hw - r)
        qy = np.abs(y - cy) - (hh - r)
        out = np.sqrt(np.maximum(qx, 0) ** 2 + np.maximum(qy, 0) ** 2)
        return out + np.minimum(np.maximum(qx, qy), 0.0) - r

    return c.eval(cx - hw, cx + hw, cy - hh, cy + hh, dist)


def polygon(c: Canvas, pts: list[tuple[float, float]]) -> Field:
    """Convex polygon (vertices counter-clockwise) as the max of its edge half-planes."""
    def dist(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        d = None
        n = len(pts)
        for i in range(n):
            (ax, ay), (bx, by) = pts[i], pts[(i + 1) % n]
            ex, ey = bx - ax, by - ay
            ln = np.hypot(ex, ey) + 1e-12
            e = ((x - ax) * (ey / ln) - (y - ay) * (ex / ln))  # > 0 outside for counter-clockwise order
            d = e if d is None else np.maximum(d, e)
        return d

    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return c.eval(min(xs), max(xs), min(ys), max(ys), dist)


def _leg(c, hip: tuple[float, float], length: float, angle: float, r0: float, r1: float) -> Field:
    foot = (hip[0] + length * math.sin(angle), hip[1] - length * math.cos(angle))
    return capsule(c, hip, foot, r0, r1)


def _legs(c, p: Pose, hips: list[float], hip_y: float, length: float, r0: float, r1: float, swing: float, far: bool) -> Field:
    """Union of a pair of legs (near or far side) in diagonal gait."""
    legs = []
    for k, hx in enumerate(hips):
        phase = p.stride + (np.pi if (k == 1) != far else 0.0)
        ang = swing * p.gait * math.sin(phase)
        lift = 0.04 * p.gait * max(0.0, float(math.cos(phase)))  # the swinging leg shortens off the ground
        legs.append(_leg(c, (hx + (0.05 if far else 0.0), hip_y), length - lift, ang, r0, r1))
    return union(*legs)


def mammoth(c, p: Pose, col: np.ndarray) -> list[Part]:
    dark = col * 0.72
    sway = 0.04 * math.sin(1.3 * p.t) + 0.05 * p.gait * math.sin(p.stride)
    body = c.within(ellipse(c, -0.05, 0.56, 0.6, 0.3),
                    lambda d, x, y: d + 0.022 * np.sin(x * 60.0) * (y < 0.45))  # shaggy belly fringe
    hump = ellipse(c, 0.18, 0.8, 0.3, 0.2)
    head = union(ellipse(c, 0.5, 0.76, 0.2, 0.22), ellipse(c, 0.47, 0.9, 0.13, 0.11))
    trunk = union(capsule(c, (0.64, 0.74), (0.75, 0.42), 0.08, 0.06),
                  capsule(c, (0.75, 0.42), (0.71 + sway, 0.1), 0.06, 0.04))
    tail = capsule(c, (-0.62, 0.62), (-0.7, 0.42), 0.025)
    tusk = union(capsule(c, (0.6, 0.58), (0.84, 0.38), 0.04, 0.032),
                 capsule(c, (0.84, 0.38), (1.0, 0.55), 0.032, 0.018))
    far = _legs(c, p, [-0.38, 0.3], 0.45, 0.43, 0.09, 0.075, 0.32, True)
    near = _legs(c, p, [-0.42, 0.26], 0.45, 0.43, 0.095, 0.08, 0.32, False)
    return [(dark, far), (col, union(body, hump, head, trunk, tail, near)), (rgb(0.93, 0.88, 0.74), tusk),
            (rgb(0.05, 0.04, 0.03), ellipse(c, 0.58, 0.8, 0.022, 0.022))]


def elephant(c, p: Pose, col: np.ndarray) -> list[Part]:
    dark = col * 0.78
    sway = 0.03 * math.sin(1.1 * p.t) + 0.04 * p.gait * math.sin(p.stride)
    body = ellipse(c, -0.05, 0.6, 0.56, 0.28)
    head = union(ellipse(c, 0.5, 0.68, 0.18, 0.2), ellipse(c, 0.52, 0.8, 0.12, 0.1))
    trunk = union(capsule(c, (0.64, 0.66), (0.73, 0.36), 0.065, 0.05),
                  capsule(c, (0.73, 0.36), (0.71 + sway, 0.04), 0.05, 0.035))
    tail = capsule(c, (-0.6, 0.66), (-0.66, 0.4), 0.018)
    ear = ellipse(c, 0.38 - 0.02 * math.sin(2.0 * p.t), 0.66, 0.14, 0.21)
    tusk = capsule(c, (0.6, 0.52), (0.76, 0.46), 0.025, 0.018)
    far = _legs(c, p, [-0.36, 0.3], 0.48, 0.46, 0.1, 0.095, 0.28, True)
    near = _legs(c, p, [-0.4, 0.26], 0.48, 0.46, 0.105, 0.1, 0.28, False)
    skin = union(body, head, trunk, tail, near)
    return [(dark, far), (col, skin), (col * 0.85, ear), (rgb(0.93, 0.9, 0.8), tusk),
            (rgb(0.05, 0.05, 0.05), ellipse(c, 0.58, 0.74, 0.02, 0.02))]


def dog(c, p: Pose, col: np.ndarray) -> list[Part]:
    dark = col * 0.7
    body = union(ellipse(c, -0.02, 0.54, 0.4, 0.15), ellipse(c, 0.26, 0.58, 0.17, 0.17))
    head = union(ellipse(c, 0.46, 0.8, 0.14, 0.13), capsule(c, (0.52, 0.76), (0.68, 0.72), 0.06, 0.05))
    wag = 0.12 * math.sin(9.0 * p.t)
    tail = capsule(c, (-0.38, 0.6), (-0.56, 0.8 + wag), 0.04, 0.025)
    far = _legs(c, p, [-0.28, 0.28], 0.48, 0.46, 0.05, 0.04, 0.45, True)
    near = _legs(c, p, [-0.32, 0.24], 0.48, 0.46, 0.055, 0.045, 0.45, False)
    ear = ellipse(c, 0.4, 0.86, 0.05, 0.1)
    return [(dark, far), (col, union(body, head, tail, near)), (dark, ear),
            (rgb(0.05, 0.04, 0.04), ellipse(c, 0.69, 0.73, 0.025, 0.025))]


def person(c, p: Pose, col: np.ndarray) -> list[Part]:
    pants = rgb(0.16, 0.18, 0.26)
    skin = rgb(0.86, 0.66, 0.52)
    swing = 0.45 * p.gait
    legs_far = _leg(c, (0.0, 0.5), 0.48, -swing * math.sin(p.stride), 0.05, 0.042)
    legs_near = _leg(c, (0.0, 0.5), 0.48, swing * math.sin(p.stride), 0.05, 0.042)
    arm_far = _leg(c, (0.0, 0.79), 0.33, swing * math.sin(p.stride) + 0.05, 0.036, 0.03)
    arm_near = _leg(c, (0.0, 0.79), 0.33, -swing * math.sin(p.stride) + 0.05, 0.038, 0.032)
    torso = capsule(c, (0.0, 0.55), (0.0, 0.79), 0.095, 0.085)
    head = ellipse(c, 0.015, 0.91, 0.072, 0.08)
    hair = ellipse(c, -0.01, 0.95, 0.07, 0.05)
    return [(pants * 0.8, legs_far), (col * 0.75, arm_far), (pants, legs_near), (col, torso),
            (skin, head), (rgb(0.2, 0.13, 0.08), hair), (skin, c.within(arm_near, lambda d, x, y: np.maximum(d, y - 0.6))),
            (col, c.within(arm_near, lambda d, x, y: np.maximum(d, 0.6 - y)))]


def car(c, p: Pose, col: np.ndarray) -> list[Part]:
    body = box(c, 0.0, 0.37, 1.3, 0.2, 0.1)
    cabin = polygon(c, [(-0.85, 0.52), (0.45, 0.52), (0.1, 0.95), (-0.7, 0.95)])
    glass = polygon(c, [(-0.76, 0.58), (0.32, 0.58), (0.05, 0.88), (-0.65, 0.88)])
    pillar = box(c, -0.2, 0.73, 0.035, 0.2)
    parts: list[Part] = [(col, union(body, cabin.offset(-0.03))), (rgb(0.55, 0.66, 0.76), cut(glass, pillar))]
    for wx in (-0.8, 0.8):
        parts.append((rgb(0.07, 0.07, 0.08), ellipse(c, wx, 0.2, 0.21, 0.21)))
        parts.append((rgb(0.72, 0.72, 0.74), ellipse(c, wx, 0.2, 0.1, 0.1)))
        co, si = math.cos(p.spin), math.sin(p.spin)
        parts.append((rgb(0.2, 0.2, 0.22), capsule(c, (wx - 0.09 * co, 0.2 - 0.09 * si), (wx + 0.09 * co, 0.2 + 0.09 * si), 0.022)))
    parts.append((rgb(1.0, 0.92, 0.6), box(c, 1.24, 0.44, 0.05, 0.05, 0.02)))
    parts.append((rgb(0.8, 0.05, 0.05), box(c, -1.26, 0.44, 0.04, 0.05, 0.02)))
    return parts


def boat(c, p: Pose, col: np.ndarray) -> list[Part]:
    c = c.shifted(0.02 * math.sin(2.1 * p.t))  # bobbing on the swell
    hull = polygon(c, [(-0.52, -0.04), (0.5, -0.04), (0.86, 0.24), (-0.72, 0.24)])
    stripe = c.within(hull, lambda d, x, y: np.maximum(d, np.abs(y - 0.17) - 0.025))
    mast = capsule(c, (0.0, 0.22), (0.0, 1.0), 0.018)
    main = polygon(c, [(0.04, 0.3), (0.6, 0.3), (0.04, 0.98)])
    jib = polygon(c, [(-0.04, 0.3), (-0.04, 0.88), (-0.5, 0.3)])
    sail = rgb(0.96, 0.95, 0.9)
    return [(rgb(0.3, 0.25, 0.2), mast), (sail, main), (sail * 0.9, jib), (col, hull), (rgb(0.95, 0.95, 0.95), stripe)]


def ball(c, p: Pose, col: np.ndarray) -> list[Part]:
    sq = p.squash
    cx, cy = 0.0, 0.5 * (1 - sq)
    rx, ry = 0.5 * (1 + sq), 0.5 * (1 - sq)
    disc = ellipse(c, cx, cy, rx, ry)

    def white(d: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The disc on alternate 60-degree sectors, 1.0 (outside) on the others."""
        ang = np.arctan2((y - cy) / ry, (x - cx) / rx) + p.spin
        return np.where((np.floor(ang * (3.0 / np.pi)) % 2) == 0, d, 1.0)

    # The off sectors read 1.0 everywhere, which is zero coverage only while a local unit spans at
    # least half a pixel (margin, ~2 pixels, at most 4 units); a tinier ball takes the whole canvas.
    base = disc if c.margin <= 4.0 else union(disc, c.blank())
    shine = ellipse(c, cx - 0.17, cy + 0.17, 0.09, 0.07)
    return [(col, disc), (rgb(0.96, 0.96, 0.94), c.within(base, white)), (rgb(1, 1, 1), intersect(shine, disc))]


def bird(c, p: Pose, col: np.ndarray) -> list[Part]:
    """Side view in flight, origin at the body's centre; the wings sweep from +0.5 to -0.35."""
    s = math.sin(p.flap)
    dark = col * 0.7
    body = union(ellipse(c, 0.0, 0.0, 0.21, 0.07), ellipse(c, 0.21, 0.035, 0.06, 0.055))
    tail = polygon(c, [(-0.16, -0.03), (-0.36, -0.07), (-0.36, 0.05), (-0.16, 0.03)])
    beak = polygon(c, [(0.25, 0.02), (0.34, 0.03), (0.25, 0.06)])
    tip = (-0.14, 0.5 * s)
    elbow = (-0.03, 0.22 * s + 0.02)
    near = union(capsule(c, (0.02, 0.02), elbow, 0.07, 0.05), capsule(c, elbow, tip, 0.05, 0.012))
    far = union(capsule(c, (0.06, 0.03), (0.02, 0.2 * s + 0.03), 0.06, 0.04),
                capsule(c, (0.02, 0.2 * s + 0.03), (-0.08, 0.46 * s), 0.04, 0.01))
    return [(dark, far), (col, union(body, tail)), (rgb(0.95, 0.6, 0.1), beak), (col * 0.9, near),
            (rgb(0.02, 0.02, 0.02), ellipse(c, 0.23, 0.05, 0.012, 0.012))]


BODIES = {"mammoth": mammoth, "elephant": elephant, "dog": dog, "person": person, "car": car,
          "boat": boat, "ball": ball, "bird": bird}
# Local bounding box (xmin, xmax, ymin, ymax) of each body facing +x.
EXTENTS = {"mammoth": (-0.82, 1.08, -0.02, 1.03), "elephant": (-0.75, 0.9, -0.02, 0.95),
           "dog": (-0.66, 0.78, -0.02, 1.0), "person": (-0.3, 0.3, -0.02, 1.0),
           "car": (-1.36, 1.36, -0.02, 0.98), "boat": (-0.78, 0.9, -0.1, 1.04),
           "ball": (-0.82, 0.82, -0.02, 1.02), "bird": (-0.4, 0.4, -0.55, 0.55)}
