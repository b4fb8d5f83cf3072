"""The training loop runs on real rendered clips, writes a safetensors state it can resume from
(steps and AdamW moments carried over), logs held-out accuracy per attribute and exports a
checkpoint that ``load_evaluator`` accepts."""

from __future__ import annotations

import json

import pytest

from generation.eval.evaluator import EvaluatorConfig, load_evaluator
from generation.eval.train_evaluator import TrainConfig, train


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
                        init_from=tmp_path / "start.safetensors", model=EvaluatorConfig(widths=(8, 8, 8, 16), feature_dim=16))
    with pytest.raises(InputError, match="another shape"):
        train(other)
