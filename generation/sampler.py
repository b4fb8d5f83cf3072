"""Few-step ODE samplers for the rectified-flow DiT, with classifier-free guidance.

The sampler only moves latents (diffusers' scheduler role): the pipeline owns the loop over
windows, the prompt encoding and the decode. Guidance runs the conditional and unconditional
predictions in ONE forward call (the batch is doubled), which on a CPU costs less than two calls.
Known (context) frames are re-imposed before every model call and carry t = 0, exactly as in
training, so they never drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

import torch

from generation.flow import shift_time
from generation.text_encoder import TextStates, pad_text


@dataclass(frozen=True)
class SamplerConfig:
    """How latents are integrated from noise to data."""

    steps: int = 8
    """Steps per window; preview takes half. Euler makes one model call a step, Heun two (none on
    the last step's correction)."""
    method: Literal["euler", "heun"] = "heun"
    """Euler: one call a step. Heun: second-order correction (two calls a step, none on the last).
    On 200 held-out prompts at 128x72 the shipped DiT reads 0.573 / 0.594 / 0.597 with Euler at
    8 / 16 / 32 steps, and 0.572 / 0.601 / 0.601 with Heun at 4 / 8 / 16 (7 / 15 / 31 calls;
    BENCHMARKS.md, session 14): Heun at 8 steps is the best figure for its cost."""
    guidance: float = 3.0
    """Classifier-free guidance scale; 1 disables guidance (and the doubled batch). 7 already
    saturates the early CPU checkpoint (2026-11-25); 2-4 looked best."""
    shift: float = 1.0
    """Timestep shift of the schedule (> 1 spends more steps at high noise)."""
    guidance_min_t: float = 0.0
    """Steps that start below this flow time run the conditional prediction alone (half the batch).
    Near the data, guidance changes little (Kynkäänniemi et al. 2024, guidance in a limited interval)
    while it doubles the step's cost; 0 guides every step."""


@dataclass(frozen=True)
class StepInfo:
    """What a step callback sees: the step index, the step count and the current latents (B, C, T, H, W)."""

    step: int
    steps: int
    t: float
    latents: torch.Tensor


def time_grid(steps: int, shift: float, start: float = 1.0) -> torch.Tensor:
    """(steps + 1,) decreasing flow times from ``start`` to 0 (``start`` < 1 for SDEdit)."""
    lin = torch.linspace(1.0, 0.0, steps + 1)
    return shift_time(lin, shift) * start


class GuidedVelocity:
    """v(x, t) with context frames imposed and classifier-free guidance batched into one call."""

    def __init__(self, model: torch.nn.Module, cond: TextStates, uncond: TextStates | None, guidance: float,
                 known: torch.Tensor, known_latents: torch.Tensor | None, autocast: Callable, min_t: float = 0.0):
        self.model = model
        self.guidance = guidance
        self.min_t = min_t
        self.cond = cond
        self.known = known  # (B, T) bool
        self.known_latents = known_latents  # (B, C, T, H, W) or None
        self.autocast = autocast
        if guidance != 1.0 and uncond is not None:
            both = pad_text([cond, uncond])
            self.text, self.text_mask, self.attributes = both.states, both.mask, both.attributes
            self.doubled = True
        else:
            self.text, self.text_mask, self.attributes = cond.states, cond.mask, cond.attributes
            self.doubled = False

    def impose(self, x: torch.Tensor) -> torch.Tensor:
        """Replace known frames by their clean latents."""
        if self.known_latents is None or not bool(self.known.any()):
            return x
        m = self.known[:, None, :, None, None]
        return torch.where(m, self.known_latents.to(x.dtype), x)

    def __call__(self, x: torch.Tensor, t: float) -> torch.Tensor:
        x = self.impose(x)
        tf = torch.full(self.known.shape, float(t), device=x.device)
        tf = torch.where(self.known, torch.zeros_like(tf), tf)  # (B, T)
        guided = self.doubled and t >= self.min_t
        if guided:
            xin, tin, text, mask, attrs = torch.cat([x, x]), torch.cat([tf, tf]), self.text, self.text_mask, self.attributes
        else:  # no guidance, or a step below the guidance interval: the conditional prediction alone
            xin, tin, text, mask, attrs = x, tf, self.cond.states, self.cond.mask, self.cond.attributes
        with self.autocast():
            v = self.model(xin, tin, text, mask, attrs).float()
        if guided:
            v_cond, v_uncond = v.chunk(2)
            v = v_uncond + self.guidance * (v_cond - v_uncond)
        return torch.where(self.known[:, None, :, None, None], torch.zeros_like(v), v)


@torch.no_grad()
def integrate(velocity: GuidedVelocity, x: torch.Tensor, cfg: SamplerConfig, start: float = 1.0,
              callback: Callable[[StepInfo], None] | None = None) -> torch.Tensor:
    """Integrate dx/dt = v from t = ``start`` to 0 (Euler or Heun); returns clean latents."""
    grid = time_grid(cfg.steps, cfg.shift, start).tolist()
    x = velocity.impose(x.float())
    for i in range(cfg.steps):
        t, t_next = grid[i], grid[i + 1]
        v = velocity(x, t)
        x_euler = x + (t_next - t) * v
        if cfg.method == "heun" and t_next > 0:
            v_next = velocity(x_euler, t_next)
            x = x + (t_next - t) * 0.5 * (v + v_next)
        else:
            x = x_euler
        x = velocity.impose(x)
        if callback is not None:
            callback(StepInfo(step=i + 1, steps=cfg.steps, t=t_next, latents=x))
    return x
