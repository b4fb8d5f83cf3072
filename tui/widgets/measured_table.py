"""A DataTable that redraws after it has measured new rows.

Textual's DataTable (8.x) adds rows at once but measures their widths later, when it is idle, and none
of its render caches (lines, rows, cells) is keyed on column widths. A row drawn in between (on a
loaded machine, the first frame after a plan) stayed clipped to the old widths until something else
changed the table, such as a cursor move. That was seen as storyboard cells cut to six characters,
in snapshots and on screen. Clearing only the line cache was not enough: the row cache handed the
clipped row back.
"""

from __future__ import annotations

from textual import events
from textual.widgets import DataTable


class MeasuredTable(DataTable):
    """``DataTable`` whose lines are redrawn once its idle-time measurement has changed anything."""

    async def _on_idle(self, event: events.Idle) -> None:
        pending = bool(self._require_update_dimensions or self._updated_cells)
        await super()._on_idle(event)
        if pending:
            self._clear_caches()  # rows, cells and lines drawn at the widths before the measurement
            self.refresh()
