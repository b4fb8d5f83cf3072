"""Video I/O throughput and the stitcher's memory bound, one JSON object per case.

Cases: encode and decode a minute of 256x144 at 24 fps; stitch six 10-second shots (cuts and
crossfades) into one minute and report the Python-heap peak, which must not grow with film length.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/NAME.py`, this folder comes first on sys.path and bench/memory.py would
# shadow the memory package: drop it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import json
import platform
import tempfile
import time
import tracemalloc

import numpy as np

from generation.stitch import StitchClip, stitch_clips
from generation.video_io import read_video, write_video


def frames(n: int, w: int, h: int, seed: int) -> "np.ndarray":
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, (h // 8, w // 8, 3), dtype=np.uint8).repeat(8, 0).repeat(8, 1)
    for i in range(n):
        yield np.roll(base, i, axis=1)


def emit(case: str, **fields) -> None:
    print(json.dumps({"bench": "video_io", "case": case, "machine": platform.processor() or platform.machine(), **fields}), flush=True)


def main() -> None:
    w, h, fps, seconds = 256, 144, 24, 60
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        write_video(tmp / "minute.mp4", frames(fps * seconds, w, h, 0), fps=fps)
        enc = time.perf_counter() - t0
        emit("encode_60s_256x144", seconds=round(enc, 2), frames_per_s=round(fps * seconds / enc, 1))

        t0 = time.perf_counter()
        n = len(read_video(tmp / "minute.mp4"))
        dec = time.perf_counter() - t0
        emit("decode_60s_256x144", seconds=round(dec, 2), frames_per_s=round(n / dec, 1))

        for shots in (2, 6):
            clips = []
            for i in range(shots):
                write_video(tmp / f"shot{i}.mp4", frames(fps * 10, w, h, i + 1), fps=fps)
                clips.append(StitchClip(tmp / f"shot{i}.mp4", "crossfade" if i % 2 else "cut", 0.5))
            tracemalloc.start()
            t0 = time.perf_counter()
            info = stitch_clips(clips, tmp / "film.mp4")
            took = time.perf_counter() - t0
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            emit(
                f"stitch_{shots}x10s_256x144",
                seconds=round(took, 2),
                film_s=round(info.duration_s, 2),
                python_heap_peak_mb=round(peak / 2**20, 2),
            )


if __name__ == "__main__":
    main()
