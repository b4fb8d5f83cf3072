"""Periodic evaluator scores while the generator trains: the probe generates the first held-out
prompts with the weights it is given and reports per-attribute accuracy that matches scoring those
very clips by hand; training with ``eval_every`` logs those rows into ``dit/log.jsonl`` at the right
steps, also after a resume; a missing evaluator stops the DiT stage before it trains, with what to do;
and the split entry point keeps its options."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from generation.eval.evaluator import load_evaluator
from generation.eval.quality import heldout_prompts, score_clips
from generation.train import build_config, main, run
from generation.training.probe import EvaluatorProbe
from generation.training.state import StageState
from reelgraph.errors import ModelUnavailable


def test_probe_scores_the_heldout_prompts(text_encoder):
    """A tiny real generator's EMA-style parts: the probe's figures equal scoring its own prompts'
    generations (same size, steps, seeds) with the evaluator directly."""
    from tests.generation.generator_fixtures import tiny_generator

    gen = tiny_generator(text_encoder)
    cfg = build_config("test", eval_every=1, eval_prompts=3)
    state = StageState(extra={"latent_mean": gen.cfg.latent_mean, "latent_std": gen.cfg.latent_std})
    probe = EvaluatorProbe(cfg, text_encoder, gen.device)
    row = probe(gen.autoencoder, gen.dit, state)
    evaluator = load_evaluator()
    heads = evaluator.config.heads
    assert {f"acc_{n}" for n in heads} <= set(row) and row["prompts"] == 3
    shape = cfg.dit_shapes[0]
    prompts = heldout_prompts(3)
    clips = [gen.text_to_video(p.prompt, seconds=shape.num_frames / 24, width=shape.width, height=shape.height,
                               seed=p.seed, steps=cfg.eval_steps).frames for p in prompts]
    assert clips[0].shape == (shape.num_frames, shape.height, shape.width, 3)
    direct = score_clips(evaluator, clips, [p.spec for p in prompts])
    for n in heads:
        assert row[f"acc_{n}"] == pytest.approx(direct.accuracy[n], abs=1e-4)
    assert row["acc_mean"] == pytest.approx(np.mean([row[f"acc_{n}"] for n in heads]), abs=1e-3)
    assert row["acc_worst"] == min(row[f"acc_{n}"] for n in heads)


@pytest.mark.slow
def test_training_logs_evaluator_scores_and_resumes(tmp_path, text_encoder):
    """Both stages with ``eval_every=1``: a dit_eval row after every DiT step, in step order, also
    for the steps a resumed run adds; the default test preset logs none."""
    out = tmp_path / "run"
    run(build_config("test", out=out, eval_every=1, eval_prompts=2))
    run(build_config("test", out=out, eval_every=1, eval_prompts=2, dit_steps=3))
    rows = [json.loads(line) for line in (out / "dit" / "log.jsonl").read_text().splitlines()]
    evals = [r for r in rows if r["stage"] == "dit_eval"]
    assert [r["step"] for r in evals] == [1, 2, 3]
    assert all(0.0 <= r["acc_mean"] <= 1.0 and r["prompts"] == 2 for r in evals)
    assert json.loads((out / "dit" / "state.json").read_text())["config"]["eval_every"] == 1
    plain = tmp_path / "plain"
    run(build_config("test", out=plain))
    assert not [line for line in (plain / "dit" / "log.jsonl").read_text().splitlines() if "dit_eval" in line]


def test_missing_evaluator_stops_before_the_dit_trains(tmp_path):
    """Scores asked for with an evaluator that is not there: refused at the start of the DiT stage
    (the autoencoder stage already saved), naming the missing file; no DiT checkpoint is written."""
    out = tmp_path / "run"
    with pytest.raises(ModelUnavailable, match="nowhere.safetensors"):
        main(["--preset", "test", "--out", str(out), "--eval-every", "1", "--evaluator", str(tmp_path / "nowhere.safetensors")])
    assert (out / "autoencoder" / "state.json").is_file()
    assert not (out / "dit" / "state.json").exists()


def test_config_options_survive_the_split():
    """Presets, overrides and path coercion of the entry point's config (what the CLIs pass)."""
    cfg = build_config("tiny", out="runs/x", evaluator="e.safetensors", eval_every=None)
    assert cfg.out == Path("runs/x") and cfg.evaluator == Path("e.safetensors")
    assert cfg.eval_every == 250 and cfg.ae_steps == 1000
    assert build_config("test").eval_every == 0
    with pytest.raises(ValueError, match="unknown preset"):
        build_config("huge")
