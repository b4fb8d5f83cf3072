"""Growing a trained evaluator wider (``generation/eval/widen.py``): the wide network predicts
exactly what the narrow one did, its new channels are wired in where training can reach them, and
anything but a widening is refused."""

from __future__ import annotations

import pytest
import torch

from generation.eval.evaluator import Evaluator, EvaluatorConfig
from generation.eval.widen import embed, widen
from reelgraph.errors import InputError
from tests.generation.eval.evaluator_fixtures import assert_reads_alike


def narrow() -> Evaluator:
    torch.manual_seed(7)
    model = Evaluator(EvaluatorConfig(widths=(8, 8, 8, 8), feature_dim=16)).eval()
    with torch.no_grad():  # give the zero-started parts weights, as training would, so they are tested too
        for name, p in model.named_parameters():
            if not p.any():
                p.normal_(0.0, 0.05)
    return model


@pytest.mark.parametrize("widths", [(12, 16, 8, 8), (8, 8, 12, 16), (16, 12, 20, 24)])
def test_a_widened_network_reads_every_clip_as_the_narrow_one_did(widths):
    """Heads, features and subject mask agree on random clips for widenings of the early stages, the
    late stages (the projection, peak branch and mask context read concatenated maps) and all."""
    old = narrow()
    new = widen(old, widths)
    assert new.config.widths == widths and not new.training
    assert sum(p.numel() for p in new.parameters()) > sum(p.numel() for p in old.parameters())
    assert_reads_alike(old, new, torch.rand(2, 6, 5, 64, 64) * 2 - 1, atol=1e-5)


def test_the_new_channels_are_read_once_training_moves_the_zeros():
    """The weights by which old channels read the new ones start at zero (that is what keeps the
    predictions) but get gradient at once, and moving them changes the features."""
    old = narrow()
    new = widen(old, (12, 8, 8, 8)).train()
    reads_new = new.blocks[0].spatial.weight
    assert not reads_new[:, 8:].any() and new.stem[0].weight[8:].any()
    x = torch.rand(2, 6, 5, 64, 64) * 2 - 1
    logits, _ = new(x)
    sum(v.sum() for v in logits.values()).backward()
    assert reads_new.grad[:, 8:].abs().sum() > 0
    new.eval()
    with torch.no_grad():
        before = new.features(x)
        reads_new[:, 8:] -= 0.1 * reads_new.grad[:, 8:].sign()
        assert not torch.allclose(new.features(x), before, atol=1e-4)


def test_only_a_widening_is_accepted():
    old = narrow()
    with pytest.raises(InputError, match="can only widen"):
        widen(old, (8, 8, 8, 4))
    with pytest.raises(InputError, match="can only widen"):
        widen(old, (8, 8, 8))
    with pytest.raises(InputError, match="cannot embed"):
        embed(torch.zeros(4, 4, 3), torch.zeros(4, 4, 2))
    with pytest.raises(InputError, match="do not fit"):
        embed(torch.zeros(4, 6), torch.zeros(4, 4), [3, 3], [2, 1])


def test_embedding_concatenated_inputs_part_by_part():
    """A weight reading two maps side by side keeps each old map's columns at the head of its part."""
    old = torch.arange(1.0, 9.0).reshape(2, 4)  # 2 outputs reading parts of 2 + 2 inputs
    new = torch.full((3, 6), 7.0)  # 3 outputs reading parts of 3 + 3
    embed(new, old, [3, 3], [2, 2])
    assert new[:2].tolist() == [[1, 2, 0, 3, 4, 0], [5, 6, 0, 7, 8, 0]]
    assert new[2].tolist() == [7.0] * 6  # a new output keeps its own initial weights
