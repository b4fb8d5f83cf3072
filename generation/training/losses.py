"""Reconstruction loss of the autoencoder and decoder stages.

A per-frame loss barely notices a jump between two frames that are each close to their targets, so
the L1 + MSE on frames is joined by an L1 on frame-to-frame differences (session 6 measured the
decoder's 6 Hz stutter that a per-frame loss let through).
"""

from __future__ import annotations

import torch


def reconstruction_loss(y: torch.Tensor, x: torch.Tensor, temporal_weight: float) -> tuple[torch.Tensor, torch.Tensor]:
    """L1 + MSE on frames plus ``temporal_weight`` x L1 on frame differences; also returns the MSE.
    ``y`` and ``x`` are (B, T, 3, H, W)."""
    mse = (y - x).pow(2).mean()
    loss = (y - x).abs().mean() + mse
    if temporal_weight and y.shape[1] > 1:
        loss = loss + temporal_weight * ((y[:, 1:] - y[:, :-1]) - (x[:, 1:] - x[:, :-1])).abs().mean()
    return loss, mse
