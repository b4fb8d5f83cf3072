"""Structured answers from any chat model: parsed into pydantic, validated, repaired or retried.

Raw model text is never trusted. An answer goes through three gates: find the JSON (models wrap it
in prose or code fences), mend what is mechanically wrong (trailing commas, smart quotes), validate
it against the schema. If it still fails, the model is shown its own answer with the exact
validation errors and asked once more — a bounded number of times.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, ValidationError

from reelgraph.errors import ReelgraphError

T = TypeVar("T", bound=BaseModel)

REPAIR_PROMPT = """\
Your previous answer could not be used: {problem}
Reply again with ONLY one JSON object that follows the schema. No prose, no code fences."""


class ModelOutputError(ReelgraphError):
    """The model kept answering with something that does not fit the schema."""


@dataclass(frozen=True)
class StructuredAnswer(Generic[T]):
    """A validated value, how many calls it took, and whether mechanical repair was needed."""

    value: T
    attempts: int
    repaired: bool
    raw: str
    prompt_tokens: int = 0
    """Summed over every call, where the back-end reports usage (llama.cpp, OpenAI); else 0."""
    completion_tokens: int = 0


def extract_json(text: str) -> str:
    """The first top-level JSON object in ``text``: inside a ```json fence if there is one, else
    from the first ``{`` to its matching ``}`` (string-aware)."""
    fence = re.search(r"```(?:json)?\s*(\{.*?\})\s*```", text, re.S)
    if fence:
        return fence.group(1)
    start = text.find("{")
    if start < 0:
        raise ValueError("the answer contains no JSON object")
    depth, in_str, escape = 0, False, False
    for i in range(start, len(text)):
        ch = text[i]
        if in_str:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
    raise ValueError("the JSON object is cut off (unbalanced braces); the answer may have hit the token limit")


def mend_json(text: str) -> str:
    """Mechanical fixes that never change meaning: smart quotes and trailing commas."""
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2018", "'").replace("\u2019", "'")
    return re.sub(r",\s*([}\]])", r"\1", text)


def parse_answer(text: str, schema: type[T]) -> tuple[T, bool]:
    """Parse and validate ``text``; returns the value and whether mending was needed.
    Raises ``ValueError`` or ``ValidationError`` with a message fit to show the model."""
    raw = extract_json(text)
    try:
        data: Any = json.loads(raw)
        repaired = raw != text.strip()
    except json.JSONDecodeError:
        try:
            data = json.loads(mend_json(raw))
        except json.JSONDecodeError as exc:
            raise ValueError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
        repaired = True
    return schema.model_validate(data), repaired


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = [f"{'.'.join(str(x) for x in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()[:12]]
        return "the JSON does not match the schema — " + "; ".join(parts)
    return str(exc)


def _usage(reply: BaseMessage) -> tuple[int, int]:
    """(prompt, completion) tokens of one reply: llama.cpp and OpenAI report them in
    ``response_metadata["usage"]`` (or LangChain's ``usage_metadata``); other back-ends give 0."""
    meta = getattr(reply, "usage_metadata", None) or {}
    if meta:
        return int(meta.get("input_tokens") or 0), int(meta.get("output_tokens") or 0)
    usage = (getattr(reply, "response_metadata", None) or {}).get("usage") or {}
    return int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)


def ask_structured(
    model: BaseChatModel,
    messages: list[BaseMessage],
    schema: type[T],
    *,
    max_attempts: int = 3,
    constrain: bool = False,
    json_schema: dict[str, Any] | None = None,
) -> StructuredAnswer[T]:
    """Ask ``model`` for an answer of type ``schema``; repair and retry up to ``max_attempts`` calls.

    ``constrain`` passes a JSON schema to back-ends that decode under a grammar (llama.cpp):
    ``json_schema`` when given (a tighter, per-call schema, e.g. bounding a list's length), else
    ``schema``'s own. Either way the answer is validated against ``schema``.
    """
    conversation = list(messages)
    kwargs = {"json_schema": json_schema or schema.model_json_schema()} if constrain else {}
    problem = ""
    prompt_tokens = completion_tokens = 0
    for attempt in range(1, max_attempts + 1):
        reply = model.invoke(conversation, **kwargs)
        usage = _usage(reply)
        prompt_tokens, completion_tokens = prompt_tokens + usage[0], completion_tokens + usage[1]
        text = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
        try:
            value, repaired = parse_answer(text, schema)
        except (ValueError, ValidationError) as exc:
            problem = _describe(exc)
            conversation += [AIMessage(content=text), HumanMessage(content=REPAIR_PROMPT.format(problem=problem))]
            continue
        return StructuredAnswer(
            value=value,
            attempts=attempt,
            repaired=repaired or attempt > 1,
            raw=text,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
        )
    raise ModelOutputError(
        f"the chat model gave no usable {schema.__name__} in {max_attempts} tries (last problem: {problem}); "
        "try again with another --seed or a larger model"
    )
