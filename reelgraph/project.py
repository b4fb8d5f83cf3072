"""The project folder: one directory that holds a user's memory, caches and outputs.

Every path reelgraph writes is resolved through ``Project.path`` so that a hostile storyboard or a
careless ``-o ../../x`` can never write outside it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from reelgraph.errors import InputError

DEFAULT_PROJECT_DIR = "reelgraph-project"
PROJECT_ENV_VAR = "REELGRAPH_PROJECT"


@dataclass(frozen=True)
class Project:
    """A project directory. ``root`` is absolute and resolved (symlinks followed)."""

    root: Path

    @classmethod
    def open(cls, directory: str | os.PathLike[str] | None = None) -> "Project":
        """Open (and create) the project folder: the argument, else ``$REELGRAPH_PROJECT``, else
        ``./reelgraph-project``."""
        chosen = directory or os.environ.get(PROJECT_ENV_VAR) or DEFAULT_PROJECT_DIR
        root = Path(chosen).expanduser().resolve()
        if root.exists() and not root.is_dir():
            raise InputError(f"project path {root} exists and is not a directory; pass --project DIR")
        root.mkdir(parents=True, exist_ok=True)
        return cls(root=root)

    @property
    def outputs(self) -> Path:
        """Finished films, contact sheets and manifests."""
        return self._sub("outputs")

    @property
    def cache(self) -> Path:
        """Rendered clips keyed by content hash, so a finished shot is never rendered twice."""
        return self._sub("cache")

    @property
    def memory_dir(self) -> Path:
        """The scene memory: SQLite rows (the truth), the FAISS index and keyframes."""
        return self._sub("memory")

    @property
    def runs(self) -> Path:
        """Agent run checkpoints, one SQLite file per project."""
        return self._sub("runs")

    def _sub(self, name: str) -> Path:
        p = self.root / name
        p.mkdir(parents=True, exist_ok=True)
        return p

    def path(self, relative: str | os.PathLike[str], base: Path | None = None) -> Path:
        """Resolve ``relative`` under ``base`` (default: the project root) and refuse any result
        that lands outside the project, whether by ``..``, an absolute path or a symlink."""
        base = (base or self.root).resolve()
        candidate = Path(relative).expanduser()
        full = (candidate if candidate.is_absolute() else base / candidate).resolve()
        if not full.is_relative_to(self.root):
            raise InputError(
                f"{relative} resolves to {full}, outside the project folder {self.root}; "
                "choose a path inside it or pass --project DIR"
            )
        return full

    def output_path(self, name: str | os.PathLike[str]) -> Path:
        """Where an output named on the command line goes: relative names land in ``outputs/``."""
        out = self.path(name, base=self.outputs)
        out.parent.mkdir(parents=True, exist_ok=True)
        return out
