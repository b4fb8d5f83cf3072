"""understand: digest the references into what a planner can use, small enough for any context.

A two-hour film has a thousand shots; no small model reads them all. The digest is built
hierarchically from measurements already in memory: the film-level summary, then one line per
segment (a tenth of the film: its pace, camera habits and colours), then the memory items closest
to the idea. Each line starts with the memory id it comes from, so the plan can cite it.
"""

from __future__ import annotations

from collections import Counter
from statistics import mean

from langgraph.runtime import Runtime

from agent.context import DirectorContext
from agent.state import DirectorState

SEGMENTS = 10
RELATED = 8


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m // 60}:{m % 60:02d}:{s:02d}" if m >= 60 else f"{m}:{s:02d}"


def film_digest(items: list) -> list[str]:
    """Film-level line plus one line per segment of its shots (items of one source)."""
    film = [it for it in items if it.attributes.get("type") == "film"]
    shots = sorted((it for it in items if it.attributes.get("type") == "shot"), key=lambda it: it.start_s or 0.0)
    lines = [f"[{f.id}] {f.text}" for f in film]
    if not shots:
        return lines
    size = max(1, -(-len(shots) // SEGMENTS))
    for start in range(0, len(shots), size):
        seg = shots[start : start + size]
        lengths = [(it.end_s or 0) - (it.start_s or 0) for it in seg]
        cams = Counter(str(it.attributes.get("camera", "?")) for it in seg).most_common(2)
        colours = Counter(n for it in seg for n in it.attributes.get("palette_names", [])[:1]).most_common(2)
        lines.append(
            f"[{seg[0].id}] {_clock(seg[0].start_s or 0)}-{_clock(seg[-1].end_s or 0)}: {len(seg)} shots, "
            f"average {mean(lengths):.1f} s, camera {', '.join(f'{c} x{n}' for c, n in cams)}, "
            f"colours {', '.join(c for c, _ in colours) or 'mixed'}"
        )
    return lines


def document_digest(items: list) -> list[str]:
    """One line per chunk heading (scene headings of a screenplay), first words of its text."""
    lines = []
    for it in items[:40]:
        head = it.attributes.get("heading") or it.attributes.get("section") or ""
        chars = it.attributes.get("characters") or []
        who = f" ({', '.join(chars[:4])})" if chars else ""
        lines.append(f"[{it.id}] {head}{who}: {' '.join(it.text.split()[:40])}")
    return lines


def remembered(state: DirectorState, memory) -> dict:
    """No references in this run, but the project's memory holds earlier ones (``reelgraph analyze``
    a week ago): the planner sees the items closest to the idea, so a film made after studying a
    reference still draws on it. Nothing is shown when the memory is empty or there is no idea."""
    if memory is None or not state.idea or len(memory) == 0:
        return {"digest": "", "log": ["understand: nothing to digest"]}
    hits = memory.search(state.idea, k=RELATED)
    lines = ["Closest to the idea in this project's memory (from earlier references):"]
    lines += [f"[{h.item.id}] {' '.join(h.item.text.split()[:40])}" for h in hits]
    return {"digest": "\n".join(lines), "log": [f"understand: no references given; {len(hits)} related item(s) from memory"]}


def understand(state: DirectorState, runtime: Runtime[DirectorContext]) -> dict:
    ctx = runtime.context
    if not state.memory_ids:
        return remembered(state, ctx.memory)
    from memory.items import SearchFilters

    wanted = set(state.memory_ids)
    by_source: dict[str, list] = {}
    for item in ctx.memory.items(SearchFilters()):
        if item.id in wanted:
            by_source.setdefault(item.source, []).append(item)
    lines: list[str] = []
    for source, items in by_source.items():
        lines.append(f"Reference {source.rsplit('/', 1)[-1]}:")
        lines += film_digest(items) if items[0].kind == "shot" else document_digest(items)
    if state.idea:
        hits = ctx.memory.search(state.idea, k=RELATED)
        if hits:
            lines.append("Closest to the idea:")
            lines += [f"[{h.item.id}] {' '.join(h.item.text.split()[:40])}" for h in hits if h.item.id in wanted]
    return {"digest": "\n".join(lines), "log": [f"understand: digest of {len(by_source)} reference(s), {len(lines)} lines"]}
