"""From a language model's plan to a storyboard the generator can render.

The model fills a deliberately loose schema (``PlanDraft``): small models get durations, ids and
links wrong, so those are not asked of them. ``draft_to_storyboard`` then does the exact work in
code: ids, continuity links, durations that sum to the target, long shots split into extensions,
seeds, citations filtered to ids that exist, and each shot's words rewritten in the generator's
vocabulary (the recaptioning step of Sora and DALL·E 3).
"""

from __future__ import annotations

import hashlib
import math
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from agent.storyboard import Continuity, Scene, Shot, Storyboard

MIN_SHOT_S = 1.0


class PlannedShot(BaseModel):
    description: str = Field(..., min_length=1, max_length=1000, description="What the take shows.")
    duration_s: float = Field(5.0, description="Rough length; rescaled to the target.")
    camera: str = Field("", max_length=200, description="Angle and movement.")
    subjects: list[str] = Field(default_factory=list, max_length=8)
    transition: Literal["cut", "crossfade", "extend"] = "cut"
    references: list[str] = Field(default_factory=list, max_length=16)


class PlannedScene(BaseModel):
    setting: str = Field("", max_length=500)
    shots: list[PlannedShot] = Field(..., min_length=1, max_length=60)


class PlanDraft(BaseModel):
    """What the chat model is asked to write."""

    title: str = Field("Untitled", max_length=200)
    style: str = Field("", max_length=500)
    scenes: list[PlannedScene] = Field(..., min_length=1, max_length=30)


def shot_seed(base_seed: int, shot_id: str) -> int:
    """A stable per-shot seed: the same storyboard renders the same film."""
    return int.from_bytes(hashlib.sha256(f"{base_seed}:{shot_id}".encode()).digest()[:4], "little")


def expand_prompt(description: str, setting: str, camera: str, style: str, seed: int, idea: str = "") -> str:
    """Rewrite a shot in the generator's words: parse everything known about the shot into the
    world's scene spec and caption it in the long style the generator was trained on. The film's
    idea comes last, so it only fills what the shot leaves unsaid (the parser keeps the first
    mention). If the parser recognises nothing, the model's own words are kept."""
    from generation.world.caption import caption
    from generation.world.parse import parse_prompt

    if camera.strip() and not any(w in camera.lower() for w in ("camera", "angle", "shot", "view")):
        camera = f"{camera} camera"  # "low" alone is ambiguous; "low camera" is a camera angle
    text = ". ".join(part for part in (description, setting, camera, style, idea) if part.strip())
    parsed = parse_prompt(text)
    if not parsed.understood:
        return description.strip()
    return caption(parsed.spec, "long", np.random.default_rng(seed))


def _durations(raw: list[float], target: float, max_shot_s: float, fps: int) -> list[list[float]]:
    """Scale rough durations to sum to ``target``; split any shot longer than ``max_shot_s`` into
    equal parts. Returns, per planned shot, the lengths of its parts in whole frames (so the film
    has exactly target x fps frames), the last part of the last shot absorbing the rounding."""
    rough = [d if math.isfinite(d) and d > 0 else 1.0 for d in raw]
    scale = target / sum(rough)
    parts = []
    for d in rough:
        length = max(MIN_SHOT_S, d * scale)
        n = max(1, math.ceil(length / max_shot_s - 1e-9))
        parts.append([length / n] * n)
    total = sum(sum(p) for p in parts)
    frames = [[max(1, round(x * target / total * fps)) for x in p] for p in parts]
    frames[-1][-1] = max(1, frames[-1][-1] + round(target * fps) - sum(sum(p) for p in frames))
    return [[n / fps for n in p] for p in frames]


def draft_to_storyboard(
    draft: PlanDraft,
    *,
    target_s: float,
    aspect: str,
    resolution: str | None,
    fps: int,
    seed: int,
    known_ids: set[str],
    max_shot_s: float = 10.0,
    min_shots: int = 1,
    idea: str = "",
) -> tuple[Storyboard, list[str]]:
    """Build a valid storyboard from ``draft``; returns it with the memory ids it cites."""
    flat = [(si, shot) for si, scene in enumerate(draft.scenes) for shot in scene.shots]
    # A plan with too few shots for its length is cut into more, shorter takes.
    per_shot_cap = min(max_shot_s, target_s / min_shots) if len(flat) < min_shots else max_shot_s
    lengths = _durations([s.duration_s for _, s in flat], target_s, per_shot_cap, fps)
    scenes: list[Scene] = []
    cited: list[str] = []
    prev_id: str | None = None
    for si, planned_scene in enumerate(draft.scenes):
        shots: list[Shot] = []
        for shot in planned_scene.shots:
            parts = lengths.pop(0)
            refs = [r for r in shot.references if r in known_ids]
            cited += [r for r in refs if r not in cited]
            for pi, length in enumerate(parts):
                shot_id = f"s{si + 1}-{len(shots) + 1}"
                how = shot.transition if pi == 0 else "extend"
                continuity = Continuity(from_shot=prev_id, how=how) if prev_id and how != "cut" else None
                shots.append(
                    Shot(
                        id=shot_id,
                        prompt=expand_prompt(shot.description, planned_scene.setting, shot.camera, draft.style, shot_seed(seed, shot_id), idea),
                        duration_s=length,
                        camera=shot.camera,
                        subjects=shot.subjects,
                        continuity=continuity,
                        seed=shot_seed(seed, shot_id),
                        references=refs,
                    )
                )
                prev_id = shot_id
        scenes.append(Scene(id=f"s{si + 1}", setting=planned_scene.setting, shots=shots))
    board = Storyboard(title=draft.title or "Untitled", aspect=aspect, fps=fps, resolution=resolution, style=draft.style, scenes=scenes)
    return board, cited


def direct_draft(prompt: str, duration_s: float) -> PlanDraft:
    """The plan without a chat model (``--model none``): the prompt as one continuous take, which
    ``draft_to_storyboard`` cuts into extensions of at most ``max_shot_s``."""
    return PlanDraft(title=prompt[:60], scenes=[PlannedScene(shots=[PlannedShot(description=prompt, duration_s=duration_s)])])
