"""Resumable training state, all in safetensors + JSON (no pickle anywhere).

A stage folder (``runs/generator/autoencoder`` or ``.../dit``) holds ``model.safetensors``,
``ema.safetensors``, ``optimizer.safetensors`` (AdamW moments flattened to named tensors; its
hyper-parameters go to the JSON) and ``state.json`` (step, wall time, losses, the config). Files
are written to a temporary name and renamed, so a crash mid-write leaves the previous checkpoint.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from generation.checkpoint import load_state, save_state


class EMA:
    """Exponential moving average of a model's weights (the weights that ship)."""

    def __init__(self, model: torch.nn.Module, decay: float):
        self.decay = decay
        self.model = copy.deepcopy(model).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, model: torch.nn.Module, step: int) -> None:
        d = min(self.decay, (1 + step) / (10 + step))  # short memory early, so EMA is useful from the start
        for e, p in zip(self.model.parameters(), model.parameters()):
            e.lerp_(p.detach(), 1 - d)
        for e, b in zip(self.model.buffers(), model.buffers()):
            e.copy_(b)


def optimizer_tensors(opt: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    """Split an optimizer state dict into named tensors and a JSON-able rest."""
    sd = opt.state_dict()
    tensors, scalars = {}, {}
    for idx, st in sd["state"].items():
        for name, v in st.items():
            if torch.is_tensor(v):
                tensors[f"{idx}.{name}"] = v
            else:
                scalars[f"{idx}.{name}"] = v
    return tensors, {"param_groups": sd["param_groups"], "scalars": scalars}


def load_optimizer(opt: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], meta: dict) -> None:
    state: dict[int, dict] = {}
    for key, v in tensors.items():
        idx, name = key.split(".", 1)
        state.setdefault(int(idx), {})[name] = v
    for key, v in meta.get("scalars", {}).items():
        idx, name = key.split(".", 1)
        state.setdefault(int(idx), {})[name] = v
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


@dataclass
class StageState:
    """What a stage remembers between runs besides weights."""

    step: int = 0
    elapsed_s: float = 0.0
    clips_seen: int = 0
    last_loss: float = float("nan")
    best_metric: float = float("nan")
    warmup_from: int = 0
    """Step the learning-rate warm-up counts from: 0 for a run from scratch, the seeded step for a run
    started from a shipped checkpoint (a fresh optimiser must warm up again, see ``seed_run``)."""
    extra: dict = field(default_factory=dict)


def take_step(loss: torch.Tensor, model: torch.nn.Module, opt: torch.optim.Optimizer, ema: EMA, state: StageState) -> None:
    """One optimiser step as both stages take it: backward, clip the gradient norm to 1, step,
    update the EMA weights and count the step."""
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    ema.update(model, state.step)
    state.step += 1


def save_stage(folder: Path, model: torch.nn.Module, ema: EMA, opt: torch.optim.Optimizer, state: StageState,
               config: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    save_state(model, folder / "model.safetensors")
    save_state(ema.model, folder / "ema.safetensors")
    tensors, meta = optimizer_tensors(opt)
    save_state(tensors, folder / "optimizer.safetensors")
    payload = {"state": state.__dict__, "optimizer": meta, "config": config, "saved_at": time.time()}
    tmp = folder / "state.json.tmp"
    tmp.write_text(json.dumps(payload, indent=1, default=str))
    tmp.replace(folder / "state.json")


def resume_stage(folder: Path, model: torch.nn.Module, ema: EMA, opt: torch.optim.Optimizer) -> StageState | None:
    """Load a stage folder written by ``save_stage``; None when there is nothing to resume."""
    if not (folder / "state.json").is_file():
        return None
    payload = json.loads((folder / "state.json").read_text())
    model.load_state_dict(load_state(folder / "model.safetensors"))
    ema.model.load_state_dict(load_state(folder / "ema.safetensors"))
    load_optimizer(opt, dict(load_state(folder / "optimizer.safetensors")), payload["optimizer"])
    state = payload["state"]
    if "warmup_from" in state.get("extra", {}):  # run folders seeded before it was a field
        state["warmup_from"] = state["extra"].pop("warmup_from")
    return StageState(**state)
