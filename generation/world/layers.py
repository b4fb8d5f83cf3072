"""Background parallax layers: silhouettes (mountains, hills, tree lines, dunes, skylines) standing on
the ground at a fixed depth.

A layer is a height profile over angular x (frame heights at rest) plus per-sample colour, drawn as
everything between the profile and the layer's foot on the ground. Depth gives parallax for free:
the camera's slide and dolly move near layers more than far ones. Per frame a layer costs one
interpolation per column and a few whole-frame array operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from generation.world.camera import View
from generation.world.noise import noise_1d
from generation.world.sky import Lighting, rgb

PERIOD = 8.0  # angular width (frame heights) after which every layer repeats


@dataclass
class ProfileLayer:
    """One silhouette layer. Arrays are sampled on ``n`` points over ``PERIOD`` of angular x."""

    depth: float  # world units from the camera at rest
    heights: np.ndarray  # (n,) top of the layer, frame heights above the horizon at rest
    albedo: np.ndarray  # (n, 3) colour of each column before light and haze
    snowline: Optional[np.ndarray] = None  # (n,) above this height the layer is snow
    snow_albedo: np.ndarray = field(default_factory=lambda: rgb(0.95, 0.96, 1.0))
    tiers: float = 0.0  # >0: horizontal bands of snow on branches, this many per frame height
    windows: float = 0.0  # >0: a grid of windows, this many per frame height (city)
    window_seed: int = 0  # which windows are lit at night
    # (lighting, (n, 3) albedo shaded for this depth): light and depth are fixed over a clip, so the
    # column colours are shaded once and then only looked up each frame
    _shaded: Optional[tuple[Lighting, np.ndarray]] = field(default=None, init=False, repr=False, compare=False)

    def draw(self, img: np.ndarray, view: View, lit: Lighting) -> None:
        cam, grid = view.cam, view.grid
        n = self.heights.shape[0]
        rel = max(self.depth - cam.forward, 1e-3)
        s = self.depth / rel
        xl = (grid.u / cam.zoom + cam.yaw + cam.truck / rel) / s  # (W,) angular x at rest
        pos = (xl % PERIOD) * (n / PERIOD)
        i0 = pos.astype(np.int64) % n
        f = (pos - np.floor(pos)).astype(np.float32)
        i1 = (i0 + 1) % n
        h = self.heights[i0] * (1 - f) + self.heights[i1] * f  # (W,)
        v_top = cam.zoom * (cam.horizon - h * s)
        v_base = cam.zoom * (cam.horizon + cam.height / rel)
        r0 = max(0, int(np.floor(grid.row_of(float(v_top.min())))))
        r1 = min(grid.height, int(np.ceil(grid.row_of(v_base))) + 1)
        if r1 <= r0:
            return
        v = grid.v[r0:r1]
        hpx = grid.height
        cov = np.subtract.outer(v * hpx + 0.5, v_top * hpx)  # (R, W)
        np.maximum(cov, 0.0, out=cov)
        np.minimum(cov, 1.0, out=cov)
        foot = min(max((v_base - v[-1]) * hpx + 0.5, 0.0), 1.0)  # only the last row can be cut by the foot
        if foot < 1.0:
            cov[-1] *= foot
        if self._shaded is None or self._shaded[0] is not lit:
            self._shaded = (lit, lit.shade(self.albedo, self.depth))
        col = self._shaded[1][i0]  # (W, 3)
        region = img[r0:r1]
        if self.snowline is not None or self.tiers > 0 or self.windows > 0:
            yl = (cam.horizon - v / cam.zoom) / s  # (R,) height above horizon at rest
            pix = np.broadcast_to(col[None, :, :], region.shape).copy()
            if self.snowline is not None:
                sl = self.snowline[i0] * (1 - f) + self.snowline[i1] * f
                snow = yl[:, None] > sl[None, :]
                pix[snow] = lit.shade(self.snow_albedo, self.depth)
            if self.tiers > 0:  # snow lying on the branches: thin pale bands, the needles between
                band = ((yl * self.tiers) % 1.0) < 0.24
                depth_in = (h[None, :] - yl[:, None]) > 0.01
                sel = band[:, None] & depth_in
                pix[sel] = 0.4 * pix[sel] + 0.6 * lit.shade(self.snow_albedo * 0.92, self.depth)
            if self.windows > 0:
                self._windows(pix, xl, yl, h, lit)
            tmp = pix - region
        else:
            tmp = col[None, :, :] - region
        for ch in range(3):  # per channel: an (R, W, 1) broadcast would multiply three floats at a time
            tmp[..., ch] *= cov
        region += tmp

    def _windows(self, pix: np.ndarray, xl: np.ndarray, yl: np.ndarray, h: np.ndarray, lit: Lighting) -> None:
        k = self.windows
        cx = xl * k
        cy = yl * k * 1.3
        in_col = (cx % 1.0) > 0.45  # (W,)
        in_row = ((cy % 1.0) > 0.4) & (yl > 0.01)  # (R,)
        below_roof = (h[None, :] - yl[:, None]) > 0.6 / k
        ix = np.floor(cx).astype(np.int64)
        iy = np.floor(cy).astype(np.int64)
        hsh = (ix[None, :] * 73856093 ^ iy[:, None] * 19349663 ^ self.window_seed) & 1023
        win = in_row[:, None] & in_col[None, :] & below_roof
        if lit.night:
            lit_win = win & (hsh < 420)
            glow = rgb(1.0, 0.82, 0.45) * (1.0 - 0.6 * float(lit.fog_amount(self.depth)))
            pix[lit_win] = glow
            pix[win & ~lit_win] *= 0.6
        else:
            pix[win] = pix[win] * 0.55 + lit.shade(rgb(0.55, 0.68, 0.8), self.depth) * 0.45


# ------------------------------------------------------------------------------------------------
# Profiles: each returns (n,) heights in frame heights above the horizon over one PERIOD.


@dataclass
class Range:
    """A mountain range: heights plus, per sample, which face of which peak it belongs to."""

    heights: np.ndarray  # (n,)
    sunny: np.ndarray  # (n,) 1 on faces turned to the sun, 0 on the others
    peak: np.ndarray  # (n,) height of the peak each sample belongs to


def ridge_profile(rng: np.random.Generator, n: int, base: float, amp: float, peaks: float, sun_x: float = 1.0) -> Range:
    """Peaks as steep tents (max of triangles) roughened by small fractal noise: clear summits,
    ridges and a lit and a shaded face on each, as a painter would draw a range."""
    x = np.arange(n, dtype=np.float32) * (PERIOD / n)
    count = max(2, int(round(peaks * PERIOD / 2.0)))
    xs = rng.uniform(0, PERIOD, count)
    hs = base + amp * rng.uniform(0.45, 1.0, count)
    slopes = rng.uniform(0.45, 0.9, count)
    best = np.full(n, base * 0.5, np.float32)
    owner = np.full(n, -1, np.int64)
    side = np.zeros(n, np.float32)
    for k in range(count):
        d = (x - xs[k] + PERIOD / 2) % PERIOD - PERIOD / 2
        h = hs[k] - slopes[k] * np.abs(d)
        win = h > best
        best = np.where(win, h, best)
        owner = np.where(win, k, owner)
        side = np.where(win, np.sign(d), side)
    rough = 0.55 * noise_1d(rng, n, 60, 0.5) + 0.45 * noise_1d(rng, n, 220, 0.3)
    heights = best + 0.012 * (0.4 + amp * 3) * rough
    sunny = (side * (1.0 if sun_x >= 0 else -1.0) > 0).astype(np.float32)
    peak = np.where(owner >= 0, hs[np.maximum(owner, 0)], base).astype(np.float32)
    return Range(heights.astype(np.float32), sunny, peak)


def smooth_profile(rng: np.random.Generator, n: int, base: float, amp: float, bumps: float) -> np.ndarray:
    m = noise_1d(rng, n, bumps, 1.5)
    m = (m - m.min()) / (m.max() - m.min() + 1e-9)
    return (base + amp * m).astype(np.float32)


def conifer_profile(rng: np.random.Generator, n: int, trees: int, h_range: tuple[float, float], ground: float,
                    aspect: float = 0.32) -> np.ndarray:
    """A line of pointed trees: ``trees`` triangles per period with a few branch notches each."""
    x = np.arange(n, dtype=np.float32) * (PERIOD / n)
    h = np.full(n, ground, dtype=np.float32)
    step = PERIOD / n
    for xt, th in zip(rng.uniform(0, PERIOD, trees), rng.uniform(*h_range, trees)):
        hw = th * aspect
        idx = np.arange(int((xt - hw) / step) - 1, int((xt + hw) / step) + 2) % n  # only this tree's samples
        d = np.abs((x[idx] - xt + PERIOD / 2) % PERIOD - PERIOD / 2)
        tri = th * (1 - d / hw)
        notch = 0.1 * hw * (((th - tri) / (th / 4.0)) % 1.0)  # sawtooth edges: branch tiers
        h[idx] = np.maximum(h[idx], np.where(d < hw, tri - notch * (d / hw) * 2.0, ground))
    return h


def round_tree_profile(rng: np.random.Generator, n: int, trees: int, h_range: tuple[float, float], ground: float) -> np.ndarray:
    """Broadleaf trees and bushes: domed crowns on short trunks."""
    x = np.arange(n, dtype=np.float32) * (PERIOD / n)
    h = np.full(n, ground, dtype=np.float32)
    step = PERIOD / n
    for xt, th in zip(rng.uniform(0, PERIOD, trees), rng.uniform(*h_range, trees)):
        r = th * 0.6
        idx = np.arange(int((xt - r) / step) - 1, int((xt + r) / step) + 2) % n
        d = np.abs((x[idx] - xt + PERIOD / 2) % PERIOD - PERIOD / 2)
        crown = (th - r) + np.sqrt(np.clip(r * r - d * d, 0, None))
        trunk = np.where(d < r * 0.12, th - r, ground)
        h[idx] = np.maximum(h[idx], np.where(d < r, crown, trunk))
    return h


def skyline_profile(rng: np.random.Generator, n: int, h_range: tuple[float, float], w_range: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Buildings: heights (n,) and a building id per sample (for per-building colour)."""
    x = np.arange(n, dtype=np.float32) * (PERIOD / n)
    edges = np.cumsum(rng.uniform(*w_range, 400))
    edges = edges[edges < PERIOD]
    ids = np.searchsorted(edges, x)
    tops = rng.uniform(*h_range, ids.max() + 1) * np.where(rng.random(ids.max() + 1) < 0.15, 1.5, 1.0)
    h = tops[ids].astype(np.float32)
    # a few spires on the tallest towers
    for b in np.flatnonzero(tops > np.quantile(tops, 0.85)):
        cols = np.flatnonzero(ids == b)
        mid = cols[len(cols) // 2]
        h[max(mid - 1, 0): mid + 1] += 0.06
    return h, ids


def slope_shade(heights: np.ndarray, albedo: np.ndarray, strength: float, sun_x: float) -> np.ndarray:
    """(n, 3) albedo lit on the slopes facing the sun and darker on the others."""
    n = heights.shape[0]
    k = max(3, n // 400)  # shade by the smoothed slope, or surface roughness turns into stripes
    padded = np.concatenate([heights[-k:], heights, heights[:k]])
    smooth = np.convolve(padded, np.ones(k, np.float32) / k, mode="same")[k:-k]
    slope = np.gradient(smooth) * n / PERIOD
    facing = np.tanh(-np.sign(sun_x or 1.0) * slope * 3.0)
    return (albedo[None, :] * (1.0 + strength * facing)[:, None]).astype(np.float32)
