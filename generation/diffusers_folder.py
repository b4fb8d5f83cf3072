"""A diffusers pipeline folder on disk: is it one, is diffusers installed, is it safe to load, and
a cheap fingerprint of its weights for cache keys. Nothing here imports diffusers or torch."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

from reelgraph.errors import InputError, ModelUnavailable

PICKLE_WEIGHTS = (".bin", ".pt", ".pth", ".ckpt", ".pkl")


def is_pipeline_folder(path: Path | str) -> bool:
    """True for a folder written by ``DiffusionPipeline.save_pretrained`` (it holds model_index.json)."""
    return (Path(path).expanduser() / "model_index.json").is_file()


def check_installed() -> None:
    """Raise ``ModelUnavailable`` (saying what to install) when diffusers is missing; imports nothing."""
    if importlib.util.find_spec("diffusers") is None:
        raise ModelUnavailable("the diffusers back-end needs the diffusers package: pip install 'reelgraph[diffusers]'")


def read_model_index(folder: Path) -> dict:
    """The folder's model_index.json; refuses a folder that is not a pipeline or has pickle-only weights."""
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder; pass a diffusers pipeline folder (one holding model_index.json)")
    if not is_pipeline_folder(folder):
        raise InputError(f"{folder} is not a diffusers pipeline folder: it has no model_index.json "
                         "(save one with DiffusionPipeline.save_pretrained, or pass a reelgraph checkpoint to Generator.load)")
    try:
        index = json.loads((folder / "model_index.json").read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"{folder / 'model_index.json'} is not readable JSON ({exc})") from exc
    if not isinstance(index, dict) or not isinstance(index.get("_class_name"), str):
        raise InputError(f"{folder / 'model_index.json'} names no pipeline class (_class_name)")
    for name, spec in index.items():
        sub = folder / name
        if name.startswith("_") or not isinstance(spec, list) or not sub.is_dir():
            continue
        pickles = sorted(p.name for p in sub.iterdir() if p.suffix in PICKLE_WEIGHTS)
        if pickles and not any(sub.glob("*.safetensors")):
            raise InputError(f"{sub} holds only pickled weights ({', '.join(pickles)}); reelgraph loads safetensors only. "
                             "Convert it once where you trust the file: load it and save_pretrained(..., safe_serialization=True)")
    return index


def fingerprint(folder: Path) -> str:
    """12 hex digits that change when the pipeline's output would: every config file, and each
    safetensors file's size, header and three 1 MiB samples (hashing gigabytes would take minutes)."""
    digest = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        if path.suffix in (".json", ".txt", ".model") and path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
        elif path.suffix == ".safetensors":
            size = path.stat().st_size
            digest.update(f"{path.relative_to(folder).as_posix()}:{size}".encode())
            with open(path, "rb") as fh:
                for offset in (0, size // 2, max(0, size - (1 << 20))):
                    fh.seek(offset)
                    digest.update(fh.read(1 << 20))
    return digest.hexdigest()[:12]
