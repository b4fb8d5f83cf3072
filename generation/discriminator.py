"""A patch discriminator: is each patch of a frame (and of its change from the frame before) a world
render or the autoencoder's decode of one?

Why the autoencoder needs one: rain streaks, snowflakes and petals sit at random places in every
frame. No latent of 16 numbers per 8x8x4 pixels can say where each one is, so a reconstruction loss
alone is minimised by their average, an even haze, and the decoder learns to draw none (session 8:
weather read on 0.435 of reconstructed renders against 0.955 of the renders). A discriminator
rewards drawing *some* plausible particles where the latent says it rains (the VQGAN recipe).

Input per frame: the frame and its difference from the frame before (zero for a clip's first), so
patches are judged on how they move as well as how they look. Plain strided convolutions with leaky
ReLUs, no normalisation; the output is a grid of logits, one per overlapping patch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class DiscriminatorConfig:
    channels: tuple[int, ...] = (32, 64, 128)
    """Width after each stride-2 convolution; three of them see patches of about 22x22 pixels."""

    def to_dict(self) -> dict:
        return asdict(self) | {"channels": list(self.channels)}


class PatchDiscriminator(nn.Module):
    """(B, T, 3, H, W) clips in [-1, 1] -> (B * T, 1, ~H/2^n, ~W/2^n) logits (render: high)."""

    def __init__(self, cfg: DiscriminatorConfig = DiscriminatorConfig()):
        super().__init__()
        self.cfg = cfg
        widths = (6, *cfg.channels)
        self.convs = nn.ModuleList(nn.Conv2d(widths[i], widths[i + 1], 4, stride=2, padding=1)
                                   for i in range(len(cfg.channels)))
        self.head = nn.Conv2d(widths[-1], 1, 3, padding=1)

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        change = torch.cat([torch.zeros_like(clips[:, :1]), clips[:, 1:] - clips[:, :-1]], dim=1)
        x = torch.cat([clips, change], dim=2).flatten(0, 1)  # (B*T, 6, H, W)
        for conv in self.convs:
            x = F.leaky_relu(conv(x), 0.2)
        return self.head(x)


def hinge_discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Hinge loss of the discriminator: push renders above +1 and decodes below -1."""
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def generator_adversarial_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """What the decoder minimises: the negated discriminator score of its decodes."""
    return -fake_logits.mean()
