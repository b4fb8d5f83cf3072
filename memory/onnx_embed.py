"""MiniLM on ONNX Runtime: a one-time export of the transformer, cached per machine, and the
sentence-transformers recipe (truncate, mean-pool over the mask, L2-normalise) around it.

Why: on this 2-core AVX2 CPU onnxruntime runs the same network ~1.7x faster than torch eager, and
the book ingest is embedding-bound. The vectors match the torch path to cos >= 0.9999 (checked by
tests/memory/test_embed_onnx.py), so both runtimes can fill the same memory under one embedder name.

The export lives in the shared models cache (``$REELGRAPH_MODELS`` or ``~/.cache/reelgraph/models``,
the rule agent/model_files.py states; memory may not import agent), in a folder named by a hash of
the source weights and the exporter versions, so a new torch or new weights get a new export. It is
built in a temporary folder and renamed into place under a file lock, with a manifest of sizes and
sha256 written last: a folder without a matching manifest is treated as broken and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from reelgraph.errors import ModelUnavailable

if TYPE_CHECKING:
    import onnxruntime

MODELS_ENV_VAR = "REELGRAPH_MODELS"
DEFAULT_MODELS_DIR = Path("~/.cache/reelgraph/models")
EXPORT_FORMAT = 1
"""Bump when the export recipe changes, so old cached exports are not reused."""
ONNX_FILE = "model.onnx"
DATA_FILE = "model.onnx.data"
MANIFEST_FILE = "manifest.json"
SOURCE_FILES = ("config.json", "model.safetensors")
"""The files that define the exported graph (the tokenizer runs outside it)."""
EXPORTER_PACKAGES = ("torch", "onnx", "onnxscript", "transformers")
LOCK_TIMEOUT_S = 600.0


def models_dir() -> Path:
    """``$REELGRAPH_MODELS`` or ``~/.cache/reelgraph/models`` (same rule as agent/model_files.py)."""
    return Path(os.environ.get(MODELS_ENV_VAR) or DEFAULT_MODELS_DIR).expanduser()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def export_key(model_dir: Path) -> str:
    """Hash of the source model files and the exporter versions: a new one means a new export."""
    digest = hashlib.sha256(f"format={EXPORT_FORMAT}".encode())
    for name in SOURCE_FILES:
        digest.update(f"\n{name}={_sha256(model_dir / name)}".encode())
    for package in EXPORTER_PACKAGES:
        try:
            digest.update(f"\n{package}=={version(package)}".encode())
        except PackageNotFoundError as exc:
            raise ModelUnavailable(f"exporting MiniLM to ONNX needs {package}; `pip install {package}`") from exc
    return digest.hexdigest()[:16]


def export_dir(model_name: str, model_dir: Path) -> Path:
    """Where the export of ``model_dir`` lives in the shared cache (it may not exist yet)."""
    return models_dir() / "onnx" / f"{model_name}-{export_key(model_dir)}"


def is_valid_export(folder: Path) -> bool:
    """True when ``folder`` holds both files with the sizes and sha256 its manifest records."""
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text())
        files = manifest["files"]
        if manifest.get("format") != EXPORT_FORMAT or set(files) != {ONNX_FILE, DATA_FILE}:
            return False
        for name, want in files.items():
            path = folder / name
            if path.stat().st_size != want["size"] or _sha256(path) != want["sha256"]:
                return False
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


def _last_hidden_state_module(model: Any) -> Any:
    """Wrap the HF model so the exported graph takes (ids, mask) and returns only token states
    (a factory, because subclassing torch.nn.Module at import time would import torch)."""
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            # (B, S) int64, (B, S) int64 -> (B, S, 384) float32
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    return LastHiddenState(model).eval()


def _export_into(model_dir: Path, folder: Path) -> None:
    """Export the transformer to ``folder`` and check the ONNX graph reproduces torch's token states.

    The dynamo exporter is required: the legacy TorchScript exporter gave wrong outputs (max diff
    4.0) for this model with transformers 5. Eager attention keeps the graph plain ops.
    """
    import torch
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    example = tokenizer(
        ["a short text", "a longer example sentence, so that the batch needs padding"],
        return_tensors="pt",
        padding=True,
    )
    ids, mask = example["input_ids"], example["attention_mask"]
    wrapper = _last_hidden_state_module(model)
    batch = torch.export.Dim("batch")
    sequence = torch.export.Dim("sequence", max=model.config.max_position_embeddings)
    with _quiet_exporter():
        torch.onnx.export(
            wrapper,
            (ids, mask),
            str(folder / ONNX_FILE),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_shapes=({0: batch, 1: sequence}, {0: batch, 1: sequence}),
            opset_version=18,
            dynamo=True,
            external_data=True,
            verbose=False,
        )
    if not (folder / DATA_FILE).is_file():
        raise ModelUnavailable(f"the ONNX export did not write {DATA_FILE} beside {ONNX_FILE}")
    with torch.inference_mode():
        want = wrapper(ids, mask).numpy()
    got = _session(folder, threads=1).run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]
    diff = float(np.abs(want - got).max())
    if not diff < 1e-3:
        raise ModelUnavailable(f"the ONNX export of MiniLM disagrees with torch (max diff {diff:.3g}); not using it")


@contextmanager
def _quiet_exporter() -> Iterator[None]:
    """Hide the exporter's warnings and INFO chatter (hundreds of lines) for the one-time export."""
    names = ("torch.onnx", "torch.export", "torch._export", "onnx_ir", "onnxscript")
    loggers = [logging.getLogger(name) for name in names]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def _build(model_name: str, model_dir: Path, final: Path) -> None:
    """Export into a temporary folder beside ``final`` and swap it into place (caller holds the lock)."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".partial", dir=final.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; the cache is shared by every project on the machine
        _export_into(model_dir, tmp)
        files = {name: {"size": (tmp / name).stat().st_size, "sha256": _sha256(tmp / name)} for name in (ONNX_FILE, DATA_FILE)}
        manifest = {"format": EXPORT_FORMAT, "model": model_name, "source": str(model_dir), "files": files}
        (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
        stale = None
        if final.exists():
            # Readers that already opened the broken files keep their handles; new ones see the
            # folder missing for an instant, wait on the lock, then find the new one.
            stale = final.parent / f".{final.name}.stale-{uuid.uuid4().hex[:8]}"
            os.rename(final, stale)
        os.rename(tmp, final)
        if stale is not None:
            shutil.rmtree(stale, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def ensure_export(model_name: str, model_dir: Path) -> tuple[Path, bool]:
    """The folder of a valid export of ``model_dir``, exporting it first if needed.

    Returns (folder, exported_now). Two processes starting at once: one exports, the other waits
    on the lock and then reuses the result.
    """
    from filelock import FileLock, Timeout

    final = export_dir(model_name, model_dir)
    if is_valid_export(final):
        return final, False
    final.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(final.parent / f"{final.name}.lock"), timeout=LOCK_TIMEOUT_S)
    try:
        with lock:
            if is_valid_export(final):  # another process built it while we waited
                return final, False
            _build(model_name, model_dir, final)
    except Timeout as exc:
        raise ModelUnavailable(f"waited {LOCK_TIMEOUT_S:.0f} s for another process exporting {final}") from exc
    return final, True


def _session(folder: Path, threads: int) -> "onnxruntime.InferenceSession":
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only: the optimiser's notes are noise for users
    return ort.InferenceSession(str(folder / ONNX_FILE), options, providers=["CPUExecutionProvider"])


@dataclass
class OnnxMiniLM:
    """A loaded export plus its tokenizer; ``encode`` is sentence-transformers' encode for MiniLM."""

    session: "onnxruntime.InferenceSession"
    tokenizer: Any
    max_seq_length: int
    folder: Path
    exported_now: bool

    @classmethod
    def load(cls, model_name: str, model_dir: Path, threads: int, max_seq_length: int) -> "OnnxMiniLM":
        """Reuse (or build once) the cached export and open it with ``threads`` intra-op threads."""
        import onnxruntime  # noqa: F401  (fail early with ImportError when the runtime is missing)
        from transformers import AutoTokenizer

        folder, exported_now = ensure_export(model_name, model_dir)
        tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        return cls(_session(folder, threads), tokenizer, max_seq_length, folder, exported_now)

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """(N,) texts -> (N, D) float32 unit vectors, in input order.

        Texts are tokenized once, then run in batches of similar token length so little compute
        goes to padding; padded positions are masked in attention and excluded from the mean.
        """
        token_ids: list[list[int]] = self.tokenizer(
            texts, truncation=True, max_length=self.max_seq_length, padding=False
        )["input_ids"]
        pad_id = self.tokenizer.pad_token_id or 0
        order = np.argsort([len(ids) for ids in token_ids], kind="stable")
        out: np.ndarray | None = None
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            width = max(len(token_ids[i]) for i in rows)
            ids = np.full((len(rows), width), pad_id, dtype=np.int64)  # (B, S)
            mask = np.zeros((len(rows), width), dtype=np.int64)  # (B, S)
            for r, i in enumerate(rows):
                ids[r, : len(token_ids[i])] = token_ids[i]
                mask[r, : len(token_ids[i])] = 1
            states = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]  # (B, S, D)
            vectors = mean_pool_normalize(states, mask)
            if out is None:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
        assert out is not None
        return out


def mean_pool_normalize(states: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(B, S, D) token states, (B, S) mask -> (B, D) unit vectors, as sentence-transformers'
    Pooling(mean) + Normalize do (same epsilons: 1e-9 on the token count, 1e-12 on the norm)."""
    weights = mask[..., None].astype(np.float32)  # (B, S, 1)
    summed = (states.astype(np.float32) * weights).sum(axis=1)  # (B, D)
    counts = np.maximum(weights.sum(axis=1), 1e-9)  # (B, 1)
    pooled = summed / counts
    norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return (pooled / norms).astype(np.float32)
