"""The training loop runs on real rendered clips, writes a safetensors state it can resume from
(steps and AdamW moments carried over), logs held-out accuracy per attribute and exports a
checkpoint that ``load_evaluator`` accepts."""

from __future__ import annotations

import json

import pytest

from generation.eval.evaluator import EvaluatorConfig, load_evaluator
from generation.eval.train_evaluator import TrainConfig, train


def last_meta(path) -> str:
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        return json.dumps(f.metadata())


@pytest.mark.slow  # ~20 s: a DataLoader worker renders real clips
def test_train_resume_and_export(tmp_path):
    cfg = TrainConfig(out_dir=tmp_path / "run", export_to=tmp_path / "ev.safetensors", steps=2, batch_size=4,
                      fresh_per_batch=2, heldout_clips=6, eval_every=2, log_every=1, checkpoint_every_s=0,
                      model=EvaluatorConfig(widths=(8, 8, 8, 8), feature_dim=16))
    first = train(cfg)
    assert first["step"] == 2 and (cfg.out_dir / "state.safetensors").is_file()
    cfg.steps = 4
    second = train(cfg)
    assert second["step"] == 4 and second["clips"] == 8
    rows = [json.loads(line) for line in (cfg.out_dir / "log.jsonl").read_text().splitlines()]
    evals = [r for r in rows if "heldout" in r]
    assert [r["step"] for r in evals] == [2, 4]
    assert set(evals[-1]["heldout"]) == set(cfg.model.heads)
    assert load_evaluator(tmp_path / "ev.safetensors").config == cfg.model
    from generation.eval.train_evaluator import main

    main(["--out", str(cfg.out_dir), "--export-last", str(tmp_path / "last.safetensors")])  # the state at step 4
    last = load_evaluator(tmp_path / "last.safetensors")
    assert last.config == cfg.model and json.loads(last_meta(tmp_path / "last.safetensors"))["steps"] == "4"


@pytest.mark.slow  # ~10 s: a DataLoader worker renders real clips
def test_new_run_starts_from_given_weights(tmp_path):
    """``init_from`` starts a run from an evaluator trained before (one without the peak branch
    included); an evaluator of another shape is refused with a clear error."""
    import torch

    from generation.eval.evaluator import Evaluator, save_evaluator
    from generation.eval.train_evaluator import load_state
    from reelgraph.errors import InputError

    small = dict(widths=(8, 8, 8, 8), feature_dim=16)
    torch.manual_seed(3)
    start = Evaluator(EvaluatorConfig(**small, peak_branch=False, film_diff=False, flow=False))
    save_evaluator(start, tmp_path / "start.safetensors")
    cfg = TrainConfig(out_dir=tmp_path / "run", export_to=None, steps=0, batch_size=4, fresh_per_batch=2,
                      heldout_clips=2, checkpoint_every_s=0, init_from=tmp_path / "start.safetensors",
                      model=EvaluatorConfig(**small, film_diff=True))
    train(cfg)
    model = Evaluator(cfg.model)
    opt = torch.optim.AdamW(model.parameters())
    load_state(cfg.out_dir / "state.safetensors", model, opt)
    for name, value in start.state_dict().items():
        if name == "stem.0.weight":  # RGB and sample differences taken; film differences start unread
            assert torch.equal(model.stem[0].weight[:, :6], value) and not model.stem[0].weight[:, 6:].any()
        else:
            assert torch.equal(model.state_dict()[name], value), name
    assert not model.peak.weight.any()
    other = TrainConfig(out_dir=tmp_path / "run2", export_to=None, steps=0, heldout_clips=2,
                        init_from=tmp_path / "start.safetensors", model=EvaluatorConfig(widths=(8, 8, 8, 8), feature_dim=24))
    with pytest.raises(InputError, match="another shape"):
        train(other)
    other.model = EvaluatorConfig(widths=(8, 8, 8, 4), feature_dim=16)
    with pytest.raises(InputError, match="can only widen"):
        train(other)


@pytest.mark.slow  # ~10 s: a DataLoader worker renders real clips
def test_a_run_with_wider_stages_starts_from_narrower_weights(tmp_path):
    """``--widths`` wider than the ``--init`` weights' grows them (``widen``): the run's first state
    holds the old weights in its leading channels and reads every held-out clip as the start did."""
    import torch

    from generation.eval.evaluator import Evaluator, save_evaluator
    from generation.eval.train_evaluator import heldout_set, load_state

    torch.manual_seed(5)
    start = Evaluator(EvaluatorConfig(widths=(8, 8, 8, 8), feature_dim=16)).eval()
    save_evaluator(start, tmp_path / "start.safetensors")
    cfg = TrainConfig(out_dir=tmp_path / "run", export_to=None, steps=0, batch_size=4, fresh_per_batch=2,
                      heldout_clips=3, checkpoint_every_s=0, init_from=tmp_path / "start.safetensors",
                      model=EvaluatorConfig(widths=(12, 8, 16, 8), feature_dim=16))
    train(cfg)
    model = Evaluator(cfg.model)
    load_state(cfg.out_dir / "state.safetensors", model, torch.optim.AdamW(model.parameters()))
    assert torch.equal(model.stem[0].weight[:8], start.stem[0].weight)
    assert not model.blocks[0].spatial.weight[:, 8:].any()  # old channels do not read the new ones yet
    x, _ = heldout_set(cfg)
    with torch.no_grad():
        theirs, ours = start(x)[0], model.eval()(x)[0]
    assert all(torch.allclose(theirs[k], ours[k], atol=1e-5) for k in theirs)


def test_training_examples_carry_the_subject_cover_of_the_frames_they_show():
    """The cover target is cropped and letterboxed with the frames it belongs to: its mass sits where
    the frames differ from the same clip rendered without its subject."""
    import numpy as np
    import torch

    from generation.eval.augment import AugmentConfig
    from generation.eval.clip_source import TEST_STREAM, draw_clip, render_draw
    from generation.eval.training_examples import cover_grid, make_training_example
    from generation.world.spec import Subject, SubjectMotion

    reader = EvaluatorConfig()
    draw = next(d for d in (draw_clip(TEST_STREAM, 50_000 + i) for i in range(200))
                if d.spec.subject in (Subject.car, Subject.elephant, Subject.mammoth) and d.spec.weather.value == "clear")
    frames = render_draw(draw, reader, cover=True)
    empty = render_draw(draw.__class__(**{**draw.__dict__, "spec": draw.spec.model_copy(update=dict(
        subject=Subject.none, count=1, colour=None, subject_motion=SubjectMotion.still))}), reader)
    plain = AugmentConfig(crop_min=0.8, p_clean=1.0)
    x, target = make_training_example(frames, reader, plain, np.random.default_rng(4))
    x0, target0 = make_training_example(frames.__class__(empty.frames, empty.index, empty.total, frames.cover), reader, plain,
                                        np.random.default_rng(4))
    g = cover_grid(reader)  # twice the mask grid: the segmenter is taught 24x24 cells
    assert g == 24
    assert target.shape == (reader.num_frames, g, g) and torch.equal(target, target0)
    assert 0.0 <= float(target.min()) and float(target.max()) <= 1.0 and float(target.sum()) > 1.0
    diff = (x[:3] - x0[:3]).abs().amax(dim=0)  # (T, S, S): where the subject changed the frame
    cells = torch.nn.functional.adaptive_avg_pool2d((diff > 0.1).float()[:, None], g)[:, 0]
    assert float(cells[target > 0.5].mean()) > 0.6  # well-covered cells are where the frames changed
    assert float(target[cells == 0].sum()) < 0.05 * float(target.sum())
    assert torch.equal(make_training_example(empty, reader, plain, np.random.default_rng(4))[1], torch.zeros(0))


@pytest.mark.slow  # ~15 s: a DataLoader worker renders real clips with their subject cover
def test_training_supervises_the_subject_mask(tmp_path):
    """With the subject branch, the loop logs a mask loss and gives the branch its own lr factor when
    it starts from weights that lack it."""
    import torch

    from generation.eval.evaluator import Evaluator, save_evaluator

    small = dict(widths=(8, 8, 8, 8), feature_dim=16)
    save_evaluator(Evaluator(EvaluatorConfig(**small, subject_track=False)), tmp_path / "start.safetensors")
    cfg = TrainConfig(out_dir=tmp_path / "run", export_to=None, steps=2, batch_size=4, fresh_per_batch=2, heldout_clips=2,
                      eval_every=2, log_every=1, checkpoint_every_s=0, init_from=tmp_path / "start.safetensors",
                      branch_lr_scale=4.0, model=EvaluatorConfig(**small, subject_track=True))
    train(cfg)
    rows = [json.loads(line) for line in (cfg.out_dir / "log.jsonl").read_text().splitlines()]
    losses = [r["mask_loss"] for r in rows if "mask_loss" in r]
    assert len(losses) == 2 and all(0.0 < v < 1.0 for v in losses)
    # the segmenter (on by default) is taught its own finer mask, and its gate is logged
    assert all(0.0 < r["segmenter_loss"] < 1.0 and "segment_gate" in r for r in rows if "mask_loss" in r)
    branch = [r for r in rows if "lr" in r]
    assert branch and torch.isfinite(torch.tensor([r["loss"] for r in branch])).all()


def test_mirrored_examples_swap_left_and_right():
    """A mirrored example is the flipped input and cover with left/right classes exchanged; other
    attributes keep their labels."""
    import numpy as np
    import torch

    from generation.eval.augment import AugmentConfig
    from generation.eval.evaluator import default_heads, mirror_index
    from generation.eval.training_examples import maybe_mirror

    heads = default_heads()
    swap = list(mirror_index(heads).values())
    names = list(heads)
    labels = [0] * len(heads)
    labels[names.index("subject_motion")] = heads["subject_motion"].index("move_left")
    labels[names.index("camera_motion")] = heads["camera_motion"].index("pan_right")
    labels[names.index("setting")] = heads["setting"].index("city")
    x, cover = torch.arange(2 * 3 * 4.0).reshape(1, 2, 3, 4), torch.arange(12.0).reshape(1, 3, 4)
    mx, mc, ml = maybe_mirror(x, cover, labels, swap, AugmentConfig(p_mirror=1.0), np.random.default_rng(0))
    assert torch.equal(mx, x.flip(-1)) and torch.equal(mc, cover.flip(-1))
    assert heads["subject_motion"][ml[names.index("subject_motion")]] == "move_right"
    assert heads["camera_motion"][ml[names.index("camera_motion")]] == "pan_left"
    assert ml[names.index("setting")] == labels[names.index("setting")]
    same = maybe_mirror(x, cover, labels, swap, AugmentConfig(p_mirror=0.0), np.random.default_rng(0))
    assert same[0] is x and same[2] == labels


def test_hard_clip_weighting_shifts_the_loss_to_misread_clips_and_keeps_its_scale():
    import torch
    import torch.nn.functional as F

    from generation.eval.train_evaluator import attribute_loss

    logits = torch.tensor([[6.0, 0.0, 0.0], [6.0, 0.0, 0.0], [0.0, 6.0, 0.0], [0.5, 0.0, 0.0]], requires_grad=True)
    target = torch.tensor([0, 0, 0, 0])  # two easy clips, one misread, one unsure
    plain = attribute_loss(logits, target, 0.05, 0.0)
    assert torch.allclose(plain, F.cross_entropy(logits, target, label_smoothing=0.05))
    (grad_plain,) = torch.autograd.grad(plain, logits)
    hard = attribute_loss(logits, target, 0.05, 0.5)
    (grad_hard,) = torch.autograd.grad(hard, logits)
    # the misread clip's share of the gradient grows, the easy clips' shrinks
    share = lambda g: g.norm(dim=1) / g.norm(dim=1).sum()  # noqa: E731
    assert share(grad_hard)[2] > share(grad_plain)[2] and share(grad_hard)[0] < share(grad_plain)[0]
    # weights average 1: a batch the network reads equally well on every clip loses exactly as before
    same = torch.tensor([[2.0, 0.0, 0.0]] * 4)
    assert torch.allclose(attribute_loss(same, target, 0.05, 0.5), F.cross_entropy(same, target, label_smoothing=0.05))


def test_a_clip_the_renderer_fails_on_is_reported_and_skipped(capsys):
    """One clip the world cannot draw must not end a long run: it is reported with what reproduces
    it and the batch is filled from the next clips. A renderer that fails on everything still stops
    the run, with an error that says so."""
    from generation.eval.clip_source import render_draw
    from generation.eval.train_evaluator import ClipStream
    from generation.world.render_failures import MIN_FAILURES_TO_STOP

    cfg = TrainConfig(batch_size=3, fresh_per_batch=2, max_duration_s=1.0,
                      model=EvaluatorConfig(widths=(8, 8, 8, 8), feature_dim=16))
    calls = []

    def first_fails(draw, *args, **kwargs):
        calls.append(draw.seed)
        if len(calls) == 1:
            raise ValueError("zero-size array to reduction operation maximum which has no identity")
        return render_draw(draw, *args, **kwargs)

    x, y, cover = next(iter(ClipStream(cfg, start=5, render=first_fails)))
    assert x.shape[0] == 3 and y.shape == (3, len(cfg.model.heads)) and len(calls) == 3
    err = capsys.readouterr().err
    assert "training clip 5 failed to render" in err and "draw_clip(TRAIN_STREAM, 5" in err and '"setting"' in err

    def always_fails(draw, *args, **kwargs):
        raise ValueError("broken world")

    with pytest.raises(RuntimeError, match=f"{MIN_FAILURES_TO_STOP + 1} of {MIN_FAILURES_TO_STOP + 1} training clips"):
        next(iter(ClipStream(cfg, start=0, render=always_fails)))


def test_hard_example_buffer_keeps_the_worst_read_and_replays_them_mirrored_with_swapped_labels():
    import torch

    from generation.eval.evaluator import default_heads, mirror_index
    from generation.eval.hard_examples import HardExamples, example_losses

    heads = default_heads()
    names = list(heads)
    motion = names.index("subject_motion")
    buffer = HardExamples(3, list(mirror_index(heads).values()), seed=1)
    x = torch.arange(5.0)[:, None, None, None, None] * torch.ones(5, 1, 1, 1, 2)
    x[:, :, :, :, 1] += 100.0  # a left/right asymmetric input, so a mirror shows
    y = torch.zeros(5, len(heads), dtype=torch.int64)
    y[:, motion] = heads["subject_motion"].index("move_left")
    cover = torch.arange(5.0)[:, None, None, None] * torch.ones(5, 1, 1, 2)
    # per-example losses from logits that read examples 1 and 3 wrong, the rest right
    logits = {}
    for i, name in enumerate(names):
        l = torch.full((5, len(heads[name])), -5.0)
        l[torch.arange(5), y[:, i]] = 5.0
        logits[name] = l
    logits["subject_motion"][[1, 3]] = -logits["subject_motion"][[1, 3]]
    losses = example_losses(logits, y)
    assert set(torch.topk(losses, 2).indices.tolist()) == {1, 3} and losses[0] < 0.01
    buffer.add_hardest(x, y, cover, losses, 2)
    assert len(buffer) == 2 and {float(item[0].flatten()[0]) for item in buffer.items} == {1.0, 3.0}
    buffer.add_hardest(x, y, cover, -losses, 2)  # now 0, 2 or 4 rank first: the oldest is overwritten
    assert len(buffer) == 3
    batch = buffer.draw(40)
    assert batch.x.shape == (40, 1, 1, 1, 2) and batch.y.shape == (40, len(heads)) and batch.cover.shape == (40, 1, 1, 2)
    mirrored = batch.x[:, 0, 0, 0, 0] >= 100.0
    assert 0 < int(mirrored.sum()) < 40  # about half are replayed mirrored
    left, right = heads["subject_motion"].index("move_left"), heads["subject_motion"].index("move_right")
    assert (batch.y[mirrored, motion] == right).all() and (batch.y[~mirrored, motion] == left).all()
    assert torch.equal(batch.y[:, names.index("setting")], torch.zeros(40, dtype=torch.int64))


@pytest.mark.slow  # ~15 s: a DataLoader worker renders real clips
def test_training_with_hard_example_replay_runs_and_refuses_more_replays_than_the_ring_share(tmp_path):
    from generation.eval.train_evaluator import main
    from reelgraph.errors import InputError

    cfg = TrainConfig(out_dir=tmp_path / "run", export_to=None, steps=3, batch_size=4, fresh_per_batch=2, heldout_clips=2,
                      eval_every=3, log_every=1, checkpoint_every_s=0, hard_replay=1, hard_buffer=4,
                      model=EvaluatorConfig(widths=(8, 8, 8, 8), feature_dim=16))
    assert train(cfg)["step"] == 3
    rows = [json.loads(line) for line in (cfg.out_dir / "log.jsonl").read_text().splitlines()]
    assert len([r for r in rows if "loss" in r]) == 3 and all(r["loss"] > 0 for r in rows if "loss" in r)
    with pytest.raises(InputError, match="hard-replay 3"):
        main(["--out", str(tmp_path / "run2"), "--steps", "1", "--batch-size", "4", "--fresh-per-batch", "2",
              "--hard-replay", "3", "--no-export"])
