"""One quality measurement of a generator: generate the held-out prompts, render the same specs
with the world, pass the renders through the generator's autoencoder, score all three through the
evaluator, measure how far the generated and round-tripped clips move against the renders
(``motion_transfer``, no network involved), and measure seams on a few long generations.

``bench/quality.py`` is a thin command line around ``measure_quality``; tests run it with a tiny
generator. Everything the figures depend on (sizes, steps, seeds, prompt indices, the evaluator's
own canvas and frame count) is in the rows it returns, so a figure can be reproduced from its row.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from generation.eval.evaluator import Evaluator
from generation.eval.metrics import temporal_consistency
from generation.eval.motion_transfer import MotionTransfer, compare_flows, global_flow
from generation.eval.quality import (
    TARGET_ACCURACY,
    TARGET_ATTRIBUTES,
    HeldoutPrompt,
    SetScore,
    frechet_between,
    heldout_prompts,
    render_reference,
    score_clips,
)
from generation.eval.seams import group_join_ratio, seam_ratio
from reelgraph.errors import InputError

Progress = Callable[[str, int, int], None]
"""on_progress(phase, done, total): called after every clip of every phase."""


@dataclass(frozen=True)
class QualitySettings:
    """What to generate and how."""

    count: int = 200
    """Held-out prompts (the first ``count`` of the quality stream, from ``start``)."""
    seconds: float = 1.0
    """Length of each scored generation (1 s at 24 fps is within one 25-frame window)."""
    preview: bool = True
    """Preview size (128x72, the size the shipped DiT trained at) and preview steps; else 256x144."""
    steps: int | None = None
    """Sampler steps; None = the generator's default for the chosen size (4 preview, 8 full; Heun)."""
    style: str = "detailed"
    """Caption style of the prompts (``detailed`` names every scored attribute)."""
    long_count: int = 3
    """How many of the prompts are also generated long, for the seam score."""
    long_seconds: float = 4.0
    """Length of those long generations (4 s = 96 frames = 5 windows)."""
    start: int = 0
    reconstruct: bool = True
    """Also score the renders after a round trip through the autoencoder (its ceiling, ~0.4 s a clip)."""


@dataclass(frozen=True)
class SeamCase:
    """One long generation: where its windows join and how much the picture jumps there, next to a
    seamless world render of the same spec measured at the same frame indices."""

    index: int
    frames: int
    windows: int
    joins: tuple[int, ...]
    generated_seam_ratio: float | None
    rendered_seam_ratio: float | None
    generated_group_join_ratio: float | None
    rendered_group_join_ratio: float | None
    generated_temporal: float
    rendered_temporal: float
    wall_s: float


def _round(v: float | None, digits: int = 4) -> float | None:
    return None if v is None else round(v, digits)


def _mean(values) -> float | None:
    """Rounded mean of the values that are not None (None when none are)."""
    v = [x for x in values if x is not None]
    return _round(float(np.mean(v))) if v else None


@dataclass
class QualityReport:
    """Everything one measurement found; ``rows`` turns it into the bench's JSON objects."""

    settings: QualitySettings
    width: int
    height: int
    fps: float
    steps: int
    generated: SetScore
    rendered: SetScore
    reconstructed: SetScore | None
    """The renders after a round trip through the generator's autoencoder: the most the DiT can reach."""
    frechet_generated_vs_rendered: float | None
    frechet_rendered_vs_rendered: float | None
    """The floor of the Fréchet distance: the same specs rendered again with other seeds."""
    seams: list[SeamCase] = field(default_factory=list)
    timing: dict[str, float] = field(default_factory=dict)
    motion_generated: MotionTransfer | None = None
    """How the generated clips move against the renders (``motion_transfer``): speed and direction."""
    motion_reconstructed: MotionTransfer | None = None
    """The same for the renders' autoencoder round trips: how much motion the autoencoder keeps."""

    def limits(self) -> dict[str, str]:
        """Per target attribute, what keeps it under the target: ``evaluator`` when even the world's
        renders score below it (the ceiling), ``autoencoder`` when the renders pass but their round
        trip through the generator's autoencoder does not, ``generator`` (the DiT) when only the
        generated clips fall short."""
        out = {}
        for name in TARGET_ATTRIBUTES:
            if name not in self.generated.accuracy:
                continue
            if self.rendered.accuracy[name] < TARGET_ACCURACY:
                out[name] = "evaluator"
            elif self.reconstructed is not None and self.reconstructed.accuracy[name] < TARGET_ACCURACY:
                out[name] = "autoencoder"
            elif self.generated.accuracy[name] < TARGET_ACCURACY:
                out[name] = "generator"
            else:
                out[name] = "met"
        return out

    def rows(self) -> list[dict]:
        """One JSON-able object per case: generated, world_render (the ceiling), autoencoder_round_trip
        (the renders through the generator's autoencoder), seams."""
        common = dict(count=self.settings.count, start=self.settings.start, style=self.settings.style,
                      width=self.width, height=self.height, fps=self.fps, seconds=self.settings.seconds)
        gen = self.generated.summary()
        gen["gap_to_ceiling"] = {k: round(self.generated.accuracy[k] - self.rendered.accuracy[k], 4)
                                 for k in self.generated.accuracy}
        rows = [
            dict(case="generated", **common, steps=self.steps, preview=self.settings.preview, **gen,
                 frechet_vs_rendered=_round(self.frechet_generated_vs_rendered), limited_by=self.limits(),
                 motion=self.motion_generated.summary() if self.motion_generated else None,
                 s_per_clip=round(self.timing["generate_s"] / self.settings.count, 3),
                 s_per_generated_s=round(self.timing["generate_s"] / (self.settings.count * self.settings.seconds), 3),
                 score_s=round(self.timing["score_generated_s"], 2)),
            dict(case="world_render", **common, **self.rendered.summary(),
                 frechet_vs_rerendered=_round(self.frechet_rendered_vs_rendered),
                 s_per_clip=round(self.timing["render_s"] / (2 * self.settings.count), 4)),
        ]
        if self.reconstructed is not None:
            rec = self.reconstructed.summary()
            rec["loss_vs_render"] = {k: round(self.reconstructed.accuracy[k] - self.rendered.accuracy[k], 4)
                                     for k in self.reconstructed.accuracy}
            rows.append(dict(case="autoencoder_round_trip", **common, **rec,
                             motion=self.motion_reconstructed.summary() if self.motion_reconstructed else None,
                             s_per_clip=round(self.timing["reconstruct_s"] / self.settings.count, 4)))
        if self.seams:
            g = [s.generated_seam_ratio for s in self.seams if s.generated_seam_ratio is not None]
            rows.append(dict(case="seams", **common | {"seconds": self.settings.long_seconds}, steps=self.steps,
                             clips=len(self.seams), generated_seam_ratio_mean=_mean(g),
                             generated_seam_ratio_max=_round(max(g)) if g else None,
                             rendered_seam_ratio_mean=_mean(s.rendered_seam_ratio for s in self.seams),
                             generated_group_join_ratio_mean=_mean(s.generated_group_join_ratio for s in self.seams),
                             rendered_group_join_ratio_mean=_mean(s.rendered_group_join_ratio for s in self.seams),
                             generated_temporal=_round(float(np.mean([s.generated_temporal for s in self.seams]))),
                             rendered_temporal=_round(float(np.mean([s.rendered_temporal for s in self.seams]))),
                             per_clip=[asdict(s) | {"joins": list(s.joins)} for s in self.seams],
                             s_per_generated_s=round(sum(s.wall_s for s in self.seams)
                                                     / (len(self.seams) * self.settings.long_seconds), 3)))
        return rows


def _frechet(a: SetScore, b: SetScore) -> float | None:
    return frechet_between(a, b) if a.clips >= 2 and b.clips >= 2 else None


def measure_quality(generator, evaluator: Evaluator, settings: QualitySettings = QualitySettings(),
                    on_progress: Progress | None = None) -> QualityReport:
    """Generate, render and score ``settings.count`` held-out prompts plus ``long_count`` long ones.
    ``generator`` is a ``generation.pipeline.Generator``."""
    if settings.long_count > settings.count:
        raise InputError(f"long_count ({settings.long_count}) cannot exceed count ({settings.count})")
    tick = on_progress or (lambda phase, done, total: None)
    prompts = heldout_prompts(settings.count, settings.style, settings.start)
    width, height = generator.size_for("16:9", settings.preview)
    generated: list[np.ndarray] = []
    t0 = time.perf_counter()
    steps = 0
    fps = generator.cfg.fps
    for i, p in enumerate(prompts):
        video = generator.text_to_video(p.prompt, settings.seconds, width=width, height=height, seed=p.seed,
                                        preview=settings.preview, steps=settings.steps)
        generated.append(video.frames)
        steps, fps = video.info.steps, video.fps
        tick("generate", i + 1, len(prompts))
    generate_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    rendered, rerendered = [], []
    for i, (p, clip) in enumerate(zip(prompts, generated)):
        rendered.append(render_reference(p, width, height, len(clip), fps))
        rerendered.append(render_reference(p, width, height, len(clip), fps, variant=1))
        tick("render", i + 1, len(prompts))
    render_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    reconstructed = []
    if settings.reconstruct:
        for i, clip in enumerate(rendered):
            reconstructed.append(generator.reconstruct(clip))
            tick("round trip", i + 1, len(rendered))
    reconstruct_s = time.perf_counter() - t0
    specs = [p.spec for p in prompts]
    t0 = time.perf_counter()
    gen_score = score_clips(evaluator, generated, specs)
    score_generated_s = time.perf_counter() - t0
    tick("score", 1, 2)
    ren_score = score_clips(evaluator, rendered, specs)
    rerender_score = score_clips(evaluator, rerendered, specs)
    rec_score = score_clips(evaluator, reconstructed, specs) if reconstructed else None
    tick("score", 2, 2)
    seams = [_seam_case(generator, evaluator, p, settings, width, height, tick, k, settings.long_count)
             for k, p in enumerate(prompts[: settings.long_count])]
    render_flows = [global_flow(clip) for clip in rendered]
    return QualityReport(settings=settings, width=width, height=height, fps=fps, steps=steps, generated=gen_score,
                         rendered=ren_score, reconstructed=rec_score, frechet_generated_vs_rendered=_frechet(gen_score, ren_score),
                         frechet_rendered_vs_rendered=_frechet(rerender_score, ren_score), seams=seams,
                         timing=dict(generate_s=generate_s, render_s=render_s, reconstruct_s=reconstruct_s,
                                     score_generated_s=score_generated_s),
                         motion_generated=compare_flows([global_flow(c) for c in generated], render_flows),
                         motion_reconstructed=compare_flows([global_flow(c) for c in reconstructed], render_flows)
                         if reconstructed else None)


def _seam_case(generator, evaluator: Evaluator, p: HeldoutPrompt, settings: QualitySettings, width: int, height: int,
               tick: Progress, k: int, total: int) -> SeamCase:
    t0 = time.perf_counter()
    video = generator.text_to_video(p.prompt, settings.long_seconds, width=width, height=height, seed=p.seed,
                                    preview=settings.preview, steps=settings.steps)
    wall = time.perf_counter() - t0
    render = render_reference(p, width, height, len(video.frames), video.fps)
    joins = tuple(video.info.joins)
    tick("long", k + 1, total)
    return SeamCase(index=p.index, frames=len(video.frames), windows=video.info.windows, joins=joins,
                    generated_seam_ratio=seam_ratio(video.frames, joins), rendered_seam_ratio=seam_ratio(render, joins),
                    generated_group_join_ratio=group_join_ratio(video.frames, joins),
                    rendered_group_join_ratio=group_join_ratio(render, joins),
                    generated_temporal=temporal_consistency(evaluator, video.frames).consecutive,
                    rendered_temporal=temporal_consistency(evaluator, render).consecutive, wall_s=wall)
