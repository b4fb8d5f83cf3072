"""MiniLM on ONNX Runtime: same vectors as sentence-transformers/torch, one cached export per
machine, broken exports rebuilt, and a clear choice of runtime.

The export (~20 s on the shared 2-core CPU) happens once per test session, into a temporary models
cache chosen through $REELGRAPH_MODELS only while an embedder loads (so no other test sees it).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from memory.embed import EmbedderConfig, MiniLMEmbedder
from memory.onnx_embed import DATA_FILE, MANIFEST_FILE, ONNX_FILE, is_valid_export
from reelgraph.errors import InputError

pytest.importorskip("onnxruntime")

LONG = " ".join(f"word{i % 37} in a very long paragraph about a lighthouse at dawn" for i in range(120))
TEXTS = [
    "a red car crosses a frozen lake at night",
    "",
    "   ",
    "!",
    LONG,  # ~1300 tokens: cut at max_seq_length
    "Café crème à Zürich — 東京の夜景, Ελληνικά, naïve résumé 🎬",
    "slow pan left: a woolly mammoth walks slowly through deep snow at sunset, shot 12 of reel 3",
    "a red car crosses a frozen lake at night",  # duplicate of the first, far from it in the batch
    "two children",
]


def _load(cache: Path, **config: object) -> MiniLMEmbedder:
    """A loaded embedder whose export cache is ``cache`` (the env var is set only while it loads)."""
    embedder = MiniLMEmbedder(EmbedderConfig(**config))  # type: ignore[arg-type]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REELGRAPH_MODELS", str(cache))
        embedder.embed(["warm up"])
    return embedder


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def onnx_embedder(onnx_cache: Path) -> MiniLMEmbedder:
    """runtime="onnx", exported once for the session into the temporary cache."""
    return _load(onnx_cache, runtime="onnx")


@pytest.fixture(scope="session")
def torch_embedder() -> MiniLMEmbedder:
    e = MiniLMEmbedder(EmbedderConfig(runtime="torch"))
    e.embed(["warm up"])
    return e


def _export_folder(embedder: MiniLMEmbedder) -> Path:
    return embedder._model.folder  # type: ignore[union-attr]


def test_onnx_vectors_match_torch_in_input_order(onnx_embedder: MiniLMEmbedder, torch_embedder: MiniLMEmbedder) -> None:
    """Mixed texts (empty, whitespace, punctuation, truncated, non-ASCII, duplicates) give the same
    unit vectors on both runtimes, row for row, so both can fill one memory under one name."""
    assert onnx_embedder.runtime == "onnx" and torch_embedder.runtime == "torch"
    assert onnx_embedder.name == torch_embedder.name == "all-MiniLM-L6-v2"
    got = onnx_embedder.embed(TEXTS)
    want = torch_embedder.embed(TEXTS)
    assert got.shape == want.shape == (len(TEXTS), 384) and got.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cos = (got * want).sum(axis=1)
    assert cos.min() >= 0.9999, cos
    # Order: each row is its own text's vector, not a neighbour's (rows differ a lot between texts).
    assert float(got[0] @ got[7]) > 0.99999 and float(got[0] @ got[6]) < 0.9


def test_batching_and_padding_do_not_change_vectors(onnx_embedder: MiniLMEmbedder) -> None:
    """Texts are regrouped by token length and padded per batch; each vector must equal the one
    the text gets alone (padding is masked out of attention and the mean)."""
    onnx_embedder.config.batch_size = 3
    try:
        batched = onnx_embedder.embed(TEXTS)
    finally:
        onnx_embedder.config.batch_size = EmbedderConfig().batch_size
    alone = np.concatenate([onnx_embedder.embed([t]) for t in TEXTS])
    assert (batched * alone).sum(axis=1).min() >= 0.99999


def test_long_texts_are_cut_at_max_seq_length(onnx_embedder: MiniLMEmbedder) -> None:
    """Words past the 256-token limit are ignored, as sentence-transformers does."""
    a, b = onnx_embedder.embed([LONG, LONG + " and an ending about a fox in the desert"])
    assert float(a @ b) > 0.99999


def test_second_embedder_reuses_the_cached_export(onnx_embedder: MiniLMEmbedder, onnx_cache: Path) -> None:
    """A new embedder (as a new process would) finds the export by its hash and does not re-export."""
    folder = _export_folder(onnx_embedder)
    assert folder.parent.parent == onnx_cache and is_valid_export(folder)
    before = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir()}
    again = _load(onnx_cache, runtime="auto")
    assert again.runtime == "onnx" and _export_folder(again) == folder
    assert again._model.exported_now is False  # type: ignore[union-attr]
    assert {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir()} == before
    assert [p.name for p in folder.parent.iterdir() if p.is_dir()] == [folder.name]  # no temp folders left


def test_broken_exports_are_detected(onnx_embedder: MiniLMEmbedder, tmp_path: Path) -> None:
    """Truncated weights, a flipped byte, or a missing manifest (a half-written export) fail the check."""
    good = _export_folder(onnx_embedder)
    copy = tmp_path / "copy"
    shutil.copytree(good, copy)
    assert is_valid_export(copy)
    with open(copy / DATA_FILE, "r+b") as fh:
        fh.seek(1000)
        byte = fh.read(1)
        fh.seek(1000)
        fh.write(bytes([byte[0] ^ 0xFF]))
    assert not is_valid_export(copy)
    shutil.copy(good / DATA_FILE, copy / DATA_FILE)
    assert is_valid_export(copy)
    with open(copy / DATA_FILE, "r+b") as fh:
        fh.truncate(1 << 20)
    assert not is_valid_export(copy)
    shutil.copy(good / DATA_FILE, copy / DATA_FILE)
    (copy / MANIFEST_FILE).unlink()
    assert not is_valid_export(copy)


@pytest.mark.slow
def test_a_truncated_export_is_rebuilt(onnx_embedder: MiniLMEmbedder, torch_embedder: MiniLMEmbedder,
                                       tmp_path: Path) -> None:
    """A cache whose weights were cut short (disk full, killed copy) is exported again, not loaded."""
    good = _export_folder(onnx_embedder)
    cache = tmp_path / "models"
    broken = cache / "onnx" / good.name
    shutil.copytree(good, broken)
    with open(broken / DATA_FILE, "r+b") as fh:
        fh.truncate(1 << 20)
    rebuilt = _load(cache, runtime="onnx")
    assert rebuilt._model.exported_now is True  # type: ignore[union-attr]
    assert _export_folder(rebuilt) == broken and is_valid_export(broken)
    assert (broken / ONNX_FILE).is_file()
    assert sorted(p.name for p in broken.parent.iterdir() if p.is_dir()) == [good.name]  # stale copy removed
    vec, ref = rebuilt.embed(TEXTS[:3]), torch_embedder.embed(TEXTS[:3])
    assert (vec * ref).sum(axis=1).min() >= 0.9999


def test_auto_falls_back_to_torch_when_the_cache_is_unusable(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A models cache that cannot be written (here a file where the folder should be) leaves auto
    on torch, with one log line that says why; runtime="onnx" refuses with a clear error instead."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with caplog.at_level(logging.INFO, logger="memory.embed"):
        auto = _load(blocker, runtime="auto")
    assert auto.runtime == "torch"
    lines = [r.getMessage() for r in caplog.records if r.name == "memory.embed"]
    assert len(lines) == 1 and lines[0].startswith("text embedder: torch (auto; onnx unavailable:")
    from reelgraph.errors import ModelUnavailable

    with pytest.raises(ModelUnavailable, match="runtime='torch'"):
        _load(blocker, runtime="onnx")


def test_torch_runtime_still_works(torch_embedder: MiniLMEmbedder) -> None:
    """runtime="torch" keeps the sentence-transformers path: unit vectors, similar texts closer."""
    v = torch_embedder.embed(["a dog runs on the beach", "a puppy running along the shore", "tax law reform"])
    assert v.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert float(v[0] @ v[1]) > float(v[0] @ v[2]) + 0.3


def test_unknown_runtime_is_refused() -> None:
    """A typo in the runtime is a clear input error naming the choices, not a silent fallback."""
    with pytest.raises(InputError, match="auto, torch, onnx"):
        EmbedderConfig(runtime="tensorrt")  # type: ignore[arg-type]
