"""Small PNG files (keyframes, contact sheets) written with PyAV's PNG encoder, atomically."""

from __future__ import annotations

import os
from pathlib import Path

import av
import numpy as np

from reelgraph.errors import OutputError


def write_png(path: Path, rgb: np.ndarray) -> Path:
    """Write (H, W, 3) uint8 RGB to ``path`` (tmp file + rename, so no half-written PNG is left)."""
    h, w = rgb.shape[:2]
    codec = av.CodecContext.create("png", "w")
    codec.width, codec.height, codec.pix_fmt = w, h, "rgb24"
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    data = b"".join(bytes(p) for p in codec.encode(frame)) + b"".join(bytes(p) for p in codec.encode(None))
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror}; check free space and permissions") from exc
    return path


def contact_sheet(tiles: list[np.ndarray], columns: int = 8, gap: int = 2) -> np.ndarray:
    """Tile (h, w, 3) uint8 images (resized to the first one's size by striding) into one grid."""
    if not tiles:
        return np.zeros((8, 8, 3), np.uint8)
    th, tw = tiles[0].shape[:2]
    columns = min(columns, len(tiles))
    rows = (len(tiles) + columns - 1) // columns
    sheet = np.full((rows * (th + gap) + gap, columns * (tw + gap) + gap, 3), 24, np.uint8)
    for i, tile in enumerate(tiles):
        ys = np.linspace(0, tile.shape[0] - 1, th).astype(int)
        xs = np.linspace(0, tile.shape[1] - 1, tw).astype(int)
        r, c = divmod(i, columns)
        y0, x0 = gap + r * (th + gap), gap + c * (tw + gap)
        sheet[y0 : y0 + th, x0 : x0 + tw] = tile[ys][:, xs]
    return sheet
