"""Shadows of the clouds on the ground: dark patches under fluffy clouds, faint streaks under wispy
ones.

Why: a high camera looks down, and a tree line or a zoom can leave only a strip of sky or none, so
whether the sky is clear, wispy or fluffy was unreadable in a third of the world's clips (the
evaluator read clouds right on 0.62 of high-angle clips against 0.84-0.86 at the other angles,
session 7). Real clouds tell on the ground too. The patches are fixed to the ground plane, so they
move exactly as the ground does under every camera move and never read as motion of their own.

Overcast light is already grey and even (``sky.lighting_for``), and a clear sky casts nothing. At
night the moon is too weak to cast cloud shadows worth drawing.
"""

from __future__ import annotations

import numpy as np

from generation.world.camera import View
from generation.world.noise import noise_2d, smoothstep
from generation.world.sky import Lighting
from generation.world.spec import Clouds

TEXELS = 128  # per side of the shadow tile
TILE = 48.0  # world units one tile spans (a fluffy cloud's shadow is ~6-10 units across)
DEPTH_FADE = 60.0  # world units over which patches fade into the haze of distance
STRENGTH = {Clouds.fluffy: 0.42, Clouds.wispy: 0.2}  # darkening at the heart of a shadow


class CloudShadows:
    """The clip's shadow tile (cover in [0, 1] per texel) and how dark it makes the ground."""

    def __init__(self, clouds: Clouds, lit: Lighting, rng: np.random.Generator):
        self.strength = 0.0 if lit.night else STRENGTH.get(clouds, 0.0)
        self.cover: np.ndarray | None = None
        if self.strength == 0.0:
            return
        size = (TEXELS, TEXELS)
        if clouds == Clouds.fluffy:
            n = noise_2d(rng, size, (4, 4), falloff=1.6)
            cover = smoothstep(0.2, 0.9, n)
        else:  # wispy: thin streaks stretched across the view
            n = noise_2d(rng, size, (9, 2.5), falloff=1.2)
            cover = smoothstep(0.5, 1.5, n) * 0.9
        self.cover = np.ascontiguousarray(cover.astype(np.float32).reshape(-1))

    def draw(self, img: np.ndarray, view: View, lit: Lighting, z_all: np.ndarray) -> None:
        """Darken the ground rows of ``img`` (H, W, 3) in place where a cloud stands between them and
        the sun; ``z_all`` is each row's ground depth, as ``Ground.draw`` returns it. Call right after
        the ground is drawn: later layers (trees, subjects) stay lit."""
        if self.cover is None:
            return
        cam, grid = view.cam, view.grid
        finite = np.isfinite(z_all)
        if not finite.any():
            return
        r0 = int(np.argmax(finite))
        z = z_all[r0:]  # (R,) depth of each ground row
        # the patches are soft, so they are looked up on every other row and column and each value
        # darkens a 2x2 block: a quarter of the gathers
        zs = z[::2]
        ax = (grid.u[::2] / cam.zoom + cam.yaw) * np.float32(TEXELS / TILE)  # (W/2,) ray slope, in texels
        shift = np.float32(TEXELS * 4096.0)  # keeps indices positive so truncation floors
        ix = np.multiply.outer(zs, ax)
        ix += np.float32(cam.truck * TEXELS / TILE) + shift
        idx = ix.astype(np.int32)
        idx &= TEXELS - 1
        iz = ((zs + np.float32(cam.forward)) * np.float32(TEXELS / TILE) + shift).astype(np.int32) & (TEXELS - 1)
        idx += (iz * TEXELS)[:, None]
        cover = np.take(self.cover, idx, mode="clip")  # (R/2, W/2)
        # far ground is hazy and its patches too small to hold their shape: fade them with depth
        # and with the fog the ground already shows
        reach = (self.strength * np.exp(-zs / DEPTH_FADE) * (1.0 - lit.fog_amount(zs))).astype(np.float32)
        cover *= -reach[:, None]
        cover += 1.0  # now the factor each 2x2 block is darkened by
        # spread each factor over its 2x2 block and three channels, then one same-shape multiply
        # (strided or channel-broadcast multiplies cost 0.7-1 ms a 256x144 frame, this 0.15)
        rows, width = len(z), grid.width
        factor = np.repeat(np.repeat(cover, 2, axis=0)[:rows], 6, axis=1)[:, : 3 * width]
        img[r0:] *= factor.reshape(rows, width, 3)
