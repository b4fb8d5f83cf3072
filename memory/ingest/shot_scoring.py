"""Precision, recall and F1 of detected shot boundaries against ground truth (±tolerance frames).

A hard cut matches a detected boundary within ``tolerance`` frames of it; a gradual transition
matches a detected boundary anywhere inside its span widened by ``tolerance``. Each truth and each
detection matches at most once.
"""

from __future__ import annotations

from pydantic import BaseModel


class TruthSpan(BaseModel):
    """A true transition: ``start == end`` for a cut (first frame of the new shot)."""

    kind: str
    start: int
    end: int


class BoundaryScore(BaseModel):
    precision: float
    recall: float
    f1: float
    true_positives: int
    detected: int
    truth: int


def score_boundaries(detected: list[int], truth: list[TruthSpan], tolerance: int = 2) -> BoundaryScore:
    """Greedy one-to-one matching of detected frames to true spans, nearest first."""
    pairs = []
    for ti, t in enumerate(truth):
        for di, d in enumerate(detected):
            if t.start - tolerance <= d <= t.end + tolerance:
                centre = (t.start + t.end) / 2
                pairs.append((abs(d - centre), ti, di))
    used_t, used_d = set(), set()
    for _, ti, di in sorted(pairs):
        if ti not in used_t and di not in used_d:
            used_t.add(ti)
            used_d.add(di)
    tp = len(used_t)
    precision = tp / len(detected) if detected else (1.0 if not truth else 0.0)
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return BoundaryScore(precision=precision, recall=recall, f1=f1, true_positives=tp, detected=len(detected), truth=len(truth))
