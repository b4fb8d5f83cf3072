"""World clips for training and measuring the evaluator: random spec, aspect, size and duration.

Seeds are split into disjoint streams so that no held-out clip was ever seen in training: clip ``i``
of stream ``s`` is drawn from ``np.random.default_rng([s, i])`` (a NumPy SeedSequence keyed by both
numbers; different keys give independent streams). Training uses ``TRAIN_STREAM``, the held-out set
logged during training ``HELDOUT_STREAM``, tests/benchmarks ``TEST_STREAM``, and the generator's
quality prompts ``QUALITY_STREAM``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from generation.eval.clip_input import OPENING_S, FrameSample, frames_needed, opening_frames
from generation.eval.evaluator import EvaluatorConfig
from generation.world.spec import SceneSpec

TRAIN_STREAM = 1
HELDOUT_STREAM = 2
TEST_STREAM = 3
QUALITY_STREAM = 4  # bench/quality.py's held-out prompts for the generator (generation/eval/quality.py)

# (width, height) shapes a clip may come in; 16:9 most often, like the generator's default.
ASPECTS: tuple[tuple[int, int], ...] = ((16, 9), (16, 9), (9, 16), (1, 1), (4, 3), (21, 9), (3, 4))


@dataclass(frozen=True)
class ClipDraw:
    """One clip: what it shows, how it is framed and timed, and which of its frames the evaluator reads."""

    spec: SceneSpec
    width: int
    height: int
    total_frames: int
    """Length of the full clip at ``fps``."""
    fps: float
    seed: int


def draw_clip(stream: int, index: int, long_side: tuple[int, int] = (96, 160), max_duration_s: float = 8.0) -> ClipDraw:
    """The ``index``-th clip of ``stream``: a sampled spec, a random aspect and size, a frame rate of
    12, 24 or 30 fps and a duration between 1 and ``max_duration_s`` s (log-uniform)."""
    from generation.world.sample import sample_spec

    rng = np.random.default_rng([stream, index])
    spec = sample_spec(rng)
    aw, ah = ASPECTS[int(rng.integers(len(ASPECTS)))]
    side = int(rng.integers(long_side[0], long_side[1] + 1))
    scale = side / max(aw, ah)
    width, height = max(16, 2 * round(aw * scale / 2)), max(16, 2 * round(ah * scale / 2))
    fps = float((12, 24, 24, 30)[int(rng.integers(4))])
    duration = float(np.exp(rng.uniform(np.log(1.0), np.log(max(1.0, max_duration_s)))))
    total = max(12, round(duration * fps))  # 1 s at 12 fps is the shortest
    return ClipDraw(spec=spec, width=width, height=height, total_frames=total, fps=fps, seed=int(rng.integers(2**31)))


def render_draw(draw: ClipDraw, reader: EvaluatorConfig | None = None, cover: bool = False,
                opening_s: float = OPENING_S) -> FrameSample:
    """Only the frames of the whole clip that an evaluator of config ``reader`` (default: the
    default config) reads. Rendering just those (the world draws any instant directly) makes an 8-s
    clip as cheap as a 1-s one, and the evaluator reads them exactly as it would the whole clip.
    A long clip also carries the frames of its opening reading (``clip_input.opening_frames``;
    ``opening_s=0``: none, as training wants). With ``cover``, also how much of each pixel the
    subjects cover (``FrameSample.cover``)."""
    from generation.world.render import Scene

    reader = reader or EvaluatorConfig()
    opening = opening_frames(draw.total_frames, draw.fps, opening_s)
    wanted = frames_needed(draw.total_frames, reader.num_frames, reader.film_diff, opening)
    scene = Scene(draw.spec, width=draw.width, height=draw.height, num_frames=draw.total_frames, fps=draw.fps, seed=draw.seed)
    if not cover:
        return FrameSample(frames=np.stack([scene.frame(i) for i in wanted]), index=wanted, total=draw.total_frames,
                           opening=opening)
    frames, covers = [], []
    buf = np.empty((draw.height, draw.width), np.float32)
    for i in wanted:
        frames.append(scene.frame(i, cover=buf))
        covers.append(np.rint(buf * 255.0).astype(np.uint8))
    return FrameSample(frames=np.stack(frames), index=wanted, total=draw.total_frames, cover=np.stack(covers),
                       opening=opening)


def spec_labels(spec: SceneSpec, heads: dict[str, list[str]]) -> dict[str, int]:
    """Class index of every scored attribute of ``spec`` under the evaluator's head vocabulary."""
    out = {}
    for name, classes in heads.items():
        out[name] = classes.index(spec.value_name(name))
    return out
