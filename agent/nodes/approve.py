"""approve: a person accepts, edits or rejects the storyboard (LangGraph interrupt)."""

from __future__ import annotations

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from agent.context import DirectorContext
from agent.state import DirectorState
from agent.storyboard import Storyboard
from reelgraph.errors import InputError


def approve(state: DirectorState, runtime: Runtime[DirectorContext]) -> dict:
    """Pause the run until the caller resumes it with ``{"action": "accept" | "edit" | "reject"}``.

    An edit carries a whole storyboard, which is validated like a file would be. ``--yes`` skips
    the pause. The storyboard is sent out as JSON so any front end can show it.
    """
    if runtime.context.settings.auto_approve:
        return {"approved": True, "status": "rendering", "log": ["approve: auto-approved (--yes)"]}
    answer = interrupt({"kind": "approve", "storyboard": state.storyboard.model_dump(mode="json")})
    if isinstance(answer, str):
        answer = {"action": answer}
    action = answer.get("action", "accept")
    if action == "accept":
        return {"approved": True, "status": "rendering", "log": ["approve: accepted"]}
    if action == "edit":
        board = Storyboard.model_validate(answer["storyboard"])
        return {"storyboard": board, "approved": True, "status": "rendering", "log": ["approve: accepted with edits"]}
    if action == "reject":
        return {
            "approved": False,
            "feedback": answer.get("note", "") or "make it better",
            "status": "rejected" if answer.get("stop") else "planning",
            "log": [f"approve: rejected ({answer.get('note', '')})"],
        }
    raise InputError(f"unknown approval action {action!r}; use accept, edit or reject")
