"""Film- and document-level summaries: the numbers a director reads first, and their words.

These are pydantic models so ``reelgraph analyze --json`` prints them as they are and the agent
can read them back without parsing prose.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

SHOT_LENGTH_BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("<1s", 0.0, 1.0), ("1-2s", 1.0, 2.0), ("2-4s", 2.0, 4.0), ("4-8s", 4.0, 8.0), ("8-16s", 8.0, 16.0), (">16s", 16.0, float("inf")),
)


class ShotSummary(BaseModel):
    """One shot, as stored in memory and shown in the film summary."""

    id: str | None = None
    index: int
    start_s: float
    end_s: float
    duration_s: float
    transition_in: str = Field(description="start, cut or gradual (dissolve, fade or wipe).")
    camera: str
    brightness: float
    contrast: float
    colour_temperature_k: float
    palette: list[str] = Field(description="Dominant colours as #rrggbb, most common first.")
    palette_names: list[str]
    motion_energy: float
    keyframes: list[str]
    text: str


class PacingStats(BaseModel):
    """Shot-length statistics, the usual measure of a film's pace."""

    average_shot_s: float
    median_shot_s: float
    min_shot_s: float
    max_shot_s: float
    std_shot_s: float
    histogram: dict[str, int] = Field(description="Shot counts per length bucket.")
    pace: str = Field(description="fast (<2.5 s average), moderate (<6 s) or slow.")


class FilmSummary(BaseModel):
    """What ``reelgraph analyze film.mp4`` reports."""

    source: str
    duration_s: float
    fps: float
    width: int
    height: int
    frames: int
    shot_count: int
    cuts: int
    gradual_transitions: int
    pacing: PacingStats
    camera_moves: dict[str, int]
    palette_over_time: list[tuple[float, str]] = Field(description="(shot start s, dominant #rrggbb) per shot.")
    contact_sheet: str
    analysis_seconds: float
    shots: list[ShotSummary]
    text: str


class DocumentSummary(BaseModel):
    """What ``reelgraph analyze script.fountain`` reports."""

    source: str
    format: str
    words: int
    chunks: int
    scenes: int = 0
    characters: list[str] = Field(default_factory=list)
    locations: list[str] = Field(default_factory=list)
    analysis_seconds: float
    text: str


def pacing(durations: list[float]) -> PacingStats:
    """Shot-length statistics of a list of shot durations in seconds."""
    import numpy as np

    d = np.asarray(durations or [0.0], np.float64)
    hist = {name: int(((d >= lo) & (d < hi)).sum()) for name, lo, hi in SHOT_LENGTH_BUCKETS}
    avg = float(d.mean())
    pace = "fast" if avg < 2.5 else "moderate" if avg < 6.0 else "slow"
    return PacingStats(
        average_shot_s=round(avg, 3), median_shot_s=round(float(np.median(d)), 3), min_shot_s=round(float(d.min()), 3),
        max_shot_s=round(float(d.max()), 3), std_shot_s=round(float(d.std()), 3), histogram=hist, pace=pace,
    )


def clock(seconds: float) -> str:
    """12.34 -> '00:12.3'; 3725.0 -> '1:02:05.0'."""
    minutes, s = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{s:04.1f}" if hours else f"{minutes:02d}:{s:04.1f}"
