"""Rich progress bars drawn from the director's events: one bar per shot and one for the film."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class RunProgress:
    """Use as a context manager and pass every event to ``handle``."""

    def __init__(self, console: Console, enabled: bool = True) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("{task.description:<18}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not enabled,
        )
        self.film: TaskID | None = None
        self.shot: TaskID | None = None

    def __enter__(self) -> "RunProgress":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def handle(self, event: dict) -> None:
        kind = event.get("event")
        p = self.progress
        if kind == "node_done":
            for line in event.get("log", []):
                p.console.print(f"[dim]{line}[/]", highlight=False)
        elif kind == "node":
            p.console.print(f"[dim]{event.get('node')}: {event.get('message')}[/]", highlight=False)
        elif kind == "shot_start":
            if self.film is None:
                self.film = p.add_task("film (shots)", total=event["total"])
            if self.shot is not None:
                p.remove_task(self.shot)
            label = f"shot {event['shot']}" + (f" take {event['attempt']}" if event.get("attempt", 1) > 1 else "")
            self.shot = p.add_task(label, total=None)
        elif kind == "shot_progress" and self.shot is not None:
            p.update(self.shot, completed=event["frames_done"], total=event["frames_total"])
        elif kind == "shot_done" and self.film is not None:
            p.update(self.film, completed=event["index"] + 1, total=event["total"])
            if event.get("cached"):
                p.console.print(f"[dim]shot {event['shot']}: cached take reused[/]", highlight=False)
        elif kind == "review":
            verdict = "retake" if event.get("retake") else "kept"
            p.console.print(f"[dim]review {event['shot']}: score {event['score']:.2f}, {verdict}[/]", highlight=False)
        elif kind == "stitch":
            if self.shot is not None:
                p.remove_task(self.shot)
                self.shot = None
            if self.film is not None:
                p.update(self.film, description="stitching", completed=event["clips_done"], total=event["clips_total"])
