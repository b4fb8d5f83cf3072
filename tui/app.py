"""The studio app, built by ``create_app`` so tests (and the CLI) choose its director's parts.

Quitting stops a render cooperatively and waits for the worker, so the run's checkpoint and the
clip cache are consistent: the next session offers to continue it (``ctrl+t``), and
``reelgraph chat --resume`` continues it at once.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from langchain_core.language_models.chat_models import BaseChatModel
from textual.app import App
from textual.binding import Binding

from agent.api import Director
from agent.context import DirectorSettings, ShotRenderer, ShotScorer
from reelgraph.project import Project
from tui.director_work import DirectorWork
from tui.screens.studio import StudioScreen


class StudioApp(App):
    """The terminal studio. Talks only to ``agent``: the director and its events."""

    TITLE = "reelgraph studio"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True), Binding("ctrl+c", "quit", "Quit", show=False, priority=True)]

    def __init__(
        self,
        director: Director,
        *,
        resume: bool = False,
        clock: Callable[[], float] = time.monotonic,
        new_run_id: Callable[[], str] | None = None,
        output_name: str = "film.mp4",
        show_project: bool = True,
    ) -> None:
        super().__init__()
        self.director = director
        self.resume_on_start = resume
        self.clock = clock
        self.new_run_id = new_run_id or (lambda: uuid.uuid4().hex[:12])
        self.show_project = show_project
        self.work = DirectorWork(director, post=self._post_to_studio, output_name=output_name)

    def on_mount(self) -> None:
        # Pushed, not the default screen: Textual loads a screen's CSS_PATH when it is pushed.
        self.push_screen(StudioScreen())

    @property
    def studio(self) -> StudioScreen:
        return next(s for s in self.screen_stack if isinstance(s, StudioScreen))

    def _post_to_studio(self, message) -> bool:
        """Worker threads post to the studio screen, whichever screen is on top."""
        return self.studio.post_message(message)

    async def action_quit(self) -> None:
        """Stop a running render (finished shots stay in the cache, the run stays resumable) and
        wait for the workers, so the run's checkpoint is whole when the process ends."""
        if any(not w.is_finished for w in self.workers):
            self.work.stop.set()
            self.notify("Stopping; finished shots are kept. Continue next time with ctrl+t.")
            await self.workers.wait_for_complete()
        self.exit()

    def on_unmount(self) -> None:
        self.director.close()


def create_app(
    project: Project | str | Path | None,
    settings: DirectorSettings | None = None,
    chat: BaseChatModel | None = None,
    renderer: ShotRenderer | None = None,
    scorer: ShotScorer | None = None,
    *,
    use_scorer: bool = True,
    resume: bool = False,
    clock: Callable[[], float] = time.monotonic,
    new_run_id: Callable[[], str] | None = None,
    output_name: str = "film.mp4",
    show_project: bool = True,
) -> StudioApp:
    """The studio for a project. The director never auto-approves here: approval is the dialog."""
    settings = dataclasses.replace(settings or DirectorSettings(), auto_approve=False)
    director = Director(project, settings, chat=chat, renderer=renderer, scorer=scorer, use_scorer=use_scorer)
    return StudioApp(director, resume=resume, clock=clock, new_run_id=new_run_id, output_name=output_name, show_project=show_project)
