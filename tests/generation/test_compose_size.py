"""Large frames are composed at the DiT's training size and refined at the asked size: which sizes
compose where, the upscale, and the Generator's two passes (tiny random model)."""

import numpy as np
import pytest

from generation.compose_size import ComposeConfig, compose_size, downscale, upscale
from tests.generation.generator_fixtures import tiny_config, tiny_generator


@pytest.fixture(scope="module")
def gen(text_encoder):
    """A tiny generator that refines its compositions (the default does not)."""
    g = tiny_generator(text_encoder, window_latents=3, context_latents=1)
    g.compose = ComposeConfig(refine_strength=0.4)
    return g


def test_sizes_compose_at_the_training_area_with_the_asked_aspect():
    cfg = ComposeConfig()
    assert compose_size(256, 144, 128, 72, cfg) == (128, 72)
    assert compose_size(144, 256, 128, 72, cfg) == (72, 128)
    assert compose_size(192, 192, 128, 72, cfg) == (96, 96)
    assert compose_size(336, 144, 128, 72, cfg) == (146, 62)  # 21:9 at the same area, even pixels
    assert compose_size(128, 72, 128, 72, cfg) is None  # the training size itself
    assert compose_size(100, 100, 128, 72, cfg) is None  # within 1.5x of its area
    assert compose_size(256, 144, 128, 72, ComposeConfig(max_area_ratio=5.0)) is None


def test_upscale_keeps_flat_colour_and_reaches_the_size():
    frames = np.full((3, 9, 16, 3), (200, 40, 7), np.uint8)
    up = upscale(frames, 32, 18)
    assert up.shape == (3, 18, 32, 3) and up.dtype == np.uint8
    assert (up == np.array([200, 40, 7], np.uint8)).all()


def test_a_large_shot_is_composed_small_and_refined(gen):
    """Twice the tiny model's training size: composed at 32x18 (its training size set below), upscaled,
    refined; the info says so, and both passes' windows are counted in one progress sequence."""
    gen.cfg.train_width, gen.cfg.train_height = 32, 18
    seen = []
    v = gen.text_to_video("a red ball bounces on a beach", seconds=17 / 24, width=64, height=36, steps=2, seed=5,
                          progress=seen.append)
    assert v.frames.shape == (17, 36, 64, 3)
    assert v.info.composed_at == (32, 18)
    single = gen.text_to_video("a red ball bounces on a beach", seconds=17 / 24, width=32, height=18, steps=2, seed=5)
    assert single.info.composed_at is None and v.info.windows == 2 * single.info.windows
    assert len(v.info.joins) == single.info.windows - 1
    windows = [p.window for p in seen]
    assert windows == sorted(windows) and windows[-1] == v.info.windows and {p.windows for p in seen} == {v.info.windows}
    # the refinement changes the upscaled composition, and is seed-deterministic
    assert not np.array_equal(v.frames, upscale(single.frames, 64, 36))
    again = gen.text_to_video("a red ball bounces on a beach", seconds=17 / 24, width=64, height=36, steps=2, seed=5)
    assert np.array_equal(v.frames, again.frames)
    # streamed, the same frames arrive window by window
    chunks = list(gen.iter_text_to_video("a red ball bounces on a beach", seconds=17 / 24, width=64, height=36, steps=2, seed=5))
    assert len(chunks) == single.info.windows and np.array_equal(np.concatenate(chunks), v.frames)


def test_by_default_a_large_shot_is_the_upscaled_composition(text_encoder):
    g = tiny_generator(text_encoder, window_latents=3, context_latents=1)
    g.cfg.train_width, g.cfg.train_height = 32, 18
    assert g.compose.refine_strength == 0.0
    v = g.text_to_image("a forest at dawn", width=64, height=36, steps=2, seed=1)
    small = g.text_to_image("a forest at dawn", width=32, height=18, steps=2, seed=1)
    assert v.info.composed_at == (32, 18) and v.info.windows == 1
    assert np.array_equal(v.frames, upscale(small.frames, 64, 36))
    long = g.text_to_video("a forest at dawn", seconds=17 / 24, width=64, height=36, steps=1, seed=1)
    assert np.array_equal(long.frames, upscale(g.text_to_video("a forest at dawn", seconds=17 / 24, width=32,
                                                                height=18, steps=1, seed=1).frames, 64, 36))


def test_bad_compose_settings_are_clear_errors():
    from reelgraph.errors import InputError

    with pytest.raises(InputError, match="refine_strength"):
        ComposeConfig(refine_strength=1.5)
    with pytest.raises(InputError, match="max_area_ratio"):
        ComposeConfig(max_area_ratio=0.5)


def test_the_shipped_sizes_compose_at_the_shipped_training_size():
    """The default full size (256x144) composes at the size the shipped DiT trained at (128x72);
    the preview size is that size and is generated directly."""
    from generation.checkpoint import load_generator
    from generation.pipeline import DEFAULT_WEIGHTS, Generator

    cfg = load_generator(DEFAULT_WEIGHTS)[0]
    assert compose_size(*Generator.size_for("16:9"), cfg.train_width, cfg.train_height, ComposeConfig()) == (128, 72)
    assert compose_size(*Generator.size_for("16:9", preview=True), cfg.train_width, cfg.train_height, ComposeConfig()) is None
    assert tiny_config().train_width == 128  # the fixtures' default, which the tests above lower


def test_a_large_clip_is_extended_at_the_composition_size(text_encoder):
    """The clip is kept verbatim; the new frames are the extension of its downscaled copy, upscaled."""
    g = tiny_generator(text_encoder, window_latents=3, context_latents=1)
    g.cfg.train_width, g.cfg.train_height = 32, 18
    clip = np.random.default_rng(0).integers(0, 256, (9, 36, 64, 3), dtype=np.uint8)
    for direction in ("forward", "backward"):
        v = g.extend(clip, 9 / 24, direction, "a boat on the sea", steps=2, seed=3)
        small = g.extend(downscale(clip, 32, 18), 9 / 24, direction, "a boat on the sea", steps=2, seed=3)
        assert v.info.composed_at == (32, 18) and small.info.composed_at is None
        (a, b), = v.info.given
        assert np.array_equal(v.frames[a:b], clip) and v.frames.shape == (18, 36, 64, 3)
        new = np.delete(v.frames, np.s_[a:b], axis=0)
        (sa, sb), = small.info.given
        assert np.array_equal(new, upscale(np.delete(small.frames, np.s_[sa:sb], axis=0), 64, 36))


def test_downscale_averages_areas():
    frames = np.zeros((1, 4, 4, 3), np.uint8)
    frames[0, :2, :2] = 200  # one bright quarter
    out = downscale(frames, 2, 2)
    assert out.shape == (1, 2, 2, 3) and out[0, 0, 0, 0] == 200 and out[0, 1, 1, 0] == 0


def test_a_large_image_is_animated_at_the_composition_size(text_encoder):
    g = tiny_generator(text_encoder, window_latents=3, context_latents=1)
    g.cfg.train_width, g.cfg.train_height = 32, 18
    image = np.random.default_rng(1).integers(0, 256, (36, 64, 3), dtype=np.uint8)
    v = g.image_to_video(image, "a dog on a beach", 9 / 24, steps=2, seed=4)
    small = g.image_to_video(downscale(image[None], 32, 18)[0], "a dog on a beach", 9 / 24, steps=2, seed=4)
    assert v.info.composed_at == (32, 18) and v.frames.shape == (9, 36, 64, 3)
    assert np.array_equal(v.frames[0], image)
    assert np.array_equal(v.frames[1:], upscale(small.frames[1:], 64, 36))
    one = g.image_to_video(image, "a dog on a beach", 1 / 24, steps=2)  # a single frame is the image alone
    assert one.frames.shape == (1, 36, 64, 3) and np.array_equal(one.frames[0], image)


def test_large_clips_are_joined_and_edited_at_the_composition_size(text_encoder):
    """interpolate keeps both clips verbatim and upscales the transition it makes from their downscaled
    copies; edit repaints the downscaled clip and upscales it. Both say where they composed."""
    g = tiny_generator(text_encoder, window_latents=3, context_latents=1)
    g.cfg.train_width, g.cfg.train_height = 32, 18
    rng = np.random.default_rng(2)
    a, b = (rng.integers(0, 256, (9, 36, 64, 3), dtype=np.uint8) for _ in range(2))
    v = g.interpolate(a, b, 8 / 24, "a car in a city", steps=2, seed=5)
    small = g.interpolate(downscale(a, 32, 18), downscale(b, 32, 18), 8 / 24, "a car in a city", steps=2, seed=5)
    assert v.info.composed_at == (32, 18) and small.info.composed_at is None
    assert v.frames.shape == (26, 36, 64, 3)
    assert np.array_equal(v.frames[:9], a) and np.array_equal(v.frames[-9:], b)
    assert np.array_equal(v.frames[9:-9], upscale(small.frames[9:-9], 64, 36))
    e = g.edit(a, "a car at night", 0.5, steps=2, seed=6)
    small_e = g.edit(downscale(a, 32, 18), "a car at night", 0.5, steps=2, seed=6)
    assert e.info.composed_at == (32, 18) and e.frames.shape == a.shape
    assert np.array_equal(e.frames, upscale(small_e.frames, 64, 36))
