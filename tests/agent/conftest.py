"""Fixtures for director tests: a deterministic chat model and a small, fast film format."""

from __future__ import annotations

import json

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from agent.context import DirectorSettings

PLAN = {
    "title": "Mammoth country",
    "style": "afternoon light",
    "shots": [
        {"setting": "snowy meadow with snow-capped mountains", "shows": "three woolly mammoths approach through the snow", "camera": "low camera, static", "seconds": 4},
        {"setting": "snowy meadow with snow-capped mountains", "shows": "the mammoths walk right past fir trees", "camera": "pan right", "seconds": 3, "join": "crossfade"},
        {"setting": "beach at sunset", "shows": "a red ball bounces on the sand", "camera": "eye level", "seconds": 3, "join": "cut"},
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
    keeps every conversation it saw and the options it was called with (e.g. ``json_schema``), to
    check what reached the model. ``usage`` is reported like llama.cpp reports it, when given."""

    respond: Callable[[list[BaseMessage]], str]
    seen: list = []
    options: list = []
    usage: dict = {}

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        self.seen.append(list(messages))
        self.options.append(dict(kwargs))
        meta = {"usage": dict(self.usage)} if self.usage else {}
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self.respond(messages), response_metadata=meta))])
