"""Naming what the camera saw: dominant colours, colour temperature, brightness words."""

from __future__ import annotations

import numpy as np

# A small vocabulary of colour names that reads well in a description and in a search query.
NAMED_COLOURS: dict[str, tuple[int, int, int]] = {
    "black": (10, 10, 10), "charcoal": (54, 54, 58), "grey": (128, 128, 128), "silver": (192, 192, 192),
    "white": (245, 245, 245), "red": (200, 30, 30), "dark red": (110, 20, 20), "orange": (240, 140, 30),
    "amber": (255, 190, 0), "yellow": (240, 230, 60), "olive": (120, 120, 40), "green": (40, 160, 50),
    "dark green": (20, 80, 30), "teal": (0, 128, 128), "cyan": (60, 220, 230), "sky blue": (130, 190, 235),
    "blue": (40, 70, 200), "navy": (20, 30, 90), "purple": (120, 50, 160), "magenta": (220, 50, 170),
    "pink": (240, 160, 190), "brown": (120, 75, 40), "tan": (205, 170, 120), "beige": (225, 210, 180),
}
_NAMES = list(NAMED_COLOURS)
_TABLE = np.array([NAMED_COLOURS[n] for n in _NAMES], np.float32)


def colour_name(rgb: tuple[int, int, int] | np.ndarray) -> str:
    """Nearest named colour (Euclidean in RGB, good enough for words)."""
    d = ((_TABLE - np.asarray(rgb, np.float32)) ** 2).sum(axis=1)
    return _NAMES[int(np.argmin(d))]


def palette(bin_counts: np.ndarray, bin_sums: np.ndarray, n: int = 5) -> list[tuple[tuple[int, int, int], float]]:
    """Top ``n`` colours from a 512-bin RGB histogram: ``bin_counts`` (512,), ``bin_sums`` (512, 3)
    (sum of the RGB values that fell in each bin). Returns ((r, g, b), share) pairs."""
    total = float(bin_counts.sum()) or 1.0
    order = np.argsort(-bin_counts)[:n]
    out = []
    for b in order:
        if bin_counts[b] == 0:
            break
        mean = bin_sums[b] / bin_counts[b]
        out.append(((int(mean[0]), int(mean[1]), int(mean[2])), float(bin_counts[b] / total)))
    return out


def rgb_bins(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 -> (...,) bin index 0..511 (3 bits per channel)."""
    q = rgb >> 5
    return (q[..., 0].astype(np.int32) << 6) | (q[..., 1].astype(np.int32) << 3) | q[..., 2].astype(np.int32)


def colour_temperature(mean_rgb: np.ndarray) -> float:
    """Correlated colour temperature (kelvin) of a mean sRGB colour, McCamy's approximation,
    clamped to 1,500-15,000 K. Warm light reads low, daylight ~6,500 K, shade and blue hour high."""
    c = np.clip(np.asarray(mean_rgb, np.float64) / 255.0, 1e-4, 1.0)
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    x_, y_, z_ = (
        0.4124 * lin[0] + 0.3576 * lin[1] + 0.1805 * lin[2],
        0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2],
        0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2],
    )
    s = x_ + y_ + z_
    x, y = x_ / s, y_ / s
    if abs(0.1858 - y) < 1e-6:
        return 6500.0
    n = (x - 0.3320) / (0.1858 - y)
    cct = 449 * n**3 + 3525 * n**2 + 6823.3 * n + 5520.33
    return float(np.clip(cct, 1500, 15000))


def temperature_word(kelvin: float) -> str:
    if kelvin < 4000:
        return "warm"
    if kelvin > 7500:
        return "cool"
    return "neutral"


def brightness_word(level: float) -> str:
    """``level`` 0..1 mean luma."""
    if level < 0.2:
        return "very dark"
    if level < 0.38:
        return "dark"
    if level < 0.62:
        return "mid-key"
    if level < 0.8:
        return "bright"
    return "very bright"


def contrast_word(std: float) -> str:
    """``std`` 0..1 luma standard deviation."""
    if std < 0.12:
        return "low-contrast"
    if std < 0.24:
        return "medium-contrast"
    return "high-contrast"
