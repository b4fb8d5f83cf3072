"""Score a clip against a prompt: what the evaluator sees, attribute by attribute, next to what the
prompt (parsed into the world's scene spec) asked for.

Only attributes the prompt actually talks about are judged; the rest are reported as seen but not
asked, because an unstated attribute takes a default value in the spec that nobody asked for.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from generation.eval.clip_input import Clip, FrameSample
from generation.eval.evaluator import Evaluator, load_evaluator
from generation.eval.metrics import predict
from generation.world.spec import SCORED_ATTRIBUTES


@dataclass(frozen=True)
class AttributeScore:
    """One scored attribute of one clip."""

    attribute: str
    predicted: str
    """The value the evaluator reads from the clip."""
    confidence: float
    """The evaluator's probability of ``predicted``."""
    asked: str | None
    """The value the prompt asks for; None when the prompt does not mention this attribute."""
    asked_probability: float | None
    """The evaluator's probability of ``asked`` (a soft agreement), None when not asked."""
    agrees: bool | None
    """predicted == asked; None when not asked."""


@dataclass(frozen=True)
class ClipScore:
    """A clip judged against a prompt. ``score`` is the fraction of asked attributes the clip shows
    (None when the prompt names none of them); ``soft_score`` the mean probability of the asked values."""

    prompt: str
    attributes: list[AttributeScore]
    score: float | None
    soft_score: float | None
    asked: list[str]
    unknown_words: list[str]

    def to_dict(self) -> dict:
        return asdict(self)


def _understood_attributes(parsed) -> list[str]:
    """Names of the scored attributes a parsed prompt really states (``understood`` maps each
    attribute the parser set from the text to the words behind it)."""
    return [n for n in SCORED_ATTRIBUTES if n in parsed.understood]


def score_frames(frames: Clip, prompt: str, model: Evaluator | None = None, fps: float | None = None) -> ClipScore:
    """Score uint8 frames (T, H, W, 3) of any size and length, or the sampled frames of a clip, against
    ``prompt``. Given the whole clip's ``fps``, a long clip's opening seconds are read a second time
    (``clip_input.opening_frames``)."""
    from generation.world.parse import parse_prompt

    model = model or load_evaluator()
    parsed = parse_prompt(prompt)
    asked_names = _understood_attributes(parsed)
    clip = frames if isinstance(frames, FrameSample) else FrameSample.whole(frames, fps)
    probs, _ = predict(model, [clip])
    rows: list[AttributeScore] = []
    heads = model.config.heads
    for name in [n for n in SCORED_ATTRIBUTES if n in heads] + [n for n in heads if n not in SCORED_ATTRIBUTES]:
        classes = heads[name]
        p = probs[name][0]
        k = int(p.argmax())
        asked = getattr(parsed.spec, name).value if name in asked_names else None
        ap = float(p[classes.index(asked)]) if asked is not None else None
        rows.append(AttributeScore(name, classes[k], float(p[k]), asked, ap, None if asked is None else classes[k] == asked))
    judged = [r for r in rows if r.asked is not None]
    return ClipScore(
        prompt=prompt,
        attributes=rows,
        score=float(np.mean([r.agrees for r in judged])) if judged else None,
        soft_score=float(np.mean([r.asked_probability for r in judged])) if judged else None,
        asked=asked_names,
        unknown_words=list(parsed.unknown_words),
    )


def read_clip_for_eval(path: Path, long_side: int = 160) -> tuple[np.ndarray, float]:
    """Decode a video file at a small size (long side ``long_side`` px, aspect kept) for the
    evaluator, which reads 64-px frames anyway: decoding small is far cheaper than resizing later.
    Returns the frames and the file's frame rate."""
    from generation.video_io import probe_video, read_video

    info = probe_video(Path(path))
    scale = min(1.0, long_side / max(info.width, info.height))
    w = max(2, 2 * round(info.width * scale / 2))
    h = max(2, 2 * round(info.height * scale / 2))
    return read_video(Path(path), size=(w, h)), info.fps


def score_file(path: Path, prompt: str, model: Evaluator | None = None) -> ClipScore:
    """Score a video file (any container PyAV reads) against ``prompt``."""
    frames, fps = read_clip_for_eval(path)
    return score_frames(frames, prompt, model, fps=fps)


def format_score(result: ClipScore) -> str:
    """A plain-text table: one line per attribute (asked, seen, confidence, verdict), then the score."""
    lines = [f"{'attribute':<15} {'prompt asks':<13} {'clip shows':<13} {'conf':>5}  verdict"]
    for r in result.attributes:
        verdict = "-" if r.agrees is None else ("ok" if r.agrees else "MISMATCH")
        asked = r.asked if r.asked is not None else "(not asked)"
        lines.append(f"{r.attribute:<15} {asked:<13} {r.predicted:<13} {r.confidence:>5.2f}  {verdict}")
    if result.score is None:
        lines.append("score: n/a (the prompt names none of the scored attributes)")
    else:
        agreed = sum(1 for r in result.attributes if r.agrees)
        lines.append(f"score: {result.score:.2f} ({agreed}/{len(result.asked)} asked attributes shown; "
                     f"mean probability of the asked values {result.soft_score:.2f})")
    if result.unknown_words:
        lines.append("words not understood: " + ", ".join(result.unknown_words))
    return "\n".join(lines)
