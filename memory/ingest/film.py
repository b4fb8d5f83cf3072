"""Film ingestion: decode once, detect shots, describe each shot, write keyframes and a contact sheet.

One streaming pass: frames go to the shot detector and wait in a short queue until the detector's
decisions cover them, then go to the current shot's accumulator. Memory stays bounded by the queue,
one shot's thumbnail reservoir and one small tile per shot for the contact sheet.

At 720p and above only reference frames are decoded (``decode.skips_nonref``): the detector then
works in decoded-frame order (``FrameSample.seq``) and everything reported is mapped back to the
film's own frame numbers (``FrameSample.index``) and times.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from memory.ingest.camera_motion import MotionConfig, MotionEstimator
from memory.ingest.colour import brightness_word, colour_name, contrast_word, temperature_word
from memory.ingest.decode import FrameSample, iter_frames, probe, skips_nonref
from memory.ingest.image_files import contact_sheet, write_png
from memory.ingest.shot_detect import DetectorConfig, ShotDetector
from memory.ingest.shot_profile import ShotAccumulator, ShotProfile
from memory.items import MemoryItem
from memory.summary import FilmSummary, ShotSummary, clock, pacing

CAMERA_WORDS = {
    "static": "static camera", "pan_left": "camera pans left", "pan_right": "camera pans right",
    "tilt_up": "camera tilts up", "tilt_down": "camera tilts down", "zoom_in": "camera zooms in",
    "zoom_out": "camera zooms out", "handheld": "handheld camera",
}
TILE_WIDTH = 160


@dataclass
class FilmConfig:
    """How a film is analysed."""

    analysis_width: int = 160
    """Width (about) of the luma image the detector sees; 160 is plenty for cuts and motion."""
    thumbs_per_second: float = 4.0
    """RGB thumbnails per second for palette, colour temperature and keyframes."""
    skip_nonref: bool | None = None
    """Decode only reference frames (about twice as fast); None: only at 720p and above, where
    decoding is the bottleneck."""
    detector: DetectorConfig = field(default_factory=DetectorConfig)
    motion: MotionConfig = field(default_factory=MotionConfig)


@dataclass
class FilmAnalysis:
    """A film's summary and its shots (each with text, attributes and keyframe paths)."""

    summary: FilmSummary

    def items(self) -> list[MemoryItem]:
        """One memory item per shot, plus one for the film as a whole (kind ``doc``, type film)."""
        s = self.summary
        out = [
            MemoryItem(
                kind="shot", source=s.source, start_s=shot.start_s, end_s=shot.end_s, text=shot.text,
                attributes={"type": "shot"} | shot.model_dump(exclude={"id", "text", "keyframes"}),
                keyframes=shot.keyframes,
            )
            for shot in s.shots
        ]
        out.append(
            MemoryItem(
                kind="doc", source=s.source, start_s=0.0, end_s=s.duration_s, text=s.text,
                attributes={"type": "film"} | s.model_dump(exclude={"shots", "text"}),
                keyframes=[s.contact_sheet],
            )
        )
        return out


def keyframe_folder(root: Path, film: Path) -> Path:
    """Where a film's keyframes go: named after the film and a hash of its path, size and mtime."""
    st = film.stat()
    key = hashlib.sha1(f"{film.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:10]
    return root / f"{film.stem[:40]}-{key}"


def analyze_film(path: Path, keyframe_root: Path, config: FilmConfig | None = None) -> FilmAnalysis:
    """Analyse ``path`` and write its keyframes and contact sheet under ``keyframe_root``.

    Raises InputError (naming the file) for anything that is not a decodable film; in that case
    nothing is written.
    """
    cfg = config or FilmConfig()
    t0 = time.perf_counter()
    path = Path(path).resolve() if Path(path).exists() else Path(path)
    info = probe(path)
    fps = info.fps
    skip = skips_nonref(info) if cfg.skip_nonref is None else cfg.skip_nonref
    detector = ShotDetector(cfg.detector.at_half_rate() if skip else cfg.detector)
    motion = MotionEstimator()
    queue: deque[FrameSample] = deque()
    profiles: list[ShotProfile] = []
    tiles = []
    used = 0  # boundaries of detector.boundaries already applied
    acc = ShotAccumulator(0, 0, 0.0, "start", fps, motion, cfg.motion)
    last_time = 0.0

    def close(end_frame: int, end_s: float) -> ShotProfile:
        profile = acc.close(end_frame, end_s)
        profiles.append(profile)
        if profile.keyframes:
            kf = profile.keyframes[len(profile.keyframes) // 2]
            step = max(1, kf.shape[1] // TILE_WIDTH)
            tiles.append(kf[::step, ::step].copy())
        return profile

    last_index = -1

    def release(upto: int) -> None:
        """Hand the queued frames before decoded frame ``upto`` to their shots."""
        nonlocal acc, used, last_time, last_index
        while queue and queue[0].seq < upto:
            sample = queue.popleft()
            while used < len(detector.boundaries) and detector.boundaries[used].frame <= sample.seq:
                b = detector.boundaries[used]
                used += 1
                if acc.frames == 0:
                    continue
                close(sample.index, sample.time_s)
                acc = ShotAccumulator(len(profiles), sample.index, sample.time_s, b.kind, fps, motion, cfg.motion)
            # the detector's change is per decoded frame; per source frame it spreads over the gap
            gap = max(1, sample.index - last_index) if last_index >= 0 else 1
            acc.add(sample, detector.diffs[sample.seq] / gap)
            last_time, last_index = sample.time_s, sample.index

    thumb_every = max(1, round(fps / cfg.thumbs_per_second))
    for sample in iter_frames(path, info, cfg.analysis_width, thumb_every=thumb_every, skip_nonref=skip):
        detector.push(sample.luma, sample.chroma, sample.index)
        queue.append(sample)
        release(detector.decided)
    detector.finish()
    release(detector.frames + 1)
    frames = last_index + 1
    end_s = last_time + 1.0 / fps
    close(frames, end_s)

    folder = keyframe_folder(keyframe_root, path)
    shots = [_shot_summary(p, path, folder, len(profiles)) for p in profiles]
    sheet = write_png(folder / "contact_sheet.png", contact_sheet(tiles))
    durations = [s.duration_s for s in shots]
    moves: dict[str, int] = {}
    for s in shots:
        moves[s.camera] = moves.get(s.camera, 0) + 1
    stats = pacing(durations)
    cuts = sum(1 for s in shots if s.transition_in == "cut")
    gradual = sum(1 for s in shots if s.transition_in == "gradual")
    common = sorted(moves.items(), key=lambda kv: -kv[1])[:3]
    all_colours = [n for s in shots for n in s.palette_names[:2]]
    top_colours = sorted(set(all_colours), key=lambda n: -all_colours.count(n))[:5]
    text = (
        f"Film {path.name}: {clock(end_s)} long, {info.width}x{info.height} at {fps:.3g} fps, {len(shots)} shots "
        f"({cuts} hard cuts, {gradual} gradual transitions). Average shot {stats.average_shot_s:.1f} s "
        f"(median {stats.median_shot_s:.1f} s): {stats.pace} pacing. Camera: "
        + ", ".join(f"{CAMERA_WORDS[m]} in {n}" for m, n in common)
        + f". Dominant colours: {', '.join(top_colours)}."
    )
    summary = FilmSummary(
        source=str(path), duration_s=round(end_s, 3), fps=fps, width=info.width, height=info.height, frames=frames,
        shot_count=len(shots), cuts=cuts, gradual_transitions=gradual, pacing=stats, camera_moves=moves,
        palette_over_time=[(s.start_s, s.palette[0] if s.palette else "#000000") for s in shots],
        contact_sheet=str(sheet), analysis_seconds=round(time.perf_counter() - t0, 3), shots=shots, text=text,
    )
    return FilmAnalysis(summary)


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _shot_summary(p: ShotProfile, film: Path, folder: Path, total: int) -> ShotSummary:
    paths = [str(write_png(folder / f"shot_{p.index + 1:04d}_{k + 1}.png", kf)) for k, kf in enumerate(p.keyframes)]
    names: list[str] = []
    for rgb, share in p.palette:
        name = colour_name(rgb)
        if name not in names and share >= 0.04:
            names.append(name)
    motion = p.motion_energy
    motion_word = "still" if motion < 0.01 else "gentle movement" if motion < 0.04 else "lively movement" if motion < 0.1 else "frantic movement"
    way_in = {"start": "opens the film", "cut": "begins on a hard cut", "gradual": "begins with a dissolve, fade or wipe"}[p.transition_in]
    text = (
        f"Shot {p.index + 1} of {total} in {film.name}, {clock(p.start_s)}-{clock(p.end_s)} ({p.duration_s:.1f} s), "
        f"{way_in}. {CAMERA_WORDS[p.camera.label].capitalize()}. {brightness_word(p.brightness).capitalize()}, "
        f"{contrast_word(p.contrast)}, {temperature_word(p.colour_temperature_k)} light (about {p.colour_temperature_k:.0f} K). "
        f"Colours: {', '.join(names[:4]) or 'none'}. {motion_word.capitalize()}."
    )
    return ShotSummary(
        index=p.index, start_s=round(p.start_s, 3), end_s=round(p.end_s, 3), duration_s=round(p.duration_s, 3),
        transition_in=p.transition_in, camera=p.camera.label, brightness=round(p.brightness, 4), contrast=round(p.contrast, 4),
        colour_temperature_k=round(p.colour_temperature_k, 1), palette=[_hex(rgb) for rgb, _ in p.palette],
        palette_names=names, motion_energy=round(motion, 5), keyframes=paths, text=text,
    )
