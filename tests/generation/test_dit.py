"""The diffusion transformer: any latent shape in and out, adaLN-zero start, per-frame timesteps,
padding tokens of the text ignored, relative (rotary) positions, the size presets, and the QK norm
under bf16 autocast."""

import warnings

import pytest
import torch

from generation.dit import DiT, DiT_models, DiTConfig, QKNorm, rope_split
from tests.generation.generator_fixtures import perturb


def tiny():
    torch.manual_seed(0)
    return perturb(DiT(DiTConfig(latent_channels=4, width=16, depth=1, heads=2))).eval()


@pytest.mark.parametrize("t,h,w", [(1, 4, 4), (3, 4, 4), (3, 9, 16), (3, 16, 9), (2, 5, 7)])
def test_any_latent_shape(t, h, w):
    """Odd latent sizes are padded to whole patches inside and cropped back."""
    x = torch.randn(2, 4, t, h, w)
    out = tiny()(x, torch.rand(2, t), torch.randn(2, 5, 384), torch.ones(2, 5, dtype=torch.bool))
    assert out.shape == x.shape and torch.isfinite(out).all()


def test_adaln_zero_starts_at_zero():
    """A freshly initialised DiT predicts exactly zero (adaLN-zero and a zeroed output layer)."""
    m = DiT(DiTConfig(latent_channels=4, width=16, depth=2, heads=2))
    out = m(torch.randn(1, 4, 2, 4, 4), torch.rand(1, 2), torch.randn(1, 3, 384), torch.ones(1, 3, dtype=torch.bool))
    assert torch.count_nonzero(out) == 0


def test_text_padding_is_ignored():
    """Extra padding tokens (mask False) do not change the prediction."""
    m, x, t = tiny(), torch.randn(1, 4, 2, 4, 4), torch.rand(1, 2)
    text = torch.randn(1, 3, 384)
    a = m(x, t, text, torch.ones(1, 3, dtype=torch.bool))
    padded = torch.cat([text, torch.randn(1, 4, 384)], dim=1)
    b = m(x, t, padded, torch.tensor([[True] * 3 + [False] * 4]))
    torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_timestep_is_per_frame():
    """Changing the timestep of frame 1 changes the prediction; the model sees frames separately."""
    m, x = tiny(), torch.randn(1, 4, 2, 4, 4)
    text, mask = torch.randn(1, 3, 384), torch.ones(1, 3, dtype=torch.bool)
    a = m(x, torch.tensor([[0.0, 0.5]]), text, mask)
    b = m(x, torch.tensor([[0.0, 0.9]]), text, mask)
    assert not torch.allclose(a, b)


def test_rope_split_is_even_and_complete():
    for hd in (8, 16, 32, 64):
        parts = rope_split(hd)
        assert sum(parts) == hd and all(p % 2 == 0 and p > 0 for p in parts)


def test_presets_build():
    sizes = {name: sum(p.numel() for p in DiT(f()).parameters()) for name, f in DiT_models.items()}
    assert sizes["tiny"] < sizes["small"] < 20_000_000


def test_qk_norm_is_rms_norm_in_both_precisions_and_silent_under_bf16():
    """QKNorm gives nn.RMSNorm's values bit for bit, in fp32 and in bf16 (where nn.RMSNorm's weight
    dtype mismatch made torch warn on every generation), and a bf16-autocast DiT forward warns nothing."""
    torch.manual_seed(0)
    ours, ref = QKNorm(8, eps=1e-6), torch.nn.RMSNorm(8, eps=1e-6)
    with torch.no_grad():
        ours.weight.uniform_(0.5, 1.5)
        ref.weight.copy_(ours.weight)
    x = torch.randn(3, 5, 8)
    assert torch.equal(ours(x), ref(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = ref(x.bfloat16())
    got = ours(x.bfloat16())
    assert got.dtype == torch.bfloat16 and torch.equal(got, expected)
    m = tiny()
    with warnings.catch_warnings(), torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        warnings.simplefilter("error")
        out = m(torch.randn(1, 4, 2, 4, 4), torch.rand(1, 2), torch.randn(1, 3, 384), torch.ones(1, 3, dtype=torch.bool))
    assert torch.isfinite(out.float()).all()
