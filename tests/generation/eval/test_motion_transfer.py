"""Motion transfer: a clip's global flow follows a real shift of its picture (right is positive u,
down positive v); a copy of the render moves as fast and the same way, a mirrored motion the other
way, a frozen clip not at all, and renders that do not move are left out of the figures."""

from __future__ import annotations

import numpy as np
import pytest

from generation.eval.motion_transfer import compare_flows, global_flow, motion_transfer
from generation.world.parse import parse_prompt
from generation.world.render import render_clip
from reelgraph.errors import InputError


def textured_pan(dx: int, dy: int = 0, frames: int = 12, seed: int = 0) -> np.ndarray:
    """uint8 (frames, 48, 64, 3): a smooth random texture shifted by (dx, dy) pixels a frame."""
    rng = np.random.default_rng(seed)
    big = rng.random((96, 128, 3))
    for axis in (0, 1):  # blur so the one-pixel shifts stay in the fit's linear range
        big = (np.roll(big, 1, axis) + 2 * big + np.roll(big, -1, axis)) / 4
    out = [np.roll(big, (dy * i, dx * i), axis=(0, 1))[24:72, 32:96] for i in range(frames)]
    return (255 * (np.stack(out) - big.min()) / (big.max() - big.min())).astype(np.uint8)


def test_global_flow_follows_the_shift():
    right, left, down = global_flow(textured_pan(1)), global_flow(textured_pan(-1)), global_flow(textured_pan(0, 1))
    assert right[0] > 0.05 and abs(right[1]) < 0.3 * right[0]
    assert left[0] < -0.05 and right[0] == pytest.approx(-left[0], rel=0.2)
    assert down[1] > 0.05 and abs(down[0]) < 0.3 * down[1]
    assert np.abs(global_flow(np.repeat(textured_pan(1)[:1], 6, 0))).max() < 1e-6
    assert np.array_equal(global_flow(textured_pan(1)[:1]), np.zeros(2))
    with pytest.raises(InputError, match="frames"):
        global_flow(np.zeros((4, 8, 8), np.uint8))


def test_a_world_pan_reads_its_direction():
    """The world's own pans: the picture moves right under pan left (the camera turns left) and the
    other way under pan right; the camera's speed puts them well above the still threshold."""
    u = {}
    for phrase in ("pans left", "pans right"):
        spec = parse_prompt(f"a green meadow at noon, clear sky, eye-level camera, the camera {phrase}").spec
        u[phrase] = global_flow(render_clip(spec, width=128, height=72, num_frames=13, fps=24.0, seed=0))[0]
    assert u["pans left"] > 0.05 and u["pans right"] < -0.05


def test_motion_transfer_against_copies_mirrors_and_stills():
    renders = [textured_pan(1, seed=s) for s in range(3)] + [textured_pan(0, seed=9)]  # the last one is still
    same = motion_transfer(renders, renders)
    assert same.clips == 3  # the still render is left out
    assert same.speed_ratio == pytest.approx(1.0) and same.direction_agreement == 1.0
    assert same.mean_cosine == pytest.approx(1.0)
    mirrored = motion_transfer([textured_pan(-1, seed=s) for s in range(3)] + [renders[3]], renders)
    assert mirrored.direction_agreement == 0.0 and mirrored.mean_cosine < -0.9
    assert 0.8 < mirrored.speed_ratio < 1.25
    frozen = motion_transfer([np.repeat(r[:1], len(r), 0) for r in renders], renders)
    assert frozen.speed_ratio == pytest.approx(0.0, abs=1e-6) and frozen.direction_agreement == 0.0
    slow = motion_transfer([textured_pan(1, seed=s)[np.arange(12) // 2] for s in range(3)], renders[:3])
    assert slow.speed_ratio == pytest.approx(0.5, abs=0.1) and slow.direction_agreement == 1.0  # half speed
    nothing = motion_transfer([renders[3]], [renders[3]])
    assert nothing.clips == 0 and nothing.speed_ratio is None and nothing.summary()["moving_clips"] == 0
    with pytest.raises(InputError, match="one render per clip"):
        motion_transfer(renders, renders[:2])


def test_measured_flows_compare_as_the_clips_do():
    renders = [textured_pan(1, seed=s) for s in range(3)]
    clips = [textured_pan(-1, seed=s) for s in range(3)]
    direct = motion_transfer(clips, renders)
    reused = compare_flows([global_flow(c) for c in clips], [global_flow(r) for r in renders])
    assert reused == direct
    assert direct.direction_agreement == 0.0
    with pytest.raises(InputError):
        compare_flows([global_flow(clips[0])], [])
