"""Progress events: small dicts sent to LangGraph's custom stream and to any extra listeners.

The CLI draws rich progress bars from them and the TUI updates its render pane from the same
events, so every node reports progress the same way. Each event has an ``event`` key:
node, shot_start, shot_progress, shot_done, review, stitch, done.
"""

from __future__ import annotations

from collections.abc import Callable

from langgraph.config import get_stream_writer

from agent.context import DirectorContext


def event_sender(ctx: DirectorContext) -> Callable[[dict], None]:
    """A function that sends one event to the graph's custom stream (when running inside a graph)
    and to the context's listeners."""
    try:
        write = get_stream_writer()
    except RuntimeError:  # a node called on its own, outside a graph run
        write = None

    def send(event: dict) -> None:
        if write is not None:
            write(event)
        ctx.emit(event)

    return send
