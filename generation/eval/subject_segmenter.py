"""A dedicated subject segmenter for the evaluator: where the subject is, in every sampled frame.

Why a network of its own: the evaluator reads subject motion from the track of its subject mask
(area, centroid, motion against the ground), and that mask is where it fails. On 600 test clips
(session 19), boosted trees on the track and flow summaries read subject motion at 0.955 from the
renderer's true cover, and at 0.837 from the shipped evaluator's own mask (correlation 0.80 with
the truth). A true cover at 24x24 cells read no better than at 12x12 (0.955 both), so what is
missing is a better mask, not a finer one. The evaluator's mask head shares its trunk with eight
classification heads and learned slowly: 0.80 after ~500,000 clips. This network has one job and a
dense target in every frame, and it learned to 0.76 in its first 20,000 clips.

Layout (96-pixel canvas, per frame, then across the sampled frames):
    RGB, its difference to the film frame before and to the previous sample (9 channels)
    -> stride-2 convs 48 -> 24 cells (+ the frame's local flow at 24) -> 12 cells
    -> two dilated convs (a subject is told from the ground by its outline and surroundings)
    -> a temporal conv over the samples (a still subject in fog shows in one sample, not another)
    -> back up to 24 cells beside the 24-cell features -> one logit per 24-cell.
The evaluator pools it to its 12-cell mask grid (``pooled_logits``) and mixes it into its own mask
through a gate that starts at zero (``Evaluator``), so older weights load and score unchanged.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from generation.eval.subject_track import MASK_PRIOR

WIDTHS = (24, 48, 64)
"""Channels at 48, 24 and 12 cells on a 96-pixel canvas (~160k parameters in all)."""

UP_HIDDEN = 32
"""Channels of the 24-cell layer that draws the mask from the upsampled 12-cell map and the 24-cell one."""

LOGIT_CLAMP = 8.0
"""Pooled probabilities are turned back into logits within +-this (a probability of 0 or 1 has none)."""


def _conv(c_in: int, c_out: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride=stride, padding=dilation, dilation=dilation, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU())


class SubjectSegmenter(nn.Module):
    """Clip (with the film frame before each sample) and its local flow -> subject-cover logits at
    twice the evaluator's mask grid (24x24 on a 96-pixel canvas)."""

    def __init__(self) -> None:
        super().__init__()
        w = WIDTHS
        self.down1 = _conv(9, w[0], stride=2)  # S -> S/2
        self.down2 = _conv(w[0], w[1], stride=2)  # -> S/4, the flow's grid
        self.flow_in = nn.Conv2d(2, w[1], 3, padding=1)
        self.down3 = _conv(w[1], w[2], stride=2)  # -> S/8, the evaluator's mask grid
        self.context = nn.Sequential(_conv(w[2], w[2], dilation=2), _conv(w[2], w[2], dilation=4))
        self.temporal = nn.Conv3d(w[2], w[2], (3, 1, 1), padding=(1, 0, 0))
        self.up = _conv(w[2] + w[1], UP_HIDDEN)
        self.out = nn.Conv2d(UP_HIDDEN, 1, 3, padding=1)
        self.initialize_weights()

    def initialize_weights(self) -> None:
        """He init for the convs, BN to identity, and an output biased to "mostly not a subject"."""
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Conv3d)):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        nn.init.normal_(self.out.weight, std=0.02)
        nn.init.constant_(self.out.bias, MASK_PRIOR)

    def forward(self, clips: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
        """clips (B, 6, T, S, S) in [-1, 1] (RGB, then the film frame before each sample); flow
        (B*T, 2, S/4, S/4) from ``motion.local_flow`` -> logits (B*T, S/4, S/4)."""
        b, _, t, h, w = clips.shape
        rgb, prev = clips[:, :3], clips[:, 3:]
        step = torch.cat([torch.zeros_like(rgb[:, :, :1]), rgb[:, :, 1:] - rgb[:, :, :-1]], dim=2)
        x = torch.cat([rgb, rgb - prev, step], dim=1).transpose(1, 2).reshape(b * t, 9, h, w)  # (B*T, 9, S, S)
        x = self.down1(x)  # (B*T, w0, S/2, S/2)
        fine = self.down2(x) + self.flow_in(flow.to(x.dtype))  # (B*T, w1, S/4, S/4)
        x = self.down3(fine)  # (B*T, w2, S/8, S/8)
        x = x + self.context(x)
        y = x.reshape(b, t, *x.shape[1:]).transpose(1, 2)  # (B, w2, T, S/8, S/8)
        y = y + self.temporal(y)
        x = y.transpose(1, 2).reshape(b * t, *x.shape[1:])  # (B*T, w2, S/8, S/8)
        x = torch.cat([F.interpolate(x, scale_factor=2, mode="nearest"), fine], dim=1)  # (B*T, w2+w1, S/4, S/4)
        return self.out(self.up(x))[:, 0].float()  # (B*T, S/4, S/4)


def pooled_logits(fine: torch.Tensor) -> torch.Tensor:
    """Logits (N, 2G, 2G) -> logits (N, G, G) of each 2x2 block's mean probability: the cover a
    12-cell mask states is the mean of its four 24-cells' covers."""
    p = F.avg_pool2d(torch.sigmoid(fine.float())[:, None], 2)[:, 0]
    return torch.logit(p, eps=1e-6).clamp(-LOGIT_CLAMP, LOGIT_CLAMP)
