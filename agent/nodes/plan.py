"""plan: expand the idea (and what the references taught) into a storyboard."""

from __future__ import annotations

import math

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from agent.context import DirectorContext
from agent.models import parse_model_spec
from agent.events import event_sender
from agent.plan_draft import MAX_DRAFT_SHOTS, PlanDraft, direct_draft, draft_json_schema, draft_to_storyboard
from agent.prompts import FEEDBACK_LINE, PLANNER_SYSTEM, PLANNER_USER
from agent.state import DirectorState
from reelgraph.errors import ModelUnavailable

MAX_REFERENCE_CHARS = 6000
EXTRA_SHOTS = 2
"""A constrained plan may have up to this many shots more than asked: room for the model's own
cut without letting it loop (an unbounded list ran to 18 near-identical shots for 10 asked)."""


def fence(text: str) -> str:
    """Keep reference text from closing the fence it is placed in."""
    return text.replace("</reference_data>", "</reference-data>").replace("<reference_data>", "<reference-data>")


def planner_messages(state: DirectorState, shots: int) -> list:
    references = fence(state.digest[:MAX_REFERENCE_CHARS]) or "(none)"
    feedback = FEEDBACK_LINE.format(note=state.feedback) if state.feedback else ""
    return [
        SystemMessage(content=PLANNER_SYSTEM),
        HumanMessage(content=PLANNER_USER.format(idea=state.idea, duration=state.duration_s, shots=shots, feedback=feedback, references=references)),
    ]


def plan(state: DirectorState, runtime: Runtime[DirectorContext]) -> dict:
    ctx = runtime.context
    if state.storyboard is not None and not state.feedback:
        return {"log": [f"plan: using the given storyboard ({len(state.storyboard.shots)} shots)"]}
    settings = ctx.settings
    shots = max(1, math.ceil(state.duration_s / settings.max_shot_s))
    if settings.model == "none":
        draft, note = direct_draft(state.idea, state.duration_s), "no chat model: the idea as one take"
    elif ctx.chat is None:
        raise ModelUnavailable("planning needs a chat model; pass --model (or --model none) or give a storyboard file")
    else:
        from agent.structured import ask_structured

        asked = min(shots, MAX_DRAFT_SHOTS)  # longer films get long shots, split into extensions below
        event_sender(ctx)({"event": "node", "node": "plan", "message": f"planning about {asked} shot{'s' if asked != 1 else ''}"})
        answer = ask_structured(
            ctx.chat,
            planner_messages(state, asked),
            PlanDraft,
            constrain=parse_model_spec(settings.model).supports_json_schema,
            json_schema=draft_json_schema(asked, asked + EXTRA_SHOTS),
        )
        draft = answer.value
        note = f"{'after repair' if answer.repaired else 'first try'}, {answer.attempts} call(s)"
        if answer.completion_tokens:
            note += f", {answer.prompt_tokens} prompt + {answer.completion_tokens} answer tokens"
    known = set(state.memory_ids) | _cited_ids(state.digest)
    board, cited = draft_to_storyboard(
        draft,
        target_s=state.duration_s,
        aspect=settings.aspect,
        resolution=settings.resolution,
        fps=settings.fps,
        seed=settings.seed,
        known_ids=known,
        max_shot_s=settings.max_shot_s,
        min_shots=shots,
        idea=state.idea,
    )
    return {
        "storyboard": board,
        "citations": cited,
        "feedback": "",
        "approved": False,
        "log": [f"plan: {len(board.shots)} shots, {board.total_duration_s:.1f} s ({note})"],
    }


def _cited_ids(digest: str) -> set[str]:
    """Ids that the digest shows the model, written as [id] at the start of a line."""
    ids = set()
    for line in digest.splitlines():
        if line.startswith("[") and "]" in line:
            ids.add(line[1 : line.index("]")])
    return ids
