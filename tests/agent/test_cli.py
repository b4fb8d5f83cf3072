"""The command line: its surface, its errors and its exit codes, run as a user runs it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agent.cli import main

SUBCOMMANDS = ["generate", "run", "plan", "analyze", "ask", "chat", "train", "eval", "bench", "validate", "models"]


def run_cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agent", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_help_lists_every_subcommand(tmp_path):
    """`reelgraph --help` (and python -m agent) lists the final command surface, without creating a project."""
    done = run_cli("--help", cwd=tmp_path)
    assert done.returncode == 0
    for name in SUBCOMMANDS + ["world", "memory"]:
        assert f"  {name} " in done.stdout, name
    assert not (tmp_path / "reelgraph-project").exists()


def test_validate_reports_line_and_exit_code(tmp_path, capsys):
    """A bad storyboard gives exit code 2 and a file:line: field message; a good one prints ok."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nscenes:\n  - id: a\n    shots:\n      - {id: s1, prompt: snow, duration_s: 0}\n")
    assert main(["validate", str(bad)]) == 2
    assert f"{bad}:5: scenes[0].shots[0].duration_s" in capsys.readouterr().err
    bad.write_text("title: x\nscenes:\n  - id: a\n    shots:\n      - {id: s1, prompt: snow, duration_s: 3}\n")
    assert main(["validate", str(bad)]) == 0
    assert "ok:" in capsys.readouterr().out


def test_output_outside_project_is_refused(tmp_path, capsys):
    """-o ../x.mp4 cannot write outside the project folder."""
    code = main(["--project", str(tmp_path / "p"), "generate", "a ball", "-o", "../../x.mp4"])
    assert code == 2
    assert "outside the project folder" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["generate", "a ball", "--aspect", "5:4"], ["generate", "a ball", "--resolution", "101x100"]])
def test_bad_generate_options_are_input_errors(tmp_path, capsys, args):
    """Unknown aspects and odd resolutions are refused with a one-line reason, before rendering."""
    assert main(["--project", str(tmp_path), *args]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and ("aspect" in err or "even" in err)


def test_models_report_lists_back_ends(capsys):
    """`reelgraph models` names every back-end and says where its files are or how to install it."""
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for word in ("local chat", "llama.cpp", "text embeddings", "openai:", "google_genai:", "diffusers"):
        assert word in out


def test_generate_without_chat_model_writes_a_playable_film(tmp_path, capsys):
    """`generate --model none --no-review` renders the prompt as extension shots and prints the MP4 path."""
    from generation.video_io import probe_video

    code = main(["--project", str(tmp_path), "generate", "a red ball bounces on a beach", "--duration", "3",
                 "--resolution", "64x36", "--fps", "8", "--model", "none", "--no-review", "--yes", "-o", "ball.mp4"])
    assert code == 0
    out = capsys.readouterr().out.strip().splitlines()[-1]
    info = probe_video(out)
    assert (info.width, info.height, info.codec) == (64, 36, "h264") and info.duration_s == pytest.approx(3.0, abs=0.2)
    assert "AI-generated" in info.tags["comment"]


def test_run_storyboard_and_resume(tmp_path, capsys):
    """`run FILE` renders a storyboard; `run FILE --resume` after it finished reuses every take."""
    board = tmp_path / "board.yaml"
    board.write_text(
        "title: t\nresolution: 48x32\nfps: 6\nscenes:\n  - id: a\n    shots:\n"
        "      - {id: one, prompt: a dog runs left in a green meadow, duration_s: 2}\n"
        "      - {id: two, prompt: a dog runs left in a green meadow, duration_s: 1, continuity: {from_shot: one, how: extend}}\n"
    )
    args = ["--project", str(tmp_path / "p"), "run", str(board), "--no-review"]
    assert main(args) == 0
    first = capsys.readouterr()
    assert first.out.strip().endswith("board.mp4")
    assert main(args + ["--resume"]) == 0
    assert "board.mp4" in capsys.readouterr().out


def test_train_command_passes_the_discriminator_and_warm_start_options(tmp_path):
    """`reelgraph train` reaches the trainer with --adv-weight (the autoencoder stage logs the
    discriminator from step 1 of the test preset), --dit-init (the DiT records its warm start), and
    --dit-attributes with --dit-lr (a DiT seeded with --init-from gains the attribute path)."""
    import json

    out = tmp_path / "run"
    assert main(["train", "--preset", "test", "--stage", "all", "--out", str(out), "--adv-weight", "0.5"]) == 0
    rows = [json.loads(line) for line in (out / "autoencoder" / "log.jsonl").read_text().splitlines()]
    assert "d_loss" in rows[-1]
    again = tmp_path / "again"
    assert main(["train", "--preset", "test", "--stage", "all", "--out", str(again), "--dit-init", str(out / "export")]) == 0
    state = json.loads((again / "dit" / "state.json").read_text())["state"]
    assert state["extra"]["warm_start"]["source"] == str(out / "export")
    attr = tmp_path / "attr"
    assert main(["train", "--preset", "test", "--stage", "dit", "--out", str(attr), "--init-from", str(out / "export"),
                 "--dit-attributes", "--dit-lr", "5e-5"]) == 0
    saved = json.loads((attr / "dit" / "state.json").read_text())
    assert saved["config"]["dit_lr"] == 5e-5 and saved["config"]["model"]["attributes"]["camera_motion"][1] == "pan_left"
