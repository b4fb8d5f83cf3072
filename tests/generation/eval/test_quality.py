"""Generator quality on held-out prompts: the prompts are a fixed, reproducible stream whose captions
parse back to the spec they are scored against; scoring a set counts exactly the agreements between
the evaluator's reading and the asked spec; seams are measured where windows join; and one whole
measurement (generate, render, score, seams) runs end to end with a tiny real generator and the
shipped evaluator, giving every case the bench prints."""

from __future__ import annotations

import numpy as np
import pytest

from generation.eval.evaluator import load_evaluator
from generation.eval.metrics import predict
from generation.eval.quality import (
    QUALITY_STREAM,
    TARGET_ATTRIBUTES,
    heldout_prompts,
    render_reference,
    score_clips,
)
from generation.eval.quality_run import QualitySettings, measure_quality
from generation.eval.seams import group_join_ratio, seam_ratio
from generation.world.parse import parse_prompt
from generation.world.spec import SCORED_ATTRIBUTES
from reelgraph.errors import InputError


@pytest.fixture(scope="module")
def evaluator():
    return load_evaluator()


def test_heldout_prompts_are_a_fixed_stream_that_parses_back():
    """Same prompts on every call, windows of the stream agree, and every detailed caption states
    every scored attribute of its spec (so the spec is a fair truth for all of them)."""
    a = heldout_prompts(12)
    assert a == heldout_prompts(12)
    assert heldout_prompts(4, start=8) == a[8:]
    assert len({p.prompt for p in a}) == 12 and len({p.seed for p in a}) == 12
    for p in a:
        parsed = parse_prompt(p.prompt)
        for name in SCORED_ATTRIBUTES:
            assert getattr(parsed.spec, name) == getattr(p.spec, name), (p.prompt, name)
    assert QUALITY_STREAM not in (1, 2, 3)  # clip_source's train / held-out / test streams
    with pytest.raises(InputError, match="style"):
        heldout_prompts(2, style="poetic")
    with pytest.raises(InputError, match="count"):
        heldout_prompts(0)


def test_reference_renders_are_the_spec_at_the_asked_size():
    """The reference render is deterministic; variant 1 is another render (other pixels) of the same spec."""
    p = heldout_prompts(1)[0]
    a = render_reference(p, 64, 36, 6, 24.0)
    assert a.shape == (6, 36, 64, 3) and a.dtype == np.uint8
    assert np.array_equal(a, render_reference(p, 64, 36, 6, 24.0))
    assert not np.array_equal(a, render_reference(p, 64, 36, 6, 24.0, variant=1))


def test_score_clips_counts_agreements(evaluator):
    """Against the specs the evaluator reads, accuracy is 1 everywhere with no confusions; against the
    true specs it is exactly the fraction of agreeing argmaxes, and each confusion is a real mistake."""
    prompts = heldout_prompts(6)
    clips = [render_reference(p, 96, 54, 12, 24.0) for p in prompts]
    probs, _ = predict(evaluator, clips)
    heads = evaluator.config.heads
    read = [p.spec.model_copy(update={n: SCORED_ATTRIBUTES[n](heads[n][int(probs[n][i].argmax())]) for n in heads})
            for i, p in enumerate(prompts)]
    agree = score_clips(evaluator, clips, read)
    assert all(v == 1.0 for v in agree.accuracy.values()) and not any(agree.confusions.values())
    truth = score_clips(evaluator, clips, [p.spec for p in prompts])
    for name in heads:
        expected = np.mean([getattr(p.spec, name).value == getattr(r, name).value for p, r in zip(prompts, read)])
        assert truth.accuracy[name] == pytest.approx(expected)
        assert sum(n for _, _, n in truth.confusions[name]) <= round((1 - expected) * len(clips))
        assert all(asked != seen for asked, seen, _ in truth.confusions[name])
    assert truth.mean_accuracy == pytest.approx(np.mean(list(truth.accuracy.values())))
    assert truth.features.shape == (6, evaluator.config.feature_dim)
    assert 0.0 < truth.temporal_consecutive <= 1.0 + 1e-5
    still = score_clips(evaluator, [np.repeat(clips[0][:1], 8, 0)], read[:1])
    assert still.temporal_consecutive == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(InputError, match="one spec per clip"):
        score_clips(evaluator, clips, read[:2])


def test_seam_ratio_sees_a_jump_at_the_join():
    """A clip that changes smoothly scores ~1 at any join; the same clip with a jump at the join scores high."""
    t = np.arange(12, dtype=np.float64)[:, None, None, None]
    smooth = np.broadcast_to(40 + 3 * t, (12, 8, 8, 3)).astype(np.uint8)
    assert seam_ratio(smooth, (6,)) == pytest.approx(1.0)
    jumped = smooth.copy()
    jumped[6:] += 60
    assert seam_ratio(jumped, (6,)) > 10
    assert seam_ratio(smooth, ()) is None


def test_group_join_ratio_sees_a_stutter_every_fourth_frame():
    """Smooth motion scores 1; the same motion made in steps at latent-group joins (frames still
    inside each group) scores high; a window join is not counted as a group join."""
    t = np.arange(25, dtype=np.float64)[:, None, None, None]
    smooth = np.broadcast_to(20 + 4 * t, (25, 8, 8, 3)).astype(np.uint8)
    assert group_join_ratio(smooth) == pytest.approx(1.0)
    group_start = np.concatenate([[0], 1 + 4 * ((np.arange(1, 25) - 1) // 4)])[:, None, None, None]
    held = 20 + 4 * group_start  # each group frozen at its first frame: all motion at the joins
    stepped = (0.5 * smooth + 0.5 * held).astype(np.uint8)  # half the motion comes in steps
    assert group_join_ratio(stepped) > 3
    jumped = smooth.copy()
    jumped[9:] += 80  # a window starting at frame 9, on the group grid
    assert group_join_ratio(jumped, joins=(9,)) == pytest.approx(1.0)
    assert group_join_ratio(smooth[:6]) is None


def test_measure_quality_end_to_end(text_encoder, evaluator):
    """A tiny real generator (random weights, 9-frame windows) through the whole measurement: every
    head is scored for generated and rendered clips, both Fréchet figures exist, the long clip is
    several windows with its joins measured, the generated and round-tripped clips' motion is measured
against the renders, and the rows carry what the bench prints."""
    from tests.generation.generator_fixtures import tiny_generator

    gen = tiny_generator(text_encoder)
    calls = []
    report = measure_quality(gen, evaluator, QualitySettings(count=3, seconds=0.5, steps=1, long_count=1, long_seconds=1.0),
                             on_progress=lambda phase, done, total: calls.append((phase, done, total)))
    assert ("generate", 3, 3) in calls and ("render", 3, 3) in calls and ("long", 1, 1) in calls
    assert ("round trip", 3, 3) in calls
    assert set(report.generated.accuracy) == set(evaluator.config.heads) == set(report.rendered.accuracy)
    assert set(report.reconstructed.accuracy) == set(evaluator.config.heads) and report.reconstructed.clips == 3
    assert report.frechet_generated_vs_rendered >= 0 and report.frechet_rendered_vs_rendered >= 0
    (seam,) = report.seams
    assert seam.frames == 24 and seam.windows > 1 and len(seam.joins) == seam.windows - 1
    assert seam.generated_seam_ratio is not None and seam.rendered_seam_ratio is not None
    assert seam.generated_group_join_ratio is not None and seam.rendered_group_join_ratio is not None
    rows = {r["case"]: r for r in report.rows()}
    assert set(rows) == {"generated", "world_render", "autoencoder_round_trip", "seams"}
    assert set(rows["autoencoder_round_trip"]["loss_vs_render"]) == set(evaluator.config.heads)
    assert (rows["generated"]["width"], rows["generated"]["height"], rows["generated"]["steps"]) == (128, 72, 1)
    assert set(rows["generated"]["limited_by"]) == set(TARGET_ATTRIBUTES)
    assert set(rows["generated"]["limited_by"].values()) <= {"met", "generator", "autoencoder", "evaluator"}
    for case, transfer in (("generated", report.motion_generated), ("autoencoder_round_trip", report.motion_reconstructed)):
        assert rows[case]["motion"] == transfer.summary()
        assert set(rows[case]["motion"]) == {"moving_clips", "speed_ratio", "direction_agreement", "mean_cosine"}
        assert 0 <= transfer.clips <= 3
    skipped = measure_quality(gen, evaluator, QualitySettings(count=2, seconds=0.5, steps=1, long_count=0, reconstruct=False))
    assert skipped.reconstructed is None and "autoencoder_round_trip" not in {r["case"] for r in skipped.rows()}
    assert skipped.motion_reconstructed is None and skipped.motion_generated is not None
    with pytest.raises(InputError, match="long_count"):
        measure_quality(gen, evaluator, QualitySettings(count=1, long_count=2))
