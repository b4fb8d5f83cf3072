"""Rectified-flow training pieces and the samplers: known frames stay clean and carry no loss,
guidance is batched into one call, Euler integrates a known field exactly."""

import torch

from generation.flow import FlowConfig, flow_matching_loss, frame_times, noisy_latents, sample_known_masks, sample_timesteps
from generation.sampler import GuidedVelocity, SamplerConfig, integrate, time_grid
from generation.text_encoder import TextStates


def test_known_masks_cover_every_mode_and_never_everything():
    """Masks include none, first frame, prefix, suffix and both ends, and always leave a frame to generate."""
    m = sample_known_masks(4000, 5, FlowConfig(), torch.Generator().manual_seed(0))
    assert not m.all(dim=1).any()
    rows = {tuple(r.tolist()) for r in m}
    assert (False,) * 5 in rows and (True, False, False, False, False) in rows
    assert (False, False, False, True, True) in rows and (True, False, False, False, True) in rows
    assert not sample_known_masks(8, 1, FlowConfig()).any()  # an image: nothing to give


def test_timesteps_in_unit_interval():
    t = sample_timesteps(1000, FlowConfig(shift=3.0), torch.Generator().manual_seed(0))
    assert (t > 0).all() and (t < 1).all() and t.mean() > 0.5  # the shift moves mass toward noise


def test_known_frames_are_clean_in_noisy_latents():
    x0, eps = torch.randn(2, 4, 3, 2, 2), torch.randn(2, 4, 3, 2, 2)
    known = torch.tensor([[True, False, False], [False, False, True]])
    xt = noisy_latents(x0, eps, frame_times(torch.tensor([0.7, 0.7]), known))
    assert torch.equal(xt[0, :, 0], x0[0, :, 0]) and torch.equal(xt[1, :, 2], x0[1, :, 2])
    assert not torch.equal(xt[0, :, 1], x0[0, :, 1])


class Probe(torch.nn.Module):
    """A velocity model that records its inputs and returns a fixed function of them."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def forward(self, x, t, text, mask, attributes=None):
        self.calls.append((x.clone(), t.clone(), text.shape[0]))
        self.attributes = attributes
        return x * 0 + t[:, None, :, None, None] + text.mean(dim=(1, 2))[:, None, None, None, None]


def test_loss_ignores_known_frames():
    """Known frames get t = 0 and contribute nothing to the loss."""
    probe = Probe()
    x0 = torch.randn(2, 4, 3, 2, 2)
    known = torch.tensor([[True, False, False], [True, True, False]])
    text = torch.zeros(2, 3, 384)
    loss = flow_matching_loss(probe, x0, text, torch.ones(2, 3, dtype=torch.bool), FlowConfig(), torch.Generator().manual_seed(0), known)
    _, t, _ = probe.calls[0]
    assert torch.equal(t[known], torch.zeros(3)) and (t[~known] > 0).all()
    assert torch.isfinite(loss)


def test_guidance_is_one_batched_call_and_context_is_imposed():
    """With guidance, each step is ONE model call on a doubled batch; known frames never change."""
    probe = Probe()
    cond = TextStates(torch.ones(1, 2, 384), torch.ones(1, 2, dtype=torch.bool))
    uncond = TextStates(torch.zeros(1, 1, 384), torch.ones(1, 1, dtype=torch.bool))
    known = torch.tensor([[True, False]])
    known_lat = torch.full((1, 4, 2, 2, 2), 7.0)
    vel = GuidedVelocity(probe, cond, uncond, 3.0, known, known_lat, lambda: torch.autocast("cpu", enabled=False))
    out = integrate(vel, torch.randn(1, 4, 2, 2, 2), SamplerConfig(steps=4, guidance=3.0, method="euler"))
    assert len(probe.calls) == 4 and all(b == 2 for _, _, b in probe.calls)
    assert torch.equal(out[:, :, 0], known_lat[:, :, 0])


def test_euler_integrates_constant_velocity_exactly():
    """dx/dt = c from t=1 to 0 moves x by -c, whatever the step count or method."""

    class Const(torch.nn.Module):
        def forward(self, x, t, text, mask, attributes=None):
            return torch.full_like(x, 2.0)

    cond = TextStates(torch.zeros(1, 1, 384), torch.ones(1, 1, dtype=torch.bool))
    for method in ("euler", "heun"):
        vel = GuidedVelocity(Const(), cond, None, 1.0, torch.zeros(1, 2, dtype=torch.bool), None, lambda: torch.autocast("cpu", enabled=False))
        out = integrate(vel, torch.zeros(1, 1, 2, 1, 1), SamplerConfig(steps=3, method=method, guidance=1.0, shift=2.0))
        torch.testing.assert_close(out, torch.full_like(out, -2.0))


def test_time_grid_runs_from_start_to_zero():
    g = time_grid(4, 1.0, start=0.6)
    assert abs(g[0].item() - 0.6) < 1e-6 and g[-1].item() == 0.0 and (g[:-1] > g[1:]).all()


def test_guidance_interval_runs_low_noise_steps_on_the_condition_alone():
    """Below ``guidance_min_t`` a step is one call on the conditional half; above it, the doubled batch."""
    probe = Probe()
    cond = TextStates(torch.ones(1, 2, 384), torch.ones(1, 2, dtype=torch.bool))
    uncond = TextStates(torch.zeros(1, 1, 384), torch.ones(1, 1, dtype=torch.bool))
    vel = GuidedVelocity(probe, cond, uncond, 3.0, torch.zeros(1, 2, dtype=torch.bool), None,
                         lambda: torch.autocast("cpu", enabled=False), min_t=0.5)
    integrate(vel, torch.randn(1, 4, 2, 2, 2), SamplerConfig(steps=4, guidance=3.0, guidance_min_t=0.5, method="euler"))
    starts = [t[0, 0].item() for _, t, _ in probe.calls]
    batches = [b for _, _, b in probe.calls]
    assert starts == [1.0, 0.75, 0.5, 0.25] and batches == [2, 2, 2, 1]
    # the unguided steps see the prompt's own states, not the padded pair
    x, t, _ = probe.calls[-1]
    v = vel(x, 0.25)
    torch.testing.assert_close(v, x * 0 + 0.25 + 1.0)


def test_stated_attributes_reach_the_model_beside_the_empty_prompt():
    """Guided: the doubled call carries the prompt's attributes, then the empty prompt's (all 0);
    below the guidance interval the prompt's alone; without attributes the model gets None."""
    probe = Probe()
    cond = TextStates(torch.ones(1, 2, 384), torch.ones(1, 2, dtype=torch.bool), torch.tensor([[3, 0, 5]]))
    uncond = TextStates(torch.zeros(1, 1, 384), torch.ones(1, 1, dtype=torch.bool), torch.zeros(1, 3, dtype=torch.int64))
    vel = GuidedVelocity(probe, cond, uncond, 3.0, torch.zeros(1, 2, dtype=torch.bool), None,
                         lambda: torch.autocast("cpu", enabled=False), min_t=0.5)
    vel(torch.zeros(1, 4, 2, 2, 2), 0.9)
    assert torch.equal(probe.attributes, torch.tensor([[3, 0, 5], [0, 0, 0]]))
    vel(torch.zeros(1, 4, 2, 2, 2), 0.25)
    assert torch.equal(probe.attributes, torch.tensor([[3, 0, 5]]))
    plain = GuidedVelocity(probe, TextStates(torch.ones(1, 2, 384), torch.ones(1, 2, dtype=torch.bool)), None, 1.0,
                           torch.zeros(1, 2, dtype=torch.bool), None, lambda: torch.autocast("cpu", enabled=False))
    plain(torch.zeros(1, 4, 2, 2, 2), 0.9)
    assert probe.attributes is None
