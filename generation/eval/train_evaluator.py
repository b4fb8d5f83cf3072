"""Train the evaluator on freshly rendered world clips, resumably, on a shared CPU.

    nice -n 19 python -m generation.eval.train_evaluator --out runs/evaluator --steps 20000

Reads top to bottom: config -> clip stream (rendering in one DataLoader worker so it overlaps the
optimiser) -> held-out set -> init or resume -> lr schedule -> loop (log, evaluate, checkpoint,
export). Every rendered clip is new (training seed stream, see ``clip_source``); to get more than one
step out of each render, a batch mixes fresh clips with re-corrupted clips from a ring of recent
ones. Checkpoints (model + AdamW moments) are safetensors with the step counters in their metadata;
the held-out accuracy per attribute goes to ``log.jsonl`` after every evaluation, and the best model
so far (by its worst attribute) is exported as the shippable checkpoint.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from generation.eval.augment import AugmentConfig
from generation.eval.clip_input import FrameSample, prepare_clip
from generation.eval.clip_source import HELDOUT_STREAM, TRAIN_STREAM, ClipDraw, draw_clip, render_draw, spec_labels
from generation.eval.evaluator import (FLOW_BACKGROUNDS, SHIPPED_WEIGHTS, Evaluator, EvaluatorConfig, load_evaluator,
                                       mirror_index, save_evaluator)
from generation.eval.hard_examples import HardExamples, example_losses
from generation.eval.training_examples import at_mask_grid, make_training_example, maybe_mirror
from generation.eval.widen import widen
from generation.precision import choose_precision
from generation.world.render_failures import RenderFailures
from reelgraph.errors import InputError, ModelUnavailable


@dataclass
class TrainConfig:
    """One training run; stored beside its checkpoints."""

    out_dir: Path = Path("runs/evaluator")
    """Checkpoints, log.jsonl and the best model of this run."""
    export_to: Path | None = SHIPPED_WEIGHTS
    """Where the best model (by worst held-out attribute) is also written; None to keep it in out_dir."""
    init_from: Path | None = None
    """Evaluator weights (e.g. the shipped ones) a fresh run starts from instead of random ones: after
    a change to the world, fine-tuning keeps what still holds. Ignored when resuming a run."""
    steps: int = 20000
    """Optimiser steps in total (the lr schedule spans them)."""
    batch_size: int = 32
    lr: float = 2e-3
    weight_decay: float = 0.05
    warmup: int = 300
    label_smoothing: float = 0.05
    hard_gamma: float = 0.0
    """Weight each clip's loss on an attribute by ``(1 - p)^hard_gamma`` (p: the probability the
    network gives the true class), rescaled to mean 1 over the batch (``attribute_loss``); 0 weighs
    every clip alike. Measured once (session 22): 2,800 steps at 0.5 from the shipped v29 read as the
    plain continuation before it had (held-out 600: mean 0.9688 either way, subject motion 0.910
    against 0.915), so the default stays 0."""
    hard_replay: int = 0
    """Examples of each batch (taken from the ring's share) replaced by replays of the hardest
    examples of recent batches (``hard_examples.py``); the same number of each batch's hardest are
    kept for replay. 0: no replay. Measured once (session 26): 2,200 steps at 6 from the shipped v30
    gave v34, +0.005 on subject motion on 1,800 fresh clips and level in the mean (no plain
    continuation ran beside it to tell replay from the extra steps); the batch loss rose as the buffer
    filled with clips that stay hard. Off by default until a controlled run says more."""
    hard_buffer: int = 512
    """How many hard examples are kept for replay (oldest out first)."""
    fresh_per_batch: int = 16
    """Newly rendered clips per batch; the rest are re-corrupted from the ring of recent clips."""
    ring: int = 2048
    """How many recent rendered clips (raw frames) the worker keeps for reuse."""
    max_duration_s: float = 8.0
    """Longest clip drawn (1 s is the shortest); the evaluator's frames span the whole clip."""
    heldout_clips: int = 200
    """Clips of the held-out seed stream rendered once, uncorrupted, for the logged accuracy."""
    eval_every: int = 250
    checkpoint_every_s: float = 180.0
    log_every: int = 25
    threads: int = 1
    """Torch threads for the optimiser process (each clip-rendering worker uses one). One keeps a
    core free on a shared 2-core machine; 2 when the machine is otherwise idle."""
    render_workers: int = 1
    """Processes rendering training clips. One on a 2-core CPU; on a GPU machine most of its cores,
    since a step there costs far less than rendering its 16 fresh clips."""
    device: str = "cpu"
    """Where the network trains: cpu, or cuda when a GPU is lent."""
    bf16: bool = True
    """Allow bf16 autocast where the CPU runs it natively (``generation.precision``). Where it does
    not (the AVX2-only AMD EPYC of sessions 1-9), bf16 convolutions measured 8-30x slower than fp32
    with torch 2.13.0+cpu, so fp32 runs there; the AVX-512 BF16 EPYC of session 10 runs bf16."""
    mask_weight: float = 1.0
    """Weight of the subject-mask loss (per-cell binary cross-entropy against the renderer's subject
    cover) beside the attribute losses; used when the model has the subject branch."""
    branch_lr_scale: float = 5.0
    """Learning-rate factor for the parameters a run's starting weights lack (a branch added since,
    such as the subject branch or the motion mixer): they start from nothing while the rest only
    needs nudging."""
    segmenter_init: Path | None = None
    """Weights of a subject segmenter trained alone (``train_segmenter``) that a fresh run's
    segmenter starts from; its gate still starts at zero. Ignored when resuming a run."""
    model: EvaluatorConfig = field(default_factory=EvaluatorConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)


# ------------------------------------------------------------------------------------------------
# Clip stream
# ------------------------------------------------------------------------------------------------


class ClipStream(IterableDataset):
    """Endless batches ``(x (B, 3, T, S, S) float32, y (B, n_attributes) int64, cover (B, T, C, C) or
    (B, 0) without the subject branch)`` of training clips, starting at clip index ``start`` of the
    training seed stream."""

    def __init__(self, cfg: TrainConfig, start: int, render: Callable[..., FrameSample] = render_draw):
        self.cfg, self.start, self.render = cfg, start, render

    def _render(self, draw: ClipDraw, index: int, failures: RenderFailures) -> FrameSample | None:
        """The clip of ``draw`` (the ``index``-th of the training stream), or None when the renderer
        fails on it: then it is reported and skipped (``render_failures``)."""
        failures.attempt()
        try:
            return self.render(draw, self.cfg.model, cover=self.cfg.model.subject_track, opening_s=0.0)
        except Exception as exc:  # noqa: BLE001 - any renderer error: report and skip this one clip
            failures.skip(exc, str(index), f"clip_source.draw_clip(TRAIN_STREAM, {index}, max_duration_s="
                                           f"{self.cfg.max_duration_s}): {draw.spec.model_dump_json()}")
            return None

    def __iter__(self):
        torch.set_num_threads(1)
        info = get_worker_info()
        wid, nw = (info.id, info.num_workers) if info else (0, 1)
        cfg, heads = self.cfg, self.cfg.model.heads
        swap = list(mirror_index(heads).values())
        rng = np.random.default_rng([TRAIN_STREAM, 10**9 + self.start, wid])
        ring: list[tuple[FrameSample, list[int]]] = []
        index = self.start + wid
        failures = RenderFailures()
        while True:
            xs, ys, ms = [], [], []
            while len(xs) < cfg.fresh_per_batch:
                draw = draw_clip(TRAIN_STREAM, index, max_duration_s=cfg.max_duration_s)
                frames = self._render(draw, index, failures)
                index += nw
                if frames is None:
                    continue
                labels = list(spec_labels(draw.spec, heads).values())
                if len(ring) < cfg.ring:
                    ring.append((frames, labels))
                else:
                    ring[int(rng.integers(cfg.ring))] = (frames, labels)
                x, m, seen = maybe_mirror(*make_training_example(frames, cfg.model, cfg.augment, rng), labels, swap,
                                          cfg.augment, rng)
                xs.append(x), ms.append(m), ys.append(seen)
            for _ in range(cfg.batch_size - cfg.fresh_per_batch):
                frames, labels = ring[int(rng.integers(len(ring)))]
                x, m, seen = maybe_mirror(*make_training_example(frames, cfg.model, cfg.augment, rng), labels, swap,
                                          cfg.augment, rng)
                xs.append(x), ms.append(m), ys.append(seen)
            yield torch.stack(xs), torch.tensor(ys, dtype=torch.int64), torch.stack(ms)


def heldout_set(cfg: TrainConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """The first ``heldout_clips`` clips of the held-out stream, uncorrupted: (N, 3, T, S, S), (N, A).
    Rendered once per run and kept in ``out_dir/heldout.safetensors`` so a resume starts at once."""
    from safetensors.torch import load_file, save_file

    cache = cfg.out_dir / "heldout.safetensors"
    if cache.is_file():
        saved = load_file(str(cache))
        if saved["x"].shape[0] == cfg.heldout_clips and tuple(saved["x"].shape[1:]) == (
            cfg.model.input_channels, cfg.model.num_frames, cfg.model.size, cfg.model.size
        ):
            return saved["x"], saved["y"]
    xs, ys = [], []
    for i in range(cfg.heldout_clips):
        draw = draw_clip(HELDOUT_STREAM, i, max_duration_s=cfg.max_duration_s)
        xs.append(prepare_clip(render_draw(draw, cfg.model, opening_s=0.0), cfg.model.num_frames, cfg.model.size, cfg.model.film_diff))
        ys.append(list(spec_labels(draw.spec, cfg.model.heads).values()))
    x, y = torch.stack(xs), torch.tensor(ys, dtype=torch.int64)
    save_file({"x": x, "y": y}, str(cache))
    return x, y


def attribute_loss(logits: torch.Tensor, target: torch.Tensor, label_smoothing: float, hard_gamma: float) -> torch.Tensor:
    """Cross-entropy of one attribute's logits (B, K) against its classes (B,), each clip weighted
    by ``(1 - p)^hard_gamma`` and the weights rescaled to mean 1.

    Why: after 40,000 steps the evaluator reads most clips right with p > 0.95, and their plain
    cross-entropy still makes up most of the batch's gradient; the misses that remain (a flier
    against a pan read as still, wispy cloud read as none) are few per batch. Like the focal loss of
    dense detection, this shifts the gradient toward them; unlike it, the rescaling (and weights
    held out of the gradient) keeps the loss's scale, so the learning rate means what it meant."""
    ce = F.cross_entropy(logits, target, label_smoothing=label_smoothing, reduction="none")
    if hard_gamma <= 0.0:
        return ce.mean()
    with torch.no_grad():
        p = torch.softmax(logits.float(), dim=-1).gather(1, target[:, None])[:, 0]
        weight = (1.0 - p).clamp_min(0.0).pow(hard_gamma)
        weight = weight / weight.mean().clamp_min(1e-8)
    return (ce * weight).mean()


@torch.no_grad()
def accuracy(model: Evaluator, x: torch.Tensor, y: torch.Tensor, bf16: bool, batch: int = 100,
             device: str = "cpu") -> dict[str, float]:
    """Per-attribute accuracy of ``model`` (on ``device``) on prepared clips ``x`` with labels ``y`` (N, A)."""
    model.eval()
    correct = torch.zeros(y.shape[1])
    for i in range(0, len(x), batch):
        with choose_precision(device, bf16).autocast():
            logits, _ = model(x[i : i + batch].to(device))
        pred = torch.stack([l.argmax(-1) for l in logits.values()], dim=1).cpu()
        correct += (pred == y[i : i + batch]).float().sum(0)
    model.train()
    return {name: float(c) / len(x) for name, c in zip(model.config.heads, correct)}


# ------------------------------------------------------------------------------------------------
# Checkpoints (safetensors only)
# ------------------------------------------------------------------------------------------------


def save_state(path: Path, model: Evaluator, opt: torch.optim.Optimizer, counters: dict) -> None:
    """Model weights, AdamW moments and counters in one safetensors file, written atomically."""
    from safetensors.torch import save_file

    tensors = {f"model.{k}": v.detach().cpu().clone() for k, v in model.state_dict().items()}
    for i, st in opt.state_dict()["state"].items():
        for k, v in st.items():
            tensors[f"opt.{i}.{k}"] = torch.as_tensor(v).detach().cpu().clone().reshape(-1) if k == "step" else v.detach().cpu().clone()
    meta = {"counters": json.dumps(counters), "config": model.config.to_json()}
    tmp = path.with_suffix(".tmp")
    save_file(tensors, str(tmp), metadata=meta)
    tmp.replace(path)


def _read_state(path: Path) -> tuple[dict[str, str], dict[str, torch.Tensor]]:
    """The metadata and every tensor of a state written by ``save_state``."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        return f.metadata(), {k: f.get_tensor(k) for k in f.keys()}


def _model_weights(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The network's part of a state's tensors, under the network's own names."""
    return {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}


def load_state(path: Path, model: Evaluator, opt: torch.optim.Optimizer) -> dict:
    """Restore what ``save_state`` wrote; returns the counters."""
    meta, tensors = _read_state(path)
    model.load_state_dict(_model_weights(tensors))
    sd = opt.state_dict()
    state: dict[int, dict] = {}
    for k, v in tensors.items():
        if k.startswith("opt."):
            _, i, name = k.split(".", 2)
            state.setdefault(int(i), {})[name] = v.reshape(()) if name == "step" else v
    sd["state"] = state
    opt.load_state_dict(sd)
    return json.loads(meta["counters"])


def export_last(run_dir: Path, out: Path) -> dict:
    """Write a run's latest state (not its best held-out checkpoint) as a loadable evaluator at
    ``out``, with the same metadata ``best.safetensors`` carries. The best is chosen on 200 held-out
    clips, a noisy pick (one clip is 0.005); the end of a cosine schedule is often as good, and only
    a benchmark on more clips can tell (session 14: 0.917 best against 0.925 last on 600 clips)."""
    state = Path(run_dir) / "state.safetensors"
    if not state.is_file():
        raise InputError(f"no training state at {state}; point --out at a run folder")
    meta, tensors = _read_state(state)
    model = Evaluator(EvaluatorConfig.from_json(meta["config"]))
    model.load_state_dict(_model_weights(tensors))
    counters = json.loads(meta["counters"])
    extra = {"steps": str(counters["step"]), "train_s": f"{counters['train_s']:.0f}",
             "train_clips_rendered": str(counters["clips"])}
    save_evaluator(model, Path(out), extra)
    return extra


# ------------------------------------------------------------------------------------------------
# Loop
# ------------------------------------------------------------------------------------------------


def load_segmenter(model: Evaluator, path: Path) -> None:
    """Put a separately trained segmenter's weights (``train_segmenter``) into ``model``'s segmenter."""
    from safetensors.torch import load_file

    if model.segmenter is None:
        raise InputError("--segmenter-init: this evaluator has no segmenter (see EvaluatorConfig.segmenter)")
    if not Path(path).is_file():
        raise InputError(f"--segmenter-init {path}: no such file; train one with python -m generation.eval.train_segmenter")
    try:
        model.segmenter.load_state_dict(load_file(str(path)))
    except (RuntimeError, OSError) as exc:
        raise InputError(f"--segmenter-init {path}: not a segmenter's weights ({exc})") from exc


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warmup, then cosine decay to 5 % of the peak."""
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    p = min(1.0, (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup))
    return cfg.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * p)))


def train(cfg: TrainConfig) -> dict:
    if not 0 <= cfg.hard_replay <= cfg.batch_size - cfg.fresh_per_batch:
        raise InputError(f"--hard-replay {cfg.hard_replay}: replays take the ring's share of a batch, "
                         f"0 to {cfg.batch_size - cfg.fresh_per_batch}")
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(0)
    cfg.out_dir.mkdir(parents=True, exist_ok=True)
    log = (cfg.out_dir / "log.jsonl").open("a")
    model = Evaluator(cfg.model).to(cfg.device)
    # parts the start lacks (a new branch) learn faster while the rest only needs nudging (``branch_lr_scale``)
    start = None
    if cfg.init_from is not None:
        try:
            start = load_evaluator(cfg.init_from)
        except (InputError, ModelUnavailable) as exc:
            raise InputError(f"--init {cfg.init_from}: {exc}") from exc
    new_names = model.parameters_new_to(start) if start is not None else set()
    groups = []
    for in_branch in (False, True):
        named = [(n, p) for n, p in model.named_parameters() if (n in new_names) == in_branch]
        for decays in (True, False):
            params = [p for n, p in named if (p.ndim > 1) == decays]
            if params:
                groups.append({"params": params, "weight_decay": cfg.weight_decay if decays else 0.0,
                               "lr_scale": cfg.branch_lr_scale if in_branch else 1.0})
    opt = torch.optim.AdamW(groups, lr=cfg.lr)
    state_path = cfg.out_dir / "state.safetensors"
    counters = {"step": 0, "clips": 0, "train_s": 0.0, "best_min_acc": -1.0}
    if state_path.exists():
        counters = load_state(state_path, model, opt)
        print(f"resumed at step {counters['step']}", flush=True)
    elif start is not None:
        # what the start lacks (peak branch, film-difference channels, wider stages) stays at its
        # zero init: same scores
        try:
            if start.config.widths != cfg.model.widths:
                start = widen(start, cfg.model.widths)
            model.load_start(start)
        except InputError as exc:
            raise InputError(f"--init {cfg.init_from}: {exc}; train from scratch or pass matching --size/--frames/--widths") from exc
        print(f"starting from {cfg.init_from}", flush=True)
    if cfg.segmenter_init is not None and counters["step"] == 0:
        load_segmenter(model, cfg.segmenter_init)
        print(f"segmenter from {cfg.segmenter_init}", flush=True)
    hx, hy = heldout_set(cfg)
    loader = DataLoader(ClipStream(cfg, counters["clips"]), batch_size=None, num_workers=cfg.render_workers,
                        prefetch_factor=4, persistent_workers=True)
    hard = HardExamples(cfg.hard_buffer, list(mirror_index(cfg.model.heads).values()), seed=counters["step"]) \
        if cfg.hard_replay else None
    last_ckpt = time.time()
    t0 = time.time()
    base_train_s = counters["train_s"]
    model.train()
    for x, y, cover in loader:
        step = counters["step"]
        if step >= cfg.steps:
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(step, cfg) * g.get("lr_scale", 1.0)
        if hard is not None and len(hard) >= cfg.hard_replay:
            replay = hard.draw(cfg.hard_replay)  # in place of the last ring examples of the batch
            x = torch.cat([x[: -cfg.hard_replay], replay.x])
            y = torch.cat([y[: -cfg.hard_replay], replay.y])
            cover = torch.cat([cover[: -cfg.hard_replay], replay.cover])
        x, y = x.to(cfg.device), y.to(cfg.device)
        with choose_precision(cfg.device, cfg.bf16).autocast():
            logits, _, reading = model.forward_with_masks(x)
        losses = [attribute_loss(l, y[:, i], cfg.label_smoothing, cfg.hard_gamma) for i, l in enumerate(logits.values())]
        mask_loss = segmenter_loss = None
        if reading is not None:
            cover = cover.to(cfg.device)  # (B, T, C, C): the mask grid, or twice it for the segmenter
            mask_loss = model.track.mask_loss(reading.logits, at_mask_grid(cover, reading.logits.shape[-1]))
            losses.append(cfg.mask_weight * mask_loss)
            if reading.fine is not None:  # the segmenter keeps learning its own mask, whatever its gate
                segmenter_loss = model.track.mask_loss(reading.fine, cover)
                losses.append(cfg.mask_weight * segmenter_loss)
        if hard is not None:
            hard.add_hardest(x, y, cover, example_losses(logits, y), cfg.hard_replay)
        loss = torch.stack(losses).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 2.0)
        if torch.isfinite(norm):
            opt.step()
        else:  # one bad batch must not poison the weights of a run that takes hours
            counters["skipped"] = counters.get("skipped", 0) + 1
            log.write(json.dumps({"step": step + 1, "skipped": "non-finite gradient"}) + "\n")
        counters["step"] = step + 1
        counters["clips"] += cfg.fresh_per_batch
        counters["train_s"] = base_train_s + time.time() - t0
        if counters["step"] % cfg.log_every == 0:
            row = {"step": counters["step"], "loss": round(loss.item(), 4), "lr": lr_at(step, cfg),
                   "train_s": round(counters["train_s"], 1),
                   "losses": {n: round(l.item(), 3) for n, l in zip(logits, losses)}}
            if mask_loss is not None:
                row["mask_loss"] = round(mask_loss.item(), 4)
            if segmenter_loss is not None:
                row["segmenter_loss"] = round(segmenter_loss.item(), 4)
                row["segment_gate"] = round(model.segment_gate.item(), 4)
            log.write(json.dumps(row) + "\n")
            log.flush()
        if counters["step"] % cfg.eval_every == 0 or counters["step"] == cfg.steps:
            acc = accuracy(model, hx, hy, cfg.bf16, device=cfg.device)
            worst = min(acc.values())
            log.write(json.dumps({"step": counters["step"], "heldout": acc, "worst": worst,
                                  "train_s": round(counters["train_s"], 1)}) + "\n")
            log.flush()
            print(f"step {counters['step']} loss {loss.item():.3f} worst {worst:.3f} {acc}", flush=True)
            if worst >= counters["best_min_acc"]:
                counters["best_min_acc"] = worst
                extra = {"heldout_accuracy": json.dumps(acc), "steps": str(counters["step"]),
                         "train_s": f"{counters['train_s']:.0f}", "train_clips_rendered": str(counters["clips"])}
                save_evaluator(model, cfg.out_dir / "best.safetensors", extra)
                if cfg.export_to is not None:
                    save_evaluator(model, Path(cfg.export_to), extra)
        if time.time() - last_ckpt > cfg.checkpoint_every_s:
            save_state(state_path, model, opt, counters)
            last_ckpt = time.time()
    save_state(state_path, model, opt, counters)
    return counters


def parse_widths(text: str) -> tuple[int, ...]:
    """``--widths 64,80,96,128`` -> (64, 80, 96, 128)."""
    try:
        widths = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"widths are comma-separated channel counts such as 32,48,96,128, got {text!r}") from None
    if len(widths) < 2 or min(widths) < 1:
        raise argparse.ArgumentTypeError(f"give the stem's and at least one stage's channels, each at least 1, got {text!r}")
    return widths


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=TrainConfig.out_dir)
    ap.add_argument("--export-last", type=Path, default=None, metavar="PATH",
                    help="do not train: write the run's latest state in --out as an evaluator checkpoint at PATH")
    ap.add_argument("--steps", type=int, default=TrainConfig.steps)
    ap.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    ap.add_argument("--fresh-per-batch", type=int, default=TrainConfig.fresh_per_batch)
    ap.add_argument("--lr", type=float, default=TrainConfig.lr)
    ap.add_argument("--no-export", action="store_true", help="keep the best model in --out only")
    ap.add_argument("--init", type=Path, default=None,
                    help="start a new run from these evaluator weights (e.g. the shipped ones) instead of random ones")
    ap.add_argument("--warmup", type=int, default=TrainConfig.warmup, help="lr warm-up steps")
    ap.add_argument("--threads", type=int, default=TrainConfig.threads, help="torch threads for the optimiser")
    ap.add_argument("--render-workers", type=int, default=TrainConfig.render_workers,
                    help="processes rendering training clips (a GPU machine wants most of its cores)")
    ap.add_argument("--device", default=TrainConfig.device, help="cpu, or cuda when a GPU is lent")
    ap.add_argument("--size", type=int, default=EvaluatorConfig.size, help="canvas side in pixels")
    ap.add_argument("--frames", type=int, default=EvaluatorConfig.num_frames, help="frames read per clip")
    ap.add_argument("--widths", type=parse_widths, default=EvaluatorConfig.widths, metavar="C0,C1,...",
                    help="channels of the stem and of each stage (EvaluatorConfig.widths); wider than the --init "
                         "weights' grows them (generation/eval/widen.py), scoring as they did until trained")
    ap.add_argument("--film-diff", action=argparse.BooleanOptionalAction, default=EvaluatorConfig.film_diff,
                    help="read each sample with the film frame before it (EvaluatorConfig.film_diff; --no-film-diff "
                         "also turns --flow off)")
    ap.add_argument("--flow", action=argparse.BooleanOptionalAction, default=EvaluatorConfig.flow,
                    help="read local motion from each film-frame pair (EvaluatorConfig.flow)")
    ap.add_argument("--flow-background", choices=FLOW_BACKGROUNDS, default=EvaluatorConfig.flow_background,
                    help="what subject motion is measured against (EvaluatorConfig.flow_background)")
    ap.add_argument("--subject-track", action=argparse.BooleanOptionalAction, default=EvaluatorConfig.subject_track,
                    help="predict a subject mask and read the subject's track from it (EvaluatorConfig.subject_track)")
    ap.add_argument("--motion-mixer", action=argparse.BooleanOptionalAction, default=EvaluatorConfig.motion_mixer,
                    help="read the subject track and the flow summary together through a small MLP (EvaluatorConfig.motion_mixer)")
    ap.add_argument("--mask-context", action=argparse.BooleanOptionalAction, default=EvaluatorConfig.mask_context,
                    help="let the subject mask read the deeper stages too (EvaluatorConfig.mask_context)")
    ap.add_argument("--mixer-standardized", action=argparse.BooleanOptionalAction, default=EvaluatorConfig.mixer_standardized,
                    help="let the motion mixer also read its inputs scaled to unit spread over clips (EvaluatorConfig.mixer_standardized)")
    ap.add_argument("--segmenter", action=argparse.BooleanOptionalAction, default=EvaluatorConfig.segmenter,
                    help="find the subject with a segmenter of its own too (EvaluatorConfig.segmenter)")
    ap.add_argument("--segmenter-init", type=Path, default=None, metavar="PATH",
                    help="start the segmenter from these weights (python -m generation.eval.train_segmenter)")
    ap.add_argument("--mask-weight", type=float, default=TrainConfig.mask_weight, help="weight of the subject-mask loss")
    ap.add_argument("--branch-lr-scale", type=float, default=TrainConfig.branch_lr_scale,
                    help="lr factor for the parameters the --init weights lack")
    ap.add_argument("--hard-gamma", type=float, default=TrainConfig.hard_gamma,
                    help="weigh clips the network reads with less confidence more: (1 - p)^gamma, mean 1 (0: all alike)")
    ap.add_argument("--hard-replay", type=int, default=TrainConfig.hard_replay,
                    help="examples of each batch replayed from the hardest of recent batches (0: none)")
    ap.add_argument("--hard-buffer", type=int, default=TrainConfig.hard_buffer,
                    help="hard examples kept for replay")
    ap.add_argument("--max-duration", type=float, default=TrainConfig.max_duration_s, help="longest clip, seconds")
    ap.add_argument("--soften-max", type=float, default=AugmentConfig.soften_max)
    ap.add_argument("--blur-max", type=float, default=AugmentConfig.blur_sigma_max)
    ap.add_argument("--noise-max", type=float, default=AugmentConfig.noise_max)
    args = ap.parse_args(argv)
    if args.export_last is not None:
        print(json.dumps(export_last(args.out, args.export_last)))
        return
    cfg = TrainConfig(out_dir=args.out, steps=args.steps, batch_size=args.batch_size, lr=args.lr, threads=args.threads,
                      init_from=args.init, warmup=args.warmup, render_workers=args.render_workers, device=args.device,
                      fresh_per_batch=args.fresh_per_batch, export_to=None if args.no_export else SHIPPED_WEIGHTS,
                      max_duration_s=args.max_duration, mask_weight=args.mask_weight, branch_lr_scale=args.branch_lr_scale,
                      segmenter_init=args.segmenter_init, hard_gamma=args.hard_gamma,
                      hard_replay=args.hard_replay, hard_buffer=args.hard_buffer,
                      model=EvaluatorConfig(num_frames=args.frames, size=args.size, widths=args.widths, film_diff=args.film_diff,
                                            flow=args.flow and args.film_diff, flow_background=args.flow_background,
                                            subject_track=args.subject_track, motion_mixer=args.motion_mixer,
                                            mask_context=args.mask_context, mixer_standardized=args.mixer_standardized,
                                            segmenter=args.segmenter),
                      augment=AugmentConfig(soften_max=args.soften_max, blur_sigma_max=args.blur_max, noise_max=args.noise_max))
    (cfg.out_dir).mkdir(parents=True, exist_ok=True)
    (cfg.out_dir / "train_config.json").write_text(json.dumps(asdict(cfg), default=str, indent=2))
    print(json.dumps(train(cfg)))


if __name__ == "__main__":
    main()
