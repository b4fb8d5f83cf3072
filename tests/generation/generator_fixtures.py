"""Tiny real generator parts for tests: one-block DiT with head dim 8, a thin autoencoder, the real
(frozen, packaged) MiniLM text encoder. Random weights, built in the test, seconds to run."""

from __future__ import annotations

import torch

from generation.autoencoder import AutoencoderConfig, VideoAutoencoder
from generation.checkpoint import GeneratorConfig
from generation.dit import DiT, DiTConfig
from generation.pipeline import Generator
from generation.text_encoder import TextEncoder

LATENT_CHANNELS = 4


def tiny_config(window_latents: int = 3, context_latents: int = 1) -> GeneratorConfig:
    return GeneratorConfig(
        autoencoder=AutoencoderConfig(latent_channels=LATENT_CHANNELS, channels=(4, 8, 8, 16), low_res_blocks=1),
        dit=DiTConfig(latent_channels=LATENT_CHANNELS, width=16, depth=1, heads=2),
        latent_mean=[0.0] * LATENT_CHANNELS,
        latent_std=[1.0] * LATENT_CHANNELS,
        window_latents=window_latents,
        context_latents=context_latents,
    )


def perturb(module: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Give zero-initialised layers (adaLN-zero, output layer) random values so outputs depend on
    every input, as a trained model's do."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=g))
    return module


def tiny_generator(text_encoder: TextEncoder, window_latents: int = 3, context_latents: int = 1) -> Generator:
    torch.manual_seed(0)
    cfg = tiny_config(window_latents, context_latents)
    ae = perturb(VideoAutoencoder(cfg.autoencoder), 1)
    dit = perturb(DiT(cfg.dit), 2)
    return Generator(cfg, ae, dit, device="cpu", text_encoder=text_encoder)
