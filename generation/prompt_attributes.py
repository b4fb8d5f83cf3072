"""What a prompt states about the scene, as class indices for the DiT's attribute embeddings.

The world's parser (``generation.world.parse``) reads free text into the nearest scene spec and says
which attributes words actually set. Only those count: an attribute the prompt does not mention is
"not said" (index 0), never the spec's default, so a prompt outside the world's vocabulary (or the
empty prompt classifier-free guidance subtracts) gives all zeros and the DiT relies on the text's
cross-attention alone. Training captions go through the same function as users' prompts, so the DiT
learns from exactly what it will see.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from generation.eval.evaluator import default_heads
from generation.world.parse import parse_prompt


def default_attribute_vocab() -> dict[str, list[str]]:
    """Attribute -> class names, in the spec's enum order: the evaluator's heads, so the DiT is told
    exactly what the evaluator scores."""
    return default_heads()


def prompt_attributes(prompts: Sequence[str], vocab: dict[str, list[str]]) -> torch.Tensor:
    """(B, A) int64: per prompt and attribute of ``vocab``, 1 + the class the prompt states, 0 when
    it states none."""
    rows = []
    for text in prompts:
        parsed = parse_prompt(text) if text.strip() else None
        row = []
        for name, classes in vocab.items():
            if parsed is None or name not in parsed.understood:
                row.append(0)
                continue
            value = parsed.spec.value_name(name)
            row.append(classes.index(value) + 1 if value in classes else 0)
        rows.append(row)
    return torch.tensor(rows, dtype=torch.int64).reshape(len(rows), len(vocab))


def drop_attributes(attributes: torch.Tensor, p: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Each stated attribute forgotten (set to 0) with probability ``p``: trains the DiT on partial
    statements, as short prompts give, and keeps the text path in use."""
    keep = torch.rand(attributes.shape, generator=generator) >= p
    return attributes * keep.to(attributes.dtype)
