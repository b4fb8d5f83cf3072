"""Where a training stage says how it is doing: ``<stage>/log.jsonl`` plus a line on stdout.

Only rank 0 writes (other ranks get a disabled logger), so a DDP job has one log. Loss rows and the
periodic evaluator rows (``stage: dit_eval``) go to the same file, in step order.
"""

from __future__ import annotations

import json
import math
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


class ReconstructionWindow:
    """The steps since the last log line of a stage that reconstructs frames (the autoencoder and the
    decoder stages): their mean loss and PSNR, and the wall time they took, which is added to the
    stage's elapsed time when the window closes."""

    def __init__(self):
        self.rows: list[tuple[float, float]] = []
        self.started = time.time()

    def add(self, loss: float, mse: float) -> None:
        self.rows.append((loss, 10 * math.log10(4.0 / max(mse, 1e-10))))  # frames in [-1, 1]: peak-to-peak 2

    def close(self, state) -> dict:
        """Fold the window into ``state`` (elapsed time, last loss, ``extra["psnr_db"]``), start a new
        one, and return the figures of a log row."""
        dt, n = time.time() - self.started, len(self.rows)
        state.elapsed_s += dt
        state.last_loss = sum(r[0] for r in self.rows) / n
        state.extra["psnr_db"] = sum(r[1] for r in self.rows) / n
        self.rows, self.started = [], time.time()
        return dict(step=state.step, loss=state.last_loss, psnr_db=state.extra["psnr_db"], s_per_step=dt / n)
