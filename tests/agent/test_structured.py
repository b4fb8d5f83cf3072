"""Structured answers: JSON found in prose, mended, validated, repaired by asking again, bounded."""

from __future__ import annotations

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import HumanMessage
from pydantic import BaseModel, Field

from agent.models import parse_model_spec
from agent.structured import ModelOutputError, ask_structured, extract_json, parse_answer
from reelgraph.errors import InputError, ModelUnavailable


class ShotIdea(BaseModel):
    prompt: str
    duration_s: float = Field(gt=0)


def test_json_is_found_in_prose_and_fences():
    """Models wrap JSON in chatter or code fences; braces inside strings do not confuse the scan."""
    assert extract_json('Sure! {"prompt": "a {curly} ball", "duration_s": 2} Hope it helps') == '{"prompt": "a {curly} ball", "duration_s": 2}'
    assert extract_json('```json\n{"a": 1}\n```') == '{"a": 1}'
    with pytest.raises(ValueError, match="cut off"):
        extract_json('{"prompt": "a ball", "dur')


def test_trailing_commas_and_smart_quotes_are_mended():
    """Mechanical slips are mended and flagged as repaired."""
    value, repaired = parse_answer("{\u201cprompt\u201d: \u201csnow\u201d, \"duration_s\": 3,}", ShotIdea)
    assert value == ShotIdea(prompt="snow", duration_s=3) and repaired


def test_invalid_answer_is_retried_with_the_errors():
    """A schema violation is sent back to the model with the field that failed; the retry is used."""
    model = FakeListChatModel(responses=['{"prompt": "snow", "duration_s": -2}', '{"prompt": "snow", "duration_s": 2}'])
    answer = ask_structured(model, [HumanMessage(content="plan")], ShotIdea)
    assert answer.value.duration_s == 2 and answer.attempts == 2 and answer.repaired


def test_hopeless_model_gives_a_clear_error_after_bounded_tries():
    """After max_attempts bad answers the caller gets ModelOutputError, not garbage."""
    model = FakeListChatModel(responses=["I cannot do that."] * 5)
    with pytest.raises(ModelOutputError, match="3 tries"):
        ask_structured(model, [HumanMessage(content="plan")], ShotIdea, max_attempts=3)


@pytest.mark.parametrize(
    "spec, kind",
    [("local", "local"), ("openai:gpt-4o-mini", "openai"), ("google_genai:gemini-1.5-pro", "google_genai"), ("local:/x/m.gguf", "local")],
)
def test_model_strings_parse(spec, kind):
    """Every documented model string maps to its back-end."""
    assert parse_model_spec(spec).kind == kind


def test_unknown_model_string_and_missing_files_explain_themselves(tmp_path):
    """A typo is an InputError listing the forms; a missing GGUF says how to fetch it."""
    with pytest.raises(InputError, match="openai:MODEL"):
        parse_model_spec("gpt5")
    from agent.models import load_chat_model

    with pytest.raises(ModelUnavailable, match="models --fetch"):
        load_chat_model(f"local:{tmp_path / 'none.gguf'}")
