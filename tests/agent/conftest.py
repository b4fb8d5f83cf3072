"""Fixtures for director tests: a deterministic chat model and a small, fast film format."""

from __future__ import annotations

import json

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from agent.context import DirectorSettings

PLAN = {
    "title": "Mammoth country",
    "style": "afternoon light",
    "scenes": [
        {
            "setting": "snowy meadow with snow-capped mountains",
            "shots": [
                {"description": "three woolly mammoths approach through the snow", "duration_s": 4, "camera": "low camera, static", "subjects": ["mammoth"]},
                {"description": "the mammoths walk right past fir trees", "duration_s": 3, "camera": "pan right", "transition": "crossfade"},
            ],
        },
        {
            "setting": "beach at sunset",
            "shots": [{"description": "a red ball bounces on the sand", "duration_s": 3, "camera": "eye level", "transition": "cut"}],
        },
    ],
}


def fake_planner(*plans: dict) -> FakeListChatModel:
    """A chat model that answers each planning call with the next plan, as JSON."""
    return FakeListChatModel(responses=[json.dumps(p) for p in (plans or (PLAN,))])


@pytest.fixture
def tiny_settings() -> DirectorSettings:
    """48x32 at 6 fps keeps a 6-second film to a second of rendering."""
    return DirectorSettings(resolution="48x32", fps=6, auto_approve=True, max_shot_s=10.0)
