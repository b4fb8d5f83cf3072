"""A DataTable that redraws after it has measured new rows.

Textual's DataTable adds rows at once but measures their widths later, when it is idle, and its line
cache is not keyed on column widths. A line drawn in between (on a loaded machine, the first frame
after a plan) stayed clipped to the old widths until something else changed the table, such as a
cursor move. That was seen as storyboard cells cut to six characters, in snapshots and on screen.
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
            self._line_cache.clear()  # lines drawn at the widths before the measurement
            self.refresh()
