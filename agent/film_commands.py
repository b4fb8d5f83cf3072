"""The director-backed commands: generate, plan, run and ask, shared by the CLI (and the TUI).

Each takes typed options, drives ``Director`` and returns what the CLI prints. Runs of a
storyboard file are remembered in ``<project>/runs/index.json`` (storyboard hash -> last run id), so
``run FILE --resume`` finds the interrupted run of that exact storyboard.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from agent.api import Director, RunOutcome
from agent.context import DirectorSettings
from agent.progress_view import RunProgress
from agent.storyboard import ASPECTS, Storyboard, dump_storyboard, load_storyboard, normalise_resolution, size_for_aspect
from reelgraph.atomic import write_json_atomic
from reelgraph.errors import InputError
from reelgraph.project import Project

PREVIEW_SHORT_SIDE = 72


@dataclass(frozen=True)
class FilmOptions:
    """Options every film-making command shares."""

    model: str = "local"
    aspect: str = "16:9"
    resolution: str | None = None
    fps: int = 24
    seed: int = 0
    preview: bool = False
    yes: bool = True
    review: bool = True
    renderer: str = "world"

    def __post_init__(self) -> None:
        """Refuse a bad format before any slow planning starts."""
        if self.aspect not in ASPECTS:
            raise InputError(f"unknown aspect {self.aspect!r}; use one of {', '.join(ASPECTS)}")
        if self.resolution is not None:
            try:
                object.__setattr__(self, "resolution", normalise_resolution(self.resolution))
            except ValueError as exc:
                raise InputError(str(exc)) from None

    def settings(self) -> DirectorSettings:
        """A preview without an explicit size renders at half the default short side (72 px)."""
        resolution = self.resolution
        if resolution is None and self.preview:
            resolution = "{}x{}".format(*size_for_aspect(self.aspect, PREVIEW_SHORT_SIDE))
        return DirectorSettings(
            model=self.model,
            aspect=self.aspect,
            resolution=resolution,
            fps=self.fps,
            seed=self.seed,
            auto_approve=self.yes,
            preview=self.preview,
            renderer=self.renderer,
        )


def _drive(director: Director, console: Console, show: bool, **kwargs) -> RunOutcome:
    run_id = None
    with RunProgress(console, enabled=show) as view:
        for event in director.events(**kwargs):
            run_id = event.get("run_id", run_id)
            view.handle(event)
    return director.outcome(run_id)


def _finish(outcome: RunOutcome, director: Director, console: Console) -> Path:
    """Return the film, or settle a pending approval: asked in a terminal, else written out."""
    while outcome.pending_storyboard is not None:
        draft = director.project.output_path(f"storyboard-{outcome.run_id}.yaml")
        dump_storyboard(outcome.pending_storyboard, draft)
        if not console.is_terminal:
            raise InputError(
                f"the storyboard waits for approval (no terminal to ask in): it is in {draft}; "
                f"render it with `reelgraph run {draft}` (edit it first if you like), or pass --yes"
            )
        import typer

        board = outcome.pending_storyboard
        console.print(f"[bold]{board.title}[/] — {len(board.shots)} shots, {board.total_duration_s:.1f} s (full storyboard: {draft})")
        for shot in board.shots:
            console.print(f"  {shot.id:>6}  {shot.duration_s:5.1f} s  {shot.prompt[:100]}", highlight=False)
        if typer.confirm("Render this storyboard?", default=True):
            answer = {"action": "accept"}
        else:
            answer = {"action": "reject", "note": typer.prompt("What should change? (empty to stop)", default=""), "stop": False}
            answer["stop"] = not answer["note"]
        outcome = _drive(director, console, True, run_id=outcome.run_id, approval=answer)
    if outcome.status == "done":
        return Path(outcome.result.video)
    raise InputError(f"the run stopped ({outcome.status}); nothing was rendered")


def generate_film(
    project: Project, prompt: str, duration_s: float, out: Path, options: FilmOptions, console: Console, resume: bool = False, show: bool = True
) -> Path:
    """Plan (with the chat model, or directly with --model none), render, review and stitch."""
    run_id = _run_id(project, ["generate", prompt, duration_s, str(out), options], resume, console)
    director = Director(project, options.settings(), use_scorer=options.review)
    try:
        outcome = _drive(director, console, show, idea=prompt, duration_s=duration_s, output_name=_output_name(project, out), run_id=run_id)
        return _finish(outcome, director, console)
    finally:
        director.close()


def plan_film(project: Project, idea: str, duration_s: float, out: Path, options: FilmOptions, console: Console) -> Storyboard:
    """Write a storyboard file for an idea without rendering it."""
    director = Director(project, options.settings(), use_scorer=False)
    try:
        board = director.plan(idea, duration=duration_s)
    finally:
        director.close()
    dump_storyboard(board, out)
    return board


def _run_id(project: Project, what: object, resume: bool, console: Console) -> str:
    """The run id for a job: its last run when resuming, else a new one (remembered for --resume)."""
    key = hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()[:16]
    index_path = project.runs / "index.json"
    index = json.loads(index_path.read_text()) if index_path.is_file() else {}
    if resume and key in index:
        return index[key]
    if resume:
        console.print("[yellow]no earlier run of this job to resume; starting a new one[/]")
    index[key] = f"{key[:8]}-{uuid.uuid4().hex[:6]}"
    write_json_atomic(index_path, index)
    return index[key]


def _output_name(project: Project, out: Path) -> str:
    return os.path.relpath(out, project.outputs)


def run_storyboard(project: Project, path: Path, out: Path | None, resume: bool, options: FilmOptions, console: Console, show: bool = True) -> Path:
    """Render a storyboard file; ``resume`` continues its last interrupted run."""
    board = load_storyboard(path)
    out = out or project.output_path(Path(path).stem + ".mp4")
    run_id = _run_id(project, ["run", board.model_dump(mode="json"), str(out)], resume, console)
    settings = options.settings()
    settings.fps, settings.resolution = board.fps, f"{board.width}x{board.height}"
    director = Director(project, settings, use_scorer=options.review)
    try:
        outcome = _drive(director, console, show, storyboard=board, duration_s=board.total_duration_s, output_name=_output_name(project, out), run_id=run_id)
        return _finish(outcome, director, console)
    finally:
        director.close()


def ask_question(project: Project, question: str, model: str) -> str:
    director = Director(project, DirectorSettings(model=model), use_scorer=False)
    try:
        answer = director.ask(question)
    finally:
        director.close()
    cites = ", ".join(answer.citations) if answer.citations else "none (consulted: " + ", ".join(answer.consulted) + ")"
    return f"{answer.text}\n\ncited: {cites}"
