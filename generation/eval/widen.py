"""Grow a trained evaluator's stages wider without changing a single prediction (Net2Net-style).

Why: after some 50,000 steps on fresh clips (the data are endless, so nothing overfits) the shipped
evaluator's misses stopped moving under every lever that keeps its size: readings, loss weights,
replay, world tweaks all moved the mean by +-0.003 (sessions 20-26), and what it misses (a ball read
as a dog two stem cells wide, wispy cloud in a strip of sky) is in view. That is a network short of
capacity. Training a wider one from scratch costs the ~50,000 steps again, which one CPU session
cannot give; starting it from the trained one can.

How: every tensor of the narrow network is copied into the leading slice of the wide one's. The new
channels keep the wide network's fresh initialisation, and every weight by which an old channel would
read a new one starts at zero, so the old channels compute exactly what they did and the heads see
the same features. Training then moves the zeros and the new channels learn. Inputs that concatenate
several stages' maps (the projection, the peak branch, the subject mask's context, the subject's look)
are embedded part by part.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from generation.eval.evaluator import Evaluator
from reelgraph.errors import InputError


def input_parts(model: Evaluator) -> dict[str, list[int]]:
    """Parameter name -> lengths of the stage maps its input (dim 1) concatenates, for the weights
    that read more than one part; every other weight reads one part (a leading slice)."""
    w = model.config.widths
    cells = model.config.pooled**2
    parts = {"project.0.weight": [w[-1] * cells, w[-1] * cells]}  # mean over time, then late minus early
    if model.peak is not None:
        parts["peak.weight"] = [w[-1], w[-1]]  # mean and maximum over time of the spatial maxima
    if model.track is not None:
        parts["track.look_proj.weight"] = [w[2], w[2]]  # mean and maximum of the subject's look
        if model.track.context_head is not None:
            parts["track.context_head.0.weight"] = [w[1], *w[2:]]  # first stage, then the deeper ones upsampled
    return parts


def embed(new: torch.Tensor, old: torch.Tensor, new_parts: list[int] | None = None,
          old_parts: list[int] | None = None) -> None:
    """Write ``old`` into the leading rows of ``new`` and, along dim 1, into the leading columns of
    each part; zero the columns by which those rows would read the new channels. In place."""
    if old.ndim == 0 or old.shape == new.shape:
        new.copy_(old)
        return
    if old.ndim != new.ndim or old.shape[2:] != new.shape[2:] or any(o > n for o, n in zip(old.shape, new.shape)):
        raise InputError(f"cannot embed a tensor of shape {tuple(old.shape)} in one of shape {tuple(new.shape)}")
    rows = old.shape[0]
    if old.ndim == 1:
        new[:rows] = old
        return
    new_parts, old_parts = new_parts or [new.shape[1]], old_parts or [old.shape[1]]
    if len(new_parts) != len(old_parts) or sum(new_parts) != new.shape[1] or sum(old_parts) != old.shape[1]:
        raise InputError(f"input parts {old_parts} -> {new_parts} do not fit shapes {tuple(old.shape)} -> {tuple(new.shape)}")
    n_at = o_at = 0
    for n, o in zip(new_parts, old_parts):
        new[:rows, n_at : n_at + o] = old[:, o_at : o_at + o]
        new[:rows, n_at + o : n_at + n] = 0.0
        n_at, o_at = n_at + n, o_at + o


def widen(start: Evaluator, widths: tuple[int, ...]) -> Evaluator:
    """A network like ``start`` with stages ``widths`` (each at least as wide as ``start``'s) that
    predicts exactly what ``start`` does until it is trained; in ``start``'s train/eval mode."""
    widths = tuple(int(c) for c in widths)
    old_widths = start.config.widths
    if len(widths) != len(old_widths) or any(n < o for n, o in zip(widths, old_widths)):
        raise InputError(f"can only widen the evaluator's stages: {old_widths} -> {widths} "
                         f"(give as many widths, each at least as wide)")
    model = Evaluator(replace(start.config, widths=widths))
    new_parts, old_parts = input_parts(model), input_parts(start)
    theirs = start.state_dict()
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            embed(tensor, theirs[name], new_parts.get(name), old_parts.get(name))
    return model.train(start.training)
