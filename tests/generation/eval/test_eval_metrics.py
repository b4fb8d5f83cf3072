"""Metrics measured through the evaluator: the Fréchet distance is ~0 for a set against itself and
grows when one set is shifted; temporal consistency is 1 for a still clip and clearly lower for a
clip cut together from unrelated frames."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from generation.eval.clip_source import TEST_STREAM, draw_clip, render_draw
from generation.eval.evaluator import load_evaluator
from generation.eval.metrics import frechet_distance, frechet_distance_from_features, temporal_consistency


@pytest.fixture(scope="module")
def model():
    return load_evaluator()


@pytest.fixture(scope="module")
def clips(model):
    return [render_draw(draw_clip(TEST_STREAM, 10_000 + i), model.config) for i in range(48)]


def test_frechet_of_gaussian_features():
    """Same samples: 0. Two Gaussians with the same covariance and means apart by d: about |d|^2."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2000, 8))
    assert frechet_distance_from_features(a, a) == pytest.approx(0.0, abs=1e-8)
    b = rng.normal(size=(2000, 8)) + 1.0  # |d|^2 = 8
    assert frechet_distance_from_features(a, b) == pytest.approx(8.0, rel=0.1)
    c = rng.normal(size=(2000, 8)) * 2.0  # tr(S_a + S_c - 2 (S_a S_c)^1/2) = 8 * (1 + 4 - 4) = 8
    assert frechet_distance_from_features(a, c) == pytest.approx(8.0, rel=0.15)


def _box_blur(frames: np.ndarray, radius: int = 2) -> np.ndarray:
    """(T, H, W, 3) uint8 -> float32 blurred by a (2r+1)^2 box (wrapping at the edges)."""
    out = frames.astype(np.float32)
    for axis in (1, 2):
        out = sum(np.roll(out, k, axis) for k in range(-radius, radius + 1)) / (2 * radius + 1)
    return out


def test_frechet_distance_on_clips(model, clips):
    """Through the shipped evaluator: a set against itself ~0; against a darkened, blurred copy of
    itself clearly larger than against another fresh sample of the same world."""
    first, second = clips[:24], clips[24:]
    same = frechet_distance(model, first, first)
    fresh = frechet_distance(model, first, second)
    shifted = frechet_distance(model, first, [replace(c, frames=(_box_blur(c.frames) / 3).astype(np.uint8)) for c in first])
    assert same < 1e-6 * max(1.0, fresh)
    assert shifted > fresh > same


def test_temporal_consistency_still_vs_shuffled(model, clips):
    """A still clip reads as perfectly consistent; 16 frames taken from 16 different clips do not."""
    still = np.repeat(clips[0].frames[:1], 24, axis=0)
    tc_still = temporal_consistency(model, still)
    assert tc_still.consecutive == pytest.approx(1.0, abs=1e-5)
    assert tc_still.first_last == pytest.approx(1.0, abs=1e-5)
    mixed = np.stack([c.frames[0][:40, :40] for c in clips[:16]])  # every drawn clip is at least 40x40
    tc_mixed = temporal_consistency(model, mixed)
    assert tc_mixed.consecutive < 0.9
    assert tc_mixed.first_last < 0.9


def test_prediction_averages_a_clip_with_its_mirror_image():
    """``predict`` reads each clip and its mirror and averages, left and right swapped back: a clip and
    its mirrored copy then get mirrored probabilities, and features come from the clip as given."""
    import torch

    from generation.eval.evaluator import Evaluator, EvaluatorConfig, default_heads
    from generation.eval.metrics import predict

    torch.manual_seed(0)
    model = Evaluator(EvaluatorConfig(widths=(8, 8, 8, 8), feature_dim=16)).eval()
    clip = np.random.default_rng(0).integers(0, 256, (8, 36, 64, 3), dtype=np.uint8)
    probs, feats = predict(model, [clip, np.ascontiguousarray(clip[:, :, ::-1])])
    plain, plain_feats = predict(model, [clip], mirror=False)
    heads = default_heads()
    left, right = heads["subject_motion"].index("move_left"), heads["subject_motion"].index("move_right")
    sm = probs["subject_motion"]
    # bf16 autocast where the CPU has it: the two readings round differently (measured up to 1.1e-4)
    assert np.allclose(sm[0, [left, right]], sm[1, [right, left]], atol=5e-4)
    assert np.allclose(probs["setting"][0], probs["setting"][1], atol=5e-4)
    assert not np.allclose(probs["setting"][0], plain["setting"][0], atol=1e-6)
    assert np.allclose(feats[0], plain_feats[0], atol=1e-5)


def test_subject_mask_correlation_follows_the_cover(model):
    """The shipped evaluator's subject mask follows the renderer's cover (correlation well above 0 on
    fresh clips), a mask shifted off the subject does not, and clips without a subject (uniform
    cover) are left out rather than counted."""
    import torch

    from generation.eval.metrics import cover_correlations, subject_mask_correlation

    with_cover = [render_draw(draw_clip(TEST_STREAM, 10_000 + i), model.config, cover=True) for i in range(16)]
    assert subject_mask_correlation(model, with_cover) > 0.5
    truth = torch.zeros(3, 4, 8, 8)
    truth[0, :, 2:4, 2:4] = 1.0
    truth[1, :, 5:, 5:] = 1.0
    shifted = torch.roll(truth, 4, dims=-1)
    assert cover_correlations(truth, truth) == pytest.approx([1.0, 1.0])  # clip 2 has no subject: left out
    assert max(cover_correlations(shifted, truth)) < 0.1


def test_a_long_clips_opening_is_read_as_the_shorter_clip_it_is():
    """A long clip of known rate carries its opening 2.5 s, and that reading is exactly the reading
    of the same scene rendered as a 2.5-s clip (the world's time does not depend on clip length);
    short clips and clips of unknown rate get no opening reading."""
    from generation.eval.clip_input import OPENING_S, FrameSample, opening_frames, prepare_clip
    from reelgraph.errors import InputError

    assert opening_frames(240, 24.0) == round(OPENING_S * 24)
    assert opening_frames(70, 24.0) is None  # under 1.25 openings
    assert opening_frames(240, None) is None and opening_frames(240, 24.0, opening_s=0.0) is None
    cfg = load_evaluator().config
    draw = replace(draw_clip(TEST_STREAM, 3), fps=24.0, total_frames=150)
    sample = render_draw(draw, cfg)
    assert sample.opening == 60
    short = render_draw(replace(draw, total_frames=60), cfg, opening_s=0.0)
    assert short.opening is None
    opening = prepare_clip(sample, cfg.num_frames, cfg.size, cfg.film_diff, span=sample.opening)
    assert np.array_equal(opening.numpy(), prepare_clip(short, cfg.num_frames, cfg.size, cfg.film_diff).numpy())
    assert not np.array_equal(opening.numpy(), prepare_clip(sample, cfg.num_frames, cfg.size, cfg.film_diff).numpy())
    assert render_draw(draw, cfg, opening_s=0.0).opening is None
    whole = FrameSample.whole(np.zeros((100, 8, 8, 3), np.uint8), fps=24.0)
    assert whole.opening == 60 and whole.index == tuple(range(100))
    assert FrameSample.whole(np.zeros((100, 8, 8, 3), np.uint8), fps=None).opening is None
    with pytest.raises(InputError, match="first 200 frames"):
        prepare_clip(np.zeros((100, 8, 8, 3), np.uint8), 4, 16, span=200)


def test_prediction_combines_the_whole_and_opening_readings():
    """A clip read whole and over its opening gets the renormalised geometric mean of the two
    readings (each as ``predict`` gives it for that clip alone); a clip without an opening, in the
    same batch, keeps its single reading; ``opening=False`` reads every clip once. Clouds keep the
    whole-clip reading."""
    import torch

    from generation.eval.clip_input import FrameSample
    from generation.eval.evaluator import Evaluator, EvaluatorConfig
    from generation.eval.metrics import WHOLE_READING_ONLY, predict

    torch.manual_seed(0)
    model = Evaluator(EvaluatorConfig(widths=(8, 8, 8, 8), feature_dim=16)).eval()
    frames = np.random.default_rng(1).integers(0, 256, (90, 36, 64, 3), dtype=np.uint8)
    long = FrameSample.whole(frames, fps=24.0)
    assert long.opening == 60
    short = frames[:30]
    both, feats = predict(model, [short, long, short], batch=2)  # readings straddle batches
    alone, alone_feats = predict(model, [frames, frames[:60], short])
    once, once_feats = predict(model, [short, long, short], opening=False)
    assert WHOLE_READING_ONLY == {"clouds"}
    assert np.allclose(both["clouds"], once["clouds"], atol=2e-3)
    assert np.allclose(both["clouds"][1], alone["clouds"][0], atol=2e-3)
    for name in set(both) - WHOLE_READING_ONLY:
        p = np.sqrt(alone[name][0] * alone[name][1])
        assert np.allclose(both[name][1], p / p.sum(), atol=2e-3)
        assert np.allclose(both[name][[0, 2]], alone[name][[2, 2]], atol=2e-3)
        assert np.allclose(once[name][1], alone[name][0], atol=2e-3)
    assert not np.allclose(both["subject_motion"][1], once["subject_motion"][1], atol=1e-4)
    assert feats.shape == (3, 16) and np.allclose(feats[1], alone_feats[0], atol=1e-4)
    assert np.allclose(feats, once_feats, atol=1e-4)


def test_attribute_accuracy_counts_each_misread_by_what_was_asked_and_what_was_read():
    """The misreads add up to the misses of each attribute and name classes by their values, most
    frequent first, so a benchmark can say which confusions make up a figure."""
    import torch

    from generation.eval.evaluator import Evaluator, EvaluatorConfig
    from generation.eval.metrics import attribute_accuracy, predict
    from generation.world.sample import sample_spec

    torch.manual_seed(0)
    model = Evaluator(EvaluatorConfig(widths=(8, 8, 8, 8), feature_dim=16)).eval()
    rng = np.random.default_rng(3)
    clips = [rng.integers(0, 256, (20, 36, 64, 3), dtype=np.uint8) for _ in range(6)]
    specs = [sample_spec(rng) for _ in clips]
    result = attribute_accuracy(model, clips, specs)
    probs, _ = predict(model, clips)
    for name, classes in model.config.heads.items():
        asked = [getattr(s, name).value for s in specs]
        read = [classes[i] for i in probs[name].argmax(-1)]
        misses = sum(a != r for a, r in zip(asked, read))
        assert result.per_attribute[name] == pytest.approx(1 - misses / len(clips))
        assert sum(result.misreads[name].values()) == misses
        assert list(result.misreads[name].values()) == sorted(result.misreads[name].values(), reverse=True)
        for pair, n in result.misreads[name].items():
            a, r = pair.split(" -> ")
            assert a != r and n == sum(x == a and y == r for x, y in zip(asked, read))
