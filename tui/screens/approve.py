"""The approval dialog: the graph's approve step (its interrupt) asked as a modal question."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from agent.storyboard import Storyboard
from tui.text import board_facts, seconds


@dataclass(frozen=True)
class ApprovalChoice:
    """What the person answered: accept (render), reject (re-plan with ``note``) or cancel."""

    action: Literal["accept", "reject", "cancel"]
    note: str = ""


class ApproveDialog(ModalScreen[ApprovalChoice]):
    """Shows the storyboard's shots and returns an ``ApprovalChoice``."""

    CSS_PATH = "approve.tcss"
    BINDINGS = [
        Binding("escape", "choose('cancel')", "Cancel"),
        Binding("ctrl+a", "choose('accept')", "Accept & render"),
    ]

    def __init__(self, board: Storyboard, can_replan: bool) -> None:
        super().__init__()
        self.board = board
        self.can_replan = can_replan

    def compose(self) -> ComposeResult:
        board = self.board
        with Vertical(id="approve-box"):
            yield Label(f"[b]Render \u201c{escape(board.title)}\u201d?[/b]", id="approve-title")
            yield Label(
                board_facts(board) + " \u00b7 ctrl+a accepts, esc cancels",
                id="approve-summary",
            )
            with VerticalScroll(id="approve-shots"):
                for shot in board.shots:
                    yield Static(f"[b]{escape(shot.id)}[/b] {seconds(shot.duration_s)} s  {escape(' '.join(shot.prompt.split()))}", classes="approve-shot")
            yield Input(placeholder="What should change? (for Re-plan)", id="approve-note", disabled=not self.can_replan)
            with Horizontal(id="approve-buttons"):
                yield Button("Accept & render", variant="success", id="accept")
                yield Button("Re-plan", variant="warning", id="reject", disabled=not self.can_replan)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#accept", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_choose(event.button.id or "cancel")

    @on(Input.Submitted, "#approve-note")
    def _note(self, event: Input.Submitted) -> None:
        self.action_choose("reject")

    def action_choose(self, action: str) -> None:
        note = self.query_one("#approve-note", Input).value.strip()
        if action == "reject" and not note:
            self.notify("Say what should change before re-planning.", severity="warning")
            self.query_one("#approve-note", Input).focus()
            return
        self.dismiss(ApprovalChoice(action if action in ("accept", "reject") else "cancel", note))
