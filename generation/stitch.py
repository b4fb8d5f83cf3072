"""Join rendered shots into one film, streaming, with cuts and crossfades.

A minute of 256x144 video is 1,440 frames; holding them all would cost ~160 MB at that size and
gigabytes at larger ones. Stitching instead decodes one frame at a time and keeps only the tail of
the previous shot that a crossfade needs, so memory does not grow with the film's length.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from generation.video_io import Provenance, VideoInfo, VideoWriter, iter_frames, probe_video
from reelgraph.errors import InputError

Transition = Literal["cut", "crossfade"]


@dataclass(frozen=True)
class StitchClip:
    """One shot to place in the film, and how it joins the shot before it."""

    path: Path
    transition: Transition = "cut"
    crossfade_s: float = 0.5


@dataclass(frozen=True)
class StitchProgress:
    """Sent after each shot: how many shots and frames are done."""

    clips_done: int
    clips_total: int
    frames_written: int


def stitch_clips(
    clips: list[StitchClip],
    out: Path,
    *,
    fps: float | None = None,
    size: tuple[int, int] | None = None,
    provenance: Provenance | None = None,
    on_progress: Callable[[StitchProgress], None] | None = None,
) -> VideoInfo:
    """Write ``clips`` one after another into ``out``.

    ``size`` = (width, height) and ``fps`` default to the first clip's. Clips of another size are
    scaled by the decoder; clips of another rate are played frame by frame at the output rate (shots
    are rendered at the storyboard's rate, so this only matters for foreign clips). A crossfade of
    d seconds overlaps the two shots by d, so the film is that much shorter than the sum of its
    shots; d is clamped to the shorter of the two shots.
    """
    if not clips:
        raise InputError("nothing to stitch: the list of clips is empty")
    infos = [probe_video(c.path) for c in clips]
    if size is None:
        size = (infos[0].width, infos[0].height)
    fps = fps or infos[0].fps
    overlaps = [0] + [
        _overlap_frames(clip, fps, prev.num_frames, info.num_frames)
        for clip, prev, info in zip(clips[1:], infos[:-1], infos[1:])
    ]
    with VideoWriter(out, fps=fps, provenance=provenance) as writer:
        tail: deque[np.ndarray] = deque()
        for index, clip in enumerate(clips):
            keep = overlaps[index + 1] if index + 1 < len(clips) else 0
            for frame in _blend_in(iter_frames(clip.path, size=size), tail, overlaps[index]):
                tail.append(frame)
                if len(tail) > keep:
                    writer.write(tail.popleft())
            if on_progress:
                on_progress(StitchProgress(index + 1, len(clips), writer.frames_written))
        for frame in tail:
            writer.write(frame)
    return probe_video(out)


def _overlap_frames(clip: StitchClip, fps: float, prev_frames: int, next_frames: int) -> int:
    if clip.transition == "cut":
        return 0
    if clip.crossfade_s < 0:
        raise InputError(f"crossfade of {clip.path} is negative ({clip.crossfade_s} s)")
    return max(0, min(round(clip.crossfade_s * fps), prev_frames - 1, next_frames))


def _blend_in(frames: Iterator[np.ndarray], tail: deque[np.ndarray], overlap: int) -> Iterator[np.ndarray]:
    """Yield the new clip's frames, the first ``overlap`` mixed with the held tail of the last clip.

    The mix weight rises linearly so that neither end of the crossfade is a pure copy of one shot.
    """
    held = [tail.popleft() for _ in range(min(overlap, len(tail)))]
    for i, frame in enumerate(frames):
        if i < len(held):
            w = (i + 1) / (len(held) + 1)
            mixed = held[i].astype(np.float32) * (1 - w) + frame.astype(np.float32) * w
            yield np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
        else:
            yield frame
