"""Captioned world clips for training: written to shards on disk, or rendered live without end.

Shards are webdataset-style tar files: per clip ``<key>.frames.npy`` (uint8 (T, H, W, 3)) and
``<key>.meta.json`` (spec, one caption per style, render seed). Writing streams: one clip in memory
at a time, each shard written to a temporary file and renamed when whole, then a manifest. Every
clip is a pure function of (dataset seed, clip index), so the same seed gives byte-identical shards,
and ``WorldStream`` yields exactly the clips ``write_dataset`` would write, forever.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from generation.world.caption import STYLES, caption
from generation.world.render import check_render_args, render_clip
from generation.world.sample import sample_spec
from generation.world.spec import SceneSpec
from reelgraph.atomic import atomic_path, write_json_atomic
from reelgraph.errors import InputError

FORMAT = "reelgraph-world-shards/1"
MANIFEST = "manifest.json"
MAX_CLIPS = 10_000_000


@dataclass(frozen=True)
class WorldSample:
    """One training example."""

    frames: np.ndarray  # uint8 (T, H, W, 3)
    spec: SceneSpec
    captions: dict[str, str]  # style -> caption
    index: int  # position in the dataset / stream
    seed: int  # the render seed of this clip


class ShardInfo(BaseModel):
    name: str
    clips: int
    bytes: int
    sha256: str


class DatasetManifest(BaseModel):
    """What a dataset folder holds and how it was made (enough to make it again)."""

    format: str = FORMAT
    seed: int
    clips: int
    width: int
    height: int
    num_frames: int
    fps: float
    shard_size: int
    caption_styles: list[str] = Field(default_factory=lambda: list(STYLES))
    shards: list[ShardInfo] = Field(default_factory=list)


def make_sample(seed: int, index: int, *, width: int, height: int, num_frames: int, fps: float) -> WorldSample:
    """Clip ``index`` of the world dataset with seed ``seed``: spec, captions and frames."""
    spec_rng = np.random.default_rng([seed, index, 1])
    spec = sample_spec(spec_rng)
    cap_rng = np.random.default_rng([seed, index, 2])
    captions = {style: caption(spec, style, cap_rng) for style in STYLES}
    render_seed = int(np.random.SeedSequence([seed, index, 3]).generate_state(1, np.uint32)[0])
    frames = render_clip(spec, width=width, height=height, num_frames=num_frames, fps=fps, seed=render_seed)
    return WorldSample(frames=frames, spec=spec, captions=captions, index=index, seed=render_seed)


class WorldStream:
    """An endless iterator of fresh samples, rendered on the fly (training without shards).
    ``start`` skips ahead, so a resumed run continues where it stopped."""

    def __init__(self, seed: int, width: int, height: int, num_frames: int, fps: float = 24.0, start: int = 0):
        check_render_args(SceneSpec(), width, height, num_frames, fps)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0 or start < 0:
            raise InputError(f"WorldStream needs a non-negative whole seed and start, got seed={seed!r}, start={start!r}")
        self.seed, self.width, self.height, self.num_frames, self.fps = int(seed), width, height, num_frames, float(fps)
        self.index = int(start)

    def __iter__(self) -> "WorldStream":
        return self

    def __next__(self) -> WorldSample:
        sample = make_sample(self.seed, self.index, width=self.width, height=self.height,
                             num_frames=self.num_frames, fps=self.fps)
        self.index += 1
        return sample


def _add(tar: tarfile.TarFile, name: str, payload: io.BytesIO) -> None:
    info = tarfile.TarInfo(name)
    info.size = payload.getbuffer().nbytes
    info.mtime = 0  # fixed metadata: same seed, same bytes
    info.mode = 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    payload.seek(0)
    tar.addfile(info, payload)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _npy(frames: np.ndarray) -> io.BytesIO:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(frames), allow_pickle=False)
    return buf


def write_dataset(out_dir: Path, *, clips: int, seed: int, width: int, height: int, num_frames: int,
                  fps: float, shard_size: int, progress=None) -> DatasetManifest:
    """Render ``clips`` captioned clips into shards of ``shard_size`` under ``out_dir`` (empty or new).
    ``progress``, if given, is called with the number of clips written so far."""
    check_render_args(SceneSpec(), width, height, num_frames, fps)
    for name, value in (("clips", clips), ("shard_size", shard_size), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < (0 if name == "seed" else 1):
            raise InputError(f"{name}={value!r} must be a {'non-negative' if name == 'seed' else 'positive'} whole number")
    if clips > MAX_CLIPS:
        raise InputError(f"clips={clips} is more than {MAX_CLIPS}; write several datasets instead")
    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise InputError(f"{out_dir} is not an empty folder; choose a new or empty folder for the dataset")
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = DatasetManifest(seed=seed, clips=clips, width=width, height=height, num_frames=num_frames,
                               fps=float(fps), shard_size=shard_size)
    done = 0
    for shard_index, first in enumerate(range(0, clips, shard_size)):
        name = f"shard-{shard_index:05d}.tar"
        count = min(shard_size, clips - first)
        with atomic_path(out_dir / name) as tmp:
            with tarfile.open(tmp, "w", format=tarfile.USTAR_FORMAT) as tar:
                for index in range(first, first + count):
                    s = make_sample(seed, index, width=width, height=height, num_frames=num_frames, fps=fps)
                    key = f"clip-{index:08d}"
                    meta = {"index": index, "seed": s.seed, "spec": s.spec.model_dump(mode="json"), "captions": s.captions}
                    _add(tar, f"{key}.frames.npy", _npy(s.frames))
                    _add(tar, f"{key}.meta.json", io.BytesIO(json.dumps(meta, sort_keys=True).encode()))
                    del s  # the next clip renders without this one in memory
                    done += 1
                    if progress is not None:
                        progress(done)
            digest = _sha256(tmp)
            size = tmp.stat().st_size
        manifest.shards.append(ShardInfo(name=name, clips=count, bytes=size, sha256=digest))
    write_json_atomic(out_dir / MANIFEST, manifest.model_dump(mode="json"))
    return manifest


def read_manifest(directory: Path) -> DatasetManifest:
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise InputError(f"{directory} holds no {MANIFEST}; is it a folder written by `reelgraph world dataset`?")
    try:
        manifest = DatasetManifest.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"{path} is not a valid world dataset manifest: {exc}") from exc
    if manifest.format != FORMAT:
        raise InputError(f"{path} has format {manifest.format!r}; this reelgraph reads {FORMAT!r}")
    return manifest


def iter_dataset(directory: Path) -> Iterator[WorldSample]:
    """Stream the samples of a dataset folder in order, one clip in memory at a time."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    shape = (manifest.num_frames, manifest.height, manifest.width, 3)
    for shard in manifest.shards:
        if "/" in shard.name or "\\" in shard.name or shard.name.startswith("."):
            raise InputError(f"the manifest names a shard outside the folder: {shard.name!r}")
        path = directory / shard.name
        if not path.is_file():
            raise InputError(f"shard {path} is missing; the dataset is incomplete")
        pending: dict[str, np.ndarray] = {}
        try:
            with tarfile.open(path, "r:") as tar:
                for member in tar:
                    if not member.isfile():
                        continue
                    key, _, field = member.name.partition(".")
                    data = tar.extractfile(member).read()
                    if field == "frames.npy":
                        frames = np.load(io.BytesIO(data), allow_pickle=False)
                        if frames.shape != shape or frames.dtype != np.uint8:
                            raise InputError(f"{path}:{member.name} holds {frames.dtype} {frames.shape}, expected uint8 {shape}")
                        pending[key] = frames
                    elif field == "meta.json":
                        meta = json.loads(data)
                        if key not in pending:
                            raise InputError(f"{path}: {member.name} comes before its frames")
                        yield WorldSample(frames=pending.pop(key), spec=SceneSpec.model_validate(meta["spec"]),
                                          captions=dict(meta["captions"]), index=int(meta["index"]), seed=int(meta["seed"]))
        except (tarfile.TarError, ValueError, KeyError, OSError) as exc:
            raise InputError(f"shard {path} is damaged ({exc}); write the dataset again") from exc
