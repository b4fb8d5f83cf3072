"""Contact sheets: one labelled keyframe per shot in a grid, saved as PNG.

A person judges a film's plan faster from a sheet of frames than from the MP4, and the sheet is
what docs/ and the TUI show. Frames of any size are scaled to a common cell width.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from reelgraph.atomic import atomic_path
from reelgraph.errors import InputError

LABEL_HEIGHT = 14
GAP = 4


def contact_sheet(frames: Sequence[np.ndarray], labels: Sequence[str] = (), *, columns: int = 4, cell_width: int = 256) -> np.ndarray:
    """Arrange uint8 (H, W, 3) frames in a grid with a caption strip under each; returns (H, W, 3)."""
    if not frames:
        raise InputError("a contact sheet needs at least one frame")
    labels = list(labels) + [""] * (len(frames) - len(labels))
    columns = max(1, min(columns, len(frames)))
    h0, w0 = frames[0].shape[:2]
    cell_h = max(2, round(cell_width * h0 / w0))
    rows = -(-len(frames) // columns)
    sheet = Image.new("RGB", (columns * (cell_width + GAP) + GAP, rows * (cell_h + LABEL_HEIGHT + GAP) + GAP), (18, 18, 18))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    for i, (frame, label) in enumerate(zip(frames, labels)):
        r, c = divmod(i, columns)
        x = GAP + c * (cell_width + GAP)
        y = GAP + r * (cell_h + LABEL_HEIGHT + GAP)
        sheet.paste(Image.fromarray(frame).resize((cell_width, cell_h), Image.BILINEAR), (x, y))
        draw.text((x + 2, y + cell_h + 1), label[: cell_width // 6], fill=(230, 230, 230), font=font)
    return np.asarray(sheet)


def save_png(path: Path, image: np.ndarray) -> Path:
    """Write an RGB image as PNG, atomically."""
    with atomic_path(Path(path)) as tmp:
        Image.fromarray(image).save(tmp, format="PNG")
    return Path(path)
