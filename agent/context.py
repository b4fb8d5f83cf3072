"""What a director run is given besides its state: settings and the heavy objects it works with.

The graph's state is checkpointed after every step; the chat model, the scene memory, the shot
renderer and the evaluator are not state — they are rebuilt by the caller and passed to each run as
LangGraph's runtime context, so a resumed run in a new process gets fresh ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Optional, Protocol

import numpy as np
from langchain_core.language_models.chat_models import BaseChatModel

from reelgraph.project import Project


@dataclass(frozen=True)
class ShotRequest:
    """One shot to render: the storyboard's shot plus the film's format, and what it continues."""

    shot_id: str
    prompt: str
    duration_s: float
    width: int
    height: int
    fps: int
    seed: int
    continue_from: Optional[Path] = None  # a clip whose last frames this shot extends
    preview: bool = False
    chain_start_s: float = 0.0  # where this shot starts inside a chain of extensions
    chain_seed: Optional[int] = None  # the seed of the chain's first shot (same scene layout)


class ShotRenderer(Protocol):
    """Makes the frames of one shot. ``version`` changes whenever its output would (weights hash)."""

    name: str
    version: str

    def render(self, request: ShotRequest, on_frames: Callable[[int, int], None]) -> Iterator[np.ndarray]:
        """Yield uint8 (H, W, 3) frames; call ``on_frames(done, total)`` as they are made."""
        ...


class ShotScorer(Protocol):
    """Scores how well a clip shows its prompt (the evaluator trained on the world)."""

    def score(self, clip: Path, prompt: str) -> tuple[float, dict[str, str]]:
        """Mean agreement 0..1 and a per-attribute verdict."""
        ...


@dataclass
class DirectorSettings:
    """Knobs of a run. Every field says what it is for; the CLI offers them as options."""

    model: str = "local"
    """Chat model string: local, local:PATH.gguf, openai:MODEL, google_genai:MODEL or a folder."""
    aspect: str = "16:9"
    """Frame shape of planned storyboards."""
    resolution: Optional[str] = None
    """Exact WxH of planned storyboards; None derives it from the aspect."""
    fps: int = 24
    """Frame rate of planned storyboards."""
    seed: int = 0
    """Base seed: planning samples and shot seeds derive from it."""
    auto_approve: bool = False
    """Skip the approval interrupt (``--yes``)."""
    review_threshold: float = 0.5
    """Shots the evaluator scores below this are re-rendered."""
    max_retakes: int = 2
    """Re-renders per shot before the best take is kept anyway."""
    max_shot_s: float = 10.0
    """Longer planned shots are split into extensions of this length."""
    preview: bool = False
    """Render at low resolution with fewer steps."""
    renderer: str = "world"
    """Shot renderer: world (procedural, the default until the diffusion generator is trained), diffusion
    (the built-in generator), or diffusers:PATH (a diffusers video pipeline folder on disk)."""


@dataclass
class DirectorContext:
    """The runtime context of one graph run."""

    project: Project
    settings: DirectorSettings
    chat: Optional[BaseChatModel]
    renderer: ShotRenderer
    scorer: Optional[ShotScorer] = None
    memory: Any = None  # memory.store.SceneMemory once opened; None when no references are used
    events: list[Callable[[dict], None]] = field(default_factory=list)
    """Extra listeners for progress events besides LangGraph's custom stream."""

    def emit(self, event: dict) -> None:
        for listener in self.events:
            listener(event)


EventKind = Literal["node", "shot_start", "shot_progress", "shot_done", "review", "stitch", "done"]
