"""The Generator's six modes with a tiny random model: output shapes, given frames reproduced
verbatim, seed determinism, any aspect ratio, and a working memory bounded by one window."""

import numpy as np
import pytest

from reelgraph.errors import InputError
from tests.generation.generator_fixtures import tiny_generator


@pytest.fixture(scope="module")
def gen(text_encoder):
    return tiny_generator(text_encoder, window_latents=3, context_latents=1)


def clip(frames=9, height=32, width=32, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (frames, height, width, 3), dtype=np.uint8)


def test_text_to_video_shape_and_info(gen):
    """9 frames at 32x32 at 24 fps; the info says how it was made."""
    v = gen.text_to_video("a red ball bounces on a beach", seconds=9 / 24, width=32, height=32, steps=2)
    assert v.frames.shape == (9, 32, 32, 3) and v.frames.dtype == np.uint8
    assert v.fps == 24.0 and v.info.mode == "text_to_video" and v.info.steps == 2 and v.info.windows == 1


def test_seed_determinism(gen):
    """Same seed, same pixels; another seed, other pixels."""
    kw = dict(seconds=9 / 24, width=32, height=32, steps=2)
    a = gen.text_to_video("birds fly across a city at night", seed=3, **kw).frames
    b = gen.text_to_video("birds fly across a city at night", seed=3, **kw).frames
    c = gen.text_to_video("birds fly across a city at night", seed=4, **kw).frames
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_prompt_conditions_output(gen):
    """The prompt reaches the network: two prompts with one seed differ."""
    kw = dict(seconds=5 / 24, width=32, height=32, steps=2, seed=1)
    a = gen.text_to_video("a mammoth in a snowy meadow", **kw).frames
    b = gen.text_to_video("a boat on the sea at sunset", **kw).frames
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("width,height", [(64, 36), (36, 64), (32, 32), (40, 24), (50, 30)])
def test_any_aspect(gen, width, height):
    """16:9, 9:16, 1:1 and sizes whose latent is odd or not a multiple of 8 come back at the size asked."""
    v = gen.text_to_video("a car drives left", seconds=5 / 24, width=width, height=height, steps=1)
    assert v.frames.shape == (5, height, width, 3)


def test_text_to_image(gen):
    """One frame."""
    v = gen.text_to_image("a forest at dawn", width=48, height=32, steps=2)
    assert v.frames.shape == (1, 32, 48, 3) and v.info.mode == "text_to_image"


def test_image_to_video_keeps_the_image(gen):
    """Frame 0 of image-to-video is the given image, pixel for pixel."""
    img = clip(1, 32, 48)[0]
    v = gen.image_to_video(img, "a dog walks right", seconds=9 / 24, steps=2)
    assert v.frames.shape == (9, 32, 48, 3)
    assert np.array_equal(v.frames[0], img)
    assert v.info.given == ((0, 1),)


@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_extend_keeps_the_clip(gen, direction):
    """Extension adds the asked seconds on the asked side and leaves the clip's frames untouched."""
    c = clip(9)
    v = gen.extend(c, seconds=8 / 24, direction=direction, prompt="snow falls", steps=2)
    assert v.frames.shape == (17, 32, 32, 3)
    if direction == "forward":
        assert np.array_equal(v.frames[:9], c)
    else:
        assert np.array_equal(v.frames[-9:], c)


def test_extend_backward_from_short_clip(gen):
    """A clip shorter than one temporal group can still be extended backward."""
    c = clip(2)
    v = gen.extend(c, seconds=5 / 24, direction="backward", steps=1)
    assert v.frames.shape == (7, 32, 32, 3) and np.array_equal(v.frames[-2:], c)


def test_interpolate_keeps_both_ends(gen):
    """a, then new frames, then b; a and b verbatim."""
    a, b = clip(5, seed=1), clip(5, seed=2)
    v = gen.interpolate(a, b, seconds=8 / 24, steps=2)
    assert v.frames.shape == (5 + 8 + 5, 32, 32, 3)
    assert np.array_equal(v.frames[:5], a) and np.array_equal(v.frames[-5:], b)
    assert v.info.given == ((0, 5), (13, 18))


def test_edit_shapes_and_strength(gen):
    """SDEdit keeps the clip's shape over several windows, and the strength changes the result."""
    c = clip(21, seed=5)
    low = gen.edit(c, "a desert at noon", strength=0.2, steps=4)
    high = gen.edit(c, "a desert at noon", strength=1.0, steps=4)
    assert low.frames.shape == high.frames.shape == c.shape
    assert low.info.windows > 1
    assert not np.array_equal(low.frames, high.frames)


def test_long_generation_memory_is_one_window(gen):
    """Window by window: a longer shot uses more windows but no larger latent tensor."""
    peaks = {}
    for frames in (17, 41):
        shapes = []
        v = gen.text_to_video("rain over mountains", seconds=frames / 24, width=32, height=32, steps=1,
                              progress=lambda p: shapes.append(p.latent_shape))
        assert v.frames.shape[0] == frames
        assert len(v.info.joins) == v.info.windows - 1  # where each later window's frames begin
        peaks[frames] = (max(int(np.prod(s)) for s in shapes), v.info.windows)
    assert peaks[17][0] == peaks[41][0]
    assert peaks[41][1] > peaks[17][1] > 1


def test_progress_reports_every_step(gen):
    """The callback sees each sampler step of each window."""
    seen = []
    gen.text_to_video("a ball", seconds=9 / 24, width=32, height=32, steps=3, progress=seen.append)
    assert [(p.window, p.step) for p in seen] == [(1, 1), (1, 2), (1, 3)]


def test_heun_and_no_guidance(gen):
    """Heun and guidance 1 (no doubled batch) run and give frames."""
    v = gen.text_to_video("fog", seconds=5 / 24, width=32, height=32, steps=2, method="heun", guidance=1.0)
    assert v.frames.shape == (5, 32, 32, 3)


def test_sampler_defaults_travel_with_the_generator(gen):
    """A generator's ``sampler`` sets its calls' defaults: guiding no step at all (the interval starts
    above t = 1) draws exactly what guidance 1 draws; guiding the high-noise steps alone, something
    in between that still differs from both."""
    from dataclasses import replace

    from generation.pipeline import Generator

    kw = dict(seconds=5 / 24, width=32, height=32, steps=4, seed=2)
    plain = gen.text_to_video("rain on a beach", guidance=1.0, **kw).frames
    full = gen.text_to_video("rain on a beach", **kw).frames

    def with_min_t(min_t: float) -> Generator:
        return Generator(gen.cfg, gen.autoencoder, gen.dit, text_encoder=gen.text_encoder,
                         sampler=replace(gen.sampler, guidance_min_t=min_t))

    assert np.array_equal(with_min_t(1.5).text_to_video("rain on a beach", **kw).frames, plain)
    half = with_min_t(0.5).text_to_video("rain on a beach", **kw).frames
    assert not np.array_equal(half, plain) and not np.array_equal(half, full)


def test_reconstruct_is_the_autoencoder_round_trip(gen):
    """``reconstruct`` returns the clip's shape (odd sizes and ragged lengths cropped back) and is the
    decode of the clip's own latents."""
    x = clip(10, 30, 50)
    y = gen.reconstruct(x)
    assert y.shape == x.shape and y.dtype == np.uint8
    assert np.array_equal(y, gen.codec.decode(gen.codec.encode(x), 30, 50)[:10])
    with pytest.raises(InputError):
        gen.reconstruct(np.zeros((2, 8, 8), dtype=np.uint8))


def test_bad_inputs_are_clear_errors(gen):
    """Wrong pixel types, durations and strengths raise InputError, not a crash deep inside."""
    with pytest.raises(InputError):
        gen.image_to_video(np.zeros((32, 32, 3), dtype=np.float32), "x")
    with pytest.raises(InputError):
        gen.text_to_video("x", seconds=0)
    with pytest.raises(InputError):
        gen.edit(clip(5), "x", strength=1.5)
    with pytest.raises(InputError):
        gen.extend(clip(5), 1.0, direction="sideways")


def test_size_presets():
    """Aspect names map to 256x144-class sizes, half in preview; unknown aspects are clear errors."""
    from generation.pipeline import Generator

    assert Generator.size_for("16:9") == (256, 144) and Generator.size_for("16:9", preview=True) == (128, 72)
    assert Generator.size_for("9:16") == (144, 256)
    with pytest.raises(InputError):
        Generator.size_for("5:1")
