"""The project folder keeps every write inside it; atomic writes never leave partial files."""

from __future__ import annotations

import errno
import os

import pytest

from reelgraph.atomic import atomic_path, write_json_atomic
from reelgraph.errors import InputError, OutputError
from reelgraph.project import Project


def test_project_from_env_and_default(tmp_path, monkeypatch):
    """--project wins, then $REELGRAPH_PROJECT, then ./reelgraph-project."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REELGRAPH_PROJECT", raising=False)
    assert Project.open().root == tmp_path / "reelgraph-project"
    monkeypatch.setenv("REELGRAPH_PROJECT", str(tmp_path / "env"))
    assert Project.open().root == tmp_path / "env"
    assert Project.open(tmp_path / "arg").root == tmp_path / "arg"


@pytest.mark.parametrize("bad", ["../../escape.mp4", "/etc/passwd", "a/../../../b.mp4", "~/x.mp4"])
def test_paths_cannot_escape(tmp_path, bad):
    """Relative climbs, absolute paths and home paths outside the project are refused."""
    project = Project.open(tmp_path / "p")
    with pytest.raises(InputError, match="outside the project"):
        project.output_path(bad)


def test_symlink_escape_is_refused(tmp_path):
    """A symlink inside the project that points outside cannot be used to write there."""
    project = Project.open(tmp_path / "p")
    (project.outputs / "link").symlink_to(tmp_path)
    with pytest.raises(InputError):
        project.output_path("link/x.mp4")


def test_outputs_land_in_outputs(tmp_path):
    """A bare name lands in outputs/, subfolders are created."""
    project = Project.open(tmp_path / "p")
    assert project.output_path("films/a.mp4") == project.root / "outputs" / "films" / "a.mp4"
    assert (project.root / "outputs" / "films").is_dir()


def test_project_path_that_is_a_file(tmp_path):
    """Pointing --project at a file is a clear error."""
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match="not a directory"):
        Project.open(tmp_path / "f")


def test_atomic_json_and_interrupt(tmp_path):
    """A finished write replaces the file; an interrupted one leaves the old file and no temp."""
    target = tmp_path / "m.json"
    write_json_atomic(target, {"a": 1})
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise KeyboardInterrupt
    assert target.read_text().strip().startswith("{") and os.listdir(tmp_path) == ["m.json"]


def test_full_disk_becomes_output_error(tmp_path):
    """ENOSPC while writing turns into an OutputError that says the disk is full, and no temp stays."""
    with pytest.raises(OutputError, match="full"):
        with atomic_path(tmp_path / "big.bin"):
            raise OSError(errno.ENOSPC, "No space left on device")
    assert os.listdir(tmp_path) == []
