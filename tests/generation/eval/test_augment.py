"""Training corruptions: one set of draws per clip, shared by every frame it carries, so a sample
and the film frame before it are corrupted alike and their difference still shows only motion."""

from __future__ import annotations

import numpy as np
import torch

from generation.eval.augment import AugmentConfig, corrupt, random_crop
from generation.eval.clip_input import FrameSample


def test_a_sample_and_its_previous_frame_get_the_same_corruption():
    clip = torch.rand(3, 4, 24, 24) * 2 - 1
    cfg = AugmentConfig(p_clean=0.0, noise_max=0.0)
    alone = corrupt(clip, cfg, np.random.default_rng(5))
    paired = corrupt(torch.cat([clip, clip]), cfg, np.random.default_rng(5))
    assert paired.shape == (6, 4, 24, 24)
    assert not torch.allclose(alone, clip, atol=1e-3)  # it did corrupt
    assert torch.allclose(paired[:3], alone, atol=1e-6) and torch.allclose(paired[3:], alone, atol=1e-6)


def test_crop_of_sampled_frames_keeps_their_frame_numbers():
    frames = np.zeros((3, 40, 60, 3), np.uint8)
    sample = FrameSample(frames=frames, index=(0, 7, 9), total=10)
    out = random_crop(sample, AugmentConfig(crop_min=0.5), np.random.default_rng(1))
    assert isinstance(out, FrameSample) and out.index == (0, 7, 9) and out.total == 10
    assert 20 <= out.frames.shape[1] <= 40 and 30 <= out.frames.shape[2] <= 60 and out.frames.shape[0] == 3
