"""The evaluator network and its checkpoint format: any clip shape in, one head per scored attribute
out, safetensors round-trip with the config inside, and clear errors for files that are not ours."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from generation.eval.clip_input import prepare_clip
from generation.eval.evaluator import Evaluator, EvaluatorConfig, load_evaluator, save_evaluator
from generation.world.spec import SCORED_ATTRIBUTES
from reelgraph.errors import InputError, ModelUnavailable
from tests.generation.eval.evaluator_fixtures import assert_reads_alike


def tiny() -> Evaluator:
    torch.manual_seed(0)
    return Evaluator(EvaluatorConfig(widths=(8, 8, 8, 8), feature_dim=16)).eval()


@pytest.mark.parametrize("shape", [(30, 72, 128), (5, 128, 72), (1, 50, 50), (97, 9, 301)])
def test_prepare_clip_any_length_and_aspect(shape):
    """Clips of any length and aspect (16:9, 9:16, 1:1, extreme) become (3, T, S, S) in [-1, 1]
    with the content centred and grey (0) bars where the aspect does not fill the square."""
    t, h, w = shape
    frames = np.full((t, h, w, 3), 255, np.uint8)
    x = prepare_clip(frames, 8, 64)
    assert x.shape == (3, 8, 64, 64)
    assert float(x.max()) == pytest.approx(1.0) and float(x.min()) >= -1.0
    if h > w * 1.2:  # tall clip: bars left and right
        assert float(x[:, :, :, 0].abs().max()) == 0.0 and float(x[:, :, 32, 32].min()) == pytest.approx(1.0)
    if w > h * 1.2:  # wide clip: bars top and bottom
        assert float(x[:, :, 0, :].abs().max()) == 0.0


def test_prepare_clip_samples_whole_clip_evenly():
    """Frame i of a 100-frame clip whose frames are numbered by brightness: first and last are kept."""
    frames = np.stack([np.full((16, 16, 3), i, np.uint8) for i in range(100)])
    x = prepare_clip(frames, 8, 16)
    levels = ((x[0, :, 8, 8] + 1) * 127.5).round().int().tolist()
    assert levels[0] == 0 and levels[-1] == 99 and levels == sorted(levels)


def test_prepare_clip_with_previous_film_frames():
    """With ``film_diff`` each sample comes with the film frame before it (the first frame with
    itself), and the frames an evaluator reads, rendered alone, give exactly the whole clip's tensor."""
    from generation.eval.clip_input import FrameSample, frames_needed

    frames = np.stack([np.full((16, 16, 3), 2 * i, np.uint8) for i in range(100)])
    x = prepare_clip(frames, 8, 16, film_diff=True)
    assert x.shape == (6, 8, 16, 16)
    now = ((x[0, :, 8, 8] + 1) * 127.5).round().int()
    before = ((x[3, :, 8, 8] + 1) * 127.5).round().int()
    assert now[0] == before[0] == 0 and (now[1:] - before[1:] == 2).all()
    wanted = frames_needed(100, 8, True)
    assert len(wanted) == 15  # 8 samples, 7 frames before them (frame 0 is its own)
    sample = FrameSample(frames=frames[list(wanted)], index=wanted, total=100)
    assert torch.equal(prepare_clip(sample, 8, 16, film_diff=True), x)
    assert torch.equal(prepare_clip(sample, 8, 16), prepare_clip(frames, 8, 16))
    with pytest.raises(InputError, match="not sampled"):
        prepare_clip(sample, 9, 16)


def test_a_film_diff_network_starts_as_the_one_it_grows_from():
    """Started from a network without film differences, one with them gives the same features for any
    input until training moves its new stem channels; it also reads clips without previous frames."""
    torch.manual_seed(0)
    old = Evaluator(EvaluatorConfig(widths=(8, 8, 8, 8), feature_dim=16, film_diff=False, flow=False)).eval()
    new = Evaluator(EvaluatorConfig(widths=(8, 8, 8, 8), feature_dim=16, film_diff=True, flow=False)).eval()
    new.load_start(old)
    x = torch.rand(2, 6, 5, 32, 32) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(new.features(x), old.features(x[:, :3]), atol=1e-6)
        assert torch.allclose(new.features(x[:, :3]), old.features(x[:, :3]), atol=1e-6)
        new.stem[0].weight[:, 6:] += 0.1
        assert not torch.allclose(new.features(x), old.features(x[:, :3]), atol=1e-4)
    with pytest.raises(InputError, match="cannot start"):
        old.load_start(new)
    with pytest.raises(InputError, match="reads"):
        new.features(torch.zeros(1, 4, 2, 32, 32))


def test_forward_heads_and_features():
    """One logit vector per scored attribute (sized by its vocabulary) and a feature per clip, for
    any number of frames (a single frame included)."""
    model = tiny()
    for t in (1, 8, 12):
        logits, feats = model(torch.zeros(2, 3, t, 64, 64))
        assert set(logits) == set(SCORED_ATTRIBUTES)
        for name, enum in SCORED_ATTRIBUTES.items():
            assert logits[name].shape == (2, len(enum))
        assert feats.shape == (2, 16) and torch.isfinite(feats).all()


def test_static_clip_features_do_not_change_over_time():
    """Time is padded by repetition, so a still clip's per-step features are identical: the change
    half of the feature vector is exactly zero and the result equals the one-frame reading."""
    model = tiny()
    frame = torch.rand(1, 3, 1, 64, 64) * 2 - 1
    f8 = model.features(frame.expand(1, 3, 8, 64, 64).contiguous())
    f1 = model.features(frame)
    assert torch.allclose(f8, f1, atol=1e-5)


def test_save_load_roundtrip(tmp_path):
    """The checkpoint rebuilds the same network from the config stored inside it."""
    model = tiny()
    path = tmp_path / "ev.safetensors"
    save_evaluator(model, path, {"note": "test"})
    assert path.with_suffix(".json").is_file()
    loaded = load_evaluator(path)
    assert loaded.config == model.config
    x = torch.rand(2, 3, 8, 64, 64) * 2 - 1
    with torch.no_grad():
        a, fa = model(x)
        b, fb = loaded(x)
    assert torch.allclose(fa, fb) and all(torch.allclose(a[k], b[k]) for k in a)


def test_load_rejects_bad_files(tmp_path):
    """A missing file is ModelUnavailable; a pickle, a truncated file, or a foreign safetensors file
    is an InputError naming the file, never an unpickling or a crash."""
    with pytest.raises(ModelUnavailable):
        load_evaluator(tmp_path / "nope.safetensors")
    pickled = tmp_path / "pickled.safetensors"
    torch.save(tiny().state_dict(), pickled)
    with pytest.raises(InputError, match="pickled.safetensors"):
        load_evaluator(pickled)
    good = tmp_path / "good.safetensors"
    save_evaluator(tiny(), good)
    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(InputError):
        load_evaluator(truncated)
    from safetensors.torch import save_file

    foreign = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(3)}, str(foreign))
    with pytest.raises(InputError, match="not a reelgraph evaluator"):
        load_evaluator(foreign)


def test_prepare_clip_rejects_non_clips():
    with pytest.raises(InputError):
        prepare_clip(np.zeros((4, 8, 8), np.uint8), 8, 64)
    with pytest.raises(InputError):
        prepare_clip(np.zeros((4, 8, 8, 3), np.float32), 8, 64)
    with pytest.raises(InputError):
        prepare_clip(np.zeros((0, 8, 8, 3), np.uint8), 8, 64)


def test_weights_without_the_peak_branch_load_and_score_unchanged():
    """An evaluator trained before the peak branch existed starts a network that has one with the
    same scores (the branch begins at zero), and its stored config still reads as branch-less."""
    torch.manual_seed(1)
    old = Evaluator(EvaluatorConfig(widths=(8, 8, 8, 8), feature_dim=16, peak_branch=False)).eval()
    new = Evaluator(EvaluatorConfig(widths=(8, 8, 8, 8), feature_dim=16, peak_branch=True)).eval()
    missing = new.load_state_dict(old.state_dict(), strict=False).missing_keys
    assert sorted(missing) == ["peak.bias", "peak.weight"]
    x = torch.rand(2, 3, 8, 64, 64) * 2 - 1
    with torch.no_grad():
        a, fa = old(x)
        b, fb = new(x)
    assert torch.allclose(fa, fb, atol=1e-6) and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    legacy = EvaluatorConfig(widths=(8, 8, 8, 8), feature_dim=16).to_json().replace(', "peak_branch": true', "")
    assert "peak_branch" not in legacy and EvaluatorConfig.from_json(legacy).peak_branch is False



@pytest.mark.parametrize("film_diff", [False, True])
def test_rendered_samples_read_as_the_whole_clip(film_diff):
    """The world renders only the frames an evaluator reads; read, they give exactly the tensor the
    whole rendered clip gives."""
    from dataclasses import replace

    from generation.eval.clip_source import TEST_STREAM, draw_clip, render_draw
    from generation.world.render import render_clip

    draw = next(d for d in (draw_clip(TEST_STREAM, 40_000 + i) for i in range(50)) if 30 <= d.total_frames <= 60)
    reader = replace(EvaluatorConfig(), film_diff=film_diff, flow=film_diff)
    sample = render_draw(draw, reader)
    whole = render_clip(draw.spec, width=draw.width, height=draw.height, num_frames=draw.total_frames, fps=draw.fps,
                        seed=draw.seed)
    assert len(sample.index) < draw.total_frames
    assert torch.equal(prepare_clip(sample, 12, 96, film_diff), prepare_clip(whole, 12, 96, film_diff))


def test_weights_without_the_subject_branch_load_and_score_unchanged():
    """An evaluator trained before the subject branch starts one that has it with the same features and
    logits (its projections begin at zero); the branch still predicts a mask per first-stage cell."""
    torch.manual_seed(2)
    old = Evaluator(EvaluatorConfig(widths=(8, 8, 8, 8), feature_dim=16, subject_track=False)).eval()
    new = Evaluator(EvaluatorConfig(widths=(8, 8, 8, 8), feature_dim=16, subject_track=True)).eval()
    new.load_start(old)
    x = torch.rand(2, 6, 5, 64, 64) * 2 - 1
    with torch.no_grad():
        a, fa = old(x)
        b, fb, mask = new.forward_with_mask(x)
        assert old.forward_with_mask(x)[2] is None
        assert torch.allclose(fa, fb, atol=1e-6) and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
        assert mask.shape == (2, 5, 8, 8)  # 64-px canvas, 4-px stem cells, one stride-2 stage
        new.track.track_proj.weight += 0.1 * torch.randn_like(new.track.track_proj.weight)  # (a uniform shift LayerNorm removes)
        assert not torch.allclose(new.features(x), fa, atol=1e-4)
    with pytest.raises(InputError, match="cannot start"):
        old.load_start(new)
    legacy = EvaluatorConfig(widths=(8, 8, 8, 8), feature_dim=16).to_json().replace(', "subject_track": true', "")
    assert "subject_track" not in legacy and EvaluatorConfig.from_json(legacy).subject_track is False
    with pytest.raises(InputError, match="at least 3 widths"):
        EvaluatorConfig(widths=(8, 8), subject_track=True)


def test_subject_track_reads_drift_growth_and_bounce_from_a_mask():
    """The track summary turns a mask sequence into the quantities subject motion is made of: a blob
    drifting right has a positive centroid slope, one growing a positive log-area slope, one
    bouncing a vertical residual spread and no drift; an empty mask reads as no subject, centred."""
    from generation.eval.subject_track import PER_FRAME, track_summary

    t, g = 8, 12
    yy, xx = torch.meshgrid(torch.arange(g).float(), torch.arange(g).float(), indexing="ij")

    def blob(cx, cy, r):
        return ((xx - cx) ** 2 + (yy - cy) ** 2 <= r * r).float()

    def summary(frames):
        return track_summary(torch.stack(frames), t, None, None)[0]

    mean, slope, spread = (slice(k * PER_FRAME, (k + 1) * PER_FRAME) for k in range(3))
    right = summary([blob(2 + i, 6, 1.5) for i in range(t)])
    grow = summary([blob(6, 6, 1 + 0.5 * i) for i in range(t)])
    bounce = summary([blob(6, 6 + (2 if i % 2 else -2), 1.5) for i in range(t)])
    none = summary([torch.zeros(g, g) for _ in range(t)])
    assert right[slope][1] > 0.5 and abs(right[slope][2]) < 1e-4  # column drifts, row does not
    assert grow[slope][0] > 0.1 and abs(grow[slope][1]) < 1e-4
    assert bounce[spread][2] > 0.2 and abs(bounce[slope][1]) < 1e-4
    assert none[mean][0] < right[mean][0] and torch.allclose(none[mean][1:3], torch.zeros(2))
    one = track_summary(blob(3, 3, 2)[None], 1, None, None)
    assert one.shape == (1, 3 * PER_FRAME) and not one[0, PER_FRAME:].any()


def test_weights_without_the_motion_mixer_load_and_score_unchanged():
    """An evaluator trained before the motion mixer starts one that has it with the same logits (its
    output layer begins at zero); the mixer's parameters are the ones reported new to the start, and
    once trained they move the features."""
    torch.manual_seed(3)
    small = dict(widths=(8, 8, 8, 8), feature_dim=16)
    old = Evaluator(EvaluatorConfig(**small, motion_mixer=False)).eval()
    new = Evaluator(EvaluatorConfig(**small, motion_mixer=True)).eval()
    assert old.mixer is None and new.mixer is not None
    new.load_start(old)
    assert new.parameters_new_to(old) == {n for n, _ in new.named_parameters() if n.startswith("mixer.")}
    x = torch.rand(2, 6, 5, 64, 64) * 2 - 1
    with torch.no_grad():
        a, fa = old(x)
        b, fb = new(x)
        assert torch.allclose(fa, fb, atol=1e-6) and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
        new.mixer.out.weight += 0.1 * torch.randn_like(new.mixer.out.weight)
        assert not torch.allclose(new.features(x), fa, atol=1e-4)
        assert torch.allclose(new.features(x[:, :3]), old.features(x[:, :3]), atol=1e-6)  # no film frames: no motion to mix
    with pytest.raises(InputError, match="cannot start"):
        old.load_start(new)
    legacy = EvaluatorConfig(**small).to_json().replace(', "motion_mixer": true', "")
    assert "motion_mixer" not in legacy and EvaluatorConfig.from_json(legacy).motion_mixer is False
    assert Evaluator(EvaluatorConfig(**small, flow=False, motion_mixer=True)).mixer is None  # nothing to mix without flow


def test_motion_mixer_compares_the_subjects_motion_with_the_cameras():
    """"Is the subject moving?" is the XOR of its screen drift and the camera's pan (drifting with a
    still camera, or holding its place in frame while the camera pans): no linear read of the two
    summaries answers it, the mixer's hidden layer does."""
    from generation.eval.motion import SUMMARY_SIZE
    from generation.eval.motion_mixer import MotionMixer
    from generation.eval.subject_track import TRACK_SIZE

    g = torch.Generator().manual_seed(0)
    n = 512
    drift = torch.randint(0, 2, (n,), generator=g).float()
    pan = torch.randint(0, 2, (n,), generator=g).float()
    track = 0.05 * torch.randn(n, TRACK_SIZE, generator=g)
    flow = 0.05 * torch.randn(n, SUMMARY_SIZE, generator=g)
    track[:, 5] += drift  # the centroid's mean motion against the background
    flow[:, 0] += pan  # the background's median motion
    moving = (drift != pan).long()

    def fit(model: torch.nn.Module) -> float:
        head = torch.nn.Linear(16, 2)
        opt = torch.optim.Adam(list(model.parameters()) + list(head.parameters()), lr=1e-2)
        for _ in range(300):
            loss = F.cross_entropy(head(model(track, flow)), moving)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return (head(model(track, flow)).argmax(1) == moving).float().mean().item()

    class Linear(torch.nn.Module):  # what the evaluator had: one projection of the concatenated summaries
        def __init__(self):
            super().__init__()
            self.proj = torch.nn.Linear(TRACK_SIZE + SUMMARY_SIZE, 16)

        def forward(self, t: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
            return self.proj(torch.cat([t, f], dim=1))

    torch.manual_seed(0)
    mixer = MotionMixer(TRACK_SIZE, SUMMARY_SIZE, 16)
    mixer.initialize_weights()
    torch.nn.init.normal_(mixer.out.weight, std=0.1)  # (zero-started in the evaluator, where its heads are trained)
    assert fit(mixer) > 0.98
    assert fit(Linear()) < 0.8


def test_weights_without_the_mask_context_load_and_score_unchanged():
    """An evaluator trained before the mask's context head starts one that has it with the same
    logits and the same mask (its output layer begins at zero); the context head's parameters are
    the ones reported new to the start; an older checkpoint's config reads as one without it."""
    torch.manual_seed(4)
    small = dict(widths=(8, 8, 8, 8), feature_dim=16)
    old = Evaluator(EvaluatorConfig(**small, mask_context=False)).eval()
    new = Evaluator(EvaluatorConfig(**small, mask_context=True)).eval()
    assert old.track.context_head is None and new.track.context_head is not None
    new.load_start(old)
    assert new.parameters_new_to(old) == {n for n, _ in new.named_parameters() if n.startswith("track.context_head.")}
    assert_reads_alike(old, new, torch.rand(2, 6, 5, 64, 64) * 2 - 1)
    with pytest.raises(InputError, match="cannot start"):
        old.load_start(new)
    legacy = EvaluatorConfig(**small).to_json().replace(', "mask_context": true', "")
    assert "mask_context" not in legacy and EvaluatorConfig.from_json(legacy).mask_context is False


def test_the_mask_context_sees_beyond_the_first_stage():
    """Without the context head a mask cell sees only its neighbourhood of the first stage (a dog
    is told from a tree trunk by little more than its outline); with it, the deeper stages' view of
    the whole frame reaches every cell: changing the far corner of the frame changes the mask at
    the opposite corner only when the context head is there."""
    torch.manual_seed(5)
    small = dict(widths=(8, 8, 8, 8), feature_dim=16)
    x = torch.rand(1, 6, 3, 64, 64) * 2 - 1
    far = x.clone()
    far[..., 40:, 40:] = -far[..., 40:, 40:]
    for context, expect_change in ((False, False), (True, True)):
        net = Evaluator(EvaluatorConfig(**small, mask_context=context)).eval()
        if context:
            torch.nn.init.normal_(net.track.context_head[2].weight, std=0.5)  # as if trained
        with torch.no_grad():
            m0 = net.forward_with_mask(x)[2][..., 0, 0]
            m1 = net.forward_with_mask(far)[2][..., 0, 0]
        assert (not torch.allclose(m0, m1, atol=1e-6)) == expect_change


def test_weights_without_the_standardized_mixer_load_and_score_unchanged():
    """An evaluator whose mixer reads only the LayerNorm'd summaries starts one whose mixer also
    reads them standardised with the same logits, in training mode too (the new path's output layer
    begins at zero); the new path's parameters are the ones reported new; an older checkpoint's
    config reads as one without it."""
    torch.manual_seed(6)
    small = dict(widths=(8, 8, 8, 8), feature_dim=16, dropout=0.0)  # so training mode is deterministic
    old = Evaluator(EvaluatorConfig(**small, mixer_standardized=False))
    new = Evaluator(EvaluatorConfig(**small, mixer_standardized=True))
    assert old.mixer.standardize is None and new.mixer.standardize is not None
    new.load_start(old)
    assert new.parameters_new_to(old) == {n for n, _ in new.named_parameters() if n.startswith(("mixer.std_hidden.", "mixer.std_out."))}
    x = torch.rand(3, 6, 5, 64, 64) * 2 - 1
    for train in (False, True):
        old.train(train)
        new.train(train)
        with torch.no_grad():
            a, fa = old(x)
            b, fb = new(x)
        assert torch.allclose(fa, fb, atol=1e-6) and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    with pytest.raises(InputError, match="cannot start"):
        old.load_start(new)
    legacy = EvaluatorConfig(**small).to_json().replace(', "mixer_standardized": true', "")
    assert "mixer_standardized" not in legacy and EvaluatorConfig.from_json(legacy).mixer_standardized is False


def test_the_standardized_mixer_learns_from_a_small_but_telling_number():
    """The subject's area slope varies little from clip to clip next to the flow's numbers, yet tells
    an approach from a retreat. After a per-clip LayerNorm it stays small and the mixer learns from
    it slowly; scaled to unit spread over clips it is learned at once. Here the label is carried by
    one track number of spread 0.03 among 64 others of spread 1: in 60 steps the LayerNorm'd mixer
    stays at chance on fresh examples, the standardised one does not."""
    from generation.eval.motion import SUMMARY_SIZE
    from generation.eval.motion_mixer import MotionMixer
    from generation.eval.subject_track import TRACK_SIZE

    g = torch.Generator().manual_seed(0)

    def examples(n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        label = torch.randint(0, 2, (n,), generator=g)
        track = torch.randn(n, TRACK_SIZE, generator=g)
        flow = torch.randn(n, SUMMARY_SIZE, generator=g)
        track[:, 7] = 0.03 * (2 * label.float() - 1) + 0.01 * torch.randn(n, generator=g)  # the area's slope
        return track, flow, label

    train, test = examples(512), examples(512)
    accuracy = {}
    for standardized in (False, True):
        torch.manual_seed(0)
        mixer = MotionMixer(TRACK_SIZE, SUMMARY_SIZE, 16, standardized=standardized)
        mixer.initialize_weights()
        for out in (mixer.out, mixer.std_out):  # (zero-started in the evaluator, where its heads are trained)
            if out is not None:
                torch.nn.init.normal_(out.weight, std=0.1)
        head = torch.nn.Linear(16, 2)
        opt = torch.optim.Adam(list(mixer.parameters()) + list(head.parameters()), lr=3e-3)
        for _ in range(60):
            loss = F.cross_entropy(head(mixer(train[0], train[1])), train[2])
            opt.zero_grad()
            loss.backward()
            opt.step()
        mixer.eval()
        with torch.no_grad():
            accuracy[standardized] = (head(mixer(test[0], test[1])).argmax(1) == test[2]).float().mean().item()
    assert accuracy[False] < 0.6 < 0.7 < accuracy[True], accuracy
