"""Encode, decode and probe video files with PyAV.

Everything reelgraph writes goes through ``write_video``: H.264 in MP4 with yuv420p and faststart
(opens in any player and in browsers), provenance tags saying the video is AI-generated, and an
atomic rename so an interrupted render never leaves a file that looks finished. Reading returns
uint8 RGB frames in (T, H, W, 3) layout, the layout every other part of reelgraph uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from reelgraph import __version__
from reelgraph.atomic import atomic_path
from reelgraph.errors import InputError

MAX_DIMENSION = 8192
AI_NOTICE = "AI-generated video"


@dataclass(frozen=True)
class Provenance:
    """What an output says about its own origin, written into the container's tags."""

    generator: str
    prompt: str = ""
    seed: int | None = None
    title: str = ""

    def tags(self) -> dict[str, str]:
        """MP4 metadata: ``title`` and ``comment`` are the tags most players show."""
        comment = f"{AI_NOTICE} made with reelgraph {__version__}, generator {self.generator}"
        if self.seed is not None:
            comment += f", seed {self.seed}"
        if self.prompt:
            comment += f"; prompt: {self.prompt}"
        return {
            "title": self.title or self.prompt[:120] or "reelgraph video",
            "comment": comment,
            "description": comment,
            "encoder": f"reelgraph {__version__}",
        }


@dataclass(frozen=True)
class VideoInfo:
    """What a video file holds, read from its header (and frame count from the stream)."""

    path: Path
    width: int
    height: int
    fps: float
    num_frames: int
    duration_s: float
    codec: str
    pix_fmt: str
    tags: dict[str, str] = field(default_factory=dict)


def fps_fraction(fps: float | Fraction) -> Fraction:
    """23.976 -> 24000/1001: encoders want an exact rational rate."""
    if isinstance(fps, Fraction):
        return fps
    if fps <= 0 or fps > 1000:
        raise InputError(f"frame rate {fps} is out of range; use a value between 1 and 1000")
    for base in (24, 30, 48, 60, 120):  # NTSC rates are written rounded (23.976, 29.97)
        ntsc = Fraction(base * 1000, 1001)
        if abs(fps - float(ntsc)) < 0.005:
            return ntsc
    return Fraction(fps).limit_denominator(1001)


class VideoWriter:
    """Streaming H.264 writer: push frames one at a time, memory stays that of one frame.

    Use as a context manager; the file appears under its final name only when the block ends
    without an exception. Odd widths/heights are padded by one replicated row/column, since
    yuv420p needs even sizes.
    """

    def __init__(
        self,
        path: Path,
        *,
        fps: float | Fraction,
        provenance: Provenance | None = None,
        crf: int = 18,
        preset: str = "medium",
    ) -> None:
        self.path = Path(path)
        self.rate = fps_fraction(fps)
        self.provenance = provenance
        self.crf = crf
        self.preset = preset
        self.frames_written = 0
        self._atomic = atomic_path(self.path)
        self._container: av.container.OutputContainer | None = None
        self._stream = None
        self._size: tuple[int, int] | None = None  # (height, width) of the input frames

    def __enter__(self) -> "VideoWriter":
        tmp = self._atomic.__enter__()
        self._container = av.open(str(tmp), mode="w", format="mp4", options={"movflags": "+faststart"})
        if self.provenance is not None:
            self._container.metadata.update(self.provenance.tags())
        return self

    def write(self, frame: np.ndarray) -> None:
        """Append one uint8 RGB frame (H, W, 3)."""
        assert self._container is not None, "use VideoWriter as a context manager"
        frame = _check_frame(frame)
        if self._stream is None:
            self._open_stream(frame.shape[0], frame.shape[1])
        elif frame.shape[:2] != self._size:
            raise InputError(f"frame {self.frames_written} is {frame.shape[1]}x{frame.shape[0]}, the video is {self._size[1]}x{self._size[0]}")
        frame = _pad_even(frame)
        vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        vf.pts = self.frames_written
        for packet in self._stream.encode(vf):
            self._container.mux(packet)
        self.frames_written += 1

    def _open_stream(self, height: int, width: int) -> None:
        self._size = (height, width)
        stream = self._container.add_stream("libx264", rate=self.rate)
        stream.width = width + width % 2
        stream.height = height + height % 2
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = 1 / self.rate
        stream.options = {"crf": str(self.crf), "preset": self.preset, "profile": "high"}
        self._stream = stream

    def __exit__(self, exc_type, exc, tb) -> bool:
        try:
            if exc_type is None:
                if self._stream is None:
                    raise InputError(f"no frames to write to {self.path}")
                for packet in self._stream.encode(None):
                    self._container.mux(packet)
        except BaseException as inner:
            self._container.close()
            self._atomic.__exit__(type(inner), inner, inner.__traceback__)
            raise
        self._container.close()
        return bool(self._atomic.__exit__(exc_type, exc, tb))


def write_video(
    path: Path,
    frames: Iterable[np.ndarray] | np.ndarray,
    *,
    fps: float | Fraction,
    provenance: Provenance | None = None,
    crf: int = 18,
    preset: str = "medium",
) -> VideoInfo:
    """Encode uint8 RGB frames ((T, H, W, 3) array or an iterable of (H, W, 3)) to an MP4 at ``path``."""
    with VideoWriter(path, fps=fps, provenance=provenance, crf=crf, preset=preset) as writer:
        for frame in frames:
            writer.write(frame)
    return probe_video(path)


def _check_frame(frame: np.ndarray) -> np.ndarray:
    if not isinstance(frame, np.ndarray) or frame.ndim != 3 or frame.shape[2] != 3:
        raise InputError(f"a frame must be a (H, W, 3) array, got {getattr(frame, 'shape', type(frame))}")
    if frame.dtype != np.uint8:
        raise InputError(f"frames must be uint8, got {frame.dtype}")
    h, w = frame.shape[:2]
    if not (2 <= h <= MAX_DIMENSION and 2 <= w <= MAX_DIMENSION):
        raise InputError(f"frame size {w}x{h} is outside 2..{MAX_DIMENSION}")
    return frame


def _pad_even(frame: np.ndarray) -> np.ndarray:
    h, w = frame.shape[:2]
    if h % 2 or w % 2:
        frame = np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    return frame


# ----------------------------------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------------------------------


def _open_input(path: Path) -> av.container.InputContainer:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path} does not exist or is not a file")
    if path.stat().st_size == 0:
        raise InputError(f"{path} is empty (0 bytes); it is not a video")
    try:
        container = av.open(str(path), mode="r")
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path} is not a video file reelgraph can read ({exc})") from exc
    if not container.streams.video:
        container.close()
        raise InputError(f"{path} has no video stream")
    stream = container.streams.video[0]
    w, h = stream.codec_context.width, stream.codec_context.height
    if not (0 < w <= MAX_DIMENSION and 0 < h <= MAX_DIMENSION):
        container.close()
        raise InputError(f"{path} claims a frame size of {w}x{h}; refusing anything beyond {MAX_DIMENSION} px or empty")
    return container


def probe_video(path: Path) -> VideoInfo:
    """Read a video's size, rate, length, codec and tags without decoding its frames."""
    path = Path(path)
    container = _open_input(path)
    try:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.base_rate or Fraction(24)
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / av.time_base
        else:
            duration = 0.0
        frames = stream.frames or round(duration * float(rate))
        return VideoInfo(
            path=path,
            width=stream.codec_context.width,
            height=stream.codec_context.height,
            fps=float(rate),
            num_frames=int(frames),
            duration_s=duration,
            codec=stream.codec_context.name,
            pix_fmt=stream.codec_context.format.name if stream.codec_context.format else "",
            tags=dict(container.metadata),
        )
    finally:
        container.close()


def iter_frames(
    path: Path,
    *,
    start_s: float = 0.0,
    end_s: float | None = None,
    size: tuple[int, int] | None = None,
) -> Iterator[np.ndarray]:
    """Yield uint8 RGB frames (H, W, 3) whose timestamps lie in [start_s, end_s).

    Seeks to the keyframe before ``start_s`` instead of decoding from the start, and converts to
    ``size`` = (width, height) inside FFmpeg's scaler, which is far cheaper than resizing later.
    A damaged stream raises ``InputError`` naming the file.
    """
    container = _open_input(path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        if start_s > 0 and stream.time_base is not None:
            container.seek(int(start_s / stream.time_base), stream=stream, backward=True, any_frame=False)
        width, height = size if size else (None, None)
        for frame in container.decode(stream):
            t = frame.time if frame.time is not None else 0.0
            if t < start_s - 1e-6:
                continue
            if end_s is not None and t >= end_s - 1e-6:
                break
            yield frame.to_ndarray(format="rgb24", width=width, height=height)
    except av.FFmpegError as exc:
        raise InputError(f"{path} is damaged and could not be decoded ({exc})") from exc
    finally:
        container.close()


def read_video(
    path: Path,
    *,
    start_s: float = 0.0,
    end_s: float | None = None,
    size: tuple[int, int] | None = None,
    max_frames: int | None = None,
) -> np.ndarray:
    """Decode a whole clip (or a time range of it) into one uint8 (T, H, W, 3) array.

    Meant for short clips; long films should be streamed with ``iter_frames``.
    """
    frames = []
    for frame in iter_frames(path, start_s=start_s, end_s=end_s, size=size):
        frames.append(frame)
        if max_frames is not None and len(frames) >= max_frames:
            break
    if not frames:
        raise InputError(f"{path} holds no frames in the range {start_s}..{end_s} s")
    return np.stack(frames)


def middle_frame(path: Path, *, size: tuple[int, int] | None = None) -> np.ndarray:
    """The frame halfway through a clip, uint8 (H, W, 3): the still that stands for a shot (its
    first frames may still show the shot it extends or crossfades from). One seek, one frame."""
    info = probe_video(path)
    middle = info.duration_s / 2 if info.duration_s > 0 else 0.0
    for frame in iter_frames(path, start_s=middle, size=size):
        return frame
    for frame in iter_frames(path, size=size):  # a clip shorter than its header says
        return frame
    raise InputError(f"{path} holds no frames")
