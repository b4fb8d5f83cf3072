"""Planning latency with the local chat model, and how often its plans validate without repair.

Plans a 100-second film (10 shots of at most 10 s) for several ideas with the default local model
(Qwen2.5-Coder-1.5B-Instruct Q4_K_M through llama.cpp, schema-constrained) and prints one JSON
object per idea plus a summary. Set REELGRAPH_BENCH_MODEL to try another model string.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/NAME.py`, this folder comes first on sys.path and bench/memory.py would
# shadow the memory package: drop it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import json
import os
import tempfile
import time

from agent.api import Director
from agent.context import DirectorSettings
from agent.models import load_chat_model

IDEAS = [
    "woolly mammoths walk through a snowy meadow at sunset",
    "a red car drives across the desert at noon, then a storm rolls in",
    "a lighthouse keeper's dog runs along the beach at dawn",
    "birds fly over a city skyline at night in the rain",
]


def main() -> None:
    spec = os.environ.get("REELGRAPH_BENCH_MODEL", "local")
    t0 = time.perf_counter()
    chat = load_chat_model(spec)
    chat._load() if hasattr(chat, "_load") else None
    load_s = time.perf_counter() - t0
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, idea in enumerate(IDEAS):
            settings = DirectorSettings(model=spec, seed=i)
            director = Director(tmp, settings, chat=chat, use_scorer=False)
            t0 = time.perf_counter()
            outcome = director.run(idea, duration_s=100.0)
            took = time.perf_counter() - t0
            board = outcome.pending_storyboard
            plan_line = next(line for line in outcome.log if line.startswith("plan:"))
            first_try = "first try" in plan_line
            results.append((took, first_try))
            print(json.dumps({"bench": "plan", "model": spec, "idea": idea, "seconds": round(took, 1), "shots": len(board.shots),
                              "total_s": board.total_duration_s, "valid_without_repair": first_try, "log": plan_line}), flush=True)
            director.close()
    times = sorted(t for t, _ in results)
    print(json.dumps({"bench": "plan", "model": spec, "case": "summary", "model_load_s": round(load_s, 1),
                      "median_s": round(times[len(times) // 2], 1), "max_s": round(times[-1], 1),
                      "valid_without_repair": sum(ok for _, ok in results) / len(results)}), flush=True)


if __name__ == "__main__":
    main()
