"""What a chat line asks the director to do: a small deterministic router, and the storyboard edits.

The studio (``tui/``) must not guess with a language model which button a sentence presses: a
mistaken "render" costs minutes. So a few fixed phrasings are recognised with regular expressions
(analyze, plan, shot edits, render) and everything else is a question for ``Director.ask``. The
edits are applied to a copy of the storyboard and validated by its pydantic schema, so a bad edit
leaves the storyboard as it was and comes back as one ``InputError`` line.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Union

from pydantic import ValidationError

from agent.storyboard import Storyboard
from reelgraph.errors import InputError

if TYPE_CHECKING:
    from agent.api import Director

EditField = Literal["prompt", "duration_s", "camera"]
EDIT_FIELDS: tuple[str, ...] = ("prompt", "duration_s", "camera")
DEFAULT_FILM_S = 60.0

# ----------------------------------------------------------------------------------------------
# Intents
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Analyze:
    """Ingest reference films and documents into the scene memory."""

    paths: tuple[str, ...]


@dataclass(frozen=True)
class PlanFilm:
    """Plan a storyboard for an idea (the run then waits for approval)."""

    idea: str
    duration_s: float


@dataclass(frozen=True)
class EditShot:
    """Change one field of one shot. ``shot`` is a 1-based position ("3") or a shot id ("s1-2")."""

    shot: str
    field: EditField
    value: str


@dataclass(frozen=True)
class RenderFilm:
    """Approve and render the storyboard on screen."""


@dataclass(frozen=True)
class AskMemory:
    """Anything else: a question answered from memory with citations."""

    question: str


Intent = Union[Analyze, PlanFilm, EditShot, RenderFilm, AskMemory]

_FIELD_WORDS = {
    "prompt": "prompt",
    "description": "prompt",
    "text": "prompt",
    "duration": "duration_s",
    "length": "duration_s",
    "seconds": "duration_s",
    "camera": "camera",
    "framing": "camera",
    "angle": "camera",
}
_FIELD_RE = "|".join(_FIELD_WORDS)
_SHOT_RE = r"shot\s+#?(?P<shot>[A-Za-z0-9][A-Za-z0-9_.-]*?)"
_TO_RE = r"(?:\s*(?:to|=|:|is|as)\s*|\s+)"

_ANALYZE = re.compile(r"^(?:analy[sz]e|ingest|read|study)\s+(?P<rest>.+)$", re.I | re.S)
_RENDER = re.compile(r"^(?:render|shoot|go|film it|make it|start)(?:\s+(?:it|the film|the storyboard|now|please))*\s*[.!]*$", re.I)
_FIELD_EDIT = [
    re.compile(rf"^(?:set|change|make)?\s*(?:the\s+)?{_SHOT_RE}(?:'s)?\s+(?P<field>{_FIELD_RE}){_TO_RE}(?P<value>.+)$", re.I | re.S),
    re.compile(rf"^(?:set|change|make)\s+(?:the\s+)?(?P<field>{_FIELD_RE})\s+of\s+{_SHOT_RE}{_TO_RE}(?P<value>.+)$", re.I | re.S),
]
_LENGTH_EDIT = re.compile(rf"^(?:make|set)\s+{_SHOT_RE}\s+(?P<value>\d+(?:\.\d+)?)\s*(?:s|sec|secs|seconds?)(?:\s+long)?\s*[.!]*$", re.I)
_CAMERA_EDIT = re.compile(rf"^(?:make|turn)\s+{_SHOT_RE}\s+(?:into\s+)?(?:an?\s+)(?P<value>.+?)\s*[.!]*$", re.I | re.S)
_PLAN = re.compile(r"^(?:plan|storyboard|write|make|create)\s+(?P<rest>.+)$", re.I | re.S)
_FILM_WORDS = re.compile(r"\b(?:film|movie|video|short|storyboard|clip|sequence)\b", re.I)
_DURATION = re.compile(
    r"\b(?P<n>\d+(?:\.\d+)?|an?|one|two|three|four|five|ten)[\s-]*(?P<unit>seconds?|secs?|s|minutes?|mins?)\b(?:[\s-]+long)?", re.I
)
_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10}
_IDEA_LEAD = re.compile(
    r"^(?:(?:me|us)\s+)?(?:(?:an?|the)\s+)?(?:(?:long|short|new)\s+)?(?:film|movie|video|short|storyboard|clip|sequence)?\s*(?:about|of|on|where|with|for|showing|in which)?\s*",
    re.I,
)


def route(text: str) -> Intent:
    """The intent of one chat line. Deterministic: the same words always do the same thing."""
    line = " ".join(text.split())
    if not line:
        return AskMemory("")
    if m := _ANALYZE.match(line):
        return Analyze(tuple(_split_paths(m.group("rest"))))
    if _RENDER.match(line):
        return RenderFilm()
    for pattern in _FIELD_EDIT:
        if m := pattern.match(line):
            return EditShot(m.group("shot"), _FIELD_WORDS[m.group("field").lower()], _strip_quotes(m.group("value")))
    if m := _LENGTH_EDIT.match(line):
        return EditShot(m.group("shot"), "duration_s", m.group("value"))
    if m := _CAMERA_EDIT.match(line):
        return EditShot(m.group("shot"), "camera", m.group("value"))
    if (m := _PLAN.match(line)) and (line.lower().startswith(("plan", "storyboard")) or _FILM_WORDS.search(line)):
        return _plan(m.group("rest"))
    return AskMemory(line)


def _plan(rest: str) -> PlanFilm:
    duration = DEFAULT_FILM_S
    if m := _DURATION.search(rest):
        n = m.group("n").lower()
        value = float(_WORD_NUMBERS.get(n, n))
        duration = value * (60.0 if m.group("unit").lower().startswith("m") else 1.0)
        rest = (rest[: m.start()] + " " + rest[m.end() :]).strip()
    idea = _IDEA_LEAD.sub("", " ".join(rest.split()), count=1).strip(" .")
    if not idea:
        raise InputError('say what the film is about, e.g. "plan a 60-second film about mammoths in the snow"')
    return PlanFilm(idea=idea, duration_s=duration)


def _split_paths(rest: str) -> list[str]:
    try:
        parts = shlex.split(rest)
    except ValueError as exc:
        raise InputError(f"cannot read the paths in {rest!r} ({exc}); quote paths with spaces") from None
    return [p.rstrip(",") for p in parts if p.rstrip(",") and p.lower() not in ("and", "&")]


def _strip_quotes(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return value.strip()


# ----------------------------------------------------------------------------------------------
# Storyboard edits
# ----------------------------------------------------------------------------------------------


def resolve_shot(board: Storyboard, ref: str) -> str:
    """The id of the shot a person means: its id, or its 1-based position in the film."""
    ids = [shot.id for shot in board.shots]
    if ref in ids:
        return ref
    if ref.isdigit() and 1 <= int(ref) <= len(ids):
        return ids[int(ref) - 1]
    raise InputError(f"there is no shot {ref!r}; shots are 1..{len(ids)} or by id ({', '.join(ids[:6])}{', ...' if len(ids) > 6 else ''})")


def edit_shot(board: Storyboard, shot_id: str, field: str, value: str) -> Storyboard:
    """A new storyboard with one field of one shot changed, validated by the schema.

    Raises ``InputError`` naming the shot and field; ``board`` itself is never changed.
    """
    if field not in EDIT_FIELDS:
        raise InputError(f"only {', '.join(EDIT_FIELDS)} of a shot can be edited here, not {field!r}")
    new: object = value
    if field == "duration_s":
        m = re.fullmatch(r"\s*([-+]?(?:\d+(?:\.\d+)?|\.\d+))\s*(?:s|sec|secs|seconds?)?\s*", value, re.I)
        if not m:
            raise InputError(f"shot {shot_id}: duration {value!r} is not a number of seconds (e.g. 4 or 2.5)")
        new = float(m.group(1))
    data = board.model_dump(mode="json")
    for scene in data["scenes"]:
        for shot in scene["shots"]:
            if shot["id"] == shot_id:
                shot[field] = new
                break
        else:
            continue
        break
    else:
        raise InputError(f"there is no shot {shot_id!r} in the storyboard")
    try:
        return Storyboard.model_validate(data)
    except ValidationError as exc:
        messages = [err["msg"].removeprefix("Value error, ") for err in exc.errors()]
        label = "duration" if field == "duration_s" else field
        raise InputError(f"shot {shot_id}: {label}: " + "; ".join(messages)) from None


def apply_edit(board: Storyboard, edit: EditShot) -> Storyboard:
    """Apply a routed chat edit (shot given by position or id)."""
    return edit_shot(board, resolve_shot(board, edit.shot), edit.field, edit.value)


# ----------------------------------------------------------------------------------------------
# References (the memory side of the chat)
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceRow:
    """One ingested reference as the studio lists it."""

    source: str
    kind: str
    items: int


def ingest_references(director: "Director", paths: tuple[str, ...] | list[str]) -> list[str]:
    """Analyse and store each reference in the director's memory; one summary line per file.

    Every path is checked before any is analysed, so a typo stores nothing.
    """
    from memory.ingest.reference import ingest_reference, reference_kind

    if not paths:
        raise InputError('name the files to analyze, e.g. "analyze ~/films/reference.mp4 script.fountain"')
    resolved = [Path(p).expanduser() for p in paths]
    for path in resolved:
        if not path.is_file():
            raise InputError(f"{path} does not exist or is not a file")
        reference_kind(path)
    lines = []
    for path in resolved:
        summary = ingest_reference(path, director.memory)
        lines.append(" ".join(summary.text.split()))
    return lines


def list_references(director: "Director") -> list[ReferenceRow]:
    """Every reference in the director's memory with its item count, in ingestion order."""
    rows: dict[tuple[str, str], int] = {}
    for item in director.memory.items():
        key = (item.source, item.kind)
        rows[key] = rows.get(key, 0) + 1
    return [ReferenceRow(source=s, kind=k, items=n) for (s, k), n in rows.items()]
