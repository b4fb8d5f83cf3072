"""The evaluator's subject branch: a learned subject mask, and what it says about the subject.

Why: the evaluator's main path pools each frame to 3x3 cells and compares late frames with early
ones. A bird, a boat at the horizon or a dog in fog covers one or two of the 24x24 stem cells, and
what tells its motion (a centroid drifting against the ground, an outline growing or shrinking, a
height that oscillates) is averaged away before any head sees it. Of the shipped evaluator's 111
subject-motion misses on 600 test clips, most were clearly visible to a person (a receding boat, an
approaching dog at night, a walker growing from tiny to large; session 15).

The branch states these quantities explicitly, as a two-stream action recogniser states motion:

- a mask head predicts, per cell of the first stage's map (12x12 on a 96-pixel canvas), how much of
  it a subject covers. Training supervises it with the renderer's exact coverage (dense truth: 144
  targets a frame instead of one label a clip), so the features learn where the subject is;
- per frame, from that mask: the subject's area (log), centroid, spread, and its motion against the
  background (the mask-weighted flow, ``motion.relative_motion``); over the frames, their mean,
  least-squares slope and spread around the slope (growth, drift, bounce);
- the second stage's features averaged under the mask (the subject's appearance without the
  scenery around it), averaged and maximised over time.

Both summaries enter the penultimate features through projections that start at zero, so an
evaluator trained without the branch loads and scores exactly as before until training moves them.
Nothing here reads the renderer at inference: the mask is the network's own.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from generation.eval.motion import SUMMARY_SCALE, relative_motion

PER_FRAME = 7
"""Per-frame track quantities: log area, centroid (x, y), spread (x, y), relative motion (u, v)."""

TRACK_SIZE = 3 * PER_FRAME
"""Their mean, slope and residual spread over the frames."""

AREA_FLOOR = 1e-3
"""Mask mass (fraction of the canvas) below which a frame is taken to show no subject: the log area
bottoms out there and the centroid falls back to the centre."""

MASK_HIDDEN = 32
"""Channels of the mask head's hidden 3x3 layer. A single 1x1 layer on the first stage's map
learned a weak mask (correlation 0.54 with the truth after 1,000 steps, session 15): it sees one
cell, and a subject is told from the ground by its outline across neighbouring cells."""

MASK_POS_WEIGHT = 4.0
"""Weight of the covered part of each cell's loss: subjects cover 1-10 % of cells, so an unweighted
loss is met best by a timid mask (recall 0.36 at 0.3 after 1,000 steps, session 15)."""

CONTEXT_HIDDEN = 48
"""Channels of the context head's hidden 3x3 layer (``SubjectTrack.context_head``)."""

MASK_PRIOR = -3.0
"""Initial bias of the mask logits: subjects cover a few per cent of the canvas (1-10 % measured on
world clips), so the head starts by saying "mostly not a subject"."""


class SubjectTrack(nn.Module):
    """Mask head plus the two zero-started projections of its summaries into ``feature_dim``."""

    def __init__(self, mask_channels: int, pool_channels: int, feature_dim: int, context_channels: int = 0):
        super().__init__()
        self.mask_head = nn.Sequential(nn.Conv2d(mask_channels, MASK_HIDDEN, 3, padding=1), nn.ReLU(),
                                       nn.Conv2d(MASK_HIDDEN, 1, 3, padding=1))
        # The first stage sees 3x3 cells of 8 pixels: enough for an outline, too little to tell a
        # dark dog from a tree trunk or a bird from a petal. The context head adds the deeper
        # stages' view (upsampled to the mask grid) to the mask logits. Its output starts at zero.
        self.context_head = None
        if context_channels:
            self.context_head = nn.Sequential(
                nn.Conv2d(mask_channels + pool_channels + context_channels, CONTEXT_HIDDEN, 3, padding=1), nn.ReLU(),
                nn.Conv2d(CONTEXT_HIDDEN, 1, 3, padding=1))
        self.track_proj = nn.Linear(TRACK_SIZE, feature_dim)
        self.look_proj = nn.Linear(2 * pool_channels, feature_dim)

    def initialize_weights(self) -> None:
        nn.init.normal_(self.mask_head[2].weight, std=0.02)
        nn.init.constant_(self.mask_head[2].bias, MASK_PRIOR)
        if self.context_head is not None:
            nn.init.zeros_(self.context_head[2].weight)
            nn.init.zeros_(self.context_head[2].bias)
        for proj in (self.track_proj, self.look_proj):
            nn.init.zeros_(proj.weight)
            nn.init.zeros_(proj.bias)

    def mask_logits(self, fmap: torch.Tensor, deeper: tuple[torch.Tensor, ...] = ()) -> torch.Tensor:
        """First-stage map (B*T, C, G, G) and the deeper stages' maps (G/2, G/4, ...; read only by the
        context head) -> subject-cover logits (B*T, G, G)."""
        logits = self.mask_head(fmap)
        if self.context_head is not None:
            g = fmap.shape[-1]
            up = [F.interpolate(m, size=(g, g), mode="bilinear", align_corners=False) for m in deeper]
            logits = logits + self.context_head(torch.cat([fmap, *up], dim=1))
        return logits[:, 0].float()

    @staticmethod
    def mask_loss(logits: torch.Tensor, cover: torch.Tensor) -> torch.Tensor:
        """Per-cell binary cross-entropy of mask logits (B, T, G, G) against the true cover (same
        shape, 0..1), the covered part weighted by ``MASK_POS_WEIGHT``."""
        weight = torch.tensor(MASK_POS_WEIGHT, device=logits.device)
        return F.binary_cross_entropy_with_logits(logits.float(), cover.float(), pos_weight=weight)

    def forward(self, logits: torch.Tensor, pool_map: torch.Tensor, t: int, flow: torch.Tensor | None,
                texture: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """Mask logits (B*T, G, G), second-stage map (B*T, C, G/2, G/2), flow (B*T, 2, 2G, 2G) and its
        texture, or None without film frames -> the branch's contribution (B, feature_dim) and the
        track summary (B, ``TRACK_SIZE``) it was made from (the motion mixer reads it too)."""
        mask = torch.sigmoid(logits)  # (B*T, G, G)
        track = track_summary(mask, t, flow, texture)  # (B, TRACK_SIZE)
        small = F.adaptive_avg_pool2d(mask[:, None], pool_map.shape[-2:])  # (B*T, 1, G/2, G/2)
        mass = small.sum(dim=(2, 3)).clamp_min(1e-3)  # (B*T, 1)
        look = (pool_map.float() * small).sum(dim=(2, 3)) / mass  # (B*T, C)
        look = look.reshape(-1, t, look.shape[1])
        look = torch.cat([look.mean(dim=1), look.amax(dim=1)], dim=1)  # (B, 2C)
        return self.track_proj(track) + self.look_proj(look), track


def track_summary(mask: torch.Tensor, t: int, flow: torch.Tensor | None, texture: torch.Tensor | None) -> torch.Tensor:
    """Subject mask (B*T, G, G) in [0, 1] and cell flow -> (B, ``TRACK_SIZE``): per-frame area,
    centroid, spread and relative motion, summarised over time by mean, slope and residual spread."""
    n, g, _ = mask.shape
    coords = torch.linspace(-1.0, 1.0, g, device=mask.device)
    mass = mask.sum(dim=(1, 2))  # (N,)
    present = (mass / (g * g)).clamp_min(AREA_FLOOR)
    w = mask / mass.clamp_min(AREA_FLOOR * g * g)[:, None, None]  # weights summing to <= 1
    cx = (w.sum(dim=1) * coords).sum(dim=1)  # (N,) mean column position
    cy = (w.sum(dim=2) * coords).sum(dim=1)
    sx = ((w.sum(dim=1) * (coords - cx[:, None]) ** 2).sum(dim=1)).clamp_min(1e-8).sqrt()  # no infinite gradient at 0
    sy = ((w.sum(dim=2) * (coords - cy[:, None]) ** 2).sum(dim=1)).clamp_min(1e-8).sqrt()
    if flow is not None:
        smooth = F.avg_pool2d(flow.float(), 3, stride=1, padding=1, count_include_pad=False)
        rel = relative_motion(smooth, texture)  # (N, 2, 2G, 2G)
        rel = F.adaptive_avg_pool2d(rel, g)  # (N, 2, G, G)
        motion = SUMMARY_SCALE * (rel * w[:, None]).sum(dim=(2, 3))  # (N, 2)
    else:
        motion = mask.new_zeros(n, 2)
    per_frame = torch.stack([present.log() / 3.0, cx, cy, sx, sy, motion[:, 0], motion[:, 1]], dim=1)
    return summarise_over_time(per_frame.reshape(-1, t, PER_FRAME))


def summarise_over_time(x: torch.Tensor) -> torch.Tensor:
    """(B, T, K) -> (B, 3K): mean, least-squares slope against time in [-1, 1], and the spread of the
    residual around that line (what a bounce or a wrap leaves). A single frame gives zero slope and spread."""
    b, t, k = x.shape
    mean = x.mean(dim=1)
    if t == 1:
        return torch.cat([mean, torch.zeros_like(mean), torch.zeros_like(mean)], dim=1)
    tt = torch.linspace(-1.0, 1.0, t, device=x.device)[None, :, None]
    slope = ((x - mean[:, None]) * tt).sum(dim=1) / (tt * tt).sum()
    residual = x - mean[:, None] - slope[:, None] * tt
    return torch.cat([mean, slope, residual.pow(2).mean(dim=1).clamp_min(1e-8).sqrt()], dim=1)
