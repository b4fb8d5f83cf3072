"""A LangChain chat model over a local transformers checkpoint folder (safetensors only, offline).

For users with a bigger instruction-tuned model on disk and, ideally, a GPU. Nothing is fetched:
``local_files_only`` and ``use_safetensors`` make a missing or pickle-only checkpoint a clear error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field, PrivateAttr

from agent.llama_chat import _role
from reelgraph.errors import ModelUnavailable


class TransformersChat(BaseChatModel):
    """Greedy or sampled chat completion with ``AutoModelForCausalLM`` and the model's chat template."""

    model_dir: Path = Field(..., description="Folder with config.json, tokenizer files and *.safetensors.")
    temperature: float = Field(0.3, description="0 means greedy decoding.")
    max_new_tokens: int = Field(2048, description="Longest answer in tokens.")
    seed: int = Field(0, description="Sampling seed.")

    _model: Any = PrivateAttr(default=None)
    _tokenizer: Any = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "transformers"

    def _load(self) -> tuple[Any, Any]:
        if self._model is None:
            try:
                import torch
                from transformers import AutoModelForCausalLM, AutoTokenizer
            except ImportError as exc:
                raise ModelUnavailable("a transformers checkpoint needs `pip install transformers`") from exc
            if not any(self.model_dir.glob("*.safetensors")):
                raise ModelUnavailable(f"{self.model_dir} holds no *.safetensors weights; reelgraph loads no other format")
            device = "cuda" if torch.cuda.is_available() else "cpu"
            self._tokenizer = AutoTokenizer.from_pretrained(self.model_dir, local_files_only=True)
            self._model = AutoModelForCausalLM.from_pretrained(
                self.model_dir, local_files_only=True, use_safetensors=True, torch_dtype="auto"
            ).to(device)
        return self._model, self._tokenizer

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: Optional[list[str]] = None,
        run_manager: Optional[CallbackManagerForLLMRun] = None,
        **kwargs: Any,
    ) -> ChatResult:
        import torch

        model, tokenizer = self._load()
        kwargs.pop("json_schema", None)  # not constrained here; answers are validated afterwards
        chat = [{"role": _role(m), "content": str(m.content)} for m in messages]
        inputs = tokenizer.apply_chat_template(chat, add_generation_prompt=True, return_tensors="pt").to(model.device)
        torch.manual_seed(self.seed)
        sample = self.temperature > 0
        out = model.generate(
            inputs,
            max_new_tokens=self.max_new_tokens,
            do_sample=sample,
            temperature=self.temperature if sample else None,
            pad_token_id=tokenizer.eos_token_id,
        )
        text = tokenizer.decode(out[0, inputs.shape[1] :], skip_special_tokens=True)
        for s in stop or []:
            text = text.split(s)[0]
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])
