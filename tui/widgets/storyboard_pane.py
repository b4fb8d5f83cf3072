"""The storyboard pane: every shot's prompt, duration and camera in an editable table.

An edit goes through ``agent.chat_intents.edit_shot``, i.e. the storyboard's own schema: a bad
value is refused with the schema's message shown under the table, and the storyboard is unchanged.
"""

from __future__ import annotations

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Label

from agent.chat_intents import EDIT_FIELDS, edit_shot
from agent.storyboard import Storyboard
from reelgraph.errors import InputError
from tui.messages import StoryboardEdited
from tui.text import board_facts, seconds
from tui.widgets.measured_table import MeasuredTable

COLUMNS = (("id", "shot"), ("duration_s", "sec"), ("camera", "camera"), ("prompt", "prompt"))
FIELD_NAMES = {"duration_s": "duration", "camera": "camera", "prompt": "prompt"}


def _cell(field: str, value: object) -> str:
    text = seconds(value) if isinstance(value, float) else " ".join(str(value).split())
    limit = {"camera": 20, "prompt": 60}.get(field)
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "\u2026"


class StoryboardPane(Vertical):
    """Holds the storyboard on screen (``board``); ``locked`` while it is being rendered."""

    BINDINGS = [
        Binding("e", "edit_cell", "Edit cell"),
        Binding("escape", "cancel_edit", "Cancel edit", show=False),
    ]

    DEFAULT_CSS = """
    StoryboardPane { height: 1fr; }
    StoryboardPane #board-title { width: 1fr; height: auto; }
    StoryboardPane DataTable { height: 1fr; }
    StoryboardPane #cell-editor { display: none; }
    StoryboardPane.editing #cell-editor { display: block; }
    StoryboardPane #board-error { width: 1fr; height: auto; color: $error; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.board: Storyboard | None = None
        self.locked = False
        self.editing: tuple[str, str] | None = None  # (shot id, field)
        self.error = ""

    def compose(self) -> ComposeResult:
        yield Label("No storyboard yet. Say: plan a 60-second film about ...", id="board-title")
        table = MeasuredTable(cursor_type="cell", zebra_stripes=True, id="board-table")
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield Input(id="cell-editor")
        yield Label("", id="board-error")

    @property
    def table(self) -> DataTable:
        return self.query_one("#board-table", DataTable)

    def set_storyboard(self, board: Storyboard) -> None:
        self.board = board
        self._show_error("")
        self._redraw()

    def _redraw(self) -> None:
        board = self.board
        if board is None:
            return
        table = self.table
        where = table.cursor_coordinate
        table.clear()
        for shot in board.shots:
            table.add_row(*(_cell(key, getattr(shot, key)) for key, _ in COLUMNS), key=shot.id)
        if where.row < table.row_count:
            table.cursor_coordinate = where
        title = f"[b]{escape(board.title)}[/b]  {board_facts(board)}"
        self.query_one("#board-title", Label).update(title)

    # -- editing ------------------------------------------------------------------------------------

    def edit(self, shot_id: str, field: str, value: str) -> Storyboard:
        """Validate and apply one edit; raises InputError (also shown in the pane) when refused."""
        try:
            if self.board is None:
                raise InputError("there is no storyboard to edit yet; plan a film first")
            if self.locked:
                raise InputError("the storyboard is being rendered; stop the render (ctrl+s) to edit it")
            board = edit_shot(self.board, shot_id, field, value)
        except InputError as exc:
            self._show_error(str(exc))
            raise
        self.board = board
        self._show_error("")
        self._redraw()
        note = f"shot {shot_id}: {FIELD_NAMES[field]} set to {value}"
        self.post_message(StoryboardEdited(board, note))
        return board

    def action_edit_cell(self) -> None:
        table = self.table
        if self.board is None or table.row_count == 0:
            return
        row_key, column_key = table.coordinate_to_cell_key(table.cursor_coordinate)
        self.begin_edit(str(row_key.value), str(column_key.value))

    def begin_edit(self, shot_id: str, field: str) -> None:
        if field not in EDIT_FIELDS or self.board is None:
            self._show_error("only sec, camera and prompt can be edited")
            return
        if self.locked:
            self._show_error("the storyboard is being rendered; stop the render (ctrl+s) to edit it")
            return
        shot = next(s for s in self.board.shots if s.id == shot_id)
        value = getattr(shot, field)
        editor = self.query_one("#cell-editor", Input)
        editor.value = seconds(value) if isinstance(value, float) else str(value)
        editor.placeholder = f"{FIELD_NAMES[field]} of shot {shot_id}"
        editor.border_title = f"{FIELD_NAMES[field]} of {shot_id} (enter saves, esc cancels)"
        self.editing = (shot_id, field)
        self.add_class("editing")
        editor.focus()

    def action_cancel_edit(self) -> None:
        if self.editing is not None:
            self.editing = None
            self.remove_class("editing")
            self._show_error("")
            self.table.focus()

    @on(DataTable.CellSelected, "#board-table")
    def _cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        self.begin_edit(str(event.cell_key.row_key.value), str(event.cell_key.column_key.value))

    @on(Input.Submitted, "#cell-editor")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.editing is None:
            return
        shot_id, field = self.editing
        try:
            self.edit(shot_id, field, event.value)
        except InputError:
            return  # the message is on screen and the editor stays open to fix it
        self.editing = None
        self.remove_class("editing")
        self.table.focus()

    def _show_error(self, text: str) -> None:
        self.error = text
        self.query_one("#board-error", Label).update(escape(text))
