"""MeasuredTable: a row drawn before the table measured it is redrawn at the measured widths."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from tui.widgets.measured_table import MeasuredTable

LONG = "several woolly mammoths approach in a snowy meadow"


class OneTable(App):
    """The table alone, so nothing else on screen triggers the redraw the fix is about."""

    def compose(self) -> ComposeResult:
        table = MeasuredTable(id="t")
        table.add_column("shot", key="shot")
        table.add_column("prompt", key="prompt")
        yield table


@pytest.mark.anyio
async def test_row_drawn_before_measurement_is_redrawn_full_width() -> None:
    app = OneTable()
    async with app.run_test(size=(100, 10)) as pilot:
        table = app.query_one(MeasuredTable)
        table.add_row("s1-1", "short", key="s1-1")
        await pilot.pause()
        await pilot.pause()
        # A new plan replaces the rows (same keys, as the storyboard pane does), and the row is drawn
        # before the table is idle, as happens on a loaded machine: at the old widths.
        table.clear()
        table.add_row("s1-1", LONG, key="s1-1")
        assert LONG not in table.render_line(1).text
        await pilot.pause()
        await pilot.pause()
        assert table.columns["prompt"].content_width == len(LONG)
        assert LONG in table.render_line(1).text
