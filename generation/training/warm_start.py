"""Starting a fresh DiT from another generator's DiT where the weights fit.

A new autoencoder means new latents, and a DiT trained on the old ones cannot simply resume (its
inputs and outputs mean something else). But nearly all of it does not touch the latent channels:
the transformer blocks, the text cross-attention, the timestep embedding. Only the patch embedding
and the final projection do (12 k of 5.2 M weights for tiny at 8 -> 16 channels). Copying everything
whose name and shape match keeps what the old DiT learned about text, layout and time, and leaves
the mismatched layers at their fresh initialisation (the final projection starts at zero, so the
warm-started DiT begins by predicting zero velocity, as a fresh one does).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from generation.checkpoint import load_generator
from reelgraph.errors import InputError


@dataclass(frozen=True)
class WarmStart:
    """What a warm start copied and left fresh (recorded in the DiT stage's state)."""

    source: str
    recipe: str
    copied: int
    """Parameters (elements) copied."""
    fresh: tuple[str, ...]
    """Tensors left at initialisation: absent from the source or of another shape."""


def warm_start_dit(model: torch.nn.Module, source: Path) -> WarmStart:
    """Copy into ``model`` every DiT tensor of the generator folder ``source`` whose name and shape
    match. Refuses a source that fits less than half the model (another architecture altogether)."""
    gen_cfg, _, dit = load_generator(source)
    theirs = dit.state_dict()
    ours = model.state_dict()
    fits = {k: v for k, v in theirs.items() if k in ours and ours[k].shape == v.shape}
    copied = sum(v.numel() for v in fits.values())
    total = sum(v.numel() for v in ours.values())
    if copied < total / 2:
        raise InputError(f"{source}'s DiT fits only {copied:,} of this DiT's {total:,} weights; warm-start from a "
                         f"generator with the same width and depth (its recipe: {gen_cfg.recipe or 'not recorded'})")
    model.load_state_dict(fits, strict=False)
    return WarmStart(source=str(source), recipe=gen_cfg.recipe, copied=copied,
                     fresh=tuple(k for k in ours if k not in fits))
