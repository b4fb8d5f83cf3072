"""SceneMemory: SQLite rows (the truth) plus a FAISS index (a cache rebuilt from them).

Every write is one SQLite transaction that also bumps a ``generation`` counter, so a process killed
mid-ingest leaves every committed batch readable and nothing half-written. The FAISS index on disk
records the generation it mirrors; when it is missing, unreadable or behind, it is caught up from
the rows (only the new rows when nothing was deleted, a full rebuild otherwise). A file lock
serialises writers across processes; readers never wait for it (SQLite WAL).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from filelock import FileLock

from memory.embed import MiniLMEmbedder, TextEmbedder
from memory.items import ITEM_KINDS, MemoryItem, MemoryStats, SearchFilters, SearchHit
from memory.vector_index import IndexConfig, IndexState, VectorIndex
from reelgraph.errors import InputError

NAMESPACE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
EMBED_BATCH = 1024
"""Texts handed to the embedder at once inside one ``add`` call (it batches further itself)."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    rowid INTEGER PRIMARY KEY AUTOINCREMENT,
    uid TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    start_s REAL,
    end_s REAL,
    text TEXT NOT NULL,
    attributes TEXT NOT NULL,
    keyframes TEXT NOT NULL,
    embedding BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS items_kind ON items(kind);
CREATE INDEX IF NOT EXISTS items_source ON items(source);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def item_id(item: MemoryItem) -> str:
    """Content-derived id, so ingesting the same reference twice stores it once."""
    key = json.dumps(
        [item.kind, item.source, item.start_s, item.end_s, item.text, item.attributes.get("chunk")],
        sort_keys=True,
        default=str,
    )
    return f"{item.kind}-{hashlib.sha1(key.encode()).hexdigest()[:16]}"


class SceneMemory:
    """The scene memory of one project namespace, stored under ``directory``.

    Files: ``<namespace>.sqlite`` (rows and embeddings), ``<namespace>.faiss`` (index cache),
    ``<namespace>.lock`` (writer lock).
    """

    def __init__(
        self,
        directory: Path,
        namespace: str,
        embedder: TextEmbedder,
        index_config: IndexConfig,
    ) -> None:
        self.directory = directory
        self.namespace = namespace
        self.embedder = embedder
        self.index_config = index_config
        self.db_path = directory / f"{namespace}.sqlite"
        self.index_path = directory / f"{namespace}.faiss"
        self._lock = FileLock(str(directory / f"{namespace}.lock"), timeout=120)
        self._db = self._connect()
        self._index: VectorIndex | None = None
        self._index_dirty = False

    # -- opening ----------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        directory: Path,
        namespace: str = "default",
        embedder: TextEmbedder | None = None,
        index_config: IndexConfig | None = None,
    ) -> "SceneMemory":
        """Open (creating if needed) the store in ``directory``. The embedder loads on first use."""
        if not NAMESPACE_RE.match(namespace):
            raise InputError(f"memory namespace {namespace!r} must be lowercase letters, digits, '-' or '_'")
        directory = Path(directory)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create the memory folder {directory}: {exc.strerror}") from exc
        memory = cls(directory, namespace, embedder or MiniLMEmbedder(), index_config or IndexConfig())
        memory._check_embedder()
        return memory

    def _connect(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.db_path, timeout=60, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            with self._lock:
                db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise InputError(
                f"the memory database {self.db_path} is unreadable ({exc}); move it away to start an empty memory"
            ) from exc
        return db

    def _check_embedder(self) -> None:
        """Refuse to mix vectors of two embedders in one store."""
        want = f"{self.embedder.name}/{self.embedder.dim}"
        with self._lock, self._write() as db:
            row = db.execute("SELECT value FROM meta WHERE key='embedder'").fetchone()
            if row is None:
                db.execute("INSERT INTO meta VALUES ('embedder', ?)", (want,))
            elif row[0] != want:
                raise InputError(
                    f"the memory in {self.db_path} was built with embedder {row[0]}, not {want}; "
                    "open it with the same embedder or use another --project"
                )

    def close(self) -> None:
        """Save the index for a fast next open and close the database."""
        if self._index is not None and self._index_dirty:
            with self._lock:
                self._index.save(self.index_path)
        self._db.close()

    def __enter__(self) -> "SceneMemory":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: committed whole or not at all."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _bump(self, db: sqlite3.Connection, key: str) -> None:
        db.execute(
            "INSERT INTO meta VALUES (?, '1') ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
            (key,),
        )

    def add(self, items: list[MemoryItem]) -> list[str]:
        """Embed and store items; returns their ids in order. Items already stored keep their id.

        All-or-nothing: texts are embedded first (in batches, outside the lock), then every row is
        written in one transaction, so a film or document is never half in memory after a crash.
        """
        if not items:
            return []
        ids = [item_id(it) for it in items]
        vectors = np.concatenate(
            [self.embedder.embed([it.text for it in items[i : i + EMBED_BATCH]]) for i in range(0, len(items), EMBED_BATCH)]
        )
        rows = [
            (
                uid, it.kind, it.source, it.start_s, it.end_s, it.text,
                json.dumps(it.attributes, default=_json_default), json.dumps(it.keyframes),
                vec.astype(np.float32).tobytes(),
            )
            for it, uid, vec in zip(items, ids, vectors)
        ]
        with self._lock, self._write() as db:
            db.executemany(
                "INSERT OR IGNORE INTO items (uid, kind, source, start_s, end_s, text, attributes, keyframes, embedding)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            self._bump(db, "generation")
        return ids

    def delete(self, ids: list[str]) -> int:
        """Remove items by id; returns how many existed. Unknown ids are ignored."""
        if not ids:
            return 0
        with self._lock, self._write() as db:
            marks = ",".join("?" * len(ids))
            removed = db.execute(f"DELETE FROM items WHERE uid IN ({marks})", ids).rowcount
            self._bump(db, "generation")
            self._bump(db, "deletions")
        return removed

    # -- reading ----------------------------------------------------------------------------------

    def _meta_state(self) -> IndexState:
        rows = dict(self._db.execute("SELECT key, value FROM meta WHERE key IN ('generation','deletions')").fetchall())
        return IndexState(generation=int(rows.get("generation", 0)), deletions=int(rows.get("deletions", 0)))

    def _vectors(self, where: str = "", args: tuple = ()) -> tuple[np.ndarray, np.ndarray]:
        """(N,) rowids and (N, dim) vectors of the rows matching ``where``."""
        rows = self._db.execute(f"SELECT rowid, embedding FROM items {where} ORDER BY rowid", args).fetchall()
        rowids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        vectors = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), self.embedder.dim)
        return rowids, vectors

    def _fresh_index(self) -> VectorIndex:
        """The index, caught up with the rows: loaded from disk, extended, or rebuilt."""
        state = self._meta_state()
        index = self._index
        if index is None:
            index = VectorIndex.load(self.index_path, self.embedder.dim, self.index_config)
        if index is not None and index.state.generation == state.generation and index.state.deletions == state.deletions:
            self._index = index
            return index
        # Read the rows and the generation together, so no concurrent write falls between them.
        self._db.execute("BEGIN")
        try:
            state = self._meta_state()
            max_rowid = self._db.execute("SELECT COALESCE(MAX(rowid), 0) FROM items").fetchone()[0]
            state.max_rowid = max_rowid
            if index is not None and index.state.deletions == state.deletions and index.state.generation < state.generation:
                rowids, vectors = self._vectors("WHERE rowid > ?", (index.state.max_rowid,))
                if index.needs_rebuild_after(len(rowids)):
                    index = None
                else:
                    index.add(rowids, vectors)
                    index.state.generation = state.generation
                    index.state.max_rowid = max_rowid
            else:
                index = None
            if index is None:
                rowids, vectors = self._vectors()
                index = VectorIndex(self.embedder.dim, self.index_config)
                index.rebuild(rowids, vectors, state)
        finally:
            self._db.execute("COMMIT")
        self._index = index
        self._index_dirty = True
        return index

    def search(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> list[SearchHit]:
        """The ``k`` items closest in meaning to ``query`` that pass ``filters``, best first."""
        if k < 1:
            raise InputError(f"k must be at least 1, got {k}")
        index = self._fresh_index()
        allowed = None
        where, args = _filter_sql(filters)
        if where:
            allowed = np.fromiter(
                (r[0] for r in self._db.execute(f"SELECT rowid FROM items WHERE {where}", args)), dtype=np.int64
            )
            if len(allowed) == 0:
                return []
        qvec = self.embedder.embed([query])[0]
        if allowed is not None and len(allowed) <= 2 * k:
            rowids, vectors = self._vectors(f"WHERE {where}", args)
            scores = vectors @ qvec
            order = np.argsort(-scores)[:k]
            scores, ids = scores[order], rowids[order]
        else:
            scores, ids = index.search(qvec, k, allowed)
        by_rowid = self._rows_by_rowid([int(i) for i in ids if i >= 0])
        hits = [SearchHit(item=by_rowid[int(i)], score=float(s)) for s, i in zip(scores, ids) if int(i) in by_rowid]
        return hits

    def _rows_by_rowid(self, rowids: list[int]) -> dict[int, MemoryItem]:
        if not rowids:
            return {}
        marks = ",".join("?" * len(rowids))
        rows = self._db.execute(
            f"SELECT rowid, uid, kind, source, start_s, end_s, text, attributes, keyframes FROM items WHERE rowid IN ({marks})",
            rowids,
        ).fetchall()
        return {r[0]: _row_item(r[1:]) for r in rows}

    def get(self, id: str) -> MemoryItem:
        """The item with this id; InputError when there is none."""
        row = self._db.execute(
            "SELECT uid, kind, source, start_s, end_s, text, attributes, keyframes FROM items WHERE uid = ?", (id,)
        ).fetchone()
        if row is None:
            raise InputError(f"no memory item with id {id!r}; `reelgraph memory search` lists ids")
        return _row_item(row)

    def items(self, filters: SearchFilters | None = None) -> list[MemoryItem]:
        """Every item passing ``filters``, in insertion order (for summaries and exports)."""
        where, args = _filter_sql(filters)
        rows = self._db.execute(
            "SELECT uid, kind, source, start_s, end_s, text, attributes, keyframes FROM items"
            + (f" WHERE {where}" if where else "")
            + " ORDER BY rowid",
            args,
        ).fetchall()
        return [_row_item(r) for r in rows]

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM items").fetchone()[0])

    def stats(self) -> MemoryStats:
        by_kind = {k: 0 for k in ITEM_KINDS} | dict(self._db.execute("SELECT kind, COUNT(*) FROM items GROUP BY kind").fetchall())
        sources = self._db.execute("SELECT COUNT(DISTINCT source) FROM items").fetchone()[0]
        db_bytes = sum(p.stat().st_size for p in self.directory.glob(f"{self.namespace}.sqlite*"))
        return MemoryStats(
            directory=str(self.directory),
            namespace=self.namespace,
            items=sum(by_kind.values()),
            by_kind=by_kind,
            sources=sources,
            index_type=self._fresh_index().kind,
            embedding_dim=self.embedder.dim,
            embedder=self.embedder.name,
            db_bytes=db_bytes,
        )


def _filter_sql(filters: SearchFilters | None) -> tuple[str, tuple]:
    """SQL WHERE clause (without the keyword) and its arguments for ``filters``."""
    if filters is None:
        return "", ()
    parts, args = [], []
    if filters.kind is not None:
        parts.append("kind = ?")
        args.append(filters.kind)
    if filters.source is not None:
        parts.append("source = ?")
        args.append(filters.source)
    if filters.start_s is not None:
        parts.append("end_s >= ?")
        args.append(filters.start_s)
    if filters.end_s is not None:
        parts.append("start_s <= ?")
        args.append(filters.end_s)
    return " AND ".join(parts), tuple(args)


def _row_item(row: tuple) -> MemoryItem:
    uid, kind, source, start_s, end_s, text, attributes, keyframes = row
    return MemoryItem(
        id=uid, kind=kind, source=source, start_s=start_s, end_s=end_s, text=text,
        attributes=json.loads(attributes), keyframes=json.loads(keyframes),
    )


def _json_default(value: object) -> object:
    """numpy scalars and arrays in descriptors become plain JSON numbers and lists."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")
