"""What the ``reelgraph world`` commands do, kept out of the CLI so the CLI stays a thin shell."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import yaml

from generation.world.parse import ParsedPrompt, parse_prompt
from generation.world.render import check_render_args, render_frames
from generation.world.spec import SceneSpec
from reelgraph.errors import InputError

SPEC_SUFFIXES = (".json", ".yaml", ".yml")
MAX_SPEC_BYTES = 64 * 1024


@dataclass(frozen=True)
class RenderRequest:
    spec: SceneSpec
    parsed: ParsedPrompt | None  # set when the spec came from words
    prompt: str  # the words, or the spec file's name


def resolve_spec(spec_or_prompt: str) -> RenderRequest:
    """A spec from a JSON/YAML file (when the argument names one) or else from a prompt in words."""
    candidate = Path(spec_or_prompt).expanduser()
    if spec_or_prompt.lower().endswith(SPEC_SUFFIXES) and len(spec_or_prompt) < 4096:
        if not candidate.is_file():
            raise InputError(f"spec file {candidate} does not exist; pass an existing .json/.yaml file or a prompt in words")
        if candidate.stat().st_size > MAX_SPEC_BYTES:
            raise InputError(f"spec file {candidate} is larger than {MAX_SPEC_BYTES // 1024} KiB; a scene spec is a few lines")
        try:
            data = yaml.safe_load(candidate.read_text(encoding="utf-8"))  # YAML is a superset of JSON
            spec = SceneSpec.model_validate(data)
        except (yaml.YAMLError, UnicodeDecodeError, ValueError) as exc:
            fields = ", ".join(SceneSpec.model_fields)
            raise InputError(f"{candidate} is not a valid scene spec ({exc}); it should map some of: {fields}") from exc
        return RenderRequest(spec=spec, parsed=None, prompt=candidate.name)
    parsed = parse_prompt(spec_or_prompt)
    return RenderRequest(spec=parsed.spec, parsed=parsed, prompt=spec_or_prompt)


def frames_for(duration: float, fps: float) -> int:
    if not math.isfinite(duration) or duration <= 0:
        raise InputError(f"--duration {duration} must be a positive number of seconds")
    return max(1, round(duration * fps))


def render_to_file(request: RenderRequest, out: Path, *, width: int, height: int, fps: float, duration: float, seed: int):
    """Render the request to an MP4 at ``out``, streaming frames (constant memory)."""
    from generation.video_io import Provenance, write_video

    num_frames = frames_for(duration, fps)
    check_render_args(request.spec, width, height, num_frames, fps)
    provenance = Provenance(generator="procedural world", prompt=request.prompt, seed=seed)
    frames = render_frames(request.spec, width=width, height=height, num_frames=num_frames, fps=fps, seed=seed)
    return write_video(out, frames, fps=fps, provenance=provenance)


def describe(request: RenderRequest) -> list[str]:
    """Lines telling the user how their words were read."""
    lines = []
    if request.parsed is not None:
        for attr, words in request.parsed.understood.items():
            lines.append(f"  {attr:<15} <- {words!r}")
        if request.parsed.unknown_words:
            lines.append(f"  not used: {', '.join(request.parsed.unknown_words)}")
    spec = request.spec
    lines.append("  spec: " + ", ".join(f"{k}={getattr(spec, k)}" for k in SceneSpec.model_fields if getattr(spec, k) is not None))
    return lines
