"""Denoising one latent window, and long shots made window after window.

Why windows: the DiT attends over every token of what it denoises, so its memory and time grow with
the shot. A window holds ``GeneratorConfig.window_latents`` latent frames (7 -> 25 frames); a longer
shot is the first window, then windows that each take the last ``context_latents`` latents of what
was made as clean context (``generation.flow``'s known frames) and add new ones. The context is
re-encoded from the output *pixels*, so the next window continues what the viewer saw, and
``window_join.carry_join`` hides the small jump where the decoded context meets the real frames.
Working memory is one window whatever the duration.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

import numpy as np
import torch

from generation.autoencoder import TEMPORAL_FACTOR, latent_frames, pixel_frames
from generation.checkpoint import GeneratorConfig
from generation.dit import DiT
from generation.generation_output import Progress
from generation.latent_codec import LatentCodec
from generation.precision import Precision
from generation.sampler import GuidedVelocity, SamplerConfig, StepInfo, integrate
from generation.text_encoder import TextStates
from generation.window_join import carry_join


@dataclass
class WindowJob:
    """State of one generation call: prompt states, sampler settings, the seeded noise, progress."""

    cond: TextStates
    uncond: TextStates | None
    sampler: SamplerConfig
    rng: torch.Generator
    progress: Callable[[Progress], None] | None
    windows: int
    """Windows the call will denoise in all (for progress)."""
    height: int
    width: int
    window: int = 0
    """Windows denoised so far."""


class WindowedDenoiser:
    """The DiT's sampling of one window, and forward/backward extension built from it."""

    def __init__(self, dit: DiT, codec: LatentCodec, cfg: GeneratorConfig, precision: Precision, device: torch.device):
        self.dit, self.codec, self.precision, self.device = dit, codec, precision, device
        self.window_latents, self.context_latents = cfg.window_latents, cfg.context_latents

    def denoise(self, job: WindowJob, n_lat: int, known_lat: torch.Tensor | None, known: torch.Tensor,
                source: torch.Tensor | None = None, strength: float = 1.0) -> torch.Tensor:
        """Denoise one window of ``n_lat`` latent frames -> normalised latents (1, C, n_lat, h, w).
        ``known`` (1, n_lat) bool marks context frames whose clean latents are in ``known_lat``; with
        ``source`` (SDEdit) start from it noised to ``strength`` instead of from pure noise."""
        h, w = self.codec.latent_hw(job.height, job.width)
        shape = (1, self.codec.channels, n_lat, h, w)
        noise = torch.randn(shape, generator=job.rng).to(self.device)  # CPU noise: same on CUDA
        if source is not None:
            x, start = (1 - strength) * source + strength * noise, strength
            steps = max(1, round(job.sampler.steps * strength))
        else:
            x, start, steps = noise, 1.0, job.sampler.steps
        sampler = replace(job.sampler, steps=steps)
        if known_lat is None:
            known_lat = torch.zeros(shape, device=self.device)
        velocity = GuidedVelocity(self.dit, job.cond, job.uncond, sampler.guidance, known.to(self.device), known_lat,
                                  self.precision.autocast, min_t=sampler.guidance_min_t)
        job.window += 1

        def on_step(info: StepInfo) -> None:
            if job.progress is not None:
                job.progress(Progress(job.window, job.windows, info.step, info.steps, tuple(info.latents.shape)))

        return integrate(velocity, x, sampler, start=start, callback=on_step)

    def context_for(self, tail_len: int) -> int:
        """Context latents a forward window takes from a tail of ``tail_len`` frames (1..context_latents)."""
        return max(1, min(self.context_latents, 1 + (tail_len - 1) // TEMPORAL_FACTOR))

    def count_forward(self, tail_len: int, n_new: int) -> int:
        """How many windows ``extend_forward`` will denoise (mirrors its loop, for progress)."""
        count = 0
        while n_new > 0:
            k = self.context_for(tail_len)
            made = min(n_new, TEMPORAL_FACTOR * max(1, min(self.window_latents - k, math.ceil(n_new / TEMPORAL_FACTOR))))
            n_new, tail_len, count = n_new - made, tail_len + made, count + 1
        return count

    def first_window(self, job: WindowJob, num_frames: int) -> np.ndarray:
        """Text-to-video of up to one window: uint8 (min(T, window frames), H, W, 3)."""
        n_lat = min(self.window_latents, latent_frames(num_frames))
        z = self.denoise(job, n_lat, None, torch.zeros(1, n_lat, dtype=torch.bool))
        return self.codec.decode(z, job.height, job.width)[:num_frames]

    def extend_forward(self, job: WindowJob, tail: np.ndarray, n_new: int) -> Iterator[np.ndarray]:
        """Yield ``n_new`` frames that continue ``tail`` (uint8 (T, H, W, 3)), window by window; only
        the last few frames of the output are kept as the next window's context."""
        while n_new > 0:
            k = self.context_for(len(tail))
            ctx_frames = tail[-pixel_frames(k):]
            ctx = self.codec.encode(ctx_frames)  # (1, C, k, h, w): image latent + k-1 group latents
            new_lat = max(1, min(self.window_latents - k, math.ceil(n_new / TEMPORAL_FACTOR)))
            n_lat = k + new_lat
            known = torch.zeros(1, n_lat, dtype=torch.bool)
            known[:, :k] = True
            known_lat = torch.cat([ctx, torch.zeros_like(ctx[:, :, :1]).expand(-1, -1, new_lat, -1, -1)], dim=2)
            dec = self.codec.decode(self.denoise(job, n_lat, known_lat, known), job.height, job.width)
            c = pixel_frames(k)  # drop the decoded context; start where the real tail ends
            frames = carry_join(dec[c:][:n_new], ctx_frames[-1], dec[c - 1])
            n_new -= len(frames)
            tail = np.concatenate([tail, frames])[-pixel_frames(self.context_latents):]
            yield frames

    def extend_backward(self, job: WindowJob, head: np.ndarray, n_new: int) -> Iterator[np.ndarray]:
        """Yield chunks of frames that lead into ``head``, nearest chunk first (each chunk goes before
        the previous one)."""
        k_max = self.context_latents
        while n_new > 0:
            k = max(1, min(k_max, len(head) // TEMPORAL_FACTOR))
            ctx_frames = head[: TEMPORAL_FACTOR * k]
            if len(ctx_frames) < TEMPORAL_FACTOR:  # a clip shorter than one group: repeat its first frame
                ctx_frames = np.concatenate([np.repeat(ctx_frames[:1], TEMPORAL_FACTOR - len(ctx_frames), 0), ctx_frames])
            ctx = self.codec.encode(ctx_frames, groups_only=True)  # (1, C, k, h, w) group latents
            new_lat = max(1, min(self.window_latents - k, latent_frames(n_new)))
            n_lat = new_lat + k
            known = torch.zeros(1, n_lat, dtype=torch.bool)
            known[:, new_lat:] = True
            known_lat = torch.cat([torch.zeros_like(ctx[:, :, :1]).expand(-1, -1, new_lat, -1, -1), ctx], dim=2)
            dec = self.codec.decode(self.denoise(job, n_lat, known_lat, known), job.height, job.width)
            p = pixel_frames(new_lat)  # new frames, then the decoded context; end where the real head starts
            frames = carry_join(dec[:p], ctx_frames[0], dec[p], at_start=False)[-n_new:]
            n_new -= len(frames)
            head = np.concatenate([frames, head])[: TEMPORAL_FACTOR * k_max]
            yield frames

    def edit_stream(self, job: WindowJob, chunks: Iterable[np.ndarray], strength: float) -> Iterator[np.ndarray]:
        """SDEdit of a clip that arrives in chunks (uint8 (t, H, W, 3) each, any lengths), window by
        window: each window starts from its source frames noised to ``strength``, the later ones
        conditioned on the edited frames before them. Yields the edited frames, as many as came in;
        source frames are pulled only as a window needs them."""
        feed = _FrameFeed(chunks)
        src = feed.take(pixel_frames(self.window_latents))
        if not len(src):
            return
        n0 = latent_frames(len(src))
        z = self.denoise(job, n0, None, torch.zeros(1, n0, dtype=torch.bool), source=self.codec.encode(src), strength=strength)
        first = self.codec.decode(z, job.height, job.width)[: len(src)]
        yield first
        tail = first[-pixel_frames(self.context_latents):]
        while True:
            k = self.context_for(len(tail))
            chunk = feed.take(TEMPORAL_FACTOR * (self.window_latents - k))
            if not len(chunk):
                return
            pad = (-len(chunk)) % TEMPORAL_FACTOR
            groups = np.concatenate([chunk, np.repeat(chunk[-1:], pad, 0)]) if pad else chunk
            ctx, body = self.codec.encode(tail[-pixel_frames(k):]), self.codec.encode(groups, groups_only=True)
            n_lat = k + body.shape[2]
            known = torch.zeros(1, n_lat, dtype=torch.bool)
            known[:, :k] = True
            start = torch.cat([ctx, body], 2)
            dec = self.codec.decode(self.denoise(job, n_lat, start, known, source=start, strength=strength), job.height, job.width)
            c = pixel_frames(k)  # drop the decoded context; start where the real tail ends
            frames = carry_join(dec[c:][: len(chunk)], tail[-1], dec[c - 1])
            tail = np.concatenate([tail, frames])[-pixel_frames(self.context_latents):]
            yield frames


class _FrameFeed:
    """Frames of a chunked clip, handed out in the counts the windows ask for."""

    def __init__(self, chunks: Iterable[np.ndarray]):
        self._chunks = iter(chunks)
        self._held: list[np.ndarray] = []
        self._count = 0

    def take(self, n: int) -> np.ndarray:
        """The next ``n`` frames (fewer at the end of the clip; none after it)."""
        while self._count < n:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._held.append(chunk)
            self._count += len(chunk)
        if not self._held:
            return np.zeros((0, 0, 0, 3), np.uint8)
        frames = np.concatenate(self._held)
        out, rest = frames[:n], frames[n:]
        self._held, self._count = ([rest] if len(rest) else []), len(rest)
        return out
