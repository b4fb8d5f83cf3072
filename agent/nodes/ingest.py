"""ingest: put the reference films and documents into the project's scene memory."""

from __future__ import annotations

from pathlib import Path

from langgraph.runtime import Runtime

from agent.context import DirectorContext
from agent.events import event_sender
from agent.state import DirectorState


def ingest(state: DirectorState, runtime: Runtime[DirectorContext]) -> dict:
    """Analyse each reference not yet in memory. Analysis happens before storing, so a corrupt
    file stores nothing and the error names it; what was stored before is kept."""
    ctx = runtime.context
    if not state.refs:
        return {"log": ["ingest: no references"]}
    from memory.ingest.reference import ingest_reference
    from memory.items import SearchFilters

    send = event_sender(ctx)
    ids: list[str] = []
    for i, ref in enumerate(state.refs):
        path = Path(ref).expanduser().resolve()
        have = ctx.memory.items(SearchFilters(source=str(path)))
        if not have:
            send({"event": "node", "node": "ingest", "message": f"reading {path.name} ({i + 1}/{len(state.refs)})"})
            ingest_reference(path, ctx.memory)
            have = ctx.memory.items(SearchFilters(source=str(path)))
        ids += [item.id for item in have]
    return {"memory_ids": ids, "log": [f"ingest: {len(state.refs)} reference(s), {len(ids)} memory items"]}
