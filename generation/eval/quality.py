"""Generator quality on held-out world prompts, read through the evaluator.

A held-out prompt is a caption of a sampled scene spec; the spec is the truth the generated clip is
scored against, attribute by attribute. Prompts come from their own seed stream, ``QUALITY_STREAM``
(prompt ``i`` is drawn from ``np.random.default_rng([QUALITY_STREAM, i])``, the keying of
``clip_source``, whose streams 1-3 it does not share), so they are the same on every machine, in
``bench/quality.py`` and in the periodic scores logged while the generator trains.

The world renders the same specs at the same size and length: scored the same way, they are the
ceiling a generator can reach through this evaluator (what the evaluator itself gets wrong), and the
reference set of the Fréchet distance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from generation.eval.clip_source import QUALITY_STREAM
from generation.eval.evaluator import Evaluator
from generation.eval.metrics import frechet_distance_from_features, predict, read_back, temporal_consistency
from generation.world.spec import SceneSpec
from reelgraph.errors import InputError

TARGET_ACCURACY = 0.90
"""Per-attribute accuracy the issue asks of generated clips, on ``TARGET_ATTRIBUTES``."""
TARGET_ATTRIBUTES = ("subject", "setting", "time_of_day", "weather", "subject_motion", "camera_motion")


@dataclass(frozen=True)
class HeldoutPrompt:
    """One held-out prompt: its caption, the spec it describes (the truth) and the seed that both
    the generator and the world's reference render use."""

    index: int
    prompt: str
    spec: SceneSpec
    seed: int


def heldout_prompts(count: int, style: str = "detailed", start: int = 0) -> list[HeldoutPrompt]:
    """Prompts ``start .. start + count - 1`` of the quality stream. ``detailed`` captions name every
    attribute, so no scored attribute is left to the generator's guess (``short`` ones may omit
    attributes at their default value; the truth is still the spec)."""
    from generation.world.caption import STYLES, caption
    from generation.world.sample import sample_spec

    if count < 1:
        raise InputError(f"count must be at least 1, got {count}")
    if style not in STYLES:
        raise InputError(f"caption style {style!r} is not one of {', '.join(STYLES)}")
    out = []
    for i in range(start, start + count):
        rng = np.random.default_rng([QUALITY_STREAM, i])
        spec = sample_spec(rng)
        text = caption(spec, style, rng)
        out.append(HeldoutPrompt(index=i, prompt=text, spec=spec, seed=int(rng.integers(2**31))))
    return out


def render_reference(p: HeldoutPrompt, width: int, height: int, num_frames: int, fps: float, variant: int = 0) -> np.ndarray:
    """The world's render of the prompt's spec: uint8 (num_frames, H, W, 3). ``variant`` 1, 2, ...
    give other renders of the same spec (other positions, shades), for a render-vs-render floor."""
    from generation.world.render import render_clip

    seed = int(np.random.default_rng([QUALITY_STREAM, p.index, variant]).integers(2**31)) if variant else p.seed
    return render_clip(p.spec, width=width, height=height, num_frames=num_frames, fps=fps, seed=seed)


@dataclass(frozen=True)
class SetScore:
    """What the evaluator reads from a set of clips asked to show ``specs``."""

    accuracy: dict[str, float]
    """Attribute -> fraction of clips whose predicted value is the asked one (every evaluator head)."""
    mean_accuracy: float
    worst_attribute: str
    confusions: dict[str, list[tuple[str, str, int]]]
    """Attribute -> the most frequent (asked, seen instead, count) mistakes, most frequent first."""
    temporal_consecutive: float
    """Mean over clips of the consecutive-frame feature cosine (``metrics.temporal_consistency``)."""
    temporal_first_last: float
    """Mean over clips of the first-vs-last-frame feature cosine."""
    clips: int
    features: np.ndarray
    """Penultimate evaluator features (N, D), for Fréchet distances between sets."""

    def summary(self, digits: int = 4) -> dict:
        """JSON-able figures (features left out)."""
        return {
            "accuracy": {k: round(v, digits) for k, v in self.accuracy.items()},
            "mean_accuracy": round(self.mean_accuracy, digits),
            "worst_attribute": self.worst_attribute,
            "targets_met": {k: self.accuracy[k] >= TARGET_ACCURACY for k in TARGET_ATTRIBUTES if k in self.accuracy},
            "temporal_consecutive": round(self.temporal_consecutive, digits),
            "temporal_first_last": round(self.temporal_first_last, digits),
            "confusions": {k: [list(c) for c in v] for k, v in self.confusions.items() if v},
            "clips": self.clips,
        }


def score_clips(model: Evaluator, clips: Sequence[np.ndarray], specs: Sequence[SceneSpec], top_confusions: int = 3) -> SetScore:
    """Score uint8 clips (each (T, H, W, 3), any size/length) against the specs they were asked for:
    one evaluator pass for accuracy and features, one per-frame pass per clip for temporal consistency."""
    if len(clips) != len(specs):
        raise InputError(f"{len(clips)} clips but {len(specs)} specs; give one spec per clip")
    probs, feats = predict(model, clips)
    accuracy, misreads = read_back(probs, specs, model.config.heads)
    confusions = {name: [(a, b, n) for (a, b), n in pairs.most_common(top_confusions)] for name, pairs in misreads.items()}
    tc = [temporal_consistency(model, c) for c in clips]
    return SetScore(
        accuracy=accuracy, mean_accuracy=float(np.mean(list(accuracy.values()))),
        worst_attribute=min(accuracy, key=accuracy.get), confusions=confusions,
        temporal_consecutive=float(np.mean([t.consecutive for t in tc])),
        temporal_first_last=float(np.mean([t.first_last for t in tc])), clips=len(clips), features=feats,
    )


def frechet_between(a: SetScore, b: SetScore) -> float:
    """Fréchet distance between the evaluator features of two scored sets (needs >= 2 clips each).
    With fewer clips than feature dimensions the covariances are rank-deficient: the figure is then
    biased upward and only comparable between sets of the same size."""
    return frechet_distance_from_features(a.features, b.features)
