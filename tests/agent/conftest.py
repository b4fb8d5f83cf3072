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


from collections.abc import Callable  # noqa: E402

from langchain_core.language_models.chat_models import BaseChatModel  # noqa: E402
from langchain_core.messages import AIMessage, BaseMessage  # noqa: E402
from langchain_core.outputs import ChatGeneration, ChatResult  # noqa: E402


class ScriptedChat(BaseChatModel):
    """A deterministic chat model whose answer is computed from the messages it is sent, and which
    keeps every conversation it saw (to check what reached the model)."""

    respond: Callable[[list[BaseMessage]], str]
    seen: list = []

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        self.seen.append(list(messages))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self.respond(messages)))])
