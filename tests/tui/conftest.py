"""Fixtures for studio tests: the real director graph with a scripted chat model, the real
procedural world renderer (optionally slowed for one shot), and a project folder per test."""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable

import pytest

from agent.context import DirectorSettings, ShotRequest
from agent.prompts import ASK_SYSTEM
from agent.renderers import WorldRenderer
from tests.agent.conftest import PLAN, ScriptedChat
from tui.app import StudioApp, create_app

SIZE = (80, 24)


def director_chat(*plans: dict) -> ScriptedChat:
    """Plans with the given plans in turn (repeating the last); answers questions by citing the
    first fact it was shown, as a real model told to cite would."""
    queue = list(plans or (PLAN,))

    def respond(messages) -> str:
        if messages[0].content == ASK_SYSTEM:
            ids = re.findall(r"^\[([^\]]+)\]", messages[-1].content, re.M)
            return f"The cabin scene happens at night by the fire [{ids[0]}]." if ids else "I do not know."
        plan = queue.pop(0) if len(queue) > 1 else queue[0]
        return json.dumps(plan)

    return ScriptedChat(respond=respond, seen=[])


class PacedRenderer(WorldRenderer):
    """The real world renderer, reporting every frame; ``slow`` shots take ``delay`` s a frame so a
    test can act while one renders. Records the shots it was asked to render."""

    def __init__(self, slow: tuple[str, ...] = (), delay: float = 0.15) -> None:
        self.calls: list[str] = []
        self.slow = slow
        self.delay = delay
        self.lock = threading.Lock()

    def render(self, request: ShotRequest, on_frames):
        with self.lock:
            self.calls.append(request.shot_id)
        total = max(1, round(request.duration_s * request.fps))
        for i, frame in enumerate(super().render(request, lambda done, total: None), 1):
            if request.shot_id in self.slow:
                time.sleep(self.delay)
            yield frame
            on_frames(i, total)


@pytest.fixture
def studio_settings() -> DirectorSettings:
    """48x32 at 6 fps: a 6-second film renders in about a second."""
    return DirectorSettings(resolution="48x32", fps=6, max_shot_s=10.0)


@pytest.fixture
def make_app(tmp_path, studio_settings) -> Callable[..., StudioApp]:
    """A studio on this test's project folder; fixed clock, run ids and no project name on screen,
    so screenshots are the same on every run."""
    counter = itertools.count(1)

    def make(chat=None, renderer=None, **kwargs) -> StudioApp:
        kwargs.setdefault("use_scorer", False)
        return create_app(
            tmp_path / "project",
            studio_settings,
            chat=chat if chat is not None else director_chat(),
            renderer=renderer if renderer is not None else PacedRenderer(),
            clock=lambda: 0.0,
            new_run_id=lambda: f"run{next(counter)}",
            show_project=False,
            **kwargs,
        )

    return make


async def wait_for(pilot, condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    """Let the app run until ``condition()`` holds (workers run in threads meanwhile)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


async def send(pilot, text: str) -> None:
    """Type a chat line and send it."""
    app = pilot.app
    chat_input = app.studio.query_one("#chat-input")
    chat_input.focus()
    chat_input.value = text
    await pilot.press("enter")


async def plan_film(pilot, text: str = "plan a 6-second film about mammoths in the snow") -> None:
    """Plan and wait until the studio has finished showing it: the board is set before the handler
    that announces it in chat returns, so waiting on the board alone races a loaded machine."""
    studio = pilot.app.studio
    announced = len(studio.chat.said("director"))
    await send(pilot, text)
    await wait_for(pilot, lambda: studio.board is not None and studio.running is None, what="a storyboard")
    await wait_for(pilot, lambda: len(studio.chat.said("director")) > announced, what="the storyboard announced")
    await settle_chat(pilot)
    await settle_table(pilot, studio.board_pane.table)


def _measured(table) -> bool:
    """Whether every column of ``table`` is as wide as its label and its widest cell."""
    for key, column in table.columns.items():
        cells = [len(str(table.get_cell(row, key))) for row in table.rows]
        if column.content_width < max([len(column.label.plain)] + cells):
            return False
    return True


async def settle_table(pilot, table) -> None:
    """Wait until the table has measured its new rows: DataTable widens its columns only when the
    app is idle, so a screenshot taken before that on a loaded machine shows clipped cells."""
    await wait_for(pilot, lambda: _measured(table), what="the storyboard table measured")
    await pilot.pause(0.05)


async def settle_chat(pilot) -> None:
    """Wait until the chat log has drawn every line and scrolled to its end (it scrolls after the
    next refresh, not when a line is written)."""
    from textual.widgets import RichLog

    log = pilot.app.studio.query_one("#chat-log", RichLog)
    await pilot.pause(0.05)
    await wait_for(pilot, lambda: log.scroll_y >= log.max_scroll_y, what="the chat log scrolled to its end")
    await pilot.pause(0.05)


@pytest.fixture
def anyio_backend() -> str:
    """Pilot tests run on asyncio through anyio's pytest plugin (installed with Textual's deps)."""
    return "asyncio"


def steady(app: StudioApp) -> None:
    """Stop every text cursor blinking, so a screenshot does not depend on when it is taken."""
    from textual.widgets import Input

    for screen in app.screen_stack:
        for widget in screen.query(Input):
            widget.cursor_blink = False
