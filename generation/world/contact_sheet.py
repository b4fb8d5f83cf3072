"""A labelled contact sheet of the world: one frame per setting and time of day, written as a PNG.

Run ``python -m generation.world.contact_sheet docs/world_contact_sheet.png``. The PNG encoder and
the 5x7 label font are here (a few lines each) so the sheet needs nothing beyond numpy and zlib.
"""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

import numpy as np

from generation.world.render import render_clip
from generation.world.spec import Clouds, SceneSpec, Setting, Subject, SubjectMotion, TimeOfDay, Weather

_GLYPHS = {
    "A": "01110 10001 10001 11111 10001 10001 10001", "B": "11110 10001 11110 10001 10001 10001 11110",
    "C": "01111 10000 10000 10000 10000 10000 01111", "D": "11110 10001 10001 10001 10001 10001 11110",
    "E": "11111 10000 11110 10000 10000 10000 11111", "F": "11111 10000 11110 10000 10000 10000 10000",
    "G": "01111 10000 10000 10011 10001 10001 01111", "H": "10001 10001 11111 10001 10001 10001 10001",
    "I": "11111 00100 00100 00100 00100 00100 11111", "J": "00111 00010 00010 00010 00010 10010 01100",
    "K": "10001 10010 11100 10100 10010 10001 10001", "L": "10000 10000 10000 10000 10000 10000 11111",
    "M": "10001 11011 10101 10101 10001 10001 10001", "N": "10001 11001 10101 10011 10001 10001 10001",
    "O": "01110 10001 10001 10001 10001 10001 01110", "P": "11110 10001 10001 11110 10000 10000 10000",
    "Q": "01110 10001 10001 10001 10101 10010 01101", "R": "11110 10001 10001 11110 10100 10010 10001",
    "S": "01111 10000 10000 01110 00001 00001 11110", "T": "11111 00100 00100 00100 00100 00100 00100",
    "U": "10001 10001 10001 10001 10001 10001 01110", "V": "10001 10001 10001 10001 10001 01010 00100",
    "W": "10001 10001 10001 10101 10101 11011 10001", "X": "10001 01010 00100 00100 00100 01010 10001",
    "Y": "10001 01010 00100 00100 00100 00100 00100", "Z": "11111 00010 00100 00100 01000 10000 11111",
    "0": "01110 10011 10101 10101 10101 11001 01110", "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00110 01000 10000 11111", "3": "11110 00001 00001 01110 00001 00001 11110",
    "_": "00000 00000 00000 00000 00000 00000 11111", "-": "00000 00000 00000 11111 00000 00000 00000",
    " ": "00000 00000 00000 00000 00000 00000 00000", "/": "00001 00010 00010 00100 01000 01000 10000",
}


def draw_text(img: np.ndarray, text: str, row: int, col: int, scale: int = 1, colour=(255, 255, 255)) -> None:
    """Stamp ``text`` (upper-cased; unknown characters become spaces) into uint8 ``img`` in place,
    on a dark backing box so it reads on any frame."""
    text = text.upper()
    w = len(text) * 6 * scale + scale
    h = 9 * scale
    img[row:row + h, col:col + w] = (img[row:row + h, col:col + w] * 0.35).astype(np.uint8)
    for i, ch in enumerate(text):
        rows = _GLYPHS.get(ch, _GLYPHS[" "]).split()
        bits = np.array([[c == "1" for c in r] for r in rows], bool)
        glyph = np.kron(bits, np.ones((scale, scale), bool))
        r0, c0 = row + scale, col + scale + i * 6 * scale
        sub = img[r0:r0 + glyph.shape[0], c0:c0 + glyph.shape[1]]
        sub[glyph[: sub.shape[0], : sub.shape[1]]] = colour


def write_png(path: Path, img: np.ndarray) -> None:
    """Write uint8 (H, W, 3) as an 8-bit RGB PNG."""
    h, w, _ = img.shape
    raw = b"".join(b"\x00" + np.ascontiguousarray(img[i]).tobytes() for i in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(png)


# One column per time of day, each with its own subject, clouds and weather, so the sheet shows
# every value of those attributes somewhere.
COLUMNS = [
    (TimeOfDay.dawn, Subject.mammoth, SubjectMotion.approach, Clouds.wispy, Weather.clear),
    (TimeOfDay.noon, Subject.car, SubjectMotion.move_right, Clouds.fluffy, Weather.snow),
    (TimeOfDay.afternoon, Subject.person, SubjectMotion.move_left, Clouds.none, Weather.petals),
    (TimeOfDay.sunset, Subject.elephant, SubjectMotion.move_right, Clouds.overcast, Weather.rain),
    (TimeOfDay.night, Subject.dog, SubjectMotion.move_left, Clouds.fluffy, Weather.clear),
    (TimeOfDay.afternoon, Subject.bird, SubjectMotion.fly_across, Clouds.fluffy, Weather.fog),
]


def contact_sheet(width: int = 256, height: int = 144, seed: int = 0) -> np.ndarray:
    """uint8 grid: a row per setting, a column per entry of ``COLUMNS`` (the frame at 1 s, where
    every motion passes through the spec's rest view)."""
    rows = []
    for setting in Setting:
        tiles = []
        for tod, subject, motion, clouds, weather in COLUMNS:
            if setting == Setting.beach and subject == Subject.car:
                subject = Subject.boat
            count = 1 + (list(Setting).index(setting) + len(tiles)) % 3
            spec = SceneSpec(setting=setting, time_of_day=tod, subject=subject, count=count, subject_motion=motion,
                             clouds=clouds, weather=weather)
            frame = render_clip(spec, width=width, height=height, num_frames=25, fps=24, seed=seed)[24].copy()  # t = ANCHOR_S
            label = f"{setting.value} {tod.value} {subject.value} {weather.value if weather != Weather.clear else clouds.value}"
            draw_text(frame, label.replace("_", " "), 2, 2)
            tiles.append(np.pad(frame, ((2, 2), (2, 2), (0, 0))))
        rows.append(np.concatenate(tiles, axis=1))
    return np.concatenate(rows, axis=0)


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path("docs/world_contact_sheet.png")
    write_png(out, contact_sheet())
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
