"""One shot in the render pane: its thumbnail, its label and its frame progress bar."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, ProgressBar

from tui.text import seconds
from tui.widgets.thumbnail import Thumbnail


class ShotRow(Horizontal):
    """Progress of one shot; ``state`` is waiting, rendering, done or cached."""

    DEFAULT_CSS = """
    ShotRow { height: auto; min-height: 2; margin-bottom: 1; }
    ShotRow > Vertical { height: auto; width: 1fr; padding-left: 1; }
    ShotRow ProgressBar Bar { width: 1fr; }
    ShotRow ProgressBar { width: 1fr; }
    """

    def __init__(self, shot_id: str, prompt: str, duration_s: float, thumb_cells: int = 16, thumb_rows: int = 5) -> None:
        super().__init__(classes="shot-row")
        self.shot_id = shot_id
        self.prompt = prompt
        self.duration_s = duration_s
        self.state = "waiting"
        self.detail = ""
        self._thumb = Thumbnail(thumb_cells, thumb_rows)
        self._label = Label(self._text(), classes="shot-label")
        self._bar = ProgressBar(total=None, show_eta=False, show_percentage=True)

    def compose(self) -> ComposeResult:
        yield self._thumb
        with Vertical():
            yield self._label
            yield self._bar

    @property
    def thumbnail(self) -> Thumbnail:
        return self._thumb

    @property
    def bar(self) -> ProgressBar:
        return self._bar

    def _text(self) -> str:
        words = " ".join(self.prompt.split())
        short = words if len(words) <= 60 else words[:59] + "\u2026"
        extra = f" \u00b7 {self.detail}" if self.detail else ""
        return f"[b]{escape(self.shot_id)}[/b] {seconds(self.duration_s)} s \u00b7 {self.state}{extra}\n[dim]{escape(short)}[/dim]"

    def set_state(self, state: str, detail: str | None = None) -> None:
        self.state = state
        if detail is not None:
            self.detail = detail
        self._label.update(self._text())

    def set_frames(self, done: int, total: int) -> None:
        self._bar.update(total=max(total, 1), progress=done)
