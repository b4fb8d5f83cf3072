"""The generator checkpoint: safetensors + config.json round trip to identical outputs, and every
non-safetensors weight file is refused."""

import numpy as np
import pytest
import torch

from generation.checkpoint import check_safetensors_path, load_generator, save_generator
from generation.pipeline import Generator
from reelgraph.errors import InputError, ModelUnavailable
from tests.generation.generator_fixtures import tiny_generator


def test_round_trip_gives_identical_video(tmp_path, text_encoder):
    """Saving and loading a generator folder reproduces the same video for the same seed."""
    gen = tiny_generator(text_encoder)
    save_generator(tmp_path / "g", gen.cfg, gen.autoencoder, gen.dit)
    assert sorted(p.name for p in (tmp_path / "g").iterdir()) == ["autoencoder.safetensors", "config.json", "dit.safetensors"]
    cfg, ae, dit = load_generator(tmp_path / "g")
    assert cfg == gen.cfg
    again = Generator(cfg, ae, dit, device="cpu", text_encoder=text_encoder)
    kw = dict(seconds=5 / 24, width=32, height=32, steps=2, seed=9)
    assert np.array_equal(gen.text_to_video("a boat", **kw).frames, again.text_to_video("a boat", **kw).frames)


def test_half_precision_storage_loads(tmp_path, text_encoder):
    """Weights may be stored in bf16 to fit the size budget; they load back as float32."""
    gen = tiny_generator(text_encoder)
    save_generator(tmp_path / "g", gen.cfg, gen.autoencoder, gen.dit, dtype=torch.bfloat16)
    _, ae, dit = load_generator(tmp_path / "g")
    assert all(p.dtype == torch.float32 for p in dit.parameters())


@pytest.mark.parametrize("name", ["dit.pt", "model.bin", "weights.ckpt", "x.pkl"])
def test_pickle_weights_are_refused(tmp_path, text_encoder, name):
    """A folder with a pickle-style weight file is refused, with an InputError saying why."""
    gen = tiny_generator(text_encoder)
    save_generator(tmp_path / "g", gen.cfg, gen.autoencoder, gen.dit)
    torch.save({"w": torch.zeros(1)}, tmp_path / "g" / name)
    with pytest.raises(InputError, match="safetensors"):
        Generator.load(tmp_path / "g")
    with pytest.raises(InputError, match="safetensors"):
        check_safetensors_path(tmp_path / "g" / name)


def test_missing_folder_says_how_to_get_one(tmp_path):
    with pytest.raises(ModelUnavailable, match="reelgraph train"):
        Generator.load(tmp_path / "nothing")
