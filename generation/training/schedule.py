"""When things happen in a training run: the learning-rate warmup and the wall-clock limit."""

from __future__ import annotations

import time

from generation.training.config import TrainConfig


def lr_at(step: int, base: float, warmup: int) -> float:
    """Linear warmup to ``base`` over ``warmup`` steps, then constant (runs are open-ended)."""
    return base * min(1.0, (step + 1) / max(1, warmup))


def time_is_up(cfg: TrainConfig, t_start: float) -> bool:
    """Whether ``max_minutes`` of wall time have passed since ``t_start`` (never when it is 0)."""
    return cfg.max_minutes > 0 and time.time() - t_start > 60 * cfg.max_minutes
