"""The memory pane: the references the scene memory holds (films and documents)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Label

from agent.chat_intents import ReferenceRow
from tui.widgets.measured_table import MeasuredTable

KIND_NAMES = {"shot": "film", "doc": "document", "render": "rendered"}


class MemoryPane(Vertical):
    """Lists ``ReferenceRow``s by file name (full paths would not fit at 80 columns)."""

    DEFAULT_CSS = """
    MemoryPane { height: 1fr; }
    MemoryPane #memory-summary { height: auto; margin-bottom: 1; }
    MemoryPane DataTable { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.references: list[ReferenceRow] = []

    def compose(self) -> ComposeResult:
        yield Label("Memory: not read yet.", id="memory-summary")
        table = MeasuredTable(cursor_type="row", zebra_stripes=True, id="memory-table")
        table.add_columns("reference", "kind", "items")
        yield table

    def set_references(self, rows: list[ReferenceRow]) -> None:
        self.references = list(rows)
        table = self.query_one(DataTable)
        table.clear()
        for row in rows:
            table.add_row(Path(row.source).name, KIND_NAMES.get(row.kind, row.kind), str(row.items))
        items = sum(r.items for r in rows)
        sources = len({r.source for r in rows})
        summary = (
            f"{items} items from {sources} references. Add more: analyze PATH"
            if rows
            else "Memory is empty. Say: analyze PATH (films, scripts, notes)"
        )
        self.query_one("#memory-summary", Label).update(summary)
