"""Local motion (``generation.eval.motion``) and the evaluator's flow input: the fit recovers the
direction and size of known shifts and zooms of a rendered world frame, reads flat regions as still,
and a network grown a flow input scores as the one it started from."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from generation.eval.clip_input import letterbox, to_unit
from generation.eval.evaluator import Evaluator, EvaluatorConfig
from generation.eval.motion import FLOW_SCALE, SUMMARY_GRID, SUMMARY_SIZE, flow_summary, local_flow, relative_motion
from generation.world.render import Scene
from generation.world.spec import SceneSpec, Setting
from reelgraph.errors import InputError


def textured_frame(size: int = 96) -> torch.Tensor:
    """A real world frame (forest: trunks and foliage give texture everywhere below the sky),
    rendered larger and letterboxed to the evaluator's canvas: (1, 3, size, size) in [-1, 1]."""
    spec = SceneSpec(setting=Setting.forest)
    frame = Scene(spec, width=2 * size, height=2 * size, num_frames=1, fps=24, seed=3).frame(0)
    return letterbox(to_unit(frame[None]), size)


def shifted(x: torch.Tensor, dx: float, dy: float) -> torch.Tensor:
    """``x`` with its content moved ``dx`` pixels right and ``dy`` down (bilinear, border padded)."""
    n, _, h, w = x.shape
    theta = torch.tensor([[1.0, 0.0, -2 * dx / w], [0.0, 1.0, -2 * dy / h]]).expand(n, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, padding_mode="border", align_corners=False)


@pytest.mark.parametrize("dx,dy", [(1.0, 0.0), (-1.0, 0.0), (0.0, 1.5), (0.7, -0.7)])
def test_flow_reads_the_direction_of_a_known_shift(dx, dy):
    """Moving a textured frame by a pixel or so reads as motion that way, wherever the frame has
    texture: the median over cells has the shift's sign on each moving axis and a size between 0.2
    and 1.2 times the truth (the regularised first-order fit reads a one-pixel move of fine texture
    short), and stays near zero on an axis that does not move."""
    x = textured_frame()
    flow = local_flow(x, shifted(x, dx, dy))[0]  # (2, 24, 24)
    lower = flow[:, 12:-2, 2:-2]  # the textured ground and trees, away from the padded border
    for got, want in zip(lower.reshape(2, -1).median(dim=1).values.tolist(), (dx * FLOW_SCALE, dy * FLOW_SCALE)):
        if want == 0.0:
            assert abs(got) < 0.02
        else:
            assert 0.2 * abs(want) <= got * np.sign(want) <= 1.2 * abs(want)


def test_flow_grows_with_the_motion():
    """Faster motion reads as more motion, from a quarter pixel a frame up to two pixels."""
    x = textured_frame()
    sizes = [float(local_flow(x, shifted(x, d, 0.0))[0, 0, 12:-2, 2:-2].median()) for d in (0.25, 0.5, 1.0, 2.0)]
    assert sizes == sorted(sizes) and sizes[0] > 0.02


def test_flow_of_a_zoom_diverges_and_a_still_frame_is_zero():
    """A zoom in moves cells away from the centre (left half left, right half right); two identical
    frames, and a flat grey frame, give exactly zero motion."""
    x = textured_frame()
    theta = torch.tensor([[[1 / 1.04, 0.0, 0.0], [0.0, 1 / 1.04, 0.0]]])
    zoomed = F.grid_sample(x, F.affine_grid(theta, list(x.shape), align_corners=False), align_corners=False)
    u = local_flow(x, zoomed)[0, 0, 12:-2]
    assert u[:, :10].mean() < -0.05 and u[:, -10:].mean() > 0.05
    assert torch.equal(local_flow(x, x), torch.zeros(1, 2, 24, 24))
    grey = torch.zeros(1, 3, 96, 96)
    assert torch.equal(local_flow(grey, grey + 0.0), torch.zeros(1, 2, 24, 24))


def test_flow_summary_separates_camera_and_subject_motion():
    """The summary's region means follow motion of the whole frame (every region, the right sign);
    its residual extremes pick out a patch moving against a still background, and ignore the first
    sample (no motion by construction) and a frame that moves as one."""
    n = 24
    pan = torch.zeros(1, 4, 2, n, n)
    pan[:, 1:, 0] = -0.15  # everything slides left: a pan right
    still_bg = torch.zeros(1, 4, 2, n, n)
    still_bg[:, 1:, 0, 10:14, 4:8] = 0.5  # a patch moving right, the rest still
    still_bg[:, 0] = 1.0  # the first sample is never read
    a, b = flow_summary(pan)[0], flow_summary(still_bg)[0]
    assert a.shape == b.shape == (SUMMARY_SIZE,)
    regions = 2 * SUMMARY_GRID**2
    u_means = a[:regions].reshape(2, -1)[0]  # mean over time of each region's u
    assert torch.all(u_means < -0.5) and torch.allclose(a[regions : regions + 4], torch.zeros(4), atol=1e-5)
    rightward, leftward = b[regions], b[regions + 2]
    assert rightward > 1.0 and leftward < 0.2
    assert float(b[:regions].abs().max()) < 0.5 * float(rightward)


def test_subject_motion_is_measured_against_the_textured_background():
    """A pan seen as the world shows it: the top 60 % of the cells flat sky (no texture, read as
    still), the ground below textured and sliding left, a still subject on it sliding with it and a
    second subject walking right. Against the plain median (the sky's zero) the still subject moves
    as much as the ground; against the textured cells' median it is still, the walker moves right by
    its own pace, and the flat sky's zero counts for nothing."""
    n = 20
    flow = torch.zeros(1, 2, n, n)
    texture = torch.zeros(1, n, n)
    flow[:, 0, 12:] = -0.25  # the ground slides left, as under a pan right
    texture[:, 12:] = 1.0
    flow[:, 0, 14:17, 2:5] = -0.25  # the still subject: moves with the ground it stands on
    texture[:, 14:17, 2:5] = 3.0  # an outline: more texture than the ground
    flow[:, 0, 14:17, 12:15] = 0.15  # the walker: its own pace 0.4 to the right of the ground's
    texture[:, 14:17, 12:15] = 3.0
    plain = relative_motion(flow, None)
    textured = relative_motion(flow, texture)
    assert float(plain[0, 0, 15, 3]) == pytest.approx(-0.25)  # the still subject "moves" with the pan
    assert float(textured[0, 0, 15, 3]) == pytest.approx(0.0, abs=1e-6)
    assert float(textured[0, 0, 15, 13]) == pytest.approx(0.4, abs=1e-6)
    assert float(textured[0, :, :10].abs().max()) == 0.0  # flat sky: no evidence, no residual
    # through the summary: the leftward extreme (the pan, misread as subject motion) goes
    regions = 2 * SUMMARY_GRID**2
    both = torch.stack([torch.zeros_like(flow), flow], dim=1)  # (B=1, T=2, ...): the first sample is skipped
    tex2 = torch.stack([texture, texture], dim=1)
    leftward_plain = float(flow_summary(both)[0, regions + 2])
    leftward_textured = float(flow_summary(both, tex2)[0, regions + 2])
    assert leftward_plain > 1.0 and leftward_textured < 0.3 * leftward_plain


def test_local_flow_reports_texture_where_the_fit_can_be_trusted():
    """The texture beside the flow is the structure tensor's smaller eigenvalue: ~0 on a flat frame
    and on a pure horizontal ramp (one direction only), clearly positive on a world frame."""
    flat = torch.zeros(1, 3, 32, 32)
    ramp = torch.linspace(-1, 1, 32).view(1, 1, 1, 32).expand(1, 3, 32, 32).contiguous()
    frame = textured_frame()
    for image, textured in ((flat, False), (ramp, False), (frame, True)):
        flow, texture = local_flow(image, image, with_texture=True)
        assert texture.shape == flow.shape[:1] + flow.shape[2:]
        assert torch.equal(flow, local_flow(image, image))
        if textured:
            assert float(texture.median()) > 1e-4
        else:
            assert float(texture.abs().max()) < 1e-6


def test_flow_background_is_recorded_with_the_weights():
    """Checkpoints from before the textured background was measured keep the plain median they were
    trained with; new configs measure against texture; a misspelt choice is refused, and the choice
    does not stop one network starting from another."""
    old = json.loads(EvaluatorConfig().to_json())
    del old["flow_background"]
    assert EvaluatorConfig.from_json(json.dumps(old)).flow_background == "median"
    assert EvaluatorConfig().flow_background == "textured"
    assert EvaluatorConfig(flow_background="median").core() == EvaluatorConfig().core()
    with pytest.raises(InputError, match="flow_background"):
        EvaluatorConfig(flow_background="mean")


def test_a_flow_network_starts_as_the_one_it_grows_from():
    """Grown from a network without flow, one with it scores the same until training moves its zero
    flow projection; flow without film frames is refused."""
    torch.manual_seed(0)
    small = dict(widths=(8, 8, 8, 8), feature_dim=16)
    old = Evaluator(EvaluatorConfig(**small, film_diff=False, flow=False)).eval()
    new = Evaluator(EvaluatorConfig(**small, film_diff=True, flow=True)).eval()
    new.load_start(old)
    x = torch.rand(2, 6, 5, 32, 32) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(new.features(x), old.features(x[:, :3]), atol=1e-6)
        new.flow_in[1].weight += 0.1
        assert not torch.allclose(new.features(x), old.features(x[:, :3]), atol=1e-4)
    with pytest.raises(InputError, match="cannot start"):
        old.load_start(new)
    with pytest.raises(InputError, match="film_diff"):
        EvaluatorConfig(film_diff=False, flow=True)
