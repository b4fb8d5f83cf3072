"""Shipping a fine-tuned evaluator: its weights replace the shipped ones, the history adds up (steps,
seconds and clips summed, recipes joined), and a candidate that is not an evaluator, or a missing
recipe, is refused before anything is written."""

from __future__ import annotations

import json

import pytest
import torch

from generation.eval.evaluator import Evaluator, EvaluatorConfig, load_evaluator, save_evaluator
from generation.eval.ship_evaluator import main, read_metadata, ship
from reelgraph.errors import InputError


def small_evaluator(seed: int) -> Evaluator:
    torch.manual_seed(seed)
    model = Evaluator(EvaluatorConfig(widths=(8, 8, 8, 8), feature_dim=16))
    for p in model.parameters():
        p.data.normal_(0, 0.1)
    return model


def test_shipping_carries_the_history_and_the_new_weights(tmp_path):
    shipped, candidate = tmp_path / "shipped.safetensors", tmp_path / "best.safetensors"
    save_evaluator(small_evaluator(0), shipped, {"recipe": "session 1: 100 steps", "steps": "100", "train_s": "50",
                                                 "train_clips_rendered": "1600", "heldout_accuracy": "{}"})
    new = small_evaluator(1)
    save_evaluator(new, candidate, {"steps": "40", "train_s": "20", "train_clips_rendered": "480",
                                    "heldout_accuracy": json.dumps({"subject": 0.9})})
    extra = ship(candidate, "session 2: 40 steps on world v2", {"subject": 0.91}, shipped=shipped)
    meta = read_metadata(shipped)
    assert meta["steps"] == "140" and meta["train_s"] == "70" and meta["train_clips_rendered"] == "2080"
    assert meta["recipe"] == "session 1: 100 steps; session 2: 40 steps on world v2" == extra["recipe"]
    assert json.loads(meta["heldout_accuracy"]) == {"subject": 0.9}
    assert json.loads(meta["test_accuracy_200"]) == {"subject": 0.91}
    loaded = load_evaluator(shipped)
    assert all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), new.state_dict().values()))
    side = json.loads(shipped.with_suffix(".json").read_text())
    assert side["steps"] == "140"


def test_a_bad_candidate_or_no_recipe_writes_nothing(tmp_path, capsys):
    shipped = tmp_path / "shipped.safetensors"
    save_evaluator(small_evaluator(0), shipped, {"recipe": "r", "steps": "1"})
    before = shipped.read_bytes()
    fake = tmp_path / "fake.safetensors"
    fake.write_bytes(b"not a checkpoint at all")
    with pytest.raises(InputError):
        ship(fake, "session 2", shipped=shipped)
    with pytest.raises(InputError, match="recipe"):
        ship(shipped, "  ", shipped=shipped)
    assert shipped.read_bytes() == before
    candidate = tmp_path / "best.safetensors"
    save_evaluator(small_evaluator(2), candidate, {"steps": "3"})
    main([str(candidate), "--recipe", "session 2", "--shipped", str(shipped), "--test-accuracy", '{"clouds": 0.5}'])
    assert json.loads(capsys.readouterr().out)["steps"] == "4"
