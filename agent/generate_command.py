"""``reelgraph generate``: one prompt in, one MP4 and its manifest out.

Until the built-in diffusion generator ships its weights (issue 4), shots are rendered by the
procedural world itself: the prompt is parsed into the world's vocabulary and drawn for real, and
the manifest and the MP4's tags say so (generator ``procedural-world``). Words the world did not
understand are reported rather than silently dropped.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from pydantic import BaseModel, Field, field_validator

from agent.storyboard import ASPECTS, normalise_resolution, size_for_aspect
from reelgraph import __version__
from reelgraph.atomic import write_json_atomic
from reelgraph.errors import InputError
from reelgraph.project import Project

FULL_SHORT_SIDE = 144
PREVIEW_SHORT_SIDE = 72
GENERATOR_NAME = "procedural-world"


class GenerateRequest(BaseModel):
    """Everything ``generate`` needs; validated before any work starts."""

    prompt: str = Field(..., min_length=1, max_length=4000, description="What the video shows.")
    duration_s: float = Field(5.0, gt=0, le=600, description="Length in seconds.")
    aspect: str = Field("16:9", description="Frame shape when no resolution is given.")
    resolution: Optional[str] = Field(None, description="Exact WxH, both even.")
    fps: int = Field(24, ge=1, le=120, description="Frames per second.")
    seed: int = Field(0, ge=0, lt=2**32, description="Render seed.")
    preview: bool = Field(False, description="Half the short side: a fast draft.")

    @field_validator("aspect")
    @classmethod
    def _aspect(cls, v: str) -> str:
        if v not in ASPECTS:
            raise ValueError(f"unknown aspect {v!r}; use one of {', '.join(ASPECTS)}")
        return v

    @field_validator("resolution")
    @classmethod
    def _resolution(cls, v: Optional[str]) -> Optional[str]:
        return None if v is None else normalise_resolution(v)  # one rule set for sizes: the storyboard's

    @property
    def size(self) -> tuple[int, int]:
        if self.resolution:
            w, h = self.resolution.split("x")
            return int(w), int(h)
        return size_for_aspect(self.aspect, PREVIEW_SHORT_SIDE if self.preview else FULL_SHORT_SIDE)

    @property
    def num_frames(self) -> int:
        return max(1, round(self.duration_s * self.fps))


@dataclass(frozen=True)
class GenerateResult:
    video: Path
    manifest: Path
    seconds: float


def manifest_path_for(video: Path) -> Path:
    """``film.mp4`` -> ``film.manifest.json``: the sidecar sorts beside its video."""
    return video.with_name(video.stem + ".manifest.json")


def run_generate(project: Project, request: GenerateRequest, out: Path, show_progress: bool = True) -> GenerateResult:
    """Render ``request`` to ``out`` (an MP4 inside the project) and write its manifest."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from generation.video_io import Provenance, VideoWriter, probe_video
    from generation.world.parse import parse_prompt
    from generation.world.render import render_frames

    if out.suffix.lower() != ".mp4":
        raise InputError(f"{out.name}: reelgraph writes MP4 files; name the output *.mp4")
    parsed = parse_prompt(request.prompt)
    width, height = request.size
    started = time.perf_counter()
    provenance = Provenance(generator=GENERATOR_NAME, prompt=request.prompt, seed=request.seed)
    frames = render_frames(parsed.spec, width=width, height=height, num_frames=request.num_frames, fps=request.fps, seed=request.seed)
    with Progress(
        TextColumn("[bold]rendering[/]"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} frames"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        disable=not show_progress,
        transient=True,
    ) as bar:
        task = bar.add_task("render", total=request.num_frames)
        with VideoWriter(out, fps=request.fps, provenance=provenance) as writer:
            for frame in frames:
                writer.write(frame)
                bar.advance(task)
    seconds = time.perf_counter() - started
    info = probe_video(out)
    manifest = manifest_path_for(out)
    write_json_atomic(
        manifest,
        {
            "notice": "AI-generated video",
            "tool": f"reelgraph {__version__}",
            "generator": GENERATOR_NAME,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "prompt": request.prompt,
            "seed": request.seed,
            "understood": parsed.understood,
            "not_understood": parsed.unknown_words,
            "scene_spec": parsed.spec.model_dump(mode="json"),
            "video": {
                "file": out.name,
                "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
                "width": info.width,
                "height": info.height,
                "fps": info.fps,
                "frames": info.num_frames,
                "duration_s": info.duration_s,
                "codec": info.codec,
            },
            "render_seconds": round(seconds, 3),
        },
    )
    return GenerateResult(video=out, manifest=manifest, seconds=seconds)
