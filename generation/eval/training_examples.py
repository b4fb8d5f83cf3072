"""One training example for the evaluator from a clip's rendered frames: the input the network reads,
the subject cover its mask head is taught, and the labels, with the same random crop, corruptions and
mirroring applied to all three (``train_evaluator.ClipStream`` draws them, tests build them directly).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from generation.eval.augment import AugmentConfig, corrupt, random_crop
from generation.eval.clip_input import FrameSample, frame_indices, letterbox, prepare_clip
from generation.eval.evaluator import EvaluatorConfig


def mask_grid(model: EvaluatorConfig) -> int:
    """Cells per side of the subject mask: the first stage's map (96-px canvas -> 12)."""
    return model.size // (model.stem_stride * 2)


def cover_grid(model: EvaluatorConfig) -> int:
    """Cells per side of the cover target: twice the mask grid when the subject segmenter draws its
    mask that finely (``EvaluatorConfig.segmenter``), else the mask grid."""
    return 2 * mask_grid(model) if model.builds_segmenter else mask_grid(model)


def at_mask_grid(cover: torch.Tensor, grid: int) -> torch.Tensor:
    """Cover targets (..., C, C) averaged down to a mask grid of ``grid`` cells (..., G, G): what the
    12-cell mask is taught and measured against when the target is drawn at the segmenter's 24."""
    if cover.shape[-1] == grid:
        return cover
    return F.adaptive_avg_pool2d(cover.reshape(-1, *cover.shape[-2:]), grid).reshape(*cover.shape[:-2], grid, grid)


def cover_target(frames: FrameSample, model: EvaluatorConfig) -> torch.Tensor:
    """The subject cover of the frames the evaluator samples, letterboxed exactly as they are and
    averaged over each cell of ``cover_grid`` -> (T, C, C) in [0, 1]."""
    cover = frames.cover_at(frame_indices(frames.total, model.num_frames))  # (T, H, W) uint8
    x = letterbox(torch.from_numpy(np.ascontiguousarray(cover)).float().div_(255.0)[:, None], model.size)  # (T, 1, S, S)
    return F.adaptive_avg_pool2d(x, cover_grid(model))[:, 0]


def make_training_example(frames: FrameSample, model: EvaluatorConfig, aug: AugmentConfig,
                          rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Rendered frames of a clip -> (corrupted evaluator input (3 or 6, T, S, S), subject-cover target
    (T, G, G), empty when the frames carry no cover). The crop is drawn once and applied to both."""
    cropped = random_crop(frames, aug, rng)
    x = corrupt(prepare_clip(cropped, model.num_frames, model.size, model.film_diff), aug, rng)
    target = cover_target(cropped, model) if cropped.cover is not None else torch.zeros(0)
    return x, target


def maybe_mirror(x: torch.Tensor, target: torch.Tensor, labels: list[int], swap: list[list[int]], aug: AugmentConfig,
                 rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor, list[int]]:
    """With probability ``aug.p_mirror``, the example mirrored left to right: input and cover target
    flipped, left/right labels swapped (``swap``: per attribute, class -> mirrored class)."""
    if rng.random() >= aug.p_mirror:
        return x, target, labels
    return mirror_example(x, target, labels, swap)


def mirror_example(x: torch.Tensor, target: torch.Tensor, labels: list[int], swap: list[list[int]]
                   ) -> tuple[torch.Tensor, torch.Tensor, list[int]]:
    """The example mirrored left to right: input and cover target (if any) flipped, each label
    replaced by the class its mirror image shows (``swap``: per attribute, class -> mirrored class)."""
    return x.flip(-1), target.flip(-1) if target.numel() else target, [order[k] for order, k in zip(swap, labels)]
