"""What the studio's worker threads do with the director: plan, render, continue, ask, ingest.

Each method runs on a worker thread, talks only to ``agent`` and reports by posting messages (see
``tui/messages.py``). Stopping is cooperative: ``stop`` is checked between events and by a
listener the director calls from inside the running node, so a render stops within a few frames;
the interrupted run keeps every finished shot (the clip cache) and continues with ``resume``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from textual.message import Message

from agent.api import Director
from agent.chat_intents import ingest_references, list_references
from agent.storyboard import Storyboard
from reelgraph.errors import ReelgraphError
from tui.messages import DirectorEvent, DirectorReply, ReferencesLoaded, RunEnded, RunStarted, ThumbnailReady
from tui.session import StudioSession


class RunStopped(Exception):
    """Raised inside a run (by the stop listener) when the studio stops it or quits."""


@dataclass
class DirectorWork:
    """The director and the channel back to the UI, shared by every worker of one studio."""

    director: Director
    post: Callable[[Message], object]
    output_name: str = "film.mp4"
    thumbnail_cells: int = 16
    stop: threading.Event = field(default_factory=threading.Event)

    # -- runs ---------------------------------------------------------------------------------------

    def plan(self, run_id: str, idea: str, duration_s: float) -> None:
        """Plan a storyboard; the run pauses at the approval step (the studio never auto-approves)."""
        self._remember(run_id)
        self.post(RunStarted(run_id, "planning"))
        self._run(dict(idea=idea, duration_s=duration_s, output_name=self.output_name, run_id=run_id))

    def render(self, run_id: str, board: Storyboard, pending: bool, approval: dict | None = None) -> None:
        """Render an approved storyboard: answer the pending run's approval with it, or start a
        run of it and approve that run's pause at once (the person approved in the dialog)."""
        self._remember(run_id)
        rejecting = bool(approval and approval.get("action") == "reject")
        self.post(RunStarted(run_id, "planning" if rejecting else "rendering", None if rejecting else board))
        answer = approval or self._approval(run_id, board, pending)
        if pending:
            self._run(dict(run_id=run_id, approval=answer))
            return
        kwargs = dict(storyboard=board, duration_s=board.total_duration_s, output_name=self.output_name, run_id=run_id)
        final = self._run(kwargs, quiet_pause=True)
        if final is not None and final.get("event") == "awaiting_approval":
            self._run(dict(run_id=run_id, approval={"action": "accept"}))

    def _approval(self, run_id: str, board: Storyboard, pending: bool) -> dict:
        """Accept the paused storyboard as it is, or answer with the edited one (validated again)."""
        if pending and self.director.outcome(run_id).pending_storyboard == board:
            return {"action": "accept"}
        return {"action": "edit", "storyboard": board.model_dump(mode="json")}

    def resume(self, run_id: str) -> None:
        """Continue an interrupted run; a run that waits for approval is shown, not approved."""
        try:
            outcome = self.director.outcome(run_id)
        except ReelgraphError as exc:
            self.post(RunEnded(run_id, "failed", str(exc)))
            return
        if outcome.pending_storyboard is not None:
            self.post(RunEnded(run_id, "awaiting_approval", storyboard=outcome.pending_storyboard))
            return
        if outcome.status in ("done", "rejected"):
            self.post(RunEnded(run_id, "finished" if outcome.result else "rejected", video=outcome.result.video if outcome.result else None))
            return
        board = self.director.graph.get_state({"configurable": {"thread_id": run_id}}).values.get("storyboard")
        self.post(RunStarted(run_id, "planning" if board is None else "rendering", board))
        self._run(dict(run_id=run_id))

    def _run(self, kwargs: dict, quiet_pause: bool = False) -> dict | None:
        """Stream one ``Director.events(**kwargs)`` call to the UI; returns the final event (None
        if it failed or was stopped). ``quiet_pause`` keeps an approval pause to the caller."""
        run_id = kwargs["run_id"]
        self.stop.clear()

        def guard(event: dict) -> None:
            if self.stop.is_set() or _worker_cancelled():
                raise RunStopped()

        self.director.listeners.append(guard)
        final: dict | None = None
        try:
            for event in self.director.events(**kwargs):
                guard(event)
                final = event
                if quiet_pause and event.get("event") == "awaiting_approval":
                    break
                self.post(DirectorEvent(event))
                if event.get("event") == "shot_done":
                    self._thumbnail(event["shot"], event["path"])
        except RunStopped:
            self.post(RunEnded(run_id, "stopped", "stopped; finished shots are kept"))
            return None
        except ReelgraphError as exc:
            self.post(RunEnded(run_id, "failed", str(exc)))
            return None
        except Exception as exc:  # a renderer or model crash: shown, and the run stays resumable
            self.post(RunEnded(run_id, "failed", f"{type(exc).__name__}: {exc}"))
            return None
        finally:
            self.director.listeners.remove(guard)
        if final is not None and not (quiet_pause and final.get("event") == "awaiting_approval"):
            self.post(_ended(final))
        return final

    def _thumbnail(self, shot: str, path: str) -> None:
        from agent.thumbnails import clip_thumbnail

        try:
            pixels = clip_thumbnail(path, self.thumbnail_cells)
        except ReelgraphError as exc:
            self.post(DirectorReply(f"no thumbnail for shot {shot}: {exc}", error=True))
            return
        self.post(ThumbnailReady(shot, pixels))

    def _remember(self, run_id: str) -> None:
        StudioSession(last_run=run_id, output_name=self.output_name).save(self.director.project)

    # -- memory -------------------------------------------------------------------------------------

    def ask(self, question: str) -> None:
        try:
            answer = self.director.ask(question)
        except ReelgraphError as exc:
            self.post(DirectorReply(str(exc), error=True))
            return
        self.post(DirectorReply(answer.text, citations=list(answer.citations)))

    def ingest(self, paths: tuple[str, ...]) -> None:
        try:
            lines = ingest_references(self.director, paths)
        except ReelgraphError as exc:
            self.post(DirectorReply(str(exc), error=True))
            return
        for line in lines:
            self.post(DirectorReply(line))
        self.references()

    def references(self) -> None:
        try:
            rows = list_references(self.director)
        except ReelgraphError as exc:
            self.post(DirectorReply(f"cannot read the memory: {exc}", error=True))
            return
        self.post(ReferencesLoaded(rows))


def _worker_cancelled() -> bool:
    """Whether the Textual worker running this thread was cancelled (app shutdown, exclusivity)."""
    from textual.worker import NoActiveWorker, get_current_worker

    try:
        return get_current_worker().is_cancelled
    except NoActiveWorker:
        return False


def _ended(final: dict) -> RunEnded:
    kind = final.get("event", "")
    run_id = final.get("run_id")
    if kind == "finished":
        return RunEnded(run_id, "finished", video=final["result"]["video"])
    if kind == "awaiting_approval":
        return RunEnded(run_id, "awaiting_approval", storyboard=Storyboard.model_validate(final["storyboard"]))
    return RunEnded(run_id, kind or "stopped", f"the run ended: {kind}")
