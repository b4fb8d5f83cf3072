"""The render contract others code against: shapes, determinism, fps- and size-independence, and
clear errors for hostile sizes and arguments."""

from __future__ import annotations

import numpy as np
import pytest

from generation.world.render import Scene, render_clip, render_frames
from generation.world.spec import CameraAngle, CameraMotion, Clouds, SceneSpec, Setting, Subject, SubjectMotion, Weather
from reelgraph.errors import InputError

SPEC = SceneSpec(setting=Setting.beach, subject=Subject.dog, count=2, subject_motion=SubjectMotion.move_right,
                 weather=Weather.snow, camera_motion=CameraMotion.pan_left)


def test_clip_shape_dtype_and_odd_sizes():
    """Any width/height, odd ones included, gives uint8 (T, H, W, 3)."""
    for w, h in ((33, 17), (17, 31), (40, 40), (9, 8)):
        c = render_clip(SPEC, width=w, height=h, num_frames=2, fps=10, seed=0)
        assert c.shape == (2, h, w, 3) and c.dtype == np.uint8


def test_deterministic_and_seeded():
    """Same spec, seed, size and fps give identical bytes; another seed changes the details."""
    a = render_clip(SPEC, width=48, height=27, num_frames=4, fps=12, seed=7)
    b = render_clip(SPEC, width=48, height=27, num_frames=4, fps=12, seed=7)
    c = render_clip(SPEC, width=48, height=27, num_frames=4, fps=12, seed=8)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_same_seconds_at_any_fps():
    """Speeds are per second: frame at t=0.5 s is the same at 12 and 24 fps for a 1 s clip."""
    slow = render_clip(SPEC, width=48, height=27, num_frames=12, fps=12, seed=2)
    fast = render_clip(SPEC, width=48, height=27, num_frames=24, fps=24, seed=2)
    for i in (0, 3, 6, 11):
        assert np.abs(slow[i].astype(int) - fast[2 * i].astype(int)).max() <= 1


def test_longer_clip_starts_with_the_shorter_one():
    """The frame at second t does not depend on the clip's length, for every camera and subject
    motion: rendering on extends a shot seamlessly (the director relies on this)."""
    subject_motions = [SubjectMotion.move_left, SubjectMotion.approach, SubjectMotion.recede, SubjectMotion.move_right]
    for i, motion in enumerate(CameraMotion):
        spec = SPEC.model_copy(update={"camera_motion": motion, "subject_motion": subject_motions[i % 4],
                                       "clouds": list(Clouds)[i % 4]})
        short = render_clip(spec, width=32, height=18, num_frames=3, fps=4, seed=5)
        long = render_clip(spec, width=32, height=18, num_frames=9, fps=4, seed=5)
        assert np.array_equal(short, long[:3]), motion


def test_clouds_are_framed_alike_at_every_aspect_and_length():
    """The turn that brings a clip's cloudiest stretch of sky into view depends on the spec and seed
    only: a 9:16 frame sees the middle of the 16:9 frame's sky, and a longer clip the same sky."""
    for clouds in (Clouds.wispy, Clouds.fluffy):
        for motion in (CameraMotion.static, CameraMotion.pan_right, CameraMotion.zoom_out):
            spec = SPEC.model_copy(update={"clouds": clouds, "camera_motion": motion, "camera_angle": CameraAngle.high})
            turns = {Scene(spec, width=w, height=h, num_frames=n, fps=12.0, seed=3).sky.cloud_shift
                     for (w, h) in ((64, 36), (36, 64), (48, 48), (84, 36)) for n in (12, 96)}
            assert len(turns) == 1, (clouds, motion, turns)


def test_same_world_at_any_size():
    """A seed shows the same world at every size: a 128x72 clip box-downsampled matches 64x36."""
    spec = SPEC.model_copy(update={"weather": Weather.clear})
    big = render_clip(spec, width=128, height=72, num_frames=1, fps=12, seed=4)[0].astype(np.float32)
    small = render_clip(spec, width=64, height=36, num_frames=1, fps=12, seed=4)[0].astype(np.float32)
    down = big.reshape(36, 2, 64, 2, 3).mean((1, 3))
    assert np.abs(down - small).mean() < 6.0


def test_render_frames_streams_the_same_frames():
    """The generator yields exactly the frames of render_clip, one at a time."""
    clip = render_clip(SPEC, width=32, height=18, num_frames=5, fps=8, seed=1)
    frames = list(render_frames(SPEC, width=32, height=18, num_frames=5, fps=8, seed=1))
    assert len(frames) == 5 and all(np.array_equal(f, c) for f, c in zip(frames, clip))


@pytest.mark.parametrize("kwargs", [
    dict(width=0, height=36), dict(width=64, height=0), dict(width=-5, height=36), dict(width=10**6, height=36),
    dict(width=64, height=5000), dict(width=64.5, height=36), dict(width=True, height=36),
    dict(width=64, height=36, num_frames=0), dict(width=64, height=36, fps=float("nan")),
    dict(width=64, height=36, fps=0), dict(width=64, height=36, seed=-1),
    dict(width=4096, height=4096, num_frames=100),  # 5 GB: must stream instead
])
def test_hostile_arguments_raise_input_error(kwargs):
    """Sizes of zero, negative, huge or non-integer, bad fps/frames/seed: one clear InputError."""
    args = dict(num_frames=2, fps=12.0, seed=0) | kwargs
    with pytest.raises(InputError):
        render_clip(SPEC, **args)


def test_not_a_spec_is_an_input_error():
    with pytest.raises(InputError, match="SceneSpec"):
        render_clip({"setting": "beach"}, width=32, height=18, num_frames=1)
