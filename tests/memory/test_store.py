"""SceneMemory: real MiniLM vectors in FAISS over SQLite rows, across processes and crashes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from memory.items import MemoryItem, SearchFilters
from memory.store import SceneMemory
from memory.vector_index import IndexConfig
from reelgraph.errors import InputError

ROOT = Path(__file__).resolve().parents[2]

SHOTS = [
    ("a woolly mammoth walks through deep snow at sunset", 0.0, 4.0),
    ("a red sports car races along a coastal road", 4.0, 7.5),
    ("close-up of a woman crying in the rain at night", 7.5, 12.0),
    ("a flock of birds flies over a calm lake at dawn", 12.0, 15.0),
]
DOCS = ["INT. KITCHEN - NIGHT. Maria pours coffee and stares at the letter.", "The city skyline glitters as the train departs."]


def _items() -> list[MemoryItem]:
    out = [MemoryItem(kind="shot", source="/films/a.mp4", start_s=s, end_s=e, text=t, attributes={"n": i}) for i, (t, s, e) in enumerate(SHOTS)]
    out += [MemoryItem(kind="doc", source="/docs/script.fountain", text=t) for t in DOCS]
    return out


def test_add_search_get_delete_and_filters(tmp_path: Path, embedder) -> None:
    """Meaningful queries find the right item first; filters on kind, source and time apply;
    get/delete round-trip; adding the same items again stores nothing twice."""
    mem = SceneMemory.open(tmp_path, embedder=embedder)
    ids = mem.add(_items())
    assert len(ids) == 6 and len(set(ids)) == 6
    assert mem.add(_items()) == ids and len(mem) == 6

    hits = mem.search("elephant-like animal in snow", k=3)
    assert hits[0].item.text == SHOTS[0][0] and hits[0].score > hits[1].score
    hits = mem.search("kitchen at night with coffee", k=2, filters=SearchFilters(kind="doc"))
    assert [h.item.kind for h in hits] == ["doc", "doc"] and "KITCHEN" in hits[0].item.text
    hits = mem.search("car", k=10, filters=SearchFilters(kind="shot", start_s=5.0, end_s=13.0))
    assert {h.item.text for h in hits} == {SHOTS[1][0], SHOTS[2][0], SHOTS[3][0]}
    assert mem.search("car", filters=SearchFilters(source="/nowhere")) == []

    got = mem.get(ids[1])
    assert got.text == SHOTS[1][0] and got.attributes == {"n": 1} and got.start_s == 4.0
    assert mem.delete([ids[1], "shot-unknown"]) == 1
    with pytest.raises(InputError, match="no memory item"):
        mem.get(ids[1])
    assert all(h.item.id != ids[1] for h in mem.search("red sports car", k=10))
    stats = mem.stats()
    assert stats.items == 5 and stats.by_kind == {"shot": 3, "doc": 2, "render": 0} and stats.sources == 2
    assert stats.index_type == "flat" and stats.embedding_dim == 384
    mem.close()


def test_persistence_and_index_rebuilt_from_sqlite(tmp_path: Path, embedder) -> None:
    """A reopened store answers the same; a deleted or corrupt FAISS file is rebuilt from SQLite,
    and namespaces in one folder do not see each other."""
    with SceneMemory.open(tmp_path, embedder=embedder) as mem:
        ids = mem.add(_items())
        before = [h.item.id for h in mem.search("birds over water", k=3)]
    assert (tmp_path / "default.faiss").exists()
    with SceneMemory.open(tmp_path, embedder=embedder) as mem:
        assert [h.item.id for h in mem.search("birds over water", k=3)] == before
    (tmp_path / "default.faiss").write_bytes(b"garbage")
    with SceneMemory.open(tmp_path, embedder=embedder) as mem:
        assert [h.item.id for h in mem.search("birds over water", k=3)] == before
        assert mem.get(ids[0]).text == SHOTS[0][0]
    (tmp_path / "default.faiss").unlink()
    with SceneMemory.open(tmp_path, embedder=embedder) as mem:
        assert [h.item.id for h in mem.search("birds over water", k=3)] == before
    with SceneMemory.open(tmp_path, namespace="other", embedder=embedder) as other:
        assert len(other) == 0 and other.search("birds") == []
    with pytest.raises(InputError, match="namespace"):
        SceneMemory.open(tmp_path, namespace="../evil", embedder=embedder)


def test_switches_to_ivf_above_exact_limit_and_keeps_recall(tmp_path: Path, embedder) -> None:
    """Past ``exact_limit`` the index becomes IVF; its neighbours agree with exact search, and
    metadata filters still return k matching items."""
    words = "red green blue old young tall small fast slow dark bright quiet loud".split()
    nouns = "car dog house tree river mountain city boat bird child woman man street".split()
    texts = [f"a {a} {n} near the {b} {m}" for a in words for n in nouns for b in words[:4] for m in nouns[:4]][:1200]
    items = [MemoryItem(kind="doc" if i % 2 else "shot", source=f"/synthetic/{i % 3}", text=t) for i, t in enumerate(texts)]
    cfg = IndexConfig(exact_limit=300, nprobe=16)
    with SceneMemory.open(tmp_path, embedder=embedder, index_config=cfg) as mem:
        mem.add(items)
        assert mem.stats().index_type == "ivf"
        approx = [h.item.id for h in mem.search("a fast car in the city", k=10)]
        # Filters through the FAISS id selector (far more allowed rows than k).
        hits = mem.search("a fast car in the city", k=10, filters=SearchFilters(kind="shot", source="/synthetic/1"))
        assert len(hits) == 10 and all(h.item.kind == "shot" and h.item.source == "/synthetic/1" for h in hits)
        assert "car" in hits[0].item.text
    with SceneMemory.open(tmp_path, embedder=embedder, index_config=IndexConfig(exact_limit=10_000)) as exact:
        (tmp_path / "default.faiss").unlink()
        truth = [h.item.id for h in exact.search("a fast car in the city", k=10)]
    assert len(set(approx) & set(truth)) >= 8


WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from memory.embed import MiniLMEmbedder
    from memory.items import MemoryItem
    from memory.store import SceneMemory
    mem = SceneMemory.open(Path(sys.argv[1]), embedder=MiniLMEmbedder())
    tag = sys.argv[2]
    for b in range(int(sys.argv[3])):
        mem.add([MemoryItem(kind="shot", source=f"/{tag}", start_s=float(b), end_s=b + 1.0, text=f"{tag} shot {b} item {j}") for j in range(4)])
        print(b, flush=True)
        time.sleep(float(sys.argv[4]))
    """
)


def _writer(directory: Path, tag: str, batches: int, pause: float) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(directory), tag, str(batches), str(pause)],
        stdout=subprocess.PIPE, text=True, env=env,
    )


@pytest.mark.slow
def test_two_processes_write_at_once_and_see_each_other(tmp_path: Path, embedder) -> None:
    """Two writer processes share one store through the file lock; a reader open all along sees
    every committed item (its index catches up without a restart)."""
    reader = SceneMemory.open(tmp_path, embedder=embedder)
    a, b = _writer(tmp_path, "alpha", 6, 0.0), _writer(tmp_path, "beta", 6, 0.0)
    assert a.wait(120) == 0 and b.wait(120) == 0
    assert len(reader) == 48
    hits = reader.search("beta shot 5", k=48)
    assert len(hits) == 48 and {h.item.source for h in hits} == {"/alpha", "/beta"}
    reader.close()


@pytest.mark.slow
def test_sigkill_mid_ingest_keeps_committed_items(tmp_path: Path, embedder) -> None:
    """kill -9 during an ingest loop: the store opens, holds every batch reported committed,
    and search works (the stale index is rebuilt)."""
    with SceneMemory.open(tmp_path, embedder=embedder) as mem:
        mem.add(_items())
    proc = _writer(tmp_path, "victim", 10_000, 0.0)
    committed = -1
    deadline = time.time() + 60
    while committed < 5 and time.time() < deadline:
        committed = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with SceneMemory.open(tmp_path, embedder=embedder) as mem:
        assert len(mem) >= 6 + 4 * (committed + 1)
        assert mem.search("a woolly mammoth in snow", k=1)[0].item.text == SHOTS[0][0]
        victims = mem.items(SearchFilters(source="/victim"))
        assert {it.start_s for it in victims} >= {float(b) for b in range(committed + 1)}
        assert len(mem.search("victim shot", k=10_000)) == len(mem)


def test_second_handle_catches_up_on_adds_and_deletes(tmp_path: Path, embedder) -> None:
    """Two open handles on one store (as two processes would have): adds made through one are
    found by the other's next search (index extended), deletes are honoured (index rebuilt)."""
    a = SceneMemory.open(tmp_path, embedder=embedder)
    b = SceneMemory.open(tmp_path, embedder=embedder)
    ids = a.add(_items()[:3])
    assert {h.item.id for h in b.search("mammoth", k=10)} == set(ids)
    more = a.add(_items()[3:])
    assert len(b.search("mammoth", k=10)) == 6 and more[0] in {h.item.id for h in b.search("birds over a lake", k=1)}
    a.delete([ids[0]])
    assert ids[0] not in {h.item.id for h in b.search("woolly mammoth in snow", k=10)}
    assert len(b.search("anything", k=10)) == 5
    a.close()
    b.close()
