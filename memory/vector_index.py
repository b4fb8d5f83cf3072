"""The FAISS side of the scene memory: a rebuildable cache over the vectors kept in SQLite.

Below ``exact_limit`` items the index is exact (inner product over every vector); above it an
inverted-file index (IVF) answers in well under the 2 ms target. IVF rather than HNSW because it
builds in about a second at 100k vectors (HNSW takes ~50 s on two cores) and supports removal, and
the store must be able to rebuild the index from SQLite at any time. Vectors are unit length, so
inner product is cosine similarity. FAISS ids are the SQLite rowids.
"""

from __future__ import annotations

import json
import math
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

HEADER = struct.Struct("<Q")


@dataclass
class IndexConfig:
    """When to go approximate and how hard the approximate index searches."""

    exact_limit: int = 50_000
    """Up to this many vectors a flat (exact) index is used; exact search at 50k is ~7 ms."""
    nprobe: int = 16
    """Inverted lists visited per query. bench/memory.py at 100k MiniLM-like vectors (nlist 632):
    nprobe 16 gives recall@10 0.97 at p50 0.85 ms; 8 drops recall to 0.90."""
    train_sample: int = 40_000
    """Vectors used to train the IVF centroids; more adds build time, not recall."""
    retrain_growth: float = 4.0
    """Rebuild (retrain) the IVF once it holds this many times the vectors it was trained for."""


@dataclass
class IndexState:
    """Which SQLite state the index reflects, so a stale index is noticed and caught up."""

    generation: int = 0
    deletions: int = 0
    max_rowid: int = 0
    trained_for: int = 0


class VectorIndex:
    """A FAISS index over (rowid, unit vector) pairs that knows which store state it mirrors."""

    def __init__(self, dim: int, config: IndexConfig | None = None) -> None:
        self.dim = dim
        self.config = config or IndexConfig()
        self.state = IndexState()
        self._index: faiss.Index = self._flat()

    # -- building ---------------------------------------------------------------------------------

    def _flat(self) -> faiss.Index:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))

    def _ivf(self, vectors: np.ndarray) -> faiss.Index:
        """Train an IVF on (N, dim) vectors; nlist ~ 2 sqrt(N) balances centroid and list scanning."""
        n = len(vectors)
        nlist = max(16, int(2 * math.sqrt(n)))
        quantizer = faiss.IndexFlatIP(self.dim)
        index = faiss.IndexIVFFlat(quantizer, self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)
        # k-means cost grows with sample x nlist; ~40 points per centroid is what FAISS asks for.
        budget = min(self.config.train_sample, 40 * nlist)
        sample = vectors if n <= budget else vectors[rng.choice(n, budget, replace=False)]
        index.train(np.ascontiguousarray(sample))
        index.nprobe = self.config.nprobe
        return index

    @property
    def kind(self) -> str:
        return "ivf" if isinstance(self._index, faiss.IndexIVF) else "flat"

    @property
    def ntotal(self) -> int:
        return int(self._index.ntotal)

    def rebuild(self, rowids: np.ndarray, vectors: np.ndarray, state: IndexState) -> None:
        """Replace the index with one over (N,) int64 rowids and (N, dim) float32 vectors."""
        if len(vectors) > self.config.exact_limit:
            self._index = self._ivf(vectors)
            self.state.trained_for = len(vectors)
        else:
            self._index = self._flat()
            self.state.trained_for = 0
        if len(vectors):
            self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), rowids.astype(np.int64))
        self.state = IndexState(state.generation, state.deletions, state.max_rowid, self.state.trained_for)

    def needs_rebuild_after(self, extra: int) -> bool:
        """Whether adding ``extra`` vectors should switch index type or retrain the IVF."""
        total = self.ntotal + extra
        if self.kind == "flat":
            return total > self.config.exact_limit
        return total > self.config.retrain_growth * max(self.state.trained_for, 1)

    def add(self, rowids: np.ndarray, vectors: np.ndarray) -> None:
        """Append (N,) rowids with their (N, dim) vectors to the current index."""
        if len(rowids):
            self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), rowids.astype(np.int64))
            self.state.max_rowid = max(self.state.max_rowid, int(rowids.max()))

    def remove(self, rowids: list[int]) -> None:
        if rowids:
            self._index.remove_ids(np.asarray(rowids, dtype=np.int64))

    # -- searching --------------------------------------------------------------------------------

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(dim,) query -> (scores (k,), rowids (k,)); rowid -1 pads when fewer than k match.

        ``allowed`` (int64 rowids) restricts the search to those rows through a FAISS id selector.
        A single query runs on one OpenMP thread: at this size threads cost more than they save.
        """
        if self.ntotal == 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        k = min(k, self.ntotal)
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            if allowed is None:
                scores, ids = self._index.search(q, k)
            else:
                selector = faiss.IDSelectorBatch(allowed.astype(np.int64))
                if self.kind == "ivf":
                    # A selective filter leaves most probed lists empty; probe more to still fill k.
                    params = faiss.SearchParametersIVF(sel=selector, nprobe=min(self._index.nlist, self.config.nprobe * 4))
                else:
                    params = faiss.SearchParameters(sel=selector)
                scores, ids = self._index.search(q, k, params=params)
        finally:
            faiss.omp_set_num_threads(threads)
        return scores[0], ids[0]

    # -- persistence ------------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write header + serialized index to ``path`` atomically (tmp file, fsync, rename)."""
        header = json.dumps(self.state.__dict__ | {"dim": self.dim}).encode()
        blob = faiss.serialize_index(self._index)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            f.write(HEADER.pack(len(header)))
            f.write(header)
            f.write(blob.tobytes())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, dim: int, config: IndexConfig | None = None) -> "VectorIndex | None":
        """Read an index written by ``save``; None when it is missing, unreadable or of another size
        (the caller then rebuilds it from SQLite, which is the truth)."""
        try:
            data = path.read_bytes()
            (n,) = HEADER.unpack_from(data, 0)
            header = json.loads(data[HEADER.size : HEADER.size + n])
            if header.pop("dim") != dim:
                return None
            index = faiss.deserialize_index(np.frombuffer(data[HEADER.size + n :], dtype=np.uint8))
        except (OSError, ValueError, KeyError, struct.error, RuntimeError):
            return None
        out = cls(dim, config)
        out._index = index
        if isinstance(index, faiss.IndexIVF):
            index.nprobe = out.config.nprobe
        out.state = IndexState(**header)
        return out
