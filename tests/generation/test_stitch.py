"""Stitching shots into one film: cuts, crossfades, foreign sizes, provenance."""

from __future__ import annotations

import numpy as np
import pytest

from generation.stitch import StitchClip, stitch_clips
from generation.video_io import Provenance, read_video, write_video
from reelgraph.errors import InputError


def flat_clip(path, value: int, frames: int, size=(32, 24), fps=24):
    w, h = size
    write_video(path, np.full((frames, h, w, 3), value, np.uint8), fps=fps)
    return path


def test_cuts_keep_every_frame_in_order(tmp_path):
    """Three shots of different lengths joined by cuts: lengths add up and each frame is its shot's."""
    a = flat_clip(tmp_path / "a.mp4", 30, 7)
    b = flat_clip(tmp_path / "b.mp4", 130, 12)
    c = flat_clip(tmp_path / "c.mp4", 220, 5)
    info = stitch_clips([StitchClip(a), StitchClip(b), StitchClip(c)], tmp_path / "film.mp4")
    assert info.num_frames == 24
    means = read_video(tmp_path / "film.mp4").reshape(24, -1).mean(axis=1)
    expected = [30] * 7 + [130] * 12 + [220] * 5
    assert np.abs(means - expected).max() < 3


def test_crossfade_overlaps_and_blends_monotonically(tmp_path):
    """A 0.25 s crossfade at 24 fps overlaps 6 frames and ramps brightness from shot A to shot B."""
    a = flat_clip(tmp_path / "a.mp4", 20, 12)
    b = flat_clip(tmp_path / "b.mp4", 220, 10)
    info = stitch_clips([StitchClip(a), StitchClip(b, "crossfade", 0.25)], tmp_path / "film.mp4")
    assert info.num_frames == 12 + 10 - 6
    means = read_video(tmp_path / "film.mp4").reshape(info.num_frames, -1).mean(axis=1)
    assert np.abs(means[:6] - 20).max() < 3 and np.abs(means[12:] - 220).max() < 3
    ramp = means[6:12]
    assert np.all(np.diff(ramp) > 10), ramp
    assert 20 + 10 < ramp[0] and ramp[-1] < 220 - 10


def test_crossfade_longer_than_a_shot_is_clamped(tmp_path):
    """A crossfade longer than the incoming shot cannot eat more than that shot."""
    a = flat_clip(tmp_path / "a.mp4", 20, 10)
    b = flat_clip(tmp_path / "b.mp4", 220, 4)
    info = stitch_clips([StitchClip(a), StitchClip(b, "crossfade", 5.0)], tmp_path / "film.mp4")
    assert info.num_frames == 10


def test_other_sizes_are_scaled_and_provenance_written(tmp_path):
    """A shot at another size is scaled to the film's size; the film carries provenance tags."""
    a = flat_clip(tmp_path / "a.mp4", 60, 3, size=(32, 24))
    b = flat_clip(tmp_path / "b.mp4", 160, 3, size=(64, 48))
    prov = Provenance(generator="test", prompt="two shots", seed=1, title="Two shots")
    info = stitch_clips([StitchClip(a), StitchClip(b)], tmp_path / "f.mp4", provenance=prov)
    assert (info.width, info.height, info.num_frames) == (32, 24, 6)
    assert info.tags["title"] == "Two shots"


def test_missing_clip_is_refused_before_writing(tmp_path):
    """A missing shot is reported by name and no partial film appears."""
    a = flat_clip(tmp_path / "a.mp4", 60, 3)
    with pytest.raises(InputError, match="gone.mp4"):
        stitch_clips([StitchClip(a), StitchClip(tmp_path / "gone.mp4")], tmp_path / "film.mp4")
    assert not (tmp_path / "film.mp4").exists()
    with pytest.raises(InputError):
        stitch_clips([], tmp_path / "film.mp4")
