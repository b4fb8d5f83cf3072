"""Train the built-in generator on the procedural world: the autoencoder, then the DiT on its latents.

    python -m generation.train --preset tiny --stage all --out runs/generator
    torchrun --nproc_per_node 2 -m generation.train --preset tiny --stage dit     # DDP, unchanged
    reelgraph train --preset tiny --stage all                                     # the same, via the CLI

Reads top to bottom: config -> DDP -> data -> init or resume -> loop -> checkpoint/export. Every
checkpoint is safetensors + JSON under ``--out`` (resumable; the optimizer's moments too), and after
each DiT checkpoint a ready-to-load generator folder is exported to ``<out>/export`` (EMA weights).
Clips are rendered live by the world, so there is nothing to download or shard.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

import torch
import torch.distributed as dist

from generation.autoencoder import AE_PRESETS, VideoAutoencoder, latent_frames
from generation.checkpoint import GeneratorConfig, load_state, save_generator
from generation.dit import DiT, DiT_models
from generation.flow import FlowConfig, flow_matching_loss
from generation.precision import choose_precision
from generation.training.data import ClipSpec, LatentReplay, WorldClips
from generation.training.state import EMA, StageState, resume_stage, save_stage

Stage = Literal["autoencoder", "dit", "all"]


@dataclass
class TrainConfig:
    """One training run. Presets fill it; the CLI only overrides a few fields."""

    preset: str = "tiny"
    """Model sizes and batch recipe: tiny (CPU), small (GPU or long CPU runs), test (seconds)."""
    stage: Stage = "all"
    """autoencoder, dit, or all (autoencoder until ``ae_steps``, then the DiT)."""
    out: Path = Path("runs/generator")
    """Checkpoint folder (git-ignored); ``<out>/export`` gets the loadable generator."""
    ae_steps: int = 4000
    """Autoencoder steps before the DiT stage starts (stage all)."""
    dit_steps: int = 1_000_000
    """DiT steps to stop at."""
    max_minutes: float = 0.0
    """Stop (after a checkpoint) once this much wall time passed in this run; 0 = no limit."""
    ae_batch: int = 4
    dit_batch: int = 16
    ae_lr: float = 1e-3
    dit_lr: float = 3e-4
    warmup: int = 200
    ema_decay: float = 0.999
    ae_shapes: list[ClipSpec] = field(default_factory=lambda: [ClipSpec(64, 64, 9), ClipSpec(64, 64, 1), ClipSpec(96, 56, 5)])
    ae_weights: list[float] = field(default_factory=lambda: [0.7, 0.1, 0.2])
    dit_shapes: list[ClipSpec] = field(default_factory=lambda: [
        ClipSpec(128, 72, 25), ClipSpec(128, 72, 17), ClipSpec(128, 72, 9), ClipSpec(128, 72, 1), ClipSpec(72, 128, 9)])
    """Clip shapes of the DiT stage; 25 frames = 7 latent frames = one generation window."""
    dit_weights: list[float] = field(default_factory=lambda: [0.35, 0.25, 0.15, 0.15, 0.1])
    caption_dropout: float = 0.1
    """Probability of training on the empty prompt (what classifier-free guidance subtracts)."""
    replay_capacity: int = 4000
    replay_reuse: float = 8.0
    """How many times, on average, an encoded clip is trained on before it is replaced (data prep costs
    about as much as a DiT step on a CPU)."""
    latent_penalty: float = 1e-3
    """Weight of mean(z^2) in the autoencoder loss: keeps latents near unit scale for the DiT."""
    checkpoint_minutes: float = 4.0
    log_every: int = 20
    seed: int = 0
    threads: int = 1
    allow_bf16: bool = True


PRESETS: dict[str, dict] = {
    "tiny": dict(ae_steps=1000),  # the recipe of the first shipped checkpoint (2026-11-25)
    "small": dict(ae_batch=8, dit_batch=32, ae_steps=20000,
                  dit_shapes=[ClipSpec(128, 72, 17), ClipSpec(256, 144, 17), ClipSpec(128, 72, 1), ClipSpec(72, 128, 17)],
                  dit_weights=[0.5, 0.2, 0.15, 0.15]),
    "test": dict(ae_batch=2, dit_batch=2, ae_steps=2, dit_steps=2, warmup=1, checkpoint_minutes=0.0, log_every=1,
                 ae_shapes=[ClipSpec(32, 32, 9)], ae_weights=[1.0], dit_shapes=[ClipSpec(32, 32, 9)], dit_weights=[1.0],
                 replay_capacity=8),
}
MODEL_SIZE = {"tiny": "tiny", "small": "small", "test": "test"}


def build_config(preset: str, **overrides) -> TrainConfig:
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    cfg = replace(TrainConfig(preset=preset), **PRESETS[preset])
    return replace(cfg, **{k: v for k, v in overrides.items() if v is not None})


def model_configs(preset: str):
    """(AutoencoderConfig, DiTConfig) of a preset; ``test`` is one block, head dim 8."""
    from generation.autoencoder import AutoencoderConfig
    from generation.dit import DiTConfig

    if preset == "test":
        return (AutoencoderConfig(latent_channels=4, channels=(4, 8, 8, 16), low_res_blocks=1),
                DiTConfig(latent_channels=4, width=16, depth=1, heads=2))
    ae = AE_PRESETS[preset]()
    return ae, DiT_models[preset](ae.latent_channels)


# ----------------------------------------------------------------------------------------------
#                                    DDP
# ----------------------------------------------------------------------------------------------


@dataclass
class Dist:
    rank: int
    world: int
    device: torch.device

    @property
    def main(self) -> bool:
        return self.rank == 0


def setup_distributed() -> Dist:
    """torchrun sets RANK/WORLD_SIZE/LOCAL_RANK; gloo on CPU, nccl on CUDA. Single process otherwise."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank = dist.get_rank() if world > 1 else 0
    local = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(f"cuda:{local}") if torch.cuda.is_available() else torch.device("cpu")
    return Dist(rank=rank, world=world, device=device)


def wrap(model: torch.nn.Module, d: Dist) -> torch.nn.Module:
    if d.world == 1:
        return model
    from torch.nn.parallel import DistributedDataParallel as DDP

    return DDP(model, device_ids=[d.device.index] if d.device.type == "cuda" else None)


# ----------------------------------------------------------------------------------------------
#                                    Shared loop pieces
# ----------------------------------------------------------------------------------------------


class Logger:
    """Loss lines to stdout and ``<stage>/log.jsonl`` (rank 0 only)."""

    def __init__(self, folder: Path, enabled: bool):
        self.enabled = enabled
        if enabled:
            folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "log.jsonl"

    def __call__(self, **row) -> None:
        if not self.enabled:
            return
        row["time"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        with self.path.open("a") as f:
            f.write(json.dumps(row) + "\n")
        print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()), flush=True)


def lr_at(step: int, base: float, warmup: int) -> float:
    return base * min(1.0, (step + 1) / max(1, warmup))


def config_json(cfg: TrainConfig) -> dict:
    d = asdict(cfg)
    d["out"] = str(cfg.out)
    return d


def _stop(cfg: TrainConfig, t_start: float) -> bool:
    return cfg.max_minutes > 0 and time.time() - t_start > 60 * cfg.max_minutes


# ----------------------------------------------------------------------------------------------
#                                    Stage 1: autoencoder
# ----------------------------------------------------------------------------------------------


def train_autoencoder(cfg: TrainConfig, d: Dist, t_start: float) -> bool:
    """Train until ``ae_steps``; returns True when the stage is finished."""
    folder = cfg.out / "autoencoder"
    ae_cfg, _ = model_configs(cfg.preset)
    torch.manual_seed(cfg.seed)
    model = VideoAutoencoder(ae_cfg).to(d.device).to(memory_format=torch.channels_last)
    ema = EMA(model, cfg.ema_decay)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.ae_lr, weight_decay=0.0, betas=(0.9, 0.99))
    state = resume_stage(folder, model, ema, opt) or StageState()
    if state.step >= cfg.ae_steps:
        return True
    prec = choose_precision(d.device, cfg.allow_bf16)
    log = Logger(folder, d.main)
    net = wrap(model, d)
    data = WorldClips(cfg.seed + 1000 * state.step, d.rank).batches(cfg.ae_shapes, cfg.ae_weights, cfg.ae_batch)
    noise = torch.Generator().manual_seed(cfg.seed + state.step)
    last_ckpt, t_run, window = time.time(), time.time(), []
    while state.step < cfg.ae_steps:
        x, _ = next(data)
        x = x.to(d.device)
        for g in opt.param_groups:
            g["lr"] = lr_at(state.step, cfg.ae_lr, cfg.warmup)
        with prec.autocast():
            y, z = net(x, noise)
        y = y.float()
        mse = (y - x).pow(2).mean()
        loss = (y - x).abs().mean() + mse + cfg.latent_penalty * z.float().pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        ema.update(model, state.step)
        state.step += 1
        state.clips_seen += x.shape[0] * d.world
        window.append((loss.item(), 10 * math.log10(4.0 / max(mse.item(), 1e-10))))
        if state.step % cfg.log_every == 0 or state.step == cfg.ae_steps:
            dt = time.time() - t_run
            state.elapsed_s += dt
            t_run = time.time()
            state.last_loss = sum(w[0] for w in window) / len(window)
            psnr = sum(w[1] for w in window) / len(window)
            log(stage="autoencoder", step=state.step, loss=state.last_loss, psnr_db=psnr, z_rms=z.float().pow(2).mean().sqrt().item(),
                s_per_step=dt / len(window), precision=prec.name, clips=state.clips_seen)
            state.extra["psnr_db"] = psnr
            window = []
        done = state.step >= cfg.ae_steps
        if d.main and (done or _stop(cfg, t_start) or time.time() - last_ckpt > 60 * cfg.checkpoint_minutes):
            save_stage(folder, model, ema, opt, state, config_json(cfg) | {"model": ae_cfg.to_dict()})
            last_ckpt = time.time()
        if _stop(cfg, t_start):
            return False
    return True


# ----------------------------------------------------------------------------------------------
#                                    Stage 2: diffusion transformer
# ----------------------------------------------------------------------------------------------


def load_trained_autoencoder(cfg: TrainConfig, device: torch.device) -> VideoAutoencoder:
    """The EMA autoencoder of stage 1, frozen."""
    ae_cfg, _ = model_configs(cfg.preset)
    ae = VideoAutoencoder(ae_cfg)
    ae.load_state_dict(load_state(cfg.out / "autoencoder" / "ema.safetensors"))
    return ae.eval().requires_grad_(False).to(device).to(memory_format=torch.channels_last)


@torch.no_grad()
def latent_stats(ae: VideoAutoencoder, clips: WorldClips, shape: ClipSpec, n: int, device) -> tuple[list[float], list[float]]:
    """Per-channel mean and std of latents over ``n`` world clips."""
    zs = []
    for x, _ in clips.batches([shape], [1.0], 4):
        zs.append(ae.encode(x.to(device)).float().transpose(0, 1).flatten(1))  # (C, N)
        if 4 * len(zs) >= n:
            break
    z = torch.cat(zs, dim=1)
    return z.mean(1).tolist(), z.std(1).clamp(min=1e-3).tolist()


def train_dit(cfg: TrainConfig, d: Dist, t_start: float) -> bool:
    from generation.text_encoder import TextEncoder, TextStates, pad_text

    folder = cfg.out / "dit"
    ae_cfg, dit_cfg = model_configs(cfg.preset)
    ae = load_trained_autoencoder(cfg, d.device)
    torch.manual_seed(cfg.seed)
    model = DiT(dit_cfg).to(d.device)
    ema = EMA(model, cfg.ema_decay)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.dit_lr, weight_decay=0.0, betas=(0.9, 0.99))
    state = resume_stage(folder, model, ema, opt) or StageState()
    if state.step >= cfg.dit_steps:
        return True
    ae_step = json.loads((cfg.out / "autoencoder" / "state.json").read_text())["state"]["step"]
    if state.extra.setdefault("ae_step", ae_step) != ae_step:
        from reelgraph.errors import InputError

        raise InputError(f"{folder} was trained on the latents of autoencoder step {state.extra['ae_step']}, but the "
                         f"autoencoder is now at step {ae_step}; delete {folder} to retrain the DiT on the new latents")
    prec = choose_precision(d.device, cfg.allow_bf16)
    log = Logger(folder, d.main)
    clips = WorldClips(cfg.seed + 7 + 1000 * state.step, d.rank)
    if "latent_mean" not in state.extra:
        mean, std = latent_stats(ae, clips, cfg.dit_shapes[0], 64 if cfg.preset != "test" else 4, d.device)
        state.extra.update(latent_mean=mean, latent_std=std)
    mean = torch.tensor(state.extra["latent_mean"], device=d.device).reshape(1, -1, 1, 1, 1)
    std = torch.tensor(state.extra["latent_std"], device=d.device).reshape(1, -1, 1, 1, 1)
    text = TextEncoder(d.device)
    null = text.encode([""])
    replay = LatentReplay(cfg.replay_capacity, cfg.replay_reuse, cfg.seed + d.rank)
    flow = FlowConfig()
    net = wrap(model, d)
    rng = torch.Generator().manual_seed(cfg.seed + 31 * d.rank + state.step)
    weights = torch.tensor(cfg.dit_weights)
    last_ckpt, t_run, losses = time.time(), time.time(), []
    while state.step < cfg.dit_steps:
        shape = cfg.dit_shapes[int(torch.multinomial(weights, 1, generator=rng))]
        lat_shape = (ae_cfg.latent_channels, latent_frames(shape.num_frames), -(-shape.height // 8), -(-shape.width // 8))
        need = replay.needs(lat_shape, cfg.dit_batch)
        if need:
            batch = [clips.draw(shape) for _ in range(need)]
            from generation.autoencoder import frames_to_tensor
            import numpy as np

            x = frames_to_tensor(torch.from_numpy(np.stack([c.frames for c in batch]))).to(d.device)
            with torch.no_grad(), prec.autocast():
                z = (ae.encode(x).float() - mean) / std
            t_states = text.encode([c.caption for c in batch])
            replay.add(z.cpu(), t_states.states.cpu(), t_states.mask.cpu())
            state.clips_seen += need * d.world
        z0, states = replay.sample(lat_shape, cfg.dit_batch)
        drop = torch.rand(len(states), generator=rng) < cfg.caption_dropout
        items = [TextStates(null.states, null.mask) if drop[i] else
                 TextStates(s[None], torch.ones(1, s.shape[0], dtype=torch.bool)) for i, s in enumerate(states)]
        cond = pad_text(items).to(d.device)
        for g in opt.param_groups:
            g["lr"] = lr_at(state.step, cfg.dit_lr, cfg.warmup)
        with prec.autocast():
            loss = flow_matching_loss(net, z0.to(d.device), cond.states, cond.mask, flow, rng)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        ema.update(model, state.step)
        state.step += 1
        losses.append(loss.item())
        if state.step % cfg.log_every == 0 or state.step == cfg.dit_steps:
            dt = time.time() - t_run
            state.elapsed_s += dt
            t_run = time.time()
            state.last_loss = sum(losses) / len(losses)
            log(stage="dit", step=state.step, loss=state.last_loss, s_per_step=dt / len(losses), precision=prec.name,
                clips=state.clips_seen)
            losses = []
        done = state.step >= cfg.dit_steps
        if d.main and (done or _stop(cfg, t_start) or time.time() - last_ckpt > 60 * cfg.checkpoint_minutes):
            save_stage(folder, model, ema, opt, state, config_json(cfg) | {"model": dit_cfg.to_dict()})
            export(cfg, ae, ema.model, state)
            last_ckpt = time.time()
        if _stop(cfg, t_start):
            return False
    return True


def export(cfg: TrainConfig, ae: VideoAutoencoder, dit: DiT, state: StageState) -> Path:
    """Write ``<out>/export``: a generator folder ``Generator.load`` reads (EMA weights, fp32)."""
    ae_state = json.loads((cfg.out / "autoencoder" / "state.json").read_text())["state"]
    shape = cfg.dit_shapes[0]
    recipe = (f"preset {cfg.preset}; autoencoder {ae_state['step']} steps ({ae_state['elapsed_s'] / 3600:.2f} h, "
              f"recon PSNR {ae_state['extra'].get('psnr_db', float('nan')):.2f} dB); DiT {state.step} steps "
              f"({state.elapsed_s / 3600:.2f} h, flow loss {state.last_loss:.4f}), batch {cfg.dit_batch}, "
              f"clips {[(s.width, s.height, s.num_frames) for s in cfg.dit_shapes]}; world-rendered clips, "
              f"device {torch.cuda.get_device_name() if torch.cuda.is_available() else 'CPU'}; saved {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    gcfg = GeneratorConfig(autoencoder=ae.cfg, dit=dit.cfg, latent_mean=state.extra["latent_mean"],
                           latent_std=state.extra["latent_std"], train_width=shape.width, train_height=shape.height,
                           recipe=recipe)
    save_generator(cfg.out / "export", gcfg, ae, dit)
    return cfg.out / "export"


# ----------------------------------------------------------------------------------------------
#                                    Entry point
# ----------------------------------------------------------------------------------------------


def run(cfg: TrainConfig) -> None:
    """Run the configured stage(s) in this process (one rank of a DDP job under torchrun)."""
    torch.set_num_threads(cfg.threads)
    d = setup_distributed()
    t_start = time.time()
    try:
        finished = True
        if cfg.stage in ("autoencoder", "all"):
            finished = train_autoencoder(cfg, d, t_start)
            if d.world > 1:
                dist.barrier()
        if cfg.stage in ("dit", "all") and finished and not _stop(cfg, t_start):
            train_dit(cfg, d, t_start)
    finally:
        if d.world > 1 and dist.is_initialized():
            dist.destroy_process_group()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Train the built-in video generator on the procedural world.")
    p.add_argument("--preset", default="tiny", choices=sorted(PRESETS))
    p.add_argument("--stage", default="all", choices=["autoencoder", "dit", "all"])
    p.add_argument("--out", type=Path, default=Path("runs/generator"))
    p.add_argument("--ae-steps", type=int)
    p.add_argument("--dit-steps", type=int)
    p.add_argument("--max-minutes", type=float)
    p.add_argument("--threads", type=int)
    p.add_argument("--checkpoint-minutes", type=float)
    a = p.parse_args(argv)
    run(build_config(a.preset, stage=a.stage, out=a.out, ae_steps=a.ae_steps, dit_steps=a.dit_steps,
                     max_minutes=a.max_minutes, threads=a.threads, checkpoint_minutes=a.checkpoint_minutes))


if __name__ == "__main__":
    main()
