"""The frozen MiniLM text conditioning: loaded lazily from its package, offline; padded batches
carry a mask that marks exactly the real tokens; padding does not change a prompt's states."""

import torch

from generation.text_encoder import TEXT_DIM, TextEncoder, pad_text


def test_lazy_load():
    """Constructing the encoder loads nothing; only encoding does."""
    enc = TextEncoder("cpu")
    assert enc._model is None


def test_token_states_and_mask(text_encoder):
    out = text_encoder.encode(["a mammoth", "several giant woolly mammoths approach through a snowy meadow"])
    assert out.states.shape[0] == 2 and out.states.shape[2] == TEXT_DIM
    n_short, n_long = out.mask.sum(1).tolist()
    assert n_short < n_long == out.states.shape[1]
    alone = text_encoder.encode(["a mammoth"])
    torch.testing.assert_close(out.states[0, :n_short], alone.states[0], rtol=1e-4, atol=1e-4)


def test_pad_text_concatenates_ragged_batches(text_encoder):
    a, b = text_encoder.encode(["a dog"]), text_encoder.encode(["a red car drives left along a beach at sunset"])
    both = pad_text([a, b])
    assert both.states.shape[:2] == both.mask.shape == (2, b.states.shape[1])
    assert both.mask[0].sum() == a.mask.sum() and not both.mask[0, a.states.shape[1]:].any()


def test_the_end_of_a_long_caption_reaches_the_states(text_encoder):
    """A world 'long' caption runs past 64 tokens, and its camera phrase stands at the end: two such
    captions that differ only there must encode differently (at 64 tokens both were cut before it)."""
    from generation.text_encoder import MAX_TOKENS

    lead = ("three giant woolly mammoths approach treading through a snowy meadow, snow covered trees and dramatic "
            "snow capped mountains in the distance, mid afternoon light with wispy clouds and a sun high in the "
            "distance, light snow falling and drifting across the frame, photorealistic, cinematic, shot on 35mm film, "
            "low camera view, ")
    left = text_encoder.encode([lead + "the camera pans slowly to the left"]).states
    right = text_encoder.encode([lead + "the camera pans slowly to the right"]).states
    tokens = text_encoder._tokenizer(lead + "the camera pans slowly to the left")["input_ids"]
    assert 64 < len(tokens) <= MAX_TOKENS
    assert left.shape == right.shape and left.shape[1] == len(tokens)
    assert not torch.allclose(left[0, -3:], right[0, -3:], atol=1e-3)
