"""The director graph's state: what each node reads and the partial updates it returns.

Only plain, serialisable values live here (the SQLite checkpointer stores every step), so a run can
be resumed in a new process. Heavy objects (chat model, memory, renderer) live in ``DirectorContext``.
"""

from __future__ import annotations

import operator
from typing import Annotated, Literal, Optional

from pydantic import BaseModel, Field

from agent.storyboard import Storyboard


def merge_dicts(old: dict, new: dict) -> dict:
    """Reducer: later updates win per key, earlier keys are kept (shots render one by one)."""
    return {**old, **new}


class RenderedShot(BaseModel):
    """One rendered take of a shot: where its clip is, how it was made and how it scored."""

    shot_id: str
    path: str = Field(..., description="Clip file inside the project's cache.")
    seed: int
    prompt: str
    attempt: int = Field(1, description="1 for the first take; review re-renders count up.")
    score: Optional[float] = Field(None, description="Evaluator agreement with the prompt, 0..1; None until reviewed.")
    details: dict[str, str] = Field(default_factory=dict, description="Per-attribute verdicts from the evaluator.")
    best_path: Optional[str] = Field(None, description="The best earlier take, kept if this retake scores worse.")
    best_score: Optional[float] = Field(None, description="Score of best_path.")


class FilmResult(BaseModel):
    """What a finished run leaves behind."""

    video: str
    contact_sheet: str
    manifest: str
    duration_s: float
    shots: int


class DirectorInput(BaseModel):
    """What a caller gives a run."""

    idea: str = Field("", description="The short idea; empty when a storyboard is given.")
    duration_s: float = Field(60.0, description="Target film length in seconds.")
    refs: list[str] = Field(default_factory=list, description="Reference films and documents to ingest first.")
    storyboard: Optional[Storyboard] = Field(None, description="A ready storyboard: skips planning.")
    output_name: str = Field("film.mp4", description="Output MP4 name inside <project>/outputs.")


class DirectorState(DirectorInput):
    """Everything a run knows; each node returns a partial update of it."""

    memory_ids: list[str] = Field(default_factory=list, description="Items the ingest step added.")
    digest: str = Field("", description="What the references teach: pacing, palette, camera, script scenes.")
    citations: list[str] = Field(default_factory=list, description="Memory ids the plan draws on.")
    approved: bool = Field(False, description="Whether a person (or --yes) accepted the storyboard.")
    feedback: str = Field("", description="Why the last storyboard was rejected, for the next plan.")
    rendered: Annotated[dict[str, RenderedShot], merge_dicts] = Field(default_factory=dict)
    retry: list[str] = Field(default_factory=list, description="Shot ids the review sends back to render.")
    log: Annotated[list[str], operator.add] = Field(default_factory=list, description="Human-readable step log.")
    result: Optional[FilmResult] = None
    status: Literal["planning", "rendering", "done", "rejected"] = "planning"
