"""Light and sky: the palette of each time of day, the sky gradient, sun, moon, stars and clouds.

Each time of day has its own sky colours, sun height and scene light, chosen so that a 64x36 frame
tells them apart: dawn is pink-lavender with a pale sun low on the left, sunset deep orange-red with a
large sun at the horizon on the right, afternoon warm gold with the sun mid-sky, noon deep blue and
neutral with the sun high, night near-black with stars and a moon.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from generation.world.camera import CameraState, View
from generation.world.noise import noise_2d, smoothstep
from generation.world.spec import Clouds, SceneSpec, TimeOfDay, Weather


def rgb(r: float, g: float, b: float) -> np.ndarray:
    return np.array([r, g, b], dtype=np.float32)


LUMA = np.array([0.299, 0.587, 0.114], np.float32)

CLOUD_CONTRAST = 0.25
"""Least luma difference between sunlit cloud and the horizon below which low clouds are drawn in
shadow. Sunlit cloud is nearly the colour of a dawn, afternoon or sunset horizon (luma difference
0.06-0.12), so the low clouds a high camera sees were all but invisible: of the shipped evaluator's
40 cloud misses in 600 test clips, noon (white on blue, difference 0.36) had 2 and each other time of
day 8-11 (session 17). Seen from below near the horizon, such clouds show their shaded undersides,
darker than the bright sky behind them; higher up they stay sunlit."""

CLOUD_SHADOW = 0.5
"""Colour of a fully shaded low cloud, as a share of the sky colour behind it."""

CLOUD_SHADED_BAND = (0.2, 0.5)
"""Elevations (frame heights) over which the shading fades from full (below) to none (above)."""


FRAMING_SPAN_S = (0.0, 2.0)
"""Seconds of the camera's path the cloud sheet is turned for (``Sky.frame_clouds``): around the
instant every motion passes its rest view (``camera.ANCHOR_S``), and fixed, so that a clip's length
does not change its sky."""

FRAMING_HALF_WIDTHS = np.array([w / 2.0 for w in (16 / 9, 9 / 16, 1.0, 4 / 3, 3 / 4, 21 / 9)], np.float32)
"""Half the width (frame heights) of the frame shapes ``Sky.frame_clouds`` frames the clouds for
alike: a texel counts by how many of them would show it, so the middle of the view counts most (a
narrow frame sees the middle of a wide one) and one turn serves every aspect. Against a weight for
the frame's own shape this gives up little: clouds in view ×1.20 (16:9), ×1.92 (9:16), ×1.60 (1:1),
×1.10 (21:9) over the average turn (12 clips each, session 28)."""


SUBJECT_KEY_LIGHT = 0.62  # least light on a subject's colours (night light is 0.27-0.46)
SUBJECT_FOG_SHARE = 0.6  # a subject gets this share of the fog its depth would give scenery


@dataclass(frozen=True)
class Lighting:
    """The light of one clip: sky colours, what multiplies every surface colour, and haze."""

    zenith: np.ndarray  # (3,) sky colour overhead
    horizon: np.ndarray  # (3,) sky colour at the horizon
    light: np.ndarray  # (3,) multiplies surface albedo
    sun_xy: tuple[float, float]  # sun (or moon) position: angular x, elevation (frame heights)
    sun_colour: np.ndarray  # (3,)
    sun_radius: float  # frame heights
    glow: float  # strength of the halo around the sun
    night: bool
    fog_colour: np.ndarray  # (3,)
    fog_density: float  # per world unit

    def fog_amount(self, depth: float | np.ndarray) -> float | np.ndarray:
        """Fraction of fog colour seen through ``depth`` world units of air; capped so that the
        skyline still shows faintly through the thickest fog."""
        return np.minimum(1.0 - np.exp(-np.asarray(depth, dtype=np.float32) * self.fog_density), np.float32(0.88))

    def shade(self, albedo: np.ndarray, depth: float) -> np.ndarray:
        """Colour of a surface of ``albedo`` (..., 3) seen ``depth`` units away."""
        f = float(self.fog_amount(depth))
        return (albedo * self.light) * (1.0 - f) + self.fog_colour * f

    def shade_subject(self, albedo: np.ndarray, depth: float) -> np.ndarray:
        """Like ``shade``, but the subject is key-lit the way a film crew lights it: at night it
        keeps enough light to read as what it is (moonlight on it, not a black cut-out), and fog
        veils it less than the scenery behind. Without this a dog at night or a boat in fog is
        invisible, and neither the evaluator nor the generator can learn what no pixel shows."""
        light = np.maximum(self.light, np.float32(SUBJECT_KEY_LIGHT))
        f = float(self.fog_amount(depth)) * SUBJECT_FOG_SHARE
        return (albedo * light) * (1.0 - f) + self.fog_colour * f


_TIME = {
    # zenith, horizon, light, sun (x, elevation), sun colour, sun radius, glow
    TimeOfDay.dawn: (rgb(0.36, 0.40, 0.66), rgb(1.00, 0.72, 0.70), rgb(0.92, 0.76, 0.84), (-0.45, 0.05), rgb(1.0, 0.92, 0.78), 0.055, 0.55),
    TimeOfDay.noon: (rgb(0.10, 0.33, 0.86), rgb(0.60, 0.80, 1.00), rgb(1.08, 1.08, 1.04), (0.20, 0.46), rgb(1.0, 1.0, 0.96), 0.045, 0.35),
    TimeOfDay.afternoon: (rgb(0.28, 0.52, 0.86), rgb(0.98, 0.88, 0.66), rgb(1.08, 0.94, 0.72), (0.30, 0.24), rgb(1.0, 0.95, 0.72), 0.05, 0.55),
    TimeOfDay.sunset: (rgb(0.22, 0.14, 0.36), rgb(1.00, 0.42, 0.12), rgb(0.96, 0.52, 0.32), (0.38, 0.03), rgb(1.0, 0.55, 0.25), 0.085, 0.8),
    TimeOfDay.night: (rgb(0.01, 0.015, 0.05), rgb(0.05, 0.08, 0.17), rgb(0.27, 0.31, 0.46), (-0.32, 0.30), rgb(0.92, 0.94, 1.0), 0.04, 0.2),
}


def lighting_for(spec: SceneSpec, rng: np.random.Generator) -> Lighting:
    """The clip's light; ``rng`` jitters the sun's place a little so clips differ."""
    zen, hor, light, (sx, sy), sun_col, radius, glow = _TIME[spec.time_of_day]
    sx = sx + float(rng.uniform(-0.12, 0.12))
    sy = sy + float(rng.uniform(-0.02, 0.03))
    night = spec.time_of_day == TimeOfDay.night
    if spec.clouds == Clouds.overcast:
        # an overcast sky greys the light but keeps its hue, so the time of day still shows
        grey = float(hor.mean())
        hor = 0.55 * hor + 0.45 * grey * rgb(0.95, 0.96, 1.0)
        zen = 0.35 * zen + 0.65 * (0.8 * grey) * rgb(0.95, 0.96, 1.0)
        light = 0.82 * (0.65 * light + 0.35 * float(light.mean()))
        glow *= 0.3
    density = 0.0035
    fog_col = 0.55 * hor + 0.45 * float(hor.mean())
    if spec.weather == Weather.fog:
        density = 0.09
        # moonlit fog glows grey rather than vanishing into the dark, so fog reads at night too
        fog_col = 0.3 * fog_col + 0.7 * (rgb(0.8, 0.82, 0.84) * min(1.0, max(0.55, float(light.mean()))))
    elif spec.weather == Weather.rain:
        density = 0.012
        light = light * 0.82
        fog_col = fog_col * 0.85
    return Lighting(zenith=zen, horizon=hor, light=light, sun_xy=(sx, sy), sun_colour=sun_col,
                    sun_radius=radius, glow=glow, night=night, fog_colour=fog_col.astype(np.float32), fog_density=density)


class Sky:
    """Sky gradient, sun or moon, stars and drifting clouds. Fills the whole frame (ground and
    layers are drawn over it)."""

    CLOUD_TOP = 0.9  # highest elevation the cloud texture covers, frame heights
    DRIFT = 0.035  # frame heights per second the clouds drift right

    TEXELS = 128.0  # cloud texels per frame height, fixed so a seed looks the same at every size

    def __init__(self, spec: SceneSpec, lighting: Lighting, rng: np.random.Generator):
        self.spec = spec
        self.lit = lighting
        self.fogged = spec.weather == Weather.fog
        n_stars = 260
        self.stars = np.stack([rng.uniform(0, 8.0, n_stars), rng.uniform(0.0, 1.2, n_stars) ** 1.3], 1).astype(np.float32)
        self.star_phase = rng.uniform(0, 2 * np.pi, n_stars).astype(np.float32)
        self.star_bright = rng.uniform(0.35, 1.0, n_stars).astype(np.float32)
        self.cloud_rgba = self._clouds(spec.clouds, rng)
        self.cloud_shift = 0.0  # frame heights the sheet is turned by (``frame_clouds``)
        # The gradient, halo (and disc, when no stars are drawn before it) depend only on where the
        # camera looks; a static or dollying camera sees the same ones every frame, so once a view
        # repeats they are kept and copied instead of recomputed. (key, (H, W, 3) frame or None)
        self._still: tuple[tuple, np.ndarray | None] = ((), None)

    def _clouds(self, kind: Clouds, rng: np.random.Generator) -> np.ndarray | None:
        """(Ny, Nx, 4) colour and cover of the cloud sheet over one angular period, or None."""
        if kind == Clouds.none:
            return None
        tpu = self.TEXELS
        nx = int(2 ** np.ceil(np.log2(4.0 * tpu)))  # one sheet spans 4 frame heights, then repeats
        ny = int(np.ceil(self.CLOUD_TOP * tpu))
        self.period = nx / tpu
        self.tpu = tpu
        elev = (np.arange(ny, dtype=np.float32)[:, None] + 0.5) / tpu  # row 0 = horizon
        lit = self.lit
        sunlit = np.clip(lit.light * 1.05, 0, 1.2) * (0.75 if lit.night else 1.0)
        if lit.night:
            sunlit = rgb(0.38, 0.41, 0.52)  # moonlit, clearly lighter than the night sky
        shadow = 0.55 * sunlit + 0.25 * lit.horizon
        if kind == Clouds.wispy:
            n = noise_2d(rng, (ny, nx), (ny / tpu * 9, 3), falloff=1.2)
            streak = noise_2d(rng, (ny, nx), (ny / tpu * 4, 10), falloff=1.0)
            a = smoothstep(0.4, 1.8, n + 0.45 * streak) * 0.9
            # down to just above the horizon: a high camera's sky is a strip of ~0.25 frame heights
            a *= smoothstep(0.01, 0.08, elev)
            shade = np.full_like(a, 0.85)
        elif kind == Clouds.fluffy:
            n = noise_2d(rng, (ny, nx), (ny / tpu * 2.2, 9), falloff=1.6)
            puff = noise_2d(rng, (ny, nx), (ny / tpu * 7, 33), falloff=1.0)
            d = n + 0.25 * puff
            band = np.exp(-((elev - 0.36) / 0.22) ** 2)  # cumulus float in a band above the horizon
            a = smoothstep(0.05, 0.5, d * band + 0.3 * band - 0.2)
            below = np.roll(d, -max(1, int(0.03 * tpu)), axis=0)  # denser above -> shadowed underside
            shade = np.clip(0.75 + 0.9 * (d - below), 0.25, 1.0)
        else:  # overcast: a near-complete grey deck with darker folds
            n = noise_2d(rng, (ny, nx), (ny / tpu * 3, 8), falloff=1.0)
            a = np.clip(0.93 + 0.07 * n, 0, 1) * smoothstep(0.0, 0.05, elev)
            shade = np.clip(0.72 + 0.12 * n, 0.4, 1.0)
            grey = float(sunlit.mean())
            sunlit = 0.3 * sunlit + 0.7 * grey
            sunlit = 0.6 * sunlit + 0.4 * lit.horizon  # the deck glows with the sky's colour
            shadow = 0.6 * sunlit
        col = shadow[None, None, :] + (sunlit - shadow)[None, None, :] * shade[..., None]
        if self.fogged:  # fog lies low: clouds above it are veiled, not erased
            col = self._veiled(col)
            if lit.night:  # moonlit fog glows brighter than moonlit cloud: the clouds show dark against it
                col = 0.55 * col
        if kind != Clouds.overcast:  # a deck is the whole sky: nothing behind it to stand out from
            col = self._shaded_low(col, sunlit, elev[:, 0])
        a[-1] = 0.0  # the top row stands for everything above the sheet
        self.cloud_ny, self.cloud_nx = a.shape
        premult = np.concatenate([col * a[..., None], 1.0 - a[..., None]], axis=2).astype(np.float32)
        # colour and clearness as separate flat tables: gathering each into a contiguous array
        # makes the per-frame blend cheaper than strided views of one (..., 4) gather
        self.cloud_colour = np.ascontiguousarray(premult[..., :3].reshape(-1, 3))  # (Ny*Nx, 3) premultiplied
        self.cloud_clear = np.ascontiguousarray(premult[..., 3].reshape(-1))  # (Ny*Nx,) 1 - cover
        return premult

    def frame_clouds(self, views: Sequence[tuple[CameraState, float]]) -> None:
        """Turn the cloud sheet so that the stretch of it the camera looks at (``views``: the camera
        at several instants of ``FRAMING_SPAN_S`` and the time of each) is its cloudiest.

        Why: the sheet spans four frame heights and a frame sees one or two of them. Where the view
        fell on a gap, a clip asked for wispy or fluffy clouds showed almost none, a caption the
        pictures do not bear out. Session 28, 1,800 held-out and test clips: wispy clips whose
        clouds changed under 5 % of the frame were misread 14 % of the time (19 of 135), those over
        10 % 1.3 %; fluffy alike (23 of 209 under 10 %, 1 of 229 over). The texels are weighed by
        how many common frame shapes would show them (``FRAMING_HALF_WIDTHS``) over a fixed stretch
        of time, so the turn depends on neither the frame's aspect nor the clip's length, and a
        longer render still starts with the frames of a shorter one. Turning draws no random
        numbers, so everything else in the clip stays as it was."""
        if self.cloud_rgba is None:
            return
        ny, nx, tpu = self.cloud_ny, self.cloud_nx, self.tpu
        x = (np.arange(nx, dtype=np.float32) + 0.5) / tpu  # sheet coordinate of each texel column
        seen = np.zeros((ny, nx), np.float32)  # how much each texel of the sheet is looked at
        for cam, t in views:
            rows = min(ny - 1, int(np.ceil((cam.horizon + 0.5 / cam.zoom) * tpu)))  # the frame's top edge
            if rows <= 0:
                continue
            centre = (cam.yaw - self.DRIFT * t) % self.period
            off = np.abs((x - centre + 0.5 * self.period) % self.period - 0.5 * self.period)  # around the sheet
            seen[:rows] += (off[None, :] * cam.zoom < FRAMING_HALF_WIDTHS[:, None]).mean(0)
        if not seen.any():
            return
        cover = 1.0 - self.cloud_clear.reshape(ny, nx)
        # cloud looked at with the sheet turned by k texels: sum of seen[r, c] * cover[r, c + k], by FFT
        score = np.fft.irfft((np.conj(np.fft.rfft(seen, axis=1)) * np.fft.rfft(cover, axis=1)).sum(0), nx)
        self.cloud_shift = float(np.argmax(score)) / tpu

    def _veiled(self, colour: np.ndarray) -> np.ndarray:
        """A cloud colour as fog lets it through (unchanged without fog)."""
        return 0.8 * colour + 0.2 * self.lit.fog_colour if self.fogged else colour

    def _gradient_rows(self, elev: np.ndarray) -> np.ndarray:
        """Sky colour (N, 3) at elevations ``elev`` (N,), frame heights above the horizon, without
        the sun's halo: the horizon-to-zenith blend, veiled by fog."""
        lit = self.lit
        w = smoothstep(0.0, 0.75, elev) ** 0.6
        rows = (lit.horizon[None, :] * (1 - w[:, None]) + lit.zenith[None, :] * w[:, None]).astype(np.float32)
        if self.fogged:
            rows += 0.85 * (lit.fog_colour - rows)
        return rows

    def _shaded_low(self, col: np.ndarray, sunlit: np.ndarray, elev: np.ndarray) -> np.ndarray:
        """Cloud colours (Ny, Nx, 3) with the low rows (elevations ``elev``, (Ny,)) shaded toward
        ``CLOUD_SHADOW`` of the sky behind them, as far as the sunlit colour falls short of
        ``CLOUD_CONTRAST`` against the horizon (fully once it falls short by half; not at all at noon
        or at night). A blend, smooth in elevation, so a partly shaded cloud keeps some of its own
        light and shade, and no cloud is cut in two where the shading fades."""
        behind = self._gradient_rows(elev)  # (Ny, 3)
        gap = float(self._veiled(sunlit) @ LUMA) - float(behind[0] @ LUMA)
        need = float(np.clip(2.0 * (CLOUD_CONTRAST - gap) / CLOUD_CONTRAST, 0.0, 1.0))
        if need == 0.0:
            return col
        k = (need * (1.0 - smoothstep(*CLOUD_SHADED_BAND, elev)))[:, None, None].astype(np.float32)  # (Ny, 1, 1)
        return col * (1.0 - k) + (CLOUD_SHADOW * behind)[:, None, :] * k

    def draw(self, img: np.ndarray, view: View) -> None:
        """Paint the whole (H, W, 3) frame with sky."""
        cam, grid, lit = view.cam, view.grid, self.lit
        elev = cam.horizon - grid.v / cam.zoom  # (H,) elevation of each row above the horizon
        top = int(np.searchsorted(-elev, 0.0))  # rows [0, top) are above the horizon
        stars = lit.night and self.spec.clouds != Clouds.overcast
        covered = 0.25 if self.spec.clouds == Clouds.overcast else 1.0
        if self.fogged:
            covered *= 0.5
        ax = grid.u / cam.zoom + cam.yaw  # (W,) angular x of each column
        key = (cam.horizon, cam.zoom, cam.yaw, img.shape)
        seen, kept = self._still
        if kept is not None and seen == key:
            np.copyto(img, kept)
        else:
            self._gradient(img, view, elev, ax, top, covered)
            if top > 0 and not stars:
                self._disc(img[:top], view, ax, elev[:top], covered)
            self._still = (key, img.copy() if seen == key else None)  # keep it once it repeats
        if top <= 0:
            return
        sky = img[:top]
        e = elev[:top]
        if stars:
            self._stars(sky, view, ax, e)
            self._disc(sky, view, ax, e, covered)
        if self.cloud_rgba is not None:
            self._draw_clouds(sky, view, ax, e)

    def _gradient(self, img: np.ndarray, view: View, elev: np.ndarray, ax: np.ndarray, top: int, covered: float) -> None:
        """The horizon-to-zenith gradient over the frame, plus the sun's halo above the horizon."""
        lit = self.lit
        w = smoothstep(0.0, 0.75, elev) ** 0.6
        rows = (lit.horizon[None, :] * (1 - w[:, None]) + lit.zenith[None, :] * w[:, None]).astype(np.float32)  # (H, 3)
        if self.fogged:
            rows += 0.85 * (lit.fog_colour - rows)
        _fill_rows(img[top:], rows[top:])
        if top <= 0:
            return
        sky = img[:top]
        e = elev[:top]
        sx, sy = lit.sun_xy
        dx2 = (ax - sx) ** 2
        dy2 = (e - sy) ** 2
        # Sky = gradient + halo, the halo two separable Gaussians g = a(y) b(x) + c(y) d(x), so
        # sky = rows + (sun - rows) * g is rank 3 per channel: one batched matmul writes it.
        k = lit.glow * covered * (0.5 if lit.night else 1.0)
        basis = np.stack([np.ones_like(ax), np.exp(-dx2 / 0.012), np.exp(-dx2 / 0.12)], axis=1)  # (W, 3)
        toward = lit.sun_colour[None, :] - rows[:top]  # (top, 3)
        coef = np.stack([rows[:top], toward * (0.55 * k * np.exp(-dy2 / 0.012))[:, None],
                         toward * (0.45 * k * np.exp(-dy2 / 0.12))[:, None]], axis=1)  # (top, 3 terms, 3 channels)
        np.matmul(basis.astype(np.float32), coef.astype(np.float32), out=sky)

    def _disc(self, sky: np.ndarray, view: View, ax: np.ndarray, e: np.ndarray, covered: float) -> None:
        """The sun or moon disc, evaluated only in a small box around it."""
        lit, grid, cam = self.lit, view.grid, view.cam
        sx, sy = lit.sun_xy
        r = lit.sun_radius
        c0 = max(0, int(np.floor(grid.col_of(cam.zoom * (sx - r - cam.yaw)))) - 1)
        c1 = min(grid.width, int(np.ceil(grid.col_of(cam.zoom * (sx + r - cam.yaw)))) + 2)
        r0 = max(0, int(np.floor(grid.row_of(cam.zoom * (cam.horizon - sy - r)))) - 1)
        r1 = min(sky.shape[0], int(np.ceil(grid.row_of(cam.zoom * (cam.horizon - sy + r)))) + 2)
        if c1 <= c0 or r1 <= r0:
            return
        d = np.sqrt(np.add.outer((e[r0:r1] - sy) ** 2, (ax[c0:c1] - sx) ** 2))
        disc = np.clip((r - d) * (grid.height * cam.zoom) + 0.5, 0.0, 1.0) * covered
        part = sky[r0:r1, c0:c1]
        part += disc[..., None] * (lit.sun_colour - part)

    def _stars(self, sky: np.ndarray, view: View, ax: np.ndarray, e: np.ndarray) -> None:
        grid, cam = view.grid, view.cam
        sx = (self.stars[:, 0] - cam.yaw) % 8.0 - 4.0
        cols = np.round(grid.col_of(0.0) + sx * cam.zoom * grid.height).astype(np.int64)
        rows = np.round(grid.row_of(cam.zoom * (cam.horizon - self.stars[:, 1]))).astype(np.int64)
        ok = (cols >= 0) & (cols < grid.width) & (rows >= 0) & (rows < sky.shape[0])
        twinkle = self.star_bright * (0.75 + 0.25 * np.sin(self.star_phase + 5.0 * view.t))
        sky[rows[ok], cols[ok]] = np.maximum(sky[rows[ok], cols[ok]], (twinkle[ok] * 0.95)[:, None])

    def _draw_clouds(self, sky: np.ndarray, view: View, ax: np.ndarray, e: np.ndarray) -> None:
        ny, nx = self.cloud_ny, self.cloud_nx
        xi = ((ax - self.DRIFT * view.t + self.cloud_shift) % self.period * self.tpu).astype(np.int64) % nx  # (W,)
        yi = np.minimum((e * self.tpu).astype(np.int64), ny - 1)  # (top,), last row is clear sky
        idx = np.add.outer(yi * nx, xi)  # (top, W)
        clear = np.take(self.cloud_clear, idx, mode="clip")  # idx is in range by construction
        for ch in range(3):  # per channel: a (top, W, 1) broadcast would multiply three floats at a time
            sky[..., ch] *= clear
        sky += np.take(self.cloud_colour, idx, axis=0, mode="clip")


def _fill_rows(block: np.ndarray, colours: np.ndarray) -> None:
    """Set every pixel of row r of ``block`` (R, W, 3) to ``colours[r]`` (R, 3). A broadcast
    assignment would copy three floats at a time; filling the first column and then doubling the
    filled part copies whole runs of the row instead (several times faster)."""
    width = block.shape[1]
    if width == 0:
        return
    block[:, 0] = colours
    n = 1
    while n < width:
        m = min(n, width - n)
        block[:, n:n + m] = block[:, :m]
        n += m
