"""The studio driven headless through the pilot, against the real director graph, the real world
renderer and a scripted chat model: plan, edit, approve, watch the render, stop, resume."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.tui.conftest import SIZE, PacedRenderer, plan_film, send, wait_for
from tui.screens.approve import ApproveDialog
from tui.screens.help import HelpScreen

pytestmark = pytest.mark.anyio


async def test_chat_plans_edits_approves_and_renders(make_app):
    """A chat line plans a storyboard that appears in the table; a cell edit and a chat edit are
    validated and kept (a bad one is refused with the schema's message); ctrl+r opens the approval
    dialog; accepting streams progress into per-shot bars and thumbnails; the film is the edited one."""
    renderer = PacedRenderer()
    app = make_app(renderer=renderer)
    async with app.run_test(size=SIZE) as pilot:
        studio = app.studio
        await send(pilot, "shot 2 duration 4")
        assert "no storyboard" in studio.chat.said("error")[-1]

        await plan_film(pilot)
        table = studio.board_pane.table
        assert [str(k.value) for k in table.rows] == ["s1-1", "s1-2", "s2-1"]
        assert "Mammoth country" in str(studio.query_one("#board-title").render())

        # Edit shot 2's duration in the table: cursor to row 2, column "sec", e, type, enter.
        table.focus()
        table.cursor_coordinate = (1, 1)
        await pilot.press("e")
        editor = studio.query_one("#cell-editor")
        assert app.focused is editor and editor.value == "1.83"  # 11 frames at 6 fps, as shown
        editor.value = "-1"
        await pilot.press("enter")
        assert "greater than 0" in studio.board_pane.error and studio.board.shots[1].duration_s == pytest.approx(11 / 6)
        editor.value = "2"
        await pilot.press("enter")
        assert studio.board.shots[1].duration_s == 2.0 and studio.board_pane.editing is None
        assert table.get_cell_at((1, 1)) == "2"

        await send(pilot, "make shot 3 a close-up")
        assert studio.board.shots[2].camera == "close-up"

        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, ApproveDialog), what="the approval dialog")
        await pilot.click("#accept")
        await wait_for(pilot, lambda: "The film is ready" in " ".join(studio.chat.said("director")), what="the film")
        await pilot.pause(0.1)

        pane = studio.render_pane
        assert [r.state for r in pane.rows] == ["done", "done", "done"]
        assert all(r.bar.percentage == 1.0 for r in pane.rows)
        assert pane.query_one("#overall").percentage == 1.0
        assert pane.status == "Done: outputs/film.mp4"
        for row in pane.rows:  # half-block thumbnails of the real clips: 16 x 10 pixels, not blank
            assert row.thumbnail.has_image and row.thumbnail.pixels.shape == (10, 16, 3)
            assert np.ptp(row.thumbnail.pixels) > 0
        strip = pane.rows[0].thumbnail.render_line(0)
        assert strip.text == "\u2580" * 16
        assert renderer.calls == ["s1-1", "s1-2", "s2-1"]
    manifest = json.loads((app.director.project.outputs / "film.manifest.json").read_text())
    shots = {s["id"]: s for s in manifest["shots"]}
    assert shots["s1-2"]["duration_s"] == 2.0  # the edit made in the table is what was rendered
    assert (app.director.project.outputs / "film.mp4").is_file()


async def test_progress_events_arrive_while_rendering(make_app):
    """While a shot renders the pane shows its frame count and an ETA, before the run ends."""
    app = make_app(renderer=PacedRenderer(slow=("s1-2",), delay=0.1))
    async with app.run_test(size=SIZE) as pilot:
        studio = app.studio
        await plan_film(pilot)
        await send(pilot, "render")
        await wait_for(pilot, lambda: isinstance(app.screen, ApproveDialog), what="the approval dialog")
        await pilot.press("ctrl+a")
        row = lambda: studio.render_pane.rows[1]  # noqa: E731
        await wait_for(pilot, lambda: row().state == "rendering" and 0 < (row().bar.progress or 0) < (row().bar.total or 0), what="shot 2 mid-render")
        assert "ETA" in studio.render_pane.status and studio.running == "rendering"
        assert studio.board_pane.locked
        await send(pilot, "shot 1 duration 3")
        assert "being rendered" in studio.chat.said("error")[-1]
        await wait_for(pilot, lambda: studio.running is None, what="the end of the run")
        assert studio.render_pane.status.startswith("Done")


async def test_quit_mid_render_then_resume(make_app):
    """ctrl+q during a render stops it within a few frames and exits; the next studio offers to
    continue; ctrl+t finishes the film rendering only the unfinished shots (the first is cached)."""
    renderer = PacedRenderer(slow=("s1-2",), delay=0.2)
    app = make_app(renderer=renderer)
    async with app.run_test(size=SIZE) as pilot:
        studio = app.studio
        await plan_film(pilot)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, ApproveDialog), what="the approval dialog")
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: studio.render_pane.rows[0].state == "done" and studio.render_pane.rows[1].state == "rendering", what="shot 2 started")
        assert studio.render_pane.rows[0].thumbnail.has_image
        await pilot.press("ctrl+q")
    assert app.return_code == 0
    assert renderer.calls == ["s1-1", "s1-2"]
    assert not (app.director.project.outputs / "film.mp4").exists()

    again = PacedRenderer()
    app2 = make_app(renderer=again)
    async with app2.run_test(size=SIZE) as pilot:
        studio = app2.studio
        await wait_for(pilot, lambda: any("interrupted" in t for t in studio.chat.said("director")), what="the resume offer")
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: "The film is ready" in " ".join(studio.chat.said("director")), what="the film")
        await pilot.pause(0.1)
        assert [r.state for r in studio.render_pane.rows] == ["cached", "done", "done"]
    assert again.calls == ["s1-2", "s2-1"]
    assert (app2.director.project.outputs / "film.mp4").is_file()


async def test_resume_flag_continues_at_start(make_app):
    """`reelgraph chat --resume` (create_app(resume=True)) continues a stopped run without a key."""
    app = make_app(renderer=PacedRenderer(slow=("s1-1",), delay=0.2))
    async with app.run_test(size=SIZE) as pilot:
        studio = app.studio
        await plan_film(pilot)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, ApproveDialog), what="the approval dialog")
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: studio.render_pane.rows[0].state == "rendering", what="shot 1 started")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: studio.running is None, what="the stop")
        assert studio.resumable == "run1" and "Stopped" in studio.render_pane.status
    again = PacedRenderer()
    app2 = make_app(renderer=again, resume=True)
    async with app2.run_test(size=SIZE) as pilot:
        studio = app2.studio
        await wait_for(pilot, lambda: "The film is ready" in " ".join(studio.chat.said("director")), what="the film")
    assert again.calls == ["s1-1", "s1-2", "s2-1"]


async def test_reject_in_dialog_replans(make_app):
    """Re-plan with a note answers the graph's approval with a rejection; the next plan appears."""
    from tests.agent.conftest import PLAN
    from tests.tui.conftest import director_chat

    second = json.loads(json.dumps(PLAN))
    second["title"] = "More mammoths"
    app = make_app(chat=director_chat(PLAN, second))
    async with app.run_test(size=SIZE) as pilot:
        studio = app.studio
        await plan_film(pilot)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, ApproveDialog), what="the approval dialog")
        dialog = app.screen
        dialog.query_one("#approve-note").value = "more mammoths"
        await pilot.click("#reject")
        await wait_for(pilot, lambda: studio.board is not None and studio.board.title == "More mammoths" and studio.running is None, what="the new plan")
        assert studio.pending_run == "run1"


@pytest.mark.slow
async def test_analyze_lists_reference_and_ask_cites_it(make_app, tmp_path):
    """"analyze FILE" ingests a real document into the scene memory (MiniLM), the memory pane lists
    it, and a question is answered from memory with the cited id shown."""
    script = tmp_path / "the_pass.fountain"
    script.write_text("Title: The Pass\n\nEXT. SNOWY MEADOW - DAY\n\nThree mammoths cross the meadow.\n\nINT. CABIN - NIGHT\n\nA fire burns. MAYA watches the storm.\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        studio = app.studio
        await wait_for(pilot, lambda: "empty" in str(studio.query_one("#memory-summary").render()), what="the memory pane")
        await send(pilot, f"analyze {script}")
        await wait_for(pilot, lambda: bool(studio.memory_pane.references), timeout=60, what="the ingest")
        row = studio.memory_pane.references[0]
        assert Path(row.source).name == "the_pass.fountain" and row.kind == "doc" and row.items >= 1
        assert studio.memory_pane.query_one("#memory-table").get_cell_at((0, 0)) == "the_pass.fountain"
        await send(pilot, "what happens in the cabin?")
        await wait_for(pilot, lambda: any("cited:" in t for t in studio.chat.said("director")), timeout=30, what="the answer")
        answer = [t for t in studio.chat.said("director") if "cited:" in t][-1]
        cited = answer.split("(cited: ")[1].rstrip(")")
        assert cited.startswith("doc-")
        await send(pilot, "analyze /no/such/file.mp4")
        await wait_for(pilot, lambda: any("does not exist" in t for t in studio.chat.said("error")), what="the error")


async def test_help_screen_opens_and_closes(make_app):
    """F1 shows the help screen over the studio; escape closes it."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), what="help to close")
