"""The studio screen: chat on the left; storyboard, render and memory panes on the right.

The screen owns the conversation's state (the storyboard on screen, the run waiting for approval,
the run that can be continued) and starts workers; the workers report back with messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from agent.chat_intents import Analyze, AskMemory, EditShot, PlanFilm, RenderFilm, resolve_shot, route
from agent.storyboard import Storyboard
from reelgraph.errors import InputError
from tui.messages import (
    ChatSubmitted,
    DirectorEvent,
    DirectorReply,
    ReferencesLoaded,
    RunEnded,
    RunStarted,
    StoryboardEdited,
    ThumbnailReady,
)
from tui.screens.approve import ApprovalChoice, ApproveDialog
from tui.screens.help import HelpScreen
from tui.session import StudioSession
from tui.text import seconds
from tui.widgets.chat_pane import ChatPane
from tui.widgets.memory_pane import MemoryPane
from tui.widgets.render_pane import RenderPane
from tui.widgets.storyboard_pane import StoryboardPane

if TYPE_CHECKING:
    from tui.app import StudioApp

GREETING = (
    "Hello. Tell me what to make, e.g. \u201cplan a 60-second film about woolly mammoths in the snow\u201d, "
    "or give me references: \u201canalyze ~/films/ref.mp4\u201d. F1 lists what I understand."
)


class StudioScreen(Screen):
    CSS_PATH = "studio.tcss"
    AUTO_FOCUS = "#chat-input"
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("ctrl+r", "render", "Render"),
        Binding("ctrl+t", "continue_run", "Continue"),
        Binding("ctrl+s", "stop", "Stop"),
        Binding("f2", "tab('storyboard')", "Board"),
        Binding("f3", "tab('render')", "Progress"),
        Binding("f4", "tab('memory')", "Memory"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.board: Storyboard | None = None
        self.pending_run: str | None = None
        """The run paused at its approval step with ``board`` (before edits)."""
        self.resumable: str | None = None
        """An interrupted run that ctrl+t continues."""
        self.running: str | None = None
        """What the run worker is doing: planning or rendering (None when idle)."""
        self.memory_busy = False

    @property
    def studio(self) -> "StudioApp":
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="\u25b6")
        with Horizontal(id="studio"):
            yield ChatPane(id="chat")
            with TabbedContent(initial="storyboard", id="tabs"):
                with TabPane("Storyboard", id="storyboard"):
                    yield StoryboardPane(id="board")
                with TabPane("Render", id="render"):
                    yield RenderPane(clock=self.studio.clock, id="render-pane")
                with TabPane("Memory", id="memory"):
                    yield MemoryPane(id="memory-pane")
        yield Footer(compact=True)

    @property
    def chat(self) -> ChatPane:
        return self.query_one(ChatPane)

    @property
    def board_pane(self) -> StoryboardPane:
        return self.query_one(StoryboardPane)

    @property
    def render_pane(self) -> RenderPane:
        return self.query_one(RenderPane)

    @property
    def memory_pane(self) -> MemoryPane:
        return self.query_one(MemoryPane)

    # -- start ------------------------------------------------------------------------------------

    async def on_mount(self) -> None:
        self.title = "reelgraph studio"
        self.sub_title = self.studio.director.project.root.name if self.studio.show_project else ""
        self.chat.say("director", GREETING)
        self._memory_worker("references")
        await self._offer_last_run()
        if self.studio.resume_on_start:
            self.action_continue_run()

    async def _offer_last_run(self) -> None:
        """Offer to continue the run the last session left unfinished (or show its pending storyboard)."""
        last = StudioSession.load(self.studio.director.project).last_run
        if last is None:
            return
        try:
            outcome = self.studio.director.outcome(last)
        except InputError:
            return  # the session names a run that never reached its first checkpoint
        if outcome.pending_storyboard is not None:
            await self._show_board(outcome.pending_storyboard)
            self.pending_run = last
            self.chat.say("director", "The storyboard from your last session waits for approval: edit it, then ctrl+r renders it.")
        elif outcome.status in ("planning", "rendering"):
            self.resumable = last
            self.chat.say("director", "Your last run was interrupted. Press ctrl+t to continue it; finished shots are kept.")

    # -- chat ---------------------------------------------------------------------------------------

    async def on_chat_submitted(self, message: ChatSubmitted) -> None:
        try:
            intent = route(message.text)
        except InputError as exc:
            self.chat.say("error", str(exc))
            return
        if isinstance(intent, Analyze):
            self._start_ingest(intent.paths)
        elif isinstance(intent, PlanFilm):
            self._start_plan(intent)
        elif isinstance(intent, EditShot):
            self._chat_edit(intent)
        elif isinstance(intent, RenderFilm):
            self.action_render()
        elif isinstance(intent, AskMemory):
            self._start_ask(intent.question)

    def _start_ingest(self, paths: tuple[str, ...]) -> None:
        if self.memory_busy or self.running:
            self.chat.say("error", "I am busy; analyze again when the current work is done.")
            return
        self.memory_busy = True
        self.chat.say("status", f"reading {len(paths)} reference(s)...")
        self._memory_worker("ingest", paths)

    def _start_ask(self, question: str) -> None:
        if self.memory_busy or self.running == "planning":
            self.chat.say("error", "I am busy; ask again when the current work is done.")
            return
        self.memory_busy = True
        self._memory_worker("ask", question)

    def _start_plan(self, intent: PlanFilm) -> None:
        if self.running:
            self.chat.say("error", f"a run is {self.running}; stop it (ctrl+s) before planning a new film")
            return
        self.chat.say("status", f"planning a {seconds(intent.duration_s)}-second film about {intent.idea}...")
        self.running = "planning"
        self._run_worker("plan", self.studio.new_run_id(), intent.idea, intent.duration_s)

    def _chat_edit(self, intent: EditShot) -> None:
        try:
            if self.board is None:
                raise InputError("there is no storyboard to edit yet; plan a film first")
            self.board_pane.edit(resolve_shot(self.board, intent.shot), intent.field, intent.value)
        except InputError as exc:
            self.chat.say("error", str(exc))

    @on(StoryboardEdited)
    def _edited(self, message: StoryboardEdited) -> None:
        self.board = message.storyboard
        self.chat.say("director", message.note + ". Say render (or ctrl+r) when it looks right.")

    # -- actions ------------------------------------------------------------------------------------

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_render(self) -> None:
        if self.running:
            self.chat.say("error", f"a run is {self.running} already")
            return
        if self.board is None:
            self.chat.say("error", "nothing to render yet: plan a film first")
            return
        self.app.push_screen(ApproveDialog(self.board, can_replan=self.pending_run is not None), self._approved)

    async def _approved(self, choice: ApprovalChoice | None) -> None:
        if choice is None or choice.action == "cancel" or self.board is None:
            self.chat.say("status", "not rendered; the storyboard stays as it is")
            return
        if choice.action == "reject" and self.pending_run is not None:
            self.chat.say("status", f"re-planning: {choice.note}")
            self.running = "planning"
            self._run_worker("replan", self.pending_run, self.board, choice.note)
            return
        run_id = self.pending_run or self.studio.new_run_id()
        self.running = "rendering"
        self._run_worker("render", run_id, self.board, self.pending_run is not None)

    def action_continue_run(self) -> None:
        if self.running:
            self.chat.say("error", f"a run is {self.running} already")
            return
        run_id = self.resumable
        if run_id is None:
            self.chat.say("error", "there is no interrupted run to continue")
            return
        self.chat.say("status", "continuing the interrupted run; finished shots come from the cache")
        self.running = "rendering"
        self._run_worker("resume", run_id)

    def action_stop(self) -> None:
        if not self.running:
            self.chat.say("status", "nothing is running")
            return
        self.studio.work.stop.set()
        self.chat.say("status", "stopping...")

    # -- workers ------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="run", exit_on_error=False)
    def _run_worker(self, what: str, run_id: str, *args) -> None:
        work = self.studio.work
        if what == "plan":
            work.plan(run_id, *args)
        elif what == "render":
            board, pending = args
            work.render(run_id, board, pending)
        elif what == "replan":
            board, note = args
            work.render(run_id, board, True, approval={"action": "reject", "note": note, "stop": False})
        elif what == "resume":
            work.resume(run_id)

    @work(thread=True, exclusive=True, group="memory", exit_on_error=False)
    def _memory_worker(self, what: str, *args) -> None:
        work = self.studio.work
        if what == "ingest":
            work.ingest(*args)
        elif what == "ask":
            work.ask(*args)
        else:
            work.references()

    # -- what the workers report --------------------------------------------------------------------

    async def on_run_started(self, message: RunStarted) -> None:
        self.running = message.what
        if message.storyboard is not None:
            self.board_pane.locked = True
            await self._show_board(message.storyboard, render_rows=True)
            self.action_tab("render")

    def on_director_event(self, message: DirectorEvent) -> None:
        event = message.event
        kind = event.get("event")
        if kind == "node_done":
            for line in event.get("log", []):
                self.chat.say("status", line)
        elif kind == "node":
            self.chat.say("status", f"{event.get('node')}: {event.get('message')}")
        self.render_pane.handle(event)

    def on_thumbnail_ready(self, message: ThumbnailReady) -> None:
        self.render_pane.show_thumbnail(message.shot, message.pixels)

    async def on_run_ended(self, message: RunEnded) -> None:
        was = self.running
        self.running = None
        self.board_pane.locked = False
        if message.status == "awaiting_approval" and message.storyboard is not None:
            self.pending_run, self.resumable = message.run_id, None
            board = message.storyboard
            await self._show_board(board, render_rows=True)
            self.action_tab("storyboard")
            self.chat.say(
                "director",
                f"Storyboard \u201c{board.title}\u201d: {len(board.shots)} shots, {seconds(board.total_duration_s)} s. "
                "Edit it (e on a cell, or \u201cshot 2 duration 4\u201d), then say render or press ctrl+r.",
            )
        elif message.status == "finished":
            self.pending_run = self.resumable = None
            where = self._shown_path(message.video)
            self.render_pane.finish(f"Done: {where}")
            self.chat.say("director", f"The film is ready: {where}")
        elif message.status == "stopped":
            self.resumable = message.run_id
            self.render_pane.finish("Stopped. Finished shots are kept; ctrl+t continues.")
            self.chat.say("director", "Stopped. Finished shots are kept; ctrl+t continues the run.")
        elif message.status == "rejected":
            self.pending_run = None
            self.chat.say("director", "The run was rejected and stopped.")
        else:
            self.resumable = message.run_id if was == "rendering" else None
            self.render_pane.finish(f"Failed: {message.detail}")
            self.chat.say("error", message.detail + (" (ctrl+t retries; finished shots are kept)" if self.resumable else ""))

    def on_director_reply(self, message: DirectorReply) -> None:
        text = message.text
        if message.citations:
            text += "\n(cited: " + ", ".join(message.citations) + ")"
        self.chat.say("error" if message.error else "director", text)

    def on_references_loaded(self, message: ReferencesLoaded) -> None:
        self.memory_pane.set_references(message.rows)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that ends frees its lane, even one that died before it could report."""
        if not event.worker.is_finished:
            return
        if event.worker.group == "memory":
            self.memory_busy = False
        elif event.worker.group == "run" and event.state == WorkerState.ERROR:
            self.running = None
            self.board_pane.locked = False
            self.chat.say("error", f"the run stopped: {event.worker.error}")

    # -- helpers ------------------------------------------------------------------------------------

    async def _show_board(self, board: Storyboard, render_rows: bool = True) -> None:
        self.board = board
        self.board_pane.set_storyboard(board)
        if render_rows:
            await self.render_pane.set_storyboard(board)

    def _shown_path(self, path: str | None) -> str:
        """Paths inside the project are shown relative to it (short, and the same on every machine)."""
        if not path:
            return "(no file)"
        try:
            return str(Path(path).relative_to(self.studio.director.project.root))
        except ValueError:
            return path
