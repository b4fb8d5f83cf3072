"""Fast, defensive decoding of any video PyAV opens, straight to small numpy planes.

Analysis never needs full-resolution RGB: the luma plane is read as a numpy view of the decoded
frame and subsampled by striding (about 2.5x faster than ``frame.reformat`` at 720p), chroma the
same way; RGB is made only for the few thumbnails that become keyframes. Bad files become an
``InputError`` that names the file and says what is wrong, before anything is stored.

Frames are decoded a GOP per thread on every core (``gop_decode``: twice FFmpeg's frame threading
on two cores) and come back in film order. At 720p and above the decoder, not the analysis, sets the
pace (H.264 decode alone ran 23x real time on this 2-core CPU with frame threading), so there the
decoder also skips non-reference frames (``skip_nonref``): the B-frames no other frame predicts
from, about half of a typical encode. They cost half the
decoder's CPU time, and what analysis needs survives without them: every I- and P-frame (where
encoders put scene cuts) and the reference B-frames, so decoded frames are at most two or three
source frames apart. Each sample keeps its source frame ``index`` and its place ``seq`` among the
decoded frames, so callers can map what they measure back to the film's own frame numbers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from memory.ingest.gop_decode import decode_gops
from reelgraph.errors import InputError

MAX_SIDE = 8192
"""Largest frame side accepted; a header claiming more is hostile or broken."""
MAX_PIXELS = 8192 * 4320
SKIP_NONREF_PIXELS = 1280 * 720
"""Frames this large or larger are decoded with non-reference frames skipped (see the module docstring)."""
PLANAR_YUV = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p"}


@dataclass(frozen=True)
class VideoProbe:
    """What a film's header says."""

    path: Path
    width: int
    height: int
    fps: float
    frames: int
    """Frame count from the header (0 when the container does not say)."""
    duration_s: float
    codec: str
    timed: bool = True
    """Whether the header gives a plausible frame rate; without one, frame numbers cannot be
    recovered from timestamps, so frames are decoded in one sequence and none is skipped."""
    start_s: float = 0.0
    """Timestamp of the first frame (frame times are counted from it)."""
    time_base: float = 0.0
    """Seconds per timestamp tick (0: unknown)."""


@dataclass
class FrameSample:
    """One decoded frame, reduced for analysis.

    ``index``: the frame's number in the film; ``seq``: its number among the decoded frames (the
    same as ``index`` unless frames are skipped). ``luma``: (h, w) uint8, the Y plane subsampled by
    ``step``; ``chroma``: (2, h/2, w/2) uint8 U and V (4:2:0 geometry regardless of the source);
    ``thumb``: (th, tw, 3) uint8 RGB or None.
    """

    index: int
    time_s: float
    luma: np.ndarray
    chroma: np.ndarray
    thumb: np.ndarray | None = None
    seq: int = 0


def probe(path: Path) -> VideoProbe:
    """Open ``path`` far enough to trust its header; InputError for anything unusable."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path} is a folder; pass a video file")
    if path.stat().st_size == 0:
        raise InputError(f"{path} is empty (0 bytes); pass a real video file")
    try:
        with av.open(str(path)) as container:
            return _probe_container(path, container)
    except av.FFmpegError as exc:
        raise InputError(f"{path} is not a readable video ({exc.strerror or exc}); is it corrupt or not a video?") from exc


def _probe_container(path: Path, container: av.container.InputContainer) -> VideoProbe:
    if not container.streams.video:
        raise InputError(f"{path} has no video stream; pass a film (mp4, mkv, avi, webm, ...)")
    stream = container.streams.video[0]
    width, height = stream.codec_context.width, stream.codec_context.height
    if width <= 0 or height <= 0:
        raise InputError(f"{path} declares no frame size ({width}x{height}); the file is corrupt")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise InputError(
            f"{path} declares {width}x{height} frames, above the {MAX_SIDE}-pixel limit; "
            "the header is corrupt or hostile (re-encode it to a normal size)"
        )
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    fps = float(rate) if rate else 0.0
    timed = 0 < fps <= 1000
    if not timed:
        fps = 25.0
    duration = 0.0
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / 1_000_000
    frames = int(stream.frames or 0) or int(round(duration * fps))
    start_s = float(stream.start_time * stream.time_base) if stream.start_time is not None and stream.time_base else 0.0
    time_base = float(stream.time_base) if stream.time_base else 0.0
    return VideoProbe(path, width, height, fps, frames, duration, stream.codec_context.name, timed, start_s, time_base)


def skips_nonref(info: VideoProbe) -> bool:
    """Whether analysis of this film decodes only reference frames: at 720p and above, where the
    decoder is the bottleneck."""
    return info.timed and info.width * info.height >= SKIP_NONREF_PIXELS


def analysis_step(width: int, target_width: int) -> int:
    """Subsampling stride that brings ``width`` near ``target_width`` (a power of two, >= 1)."""
    step = 1
    while width // (step * 2) >= target_width:
        step *= 2
    return step


def _plane(plane: av.video.plane.VideoPlane) -> np.ndarray:
    """(height, width) uint8 view of one plane, without copying."""
    buf = np.frombuffer(plane, np.uint8)
    return buf.reshape(plane.height, plane.line_size)[:, : plane.width]


def yuv_to_rgb(y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """BT.601 limited-range Y (h, w) and U, V (h, w) uint8 -> (h, w, 3) uint8 RGB."""
    yf = (y.astype(np.float32) - 16) * 1.164
    uf = u.astype(np.float32) - 128
    vf = v.astype(np.float32) - 128
    rgb = np.stack([yf + 1.596 * vf, yf - 0.392 * uf - 0.813 * vf, yf + 2.017 * uf], axis=-1)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def decode_workers() -> int:
    """Parallel GOP decoders to run: one per core, at most four (``gop_decode``)."""
    return max(1, min(4, os.cpu_count() or 1))


class _Reducer:
    """Turns the decoded frames of one GOP into ``FrameSample``s (``seq`` is the reader's to set).

    Runs in a decoder thread. Thumbnails go to the first frame of the GOP and then to the first frame
    at or after every ``thumb_every``-th, so skipped frames never cost a thumbnail."""

    def __init__(self, info: VideoProbe, step: int, tstep: int, thumb_every: int):
        self.info, self.step, self.tstep, self.thumb_every = info, step, tstep, thumb_every
        self.block = -1  # the last thumb_every-block that got a thumbnail in this GOP
        self.count = 0  # frames of this GOP so far: the clock when the film has no frame rate

    def __call__(self, frame: av.VideoFrame) -> FrameSample:
        info, step, tstep = self.info, self.step, self.tstep
        # from pts, not frame.time: frames drained from a decoder at a GOP's end carry no time base
        t = None if frame.pts is None or not info.time_base else max(0.0, frame.pts * info.time_base - info.start_s)
        index = round(t * info.fps) if t is not None and info.timed else -1  # -1: the reader counts
        if frame.format.name not in PLANAR_YUV:
            frame = frame.reformat(format="yuv420p")
        y = _plane(frame.planes[0])
        u, v = _plane(frame.planes[1]), _plane(frame.planes[2])
        # Chroma planes may be full, half-width or half-size: stride to 4:2:0 geometry.
        cy, cx = y.shape[0] // u.shape[0], y.shape[1] // u.shape[1]
        cs_y, cs_x = max(1, 2 * step // cy), max(1, 2 * step // cx)
        luma = y[::step, ::step].copy()
        chroma = np.stack([u[::cs_y, ::cs_x], v[::cs_y, ::cs_x]])
        chroma = chroma[:, : (luma.shape[0] + 1) // 2, : (luma.shape[1] + 1) // 2].copy()
        thumb = None
        block = (index if index >= 0 else self.count) // max(1, self.thumb_every)
        self.count += 1
        if self.thumb_every and block != self.block:
            self.block = block
            ty = y[::tstep, ::tstep]
            rows = (np.arange(ty.shape[0]) * tstep) // cy
            cols = (np.arange(ty.shape[1]) * tstep) // cx
            thumb = yuv_to_rgb(ty, u[rows][:, cols], v[rows][:, cols])
        return FrameSample(index, -1.0 if t is None else t, luma, chroma, thumb)


def iter_frames(
    path: Path,
    info: VideoProbe,
    target_width: int = 160,
    thumb_every: int = 0,
    thumb_width: int = 320,
    skip_nonref: bool = False,
    workers: int | None = None,
) -> Iterator[FrameSample]:
    """Decode ``path`` on ``workers`` threads (default: one per core, ``gop_decode``) and yield every
    frame reduced to about ``target_width`` pixels, in film order (with ``skip_nonref``, only the
    frames other frames are predicted from; see the module docstring).

    Frames carry about ``thumb_every`` frames apart (0: none) an RGB thumbnail about ``thumb_width``
    wide. Raises InputError if decoding fails or the file ends well before its header says.
    """
    step = analysis_step(info.width, target_width)
    tstep = analysis_step(info.width, thumb_width)
    # Without a frame rate, frames are numbered by counting, which needs one decoder in order.
    n = (workers or decode_workers()) if info.timed else 1
    # Skip H.264/HEVC deblocking: it is a fifth to a half of 720p decode time, and its effect
    # (smoothing 8x8 block edges) vanishes in the strided planes analysis reads.
    options = {"skip_loop_filter": "all"}
    index = -1
    seq = 0
    try:
        for sample in decode_gops(path, lambda: _Reducer(info, step, tstep, thumb_every), workers=n,
                                  decoder_options=options, skip_frame="NONREF" if skip_nonref else None):
            # never backwards, whatever the timestamps say (a film whose timestamps stall
            # degrades to counting decoded frames)
            index = max(index + 1, sample.index)
            sample.index, sample.seq = index, seq
            if sample.time_s < 0:
                sample.time_s = index / info.fps
            yield sample
            seq += 1
    except av.FFmpegError as exc:
        raise InputError(
            f"{path} could not be decoded after frame {index + 1} ({exc.strerror or exc}); the file is corrupt"
        ) from exc
    if seq == 0:
        raise InputError(f"{path} holds no decodable frames; the file is corrupt or truncated")
    if info.frames and index + 1 < 0.9 * info.frames - 2:
        raise InputError(
            f"{path} ends after {index + 1} of the {info.frames} frames its header promises; the file is "
            "truncated (download or copy it again)"
        )
