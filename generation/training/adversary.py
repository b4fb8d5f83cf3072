"""The autoencoder stage's adversary: a patch discriminator, its optimiser, the weight of its term in
the autoencoder's loss, and its own files in the stage folder so a resumed run keeps it.

The adversarial term is weighted adaptively (VQGAN): its gradient at the decoder's last layer is
scaled to ``adv_weight`` times the reconstruction loss's gradient there, so neither term drowns the
other whatever the scale of the discriminator's logits; the scale is capped at 1 and the weight ramps
in over ``ramp`` steps, because a fresh discriminator knows nothing yet. It starts at ``adv_start``
steps, once the reconstruction has converged enough that there is something worth sharpening.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from generation.checkpoint import load_state, save_state
from generation.discriminator import (
    DiscriminatorConfig,
    PatchDiscriminator,
    generator_adversarial_loss,
    hinge_discriminator_loss,
)
from generation.training.distributed import Dist, wrap
from generation.training.state import load_optimizer, optimizer_tensors


class Adversary:
    """The discriminator side of the autoencoder stage (``TrainConfig.adv_weight`` > 0)."""

    FILES = ("discriminator.safetensors", "discriminator_optimizer.safetensors", "discriminator.json")

    MAX_SCALE = 1.0
    """Cap of the adaptive scale. A fresh discriminator's gradient is tiny, so the uncapped ratio
    starts large (7.7 in session 8's first run) and the decoder was pushed around by a critic that
    knew nothing yet: training-batch PSNR fell from 22 to 18 dB within 40 steps."""

    def __init__(self, weight: float, start: int, lr: float, d: Dist, cfg: DiscriminatorConfig = DiscriminatorConfig(),
                 ramp: int = 500):
        self.weight, self.start, self.ramp = weight, start, ramp
        self.model = PatchDiscriminator(cfg).to(d.device)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=lr, weight_decay=0.0, betas=(0.5, 0.9))
        self.net = wrap(self.model, d)
        self.last: dict[str, float] = {}

    def active(self, step: int) -> bool:
        return step >= self.start

    def weight_at(self, step: int) -> float:
        """``weight``, ramped up linearly over ``ramp`` steps from ``start``."""
        return self.weight * min(1.0, (step - self.start + 1) / max(1, self.ramp))

    def generator_term(self, fake: torch.Tensor, recon_loss: torch.Tensor, last_layer: torch.Tensor,
                       step: int) -> torch.Tensor:
        """The adversarial term to add to the autoencoder's loss, adaptively weighted at ``last_layer``
        (the decoder's output convolution's weight) and ramped in from ``start``."""
        self.model.requires_grad_(False)
        adv = generator_adversarial_loss(self.net(fake))
        self.model.requires_grad_(True)
        g_rec = torch.autograd.grad(recon_loss, last_layer, retain_graph=True)[0]
        g_adv = torch.autograd.grad(adv, last_layer, retain_graph=True)[0]
        scale = (g_rec.norm() / (g_adv.norm() + 1e-4)).clamp(max=self.MAX_SCALE).detach()
        weight = self.weight_at(step)
        self.last.update(adv=adv.item(), adv_scale=scale.item(), adv_weight=weight)
        return weight * scale * adv

    def step(self, real: torch.Tensor, fake: torch.Tensor) -> None:
        """One discriminator step on renders (``real``) and detached decodes (``fake``)."""
        loss = hinge_discriminator_loss(self.net(real), self.net(fake.detach()))
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        self.last["d_loss"] = loss.item()

    def save(self, folder: Path) -> None:
        save_state(self.model, folder / self.FILES[0])
        tensors, meta = optimizer_tensors(self.opt)
        save_state(tensors, folder / self.FILES[1])
        tmp = folder / (self.FILES[2] + ".tmp")
        tmp.write_text(json.dumps({"optimizer": meta, "config": self.model.cfg.to_dict()}))
        tmp.replace(folder / self.FILES[2])

    def resume(self, folder: Path) -> bool:
        """Load what ``save`` wrote; False (fresh discriminator) when the folder holds none yet, as in
        a run that switches the adversary on part-way."""
        if not all((folder / f).is_file() for f in self.FILES):
            return False
        self.model.load_state_dict(load_state(folder / self.FILES[0]))
        meta = json.loads((folder / self.FILES[2]).read_text())
        load_optimizer(self.opt, dict(load_state(folder / self.FILES[1])), meta["optimizer"])
        return True
