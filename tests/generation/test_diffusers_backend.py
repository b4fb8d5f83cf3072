"""The diffusers back-end on a real, tiny, randomly initialised LTX-Video pipeline built in the test.

The pipeline (one-layer LTX transformer, 8-channel LTX VAE, one-layer T5 encoder, a word-level
tokenizer written here) is saved with ``save_pretrained(safe_serialization=True)`` and read back
through ``DiffusersGenerator.load`` exactly as a user's downloaded LTX-Video folder would be:
offline, safetensors only. Two denoising steps at 32-pixel multiples keep each call under a second.
"""

from __future__ import annotations

import shutil
import sys

import numpy as np
import pytest

pytest.importorskip("diffusers")

from generation.diffusers_backend import DiffusersGenerator, open_generator  # noqa: E402
from generation.diffusers_folder import is_pipeline_folder  # noqa: E402
from generation.video_io import probe_video  # noqa: E402
from reelgraph.errors import InputError, ModelUnavailable  # noqa: E402

WORDS = ["<pad>", "</s>", "<unk>"] + "a red ball bounces on the beach at sunset rolls cat".split()


def _tiny_components() -> dict:
    """The five components of an LTXPipeline, as small as the classes allow (seeded: same weights every run)."""
    import torch
    from diffusers import AutoencoderKLLTXVideo, FlowMatchEulerDiscreteScheduler, LTXVideoTransformer3DModel
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, T5Config, T5EncoderModel

    torch.manual_seed(0)
    vocab = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="<unk>"))
    vocab.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=vocab, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    text_encoder = T5EncoderModel(T5Config(vocab_size=len(WORDS), d_model=32, d_kv=8, d_ff=37, num_layers=1, num_heads=4,
                                           relative_attention_num_buckets=8))
    transformer = LTXVideoTransformer3DModel(in_channels=8, out_channels=8, patch_size=1, patch_size_t=1, num_attention_heads=4,
                                             attention_head_dim=8, cross_attention_dim=32, num_layers=1, caption_channels=32)
    vae = AutoencoderKLLTXVideo(
        in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(8, 8, 8, 8), decoder_block_out_channels=(8, 8, 8, 8),
        layers_per_block=(1, 1, 1, 1, 1), decoder_layers_per_block=(1, 1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, False, False), decoder_spatio_temporal_scaling=(True, True, False, False),
        decoder_inject_noise=(False,) * 5, upsample_residual=(False,) * 4, upsample_factor=(1,) * 4,
        timestep_conditioning=False, patch_size=1, patch_size_t=1, encoder_causal=True, decoder_causal=False,
    )
    return dict(scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae, text_encoder=text_encoder, tokenizer=tokenizer,
                transformer=transformer)


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict:
    """Two pipeline folders sharing the same tiny weights: text-to-video (LTXPipeline) and
    image-to-video (LTXImageToVideoPipeline)."""
    from diffusers import LTXImageToVideoPipeline, LTXPipeline

    root = tmp_path_factory.mktemp("diffusers")
    parts = _tiny_components()
    LTXPipeline(**parts).save_pretrained(root / "ltx", safe_serialization=True)
    LTXImageToVideoPipeline(**parts).save_pretrained(root / "ltx-i2v", safe_serialization=True)
    return {"t2v": root / "ltx", "i2v": root / "ltx-i2v"}


@pytest.fixture(scope="module")
def gen(folders) -> DiffusersGenerator:
    return DiffusersGenerator.load(folders["t2v"], device="cpu")


def test_text_to_video_size_frames_seed_progress_and_mp4(gen, tmp_path):
    """Frames come back uint8 (T, H, W, 3) at the asked size and count even where the pipeline needs
    32-pixel multiples and 4k+1 frames (48x32, 8 frames -> rendered 64x32, 9 frames, cropped);
    the same seed gives the same video, another seed another; progress fires once per step; the
    MP4 goes through the project's writer and names the pipeline in its tags."""
    assert (gen.shape.spatial, gen.shape.temporal) == (32, 4) and gen.render_size(48, 32) == (64, 32)
    seen = []
    video = gen.text_to_video("a red ball bounces on the beach", seconds=1.0, width=48, height=32, fps=8, seed=3, steps=2,
                              progress=seen.append)
    assert video.frames.shape == (8, 32, 48, 3) and video.frames.dtype == np.uint8
    assert [(p.step, p.steps) for p in seen] == [(1, 2), (2, 2)]
    assert video.frames.std() > 0  # a random network still draws something, not a flat fill
    again = gen.text_to_video("a red ball bounces on the beach", seconds=1.0, width=48, height=32, fps=8, seed=3, steps=2)
    other = gen.text_to_video("a red ball bounces on the beach", seconds=1.0, width=48, height=32, fps=8, seed=4, steps=2)
    assert np.array_equal(video.frames, again.frames) and not np.array_equal(video.frames, other.frames)
    assert (video.info.mode, video.info.steps, video.info.precision) == ("text_to_video", 2, "float32")
    info = video.save(tmp_path / "ball.mp4")
    probed = probe_video(info.path)
    assert (probed.width, probed.height, probed.num_frames, probed.codec) == (48, 32, 8, "h264")
    assert "diffusers LTXPipeline" in probed.tags["comment"]


def test_image_to_video_and_forward_extension(gen, folders):
    """An LTXPipeline folder animates images through its image-to-video sibling (same weights):
    frame 0 is the caller's image pixel for pixel, an extension keeps the clip verbatim; an
    image-to-video folder does the same directly and refuses text-to-video, naming classes that can."""
    image = np.random.default_rng(0).integers(0, 256, (32, 40, 3), dtype=np.uint8)
    video = gen.image_to_video(image, "a cat", seconds=1.0, fps=4, seed=1, steps=2)
    assert video.frames.shape == (4, 32, 40, 3) and np.array_equal(video.frames[0], image) and video.info.given == ((0, 1),)
    longer = gen.extend(video, 1.0, "forward", "the ball rolls", seed=2, steps=2)
    assert longer.frames.shape == (8, 32, 40, 3) and np.array_equal(longer.frames[:4], video.frames)
    i2v = DiffusersGenerator.load(folders["i2v"], device="cpu")
    assert np.array_equal(i2v.image_to_video(image, "a cat", seconds=1.0, fps=4, seed=1, steps=2).frames, video.frames)
    with pytest.raises(InputError, match="LTXPipeline, CogVideoXPipeline, WanPipeline"):
        i2v.text_to_video("a cat", seconds=1.0, width=32, height=32, fps=4, steps=2)


def test_text_to_image_and_modes_it_does_not_offer(gen):
    """text_to_image is a one-frame video; interpolation, backward extension, edit and a sampler
    method are refused with a message saying what to use instead."""
    still = gen.text_to_image("a red ball", width=32, height=32, seed=0, steps=2)
    assert still.frames.shape == (1, 32, 32, 3)
    clip = np.zeros((4, 32, 32, 3), np.uint8)
    with pytest.raises(InputError, match="built-in generator"):
        gen.interpolate(clip, clip, 1.0)
    with pytest.raises(InputError, match="built-in generator"):
        gen.edit(clip, "a cat")
    with pytest.raises(InputError, match="forward only"):
        gen.extend(clip, 1.0, "backward")
    with pytest.raises(InputError, match="own scheduler"):
        gen.text_to_video("a cat", 1.0, width=32, height=32, steps=2, method="heun")
    with pytest.raises(InputError, match="multiples of 32"):
        gen.text_to_video("a cat", 1.0, width=4, height=32, steps=2)


def test_folders_that_are_refused(folders, tmp_path, monkeypatch):
    """Pickled weights are refused before anything is unpickled; a folder without model_index.json
    is not a pipeline; a missing diffusers says how to install it; open_generator tells the kinds apart."""
    import torch
    from safetensors.torch import load_file

    pickled = tmp_path / "pickled"
    shutil.copytree(folders["t2v"], pickled)
    weights = pickled / "transformer" / "diffusion_pytorch_model.safetensors"
    torch.save(load_file(weights), weights.with_suffix(".bin"))
    weights.unlink()
    with pytest.raises(InputError, match="safetensors only"):
        DiffusersGenerator.load(pickled)
    (tmp_path / "plain").mkdir()
    with pytest.raises(InputError, match="no model_index.json"):
        DiffusersGenerator.load(tmp_path / "plain")
    with pytest.raises(InputError, match="not a folder"):
        DiffusersGenerator.load(tmp_path / "missing")
    assert is_pipeline_folder(folders["t2v"]) and not is_pipeline_folder(tmp_path / "plain")
    assert isinstance(open_generator(folders["t2v"], device="cpu"), DiffusersGenerator)
    monkeypatch.setitem(sys.modules, "diffusers", None)  # what the import system sees when it is not installed
    with pytest.raises(ModelUnavailable, match=r"reelgraph\[diffusers\]"):
        DiffusersGenerator.load(folders["t2v"])


def test_director_renders_a_film_with_the_diffusers_renderer(folders, tmp_path):
    """`--renderer diffusers:PATH` end to end: a two-shot film (the second shot extends the first from
    its last frame) is planned without a chat model, rendered by the pipeline and stitched; the
    manifest names the pipeline and its weights' fingerprint. A bare pipeline folder picks the same
    renderer; any other folder is refused."""
    import json

    from agent.api import Director
    from agent.context import DirectorSettings
    from agent.renderers import DiffusersRenderer, pick_renderer

    settings = DirectorSettings(model="none", renderer=f"diffusers:{folders['t2v']}", resolution="48x32", fps=8,
                                auto_approve=True, max_shot_s=1.0)
    director = Director(tmp_path / "project", settings, use_scorer=False)
    outcome = director.run("a red ball bounces on the beach", duration_s=2.0)
    director.close()
    assert outcome.status == "done" and outcome.result.shots == 2
    probed = probe_video(outcome.result.video)
    assert (probed.width, probed.height) == (48, 32) and probed.duration_s == pytest.approx(2.0, abs=0.2)
    renderer = json.loads(open(outcome.result.manifest).read())["renderer"]
    assert renderer["name"] == "diffusers:LTXPipeline" and len(renderer["version"]) == 12
    assert isinstance(pick_renderer(str(folders["i2v"])), DiffusersRenderer)
    with pytest.raises(InputError, match="not a diffusers pipeline"):
        pick_renderer(str(tmp_path))
