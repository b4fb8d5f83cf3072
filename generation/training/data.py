"""Training clips, rendered live by the procedural world and never stored.

Each rank draws its own specs from its own seed, so DDP ranks see different clips without a
sampler. The world is cheap to render (~75 ms for 17 frames at 128x72 on one core), so there are
no shards to read; ``LatentReplay`` keeps the DiT stage from paying the render + encode + caption
cost on every step by reusing each encoded clip a few times.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

CAPTION_STYLES = ("short", "detailed", "long")


@dataclass(frozen=True)
class ClipSpec:
    """The size and length of the clips one training step draws."""

    width: int
    height: int
    num_frames: int


@dataclass
class WorldClip:
    """One rendered clip: ``frames`` uint8 (T, H, W, 3) and its caption."""

    frames: np.ndarray
    caption: str


class WorldClips:
    """An endless stream of (frames, caption) from the procedural world for one rank."""

    def __init__(self, seed: int, rank: int = 0, fps: float = 24.0):
        from generation.world.caption import caption
        from generation.world.render import render_clip
        from generation.world.sample import sample_spec

        self._render, self._sample, self._caption = render_clip, sample_spec, caption
        self.rng = np.random.default_rng([seed, rank])
        self.fps = fps

    def draw(self, shape: ClipSpec) -> WorldClip:
        spec = self._sample(self.rng)
        style = CAPTION_STYLES[int(self.rng.integers(len(CAPTION_STYLES)))]
        text = self._caption(spec, style, self.rng)
        frames = self._render(spec, width=shape.width, height=shape.height, num_frames=shape.num_frames,
                              fps=self.fps, seed=int(self.rng.integers(2**31)))
        return WorldClip(frames=frames, caption=text)

    def batches(self, shapes: list[ClipSpec], weights: list[float], batch: int) -> Iterator[tuple[torch.Tensor, list[str]]]:
        """Endless batches: (B, T, 3, H, W) float in [-1, 1] and B captions; one shape per batch."""
        from generation.autoencoder import frames_to_tensor

        p = np.asarray(weights, dtype=float) / sum(weights)
        while True:
            shape = shapes[int(self.rng.choice(len(shapes), p=p))]
            clips = [self.draw(shape) for _ in range(batch)]
            x = frames_to_tensor(torch.from_numpy(np.stack([c.frames for c in clips])))
            yield x, [c.caption for c in clips]


class LatentReplay:
    """A bounded pool of encoded clips (latents + caption token states) per latent shape; each entry
    is used about ``reuse`` times before it is replaced, with fresh noise, timestep and mask each time."""

    def __init__(self, capacity: int, reuse: float, seed: int):
        self.capacity = capacity
        self.reuse = reuse
        self.pools: dict[tuple[int, ...], list[tuple[torch.Tensor, torch.Tensor]]] = {}
        self.rng = np.random.default_rng(seed)

    def needs(self, shape: tuple[int, ...], batch: int) -> int:
        """How many new clips to add before sampling a batch of this latent shape (C, t, h, w)."""
        pool = self.pools.get(shape, [])
        if len(pool) < batch:
            return batch - len(pool)
        return int(self.rng.poisson(batch / self.reuse))

    def add(self, latents: torch.Tensor, states: torch.Tensor, mask: torch.Tensor) -> None:
        """latents (B, C, t, h, w), text states (B, L, 384) + mask (B, L); stored fp16, text unpadded."""
        pool = self.pools.setdefault(tuple(latents.shape[1:]), [])
        for z, s, m in zip(latents.to(torch.float16), states.to(torch.float16), mask):
            item = (z.clone(), s[m].clone())
            if len(pool) < self.capacity:
                pool.append(item)
            else:
                pool[int(self.rng.integers(len(pool)))] = item

    def sample(self, shape: tuple[int, ...], batch: int) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """(B, C, t, h, w) float latents and B unpadded (L_i, 384) text states."""
        pool = self.pools[shape]
        idx = self.rng.choice(len(pool), size=batch, replace=False)
        return torch.stack([pool[i][0].float() for i in idx]), [pool[i][1].float() for i in idx]
