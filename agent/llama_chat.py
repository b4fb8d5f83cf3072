"""A LangChain chat model over llama.cpp, for the offline ``local`` back-end.

Written here rather than taken from langchain-community so that the default path needs only
``llama-cpp-python`` and can pass a JSON schema straight to llama.cpp's grammar-constrained decoder:
with a schema the model cannot emit anything but JSON of that shape.
"""

from __future__ import annotations

import json

from pathlib import Path
from typing import Any, Optional

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field, PrivateAttr

from reelgraph.errors import InputError, ModelUnavailable


def compact_json_gbnf(schema: dict[str, Any]) -> str:
    """llama.cpp's grammar for ``schema`` without the optional space it allows around every ``:``
    and ``,``: a 10-shot plan is 384 tokens compact and 472 spaced, about ten seconds of a 1.5B
    model on two cores, and the model otherwise picks the spaced form."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    return json_schema_to_gbnf(json.dumps(schema)).replace('space ::= " "?', 'space ::= ""')


def compact_json_grammar(schema: dict[str, Any]) -> Any:
    from llama_cpp.llama_grammar import LlamaGrammar

    return LlamaGrammar.from_string(compact_json_gbnf(schema), verbose=False)


def _role(message: BaseMessage) -> str:
    if isinstance(message, SystemMessage):
        return "system"
    if isinstance(message, AIMessage):
        return "assistant"
    if isinstance(message, (HumanMessage, ToolMessage)):
        return "user"
    return "user"


class LlamaCppChat(BaseChatModel):
    """Chat completion with a local GGUF through llama-cpp-python. Loaded on first use.

    Pass ``json_schema=...`` (a JSON-schema dict) to ``invoke``/``bind`` to constrain the answer.
    """

    model_path: Path = Field(..., description="The .gguf file.")
    n_ctx: int = Field(8192, description="Context window in tokens; the planner's prompts fit in 8k.")
    n_threads: int = Field(2, description="CPU threads for llama.cpp.")
    temperature: float = Field(0.3, description="Sampling temperature; low keeps plans on-schema.")
    max_tokens: int = Field(2048, description="Longest answer in tokens.")
    seed: int = Field(0, description="Sampling seed, so a plan can be reproduced.")

    _llama: Any = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": str(self.model_path), "n_ctx": self.n_ctx, "temperature": self.temperature}

    def _load(self) -> Any:
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise ModelUnavailable(
                    "the local chat model needs llama-cpp-python: run `make demo` or "
                    "`pip install 'reelgraph[llm]'` (see README)"
                ) from exc
            if not self.model_path.is_file():
                raise ModelUnavailable(f"{self.model_path} is missing; run `reelgraph models --fetch`")
            try:
                self._llama = Llama(
                    model_path=str(self.model_path),
                    n_ctx=self.n_ctx,
                    n_threads=self.n_threads,
                    seed=self.seed,
                    verbose=False,
                )
            except ValueError as exc:
                raise InputError(f"{self.model_path} is not a GGUF model llama.cpp can load ({exc})") from exc
        return self._llama

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: Optional[list[str]] = None,
        run_manager: Optional[CallbackManagerForLLMRun] = None,
        **kwargs: Any,
    ) -> ChatResult:
        llama = self._load()
        schema = kwargs.pop("json_schema", None)
        request: dict[str, Any] = {
            "messages": [{"role": _role(m), "content": str(m.content)} for m in messages],
            "temperature": kwargs.pop("temperature", self.temperature),
            "max_tokens": kwargs.pop("max_tokens", self.max_tokens),
            "stop": stop,
            "seed": self.seed,
        }
        if schema is not None:
            request["grammar"] = compact_json_grammar(schema)
        out = llama.create_chat_completion(**request)
        choice = out["choices"][0]
        text = choice["message"].get("content") or ""
        usage = out.get("usage", {})
        message = AIMessage(content=text, response_metadata={"finish_reason": choice.get("finish_reason"), "usage": usage})
        return ChatResult(generations=[ChatGeneration(message=message)])
