"""`reelgraph analyze`, `reelgraph memory search` and `reelgraph memory stats` on a real project
folder, in-process through the console entry point."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agent.cli import main


@pytest.mark.slow
def test_analyze_search_stats(tmp_path: Path, bikes: Path, capsys) -> None:
    """analyze prints a film summary with shot ids and a screenplay summary; --json is valid
    JSON; search honours --kind and -k; stats counts both kinds; a bad file exits 2 naming it."""
    project = tmp_path / "proj"
    film = tmp_path / "bikes.mp4"
    shutil.copy(bikes, film)
    script = tmp_path / "night.fountain"
    script.write_text("INT. LIGHTHOUSE - NIGHT\n\nMara trims the wick as a storm rolls in.\n\nMARA\nOne more night.\n")
    assert main(["--project", str(project), "analyze", str(film), str(script)]) == 0
    out = capsys.readouterr().out
    assert "Film bikes.mp4" in out and "6 shots (5 hard cuts" in out and "[shot-" in out
    assert "Screenplay" in out and "MARA" in out

    assert main(["--project", str(project), "analyze", str(script), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["format"] == "fountain" and data[0]["characters"] == ["MARA"]

    assert main(["--project", str(project), "memory", "search", "a storm at a lighthouse", "--kind", "doc", "-k", "1"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "LIGHTHOUSE" in lines[0]
    assert main(["--project", str(project), "memory", "search", "hard cut", "--kind", "shot", "-k", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and all("[shot-" in ln for ln in lines)

    assert main(["--project", str(project), "memory", "stats"]) == 0
    out = capsys.readouterr().out
    assert "8 items (6 shot, 2 doc, 0 render)" in out and "index flat" in out

    bad = tmp_path / "fake.mp4"
    bad.write_text("not a film")
    assert main(["--project", str(project), "analyze", str(bad)]) == 2
    assert "fake.mp4" in capsys.readouterr().err
    assert main(["--project", str(project), "memory", "search", "x", "--kind", "film"]) == 2
