"""The render pane: overall progress with an ETA, and one row per shot with its thumbnail."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, ProgressBar

from agent.storyboard import Storyboard
from agent.thumbnails import thumbnail_size
from tui.text import seconds
from tui.widgets.shot_row import ShotRow


def format_eta(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


class RenderPane(Vertical):
    """Draws a run from its events (``handle``); thumbnails arrive separately (``show_thumbnail``).

    ``clock`` gives the seconds the ETA is computed from (tests pass a fixed one).
    """

    DEFAULT_CSS = """
    RenderPane { height: 1fr; }
    RenderPane #render-status { height: auto; width: 1fr; }
    RenderPane #overall { width: 1fr; margin-bottom: 1; }
    RenderPane #overall Bar { width: 1fr; }
    RenderPane #shots { height: 1fr; }
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.status = "Nothing rendered yet: plan a film, then press ctrl+r."
        self.shots_total = 0
        self.shots_done = 0
        self.current_fraction = 0.0
        self.started_at: float | None = None
        self.events_seen = 0

    def compose(self) -> ComposeResult:
        yield Label(self.status, id="render-status")
        yield ProgressBar(total=None, show_eta=False, id="overall")
        yield VerticalScroll(id="shots")

    # -- rows ---------------------------------------------------------------------------------------

    def row(self, shot_id: str) -> ShotRow | None:
        for row in self.query(ShotRow):
            if row.shot_id == shot_id:
                return row
        return None

    @property
    def rows(self) -> list[ShotRow]:
        return list(self.query(ShotRow))

    async def set_storyboard(self, board: Storyboard) -> None:
        """One waiting row per shot of the storyboard that will be rendered."""
        shots = self.query_one("#shots", VerticalScroll)
        await shots.remove_children()
        cells = 16
        rows = thumbnail_size(board.width, board.height, cells)[1] // 2
        await shots.mount_all(ShotRow(s.id, s.prompt, s.duration_s, cells, rows) for s in board.shots)
        self.shots_total, self.shots_done, self.current_fraction, self.started_at = len(board.shots), 0, 0.0, None
        self.query_one("#overall", ProgressBar).update(total=None, progress=0)
        self._status(f"{len(board.shots)} shots, {seconds(board.total_duration_s)} s, waiting for approval (ctrl+r).")

    def show_thumbnail(self, shot_id: str, pixels) -> None:
        row = self.row(shot_id)
        if row is not None:
            row.thumbnail.show(pixels)

    # -- events -------------------------------------------------------------------------------------

    def handle(self, event: dict) -> None:
        """Update from one director event (see agent/events.py for their keys)."""
        self.events_seen += 1
        kind = event.get("event")
        if kind == "shot_start":
            if self.started_at is None:
                self.started_at = self.clock()
                self.shots_total, self.shots_done = event["total"], 0
            row = self.row(event["shot"])
            if row is not None:
                take = f"take {event['attempt']}" if event.get("attempt", 1) > 1 else ""
                row.set_state("rendering", take)
            self.current_fraction = 0.0
            self._overall(f"Rendering shot {event['index'] + 1}/{event['total']} ({event['shot']})")
        elif kind == "shot_progress":
            row = self.row(event["shot"])
            if row is not None:
                row.set_frames(event["frames_done"], event["frames_total"])
            self.current_fraction = event["frames_done"] / max(1, event["frames_total"])
            self._overall(f"Rendering shot {self.shots_done + 1}/{self.shots_total} ({event['shot']})")
        elif kind == "shot_done":
            row = self.row(event["shot"])
            if row is not None:
                row.set_state("cached" if event.get("cached") else "done")
                frames = 1 if event.get("cached") else int(row.bar.total or 1)
                row.set_frames(frames, frames)
            self.shots_done, self.current_fraction = event["index"] + 1, 0.0
            self._overall(f"Rendered {self.shots_done}/{event['total']} shots")
        elif kind == "review":
            row = self.row(event["shot"])
            if row is not None:
                row.set_state("retake" if event.get("retake") else row.state, f"score {event['score']:.2f}")
        elif kind == "stitch":
            self._status(f"Stitching {event['clips_done']}/{event['clips_total']} clips")
        elif kind == "run":
            self.started_at = None

    def finish(self, message: str) -> None:
        """The run ended (finished, stopped or failed): no ETA, just what happened."""
        bar = self.query_one("#overall", ProgressBar)
        if self.shots_total and self.shots_done == self.shots_total:
            bar.update(total=self.shots_total, progress=self.shots_total)
        self.started_at = None
        self._status(message)

    def _overall(self, what: str) -> None:
        if not self.shots_total:
            return
        fraction = (self.shots_done + self.current_fraction) / self.shots_total
        self.query_one("#overall", ProgressBar).update(total=self.shots_total, progress=self.shots_done + self.current_fraction)
        eta = ""
        if self.started_at is not None and fraction > 0:
            elapsed = self.clock() - self.started_at
            eta = f" \u00b7 ETA {format_eta(elapsed / fraction * (1 - fraction))}"
        self._status(what + eta)

    def _status(self, text: str) -> None:
        self.status = text
        self.query_one("#render-status", Label).update(escape(text))
