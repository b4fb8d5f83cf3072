"""SVG snapshots of the studio's screens at 80x24 (and one wider), pinned with
pytest-textual-snapshot. Run with --snapshot-update after a deliberate change of the look.

Everything on screen is deterministic: the scripted planner, the seeded world renderer, a fixed
clock (no ETA once a run ends), fixed run ids and no project path."""

from __future__ import annotations

import numpy as np

from tests.tui.conftest import SIZE, plan_film, settle_chat, steady, wait_for
from tui.screens.approve import ApproveDialog
from tui.screens.help import HelpScreen


async def planned(pilot) -> None:
    await plan_film(pilot)
    steady(pilot.app)


def test_studio_at_start(snap_compare, make_app):
    """The empty studio: greeting, empty storyboard, footer with the keys."""

    async def settle(pilot) -> None:
        await wait_for(pilot, lambda: "empty" in str(pilot.app.studio.query_one("#memory-summary").render()), what="memory")
        steady(pilot.app)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=settle)


def test_storyboard_after_plan(snap_compare, make_app):
    """The storyboard table after "plan a 6-second film about ...", with the planning log in chat."""
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=planned)


def test_approve_dialog(snap_compare, make_app):
    """The approval dialog over the studio (the graph's interrupt)."""

    async def open_dialog(pilot) -> None:
        await plan_film(pilot)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ApproveDialog), what="the dialog")
        steady(pilot.app)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_dialog)


def test_render_pane_after_film(snap_compare, make_app):
    """The render pane after a film: every bar full and a half-block thumbnail per shot.

    Each thumbnail is a real decoded frame (checked: not flat); for the screenshot it is then drawn
    as a fixed stand-in of the same size, because libx264 on an AVX-512 CPU encodes identical frames
    to different bitstreams run to run (3-5 distinct files in 8 encodes, 2026-12-04), which moves
    thumbnail colours by 1-3 levels and made this snapshot fail at random."""

    async def render(pilot) -> None:
        studio = pilot.app.studio
        await plan_film(pilot)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ApproveDialog), what="the dialog")
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: studio.render_pane.status.startswith("Done"), what="the film")
        await wait_for(pilot, lambda: all(r.thumbnail.has_image for r in studio.render_pane.rows), what="thumbnails")
        for i, row in enumerate(studio.render_pane.rows):
            real = row.thumbnail.pixels
            assert real.std() > 2.0, f"shot {i}'s thumbnail is flat"
            h, w, _ = real.shape
            stand_in = np.zeros_like(real)
            stand_in[..., 0] = np.linspace(0, 255, w, dtype=np.uint8)[None, :]
            stand_in[..., 1] = np.linspace(0, 255, h, dtype=np.uint8)[:, None]
            stand_in[..., 2] = 60 * (i % 4)
            row.thumbnail.show(stand_in)
        await settle_chat(pilot)
        steady(pilot.app)
        await pilot.pause(0.1)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=render)


def test_help_screen(snap_compare, make_app):
    """The help screen lists the chat phrasings and the keys."""

    async def open_help(pilot) -> None:
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), what="help")
        steady(pilot.app)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_help)


def test_storyboard_wide_terminal(snap_compare, make_app):
    """At 140x40 the panes grow: the full prompts fit and the chat keeps a third of the width."""
    assert snap_compare(make_app(), terminal_size=(140, 40), run_before=planned)


def test_storyboard_edit_refused(snap_compare, make_app):
    """A cell being edited with a value the schema refuses: the editor stays open under the table
    and the schema's reason is shown in red."""

    async def bad_edit(pilot) -> None:
        await plan_film(pilot)
        pane = pilot.app.studio.board_pane
        pane.table.focus()
        pane.table.cursor_coordinate = (1, 1)
        await pilot.press("e")
        pilot.app.studio.query_one("#cell-editor").value = "-1"
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(pane.error), what="the error")
        steady(pilot.app)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=bad_edit)
