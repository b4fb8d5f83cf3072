"""The window handover correction: new frames start at the real edge frame, drift to their own
decode over the fade, and nothing outside the fade (or the real frames) changes."""

import numpy as np

from generation.window_join import carry_join


def _still_shot(rng, n=12):
    """A window that decoded a still shot: every new frame equals its decoded copy of the edge,
    which the autoencoder got wrong by up to 20 grey levels."""
    real = rng.integers(40, 200, (6, 8, 3)).astype(np.uint8)
    decoded = np.clip(real.astype(int) + rng.integers(-20, 21, real.shape), 0, 255).astype(np.uint8)
    return real, decoded, np.repeat(decoded[None], n, axis=0)


def test_forward_join_starts_at_the_real_frame_and_fades_out():
    rng = np.random.default_rng(0)
    real, decoded, frames = _still_shot(rng)
    out = carry_join(frames, real, decoded, fade=8)
    jump_before = np.abs(frames[0].astype(int) - real).mean()
    jump_after = np.abs(out[0].astype(int) - real).mean()
    assert jump_after <= jump_before / 9 + 0.5  # weight 8/9 of the residual at the join
    steps = np.abs(np.diff(out.astype(int), axis=0)).mean(axis=(1, 2, 3))
    assert steps[:8].max() <= jump_before / 9 + 0.5  # the error is spread, one ninth a frame
    assert np.array_equal(out[8:], frames[8:])  # after the fade: the window's own frames
    assert out.dtype == np.uint8 and not np.shares_memory(out, frames)


def test_backward_join_ends_at_the_real_frame():
    rng = np.random.default_rng(1)
    real, decoded, frames = _still_shot(rng)
    out = carry_join(frames, real, decoded, at_start=False, fade=8)
    assert np.abs(out[-1].astype(int) - real).mean() <= np.abs(frames[-1].astype(int) - real).mean() / 9 + 0.5
    assert np.array_equal(out[:-8], frames[:-8])


def test_short_windows_and_no_fade():
    rng = np.random.default_rng(2)
    real, decoded, frames = _still_shot(rng, n=3)
    assert carry_join(frames, real, decoded, fade=8).shape == frames.shape
    assert np.array_equal(carry_join(frames, real, decoded, fade=0), frames)
    white = np.full((6, 8, 3), 255, np.uint8)
    assert carry_join(np.full((2, 6, 8, 3), 250, np.uint8), white, np.zeros_like(white)).max() == 255  # clipped
