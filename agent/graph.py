"""The director graph: ingest -> understand -> plan -> approve -> render -> review -> stitch.

A page of wiring; the nodes live in ``agent/nodes/``. ``builder`` is importable uncompiled so tests
and tools can compile it with any checkpointer; ``graph`` is the compiled graph that
``langgraph.json`` points LangGraph tooling at.
"""

from __future__ import annotations

from typing import Literal

from langgraph.graph import END, START, StateGraph

from agent.context import DirectorContext
from agent.nodes.approve import approve
from agent.nodes.ingest import ingest
from agent.nodes.plan import plan
from agent.nodes.render import render
from agent.nodes.review import review
from agent.nodes.stitch import stitch
from agent.nodes.understand import understand
from agent.state import DirectorInput, DirectorState


def route_after_approve(state: DirectorState) -> Literal["render", "plan", "__end__"]:
    """Approved boards render; a rejection with a note re-plans; a rejection that stops ends the run."""
    if state.approved:
        return "render"
    return END if state.status == "rejected" else "plan"


def route_after_review(state: DirectorState) -> Literal["render", "stitch"]:
    """Weak takes go back to render (bounded by max_retakes in review); otherwise stitch."""
    return "render" if state.retry else "stitch"


builder = StateGraph(DirectorState, context_schema=DirectorContext, input_schema=DirectorInput)
builder.add_node("ingest", ingest)
builder.add_node("understand", understand)
builder.add_node("plan", plan)
builder.add_node("approve", approve)
builder.add_node("render", render)
builder.add_node("review", review)
builder.add_node("stitch", stitch)
builder.add_edge(START, "ingest")
builder.add_edge("ingest", "understand")
builder.add_edge("understand", "plan")
builder.add_edge("plan", "approve")
builder.add_conditional_edges("approve", route_after_approve)
builder.add_edge("render", "review")
builder.add_conditional_edges("review", route_after_review)
builder.add_edge("stitch", END)

graph = builder.compile()
graph.name = "reelgraph director"
