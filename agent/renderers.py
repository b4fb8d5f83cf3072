"""The shot renderers and the scorer the director can use, behind ``agent.context``'s protocols.

``WorldRenderer`` draws a shot with the procedural world (the stand-in until the diffusion
generator ships trained weights); ``EvaluatorScorer`` judges a take with the shipped evaluator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path

import numpy as np

from agent.context import ShotRequest
from reelgraph import __version__


class WorldRenderer:
    """Renders the world scene a prompt describes. An ``extend`` shot continues its chain's take:
    the same seed (same layout) from the time the previous shot ended, so the join is seamless."""

    name = "procedural-world"
    version = __version__

    def render(self, request: ShotRequest, on_frames: Callable[[int, int], None]) -> Iterator[np.ndarray]:
        from generation.world.parse import parse_prompt
        from generation.world.render import render_frames

        spec = parse_prompt(request.prompt).spec
        total = max(1, round(request.duration_s * request.fps))
        skip = round(request.chain_start_s * request.fps)
        seed = request.chain_seed if request.chain_seed is not None else request.seed
        frames = render_frames(spec, width=request.width, height=request.height, num_frames=skip + total, fps=request.fps, seed=seed)
        for i, frame in enumerate(islice(frames, skip, None), 1):
            yield frame
            if i % 12 == 0 or i == total:
                on_frames(i, total)


class EvaluatorScorer:
    """Fraction of the prompt's attributes the evaluator sees in the clip (soft score when the
    prompt names none). The network loads once, on first use."""

    def __init__(self) -> None:
        self._model = None

    def score(self, clip: Path, prompt: str) -> tuple[float, dict[str, str]]:
        from generation.eval.evaluator import load_evaluator
        from generation.eval.score import score_file

        if self._model is None:
            self._model = load_evaluator()
        result = score_file(clip, prompt, self._model)
        verdicts = {a.attribute: f"{a.predicted} ({'ok' if a.agrees else 'asked ' + str(a.asked)})" for a in result.attributes if a.asked is not None}
        # A prompt that names no world attribute cannot be judged: it passes rather than loops.
        value = result.score if result.score is not None else result.soft_score if result.soft_score is not None else 1.0
        return float(value), verdicts
