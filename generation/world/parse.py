"""Free text -> the nearest scene spec, saying which words set what and which it could not use.

The prompt is normalised (lower case, hyphens split, lemmas, singular nouns, filler words dropped),
then scanned left to right taking the longest known phrase at each place (``lexicon.PHRASES``).
When several phrases set one attribute the highest priority wins, then the earliest. Count and
colour are read from the words just before the subject noun ("several giant wooly mammoths",
"two red cars"); a plural noun with no number means several (3). Unsaid attributes keep the
spec's defaults. The result is conformed to what the world can show: no subject means one, still,
uncoloured; a bird that travels left or right flies across.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, Field

from generation.world.lexicon import (
    COLOUR_WORDS,
    COUNT_WORDS,
    FILLER,
    IRREGULAR_PLURALS,
    LEMMAS,
    NEUTRAL,
    PHRASES,
    SCENE_WORDS,
    STOPWORDS,
    SUBJECT_ADJECTIVES,
    SUBJECT_NOUNS,
)
from generation.world.spec import SceneSpec, Subject, SubjectMotion
from reelgraph.errors import InputError

MAX_PROMPT_CHARS = 20_000


class ParsedPrompt(BaseModel):
    """What a prompt says, as a spec, and how the parser read it."""

    spec: SceneSpec
    understood: dict[str, str] = Field(default_factory=dict, description="attribute -> the words that set it")
    unknown_words: list[str] = Field(default_factory=list, description="content words the parser did not use")


@dataclass
class _Token:
    surface: str  # as written (lower case)
    norm: str  # lemma / singular
    plural: bool
    boundary: bool = False  # punctuation between clauses


@dataclass
class _Match:
    attr: str
    value: object
    priority: float
    start: int  # index into the token list
    end: int
    words: str


def _build_index() -> tuple[dict[tuple[str, ...], list[tuple[str, object, float]]], int, frozenset[str]]:
    index: dict[tuple[str, ...], list[tuple[str, object, float]]] = {}
    for attr, values in PHRASES.items():
        for value, phrases in values.items():
            for phrase, prio in phrases:
                index.setdefault(tuple(phrase.split()), []).append((attr, value, prio))
    for noun, subject in SUBJECT_NOUNS.items():
        index.setdefault((noun,), []).append(("subject", subject, 2.0))
    for phrase in NEUTRAL:
        index.setdefault(tuple(phrase.split()), []).append(("_neutral", None, 0.0))
    known = frozenset(w for k in index for w in k) | SCENE_WORDS | SUBJECT_ADJECTIVES | frozenset(COLOUR_WORDS)
    return index, max(len(k) for k in index), known


_INDEX, _LONGEST, _KNOWN = _build_index()


def _normalise(word: str) -> tuple[str, bool]:
    """(lemma or singular, whether the word was a plural noun)."""
    if word in LEMMAS:
        return LEMMAS[word], False
    if word in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[word], True
    if word.endswith("s") and word[:-1] in SUBJECT_NOUNS:
        return word[:-1], True
    if word in _KNOWN or word in FILLER or word in STOPWORDS:
        return word, False
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            stem = word[: -len(suffix)] + repl
            if stem in _KNOWN:
                return stem, True
    return word, False


def _tokens(text: str) -> list[_Token]:
    text = text.lower().replace("\u2019", "'").replace("'s ", "s ").replace("'", "")
    out: list[_Token] = []
    for m in re.finditer(r"[a-z0-9]+|[,.;:!?]", text):
        w = m.group(0)
        if w in ",.;:!?":
            out.append(_Token(w, w, False, boundary=True))
            continue
        norm, plural = _normalise(w)
        out.append(_Token(w, norm, plural))
    return out


def parse_prompt(text: str) -> ParsedPrompt:
    """The nearest scene spec to ``text``, with the words behind each attribute and the unused ones."""
    if not isinstance(text, str):
        raise InputError(f"a prompt must be text, got {type(text).__name__}")
    if len(text) > MAX_PROMPT_CHARS:
        raise InputError(f"the prompt is {len(text)} characters; keep it under {MAX_PROMPT_CHARS}")
    toks = _tokens(text)
    # content positions: tokens that take part in matching (filler dropped, boundaries kept as stops)
    content = [i for i, t in enumerate(toks) if t.boundary or t.norm not in FILLER]
    used: set[int] = set()
    matches: list[_Match] = []
    k = 0
    while k < len(content):
        best = None
        for length in range(min(_LONGEST, len(content) - k), 0, -1):
            span = content[k:k + length]
            if any(toks[i].boundary for i in span):
                continue
            key = tuple(toks[i].norm for i in span)
            if key in _INDEX:
                best = (length, span, _INDEX[key])
                break
        if best is None:
            k += 1
            continue
        length, span, hits = best
        words = " ".join(toks[i].surface for i in span)
        for attr, value, prio in hits:
            matches.append(_Match(attr, value, prio, span[0], span[-1], words))
        used.update(span)
        k += length

    chosen: dict[str, _Match] = {}
    for m in matches:
        if m.attr.startswith("_"):
            continue
        cur = chosen.get(m.attr)
        if cur is None or m.priority > cur.priority:
            chosen[m.attr] = m
    values = {attr: m.value for attr, m in chosen.items()}
    understood = {attr: m.words for attr, m in chosen.items()}

    subject = values.get("subject", Subject.none)
    if subject != Subject.none:
        count, colour = _count_and_colour(toks, chosen["subject"], used, understood)
        values["count"] = count
        values["colour"] = colour
    motion = values.get("subject_motion")
    if subject == Subject.bird and motion in (SubjectMotion.move_left, SubjectMotion.move_right):
        values["subject_motion"] = SubjectMotion.fly_across
    if subject == Subject.none:
        for attr in ("count", "colour", "subject_motion"):
            values.pop(attr, None)
            if attr in understood:  # words about motion with nobody to move are not used
                for i in range(chosen[attr].start, chosen[attr].end + 1):
                    used.discard(i)
                understood.pop(attr)
    unknown: list[str] = []
    for i, t in enumerate(toks):
        if t.boundary or i in used or t.norm in FILLER or t.norm in STOPWORDS or t.norm in SCENE_WORDS:
            continue
        if t.norm in SUBJECT_ADJECTIVES and subject != Subject.none:
            continue
        if t.surface not in unknown:
            unknown.append(t.surface)
    return ParsedPrompt(spec=SceneSpec(**values), understood=understood, unknown_words=unknown)


def _count_and_colour(toks: list[_Token], m: _Match, used: set[int], understood: dict[str, str]) -> tuple[int, object]:
    """Read the noun phrase before the subject noun, back to a clause boundary or 6 words."""
    noun = toks[m.end]
    count = None
    colour = None
    i = m.start - 1
    while i >= 0 and m.start - i <= 6 and not toks[i].boundary:
        t = toks[i]
        if count is None and t.surface in COUNT_WORDS:
            count = COUNT_WORDS[t.surface]
            understood["count"] = t.surface
            used.add(i)
        elif colour is None and count is None and t.norm in COLOUR_WORDS:
            colour = COLOUR_WORDS[t.norm]
            understood["colour"] = t.surface
            used.add(i)
        elif i in used:
            break  # another attribute's phrase: the noun phrase ended
        i -= 1
    if count is None:
        count = 3 if noun.plural else 1
        if noun.plural:
            understood["count"] = noun.surface
    return count, colour
