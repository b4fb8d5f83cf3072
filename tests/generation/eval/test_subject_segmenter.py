"""The evaluator's subject segmenter: it starts silent inside an evaluator (older weights score
unchanged), its gate hands the mask over, it learns where a moving subject is, and its own training
run writes, resumes and is loaded by the evaluator's training."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

from generation.eval.evaluator import Evaluator, EvaluatorConfig
from generation.eval.motion import film_flow
from generation.eval.subject_segmenter import SubjectSegmenter, pooled_logits
from generation.eval.subject_track import MASK_PRIOR, SubjectTrack
from reelgraph.errors import InputError

SMALL = dict(widths=(8, 8, 8, 8), feature_dim=16, dropout=0.0)  # no dropout: training mode is deterministic


def test_weights_without_the_segmenter_load_and_score_unchanged():
    """An evaluator trained before the segmenter starts one that has it with the same logits and
    mask, in training mode too (its gate begins at zero); the segmenter and its gate are the
    parameters reported new; an older checkpoint's config reads as one without it."""
    torch.manual_seed(7)
    old = Evaluator(EvaluatorConfig(**SMALL, segmenter=False))
    new = Evaluator(EvaluatorConfig(**SMALL, segmenter=True))
    assert old.segmenter is None and new.segmenter is not None
    # the evaluator's init re-inits every conv; the segmenter's own init (a timid output) must win
    assert float(new.segmenter.out.weight.detach().std()) < 0.05 and torch.all(new.segmenter.out.bias.detach() == MASK_PRIOR)
    new.load_start(old)
    assert new.parameters_new_to(old) == {n for n, _ in new.named_parameters() if n.startswith(("segmenter.", "segment_gate"))}
    x = torch.rand(2, 6, 5, 64, 64) * 2 - 1
    for train in (False, True):
        old.train(train)
        new.train(train)
        with torch.no_grad():
            a, fa, ma = old.forward_with_mask(x)
            b, fb, reading = new.forward_with_masks(x)
        assert torch.allclose(ma, reading.logits, atol=1e-6) and torch.allclose(fa, fb, atol=1e-6)
        assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
        assert reading.fine.shape == (2, 5, 16, 16)  # twice the 8-cell mask grid of a 64-px canvas
    with pytest.raises(InputError, match="cannot start"):
        old.load_start(new)
    legacy = EvaluatorConfig(**SMALL).to_json().replace(', "segmenter": true', "")
    assert "segmenter" not in legacy and EvaluatorConfig.from_json(legacy).segmenter is False


def test_the_segmenter_is_built_only_where_it_can_read_the_flow():
    """Without flow, without the subject branch or with another stem it is not built (and the
    clip's cover is then taught at the mask grid); without film frames it is not run."""
    assert Evaluator(EvaluatorConfig(**SMALL, flow=False)).segmenter is None
    assert Evaluator(EvaluatorConfig(**SMALL, subject_track=False)).segmenter is None
    assert Evaluator(EvaluatorConfig(**SMALL, stem_stride=2, stem_kernel=5)).segmenter is None
    net = Evaluator(EvaluatorConfig(**SMALL)).eval()
    with torch.no_grad():
        reading = net.forward_with_masks(torch.rand(1, 3, 4, 64, 64) * 2 - 1)[2]
    assert reading.fine is None and reading.logits.shape == (1, 4, 8, 8)


def test_an_open_gate_hands_the_mask_to_the_segmenter():
    """With the gate at one, the mask the subject branch reads is the segmenter's, pooled to the
    mask grid: each cell's cover the mean of its four finer cells'."""
    torch.manual_seed(8)
    net = Evaluator(EvaluatorConfig(**SMALL)).eval()
    torch.nn.init.normal_(net.segmenter.out.weight, std=0.5)  # as if trained: a mask with some shape
    with torch.no_grad():
        net.segment_gate.fill_(1.0)
        reading = net.forward_with_masks(torch.rand(2, 6, 3, 64, 64) * 2 - 1)[2]
    fine = reading.fine.reshape(6, 16, 16)
    assert torch.allclose(reading.logits.reshape(6, 8, 8), pooled_logits(fine), atol=1e-5)
    p = torch.sigmoid(fine)
    assert torch.allclose(torch.sigmoid(pooled_logits(fine))[:, 0, 0], p[:, :2, :2].mean(dim=(1, 2)), atol=1e-5)


def _moving_squares(n: int, g: torch.Generator, t: int = 4, size: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    """Toy clips: a still textured ground and a square of random colour that moves 2 px a film frame
    -> clips (n, 6, t, size, size) (with the film frame before each sample) and covers (n, t, size/4, size/4)."""
    ground = (torch.rand(n, 3, 1, size // 4, size // 4, generator=g) * 0.6 - 0.3).repeat_interleave(4, -1).repeat_interleave(4, -2)
    clips = ground.expand(n, 3, 2 * t, size, size).clone()  # even frames: film frame before; odd: the sample
    cover = torch.zeros(n, 2 * t, size, size)
    for i in range(n):
        colour = torch.rand(3, generator=g) * 2 - 1
        side = int(torch.randint(8, 20, (1,), generator=g))
        y, x0 = [int(v) for v in torch.randint(0, size - side, (2,), generator=g)]
        for k in range(2 * t):
            x = (x0 + 2 * k) % (size - side)
            clips[i, :, k, y : y + side, x : x + side] = colour[:, None, None]
            cover[i, k, y : y + side, x : x + side] = 1.0
    x = torch.cat([clips[:, :, 1::2], clips[:, :, 0::2]], dim=1)  # (n, 6, t, S, S): samples, then their film frames
    return x, F.avg_pool2d(cover[:, 1::2], 4)


def test_the_segmenter_learns_where_a_moving_subject_is():
    """Taught the cover of toy clips for 60 steps, its mask on fresh ones follows the square
    (correlation > 0.8); untaught, it does not."""
    g = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    net = SubjectSegmenter()
    test_x, test_cover = _moving_squares(8, g)

    def correlation() -> float:
        net.eval()
        with torch.no_grad():
            p = torch.sigmoid(net(test_x, film_flow(test_x))).flatten()
        net.train()
        return float(torch.corrcoef(torch.stack([p, test_cover.flatten()]))[0, 1])

    before = correlation()
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3)
    for _ in range(60):
        x, cover = _moving_squares(4, g)
        fine = net(x, film_flow(x))
        loss = SubjectTrack.mask_loss(fine, cover.reshape(fine.shape))
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert before < 0.5 < 0.8 < correlation()


@pytest.mark.slow  # ~20 s: renders real clips with their subject cover
def test_a_segmenter_run_writes_resumes_and_starts_an_evaluators_segmenter(tmp_path):
    """``train_segmenter`` writes safetensors weights and a held-out correlation, a second call
    resumes at the saved step, and ``train_evaluator``'s loader puts the weights into an evaluator's
    segmenter (and refuses what is not one, or an evaluator without one)."""
    from generation.eval.train_evaluator import load_segmenter
    from generation.eval.train_segmenter import WEIGHTS_NAME, SegmenterTrainConfig, train

    cfg = SegmenterTrainConfig(out_dir=tmp_path / "seg", steps=2, clips_per_step=1, heldout_clips=2, eval_every=2)
    first = train(cfg)
    assert first["step"] == 2 and -1.0 <= first["heldout_correlation"] <= 1.0
    rows = [json.loads(line) for line in (tmp_path / "seg" / "log.jsonl").read_text().splitlines()]
    assert any("heldout_correlation" in r for r in rows)
    second = train(SegmenterTrainConfig(**{**cfg.__dict__, "steps": 3, "eval_every": 1}))
    assert second["step"] == 3
    weights = tmp_path / "seg" / WEIGHTS_NAME
    net = Evaluator(EvaluatorConfig(**SMALL))
    load_segmenter(net, weights)
    from safetensors.torch import load_file

    saved = load_file(str(weights))
    assert all(torch.equal(v, saved[k]) for k, v in net.segmenter.state_dict().items())
    with pytest.raises(InputError, match="no segmenter"):
        load_segmenter(Evaluator(EvaluatorConfig(**SMALL, segmenter=False)), weights)
    with pytest.raises(InputError, match="no such file"):
        load_segmenter(net, tmp_path / "missing.safetensors")
    from safetensors.torch import save_file

    save_file({"w": torch.zeros(2)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(InputError, match="not a segmenter"):
        load_segmenter(net, tmp_path / "other.safetensors")
