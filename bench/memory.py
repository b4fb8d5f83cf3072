"""Scene-memory throughput and latency, one JSON object per case.

Cases: embedding throughput (MiniLM, shot-description-like texts); ingesting a 100k-word book
end to end (chunk + embed + store); store add rate with precomputed vectors; search latency p50/p99
and recall@10 against exact search at 10k and 100k items, for several IVF ``nprobe`` values.

The corpus is MiniLM embeddings of distinct generated scene descriptions, cached under
runs/bench_memory/. On a busy shared CPU embedding 100k texts takes too long, so ``--real N``
embeds N and derives the rest as blends of two real vectors; every search case reports how many
of its vectors were real.

    python bench/memory.py                 # all cases
    python bench/memory.py --sizes 10000   # smaller
    python bench/memory.py --real 5000 --skip-book   # quick, on a loaded machine
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

# Run as `python bench/memory.py`, this file's folder comes first on sys.path and its name would
# shadow the `memory` package it measures.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402

from memory.embed import EmbedderConfig, MiniLMEmbedder  # noqa: E402
from memory.ingest.document import analyze_document  # noqa: E402
from memory.items import MemoryItem  # noqa: E402
from memory.store import SceneMemory  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "runs" / "bench_memory"

SUBJECTS = "a woolly mammoth|a red car|an old fisherman|two children|a flock of birds|a lighthouse|a sailing boat|a woman in a yellow coat|a stray dog|a crowd of commuters|a lone cyclist|a steam train|a fox|a dancer|a soldier|a street musician|a horse|a kite|a drone|a cat".split("|")
ACTIONS = "walks slowly|runs|waits|turns around|disappears|crosses the frame|falls|laughs|stares at the camera|drifts|climbs|hides|sings|argues|sleeps".split("|")
PLACES = "through deep snow|along a coastal road|in a neon-lit alley|across a frozen lake|on a crowded platform|in a wheat field|under a bridge|on a rooftop|in a forest clearing|inside a diner|on a beach|in the desert|at a harbour|in a library|on a mountain ridge".split("|")
LIGHT = "at sunset|at dawn|at night|in heavy rain|in fog|under harsh noon sun|in blue hour|by candlelight|in falling snow|under streetlights".split("|")
CAMERA = "static wide shot|slow pan left|slow pan right|tilt up|handheld close-up|zoom in|zoom out|tracking shot|low angle|overhead shot".split("|")


def sentences(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    seen: set[str] = set()
    out = []
    while len(out) < n:
        s = f"{rng.choice(CAMERA)}: {rng.choice(SUBJECTS)} {rng.choice(ACTIONS)} {rng.choice(PLACES)} {rng.choice(LIGHT)}, shot {rng.randint(1, 999)} of reel {rng.randint(1, 99)}"
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


class CachedEmbedder:
    """MiniLM vectors looked up for known texts (computed once, cached on disk), MiniLM for others."""

    name = MiniLMEmbedder.name
    dim = MiniLMEmbedder.dim

    def __init__(self, texts: list[str], vectors: np.ndarray, fallback: MiniLMEmbedder) -> None:
        self.table = {t: i for i, t in enumerate(texts)}
        self.vectors = vectors
        self.fallback = fallback

    def embed(self, texts: list[str]) -> np.ndarray:
        idx = [self.table.get(t, -1) for t in texts]
        if all(i >= 0 for i in idx):
            return self.vectors[idx]
        return self.fallback.embed(texts)


def emit(case: str, **fields) -> None:
    print(json.dumps({"bench": "memory", "case": case, "machine": platform.machine(), "cpus": os.cpu_count(), **fields}), flush=True)


def corpus(n: int, real: int, embedder: MiniLMEmbedder) -> tuple[list[str], np.ndarray]:
    """``n`` texts and their vectors: the first ``real`` embedded by MiniLM (cached on disk); the
    rest, when ``real < n``, derived as renormalised blends of two real vectors plus a little
    noise (semantic in-betweens that keep MiniLM's geometry; stated in every search result)."""
    real = min(real, n)
    texts = sentences(real, seed=1)
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"vectors_{real}.npy"
    if path.exists():
        vectors = np.load(path)
    else:
        parts = []
        for start in range(0, real, 1000):  # checkpoint so an interrupted run resumes
            part = CACHE / f"part_{real}_{start}.npy"
            if not part.exists():
                np.save(part, embedder.embed(texts[start : start + 1000]))
            parts.append(np.load(part))
        vectors = np.concatenate(parts)
        np.save(path, vectors)
        for start in range(0, real, 1000):
            (CACHE / f"part_{real}_{start}.npy").unlink(missing_ok=True)
    if n > real:
        rng = np.random.default_rng(0)
        i, j = rng.integers(0, real, (2, n - real))
        a = rng.uniform(0.25, 0.75, (n - real, 1)).astype(np.float32)
        mixed = a * vectors[i] + (1 - a) * vectors[j] + rng.normal(0, 0.02, (n - real, vectors.shape[1])).astype(np.float32)
        mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
        texts = texts + [f"derived item {k}: blend of {texts[p]} / {texts[q]}" for k, (p, q) in enumerate(zip(i, j))]
        vectors = np.concatenate([vectors, mixed.astype(np.float32)])
    return texts, vectors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--real", type=int, default=100_000, help="How many corpus vectors are real MiniLM embeddings.")
    parser.add_argument("--skip-book", action="store_true")
    parser.add_argument("--threads", type=int, default=None, help="Torch threads for MiniLM (1 on a busy shared CPU).")
    parser.add_argument("--cases", nargs="+", default=["embed", "book", "search"], choices=["embed", "book", "search"])
    args = parser.parse_args()
    if args.skip_book:
        args.cases = [c for c in args.cases if c != "book"]
    embedder = MiniLMEmbedder(EmbedderConfig(threads=args.threads))
    embedder.embed(["warm up"])
    import torch

    emit("setup", torch_threads=torch.get_num_threads(), load_average=round(os.getloadavg()[0], 2))

    if "embed" in args.cases:
        texts = sentences(1000, seed=99)
        t0 = time.perf_counter()
        embedder.embed(texts)
        dt = time.perf_counter() - t0
        emit("embed_short_texts", texts=len(texts), seconds=round(dt, 2), texts_per_s=round(len(texts) / dt, 1))
        one = []
        for q in sentences(20, seed=98):
            t0 = time.perf_counter()
            embedder.embed([q])
            one.append((time.perf_counter() - t0) * 1000)
        emit("embed_one_query", p50_ms=round(float(np.median(one)), 2))

    if "book" in args.cases:
        rng = random.Random(0)
        vocab = " ".join(sentences(400, seed=5)).replace(",", "").replace(":", "").split()
        paras = [" ".join(rng.choice(vocab) for _ in range(rng.randint(40, 160))) + "." for _ in range(1100)]
        with tempfile.TemporaryDirectory() as tmp:
            book = Path(tmp) / "book.md"
            text = "# Book\n\n" + "\n\n".join(paras)
            book.write_text(text)
            t0 = time.perf_counter()
            doc = analyze_document(book)
            t_chunk = time.perf_counter() - t0
            with SceneMemory.open(Path(tmp) / "mem", embedder=embedder) as mem:
                mem.add(doc.items())
            dt = time.perf_counter() - t0
            emit("ingest_book", words=len(text.split()), chunks=len(doc.chunks), chunk_seconds=round(t_chunk, 2),
                 seconds=round(dt, 2), target_seconds=60)

    if "search" not in args.cases:
        return
    biggest = max(args.sizes)
    all_texts, all_vectors = corpus(biggest, args.real, embedder)
    queries = sentences(args.queries, seed=12345)  # held out: never in the corpus
    queries = [q for q in queries if q not in set(all_texts)]
    qvecs = embedder.embed(queries)
    all_texts, all_vectors = all_texts + queries, np.concatenate([all_vectors, qvecs])
    for n in sorted(args.sizes):
        texts, vectors = all_texts[:n], all_vectors[:n]
        cached = CachedEmbedder(all_texts, all_vectors, embedder)
        with tempfile.TemporaryDirectory() as tmp:
            mem = SceneMemory.open(Path(tmp), embedder=cached)
            items = [MemoryItem(kind="shot", source=f"/films/reel{i % 50}.mp4", start_s=float(i % 600), end_s=float(i % 600) + 3.0, text=t)
                     for i, t in enumerate(texts)]
            t0 = time.perf_counter()
            mem.add(items)
            dt = time.perf_counter() - t0
            emit("store_add_precomputed", items=n, seconds=round(dt, 2), items_per_s=round(n / dt, 1))
            t0 = time.perf_counter()
            index_type = mem.stats().index_type
            emit("index_build", items=n, index=index_type, seconds=round(time.perf_counter() - t0, 2))
            truth = np.argsort(-(qvecs @ vectors.T), axis=1)[:, :10]  # exact top-10 row positions
            nprobes = [8, 16, 24, 32, 48] if index_type == "ivf" else [0]
            for nprobe in nprobes:
                if nprobe:
                    mem._fresh_index()._index.nprobe = nprobe
                lat, recall = [], []
                for qi, q in enumerate(queries):
                    t0 = time.perf_counter()
                    hits = mem.search(q, k=10)
                    lat.append((time.perf_counter() - t0) * 1000)
                    got = {h.item.text for h in hits}
                    recall.append(len(got & {texts[j] for j in truth[qi]}) / 10)
                lat_a = np.array(lat[10:])  # the first queries warm caches
                emit("search", items=n, index=index_type, nprobe=nprobe or None, queries=len(lat_a),
                     p50_ms=round(float(np.percentile(lat_a, 50)), 3), p99_ms=round(float(np.percentile(lat_a, 99)), 3),
                     recall_at_10=round(float(np.mean(recall)), 4), real_vectors=min(n, args.real),
                     note="query vectors precomputed; add embed_one_query for end to end")
            mem.close()
            t0 = time.perf_counter()
            (Path(tmp) / "default.faiss").unlink()
            with SceneMemory.open(Path(tmp), embedder=cached) as again:
                again.search(queries[0], k=10)
            emit("rebuild_index_from_sqlite", items=n, seconds=round(time.perf_counter() - t0, 2))


if __name__ == "__main__":
    main()
