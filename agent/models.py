"""Pick a chat model from a string: ``local``, ``local:PATH.gguf``, ``openai:MODEL``,
``google_genai:MODEL``, or a local transformers checkpoint folder.

The default ``local`` works offline on the CPU. Every other back-end is real code selected by
configuration; when its package or files are missing the error says exactly how to get them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from langchain_core.language_models.chat_models import BaseChatModel

from agent.model_files import default_gguf_path
from reelgraph.errors import InputError, ModelUnavailable

BackendKind = Literal["local", "openai", "google_genai", "transformers"]


@dataclass(frozen=True)
class ModelChoice:
    """A parsed model string: which back-end, and the model name or file it names."""

    kind: BackendKind
    name: str

    @property
    def supports_json_schema(self) -> bool:
        """Only llama.cpp constrains decoding to a schema; other back-ends are validated after."""
        return self.kind == "local"


def parse_model_spec(spec: str) -> ModelChoice:
    """``local`` | ``local:PATH`` | ``openai:MODEL`` | ``google_genai:MODEL`` | a checkpoint folder."""
    spec = spec.strip()
    if spec == "none":
        raise InputError("model 'none' plans without a chat model and cannot answer questions")
    if spec in ("", "local"):
        return ModelChoice("local", str(default_gguf_path()))
    prefix, _, rest = spec.partition(":")
    if prefix == "local" and rest:
        return ModelChoice("local", str(Path(rest).expanduser()))
    if prefix in ("openai", "google_genai") and rest:
        return ModelChoice(prefix, rest)  # type: ignore[arg-type]
    path = Path(spec).expanduser()
    if path.suffix == ".gguf":
        return ModelChoice("local", str(path))
    if path.is_dir():
        return ModelChoice("transformers", str(path))
    raise InputError(
        f"unknown model {spec!r}; use local, local:PATH.gguf, openai:MODEL, google_genai:MODEL "
        "or the folder of a transformers checkpoint"
    )


def load_chat_model(spec: str = "local", *, temperature: float = 0.3, seed: int = 0) -> BaseChatModel:
    """Build the chat model ``spec`` names. Nothing is loaded into memory until the first call."""
    choice = parse_model_spec(spec)
    if choice.kind == "local":
        from agent.llama_chat import LlamaCppChat

        path = Path(choice.name)
        if not path.is_file():
            raise ModelUnavailable(f"no GGUF model at {path}; run `reelgraph models --fetch` (or `make demo`)")
        return LlamaCppChat(model_path=path, temperature=temperature, seed=seed)
    if choice.kind == "openai":
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise ModelUnavailable("openai:<model> needs `pip install 'reelgraph[openai]'`") from exc
        # Any OpenAI-compatible server (vLLM, Ollama, llama-server): base URL and key from the environment.
        return ChatOpenAI(
            model=choice.name,
            base_url=os.environ.get("OPENAI_BASE_URL"),
            api_key=os.environ.get("OPENAI_API_KEY", "not-needed-for-local-servers"),
            temperature=temperature,
            seed=seed,
        )
    if choice.kind == "google_genai":
        try:
            from langchain_google_genai import ChatGoogleGenerativeAI
        except ImportError as exc:
            raise ModelUnavailable("google_genai:<model> needs `pip install 'reelgraph[gemini]'`") from exc
        if not (os.environ.get("GOOGLE_API_KEY") or os.environ.get("GEMINI_API_KEY")):
            raise ModelUnavailable("google_genai:<model> needs GOOGLE_API_KEY (or GEMINI_API_KEY) in the environment")
        return ChatGoogleGenerativeAI(model=choice.name, temperature=temperature)
    from agent.transformers_chat import TransformersChat

    return TransformersChat(model_dir=Path(choice.name), temperature=temperature, seed=seed)
