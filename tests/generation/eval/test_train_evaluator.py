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
