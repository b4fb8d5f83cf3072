"""review: the evaluator scores each new take against its prompt; weak takes go back to render."""

from __future__ import annotations

from pathlib import Path

from langgraph.runtime import Runtime

from agent.context import DirectorContext
from agent.events import event_sender
from agent.state import DirectorState, RenderedShot


def review(state: DirectorState, runtime: Runtime[DirectorContext]) -> dict:
    """Score unscored takes. A take below the threshold is retried with a new seed until
    ``max_retakes`` is spent; a retake that scores worse than an earlier one gives way to it."""
    ctx = runtime.context
    send = event_sender(ctx)
    if ctx.scorer is None:
        return {"log": ["review: no evaluator, takes kept as rendered"]}
    updated: dict[str, RenderedShot] = {}
    retry: list[str] = []
    for shot in state.storyboard.shots:
        take = state.rendered.get(shot.id)
        if take is None or take.score is not None:
            continue
        score, details = ctx.scorer.score(Path(take.path), shot.prompt)
        take = take.model_copy(update={"score": score, "details": details})
        if take.best_score is not None and take.best_score > score:
            take = take.model_copy(update={"path": take.best_path, "score": take.best_score})
        if take.score < ctx.settings.review_threshold and take.attempt <= ctx.settings.max_retakes:
            retry.append(shot.id)
        updated[shot.id] = take
        send({"event": "review", "shot": shot.id, "score": round(take.score, 3), "retake": shot.id in retry})
    return {"rendered": updated, "retry": retry, "log": [f"review: {len(updated)} scored, {len(retry)} sent back"]}
