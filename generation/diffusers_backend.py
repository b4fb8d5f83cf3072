"""A pretrained diffusers video pipeline on disk, behind the built-in ``Generator``'s calling surface.

    gen = DiffusersGenerator.load("~/models/LTX-Video")      # a folder holding model_index.json
    video = gen.text_to_video("a red ball bounces on a beach at sunset", seconds=2, seed=1)
    video.save(path)                                         # the same MP4 writer as the built-in one

``open_generator(folder)`` takes either kind of folder (a reelgraph checkpoint or a diffusers
pipeline) so code that only wants "a generator" need not care which it got.

Nothing is fetched: the folder is read with ``local_files_only`` and safetensors only; a component
that holds only pickled weights (.bin, .pt, .ckpt) is refused before anything is unpickled.

A pipeline renders sizes that are multiples of its latent grid (32 pixels for LTX-Video, 16 for
Wan and CogVideoX) and frame counts of the form ``k * t + 1`` (t = the VAE's temporal factor). Any
other size is rendered at the next multiple up and centre-cropped back (no resampling, no
stretching); extra frames are dropped from the end. What a pipeline class can do is read from its
``__call__`` signature: ``image`` makes it an image-to-video pipeline, ``num_frames`` a video one.
"""

from __future__ import annotations

import importlib
import inspect
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from generation.diffusers_folder import check_installed, is_pipeline_folder, read_model_index
from generation.generation_output import GeneratedVideo, GenerationInfo, Mode, Progress, as_frames
from reelgraph.errors import InputError, ModelUnavailable, ReelgraphError

IMAGE_TO_VIDEO_CLASSES = "LTXImageToVideoPipeline, CogVideoXImageToVideoPipeline, WanImageToVideoPipeline, StableVideoDiffusionPipeline"
TEXT_TO_VIDEO_CLASSES = "LTXPipeline, CogVideoXPipeline, WanPipeline"
# Classes whose check_inputs asks for a larger multiple than their latent grid implies.
EXTRA_SPATIAL_MULTIPLE = {"LTXPipeline": 32, "LTXImageToVideoPipeline": 32, "LTXConditionPipeline": 32}
# Text-to-video classes with an image-to-video sibling built from the very same components.
IMAGE_SIBLINGS = {"LTXPipeline": "LTXImageToVideoPipeline"}
DEFAULT_FPS = 16.0


def _require_diffusers():
    check_installed()
    import diffusers

    return diffusers


@dataclass(frozen=True)
class PipelineShape:
    """The sizes a pipeline renders: width and height multiples of ``spatial``, ``k * temporal + 1`` frames."""

    spatial: int
    temporal: int
    default_width: int
    default_height: int


@dataclass
class DiffusersVideo(GeneratedVideo):
    """A ``GeneratedVideo`` whose file names the pipeline that made it in its provenance tags."""

    generator: str = "diffusers"

    def save(self, path: Path, title: str = ""):
        from generation.video_io import Provenance, write_video

        prov = Provenance(generator=self.generator, prompt=self.info.prompt, seed=self.info.seed, title=title)
        return write_video(Path(path), self.frames, fps=self.fps, provenance=prov)


class DiffusersGenerator:
    """A diffusers pipeline with the ``Generator`` modes it can serve. Every method is seed-deterministic
    (CPU ``torch.Generator``, so the same seed gives the same noise on CUDA)."""

    def __init__(self, pipe, folder: Path | None = None) -> None:
        self.pipe = pipe
        self.folder = folder
        self.class_name = type(pipe).__name__
        self.device = pipe.device
        self.dtype = pipe.dtype
        self._params = inspect.signature(type(pipe).__call__).parameters
        self._image_pipe = pipe if "image" in self._params else None
        pipe.set_progress_bar_config(disable=True)
        self.shape = self._shape()

    @classmethod
    def load(cls, folder: Path | str, device: str | None = None, dtype=None) -> "DiffusersGenerator":
        """Load a pipeline folder on ``device`` (CUDA when there is one) in ``dtype`` (fp32 on CPU,
        bf16 or fp16 on CUDA); nothing is downloaded, only safetensors are read."""
        folder = Path(folder).expanduser()
        index = read_model_index(folder)
        diffusers = _require_diffusers()
        import torch

        pipe_cls = getattr(diffusers, index["_class_name"], None)
        if pipe_cls is None:
            raise ModelUnavailable(f"diffusers {diffusers.__version__} has no {index['_class_name']}; "
                                   "upgrade it: pip install -U 'reelgraph[diffusers]'")
        device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        if dtype is None:
            dtype = torch.float32 if device.type == "cpu" else (torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16)
        try:
            # diffusers renamed torch_dtype to dtype (its _resolve_dtype marks the change); pass the one it reads.
            dtype_kw = "dtype" if hasattr(importlib.import_module("diffusers.utils.deprecation_utils"), "_resolve_dtype") else "torch_dtype"
            pipe = pipe_cls.from_pretrained(folder, local_files_only=True, use_safetensors=True, **{dtype_kw: dtype})
        except (OSError, ValueError) as exc:
            raise InputError(f"could not load the diffusers pipeline in {folder}: {exc}") from exc
        return cls(pipe.to(device), folder)

    # ------------------------------------------------------------------ what the pipeline renders

    def _shape(self) -> PipelineShape:
        pipe = self.pipe
        vae_s = getattr(pipe, "vae_spatial_compression_ratio", None) or getattr(pipe, "vae_scale_factor_spatial", None) \
            or getattr(pipe, "vae_scale_factor", None) or 8
        vae_t = getattr(pipe, "vae_temporal_compression_ratio", None) or getattr(pipe, "vae_scale_factor_temporal", None) or 1
        denoiser = getattr(pipe, "transformer", None) or getattr(pipe, "unet", None)
        patch = getattr(getattr(denoiser, "config", None), "patch_size", None) or 1
        patch = patch[-1] if isinstance(patch, (list, tuple)) else patch
        spatial = math.lcm(int(vae_s) * int(patch), EXTRA_SPATIAL_MULTIPLE.get(self.class_name, 1))
        w, h = self._params.get("width"), self._params.get("height")
        sample = getattr(getattr(denoiser, "config", None), "sample_width", None)
        if w is not None and isinstance(w.default, int) and isinstance(h.default, int):
            dw, dh = w.default, h.default
        elif sample:
            dw, dh = sample * int(vae_s), denoiser.config.sample_height * int(vae_s)
        else:
            dw, dh = 512, 320
        return PipelineShape(spatial=spatial, temporal=int(vae_t), default_width=dw, default_height=dh)

    def render_size(self, width: int, height: int) -> tuple[int, int]:
        """The (width, height) the pipeline renders for an asked size: the next multiples up."""
        m = self.shape.spatial
        if min(width, height) < 8 or max(width, height) > 4096:
            raise InputError(f"frame size {width}x{height} is out of range; use 8..4096 pixels a side "
                             f"({self.class_name} renders multiples of {m} and crops back)")
        return m * math.ceil(width / m), m * math.ceil(height / m)

    def render_frames(self, frames: int) -> int:
        """The frame count the pipeline renders for an asked count: the next ``k * t + 1`` up."""
        t = self.shape.temporal
        return 1 + t * math.ceil((frames - 1) / t)

    # ------------------------------------------------------------------ step 1: check inputs

    def _size(self, width: int | None, height: int | None, preview: bool) -> tuple[int, int]:
        if width and height:
            return int(width), int(height)
        w, h = self.shape.default_width, self.shape.default_height
        return (max(8, w // 2), max(8, h // 2)) if preview else (w, h)

    def _steps(self, steps: int | None, preview: bool) -> int:
        base = self._params["num_inference_steps"].default if "num_inference_steps" in self._params else 50
        n = steps or (max(2, base // 2) if preview else base)
        if not 1 <= n <= 200:
            raise InputError(f"steps must be 1..200, got {n}")
        return int(n)

    def _guidance(self, guidance: float | None) -> float | None:
        if guidance is not None:
            return float(guidance)
        param = self._params.get("guidance_scale")
        return float(param.default) if param is not None and isinstance(param.default, (int, float)) else None

    def default_fps(self) -> float:
        param = self._params.get("frame_rate")
        return float(param.default) if param is not None and isinstance(param.default, (int, float)) else DEFAULT_FPS

    def _frames_for(self, seconds: float, fps: float) -> int:
        if not (seconds > 0 and math.isfinite(seconds)):
            raise InputError(f"duration must be a positive number of seconds, got {seconds}")
        return max(1, round(seconds * fps))

    def _refuse(self, mode: str, needs: str, examples: str):
        raise InputError(f"{mode} needs {needs} (e.g. {examples}); {self.class_name} in {self.folder} is not one")

    def _check_method(self, method: str | None) -> None:
        if method is not None:
            raise InputError(f"{self.class_name} samples with its own scheduler ({type(self.pipe.scheduler).__name__}); "
                             "the sampler method cannot be chosen for a diffusers pipeline")

    # ------------------------------------------------------------------ steps 2-5: one pipeline call

    def _call(self, pipe, prompt: str, frames: int | None, width: int, height: int, fps: float, seed: int,
              steps: int, guidance: float | None, progress: Callable[[Progress], None] | None,
              image: np.ndarray | None = None) -> np.ndarray:
        """One pipeline call at the asked size: uint8 (frames, height, width, 3), cropped from the
        render size; ``image`` (H, W, 3) is edge-padded to the render size and conditions frame 0."""
        import torch
        from PIL import Image

        rw, rh = self.render_size(width, height)
        params = inspect.signature(type(pipe).__call__).parameters
        kwargs: dict = {"height": rh, "width": rw, "num_inference_steps": steps, "output_type": "np",
                        "generator": torch.Generator().manual_seed(int(seed))}
        if "prompt" in params:
            kwargs["prompt"] = prompt
        if frames is not None:
            kwargs["num_frames"] = self.render_frames(frames)
        if guidance is not None and "guidance_scale" in params:
            kwargs["guidance_scale"] = guidance
        if "frame_rate" in params:
            kwargs["frame_rate"] = int(round(fps))
        top, left = (rh - height) // 2, (rw - width) // 2
        if image is not None:
            padded = np.pad(image, ((top, rh - height - top), (left, rw - width - left), (0, 0)), mode="edge")
            kwargs["image"] = Image.fromarray(padded)

        def on_step(_pipe, i: int, _t, tensors: dict) -> dict:
            latents = tensors.get("latents")
            progress(Progress(1, 1, i + 1, steps, tuple(latents.shape) if latents is not None else ()))
            return tensors

        if progress is not None and "callback_on_step_end" in params:
            kwargs["callback_on_step_end"] = on_step
        elif progress is not None and "callback" in params:  # older pipelines: callback(step, t, latents)
            kwargs["callback"] = lambda i, t, latents: progress(Progress(1, 1, i + 1, steps, tuple(latents.shape)))
            kwargs["callback_steps"] = 1
        with torch.no_grad():
            out = pipe(**kwargs)
        video = np.asarray(out.frames if hasattr(out, "frames") else out.images, dtype=np.float32)
        video = video[0] if video.ndim == 5 or (frames is None and video.ndim == 4) else video
        if video.ndim == 3:  # an image pipeline: one frame
            video = video[None]
        if len(video) < (frames or 1) or video.shape[1:3] != (rh, rw):
            raise ReelgraphError(f"{type(pipe).__name__} returned {video.shape[:3]} (frames, height, width) where "
                                 f"{frames or 1}+ frames at {rh}x{rw} were asked; this pipeline class is not supported yet")
        video = (np.clip(video, 0.0, 1.0) * 255.0).round().astype(np.uint8)
        return np.ascontiguousarray(video[: frames or 1, top: top + height, left: left + width])

    def _image_pipeline(self):
        """The pipeline that animates an image: this one, or its sibling built from the same components."""
        if self._image_pipe is None and self.class_name in IMAGE_SIBLINGS:
            import diffusers

            self._image_pipe = getattr(diffusers, IMAGE_SIBLINGS[self.class_name]).from_pipe(self.pipe)
            self._image_pipe.set_progress_bar_config(disable=True)
        return self._image_pipe

    @property
    def can_animate_images(self) -> bool:
        """True when image_to_video and forward extension are available."""
        return "image" in self._params or self.class_name in IMAGE_SIBLINGS

    # ------------------------------------------------------------------ public modes

    def text_to_video(self, prompt: str, seconds: float = 5.0, *, width: int | None = None, height: int | None = None,
                      fps: float | None = None, seed: int = 0, preview: bool = False, steps: int | None = None,
                      guidance: float | None = None, method: str | None = None,
                      progress: Callable[[Progress], None] | None = None) -> DiffusersVideo:
        """A shot of ``seconds`` from a prompt, made in one pipeline call (default: the pipeline's size)."""
        t0 = time.perf_counter()
        if not isinstance(prompt, str):
            raise InputError("the prompt must be text")
        if "image" in self._params or "num_frames" not in self._params:
            self._refuse("text_to_video", "a text-to-video pipeline", TEXT_TO_VIDEO_CLASSES)
        self._check_method(method)
        fps = float(fps or self.default_fps())
        w, h = self._size(width, height, preview)
        n, guidance = self._steps(steps, preview), self._guidance(guidance)
        frames = self._call(self.pipe, prompt, self._frames_for(seconds, fps), w, h, fps, seed, n, guidance, progress)
        return self._result("text_to_video", prompt, seed, frames, fps, preview, n, guidance, t0)

    def iter_text_to_video(self, prompt: str, seconds: float = 5.0, **kwargs) -> Iterator[np.ndarray]:
        """The text_to_video shot as one chunk (a pipeline makes the whole shot in one call)."""
        yield self.text_to_video(prompt, seconds, **kwargs).frames

    def text_to_image(self, prompt: str, *, width: int | None = None, height: int | None = None, seed: int = 0,
                      preview: bool = False, steps: int | None = None, guidance: float | None = None,
                      method: str | None = None, progress: Callable[[Progress], None] | None = None) -> DiffusersVideo:
        """One frame (a video pipeline asked for a single frame, or an image pipeline's image)."""
        t0 = time.perf_counter()
        if "image" in self._params:
            self._refuse("text_to_image", "a text-to-video or text-to-image pipeline", TEXT_TO_VIDEO_CLASSES)
        self._check_method(method)
        w, h = self._size(width, height, preview)
        n, guidance = self._steps(steps, preview), self._guidance(guidance)
        frames_arg = 1 if "num_frames" in self._params else None
        frames = self._call(self.pipe, prompt, frames_arg, w, h, self.default_fps(), seed, n, guidance, progress)
        return self._result("text_to_image", prompt, seed, frames[:1], self.default_fps(), preview, n, guidance, t0)

    def image_to_video(self, image: np.ndarray, prompt: str = "", seconds: float = 5.0, *, fps: float | None = None,
                       seed: int = 0, preview: bool = False, steps: int | None = None, guidance: float | None = None,
                       method: str | None = None, progress: Callable[[Progress], None] | None = None) -> DiffusersVideo:
        """Animate ``image`` (H, W, 3) uint8: frame 0 of the result IS the image, pixel for pixel (the
        pipeline's decoded copy of it is replaced)."""
        t0 = time.perf_counter()
        img = as_frames(image, "image", single=True)[0]
        pipe = self._image_pipeline()
        if pipe is None:
            self._refuse("image_to_video", "an image-to-video pipeline", IMAGE_TO_VIDEO_CLASSES)
        self._check_method(method)
        fps = float(fps or self.default_fps())
        total = self._frames_for(seconds, fps)
        n, guidance = self._steps(steps, preview), self._guidance(guidance)
        frames = self._call(pipe, prompt, total, img.shape[1], img.shape[0], fps, seed, n, guidance, progress, image=img)
        frames[0] = img
        return self._result("image_to_video", prompt, seed, frames, fps, preview, n, guidance, t0, given=((0, 1),))

    def extend(self, clip, seconds: float, direction: Literal["forward", "backward"] = "forward", prompt: str = "", *,
               fps: float | None = None, seed: int = 0, preview: bool = False, steps: int | None = None,
               guidance: float | None = None, method: str | None = None,
               progress: Callable[[Progress], None] | None = None) -> DiffusersVideo:
        """The clip plus ``seconds`` of new video after it, animated from its last frame (forward only:
        the clip's frames are in the result unchanged)."""
        t0 = time.perf_counter()
        frames = as_frames(clip, "clip")
        if direction != "forward":
            raise InputError(f"the diffusers back-end extends forward only (from the clip's last frame); "
                             f"use the built-in generator for direction={direction!r}")
        fps = float(fps or (clip.fps if isinstance(clip, GeneratedVideo) else self.default_fps()))
        n_new = self._frames_for(seconds, fps)
        pipe = self._image_pipeline()
        if pipe is None:
            self._refuse("extend", "an image-to-video pipeline (it continues from the last frame)", IMAGE_TO_VIDEO_CLASSES)
        self._check_method(method)
        n, guidance = self._steps(steps, preview), self._guidance(guidance)
        last = frames[-1]
        new = self._call(pipe, prompt, n_new + 1, last.shape[1], last.shape[0], fps, seed, n, guidance, progress, image=last)
        out = np.concatenate([frames, new[1:]])  # new[0] re-renders the clip's last frame
        return self._result("extend", prompt, seed, out, fps, preview, n, guidance, t0, given=((0, len(frames)),),
                            joins=(len(frames),))

    def interpolate(self, a, b, seconds: float = 1.0, prompt: str = "", **kwargs) -> DiffusersVideo:
        raise InputError(f"interpolate is not offered by the diffusers back-end ({self.class_name}); "
                         "use the built-in generator (Generator.load()) to join two clips")

    def edit(self, clip, prompt: str, strength: float = 0.6, **kwargs) -> DiffusersVideo:
        raise InputError(f"edit is not offered by the diffusers back-end ({self.class_name}); video-to-video "
                         "pipelines (CogVideoXVideoToVideoPipeline, WanVideoToVideoPipeline) are not wired yet: "
                         "use the built-in generator (Generator.load())")

    # ------------------------------------------------------------------ output

    def _result(self, mode: Mode, prompt: str, seed: int, frames: np.ndarray, fps: float, preview: bool, steps: int,
                guidance: float | None, t0: float, given: tuple[tuple[int, int], ...] = (),
                joins: tuple[int, ...] = ()) -> DiffusersVideo:
        info = GenerationInfo(
            mode=mode, prompt=prompt, seed=int(seed), width=int(frames.shape[2]), height=int(frames.shape[1]), fps=float(fps),
            steps=steps, guidance=1.0 if guidance is None else guidance, method=type(self.pipe.scheduler).__name__,
            preview=preview, windows=1, precision=str(self.dtype).removeprefix("torch."),
            elapsed_s=time.perf_counter() - t0, given=given, joins=joins,
        )
        return DiffusersVideo(frames=frames, fps=float(fps), info=info, generator=f"diffusers {self.class_name}")


def open_generator(folder: Path | str | None = None, device: str | None = None):
    """The generator a folder holds: a diffusers pipeline (model_index.json) or a reelgraph checkpoint
    (the shipped one when ``folder`` is None). Both offer text_to_video, image_to_video, extend, ..."""
    from generation.pipeline import DEFAULT_WEIGHTS, Generator

    if folder is not None and is_pipeline_folder(folder):
        return DiffusersGenerator.load(folder, device=device)
    return Generator.load(Path(folder).expanduser() if folder is not None else DEFAULT_WEIGHTS, device=device)
