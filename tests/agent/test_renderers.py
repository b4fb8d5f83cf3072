"""The diffusion renderer behind the director: a tiny random generator saved as a real checkpoint."""

from __future__ import annotations

import pytest

from agent.context import ShotRequest
from agent.renderers import DiffusionRenderer, pick_renderer
from generation.checkpoint import save_generator
from generation.video_io import write_video
from reelgraph.errors import InputError, ModelUnavailable
from tests.generation.generator_fixtures import perturb, tiny_config


@pytest.fixture
def tiny_weights(tmp_path):
    from generation.autoencoder import VideoAutoencoder
    from generation.dit import DiT

    cfg = tiny_config()
    folder = tmp_path / "gen"
    save_generator(folder, cfg, perturb(VideoAutoencoder(cfg.autoencoder), 1), perturb(DiT(cfg.dit), 2))
    return folder


def test_diffusion_renderer_text_and_extension(tmp_path, tiny_weights):
    """A shot has exactly duration x fps frames at the asked size; an extension continues a clip;
    progress reaches the total; the version names the weights."""
    renderer = DiffusionRenderer(tiny_weights)
    assert len(renderer.version) == 12
    seen = []
    req = ShotRequest(shot_id="a", prompt="a red ball bounces on a beach", duration_s=1.0, width=32, height=32, fps=8, seed=1)
    frames = list(renderer.render(req, lambda d, t: seen.append((d, t))))
    assert len(frames) == 8 and frames[0].shape == (32, 32, 3) and seen[-1] == (8, 8)
    clip = write_video(tmp_path / "a.mp4", frames, fps=8).path
    ext = ShotRequest(shot_id="b", prompt="the ball rolls on", duration_s=0.5, width=32, height=32, fps=8, seed=2, continue_from=clip)
    assert len(list(renderer.render(ext, lambda d, t: None))) == 4


def test_renderer_choice_and_missing_weights(tmp_path):
    """--renderer world always works; diffusion without weights says how to get them."""
    assert pick_renderer("world").name == "procedural-world"
    with pytest.raises(ModelUnavailable, match="train"):
        DiffusionRenderer(tmp_path / "empty")
    with pytest.raises(InputError):
        pick_renderer("magic")
