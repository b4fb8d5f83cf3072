"""The video autoencoder's shape contract: 8x spatial, 4x temporal with the first frame alone,
any frame size (padded and cropped), single images, exact chunked decoding and group-locality."""

import pytest
import torch

from generation.autoencoder import (
    DECODER_CONTEXT,
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


def test_chunked_decode_matches_full_decode(ae):
    """Decoding from DECODER_CONTEXT latent frames early reproduces the full decode exactly."""
    z = torch.randn(1, 4, 5, 4, 4)
    with torch.no_grad():
        full = ae.decode(z, first_is_image=False)
        start = 3
        part = ae.decode(z[:, :, start - DECODER_CONTEXT:], first_is_image=False)
    torch.testing.assert_close(part[:, DECODER_CONTEXT * TEMPORAL_FACTOR:], full[:, start * TEMPORAL_FACTOR:], rtol=1e-4, atol=1e-5)


def test_pixel_conversion_round_trip():
    """uint8 -> [-1, 1] -> uint8 is lossless."""
    u = torch.randint(0, 256, (3, 8, 8, 3), dtype=torch.uint8)
    assert torch.equal(tensor_to_frames(frames_to_tensor(u)), u)
