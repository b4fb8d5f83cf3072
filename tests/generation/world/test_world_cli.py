"""`reelgraph world render` and `reelgraph world dataset` run end to end and fail clearly."""

from __future__ import annotations

import json

from agent.cli import main
from generation.video_io import probe_video


def test_world_render_prompt_and_spec_file(tmp_path, capsys):
    """A prompt renders an MP4 of the asked size and length and reports how it was read; a spec
    file works too."""
    code = main(["--project", str(tmp_path / "p"), "world", "render", "two red cars drive left at night",
                 "-o", "cars.mp4", "--duration", "0.5", "--width", "64", "--height", "36", "--fps", "12"])
    out = capsys.readouterr().out
    assert code in (0, None), out
    assert "subject_motion" in out and "move_left" in out
    info = probe_video(tmp_path / "p" / "outputs" / "cars.mp4")
    assert (info.width, info.height, info.num_frames) == (64, 36, 6)
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"setting": "beach", "subject": "boat", "colour": "red"}))
    code = main(["--project", str(tmp_path / "p"), "world", "render", str(spec), "-o", "boat.mp4",
                 "--duration", "0.25", "--width", "32", "--height", "32"])
    assert code in (0, None)
    assert (tmp_path / "p" / "outputs" / "boat.mp4").is_file()


def test_world_render_bad_input_is_one_clear_line(tmp_path, capsys):
    """Bad sizes, invalid or missing spec files and bad durations exit 2 with one error line."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("setting: moon\n")
    for args in (["a dog", "--width", "0"], [str(bad)], [str(tmp_path / "missing.json")], ["a dog", "--duration", "-1"]):
        code = main(["--project", str(tmp_path / "p"), "world", "render", *args])
        err = capsys.readouterr().err
        assert code == 2, (args, err)
        assert "error:" in err and "Traceback" not in err


def test_world_dataset_command(tmp_path, capsys):
    code = main(["world", "dataset", "--clips", "3", "--out", str(tmp_path / "ds"), "--width", "32",
                 "--height", "18", "--frames", "2", "--shard-size", "2"])
    assert code in (0, None), capsys.readouterr()
    assert json.loads((tmp_path / "ds" / "manifest.json").read_text())["clips"] == 3
