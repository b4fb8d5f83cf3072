"""Messages the studio's workers and widgets send: small dataclasses, no behaviour.

Worker threads never touch widgets; they post these and the screen's handlers (on the UI thread)
update the panes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from agent.chat_intents import ReferenceRow
from agent.storyboard import Storyboard


@dataclass
class ChatSubmitted(Message):
    """A person sent a line in the chat pane."""

    text: str


@dataclass
class DirectorEvent(Message):
    """One progress event of a run, as ``Director.events`` yielded it (see agent/events.py)."""

    event: dict


@dataclass
class ThumbnailReady(Message):
    """The still of a finished shot: uint8 (h, w, 3) RGB, h even."""

    shot: str
    pixels: object  # numpy.ndarray; kept untyped so this module stays free of numpy


@dataclass
class RunEnded(Message):
    """A run's worker stopped: ``status`` is finished, awaiting_approval, rejected, stopped or failed."""

    run_id: str | None
    status: str
    detail: str = ""
    storyboard: Storyboard | None = None
    video: str | None = None


@dataclass
class DirectorReply(Message):
    """Text the director says in the chat (answers, ingest summaries, errors)."""

    text: str
    citations: list[str] = field(default_factory=list)
    error: bool = False


@dataclass
class ReferencesLoaded(Message):
    """What the scene memory holds now."""

    rows: list[ReferenceRow]


@dataclass
class StoryboardEdited(Message):
    """The storyboard pane accepted a validated edit."""

    storyboard: Storyboard
    note: str


@dataclass
class RunStarted(Message):
    """A worker began (or continued) a run; ``storyboard`` is the one it renders, when known."""

    run_id: str
    what: str
    storyboard: Storyboard | None = None
