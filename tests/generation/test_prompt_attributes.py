"""The DiT's attribute path: a prompt's stated attributes become class indices (unsaid ones 0, the
empty prompt all 0); a DiT given the path starts predicting exactly as the same DiT without it and
then reads them; the generator hands them over; and a training run seeded from a DiT without the
path adds it, trains it, exports it and resumes with it."""

from __future__ import annotations

import json

import pytest
import torch

from generation.dit import DiT, DiTConfig
from generation.eval.quality import heldout_prompts
from generation.prompt_attributes import default_attribute_vocab, drop_attributes, prompt_attributes
from generation.world.spec import SCORED_ATTRIBUTES


def test_a_detailed_caption_states_every_attribute_and_an_odd_prompt_none():
    vocab = default_attribute_vocab()
    assert list(vocab) == list(SCORED_ATTRIBUTES)
    prompts = heldout_prompts(6)
    got = prompt_attributes([p.prompt for p in prompts], vocab)
    assert got.shape == (6, len(vocab)) and got.dtype == torch.int64
    for row, p in zip(got.tolist(), prompts):
        nobody = p.spec.subject.value == "none"  # then motion is not said: nobody to move
        assert row == [0 if nobody and name == "subject_motion" else vocab[name].index(getattr(p.spec, name).value) + 1
                       for name in vocab], p.prompt
    partial = prompt_attributes(["a dog runs to the left at night", "", "a teapot on a velvet cushion"], vocab)
    said = dict(zip(vocab, partial[0].tolist()))
    assert said["subject"] == vocab["subject"].index("dog") + 1 and said["time_of_day"] == vocab["time_of_day"].index("night") + 1
    assert said["subject_motion"] == vocab["subject_motion"].index("move_left") + 1
    assert said["camera_motion"] == 0 and said["weather"] == 0  # not said, not the default
    assert partial[1].sum() == 0 and partial[2].sum() == 0


def test_dropping_attributes_hides_some_and_keeps_the_rest():
    a = torch.arange(1, 9).repeat(400, 1)
    assert torch.equal(drop_attributes(a, 0.0), a) and drop_attributes(a, 1.0).sum() == 0
    half = drop_attributes(a, 0.5, torch.Generator().manual_seed(0))
    kept = (half == a).float().mean().item()
    assert 0.45 < kept < 0.55 and ((half == a) | (half == 0)).all()


def tiny_dits():
    vocab = default_attribute_vocab()
    plain = DiTConfig(latent_channels=4, width=16, depth=1, heads=2)
    torch.manual_seed(0)
    a = DiT(plain)
    b = DiT(DiTConfig(latent_channels=4, width=16, depth=1, heads=2, attributes=vocab))
    for p in a.parameters():  # adaLN-zero outputs zero; make it speak
        p.data.add_(0.05 * torch.randn_like(p))
    missing, unexpected = b.load_state_dict(a.state_dict(), strict=False)
    assert not unexpected and missing and all(k.startswith("attr_embedders.") for k in missing)
    return a, b, vocab


def test_the_attribute_path_starts_silent_then_reads_what_is_stated():
    a, b, vocab = tiny_dits()
    x, t = torch.randn(2, 4, 3, 4, 6), torch.full((2, 3), 0.7)
    text, mask = torch.randn(2, 5, 384), torch.ones(2, 5, dtype=torch.bool)
    attrs = prompt_attributes(["a dog runs left at night, the camera pans left", "a red car at noon, the camera pans right"], vocab)
    torch.testing.assert_close(b(x, t, text, mask, attrs), a(x, t, text, mask))  # zero embeddings: same prediction
    torch.testing.assert_close(a(x, t, text, mask, attrs), a(x, t, text, mask))  # a DiT without the path ignores them
    for emb in b.attr_embedders.values():
        torch.nn.init.normal_(emb.weight, std=0.5)
    swapped = attrs.clone()
    cam = list(vocab).index("camera_motion")
    swapped[:, cam] = torch.tensor([vocab["camera_motion"].index("pan_right") + 1, vocab["camera_motion"].index("pan_left") + 1])
    assert not torch.allclose(b(x, t, text, mask, attrs), b(x, t, text, mask, swapped))
    with pytest.raises(ValueError, match="attributes must be"):
        b(x, t, text, mask, attrs[:, :3])
    assert DiTConfig.from_dict(json.loads(json.dumps(b.cfg.to_dict()))) == b.cfg
    assert b.cfg.without_attributes() == a.cfg


def test_the_generator_hands_the_prompts_attributes_to_its_dit(text_encoder):
    from tests.generation.generator_fixtures import tiny_generator

    gen = tiny_generator(text_encoder)
    vocab = default_attribute_vocab()
    gen.dit = DiT(DiTConfig(**{**gen.dit.cfg.to_dict(), "attributes": vocab})).eval()
    seen = []
    gen.dit.register_forward_hook(lambda m, args, out: seen.append(args[4]))
    video = gen.text_to_video("a dog runs left at night", seconds=5 / 24, width=32, height=32, steps=1, guidance=3.0)
    assert video.frames.shape[0] == 5
    (attrs,) = seen
    expected = prompt_attributes(["a dog runs left at night"], vocab)
    assert torch.equal(attrs, torch.cat([expected, torch.zeros_like(expected)]))  # prompt, then the empty prompt


@pytest.mark.slow
def test_a_seeded_run_adds_the_attribute_path_and_keeps_it(tmp_path):
    from generation.checkpoint import load_generator, load_state
    from generation.train import build_config, run

    run(build_config("test", out=tmp_path / "first", dit_steps=2))
    source = tmp_path / "first" / "export"
    _, _, src_dit = load_generator(source)
    assert not src_dit.cfg.attributes
    run(build_config("test", out=tmp_path / "attr", init_from=source, dit_steps=2, dit_attributes=True))
    ema = load_state(tmp_path / "attr" / "dit" / "ema.safetensors")
    assert all(torch.equal(ema[k], v) for k, v in src_dit.state_dict().items())
    assert all(ema[k].abs().sum() == 0 for k in ema if k.startswith("attr_embedders."))
    run(build_config("test", out=tmp_path / "attr", dit_steps=5))  # resumed without the flag: keeps the path
    cfg, _, dit = load_generator(tmp_path / "attr" / "export")
    assert cfg.dit.attributes == default_attribute_vocab() and dit.cfg.attributes == cfg.dit.attributes
    trained = dit.state_dict()
    assert any(trained[k].abs().sum() > 0 for k in trained if k.startswith("attr_embedders."))  # it learned
    state = json.loads((tmp_path / "attr" / "dit" / "state.json").read_text())["state"]
    assert state["step"] == 5
