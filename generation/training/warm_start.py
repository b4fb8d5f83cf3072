"""Starting a fresh DiT, or a wider autoencoder, from another generator's weights where they fit.

A new autoencoder means new latents, and a DiT trained on the old ones cannot simply resume (its
inputs and outputs mean something else). But nearly all of it does not touch the latent channels:
the transformer blocks, the text cross-attention, the timestep embedding. Only the patch embedding
and the final projection do (12 k of 5.2 M weights for tiny at 8 -> 16 channels). Copying everything
whose name and shape match keeps what the old DiT learned about text, layout and time.

When the new autoencoder was itself warm-started from the old one (``warm_start_autoencoder``), its
first latent channels are the old ones, fine-tuned. Then the patch embedding and the final
projection are widened rather than left fresh: the old channels' columns and rows are copied, the
new channels' start at zero. At step 0 the DiT reads and predicts the old channels exactly as the old
DiT did, ignores the new ones and predicts zero velocity for them; both zero blocks get gradients
from the first step (their inputs are not zero).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from generation.autoencoder import VideoAutoencoder
from generation.checkpoint import load_generator
from generation.training.state import StageState
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
    widened: tuple[str, ...] = ()
    """Latent in/out tensors copied into a DiT with more latent channels, the new ones at zero."""


def record_warm_start(state: StageState, warm: WarmStart | None, stage: str, main: bool) -> None:
    """Keep a warm start in the stage's state (the export's recipe line names it from there) and say
    so once; nothing when the stage did not warm-start."""
    if warm is None:
        return
    state.extra["warm_start"] = asdict(warm)
    if main:
        widened = f", {len(warm.widened)} widened to the new latent channels" if warm.widened else ""
        print(f"{stage} warm-started from {warm.source}: {warm.copied:,} weights copied, "
              f"{len(warm.fresh)} tensors new{widened}", flush=True)


def _leading_block(theirs: torch.Tensor, base: torch.Tensor, axis: int) -> torch.Tensor:
    """``base`` (the target's shape) with its leading block along ``axis`` replaced by ``theirs``: the
    source's latent channels go first, the rest of ``base`` is what the new channels start from."""
    grown = base.clone()
    grown.narrow(axis, 0, theirs.shape[axis]).copy_(theirs)
    return grown


def _patch_channel_widened(key: str, theirs: torch.Tensor, ours: torch.Tensor, patch: int) -> torch.Tensor | None:
    """``theirs`` grown to ``ours``' shape along the latent-channel axis of the patch embedding (its
    input columns) or the final projection (its output rows), zeros for the new channels; None for
    any other tensor or shape. Patch features are channel-major (``c * p * p + ...``, ``DiT.forward``),
    so the old channels are the leading block."""
    axis = {"x_embedder.weight": 1, "final_layer.linear.weight": 0, "final_layer.linear.bias": 0}.get(key)
    if axis is None or theirs.ndim != ours.ndim:
        return None
    old, new = theirs.shape[axis], ours.shape[axis]
    others_match = all(a == b for i, (a, b) in enumerate(zip(theirs.shape, ours.shape)) if i != axis)
    if not others_match or new <= old or old % (patch * patch) or new % (patch * patch):
        return None
    return _leading_block(theirs, torch.zeros_like(ours), axis)


def warm_start_dit(model: torch.nn.Module, source: Path) -> WarmStart:
    """Copy into ``model`` every DiT tensor of the generator folder ``source`` whose name and shape
    match, widening the latent in/out layers when ``model`` has more latent channels (see the module
    docstring). Refuses a source that fits less than half the model (another architecture altogether)."""
    gen_cfg, _, dit = load_generator(source)
    theirs = dit.state_dict()
    ours = model.state_dict()
    fits = {k: v for k, v in theirs.items() if k in ours and ours[k].shape == v.shape}
    copied = sum(v.numel() for v in fits.values())
    total = sum(v.numel() for v in ours.values())
    if copied < total / 2:
        raise InputError(f"{source}'s DiT fits only {copied:,} of this DiT's {total:,} weights; warm-start from a "
                         f"generator with the same width and depth (its recipe: {gen_cfg.recipe or 'not recorded'})")
    widened = []
    if dit.cfg.patch_size == model.cfg.patch_size:
        for k, v in theirs.items():
            if k in ours and k not in fits:
                grown = _patch_channel_widened(k, v, ours[k], model.cfg.patch_size)
                if grown is not None:
                    fits[k] = grown
                    copied += v.numel()
                    widened.append(k)
    model.load_state_dict(fits, strict=False)
    return WarmStart(source=str(source), recipe=gen_cfg.recipe, copied=copied,
                     fresh=tuple(k for k in ours if k not in fits), widened=tuple(widened))


def warm_start_autoencoder(model: VideoAutoencoder, source: Path) -> WarmStart:
    """Start ``model`` from the autoencoder of the generator folder ``source`` so that it decodes
    exactly as that one did, and can only gain from its extra capacity.

    - Tensors of the same name and shape are copied.
    - Residual blocks the source lacks (``level_blocks``) are left as built: zero-initialised, so they
      pass their input through unchanged.
    - More latent channels: the encoder's output rows of the source's channels are copied and the
      new rows keep their random initialisation; the decoder's input weights of the new channels
      start at zero. The decode ignores the new channels at first, while gradients reach them: the
      new latents are not zero, so the decoder's new columns learn, and through them the encoder's
      new rows. (Both at zero would be a saddle nothing leaves.)
    """
    gen_cfg, theirs_ae, _ = load_generator(source)
    theirs = theirs_ae.state_dict()
    ours = model.state_dict()
    old_c, new_c = gen_cfg.autoencoder.latent_channels, model.cfg.latent_channels
    if gen_cfg.autoencoder.channels != model.cfg.channels or new_c < old_c:
        raise InputError(f"{source}'s autoencoder ({gen_cfg.autoencoder.channels}, {old_c} latent channels) cannot "
                         f"start one of {model.cfg.channels} with {new_c}: the widths must match and the latent "
                         f"may only grow")
    widened = {"encoder.out.weight": 0, "encoder.out.bias": 0, "decoder.inp.weight": 1}  # tensor -> latent axis
    fits, copied = {}, 0
    for k, v in theirs.items():
        if k not in ours:
            continue
        if ours[k].shape == v.shape:
            fits[k] = v
        elif k in widened:  # new encoder rows keep their random start; new decoder columns start at zero
            base = torch.zeros_like(ours[k]) if k == "decoder.inp.weight" else ours[k]
            fits[k] = _leading_block(v, base, widened[k])
        else:
            continue
        copied += v.numel()
    missing_old = [k for k in theirs if k not in fits]
    if missing_old:
        raise InputError(f"{source}'s autoencoder has weights this one cannot hold (e.g. {missing_old[0]}); "
                         f"warm-start from a generator whose autoencoder this preset extends")
    model.load_state_dict(fits, strict=False)
    return WarmStart(source=str(source), recipe=gen_cfg.recipe, copied=copied,
                     fresh=tuple(k for k in ours if k not in fits))
