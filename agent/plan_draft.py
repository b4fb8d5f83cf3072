"""From a language model's plan to a storyboard the generator can render.

The model fills a deliberately small, flat schema (``PlanDraft``): a title, a style and a list of
shots, each a setting, one short sentence of what it shows, a camera and a rough length. Every
token the model writes costs about 0.12 s on the 2-core CPU, so nothing the code can work out is
asked of it: ids, scenes (consecutive shots with the same setting form one), continuity links,
durations that sum to the target, long shots split into extensions, seeds, citations filtered to ids
that exist, and each shot's words rewritten in the generator's vocabulary (the recaptioning step of
Sora and DALL·E 3) are all done by ``draft_to_storyboard``.

Two schemas exist on purpose. ``PlanDraft`` validates loosely (any 1..60 shots, long strings,
any number for a length) so that a usable answer from any back-end is used. ``draft_json_schema``
is what a grammar-constrained decoder (llama.cpp) is given: it bounds the shot count to the
film's length and caps every string, so a small model can neither stop early nor loop on shots.
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field, field_validator

from agent.storyboard import Continuity, Scene, Shot, Storyboard

MIN_SHOT_S = 1.0
MAX_DRAFT_SHOTS = 60
JOINS = ("cut", "crossfade", "extend")

# Caps for the constrained decoder, in characters. ``shows`` fits the prompt's 12 words with room
# to spare; the caps bound the worst case (a model looping inside a string) rather than shape the
# usual answer.
TITLE_CHARS = 48
STYLE_CHARS = 60
SETTING_CHARS = 50
SHOWS_CHARS = 100
REF_CHARS = 64
MAX_REFS = 4


def _unfilled_is_empty(v: Any) -> Any:
    """The prompt shows the answer's shape with slots like "<where, when>"; a slot a small model
    copies instead of filling says nothing, so it counts as left out."""
    return "" if isinstance(v, str) and re.fullmatch(r"\s*<[^<>]*>\s*", v) else v


class DraftShot(BaseModel):
    """One take as the model writes it."""

    setting: str = Field("", max_length=500, description="Where and when; the same text as the previous shot keeps the scene.")
    shows: str = Field(..., min_length=1, max_length=1000, description="Who or what is seen and what they do.")
    camera: str = Field("", max_length=200, description="Angle and movement.")
    seconds: float = Field(5.0, description="Rough length; rescaled to the target.")
    join: Literal["cut", "crossfade", "extend"] = Field("cut", description="How the shot joins the previous one.")
    refs: list[str] = Field(default_factory=list, max_length=16, description="Memory ids the shot draws on.")

    _slots = field_validator("setting", "camera", mode="before")(_unfilled_is_empty)

    @field_validator("join", mode="before")
    @classmethod
    def _lenient_join(cls, v: Any) -> Any:
        """A join the model misspells or invents is a cut: the safe default, not worth a retry."""
        if v is None:
            return "cut"
        word = str(v).strip().lower()
        return word if word in JOINS else "cut"


class PlanDraft(BaseModel):
    """What the chat model is asked to write."""

    title: str = Field("Untitled", max_length=200)
    style: str = Field("", max_length=500)
    shots: list[DraftShot] = Field(..., min_length=1, max_length=MAX_DRAFT_SHOTS)

    _slots = field_validator("title", "style", mode="before")(_unfilled_is_empty)


def draft_json_schema(min_shots: int, max_shots: int) -> dict[str, Any]:
    """The JSON schema handed to a grammar-constrained decoder for a plan of ``min_shots`` to
    ``max_shots`` shots (clamped to 1..60). llama-cpp-python's converter turns ``minItems`` /
    ``maxItems`` and ``maxLength`` into bounded repetitions in the grammar, so the bounds are hard.
    Property order is the order the model writes in: setting first, so it says where before what.
    Optional properties (``join``, ``refs``) come last, as the converter puts them anyway."""
    lo = max(1, min(int(min_shots), MAX_DRAFT_SHOTS))
    hi = max(lo, min(int(max_shots), MAX_DRAFT_SHOTS))

    def text(chars: int, min_chars: int = 0) -> dict[str, Any]:
        return {"type": "string", "minLength": min_chars, "maxLength": chars}

    shot = {
        "type": "object",
        "properties": {
            "setting": text(SETTING_CHARS, 1),
            "shows": text(SHOWS_CHARS, 1),
            "camera": {"enum": list(CAMERA_CHOICES)},
            "seconds": {"type": "integer", "minimum": 1, "maximum": 60},
            "join": {"enum": list(JOINS)},
            "refs": {"type": "array", "items": text(REF_CHARS, 1), "maxItems": MAX_REFS},
        },
        "required": ["setting", "shows", "camera", "seconds"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "title": text(TITLE_CHARS),
            "style": text(STYLE_CHARS),
            "shots": {"type": "array", "items": shot, "minItems": lo, "maxItems": hi},
        },
        "required": ["title", "style", "shots"],
        "additionalProperties": False,
    }


CAMERA_ANGLES = ("low angle", "eye level", "high angle")
CAMERA_MOVES = ("static", "pan left", "pan right", "tilt up", "tilt down", "zoom in", "zoom out", "dolly")
CAMERA_CHOICES = tuple(f"{a}, {m}" for a in CAMERA_ANGLES for m in CAMERA_MOVES)
"""What the grammar lets the local model write as a shot's camera. Free text invited copies of the
prompt's own list ("pan left/right") and transitions ("crossfade") in the camera field; every
choice here is a phrase the world's parser reads."""


def _camera_words(camera: str) -> str:
    """Make a camera note parseable: a bare "low"/"high" becomes "low angle"/"high angle" (alone
    the parser cannot tell it from anything else that is low or high)."""
    parts = []
    for part in re.split(r"[,;]", camera):
        p = part.strip()
        if re.fullmatch(r"(low|high)", p, flags=re.I) or re.match(r"(low|high)\s+(static|pan|tilt|zoom|dolly)", p, flags=re.I):
            p = re.sub(r"^(low|high)", r"\1 angle,", p, flags=re.I).rstrip(",")
        elif p and not any(w in p.lower() for w in ("camera", "angle", "shot", "view", "level")):
            p = f"{p} camera"
        if p:
            parts.append(p)
    return ", ".join(parts)


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

    camera = _camera_words(camera)
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


def _same_place(setting: str) -> str:
    """The key that decides whether two shots share a scene: case and spacing do not count."""
    return re.sub(r"\s+", " ", setting).strip().casefold()


def group_scenes(shots: list[DraftShot]) -> list[tuple[str, list[DraftShot]]]:
    """Consecutive shots with the same setting text form one scene; a shot with no setting stays
    in the scene before it (a model that leaves the setting out means "still here")."""
    groups: list[tuple[str, list[DraftShot]]] = []
    for shot in shots:
        if groups and (not shot.setting.strip() or _same_place(shot.setting) == _same_place(groups[-1][0])):
            groups[-1][1].append(shot)
        else:
            groups.append((shot.setting.strip(), [shot]))
    return groups


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
    # A plan with too few shots for its length is cut into more, shorter takes.
    per_shot_cap = min(max_shot_s, target_s / min_shots) if len(draft.shots) < min_shots else max_shot_s
    lengths = _durations([s.seconds for s in draft.shots], target_s, per_shot_cap, fps)
    scenes: list[Scene] = []
    cited: list[str] = []
    prev_id: str | None = None
    for si, (setting, planned) in enumerate(group_scenes(draft.shots)):
        shots: list[Shot] = []
        for shot in planned:
            parts = lengths.pop(0)
            refs = [r for r in shot.refs if r in known_ids]
            cited += [r for r in refs if r not in cited]
            for pi, length in enumerate(parts):
                shot_id = f"s{si + 1}-{len(shots) + 1}"
                how = shot.join if pi == 0 else "extend"
                continuity = Continuity(from_shot=prev_id, how=how) if prev_id and how != "cut" else None
                shots.append(
                    Shot(
                        id=shot_id,
                        prompt=expand_prompt(shot.shows, setting, shot.camera, draft.style, shot_seed(seed, shot_id), idea),
                        duration_s=length,
                        camera=shot.camera,
                        continuity=continuity,
                        seed=shot_seed(seed, shot_id),
                        references=refs,
                    )
                )
                prev_id = shot_id
        scenes.append(Scene(id=f"s{si + 1}", setting=setting, shots=shots))
    board = Storyboard(title=draft.title or "Untitled", aspect=aspect, fps=fps, resolution=resolution, style=draft.style, scenes=scenes)
    return board, cited


def direct_draft(prompt: str, duration_s: float) -> PlanDraft:
    """The plan without a chat model (``--model none``): the prompt as one continuous take, which
    ``draft_to_storyboard`` cuts into extensions of at most ``max_shot_s``."""
    return PlanDraft(title=prompt[:60], shots=[DraftShot(shows=prompt, seconds=duration_s)])
