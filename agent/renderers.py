"""The shot renderers and the scorer the director can use, behind ``agent.context``'s protocols.

``WorldRenderer`` draws a shot with the procedural world (the stand-in until the diffusion
generator ships trained weights); ``EvaluatorScorer`` judges a take with the shipped evaluator.
"""

from __future__ import annotations

import hashlib
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


class DiffusionRenderer:
    """Renders a shot with the built-in latent video diffusion generator (loaded once, lazily).

    An ``extend`` shot is generated as a forward extension of the last frames of the take it
    continues, so motion carries across the join; its cache key includes that take.
    """

    name = "reelgraph-dit"
    CONTEXT_FRAMES = 9

    def __init__(self, weights: Path | None = None) -> None:
        from generation.pipeline import DEFAULT_WEIGHTS

        self.weights = Path(weights or DEFAULT_WEIGHTS)
        files = sorted(self.weights.glob("*.safetensors")) + sorted(self.weights.glob("*.json"))
        if not files:
            from reelgraph.errors import ModelUnavailable

            raise ModelUnavailable(f"no generator weights in {self.weights}; train them with `reelgraph train` or use --renderer world")
        digest = hashlib.sha256()
        for f in files:
            digest.update(f.read_bytes())
        self.version = digest.hexdigest()[:12]
        self._generator = None

    @property
    def generator(self):
        if self._generator is None:
            from generation.pipeline import Generator

            self._generator = Generator.load(self.weights)
        return self._generator

    def render(self, request: ShotRequest, on_frames: Callable[[int, int], None]) -> Iterator[np.ndarray]:
        from generation.video_io import read_video

        total = max(1, round(request.duration_s * request.fps))
        gen = self.generator

        def steps(p) -> None:  # sampler progress, shown as a share of the shot's frames
            on_frames(min(total - 1, int(total * ((p.window - 1) * p.steps + p.step) / (p.windows * p.steps))), total)

        if request.continue_from is not None:
            clip = read_video(request.continue_from, size=(request.width, request.height))[-self.CONTEXT_FRAMES :]
            out = gen.extend(clip, request.duration_s, "forward", request.prompt, fps=request.fps, seed=request.seed,
                             preview=request.preview, progress=steps)
            chunks = [out.frames[len(clip) :][:total]]
        else:
            chunks = gen.iter_text_to_video(request.prompt, request.duration_s, width=request.width, height=request.height,
                                            fps=request.fps, seed=request.seed, preview=request.preview, progress=steps)
        done = 0
        for chunk in chunks:
            for frame in chunk:
                if done < total:
                    yield frame
                    done += 1
        on_frames(done, total)


class DiffusersRenderer:
    """Renders a shot with a pretrained diffusers video pipeline from a folder on disk (loaded once,
    lazily). An ``extend`` shot animates the last frame of the take it continues when the pipeline
    can animate an image; otherwise it is a new take (a cut at the join)."""

    def __init__(self, folder: Path | str) -> None:
        from generation.diffusers_folder import check_installed, fingerprint, read_model_index

        self.folder = Path(folder).expanduser()
        check_installed()
        self.class_name = read_model_index(self.folder)["_class_name"]
        self.name = f"diffusers:{self.class_name}"
        self.version = fingerprint(self.folder)
        self._generator = None

    @property
    def generator(self):
        if self._generator is None:
            from generation.diffusers_backend import DiffusersGenerator

            self._generator = DiffusersGenerator.load(self.folder)
        return self._generator

    def render(self, request: ShotRequest, on_frames: Callable[[int, int], None]) -> Iterator[np.ndarray]:
        from generation.video_io import read_video

        total = max(1, round(request.duration_s * request.fps))
        gen = self.generator

        def steps(p) -> None:  # denoising progress, shown as a share of the shot's frames
            on_frames(min(total - 1, int(total * p.step / p.steps)), total)

        common = dict(fps=request.fps, seed=request.seed, preview=request.preview, progress=steps)
        if request.continue_from is not None and gen.can_animate_images:
            clip = read_video(request.continue_from, size=(request.width, request.height))[-1:]
            frames = gen.extend(clip, request.duration_s, "forward", request.prompt, **common).frames[1:]
        else:
            frames = gen.text_to_video(request.prompt, request.duration_s, width=request.width, height=request.height, **common).frames
        yield from frames[:total]
        on_frames(min(total, len(frames)), total)


def pick_renderer(choice: str) -> "WorldRenderer | DiffusionRenderer | DiffusersRenderer":
    """``world`` (the default until the built-in generator's evaluator scores pass its targets,
    issue 4), ``diffusion`` (the shipped latent diffusion checkpoint), or a pretrained diffusers
    pipeline folder: ``diffusers:PATH`` or a bare PATH to a folder holding model_index.json."""
    from reelgraph.errors import InputError

    if choice == "world":
        return WorldRenderer()
    if choice == "diffusion":
        return DiffusionRenderer()
    if choice.startswith("diffusers:"):
        return DiffusersRenderer(choice.removeprefix("diffusers:"))
    path = Path(choice).expanduser()
    if path.is_dir():
        from generation.diffusers_folder import is_pipeline_folder

        if is_pipeline_folder(path):
            return DiffusersRenderer(path)
        raise InputError(f"{choice} is a folder but not a diffusers pipeline (no model_index.json); "
                         "use world, diffusion or diffusers:PATH")
    raise InputError(f"unknown renderer {choice!r}; use world, diffusion, or diffusers:PATH (a diffusers pipeline folder)")


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
