"""Rectified flow: the training objective of the diffusion transformer.

Convention (SD3 / rectified flow): x_t = (1 - t) x_0 + t eps, t in [0, 1], t = 1 is pure noise;
the network predicts the velocity v = eps - x_0, so dx/dt = v and sampling integrates from t = 1
down to t = 0.

*Known-frame masks* make one network serve every mode. Each latent frame is either known (given
as context: kept clean, its timestep set to 0, excluded from the loss) or generated. Training draws
a mask per clip: nothing known (text-to-video / text-to-image), the first frame (image-to-video),
a prefix (forward extension), a suffix (backward extension) or both ends (interpolation).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class FlowConfig:
    """How training draws timesteps and known-frame masks."""

    logit_mean: float = 0.0
    """Mean of the logit-normal timestep density (SD3); 0 centres training on t = 0.5."""
    logit_std: float = 1.0
    """Std of the logit-normal timestep density."""
    shift: float = 1.0
    """Timestep shift s: t -> s t / (1 + (s - 1) t); > 1 spends more training on noisy steps (large frames)."""
    p_known_none: float = 0.5
    """Probability that no frame is given (text-to-video)."""
    p_known_first: float = 0.2
    """Probability that only the first latent frame is given (image-to-video)."""
    p_known_prefix: float = 0.12
    """Probability of a given prefix of 1..T-1 latent frames (forward extension)."""
    p_known_suffix: float = 0.08
    """Probability of a given suffix (backward extension); the rest of the mass goes to both ends."""


def shift_time(t: torch.Tensor, shift: float) -> torch.Tensor:
    """Warp t in [0, 1] toward noise by ``shift`` (identity at 1)."""
    if shift == 1.0:
        return t
    return shift * t / (1 + (shift - 1) * t)


def sample_timesteps(batch: int, cfg: FlowConfig, generator: torch.Generator | None = None) -> torch.Tensor:
    """(batch,) flow times from a shifted logit-normal density."""
    t = torch.sigmoid(cfg.logit_mean + cfg.logit_std * torch.randn(batch, generator=generator))
    return shift_time(t, cfg.shift)


def sample_known_masks(batch: int, frames: int, cfg: FlowConfig, generator: torch.Generator | None = None) -> torch.Tensor:
    """(batch, frames) bool: which latent frames are given as clean context. Never all frames."""
    mask = torch.zeros(batch, frames, dtype=torch.bool)
    if frames < 2:
        return mask
    u = torch.rand(batch, generator=generator)
    cuts = [cfg.p_known_none, cfg.p_known_first, cfg.p_known_prefix, cfg.p_known_suffix]
    edges = torch.tensor(cuts).cumsum(0)
    n = torch.randint(1, frames, (batch,), generator=generator)  # context length 1..T-1
    for i in range(batch):
        if u[i] < edges[0]:
            continue
        if u[i] < edges[1]:
            mask[i, 0] = True
        elif u[i] < edges[2]:
            mask[i, : n[i]] = True
        elif u[i] < edges[3]:
            mask[i, frames - n[i]:] = True
        elif frames >= 3:  # interpolation: both ends given, at least one frame between
            head = int(torch.randint(1, frames - 1, (1,), generator=generator))
            tail = int(torch.randint(1, frames - head, (1,), generator=generator))
            mask[i, :head] = True
            mask[i, frames - tail:] = True
        else:
            mask[i, 0] = True
    return mask


def frame_times(t: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
    """Per-frame times (B, T): the clip's t on generated frames, 0 on known ones. t: (B,) or (B, T)."""
    t = t[:, None].expand_as(known) if t.dim() == 1 else t
    return torch.where(known, torch.zeros_like(t), t)


def noisy_latents(x0: torch.Tensor, eps: torch.Tensor, t_frames: torch.Tensor) -> torch.Tensor:
    """x_t = (1 - t) x0 + t eps with t per latent frame. x0, eps: (B, C, T, H, W); t_frames: (B, T)."""
    t = t_frames[:, None, :, None, None].to(x0.dtype)
    return (1 - t) * x0 + t * eps


def flow_matching_loss(
    model: torch.nn.Module,
    x0: torch.Tensor,
    text: torch.Tensor,
    text_mask: torch.Tensor,
    cfg: FlowConfig,
    generator: torch.Generator | None = None,
    known: torch.Tensor | None = None,
    attributes: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean squared velocity error over generated latent frames only.

    x0: (B, C, T, H, W) clean latents; text: (B, L, 384); text_mask: (B, L) bool;
    known: (B, T) bool context frames (drawn from ``cfg`` when None); attributes: (B, A) int64 what
    each caption states (``generation.prompt_attributes``) or None. Returns a scalar.
    """
    b, _, nt = x0.shape[:3]
    if known is None:
        known = sample_known_masks(b, nt, cfg, generator).to(x0.device)
    t = frame_times(sample_timesteps(b, cfg, generator).to(x0.device), known)  # (B, T)
    eps = torch.randn(x0.shape, generator=generator).to(x0.device)
    x_t = noisy_latents(x0, eps, t)
    v = model(x_t, t, text, text_mask, attributes)
    err = (v.float() - (eps - x0).float()).pow(2).mean(dim=(1, 3, 4))  # (B, T)
    weight = (~known).float()
    return (err * weight).sum() / weight.sum().clamp(min=1.0)
