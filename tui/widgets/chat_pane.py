"""The chat pane: the conversation with the director and the line to type in."""

from __future__ import annotations

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, RichLog

from tui.messages import ChatSubmitted

WHO_STYLE = {"you": "bold cyan", "director": "bold green", "error": "bold red", "status": "dim"}


class ChatPane(Vertical):
    """Keeps a plain transcript (``transcript``: (who, text) pairs) beside the drawn log."""

    DEFAULT_CSS = """
    ChatPane { height: 1fr; }
    ChatPane RichLog { height: 1fr; }
    ChatPane Input { dock: bottom; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.transcript: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield RichLog(wrap=True, markup=True, highlight=False, min_width=20, id="chat-log")
        yield Input(placeholder="Talk to the director (F1: what to say)", id="chat-input")

    def say(self, who: str, text: str) -> None:
        """Add a line from ``who``: you, director, error or status."""
        self.transcript.append((who, text))
        log = self.query_one(RichLog)
        if who == "status":
            log.write(f"[dim]{escape(text)}[/dim]")
        else:
            label = "you" if who == "you" else "director"
            log.write(f"[{WHO_STYLE[who]}]{label}:[/] {escape(text)}")

    def said(self, who: str) -> list[str]:
        return [text for w, text in self.transcript if w == who]

    @on(Input.Submitted, "#chat-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        event.input.value = ""
        if text:
            self.say("you", text)
            self.post_message(ChatSubmitted(text))
