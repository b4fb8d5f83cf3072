"""render: make every shot that has no take yet (or that review sent back), through the clip cache.

Each take is written to ``<project>/cache/<hash>.mp4`` where the hash covers everything that
determines its pixels (prompt, length, size, rate, seed, renderer and weights version, and the clip
it extends). A crash or Ctrl-C loses at most the shot being rendered: on resume, finished takes are
found in the cache and never rendered twice.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from langgraph.runtime import Runtime

from agent.context import DirectorContext, ShotRequest
from agent.events import event_sender
from agent.plan_draft import shot_seed
from agent.state import DirectorState, RenderedShot
from agent.storyboard import Shot, Storyboard

RETAKE_SEED_STEP = 7919


def take_key(request: ShotRequest, renderer_name: str, renderer_version: str, extends_key: str | None) -> str:
    payload = {
        "prompt": request.prompt,
        "duration_s": request.duration_s,
        "size": [request.width, request.height],
        "fps": request.fps,
        "seed": request.seed,
        "preview": request.preview,
        "chain": [request.chain_start_s, request.chain_seed],
        "renderer": renderer_name,
        "version": renderer_version,
        "extends": extends_key,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]


def shots_to_render(state: DirectorState) -> list[Shot]:
    board = state.storyboard
    return [s for s in board.shots if s.id not in state.rendered or s.id in state.retry]


def render(state: DirectorState, runtime: Runtime[DirectorContext]) -> dict:
    from generation.video_io import Provenance, VideoWriter

    ctx = runtime.context
    board: Storyboard = state.storyboard
    send = event_sender(ctx)
    todo = shots_to_render(state)
    takes: dict[str, RenderedShot] = dict(state.rendered)
    done_now: dict[str, RenderedShot] = {}
    for index, shot in enumerate(todo):
        old = takes.get(shot.id)
        attempt = old.attempt + 1 if old is not None else 1
        base = shot.seed if shot.seed is not None else shot_seed(ctx.settings.seed, shot.id)
        seed = (base + RETAKE_SEED_STEP * (attempt - 1)) % 2**32
        extends = _extended_take(shot, takes)
        request = ShotRequest(
            shot_id=shot.id,
            prompt=shot.prompt if not board.style else f"{shot.prompt}. {board.style}",
            duration_s=shot.duration_s,
            width=board.width,
            height=board.height,
            fps=board.fps,
            seed=seed,
            continue_from=Path(extends.path) if extends else None,
            preview=ctx.settings.preview,
            chain_start_s=_chain_start(shot, board),
            chain_seed=_chain_seed(shot, board, takes),
        )
        key = take_key(request, ctx.renderer.name, ctx.renderer.version, Path(extends.path).stem if extends else None)
        clip = ctx.project.cache / f"{key}.mp4"
        send({"event": "shot_start", "shot": shot.id, "index": index, "total": len(todo), "attempt": attempt})
        if not clip.is_file():

            def progress(done: int, total: int, _shot: str = shot.id) -> None:
                send({"event": "shot_progress", "shot": _shot, "frames_done": done, "frames_total": total})

            provenance = Provenance(generator=f"{ctx.renderer.name} {ctx.renderer.version}", prompt=request.prompt, seed=seed)
            with VideoWriter(clip, fps=board.fps, provenance=provenance) as writer:
                for frame in ctx.renderer.render(request, progress):
                    writer.write(frame)
            cached = False
        else:
            cached = True
        take = RenderedShot(shot_id=shot.id, path=str(clip), seed=seed, prompt=request.prompt, attempt=attempt)
        if old is not None and old.score is not None:
            take = take.model_copy(update={"best_path": old.best_path or old.path, "best_score": max(old.score, old.best_score or 0.0)})
        takes[shot.id] = done_now[shot.id] = take
        send({"event": "shot_done", "shot": shot.id, "path": str(clip), "cached": cached, "index": index, "total": len(todo)})
    return {"rendered": done_now, "retry": [], "log": [f"render: {len(done_now)} take(s)"]}


def _chain(shot: Shot, board: Storyboard) -> list[Shot]:
    """The shots this one extends, first to last (empty for a shot that starts a take)."""
    by_id = {s.id: s for s in board.shots}
    chain: list[Shot] = []
    current = shot
    while current.continuity is not None and current.continuity.how == "extend" and current.continuity.from_shot in by_id:
        current = by_id[current.continuity.from_shot]
        chain.insert(0, current)
    return chain


def _chain_start(shot: Shot, board: Storyboard) -> float:
    return sum(s.duration_s for s in _chain(shot, board))


def _chain_seed(shot: Shot, board: Storyboard, takes: dict[str, RenderedShot]) -> int | None:
    chain = _chain(shot, board)
    first = takes.get(chain[0].id) if chain else None
    return first.seed if first else None


def _extended_take(shot: Shot, takes: dict[str, RenderedShot]) -> RenderedShot | None:
    if shot.continuity is None or shot.continuity.how != "extend":
        return None
    return takes.get(shot.continuity.from_shot)
