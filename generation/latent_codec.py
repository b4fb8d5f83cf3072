"""Pixels to the DiT's normalised latents and back, through the generator's autoencoder.

The DiT never sees raw autoencoder latents: it trained on (z - mean) / std with the per-channel
statistics recorded in the checkpoint (``GeneratorConfig.latent_mean``/``latent_std``), so every
path between frames and the DiT goes through this one object and the normalisation cannot drift
between modes.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from generation.autoencoder import VideoAutoencoder, frames_to_tensor, tensor_to_frames
from generation.checkpoint import GeneratorConfig
from generation.generation_output import as_frames
from generation.precision import Precision


class LatentCodec:
    """The autoencoder with the checkpoint's latent statistics, on one device and precision."""

    def __init__(self, autoencoder: VideoAutoencoder, cfg: GeneratorConfig, device: torch.device, precision: Precision):
        self.autoencoder = autoencoder.eval().requires_grad_(False).to(device).to(memory_format=torch.channels_last)
        self.device, self.precision = device, precision
        self.channels = cfg.autoencoder.latent_channels
        self.spatial_factor = cfg.autoencoder.spatial_factor
        shape = (1, self.channels, 1, 1, 1)
        self._mean = torch.tensor(cfg.latent_mean, dtype=torch.float32, device=device).reshape(shape)
        self._std = torch.tensor(cfg.latent_std, dtype=torch.float32, device=device).reshape(shape)

    def encode(self, frames: np.ndarray, groups_only: bool = False) -> torch.Tensor:
        """uint8 (T, H, W, 3) -> normalised latents (1, C, t, h, w). ``groups_only``: every latent is a
        4-frame group (no leading image latent), for context taken from the start of a clip."""
        x = frames_to_tensor(torch.from_numpy(frames).to(self.device))[None]  # (1, T, 3, H, W)
        with torch.no_grad(), self.precision.autocast():
            z = self.autoencoder.encode_groups(x) if groups_only else self.autoencoder.encode(x)
        return (z.float() - self._mean) / self._std

    def decode(self, z: torch.Tensor, height: int, width: int) -> np.ndarray:
        """Normalised latents (1, C, t, h, w) -> uint8 (1 + 4(t-1), H, W, 3)."""
        with torch.no_grad(), self.precision.autocast():
            x = self.autoencoder.decode(z * self._std + self._mean, height, width)
        return tensor_to_frames(x[0]).cpu().numpy()

    def reconstruct(self, frames: np.ndarray) -> np.ndarray:
        """uint8 (T, H, W, 3) there and back, whole clip at once (meant for clips of a few seconds)."""
        frames = as_frames(frames, "frames")
        return self.decode(self.encode(frames), frames.shape[1], frames.shape[2])[: len(frames)]

    def latent_hw(self, height: int, width: int) -> tuple[int, int]:
        """Latent (h, w) of a frame size: the autoencoder pads up to whole latent pixels."""
        return math.ceil(height / self.spatial_factor), math.ceil(width / self.spatial_factor)
