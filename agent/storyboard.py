"""The storyboard: the one object the planner writes, the TUI shows, the API returns and ``run`` reads.

Storyboards come from people and from language models, so they are treated as hostile: loaded with
YAML's safe loader, without anchors/aliases (no "billion laughs"), size-limited, and validated by
pydantic with every problem reported as ``file:line: field.path: message``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from reelgraph.atomic import write_text_atomic
from reelgraph.errors import InputError

MAX_FILE_BYTES = 2_000_000
MAX_TOTAL_S = 600.0
MAX_SIDE = 4096
SAFE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
ASPECTS = {"16:9": (16, 9), "9:16": (9, 16), "1:1": (1, 1), "4:3": (4, 3), "3:4": (3, 4), "21:9": (21, 9), "2.39:1": (239, 100)}
DEFAULT_SHORT_SIDE = 144


def normalise_resolution(v: str) -> str:
    """'256 x 144' -> '256x144'; refuses odd, tiny or oversize frames (H.264 needs even sides)."""
    m = re.fullmatch(r"\s*(\d{1,5})\s*[xX×]\s*(\d{1,5})\s*", v)
    if not m:
        raise ValueError(f"resolution {v!r} is not WxH, e.g. 256x144")
    w, h = int(m.group(1)), int(m.group(2))
    if w % 2 or h % 2:
        raise ValueError(f"resolution {w}x{h} must have even width and height (H.264 needs it)")
    if not (16 <= w <= MAX_SIDE and 16 <= h <= MAX_SIDE):
        raise ValueError(f"resolution {w}x{h} must be between 16 and {MAX_SIDE} on each side")
    return f"{w}x{h}"


class Continuity(BaseModel):
    """How a shot joins an earlier one: a hard cut, a crossfade, or an extension of its last frames."""

    model_config = ConfigDict(extra="forbid")

    from_shot: str = Field(..., pattern=SAFE_ID, description="Id of the earlier shot this one continues.")
    how: Literal["cut", "extend", "crossfade"] = Field("cut", description="Join type.")


class Shot(BaseModel):
    """One continuous take, rendered by the generator from its prompt."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(..., pattern=SAFE_ID, description="Unique shot id; also names the shot's cache files.")
    prompt: str = Field(..., min_length=1, max_length=4000, description="What the shot shows, in the generator's words.")
    duration_s: float = Field(..., gt=0, le=120, description="Length of the shot in seconds.")
    camera: str = Field("", max_length=200, description="Camera angle and movement, e.g. 'low angle, slow pan left'.")
    subjects: list[str] = Field(default_factory=list, max_length=16, description="Who or what is in the shot.")
    continuity: Optional[Continuity] = Field(None, description="Link to an earlier shot; none means a cut.")
    seed: Optional[int] = Field(None, ge=0, lt=2**32, description="Render seed; none derives one from the shot id.")
    references: list[str] = Field(default_factory=list, max_length=64, description="Memory ids this shot draws on.")

    @field_validator("prompt")
    @classmethod
    def _prompt_has_words(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the prompt is blank; say what the shot shows")
        return v.strip()


class Scene(BaseModel):
    """A run of shots in one place and time."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(..., pattern=SAFE_ID, description="Unique scene id.")
    setting: str = Field("", max_length=500, description="Where and when the scene happens.")
    shots: list[Shot] = Field(..., min_length=1, max_length=500, description="The scene's shots in order.")


class Storyboard(BaseModel):
    """A whole film: its format and its scenes. ``resolution`` wins over ``aspect`` when both are given."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field("Untitled", max_length=200, description="Film title; also written into the MP4's tags.")
    aspect: str = Field("16:9", description=f"Frame shape, one of {', '.join(ASPECTS)}.")
    fps: int = Field(24, ge=1, le=120, description="Frames per second of the film.")
    resolution: Optional[str] = Field(None, description="Frame size WxH, both even, at most 4096.")
    style: str = Field("", max_length=1000, description="Look shared by every shot (light, palette, lens).")
    scenes: list[Scene] = Field(..., min_length=1, max_length=200, description="The film's scenes in order.")

    @field_validator("aspect")
    @classmethod
    def _known_aspect(cls, v: str) -> str:
        if v not in ASPECTS:
            raise ValueError(f"unknown aspect {v!r}; use one of {', '.join(ASPECTS)}")
        return v

    @field_validator("resolution")
    @classmethod
    def _valid_resolution(cls, v: Optional[str]) -> Optional[str]:
        return None if v is None else normalise_resolution(v)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> "Storyboard":
        if not (info.context or {}).get("defer_cross_check"):
            problems = cross_check(self)
            if problems:
                raise ValueError("; ".join(f"{_dotted(loc) or '(top)'}: {msg}" for loc, msg in problems))
        return self

    @property
    def shots(self) -> list[Shot]:
        return [shot for scene in self.scenes for shot in scene.shots]

    @property
    def total_duration_s(self) -> float:
        return sum(shot.duration_s for shot in self.shots)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height): the resolution, or the aspect at a 144-pixel short side, rounded to even."""
        if self.resolution:
            w, h = self.resolution.split("x")
            return int(w), int(h)
        return size_for_aspect(self.aspect, DEFAULT_SHORT_SIDE)

    @property
    def width(self) -> int:
        return self.size[0]

    @property
    def height(self) -> int:
        return self.size[1]


def cross_check(board: Storyboard) -> list[tuple[tuple[str | int, ...], str]]:
    """Rules that span fields: unique ids, continuity only from earlier shots, total length."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    seen: set[str] = set()
    scene_ids: set[str] = set()
    for si, scene in enumerate(board.scenes):
        if scene.id in scene_ids:
            problems.append((("scenes", si, "id"), f"scene id {scene.id!r} is used twice; scene ids must be unique"))
        scene_ids.add(scene.id)
        for hi, shot in enumerate(scene.shots):
            here = ("scenes", si, "shots", hi)
            if shot.id in seen:
                problems.append((here + ("id",), f"shot id {shot.id!r} is used twice; shot ids must be unique"))
            if shot.continuity is not None and shot.continuity.from_shot not in seen:
                problems.append(
                    (
                        here + ("continuity", "from_shot"),
                        f"shot {shot.id!r} continues from {shot.continuity.from_shot!r}, which is not an earlier shot",
                    )
                )
            seen.add(shot.id)
    if board.total_duration_s > MAX_TOTAL_S:
        problems.append((("scenes",), f"the film is {board.total_duration_s:.0f} s long; the limit is {MAX_TOTAL_S:.0f} s"))
    return problems


def size_for_aspect(aspect: str, short_side: int) -> tuple[int, int]:
    """Frame size for an aspect name with the given short side, both sides even."""
    if aspect not in ASPECTS:
        raise InputError(f"unknown aspect {aspect!r}; use one of {', '.join(ASPECTS)}")
    a, b = ASPECTS[aspect]
    if a >= b:
        w, h = short_side * a / b, short_side
    else:
        w, h = short_side, short_side * b / a
    return int(round(w / 2)) * 2, int(round(h / 2)) * 2


# ----------------------------------------------------------------------------------------------
# Loading with line numbers
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a storyboard file, located as precisely as the file allows."""

    field: str
    message: str
    line: int | None


class StoryboardError(InputError):
    """A storyboard that does not validate; ``problems`` lists every error found, not just the first."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        lines = [f"{source}:{p.line or '?'}: {p.field or '(top)'}: {p.message}" for p in problems]
        super().__init__(f"{source} is not a valid storyboard:\n  " + "\n  ".join(lines))


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 and UTF-32 with a BOM; anything else is refused clearly."""
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(f"{source} starts with a {codec} mark but is not valid {codec} ({exc})") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{source} is not UTF-8 or UTF-16 text (byte {exc.start}); save it as UTF-8") from exc


def load_storyboard(path: Path) -> Storyboard:
    """Read and validate a storyboard from a YAML or JSON file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path} does not exist or is not a file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(f"{path} is {size:,} bytes; a storyboard is at most {MAX_FILE_BYTES:,}")
    return parse_storyboard(decode_text(path.read_bytes(), str(path)), source=str(path))


def parse_storyboard(text: str, source: str = "<storyboard>") -> Storyboard:
    """Validate storyboard text (YAML, of which JSON is a subset) and locate every problem."""
    if "\x00" in text:
        raise InputError(f"{source} contains NUL characters; it is not a text storyboard")
    if text.lstrip().startswith(("{", "[")):
        data, node = _load_json(text, source)
    else:
        node = _compose(text, source)
        data = _construct(node, source)
    if not isinstance(data, dict):
        raise StoryboardError(source, [Problem("", "the top level must be a mapping with title, scenes, ...", 1)])
    try:
        board = Storyboard.model_validate(data, context={"defer_cross_check": True})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(Problem(_dotted(loc), msg, _line_of(node, loc)))
        raise StoryboardError(source, problems) from None
    cross = cross_check(board)
    if cross:
        raise StoryboardError(source, [Problem(_dotted(loc), msg, _line_of(node, loc)) for loc, msg in cross])
    return board


def _load_json(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    """JSON is parsed by the json module (YAML 1.1 mishandles escaped surrogate pairs such as
    emoji); YAML's composer is asked only for line numbers and may give up without harm."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StoryboardError(source, [Problem("", f"not valid JSON: {exc.msg}", exc.lineno)]) from None
    except RecursionError:
        raise StoryboardError(source, [Problem("", "nested too deeply to be a storyboard", None)]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        node = None
    return data, node


def _compose(text: str, source: str) -> yaml.Node | None:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise StoryboardError(source, [Problem("", f"not valid YAML/JSON: {exc.problem}", line)]) from None
    except yaml.YAMLError as exc:
        raise StoryboardError(source, [Problem("", f"not valid YAML/JSON: {exc}", None)]) from None
    except RecursionError:
        raise StoryboardError(source, [Problem("", "nested too deeply to be a storyboard", None)]) from None
    if node is None:
        raise StoryboardError(source, [Problem("", "the file is empty", 1)])
    _refuse_aliases(node, source)
    return node


def _refuse_aliases(root: yaml.Node, source: str) -> None:
    """Anchors/aliases let a small file expand exponentially; storyboards never need them."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            line = node.start_mark.line + 1 if node.start_mark else None
            raise StoryboardError(source, [Problem("", "YAML anchors and aliases (&name / *name) are not allowed", line)])
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                stack.extend((k, v))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _construct(node: yaml.Node, source: str) -> Any:
    try:
        return yaml.SafeLoader("").construct_document(node)
    except yaml.YAMLError as exc:
        raise StoryboardError(source, [Problem("", f"not valid YAML/JSON: {exc}", None)]) from None


def _child(node: yaml.Node, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                return v
    elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        return node.value[key]
    return None


def _line_of(root: yaml.Node | None, loc: tuple[str | int, ...]) -> int | None:
    """The line of the deepest node that ``loc`` reaches (a missing field points at its parent)."""
    if root is None:
        return None
    node = root
    for key in loc:
        child = _child(node, key)
        if child is None:
            break
        node = child
    return node.start_mark.line + 1


def _dotted(loc: tuple[str | int, ...]) -> str:
    out = ""
    for key in loc:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


def iter_problems(text: str, source: str = "<storyboard>") -> Iterator[Problem]:
    """Every problem of a storyboard text, for editors that show them inline (none if it is valid)."""
    try:
        parse_storyboard(text, source)
    except StoryboardError as exc:
        yield from exc.problems


def dump_storyboard(board: Storyboard, path: Path) -> None:
    """Write a storyboard as YAML (``.yaml``/``.yml``) or JSON (anything else), atomically."""
    data = board.model_dump(mode="json", exclude_none=True)
    if Path(path).suffix.lower() in (".yaml", ".yml"):
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    else:
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    write_text_atomic(Path(path), text)
