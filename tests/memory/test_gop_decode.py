"""Parallel GOP decoding gives exactly what one plain decoder gives, in the same order."""

from __future__ import annotations

import threading
from pathlib import Path

import av
import numpy as np
import pytest

from memory.ingest.gop_decode import decode_gops
from memory.synthetic_films import ShotSpec, make_film


def _keyframes(path: Path) -> int:
    with av.open(str(path)) as c:
        return sum(1 for p in c.demux(video=0) if p.size and p.is_keyframe)


def _plain(path: Path, skip_frame: str | None) -> list[tuple[int, np.ndarray]]:
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        if skip_frame:
            stream.codec_context.skip_frame = skip_frame
        return [(f.pts, f.to_ndarray(format="gray")) for f in c.decode(stream)]


def _reducer():
    return lambda f: (f.pts, f.to_ndarray(format="gray"))


@pytest.fixture(scope="module")
def film(tmp_path_factory) -> Path:
    """B-frames (libx264 'medium') and a keyframe at every hard cut: several GOPs."""
    specs = [ShotSpec(30, m, 2.0, 40 + i) for i, m in enumerate(["pan_left", "static", "zoom_in", "handheld", "tilt_up"])]
    return make_film(tmp_path_factory.mktemp("gop") / "film.mp4", specs, [("cut", 0)] * 4, preset="medium").path


@pytest.mark.parametrize("skip_frame", [None, "NONREF"])
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_parallel_decoding_matches_a_plain_decoder(film: Path, workers: int, skip_frame: str | None) -> None:
    """Same frames, same timestamps, same pixels, same order, whatever the number of workers."""
    assert _keyframes(film) >= 3
    expected = _plain(film, skip_frame)
    got = list(decode_gops(film, _reducer, workers=workers, skip_frame=skip_frame))
    assert [p for p, _ in got] == [p for p, _ in expected]
    for (_, a), (_, b) in zip(got, expected):
        np.testing.assert_array_equal(a, b)


def test_real_clip_matches_too(bikes: Path) -> None:
    expected = _plain(bikes, None)
    got = list(decode_gops(bikes, _reducer, workers=2))
    assert len(got) == len(expected) == 250
    assert all(p == q and np.array_equal(a, b) for (p, a), (q, b) in zip(got, expected))


def test_stopping_early_ends_the_workers(film: Path) -> None:
    """A reader that stops after a few frames leaves no decoder thread behind."""
    before = threading.active_count()
    frames = decode_gops(film, _reducer, workers=2)
    for k, _ in enumerate(frames):
        if k == 5:
            break
    frames.close()
    assert threading.active_count() == before


def test_worker_errors_reach_the_reader(tmp_path: Path) -> None:
    """A file that is not a video fails in the reader's thread, as a plain decoder would."""
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 4096)
    with pytest.raises(av.FFmpegError):
        list(decode_gops(bad, _reducer, workers=2))
