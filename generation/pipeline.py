"""The ``Generator``: one object, loaded once, that makes video in six modes.

    gen = Generator.load()                                   # the shipped checkpoint, CPU or CUDA
    video = gen.text_to_video("a red ball bounces on a beach at sunset", seconds=4, seed=1)
    video.save(path)                                         # H.264 MP4 through generation.video_io

Every mode is the same denoising of a latent *window* with some latent frames given as clean context
(``generation.flow``): text-to-video and text-to-image give none, image-to-video the first,
forward extension a prefix, backward extension a suffix, interpolation both ends; edit (SDEdit)
starts from the noised latents of an existing clip instead of pure noise.

Long shots are made window by window (``generation.windowed``), so working memory is that of one
window whatever the duration. Frames the caller gives
(the image, the clip being extended, the two clips being joined) appear in the output *verbatim*:
the window decodes its context frames too, and those decoded copies are thrown away, never the given
pixels (``GenerationInfo.given`` says where they are).

Steps follow diffusers' pipelines: check inputs, encode prompt, prepare latents, denoise, decode.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from generation.autoencoder import TEMPORAL_FACTOR, VideoAutoencoder, pixel_frames
from generation.checkpoint import GeneratorConfig, load_generator
from generation.compose_size import ComposeConfig, WorkingSize, compose_size, upscale
from generation.dit import DiT
from generation.generation_output import GeneratedVideo, GenerationInfo, Mode, Progress, as_frames
from generation.latent_codec import LatentCodec
from generation.precision import choose_precision
from generation.prompt_attributes import prompt_attributes
from generation.sampler import SamplerConfig
from generation.text_encoder import TextEncoder, TextStates
from generation.window_join import carry_join
from generation.windowed import WindowedDenoiser, WindowJob
from reelgraph.errors import InputError

DEFAULT_WEIGHTS = Path(__file__).resolve().parent / "weights" / "generator"
FULL_SIZES = {"16:9": (256, 144), "9:16": (144, 256), "1:1": (192, 192), "4:3": (224, 168), "21:9": (336, 144)}


class Generator:
    """The built-in latent video diffusion generator. Load once; every method is seed-deterministic."""

    def __init__(self, cfg: GeneratorConfig, autoencoder: VideoAutoencoder, dit: DiT,
                 device: torch.device | str | None = None, text_encoder: TextEncoder | None = None,
                 sampler: SamplerConfig | None = None, compose: ComposeConfig | None = None):
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.cfg = cfg
        self.sampler = sampler or SamplerConfig()
        """Sampling defaults of every call; a call's ``steps``, ``guidance`` and ``method`` override them."""
        self.compose = compose or ComposeConfig()
        """When text-to-video and text-to-image compose at the training size and refine at the asked one."""
        self.precision = choose_precision(self.device)
        self.codec = LatentCodec(autoencoder, cfg, self.device, self.precision)
        """Frames <-> the DiT's normalised latents."""
        self.autoencoder = self.codec.autoencoder
        self.text_encoder = text_encoder or TextEncoder(self.device)
        self._windows = WindowedDenoiser(dit.eval().requires_grad_(False).to(self.device), self.codec, cfg,
                                         self.precision, self.device)
        self._null: TextStates | None = None

    @property
    def dit(self) -> DiT:
        """The diffusion transformer every mode samples with."""
        return self._windows.dit

    @dit.setter
    def dit(self, dit: DiT) -> None:
        self._windows.dit = dit.eval().requires_grad_(False).to(self.device)
        self._null = None  # the empty prompt's states carry the DiT's attribute vocabulary

    @classmethod
    def load(cls, folder: Path | str = DEFAULT_WEIGHTS, device: torch.device | str | None = None,
             sampler: SamplerConfig | None = None, compose: ComposeConfig | None = None) -> "Generator":
        """Load a checkpoint folder (config.json + safetensors); refuses any other weight format."""
        cfg, ae, dit = load_generator(Path(folder))
        return cls(cfg, ae, dit, device=device, sampler=sampler, compose=compose)

    @staticmethod
    def size_for(aspect: str = "16:9", preview: bool = False) -> tuple[int, int]:
        """(width, height) the generator uses for an aspect ratio: 256x144-class, half that in preview."""
        if aspect not in FULL_SIZES:
            raise InputError(f"aspect {aspect!r} is not one of {', '.join(FULL_SIZES)}; or pass width and height")
        w, h = FULL_SIZES[aspect]
        return (w // 2, h // 2) if preview else (w, h)

    # ------------------------------------------------------------------ step 1: check inputs

    def _size(self, width: int | None, height: int | None, preview: bool) -> tuple[int, int]:
        w, h = (width, height) if width and height else self.size_for("16:9", preview)
        if w < 8 or h < 8 or w > 4096 or h > 4096:
            raise InputError(f"frame size {w}x{h} is out of range; use 8..4096 pixels a side")
        return int(w), int(h)

    def _frames_for(self, seconds: float, fps: float) -> int:
        if not (seconds > 0 and math.isfinite(seconds)):
            raise InputError(f"duration must be a positive number of seconds, got {seconds}")
        return max(1, round(seconds * fps))

    def _call_sampler(self, preview: bool, steps: int | None, guidance: float | None, method: str | None) -> SamplerConfig:
        """The generator's sampling defaults with a call's overrides (preview: half the steps); the
        job samples with it and the result's info reports it."""
        base = self.sampler
        n_steps = steps or (max(2, base.steps // 2) if preview else base.steps)
        if n_steps < 1 or n_steps > 200:
            raise InputError(f"steps must be 1..200, got {n_steps}")
        method = method or base.method
        if method not in ("euler", "heun"):
            raise InputError(f"sampler method must be euler or heun, got {method!r}")
        return replace(base, steps=n_steps, method=method, guidance=base.guidance if guidance is None else float(guidance))

    def _job(self, prompt: str, seed: int, preview: bool, steps: int | None, guidance: float | None,
             method: str | None, progress, windows: int, width: int, height: int) -> WindowJob:
        if not isinstance(prompt, str):
            raise InputError("the prompt must be text")
        sampler = self._call_sampler(preview, steps, guidance, method)
        # ---------------------------------------------------------- step 2: encode the prompt
        cond = self._encode_prompt(prompt)
        uncond = None
        if sampler.guidance != 1.0:
            if self._null is None:
                self._null = self._encode_prompt("")
            uncond = self._null
        rng = torch.Generator().manual_seed(int(seed))
        return WindowJob(cond=cond, uncond=uncond, sampler=sampler, rng=rng, progress=progress, windows=windows,
                    height=height, width=width)

    def _encode_prompt(self, prompt: str) -> TextStates:
        """Token states of one prompt, with what it states of the scene when the DiT reads that."""
        states = self.text_encoder.encode([prompt])
        if self.dit.cfg.attributes:
            states = TextStates(states.states, states.mask, prompt_attributes([prompt], self.dit.cfg.attributes))
        return states.to(self.device)

    # ------------------------------------------------------------------ latents <-> pixels

    def reconstruct(self, frames: np.ndarray) -> np.ndarray:
        """uint8 (T, H, W, 3) through the autoencoder and back, whole clip at once (meant for clips of a
        few seconds). What the generator could show at best: anything the round trip loses, no DiT
        can put back (``bench/quality.py`` scores it as the autoencoder's ceiling)."""
        return self.codec.reconstruct(frames)

    # ------------------------------------------------------------------ public modes

    def iter_text_to_video(self, prompt: str, seconds: float = 5.0, *, width: int | None = None, height: int | None = None,
                           fps: float | None = None, seed: int = 0, preview: bool = False, steps: int | None = None,
                           guidance: float | None = None, method: str | None = None,
                           progress: Callable[[Progress], None] | None = None) -> Iterator[np.ndarray]:
        """Stream a text-to-video shot as uint8 chunks (t, H, W, 3); memory stays one window. A frame
        much larger than the DiT's training size is composed at that size and upscaled (optionally
        refined, ``compose_size``), window by window as well."""
        fps = fps or self.cfg.fps
        w, h = self._size(width, height, preview)
        total = self._frames_for(seconds, fps)
        yield from self._text_shot(prompt, total, w, h, seed, preview, steps, guidance, method, progress)

    def text_to_video(self, prompt: str, seconds: float = 5.0, *, width: int | None = None, height: int | None = None,
                      fps: float | None = None, seed: int = 0, preview: bool = False, steps: int | None = None,
                      guidance: float | None = None, method: str | None = None,
                      progress: Callable[[Progress], None] | None = None) -> GeneratedVideo:
        """A shot of ``seconds`` from a prompt, at any size (default 256x144, preview 128x72)."""
        t0 = time.perf_counter()
        fps = fps or self.cfg.fps
        chunks = list(self.iter_text_to_video(prompt, seconds, width=width, height=height, fps=fps, seed=seed,
                                              preview=preview, steps=steps, guidance=guidance, method=method,
                                              progress=progress))
        frames = np.concatenate(chunks)
        joins = tuple(int(j) for j in np.cumsum([len(c) for c in chunks])[:-1])
        w, h = frames.shape[2], frames.shape[1]
        return self._result("text_to_video", prompt, seed, frames, fps, preview, steps, guidance, method, t0, (),
                            windows=self._shot_windows(len(frames)) * self._passes(w, h), joins=joins,
                            composed_at=self._composed_at(w, h))

    def text_to_image(self, prompt: str, *, width: int | None = None, height: int | None = None, seed: int = 0,
                      preview: bool = False, steps: int | None = None, guidance: float | None = None,
                      method: str | None = None, progress: Callable[[Progress], None] | None = None) -> GeneratedVideo:
        """One frame (a 1-frame video: ``frames[0]`` is the image)."""
        t0 = time.perf_counter()
        w, h = self._size(width, height, preview)
        frames = np.concatenate(list(self._text_shot(prompt, 1, w, h, seed, preview, steps, guidance, method, progress)))
        return self._result("text_to_image", prompt, seed, frames, self.cfg.fps, preview, steps, guidance, method, t0, (),
                            self._passes(w, h), composed_at=self._composed_at(w, h))

    def _composed_at(self, width: int, height: int) -> tuple[int, int] | None:
        return compose_size(width, height, self.cfg.train_width, self.cfg.train_height, self.compose)

    def _working(self, width: int, height: int) -> WorkingSize:
        return WorkingSize(width, height, self._composed_at(width, height))

    def _passes(self, width: int, height: int) -> int:
        """Denoising passes over a text shot of this size: 2 when a composition is refined, else 1."""
        return 2 if self._composed_at(width, height) is not None and self.compose.refine_strength > 0 else 1

    def _shot_windows(self, total: int) -> int:
        """Windows a text-to-video shot of ``total`` frames takes at one size."""
        first = min(total, pixel_frames(self.cfg.window_latents))
        return 1 + self._windows.count_forward(first, total - first)

    def _text_shot(self, prompt: str, total: int, w: int, h: int, seed: int, preview: bool, steps: int | None,
                   guidance: float | None, method: str | None, progress) -> Iterator[np.ndarray]:
        """``total`` frames of a prompt at w x h, in window chunks: directly, or composed at the
        training size, upscaled and refined (SDEdit at ``compose.refine_strength``)."""
        composed = self._composed_at(w, h)
        job = self._job(prompt, seed, preview, steps, guidance, method, progress,
                        self._shot_windows(total) * self._passes(w, h), *(composed or (w, h)))
        chunks = self._text_chunks(job, total)
        if composed is None:
            yield from chunks
        elif self._passes(w, h) == 1:
            yield from (upscale(c, w, h) for c in chunks)
        else:
            fine = replace(job, rng=torch.Generator().manual_seed(int(seed) + 1), width=w, height=h)
            if progress is not None:  # one count over both passes, whose windows interleave
                def joint(p: Progress) -> None:
                    progress(replace(p, window=job.window + fine.window))
                job.progress = fine.progress = joint
            yield from self._windows.edit_stream(fine, (upscale(c, w, h) for c in chunks), self.compose.refine_strength)

    def _text_chunks(self, job: WindowJob, total: int) -> Iterator[np.ndarray]:
        """Text-to-video at the job's size: the first window, then forward extension."""
        frames = self._windows.first_window(job, total)
        yield frames
        if total > len(frames):
            yield from self._windows.extend_forward(job, frames[-pixel_frames(self.cfg.context_latents):], total - len(frames))

    def image_to_video(self, image: np.ndarray, prompt: str = "", seconds: float = 5.0, *, fps: float | None = None,
                       seed: int = 0, preview: bool = False, steps: int | None = None, guidance: float | None = None,
                       method: str | None = None, progress: Callable[[Progress], None] | None = None) -> GeneratedVideo:
        """Animate ``image`` (H, W, 3) uint8: frame 0 of the result IS the image, pixel for pixel. An
        image much larger than the DiT's training size is animated at that size, as ``extend`` does."""
        t0 = time.perf_counter()
        img = as_frames(image, "image", single=True)[:1]
        fps = fps or self.cfg.fps
        total = self._frames_for(seconds, fps)
        new, windows, composed = self._extension(img, total - 1, "forward", prompt, seed, preview, steps, guidance,
                                                 method, progress)
        frames = np.concatenate([img, *new])
        return self._result("image_to_video", prompt, seed, frames, fps, preview, steps, guidance, method, t0, ((0, 1),),
                            windows, composed_at=composed)

    def extend(self, clip, seconds: float, direction: Literal["forward", "backward"] = "forward", prompt: str = "", *,
               fps: float | None = None, seed: int = 0, preview: bool = False, steps: int | None = None,
               guidance: float | None = None, method: str | None = None,
               progress: Callable[[Progress], None] | None = None) -> GeneratedVideo:
        """The clip plus ``seconds`` of new video after it (forward) or before it (backward). The
        clip's frames are in the result unchanged. A clip much larger than the DiT's training size is
        extended at that size (``compose_size``): the DiT sees it downscaled, the new frames are upscaled."""
        t0 = time.perf_counter()
        frames = as_frames(clip, "clip")
        fps = fps or (clip.fps if isinstance(clip, GeneratedVideo) else self.cfg.fps)
        n_new = self._frames_for(seconds, fps)
        if direction not in ("forward", "backward"):
            raise InputError(f"direction must be forward or backward, got {direction!r}")
        chunks, windows, composed = self._extension(frames, n_new, direction, prompt, seed, preview, steps, guidance,
                                                    method, progress)
        if direction == "forward":
            out = np.concatenate([frames, *chunks])
            given = ((0, len(frames)),)
        else:
            out = np.concatenate([*reversed(chunks), frames])
            given = ((len(out) - len(frames), len(out)),)
        return self._result("extend", prompt, seed, out, fps, preview, steps, guidance, method, t0, given, windows,
                            composed_at=composed)

    def _extension(self, frames: np.ndarray, n_new: int, direction: Literal["forward", "backward"], prompt: str,
                   seed: int, preview: bool, steps: int | None, guidance: float | None, method: str | None,
                   progress) -> tuple[list[np.ndarray], int, tuple[int, int] | None]:
        """``n_new`` frames that continue ``frames`` (forward) or lead into them (backward, nearest chunk
        first), as chunks at the clip's size; a clip much larger than the training size is extended at
        the composition size (the DiT sees it downscaled, the new frames are upscaled). Returns the
        chunks, the windows denoised and the composition size (None when there was none)."""
        size = self._working(frames.shape[2], frames.shape[1])
        job = self._job(prompt, seed, preview, steps, guidance, method, progress,
                        self._windows.count_forward(len(frames), n_new), *size.work)
        grow = self._windows.extend_forward if direction == "forward" else self._windows.extend_backward
        chunks = [size.restore(c) for c in grow(job, size.shrink(frames), n_new)]
        return chunks, job.window, size.composed

    def interpolate(self, a, b, seconds: float = 1.0, prompt: str = "", *, fps: float | None = None, seed: int = 0,
                    preview: bool = False, steps: int | None = None, guidance: float | None = None,
                    method: str | None = None, progress: Callable[[Progress], None] | None = None) -> GeneratedVideo:
        """Join the end of clip ``a`` to the start of clip ``b`` with ``seconds`` of new frames
        between them (one window). Result: a, the transition, b, with a and b unchanged. Clips much
        larger than the training size are joined at the composition size (``compose_size``): the DiT
        sees them downscaled and the transition is upscaled, as ``extend`` does."""
        t0 = time.perf_counter()
        fa, fb = as_frames(a, "clip a"), as_frames(b, "clip b")
        if fa.shape[1:] != fb.shape[1:]:
            raise InputError(f"clips a and b must have the same frame size; got {fa.shape[1:3]} and {fb.shape[1:3]}")
        fps = fps or self.cfg.fps
        n_mid_lat = math.ceil(self._frames_for(seconds, fps) / TEMPORAL_FACTOR)
        if n_mid_lat > 2 * self.cfg.window_latents:
            raise InputError(f"an interpolation is one window; ask for at most {2 * self.cfg.window_latents * TEMPORAL_FACTOR / fps:.1f} s")
        size = self._working(fa.shape[2], fa.shape[1])
        sa, sb = size.shrink(fa), size.shrink(fb)
        job = self._job(prompt, seed, preview, steps, guidance, method, progress, 1, *size.work)
        k = self.cfg.context_latents
        ka = max(1, min(k, 1 + (len(sa) - 1) // TEMPORAL_FACTOR))
        kb = max(1, min(k, len(sb) // TEMPORAL_FACTOR))
        head_b = sb[: TEMPORAL_FACTOR * kb]
        if len(head_b) < TEMPORAL_FACTOR:
            head_b = np.concatenate([head_b, np.repeat(head_b[-1:], TEMPORAL_FACTOR - len(head_b), 0)])
        za, zb = self.codec.encode(sa[-pixel_frames(ka):]), self.codec.encode(head_b, groups_only=True)
        n_lat = ka + n_mid_lat + kb
        known = torch.zeros(1, n_lat, dtype=torch.bool)
        known[:, :ka] = True
        known[:, ka + n_mid_lat:] = True
        known_lat = torch.cat([za, torch.zeros_like(za[:, :, :1]).expand(-1, -1, n_mid_lat, -1, -1), zb], dim=2)
        dec = self.codec.decode(self._windows.denoise(job, n_lat, known_lat, known), job.height, job.width)
        start, end = pixel_frames(ka), pixel_frames(ka) + TEMPORAL_FACTOR * n_mid_lat
        mid = carry_join(dec[start:end], sa[-1], dec[start - 1])
        mid = carry_join(mid, head_b[0], dec[end], at_start=False)
        mid = size.restore(mid)
        out = np.concatenate([fa, mid, fb])
        given = ((0, len(fa)), (len(fa) + len(mid), len(out)))
        return self._result("interpolate", prompt, seed, out, fps, preview, steps, guidance, method, t0, given, 1,
                            composed_at=size.composed)

    def edit(self, clip, prompt: str, strength: float = 0.6, *, fps: float | None = None, seed: int = 0,
             preview: bool = False, steps: int | None = None, guidance: float | None = None, method: str | None = None,
             progress: Callable[[Progress], None] | None = None) -> GeneratedVideo:
        """SDEdit: noise the clip to ``strength`` (0 keeps it, 1 ignores it) and denoise under ``prompt``.
        Long clips are edited window by window, each conditioned on the edited frames before it. A
        clip much larger than the training size is edited at the composition size and upscaled
        (``compose_size``): at its own size the DiT repaints it with many small copies of everything."""
        t0 = time.perf_counter()
        src = as_frames(clip, "clip")
        if not 0.0 < strength <= 1.0:
            raise InputError(f"strength must be in (0, 1], got {strength}")
        fps = fps or (clip.fps if isinstance(clip, GeneratedVideo) else self.cfg.fps)
        windows = self._shot_windows(len(src))
        size = self._working(src.shape[2], src.shape[1])
        job = self._job(prompt, seed, preview, steps, guidance, method, progress, windows, *size.work)
        out = [size.restore(c) for c in self._windows.edit_stream(job, [size.shrink(src)], strength)]
        return self._result("edit", prompt, seed, np.concatenate(out), fps, preview, steps, guidance, method, t0, (), job.window,
                            composed_at=size.composed)

    # ------------------------------------------------------------------ output

    def _result(self, mode: Mode, prompt: str, seed: int, frames: np.ndarray, fps: float, preview: bool,
                steps: int | None, guidance: float | None, method: str | None, t0: float,
                given: tuple[tuple[int, int], ...], windows: int, joins: tuple[int, ...] = (),
                composed_at: tuple[int, int] | None = None) -> GeneratedVideo:
        sampler = self._call_sampler(preview, steps, guidance, method)
        info = GenerationInfo(
            mode=mode, prompt=prompt, seed=int(seed), width=int(frames.shape[2]), height=int(frames.shape[1]), fps=float(fps),
            steps=sampler.steps, guidance=sampler.guidance, method=sampler.method,
            preview=preview, windows=windows, precision=self.precision.name,
            elapsed_s=time.perf_counter() - t0, given=given, joins=joins, composed_at=composed_at,
        )
        return GeneratedVideo(frames=frames, fps=float(fps), info=info)
