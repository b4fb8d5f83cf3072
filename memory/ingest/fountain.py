"""A Fountain screenplay parser: title page, scene headings, action, characters, dialogue,
parentheticals, transitions, dual dialogue, and the markup a screenwriter leaves in (notes,
boneyard, sections, synopses, centred text, page breaks).

It follows the Fountain 1.1 rules that decide what a line is: a scene heading starts with INT, EXT,
EST, INT./EXT, INT/EXT or I/E (or is forced with a leading '.') and follows a blank line; a
character cue is an upper-case line after a blank line with dialogue under it (forced with '@',
'^' at the end marks dual dialogue); a transition is an upper-case line ending in 'TO:' between
blank lines (forced with '>').
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

ElementKind = Literal["action", "dialogue", "transition", "centered", "lyric", "section", "synopsis"]

HEADING_RE = re.compile(r"^(INT\.?/EXT|INT/EXT|I/E|INT|EXT|EST)[\.\s]", re.IGNORECASE)
SCENE_NUMBER_RE = re.compile(r"\s*#([\w.\-]+)#\s*$")
CHARACTER_RE = re.compile(r"^[^a-z]*[A-Z][^a-z]*$")
EXTENSION_RE = re.compile(r"\s*\(([^)]*)\)\s*$")
NOTE_RE = re.compile(r"\[\[.*?\]\]", re.DOTALL)
BONEYARD_RE = re.compile(r"/\*.*?\*/", re.DOTALL)
TITLE_KEY_RE = re.compile(r"^([A-Za-z][A-Za-z ]*):\s*(.*)$")


class Element(BaseModel):
    """One block of a scene. For dialogue: the speaking character, extension such as V.O.,
    parentheticals in order, and whether it is spoken at the same time as the previous dialogue."""

    kind: ElementKind
    text: str
    character: str | None = None
    extension: str | None = None
    parentheticals: list[str] = Field(default_factory=list)
    dual: bool = False


class Scene(BaseModel):
    """A scene: its heading split into interior/exterior, location and time of day."""

    number: int
    heading: str
    scene_number: str | None = Field(None, description="The number written in the script (#12A#), if any.")
    int_ext: str = ""
    location: str = ""
    time_of_day: str = ""
    elements: list[Element] = Field(default_factory=list)

    @property
    def characters(self) -> list[str]:
        seen: list[str] = []
        for e in self.elements:
            if e.character and e.character not in seen:
                seen.append(e.character)
        return seen

    def as_text(self) -> str:
        """The scene as plain script text (heading, action, 'NAME: line')."""
        lines = [self.heading]
        for e in self.elements:
            if e.kind == "dialogue":
                paren = " ".join(f"({p})" for p in e.parentheticals)
                lines.append(f"{e.character}{' (' + e.extension + ')' if e.extension else ''}: {paren + ' ' if paren else ''}{e.text}")
            elif e.kind in ("action", "transition", "centered", "lyric"):
                lines.append(e.text)
        return "\n".join(lines)


class Screenplay(BaseModel):
    title_page: dict[str, str] = Field(default_factory=dict)
    scenes: list[Scene] = Field(default_factory=list)

    @property
    def title(self) -> str:
        return self.title_page.get("title", "")

    @property
    def characters(self) -> list[str]:
        seen: list[str] = []
        for s in self.scenes:
            for c in s.characters:
                if c not in seen:
                    seen.append(c)
        return seen

    @property
    def locations(self) -> list[str]:
        seen: list[str] = []
        for s in self.scenes:
            if s.location and s.location not in seen:
                seen.append(s.location)
        return seen


def split_heading(heading: str) -> tuple[str, str, str]:
    """'INT. KITCHEN - NIGHT' -> ('INT', 'KITCHEN', 'NIGHT'); unknown parts stay empty."""
    m = HEADING_RE.match(heading + " ")
    int_ext = ""
    rest = heading
    if m:
        int_ext = m.group(1).upper().replace(".", "").replace("INT/EXT", "INT/EXT")
        rest = heading[m.end() :].strip(" .")
    if " - " in rest:
        location, time_of_day = rest.rsplit(" - ", 1)
    else:
        location, time_of_day = rest, ""
    return int_ext, location.strip(" .-"), time_of_day.strip(" .-")


def _title_page(lines: list[str]) -> tuple[dict[str, str], int]:
    """Key: value pairs before the first blank line, if the script starts with them."""
    if not lines or not TITLE_KEY_RE.match(lines[0]) or HEADING_RE.match(lines[0]):
        return {}, 0
    page: dict[str, str] = {}
    key = None
    i = 0
    while i < len(lines) and lines[i].strip():
        m = TITLE_KEY_RE.match(lines[i])
        if m and not lines[i].startswith((" ", "\t")):
            key = m.group(1).strip().lower()
            page[key] = m.group(2).strip()
        elif key is not None:
            page[key] = (page[key] + "\n" + lines[i].strip()).strip()
        i += 1
    return page, i


def parse_fountain(text: str) -> Screenplay:
    """Parse Fountain source into scenes. Text before the first heading becomes scene 0 ('')
    only if it holds action or dialogue."""
    text = BONEYARD_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = NOTE_RE.sub("", text)
    lines = [ln.rstrip() for ln in text.split("\n")]
    title_page, i = _title_page(lines)
    play = Screenplay(title_page=title_page)
    current = Scene(number=0, heading="")
    last_dialogue: Element | None = None

    def blank(k: int) -> bool:
        return k < 0 or k >= len(lines) or not lines[k].strip()

    def add(element: Element) -> None:
        current.elements.append(element)

    while i < len(lines):
        raw = lines[i]
        line = raw.strip()
        if not line:
            i += 1
            continue
        prev_blank = blank(i - 1)
        # Page breaks, sections and synopses carry no story text for memory but sections are kept.
        if re.fullmatch(r"={3,}", line):
            i += 1
            continue
        if line.startswith("#"):
            add(Element(kind="section", text=line.lstrip("#").strip()))
            i += 1
            continue
        if line.startswith("=") and not line.startswith("=="):
            add(Element(kind="synopsis", text=line[1:].strip()))
            i += 1
            continue
        forced_heading = line.startswith(".") and not line.startswith("..")
        if prev_blank and (forced_heading or HEADING_RE.match(line)):
            heading = line[1:].strip() if forced_heading else line
            number = None
            m = SCENE_NUMBER_RE.search(heading)
            if m:
                number = m.group(1)
                heading = heading[: m.start()].strip()
            if current.elements or current.heading:
                play.scenes.append(current)
            int_ext, location, tod = split_heading(heading) if not forced_heading else ("", heading, "")
            if forced_heading and HEADING_RE.match(heading):
                int_ext, location, tod = split_heading(heading)
            current = Scene(number=len(play.scenes) + 1, heading=heading.upper() if not forced_heading else heading,
                            scene_number=number, int_ext=int_ext, location=location.upper(), time_of_day=tod.upper())
            last_dialogue = None
            i += 1
            continue
        if line.startswith(">") and line.endswith("<"):
            add(Element(kind="centered", text=line[1:-1].strip()))
            i += 1
            continue
        if (line.startswith(">") or (line.isupper() and line.endswith("TO:") and prev_blank and blank(i + 1))):
            add(Element(kind="transition", text=line.lstrip(">").strip()))
            i += 1
            continue
        if line.startswith("~"):
            add(Element(kind="lyric", text=line[1:].strip()))
            i += 1
            continue
        forced_char = line.startswith("@")
        cue = line[1:] if forced_char else line
        dual = cue.endswith("^")
        if dual:
            cue = cue[:-1].rstrip()
        name_part = EXTENSION_RE.sub("", cue)
        if prev_blank and not blank(i + 1) and not line.startswith("!") and (forced_char or (CHARACTER_RE.match(name_part) and name_part.strip())):
            ext = EXTENSION_RE.search(cue)
            character = name_part.strip()
            parentheticals: list[str] = []
            spoken: list[str] = []
            i += 1
            while i < len(lines) and lines[i].strip():
                d = lines[i].strip()
                if d.startswith("(") and d.endswith(")"):
                    parentheticals.append(d[1:-1].strip())
                else:
                    spoken.append(d)
                i += 1
            element = Element(kind="dialogue", text=" ".join(spoken), character=character,
                              extension=ext.group(1).strip() if ext else None, parentheticals=parentheticals, dual=dual)
            if dual and last_dialogue is not None:
                last_dialogue.dual = True
            add(element)
            last_dialogue = element
            continue
        # Action: this line and the following non-blank lines that are not another element.
        block = [line[1:] if line.startswith("!") else line]
        i += 1
        while i < len(lines) and lines[i].strip():
            block.append(lines[i].strip())
            i += 1
        add(Element(kind="action", text=" ".join(block)))
        last_dialogue = None
    if current.elements or current.heading:
        play.scenes.append(current)
    return play


def separate_headings(text: str) -> str:
    """Put blank lines around upper-case scene headings. Text extracted from a PDF loses the blank
    lines that Fountain relies on, but a script's headings survive and mark its scenes."""
    out: list[str] = []
    for line in text.splitlines():
        s = line.strip()
        if HEADING_RE.match(s + " ") and s.upper() == s:
            out.extend(["", s, ""])
        else:
            out.append(line)
    return "\n".join(out)


def looks_like_screenplay(text: str, need_blank: bool = True) -> bool:
    """At least three lines that read as scene headings: worth parsing as a script."""
    count = 0
    prev_blank = True
    for line in text.splitlines():
        s = line.strip()
        if (prev_blank or not need_blank) and HEADING_RE.match(s + " ") and s.upper() == s:
            count += 1
            if count >= 3:
                return True
        prev_blank = not s
    return False
