"""The Python API: ``Director`` plans, renders, resumes and answers questions.

Every run is a LangGraph thread in ``<project>/runs/runs.sqlite`` keyed by its run id, so a run
interrupted by a crash, Ctrl-C or the approval step continues with ``resume(run_id)`` and never
renders a finished shot again. ``events`` yields the progress events the CLI and TUI draw.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from langchain_core.language_models.chat_models import BaseChatModel
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.types import Command

from agent.context import DirectorContext, DirectorSettings, ShotRenderer, ShotScorer
from agent.graph import builder
from agent.state import DirectorInput, FilmResult
from agent.storyboard import Storyboard
from reelgraph.errors import InputError
from reelgraph.project import Project


# The only classes a checkpoint may rebuild: the state's own models (nothing else is unpickled).
CHECKPOINT_TYPES = [
    ("agent.storyboard", "Storyboard"),
    ("agent.storyboard", "Scene"),
    ("agent.storyboard", "Shot"),
    ("agent.storyboard", "Continuity"),
    ("agent.state", "RenderedShot"),
    ("agent.state", "FilmResult"),
    ("agent.state", "DirectorInput"),
]


@dataclass
class RunOutcome:
    """Where a run stands after ``run``/``resume``: finished (``result``), waiting for approval
    (``pending_storyboard``), or stopped by a rejection."""

    run_id: str
    status: str
    result: Optional[FilmResult] = None
    pending_storyboard: Optional[Storyboard] = None
    log: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Answer:
    """An answer from memory: the ids it cites (each exists in memory) and the ids it was shown."""

    text: str
    citations: list[str]
    consulted: list[str]


class Director:
    """One project's director. Heavy parts (chat model, memory, evaluator) load on first use."""

    def __init__(
        self,
        project: Project | str | Path | None = None,
        settings: DirectorSettings | None = None,
        *,
        chat: BaseChatModel | None = None,
        renderer: ShotRenderer | None = None,
        scorer: ShotScorer | None = None,
        use_scorer: bool = True,
    ) -> None:
        self.project = project if isinstance(project, Project) else Project.open(project)
        self.settings = settings or DirectorSettings()
        self._chat = chat
        self._renderer = renderer
        self._scorer = scorer
        self._use_scorer = use_scorer
        self._memory = None
        self._conn = sqlite3.connect(self.project.runs / "runs.sqlite", check_same_thread=False)
        self.graph = builder.compile(checkpointer=SqliteSaver(self._conn, serde=JsonPlusSerializer(allowed_msgpack_modules=CHECKPOINT_TYPES)))
        self.listeners: list = []

    # -- parts ------------------------------------------------------------------------------------

    @property
    def chat(self) -> BaseChatModel:
        if self._chat is None:
            from agent.models import load_chat_model

            self._chat = load_chat_model(self.settings.model, seed=self.settings.seed)
        return self._chat

    @property
    def memory(self):
        if self._memory is None:
            from memory.store import SceneMemory

            self._memory = SceneMemory.open(self.project.memory_dir)
        return self._memory

    def _context(self, need_chat: bool, need_memory: bool) -> DirectorContext:
        from agent.renderers import EvaluatorScorer, pick_renderer

        if self._renderer is None:
            self._renderer = pick_renderer(self.settings.renderer)
        if self._scorer is None and self._use_scorer:
            self._scorer = EvaluatorScorer()
        return DirectorContext(
            project=self.project,
            settings=self.settings,
            chat=self.chat if need_chat and self.settings.model != "none" else self._chat,
            renderer=self._renderer,
            scorer=self._scorer,
            memory=self.memory if need_memory else self._memory,
            events=list(self.listeners),
        )

    # -- runs -------------------------------------------------------------------------------------

    def events(
        self,
        *,
        idea: str = "",
        storyboard: Storyboard | None = None,
        refs: list[str] | tuple[str, ...] = (),
        duration_s: float = 60.0,
        output_name: str = "film.mp4",
        run_id: str | None = None,
        approval: dict | None = None,
    ) -> Iterator[dict]:
        """Start (or, given an existing ``run_id``, continue) a run and yield its events.

        Events are dicts with an ``event`` key; the last one is ``finished``, ``awaiting_approval``
        or ``rejected``, carrying the run id.
        """
        run_id = run_id or uuid.uuid4().hex[:12]
        config = {"configurable": {"thread_id": run_id}}
        snapshot = self.graph.get_state(config)
        if snapshot.created_at is None:
            if not idea and storyboard is None:
                raise InputError("a run needs an idea or a storyboard")
            payload: Any = DirectorInput(idea=idea, storyboard=storyboard, refs=list(refs), duration_s=duration_s, output_name=output_name)
            need_chat = storyboard is None
        elif snapshot.next:
            pending = any(task.interrupts for task in snapshot.tasks)
            payload = Command(resume=approval or {"action": "accept"}) if pending else None
            need_chat = snapshot.values.get("storyboard") is None or bool(approval and approval.get("action") == "reject")
        else:
            yield self._final(run_id)
            return
        remembers = need_chat and any(self.project.memory_dir.glob("*.sqlite"))
        context = self._context(need_chat=need_chat, need_memory=bool(refs) or bool(snapshot.values.get("refs")) or remembers)
        yield {"event": "run", "run_id": run_id}
        for mode, chunk in self.graph.stream(payload, config, context=context, stream_mode=["custom", "updates"]):
            if mode == "custom":
                yield chunk
            elif "__interrupt__" in chunk:
                continue
            else:
                for node, update in chunk.items():
                    yield {"event": "node_done", "node": node, "log": (update or {}).get("log", [])}
        yield self._final(run_id)

    def _final(self, run_id: str) -> dict:
        outcome = self.outcome(run_id)
        if outcome.status == "done":
            return {"event": "finished", "run_id": run_id, "result": outcome.result.model_dump()}
        if outcome.pending_storyboard is not None:
            return {"event": "awaiting_approval", "run_id": run_id, "storyboard": outcome.pending_storyboard.model_dump(mode="json")}
        return {"event": outcome.status, "run_id": run_id}

    def outcome(self, run_id: str) -> RunOutcome:
        """Read where a run stands from its checkpoints."""
        snapshot = self.graph.get_state({"configurable": {"thread_id": run_id}})
        if snapshot.created_at is None:
            raise InputError(f"no run {run_id!r} in {self.project.runs}; `reelgraph run --resume` lists none to continue")
        values = snapshot.values
        result = values.get("result")
        pending = any(task.interrupts for task in snapshot.tasks)
        return RunOutcome(
            run_id=run_id,
            status="done" if result is not None else ("awaiting_approval" if pending else values.get("status", "planning")),
            result=FilmResult.model_validate(result) if isinstance(result, dict) else result,
            pending_storyboard=values.get("storyboard") if pending else None,
            log=list(values.get("log", [])),
        )

    def run(self, idea: str = "", **kwargs: Any) -> RunOutcome:
        """Run to the end (or to the approval pause) and return where it stands."""
        run_id = None
        for event in self.events(idea=idea, **kwargs):
            run_id = event.get("run_id", run_id)
        return self.outcome(run_id)

    def resume(self, run_id: str, approval: dict | None = None) -> RunOutcome:
        """Continue a run after a crash, Ctrl-C or the approval pause (``approval`` answers it)."""
        for _ in self.events(run_id=run_id, approval=approval):
            pass
        return self.outcome(run_id)

    @contextmanager
    def _approval(self, auto: bool) -> Iterator[None]:
        """Run with approval forced on or off, restoring the caller's setting afterwards."""
        before = self.settings.auto_approve
        self.settings.auto_approve = auto
        try:
            yield
        finally:
            self.settings.auto_approve = before

    def plan(self, idea: str, refs: list[str] | tuple[str, ...] = (), duration: float = 60.0) -> Storyboard:
        """Plan a storyboard without rendering: the run stops at the approval step."""
        with self._approval(auto=False):
            outcome = self.run(idea, refs=refs, duration_s=duration)
        if outcome.pending_storyboard is None:
            raise InputError("planning ended without a storyboard")
        return outcome.pending_storyboard

    def render(self, storyboard: Storyboard, output_name: str = "film.mp4", run_id: str | None = None) -> FilmResult:
        """Render a ready storyboard to ``<project>/outputs/<output_name>``."""
        with self._approval(auto=True):
            outcome = self.run(storyboard=storyboard, output_name=output_name, run_id=run_id, duration_s=storyboard.total_duration_s)
        assert outcome.result is not None, outcome
        return outcome.result

    def ask(self, question: str, k: int = 8) -> Answer:
        """Answer from the scene memory, citing the ids of the items used."""
        from langchain_core.messages import HumanMessage, SystemMessage

        from agent.nodes.plan import fence
        from agent.prompts import ASK_SYSTEM, ASK_USER

        hits = self.memory.search(question, k=k)
        if not hits:
            return Answer("The memory is empty: ingest references first with `reelgraph analyze PATH`.", [], [])
        facts = "\n".join(f"[{h.item.id}] {' '.join(h.item.text.split()[:80])}" for h in hits)
        reply = self.chat.invoke([SystemMessage(content=ASK_SYSTEM), HumanMessage(content=ASK_USER.format(question=question, facts=fence(facts)))])
        text = str(reply.content).strip()
        consulted = [h.item.id for h in hits]
        return Answer(text=text, citations=[i for i in consulted if f"[{i}]" in text], consulted=consulted)

    def close(self) -> None:
        self._conn.close()
        if self._memory is not None:
            self._memory.close()
