"""The ground plane below the horizon: snow, grass, sand, moss or asphalt, with the sea and its
shoreline on the beach and a road in the city.

Each row of the ground is one depth, so the plane is drawn by sampling a tileable albedo texture at
the world point under every pixel. Detail fades with depth (no shimmering near the horizon) and
haze thickens with it. Pans, tilts, zooms and the dolly all move the texture the way a real plane
moves, which is what lets a viewer (or the evaluator) read the camera from the ground alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from generation.world.camera import View
from generation.world.noise import noise_2d
from generation.world.sky import Lighting, rgb

MIP_LEVELS = 4  # 256 -> 16 texels


@dataclass
class Ground:
    tex: np.ndarray  # (Nz, Nx, 3) albedo over one tile
    tile: tuple[float, float]  # (along z, along x) world units one tile spans
    fade_depth: float = 22.0  # detail halves about every this many world units
    sea_from: Optional[float] = None  # beach: depth where sea begins
    sea_tex: Optional[np.ndarray] = None  # (Nz, Nx) wave brightness
    road: bool = False  # city: a road with a dashed centre line, running away from the camera

    def __post_init__(self) -> None:
        if self.road:
            self._paint_road()
        self.mean = self.tex.reshape(-1, 3).mean(0)
        self.nz, self.nx = self.tex.shape[:2]
        assert self.nx & (self.nx - 1) == 0 and self.nz & (self.nz - 1) == 0, "texture sides must be powers of two"
        # Mip levels (2x2 means): far rows sample a pre-averaged texture, so the ground does not
        # shimmer as the camera moves (a per-row choice, since a ground row is one depth).
        self.mips = [self.tex]
        while len(self.mips) <= MIP_LEVELS and min(self.mips[-1].shape[:2]) >= 2:
            t = self.mips[-1]
            q = t.reshape(t.shape[0] // 2, 2, t.shape[1] // 2, 2, 3)
            # the 2x2 mean, summed in the order numpy's mean((1, 3)) sums, at a sixth of its cost
            self.mips.append((((q[:, 0, :, 0] + q[:, 0, :, 1]) + q[:, 1, :, 0]) + q[:, 1, :, 1]) / 4)
        self.flats = [np.ascontiguousarray(m.reshape(-1, 3)) for m in self.mips]
        self._lit_cache: Optional[tuple[Lighting, list[np.ndarray]]] = None  # see _lit_flats

    def _paint_road(self) -> None:
        """Bake a road (dashed centre line, kerbs, pavements) into the tile's middle, along z."""
        nz, nx = self.tex.shape[:2]
        x = (np.arange(nx, dtype=np.float32) + 0.5) * (self.tile[1] / nx) - self.tile[1] / 2
        zz = (np.arange(nz, dtype=np.float32) + 0.5) * (self.tile[0] / nz)
        ax = np.abs(x)
        self.tex[:, ax > 3.35] = self.tex[:, ax > 3.35] * 1.45 + 0.05
        self.tex[:, np.abs(ax - 3.2) < 0.12] = rgb(0.85, 0.85, 0.85)
        dash = (ax[None, :] < 0.09) & (((zz[:, None] / 3.0) % 1.0) < 0.5)
        self.tex[dash] = rgb(0.92, 0.9, 0.78)

    def _lit_flats(self, lit: Lighting) -> list[np.ndarray]:
        """The mip levels' texels times the clip's light, (N, 3) each. Light is constant over a
        clip, so multiplying the few texels once replaces a whole-frame multiply per frame; the
        products are the very ones the frame would compute, so pixels do not change."""
        cached = self._lit_cache
        if cached is None or cached[0] is not lit:
            cached = (lit, [f * lit.light for f in self.flats])
            self._lit_cache = cached
        return cached[1]

    def draw(self, img: np.ndarray, view: View, lit: Lighting) -> np.ndarray:
        """Paint the ground rows of ``img``; returns every row's ground depth (inf above the horizon),
        which the cloud shadows drawn next reuse instead of computing again."""
        cam, grid = view.cam, view.grid
        z_all = view.ground_depth(grid.v)
        finite = np.isfinite(z_all)
        if not finite.any():
            return z_all
        r0 = int(np.argmax(finite))  # first row below the horizon
        z = z_all[r0:]  # (R,) depth of each ground row
        ax = grid.u / cam.zoom + cam.yaw  # (W,) ray slope
        kx = self.nx / self.tile[1]
        kz = self.nz / self.tile[0]
        shift = self.tile[1] * 4096.0  # keeps indices positive so truncation floors
        ix = np.multiply.outer(z, (ax * kx).astype(np.float32))  # (R, W) level-0 texel column
        ix += (cam.truck + (self.tile[1] / 2) + shift) * kx
        ix = ix.astype(np.int64)
        iz = ((z + cam.forward + self.tile[0] * 4096.0) * kz).astype(np.int64)  # (R,) texel row
        # texels under one pixel: across (z / H per pixel) and along (z^2 / (h H) per pixel) the row
        across = z / (cam.zoom * grid.height) * kx
        along = z * z / (cam.height * cam.zoom * grid.height) * kz
        level = np.clip(np.floor(np.log2(np.maximum(np.sqrt(across * along), 1.0))), 0, len(self.mips) - 1).astype(np.int64)
        tex = img[r0:]  # (R, W, 3): the ground is written straight into the frame
        flats = self._lit_flats(lit)
        bounds = np.flatnonzero(np.diff(level)) + 1  # levels fall monotonically down the frame: one band each
        for a, b in zip(np.concatenate([[0], bounds]), np.concatenate([bounds, [len(z)]])):
            lv = int(level[a])
            nz_l, nx_l = self.mips[lv].shape[:2]
            idx = (ix[a:b] >> lv) if lv else ix[a:b].copy()
            idx &= nx_l - 1
            idx += (((iz[a:b] >> lv) & (nz_l - 1)) * nx_l)[:, None]
            # indices are in range by construction (masked to the tile); mode="clip" skips the
            # bounds check and the buffered copy that the default mode makes of ``out``
            np.take(flats[lv], idx, axis=0, out=tex[a:b], mode="clip")
        # colour = fog*f + (1-f) * light * (mean + (tex - mean) * fade), folded into a + b * tex
        fade = np.exp2(-z / self.fade_depth)
        fog = lit.fog_amount(z)
        b = ((1.0 - fog) * fade).astype(np.float32)  # (R,)
        a = (fog[:, None] * lit.fog_colour + ((1.0 - fog) * (1.0 - fade))[:, None] * (self.mean * lit.light)).astype(np.float32)
        tex *= b[:, None, None]
        for ch in range(3):  # per channel: an (R, 1, 3) broadcast would add three floats at a time
            tex[..., ch] += a[:, ch, None]
        if self.sea_from is not None:
            self._sea(tex, z, ax, view, lit, fog)
        if r0 > 0:  # soften the horizon line against the sky
            img[r0] = 0.5 * img[r0] + 0.5 * img[r0 - 1]
        return z_all

    def _sea(self, col: np.ndarray, z: np.ndarray, ax: np.ndarray, view: View, lit: Lighting, fog: np.ndarray) -> None:
        """Paint the sea over ``col`` (R, W, 3), the ground rows at depths ``z`` (R,), in place.
        The shoreline wanders less than 1 world unit either side of ``sea_from``, so rows nearer
        than that (the lower part of the ground) hold no sea or foam and are skipped."""
        cam, t = view.cam, view.t
        Z_all = z + cam.forward
        n = int(np.count_nonzero(Z_all > self.sea_from - 1.0))  # depth falls down the frame: a top band
        if n == 0:
            return
        col, z, fog, Z = col[:n], z[:n], fog[:n], Z_all[:n]
        X = np.multiply.outer(z, ax) + cam.truck
        shore = self.sea_from + 0.7 * np.sin(0.35 * X + 0.4) + 0.25 * np.sin(0.9 * X + 1.3 * t)  # (R, W)
        nz, nx = self.sea_tex.shape
        ix = np.floor((X + 0.15 * t) * (nx / 24.0)).astype(np.int64) % nx
        iz = (np.floor((Z - 0.6 * t) * (nz / 12.0)).astype(np.int64) % nz)[:, None]
        waves = self.sea_tex[iz, ix]  # (R, W) in [-1, 1]
        far = np.clip(z / 45.0, 0.0, 1.0)[:, None, None]
        deep = rgb(0.05, 0.26, 0.42) * lit.light
        shallow = rgb(0.12, 0.5, 0.58) * lit.light
        inland = Z[:, None] - shore  # (R, W) how far past the shoreline each pixel lies
        near = np.clip(inland / 2.5, 0, 1)[..., None]
        water = shallow + (deep - shallow) * near
        water = water * (1 - 0.7 * far) + lit.horizon * (0.7 * far)
        water = water + (0.12 * waves * (1 - far[..., 0]))[..., None] * lit.light
        foam = (inland < 0.45) & (inland > 0.0)
        water[foam] = rgb(0.92, 0.95, 0.98) * lit.light
        if not lit.night:
            glitter = np.clip(waves - 0.75, 0, None) * 3.0 * (1 - far[..., 0])
            water += glitter[..., None] * lit.light * 0.5
        f = fog[:, None, None]
        water = water * (1.0 - f) + lit.fog_colour * f
        np.copyto(col, water, where=(Z[:, None] > shore)[..., None])


# ------------------------------------------------------------------------------------------------
# Albedo textures: (Nz, Nx, 3) tiles.


def ground_texture(rng: np.random.Generator, base: np.ndarray, detail: np.ndarray, size: tuple[int, int],
                   cutoff: tuple[float, float], speckle: Optional[list[np.ndarray]] = None,
                   speckle_rate: float = 0.0) -> np.ndarray:
    """Base colour with smooth patches of ``detail`` and, optionally, sparse coloured speckles
    (flowers on grass, stones on sand)."""
    n = noise_2d(rng, size, cutoff, falloff=0.8)
    n *= 0.6
    n += 0.35 * rng.standard_normal(size, dtype=np.float32)
    tex = base.astype(np.float32)[None, None, :] + n[..., None] * detail.astype(np.float32)[None, None, :]
    if speckle:
        count = int(speckle_rate * size[0] * size[1])
        flat = tex.reshape(-1, 3)
        where = rng.integers(0, flat.shape[0], count)
        flat[where] = np.asarray(speckle, np.float32)[rng.integers(0, len(speckle), count)]
    np.clip(tex, 0.0, 1.0, out=tex)
    return tex


def ripple_texture(rng: np.random.Generator, base: np.ndarray, size: tuple[int, int], strength: float) -> np.ndarray:
    """Sand with wind ripples running across the view."""
    nz, nx = size
    zz = np.arange(nz, dtype=np.float32)[:, None]
    warp = noise_2d(rng, size, (3, 3), 1.0)
    ripple = np.sin(zz * (2 * np.pi * 14 / nz) + 2.2 * warp)
    n = noise_2d(rng, size, (6, 6), 0.8)
    tex = base[None, None, :] * (1.0 + strength * ripple[..., None] + 0.06 * n[..., None])
    return np.clip(tex, 0.0, 1.0).astype(np.float32)


def wave_texture(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    nz, nx = size
    zz = np.arange(nz, dtype=np.float32)[:, None]
    warp = noise_2d(rng, size, (4, 6), 1.0)
    w = np.sin(zz * (2 * np.pi * 10 / nz) + 1.8 * warp) + 0.5 * noise_2d(rng, size, (12, 20), 0.6)
    return np.clip(w / 1.5, -1, 1).astype(np.float32)
