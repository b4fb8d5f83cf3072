"""Where a training stage says how it is doing: ``<stage>/log.jsonl`` plus a line on stdout.

Only rank 0 writes (other ranks get a disabled logger), so a DDP job has one log. Loss rows and the
periodic evaluator rows (``stage: dit_eval``) go to the same file, in step order.
"""

from __future__ import annotations

import json
import time
from pathlib import Path


class Logger:
    """Loss lines to stdout and ``<stage>/log.jsonl`` (rank 0 only)."""

    def __init__(self, folder: Path, enabled: bool):
        self.enabled = enabled
        if enabled:
            folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "log.jsonl"

    def __call__(self, **row) -> None:
        if not self.enabled:
            return
        row["time"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        with self.path.open("a") as f:
            f.write(json.dumps(row) + "\n")
        print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()), flush=True)
