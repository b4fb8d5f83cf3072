"""The studio's memory between sessions: the last run it started, so it can offer to continue it.

Stored as ``<project>/runs/studio.json``; the run itself lives in the director's checkpoints.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from reelgraph.atomic import write_json_atomic
from reelgraph.project import Project

SESSION_FILE = "studio.json"


@dataclass
class StudioSession:
    """What the studio remembers: the last run's id and the film name it renders to."""

    last_run: str | None = None
    output_name: str = "film.mp4"

    @classmethod
    def load(cls, project: Project) -> "StudioSession":
        path = cls.path(project)
        if not path.is_file():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()  # a damaged file only loses the resume offer; the run stays in runs.sqlite
        return cls(last_run=data.get("last_run"), output_name=data.get("output_name") or "film.mp4")

    def save(self, project: Project) -> None:
        write_json_atomic(self.path(project), asdict(self))

    @staticmethod
    def path(project: Project) -> Path:
        return project.runs / SESSION_FILE
