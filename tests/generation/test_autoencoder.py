"""The video autoencoder's shape contract: 8x spatial, 4x temporal with the first frame alone,
any frame size (padded and cropped), single images, exact chunked decoding and group-locality."""

import pytest
import torch

from generation.autoencoder import (
    TEMPORAL_FACTOR,
    AutoencoderConfig,
    VideoAutoencoder,
    frames_to_tensor,
    latent_frames,
    pixel_frames,
    tensor_to_frames,
)
from tests.generation.generator_fixtures import perturb


@pytest.fixture(scope="module")
def ae():
    torch.manual_seed(0)
    return perturb(VideoAutoencoder(AutoencoderConfig(latent_channels=4, channels=(4, 8, 8, 16), low_res_blocks=1))).eval()


def test_latent_frame_arithmetic():
    """T frames -> 1 + ceil((T-1)/4) latent frames, and back to 1 + 4(t-1) frames."""
    assert [latent_frames(t) for t in (1, 2, 5, 9, 10, 17)] == [1, 2, 2, 3, 4, 5]
    assert [pixel_frames(t) for t in (1, 2, 3, 5)] == [1, 5, 9, 17]


@pytest.mark.parametrize("frames,height,width", [(1, 32, 32), (9, 32, 32), (9, 36, 64), (9, 64, 36), (10, 40, 40), (6, 30, 50)])
def test_round_trip_shapes(ae, frames, height, width):
    """Any size and duration round-trips to the input shape; odd sizes pad up to 8 and crop back."""
    x = torch.rand(2, frames, 3, height, width) * 2 - 1
    with torch.no_grad():
        z = ae.encode(x)
        y = ae.decode(z, height, width, frames)
    assert z.shape == (2, 4, latent_frames(frames), -(-height // 8), -(-width // 8))
    assert y.shape == x.shape
    assert torch.isfinite(y).all()


def test_level_blocks_add_residual_blocks_and_keep_older_checkpoints_loading():
    """``level_blocks`` puts residual blocks at the higher resolutions on both sides (identity at
    initialisation, so a fresh model starts where one without them does), survives the config's JSON
    round trip, and a config without the field (older checkpoints) builds the old network key for key."""
    base = AutoencoderConfig(latent_channels=4, channels=(4, 8, 8, 16), low_res_blocks=1)
    deep = AutoencoderConfig(latent_channels=4, channels=(4, 8, 8, 16), low_res_blocks=1, level_blocks=(1, 0, 2))
    assert AutoencoderConfig.from_dict(deep.to_dict()) == deep
    old = base.to_dict()
    del old["level_blocks"]
    assert AutoencoderConfig.from_dict(old) == base
    plain, extra = VideoAutoencoder(base).state_dict(), VideoAutoencoder(deep).state_dict()
    assert set(plain) < set(extra)
    added = set(extra) - set(plain)
    assert {k.split(".")[0] for k in added} == {"encoder", "decoder"}
    assert sum(k.endswith("conv1.weight") for k in added) == 2 * 3  # three blocks on each side
    torch.manual_seed(0)
    a = VideoAutoencoder(base).eval()
    b = VideoAutoencoder(deep).eval()
    b.load_state_dict(a.state_dict(), strict=False)  # the shared weights; the new blocks start at identity
    x = torch.rand(1, 5, 3, 24, 40) * 2 - 1
    with torch.no_grad():
        torch.testing.assert_close(b(x)[0], a(x)[0])


def test_single_image_is_one_latent_frame(ae):
    """A still image is a one-frame clip: one latent frame, decoded back to one frame."""
    img = torch.rand(1, 1, 3, 32, 48) * 2 - 1
    with torch.no_grad():
        z = ae.encode(img)
        assert z.shape[2] == 1
        assert ae.decode(z).shape == (1, 1, 3, 32, 48)


def test_groups_encode_independently_of_position(ae):
    """A group of four frames has the same latent wherever it sits in a clip (what backward
    extension and interpolation rely on)."""
    x = torch.rand(1, 9, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        full = ae.encode(x)  # latents: [frame 0], [1..4], [5..8]
        groups = ae.encode_groups(x[:, 5:9])
    torch.testing.assert_close(groups[:, :, 0], full[:, :, 2], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("frame_mix", [False, True])
def test_chunked_decode_matches_full_decode(frame_mix):
    """Decoding a chunk with ``decoder_context`` latent frames before it and ``decoder_lookahead``
    after it reproduces the full decode exactly, and one latent frame less on either side does not
    (so neither is larger than it needs to be)."""
    torch.manual_seed(0)
    cfg = AutoencoderConfig(latent_channels=4, channels=(4, 8, 8, 16), low_res_blocks=1, frame_mix=frame_mix)
    model = perturb(VideoAutoencoder(cfg)).eval()
    z = torch.randn(1, 4, 10, 4, 4)
    start, end, before, after = 4, 6, cfg.decoder_context, cfg.decoder_lookahead
    assert (before, after) == ((2, 2) if frame_mix else (1, 0))

    def chunk(b: int, a: int) -> torch.Tensor:
        with torch.no_grad():
            out = model.decode(z[:, :, start - b: end + a], first_is_image=False)
        return out[:, b * TEMPORAL_FACTOR: (b + end - start) * TEMPORAL_FACTOR]

    with torch.no_grad():
        full = model.decode(z, first_is_image=False)[:, start * TEMPORAL_FACTOR: end * TEMPORAL_FACTOR]
    torch.testing.assert_close(chunk(before, after), full, rtol=1e-4, atol=1e-5)
    assert (chunk(before - 1, after) - full).abs().max() > 1e-3
    if after:
        assert (chunk(before, after - 1) - full).abs().max() > 1e-3


def test_frame_mix_starts_as_identity_and_loads_older_weights():
    """A decoder given frame mixes decodes exactly as before until they are trained: the weights of
    an autoencoder without them load (only the new mixes missing) and give the same frames."""
    torch.manual_seed(0)
    base_cfg = AutoencoderConfig(latent_channels=4, channels=(4, 8, 8, 16), low_res_blocks=1)
    old = perturb(VideoAutoencoder(base_cfg)).eval()
    new = VideoAutoencoder(AutoencoderConfig(**{**base_cfg.to_dict(), "channels": base_cfg.channels, "frame_mix": True})).eval()
    missing, unexpected = new.load_state_dict(old.state_dict(), strict=False)
    assert not unexpected and missing and all(k.startswith(("decoder.frame_mix.", "decoder.ahead.")) for k in missing)
    z = torch.randn(2, 4, 3, 4, 6)
    with torch.no_grad():
        torch.testing.assert_close(new.decode(z), old.decode(z))
    assert AutoencoderConfig.from_dict({k: v for k, v in base_cfg.to_dict().items() if k != "frame_mix"}) == base_cfg


def test_pixel_conversion_round_trip():
    """uint8 -> [-1, 1] -> uint8 is lossless."""
    u = torch.randint(0, 256, (3, 8, 8, 3), dtype=torch.uint8)
    assert torch.equal(tensor_to_frames(frames_to_tensor(u)), u)


def test_frame_mix_is_a_three_tap_over_each_clips_frames():
    """The shifted-sum implementation equals projecting [frame, frame before, frame after], with each
    clip's ends as their own neighbours and no mixing across clips of a batch."""
    from generation.autoencoder import FrameMix

    torch.manual_seed(0)
    mix = perturb(FrameMix(3))
    x = torch.randn(2 * 5, 3, 4, 6)  # two clips of five frames
    expected = []
    for clip in x.view(2, 5, 3, 4, 6):
        before = torch.cat([clip[:1], clip[:-1]])
        after = torch.cat([clip[1:], clip[-1:]])
        expected.append(clip + mix.proj(torch.cat([clip, before, after], dim=1)))
    with torch.no_grad():
        torch.testing.assert_close(mix(x, clips=2), torch.cat(expected).detach(), rtol=1e-5, atol=1e-5)
