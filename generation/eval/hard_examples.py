"""Online hard-example replay for the evaluator's training: the examples the network read worst in
recent batches are kept and shown again in later ones.

Why: after some 100,000 steps the evaluator reads ~97 % of attributes right, and what it still misses
(a bird crossing a city read as no subject, a receding boat read as still) turns up in one or two
clips of a 32-clip batch, once; the fresh clips and the ring of recent renders (``ClipStream``) are
drawn without regard to what the network already knows. Weighting each clip's loss within its batch
by its difficulty (``TrainConfig.hard_gamma``) measured flat (session 22), since a batch holds so few
hard clips to weight. Replay (online hard example mining, as in detection training) shows each hard
clip several times, mirrored at random, while it stays hard: a clip read right on replay ranks low
and leaves the buffer; one still missed is picked again.

The buffer lives in the optimiser's process (the loss is known only there); it holds prepared
inputs, so replay costs no rendering.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from generation.eval.training_examples import mirror_example


@dataclass
class HardBatch:
    """Examples drawn for replay: inputs (K, C, T, S, S), labels (K, A), subject covers (K, T, G, G)
    or (K, 0)."""

    x: torch.Tensor
    y: torch.Tensor
    cover: torch.Tensor


def example_losses(logits: dict[str, torch.Tensor], y: torch.Tensor) -> torch.Tensor:
    """Each example's cross-entropy summed over the attributes (B,): how badly the network read it."""
    with torch.no_grad():
        return torch.stack([F.cross_entropy(l.float(), y[:, i], reduction="none")
                            for i, l in enumerate(logits.values())]).sum(0)


class HardExamples:
    """A first-in first-out buffer of the hardest examples of recent batches."""

    def __init__(self, capacity: int, swap: list[list[int]], seed: int = 0):
        if capacity < 1:
            raise ValueError("a hard-example buffer needs room for at least one example")
        self.capacity = capacity
        self.swap = swap  # per attribute: class -> the class its mirror image shows
        self.rng = np.random.default_rng(seed)
        self.items: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []
        self.next = 0

    def __len__(self) -> int:
        return len(self.items)

    def add_hardest(self, x: torch.Tensor, y: torch.Tensor, cover: torch.Tensor, losses: torch.Tensor, k: int) -> None:
        """Keep the ``k`` examples of a batch with the highest ``losses`` (overwriting the oldest)."""
        for i in torch.topk(losses, min(k, len(losses))).indices.tolist():
            item = (x[i].detach().cpu().clone(), y[i].detach().cpu().clone(), cover[i].detach().cpu().clone())
            if len(self.items) < self.capacity:
                self.items.append(item)
            else:
                self.items[self.next] = item
                self.next = (self.next + 1) % self.capacity

    def draw(self, k: int) -> HardBatch:
        """``k`` kept examples chosen at random, each mirrored left to right (labels swapped) with
        probability one half, so a replay is not the very same input twice running."""
        if not self.items:
            raise ValueError("the hard-example buffer is empty")
        xs, ys, cs = [], [], []
        for j in self.rng.integers(len(self.items), size=k):
            x, y, cover = self.items[int(j)]
            if self.rng.random() < 0.5:
                x, cover, labels = mirror_example(x, cover, y.tolist(), self.swap)
                y = torch.tensor(labels, dtype=y.dtype)
            xs.append(x), ys.append(y), cs.append(cover)
        return HardBatch(torch.stack(xs), torch.stack(ys), torch.stack(cs))
