"""Encoding, decoding, probing and atomic writes of MP4 files with PyAV."""

from __future__ import annotations

import numpy as np
import pytest

from generation.video_io import AI_NOTICE, Provenance, VideoWriter, read_video, write_video
from reelgraph.errors import InputError


def moving_gradient(t: int, h: int, w: int) -> np.ndarray:
    """Smooth frames (x264 keeps them within a few levels) with a bar that moves one step a frame."""
    y, x = np.mgrid[0:h, 0:w]
    frames = np.empty((t, h, w, 3), np.uint8)
    for i in range(t):
        frames[i, ..., 0] = (x * 255 // max(w - 1, 1)).astype(np.uint8)
        frames[i, ..., 1] = (y * 255 // max(h - 1, 1)).astype(np.uint8)
        frames[i, ..., 2] = np.where(np.abs(x - (i * 4) % w) < 6, 230, 40).astype(np.uint8)
    return frames


@pytest.mark.parametrize("size", [(64, 36), (36, 64), (48, 48)])
@pytest.mark.parametrize("fps", [24, 30, 12])
def test_round_trip_keeps_size_rate_count_and_pixels(tmp_path, size, fps):
    """Size, rate and frame count survive encode->decode, and pixels stay within a small error."""
    w, h = size
    frames = moving_gradient(20, h, w)
    info = write_video(tmp_path / "a.mp4", frames, fps=fps)
    assert (info.width, info.height, info.num_frames) == (w, h, 20)
    assert info.fps == pytest.approx(fps)
    assert info.codec == "h264" and info.pix_fmt == "yuv420p"
    back = read_video(tmp_path / "a.mp4")
    assert back.shape == frames.shape
    err = np.abs(back.astype(int) - frames.astype(int)).mean()
    assert err < 4.0, err


def test_ntsc_rate_is_exact(tmp_path):
    """23.976 fps is stored as 24000/1001, not rounded to 24."""
    info = write_video(tmp_path / "ntsc.mp4", moving_gradient(5, 16, 16), fps=23.976)
    assert info.fps == pytest.approx(24000 / 1001, rel=1e-6)


def test_odd_sizes_are_padded_to_even(tmp_path):
    """yuv420p needs even sizes; an odd frame is padded by one replicated row/column, not refused."""
    info = write_video(tmp_path / "odd.mp4", moving_gradient(3, 35, 63), fps=24)
    assert (info.width, info.height) == (64, 36)


def test_seek_and_downscaled_decode(tmp_path):
    """A time range decodes only its frames, and the decoder scales to the asked size."""
    write_video(tmp_path / "b.mp4", moving_gradient(48, 72, 128), fps=24)
    part = read_video(tmp_path / "b.mp4", start_s=1.0, end_s=1.5, size=(64, 36))
    assert part.shape == (12, 36, 64, 3)
    full = read_video(tmp_path / "b.mp4", size=(64, 36))
    assert np.abs(part.astype(int) - full[24:36].astype(int)).mean() < 1.0


def test_provenance_tags_are_readable_back(tmp_path):
    """The MP4 says it is AI-generated and names the generator, the prompt and the seed."""
    prov = Provenance(generator="world-v1", prompt="a red ball bounces on a beach", seed=7)
    info = write_video(tmp_path / "p.mp4", moving_gradient(4, 16, 16), fps=24, provenance=prov)
    assert info.tags["title"] == "a red ball bounces on a beach"
    comment = info.tags["comment"]
    assert AI_NOTICE in comment and "world-v1" in comment and "seed 7" in comment and "red ball" in comment


def test_interrupted_write_leaves_no_file(tmp_path):
    """An exception half-way through leaves neither the final file nor a temporary one behind."""

    def frames():
        yield from moving_gradient(5, 16, 16)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_video(tmp_path / "never.mp4", frames(), fps=24)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_overwrite_keeps_the_old_file(tmp_path):
    """Re-rendering over a finished file and failing keeps the finished file intact."""
    out = tmp_path / "keep.mp4"
    write_video(out, moving_gradient(6, 16, 16), fps=24)
    before = out.read_bytes()
    with pytest.raises(RuntimeError):
        with VideoWriter(out, fps=24) as writer:
            writer.write(moving_gradient(1, 16, 16)[0])
            raise RuntimeError("render crashed")
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.mp4"]


@pytest.mark.parametrize(
    "content, why",
    [(b"", "empty"), (b"this is plain text, not a film\n" * 40, "not a video"), (b"\x00\x00\x00\x18ftypisom" + b"\x00" * 64, "truncated")],
)
def test_bad_files_raise_a_clear_error(tmp_path, content, why):
    """Zero-byte, mislabelled and truncated files give an InputError naming the file."""
    bad = tmp_path / f"bad_{why.replace(' ', '_')}.mp4"
    bad.write_bytes(content)
    with pytest.raises(InputError, match=bad.name):
        read_video(bad)


def test_wrong_frames_are_refused(tmp_path):
    """Float frames or frames that change size mid-clip are an InputError, and nothing is written."""
    with pytest.raises(InputError):
        write_video(tmp_path / "f.mp4", np.zeros((2, 16, 16, 3), np.float32), fps=24)
    with pytest.raises(InputError):
        write_video(tmp_path / "g.mp4", [np.zeros((16, 16, 3), np.uint8), np.zeros((18, 16, 3), np.uint8)], fps=24)
    assert list(tmp_path.iterdir()) == []
