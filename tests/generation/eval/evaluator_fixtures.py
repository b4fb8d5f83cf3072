"""Checks shared by the evaluator's tests."""

from __future__ import annotations

import torch

from generation.eval.evaluator import Evaluator


def assert_reads_alike(old: Evaluator, new: Evaluator, x: torch.Tensor, atol: float = 1e-6) -> None:
    """``new`` gives ``old``'s logits, features and subject mask for clips ``x`` (the promise every
    grown network makes until training moves it)."""
    with torch.no_grad():
        a, fa, ma = old.forward_with_mask(x)
        b, fb, mb = new.forward_with_mask(x)
    assert torch.allclose(ma, mb, atol=atol) and torch.allclose(fa, fb, atol=atol)
    assert all(torch.allclose(a[k], b[k], atol=atol) for k in a)
