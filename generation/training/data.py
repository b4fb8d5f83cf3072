"""Training clips, rendered live by the procedural world and never stored.

Each rank draws its own specs from its own seed, so DDP ranks see different clips without a
sampler. The world is cheap to render (~75 ms for 17 frames at 128x72 on one core), so there are
no shards to read; ``LatentReplay`` keeps the DiT stage from paying the render + encode + caption
cost on every step by reusing each encoded clip a few times.

Rendering can move to a pool of worker processes (``render_workers``): on a GPU machine one
process renders ~13 clips a second while the DiT could take hundreds, and on a 2-core CPU a worker
on the second core renders while the first one trains. Every clip is drawn from its own seed, the
k-th of its shape in the stream, so the clips are the same whether one process renders them or
many, in whatever order the workers finish.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import numpy as np
import torch

from generation.world.render_failures import RenderFailures

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


def render_world_clip(shape: ClipSpec, seed: int, fps: float) -> WorldClip:
    """The clip of ``seed``: spec, caption style, caption, render seed and frames all come from it,
    so it is the same in whichever process it is rendered."""
    from generation.world.caption import caption
    from generation.world.render import render_clip
    from generation.world.sample import sample_spec

    rng = np.random.default_rng(seed)
    spec = sample_spec(rng)
    style = CAPTION_STYLES[int(rng.integers(len(CAPTION_STYLES)))]
    text = caption(spec, style, rng)
    frames = render_clip(spec, width=shape.width, height=shape.height, num_frames=shape.num_frames,
                         fps=fps, seed=int(rng.integers(2**31)))
    return WorldClip(frames=frames, caption=text)


class WorldClips:
    """An endless stream of (frames, caption) from the procedural world for one rank, rendered in
    this process or by ``workers`` worker processes, which keep about ``prefetch`` (at least two per
    worker) clips of each shape in flight. Call ``close`` (or use it as a context manager) to stop
    the workers.

    A clip the world fails to render is reported with the call that reproduces it and skipped
    (``RenderFailures``): the next seed of its shape takes its place. ``render`` is the renderer,
    swappable so tests can make it fail; with workers it must be a module-level function."""

    def __init__(self, seed: int, rank: int = 0, fps: float = 24.0, workers: int = 0, prefetch: int = 0,
                 render: Callable[[ClipSpec, int, float], WorldClip] = render_world_clip):
        self.seed, self.rank, self.fps, self.render = seed, rank, fps, render
        self.rng = np.random.default_rng([seed, rank])  # shapes of batches
        self._count: dict[ClipSpec, int] = {}
        self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) if workers > 0 else None
        self._prefetch = max(prefetch, 2 * workers)
        self._pending: dict[ClipSpec, deque[tuple[int, Future]]] = {}
        self.failures = RenderFailures("DiT training clip")

    def _next_seed(self, shape: ClipSpec) -> int:
        """The seed of the next clip of ``shape``: a function of (stream seed, rank, shape, k) only."""
        k = self._count.get(shape, 0)
        self._count[shape] = k + 1
        key = [self.seed, self.rank, shape.width, shape.height, shape.num_frames, k]
        return int(np.random.SeedSequence(key).generate_state(1, np.uint64)[0] >> 1)

    def _render_next(self, shape: ClipSpec) -> tuple[int, Callable[[], WorldClip]]:
        """The next clip's seed and a call that returns its frames (or raises the renderer's error)."""
        if self._pool is None:
            seed = self._next_seed(shape)
            return seed, lambda: self.render(shape, seed, self.fps)
        queue = self._pending.setdefault(shape, deque())
        while len(queue) <= self._prefetch:
            seed = self._next_seed(shape)
            queue.append((seed, self._pool.submit(self.render, shape, seed, self.fps)))
        seed, future = queue.popleft()
        return seed, future.result

    def draw(self, shape: ClipSpec) -> WorldClip:
        while True:
            seed, result = self._render_next(shape)
            self.failures.attempt()
            try:
                return result()
            except BrokenProcessPool:
                raise  # a worker died (killed, out of memory): no clip's fault, and no later clip will come
            except Exception as exc:  # noqa: BLE001 - any renderer error: report and skip this one clip
                self.failures.skip(exc, f"seed {seed}", f"generation.training.data.render_world_clip({shape!r}, "
                                                       f"{seed}, fps={self.fps})")

    def batches(self, shapes: list[ClipSpec], weights: list[float], batch: int) -> Iterator[tuple[torch.Tensor, list[str]]]:
        """Endless batches: (B, T, 3, H, W) float in [-1, 1] and B captions; one shape per batch."""
        from generation.autoencoder import frames_to_tensor

        p = np.asarray(weights, dtype=float) / sum(weights)
        while True:
            shape = shapes[int(self.rng.choice(len(shapes), p=p))]
            clips = [self.draw(shape) for _ in range(batch)]
            x = frames_to_tensor(torch.from_numpy(np.stack([c.frames for c in clips])))
            yield x, [c.caption for c in clips]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> "WorldClips":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LatentReplay:
    """A bounded pool of encoded clips (latents + caption token states, and what the caption states
    of the scene when the DiT reads that) per latent shape; each entry is used about ``reuse`` times
    before it is replaced, with fresh noise, timestep and mask each time."""

    def __init__(self, capacity: int, reuse: float, seed: int):
        self.capacity = capacity
        self.reuse = reuse
        self.pools: dict[tuple[int, ...], list[tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]]] = {}
        self.rng = np.random.default_rng(seed)

    def needs(self, shape: tuple[int, ...], batch: int) -> int:
        """How many new clips to add before sampling a batch of this latent shape (C, t, h, w)."""
        pool = self.pools.get(shape, [])
        if len(pool) < batch:
            return batch - len(pool)
        return int(self.rng.poisson(batch / self.reuse))

    def add(self, latents: torch.Tensor, states: torch.Tensor, mask: torch.Tensor,
            attributes: torch.Tensor | None = None) -> None:
        """latents (B, C, t, h, w), text states (B, L, 384) + mask (B, L), attributes (B, A) or None;
        stored fp16, text unpadded."""
        pool = self.pools.setdefault(tuple(latents.shape[1:]), [])
        attrs = [None] * len(latents) if attributes is None else list(attributes.clone())
        for z, s, m, a in zip(latents.to(torch.float16), states.to(torch.float16), mask, attrs):
            item = (z.clone(), s[m].clone(), a)
            if len(pool) < self.capacity:
                pool.append(item)
            else:
                pool[int(self.rng.integers(len(pool)))] = item

    def sample(self, shape: tuple[int, ...], batch: int) -> tuple[torch.Tensor, list[torch.Tensor], torch.Tensor | None]:
        """(B, C, t, h, w) float latents, B unpadded (L_i, 384) text states, and (B, A) attributes
        (None when the clips were added without them)."""
        pool = self.pools[shape]
        idx = self.rng.choice(len(pool), size=batch, replace=False)
        attrs = [pool[i][2] for i in idx]
        return (torch.stack([pool[i][0].float() for i in idx]), [pool[i][1].float() for i in idx],
                None if any(a is None for a in attrs) else torch.stack(attrs))
