"""``reelgraph bench NAME``: run one script of ``bench/`` and pass its JSON lines through."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from reelgraph.errors import InputError

BENCH_DIR = Path(__file__).resolve().parent.parent / "bench"


def available() -> list[str]:
    return sorted(p.stem for p in BENCH_DIR.glob("*.py") if not p.name.startswith("_")) if BENCH_DIR.is_dir() else []


def run_bench(name: str) -> None:
    """Benchmarks live in the source checkout (they are not installed); each prints JSON lines."""
    if not BENCH_DIR.is_dir():
        raise InputError("benchmarks run from a source checkout of reelgraph (bench/ is not installed)")
    script = BENCH_DIR / f"{name.removesuffix('.py')}.py"
    if name.startswith(("_", ".")) or "/" in name or not script.is_file():
        raise InputError(f"no benchmark {name!r}; choose one of: {', '.join(available()) or 'none'}")
    # -P: the script's own folder must not shadow packages (bench/memory.py vs memory/).
    done = subprocess.run([sys.executable, "-P", str(script)], cwd=BENCH_DIR.parent)
    if done.returncode != 0:
        raise InputError(f"benchmark {name} failed with exit code {done.returncode}")
