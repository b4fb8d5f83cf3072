"""Film ingestion end to end: shots, camera classes, descriptors, keyframes, contact sheet,
every container, and bad files refused without touching the memory."""

from __future__ import annotations

import shutil
from pathlib import Path

import av
import numpy as np
import pytest

from memory.ingest.film import FilmConfig, analyze_film
from memory.ingest.reference import ingest_reference
from memory.items import MemoryItem
from memory.store import SceneMemory
from memory.synthetic_films import ShotSpec, make_film
from reelgraph.errors import InputError

MOVES = ["static", "pan_left", "pan_right", "tilt_up", "tilt_down", "zoom_in", "zoom_out", "handheld"]


@pytest.fixture(scope="module")
def camera_film(tmp_path_factory) -> Path:
    """Eight 40-frame shots, one per camera class, joined by hard cuts."""
    folder = tmp_path_factory.mktemp("camera")
    specs = [ShotSpec(40, m, 2.5, 20 + i) for i, m in enumerate(MOVES)]
    return make_film(folder / "camera.mp4", specs, [("cut", 0)] * 7).path


def _read_png(path: str) -> np.ndarray:
    with av.open(path) as c:
        return next(c.decode(video=0)).to_ndarray(format="rgb24")


def test_camera_classes_and_descriptors(camera_film: Path, tmp_path: Path) -> None:
    """Each synthetic shot's camera move is classified correctly; shots have times, keyframes
    (readable PNGs), palette, light and motion values; the film has pacing and a contact sheet."""
    analysis = analyze_film(camera_film, tmp_path / "kf")
    s = analysis.summary
    assert s.shot_count == 8 and s.cuts == 7
    assert [shot.camera for shot in s.shots] == MOVES
    for i, shot in enumerate(s.shots):
        assert shot.start_s == pytest.approx(i * 40 / 24, abs=0.05)
        assert shot.duration_s == pytest.approx(40 / 24, abs=0.05)
        assert len(shot.keyframes) == 1 and Path(shot.keyframes[0]).is_file()
        assert _read_png(shot.keyframes[0]).shape == (180, 320, 3)
        assert shot.palette and shot.palette[0].startswith("#")
        assert 0 < shot.brightness < 1 and 0 < shot.contrast < 1 and 1500 <= shot.colour_temperature_k <= 15000
        assert shot.camera.replace("_", " ").split()[0] in shot.text.lower()
    assert s.shots[0].motion_energy < 0.005 < s.shots[1].motion_energy  # static vs panning
    assert s.pacing.average_shot_s == pytest.approx(40 / 24, abs=0.05) and s.pacing.pace == "fast"
    assert s.camera_moves == {m: 1 for m in MOVES}
    sheet = _read_png(s.contact_sheet)
    assert sheet.shape[0] > 80 and sheet.shape[1] > 8 * 100
    items = analysis.items()
    assert [it.kind for it in items] == ["shot"] * 8 + ["doc"]
    assert items[3].attributes["camera"] == "tilt_up" and items[-1].attributes["type"] == "film"


def test_keyframes_follow_shot_length(tmp_path: Path) -> None:
    """A 6-second shot gets three keyframes taken from its start, middle and end."""
    truth = make_film(tmp_path / "long.mp4", [ShotSpec(150, "pan_right", 2.0, 3)], [])
    shot = analyze_film(truth.path, tmp_path / "kf").summary.shots[0]
    assert len(shot.keyframes) == 3
    frames = [_read_png(p).astype(int) for p in shot.keyframes]
    assert np.abs(frames[0] - frames[2]).mean() > 10  # the pan moved the view


@pytest.mark.parametrize(
    "suffix,codec", [("mkv", "libx264"), ("avi", "mpeg4"), ("webm", "libvpx"), ("ogv", "libvpx"), ("mpg", "mpeg2video"), ("mov", "mjpeg")]
)
def test_containers(tmp_path: Path, suffix: str, codec: str) -> None:
    """Every container PyAV writes here is analysed and its one hard cut found."""
    truth = make_film(tmp_path / f"film.{suffix}", [ShotSpec(24, "static", 1, 1), ShotSpec(24, "pan_left", 2, 2)],
                      [("cut", 0)], width=160, height=96, codec=codec)
    s = analyze_film(truth.path, tmp_path / "kf").summary
    assert s.shot_count == 2 and abs(s.shots[1].start_s - 1.0) < 0.1


def _bad_files(folder: Path, bikes: Path) -> dict[str, Path]:
    data = bikes.read_bytes()
    out = {}
    (folder / "zero.mp4").write_bytes(b"")
    out["zero"] = folder / "zero.mp4"
    (folder / "notes.mp4").write_text("these are my notes, not a film\n" * 50)
    out["text"] = folder / "notes.mp4"
    (folder / "truncated.mp4").write_bytes(data[: len(data) // 2])
    out["truncated"] = folder / "truncated.mp4"
    rng = np.random.default_rng(0)
    corrupt = bytearray(data)
    corrupt[: 4096] = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()
    (folder / "corrupt.mp4").write_bytes(bytes(corrupt))
    out["corrupt"] = folder / "corrupt.mp4"
    # A raw YUV4MPEG stream whose header claims 16000x9000 frames (144 Mpixel), with no frame data.
    (folder / "huge.y4m").write_bytes(b"YUV4MPEG2 W16000 H9000 F25:1 Ip A1:1 C420jpeg\nFRAME\n" + bytes(1000))
    out["huge"] = folder / "huge.y4m"
    return out


def test_bad_films_raise_input_error_and_keep_memory(tmp_path: Path, bikes: Path, embedder) -> None:
    """Zero-byte, text-named-.mp4, truncated, corrupt and huge-header files each raise an
    InputError naming the file; the memory keeps what it had and gains nothing."""
    with SceneMemory.open(tmp_path / "mem", embedder=embedder) as memory:
        memory.add([MemoryItem(kind="doc", source="/kept", text="a lighthouse keeper's last night")])
        for name, path in _bad_files(tmp_path, bikes).items():
            with pytest.raises(InputError) as err:
                ingest_reference(path, memory)
            assert str(path) in str(err.value), name
        assert len(memory) == 1
        assert memory.search("lighthouse", k=1)[0].item.source == "/kept"
        assert not any((tmp_path / "mem" / "keyframes").glob("*/*.png"))


def test_truncated_bikes_tail_is_refused(tmp_path: Path, bikes: Path) -> None:
    """Cutting off the end of a file (moov atom at the end kept intact elsewhere) is reported as truncated
    or unreadable, never silently ingested as a shorter film."""
    data = bikes.read_bytes()
    cut = tmp_path / "tail.mp4"
    cut.write_bytes(data[: int(len(data) * 0.9)])
    with pytest.raises(InputError, match="tail.mp4"):
        analyze_film(cut, tmp_path / "kf")


def test_shipped_clip_reingest_is_idempotent(tmp_path: Path, bikes: Path, embedder) -> None:
    """Ingesting the same film twice stores its shots once (ids come from content)."""
    film = tmp_path / "bikes.mp4"
    shutil.copy(bikes, film)
    with SceneMemory.open(tmp_path / "mem", embedder=embedder) as memory:
        first = ingest_reference(film, memory)
        n = len(memory)
        second = ingest_reference(film, memory)
        assert len(memory) == n == 7
        assert [s.id for s in first.shots] == [s.id for s in second.shots]
        hits = memory.search("shot that begins on a hard cut with a static camera", k=3)
        assert all(h.item.source == str(film.resolve()) for h in hits)


@pytest.mark.slow
def test_memory_does_not_grow_with_film_length(tmp_path: Path) -> None:
    """Streaming: analysing a film three times longer (same number of shots, each long enough to
    fill its bounded keyframe reservoir) peaks at about the same Python-heap size, because frames
    are dropped as soon as the detector has decided them."""
    import tracemalloc

    peaks = []
    for frames in (240, 720):
        truth = make_film(tmp_path / f"f{frames}.mp4", [ShotSpec(frames, m, 2.0, 40 + i) for i, m in enumerate(MOVES[1:3])],
                          [("cut", 0)], width=160, height=96)
        tracemalloc.start()
        analysis = analyze_film(truth.path, tmp_path / "kf")
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert analysis.summary.shot_count == 2
    assert peaks[1] < 1.3 * peaks[0], peaks


def test_film_with_skipped_frames_reports_film_frames(tmp_path: Path) -> None:
    """Ingesting with non-reference frames skipped (what 720p films get) gives the same shots at
    the same times as full decoding, and counts the film's frames, not the decoded ones."""
    specs = [ShotSpec(48, "pan_left", 2.5, 31), ShotSpec(60, "zoom_in", 2.0, 32), ShotSpec(48, "static", 2.0, 33)]
    film = make_film(tmp_path / "b.mp4", specs, [("cut", 0), ("dissolve", 16)], preset="medium")
    full = analyze_film(film.path, tmp_path / "kf1", FilmConfig(skip_nonref=False)).summary
    fast = analyze_film(film.path, tmp_path / "kf2", FilmConfig(skip_nonref=True)).summary
    assert fast.frames == full.frames == film.frames
    assert fast.shot_count == full.shot_count == 3
    for a, b in zip(fast.shots, full.shots):
        assert a.start_s == pytest.approx(b.start_s, abs=2 / 24) and a.end_s == pytest.approx(b.end_s, abs=2 / 24)
        assert a.camera == b.camera and a.transition_in == b.transition_in
        assert a.keyframes and abs(a.motion_energy - b.motion_energy) < 0.5 * b.motion_energy + 1e-3
