"""Stage 2: the diffusion transformer, trained by flow matching on the frozen autoencoder's latents.

Latents are normalised per channel with statistics measured once at the start of the stage (kept in
the stage state, so a resume and the export use the same ones). Encoded clips go through a replay
pool (``LatentReplay``) because rendering + encoding + captioning costs about a DiT step on a CPU.
Every ``eval_every`` steps rank 0 scores the EMA weights with the evaluator (``EvaluatorProbe``).
"""

from __future__ import annotations

import time

import numpy as np
import torch

from generation.autoencoder import VideoAutoencoder, frames_to_tensor, latent_frames
from generation.dit import DiT, DiTConfig
from generation.flow import FlowConfig, flow_matching_loss
from generation.precision import choose_precision
from generation.prompt_attributes import drop_attributes, prompt_attributes
from generation.training.config import TrainConfig, config_json, model_configs
from generation.training.data import ClipSpec, LatentReplay, WorldClips
from generation.training.distributed import Dist, wrap
from generation.training.export import export
from generation.training.run_log import Logger
from generation.training.schedule import lr_at, time_is_up
from generation.training.state import EMA, StageState, resume_stage, save_stage, take_step
from generation.training.trained_autoencoder import load_trained_autoencoder, stage_record
from generation.training.warm_start import record_warm_start, warm_start_dit
from reelgraph.errors import InputError


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


def check_latents_match(cfg: TrainConfig, state: StageState) -> None:
    """Refuse to go on training a DiT on the latents of a different autoencoder step."""
    folder = cfg.out / "dit"
    ae_step = stage_record(cfg.out / "autoencoder")["state"]["step"]
    if state.extra.setdefault("ae_step", ae_step) != ae_step:
        raise InputError(f"{folder} was trained on the latents of autoencoder step {state.extra['ae_step']}, but the "
                         f"autoencoder is now at step {ae_step}; delete {folder} to retrain the DiT on the new latents")


def train_dit(cfg: TrainConfig, d: Dist, t_start: float) -> bool:
    """Train until ``dit_steps``; returns True when the stage is finished."""
    from generation.text_encoder import TextEncoder, TextStates, pad_text
    from generation.training.probe import EvaluatorProbe

    folder = cfg.out / "dit"
    record = stage_record(folder)
    dit_cfg = DiTConfig.from_dict(record["config"]["model"]) if record else model_configs(cfg.preset, cfg.dit_attributes)[1]
    ae = load_trained_autoencoder(cfg.out, d.device)
    ae_cfg = ae.cfg
    torch.manual_seed(cfg.seed)
    model = DiT(dit_cfg).to(d.device)
    warm = warm_start_dit(model, cfg.dit_init) if cfg.dit_init is not None and not (folder / "state.json").is_file() else None
    ema = EMA(model, cfg.ema_decay)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.dit_lr, weight_decay=0.0, betas=(0.9, 0.99))
    state = resume_stage(folder, model, ema, opt) or StageState()
    record_warm_start(state, warm, "DiT", d.main)
    if state.step >= cfg.dit_steps:
        return True
    check_latents_match(cfg, state)
    prec = choose_precision(d.device, cfg.allow_bf16)
    log = Logger(folder, d.main)
    with WorldClips(cfg.seed + 7 + 1000 * state.step, d.rank, workers=cfg.render_workers) as clips:
        if "latent_mean" not in state.extra:
            mean, std = latent_stats(ae, clips, cfg.dit_shapes[0], 64 if cfg.preset != "test" else 4, d.device)
            state.extra.update(latent_mean=mean, latent_std=std)
        mean = torch.tensor(state.extra["latent_mean"], device=d.device).reshape(1, -1, 1, 1, 1)
        std = torch.tensor(state.extra["latent_std"], device=d.device).reshape(1, -1, 1, 1, 1)
        text = TextEncoder(d.device)
        probe = EvaluatorProbe(cfg, text, d.device) if d.main and cfg.eval_every > 0 else None  # fails early if no evaluator
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
                x = frames_to_tensor(torch.from_numpy(np.stack([c.frames for c in batch]))).to(d.device)
                with torch.no_grad(), prec.autocast():
                    z = (ae.encode(x).float() - mean) / std  # (need, C, t, h, w)
                captions = [c.caption for c in batch]
                t_states = text.encode(captions)
                attrs = prompt_attributes(captions, dit_cfg.attributes) if dit_cfg.attributes else None
                replay.add(z.cpu(), t_states.states.cpu(), t_states.mask.cpu(), attrs)
                state.clips_seen += need * d.world
            z0, states, attrs = replay.sample(lat_shape, cfg.dit_batch)
            drop = torch.rand(len(states), generator=rng) < cfg.caption_dropout
            items = [TextStates(null.states, null.mask) if drop[i] else
                     TextStates(s[None], torch.ones(1, s.shape[0], dtype=torch.bool)) for i, s in enumerate(states)]
            cond = pad_text(items).to(d.device)
            if attrs is not None:  # a dropped caption states nothing; the rest forget some attributes
                attrs = drop_attributes(attrs, cfg.attribute_dropout, rng) * (~drop)[:, None]
                attrs = attrs.to(d.device)
            for g in opt.param_groups:
                g["lr"] = lr_at(state.step - state.warmup_from, cfg.dit_lr, cfg.warmup)
            with prec.autocast():
                loss = flow_matching_loss(net, z0.to(d.device), cond.states, cond.mask, flow, rng, attributes=attrs)
            take_step(loss, model, opt, ema, state)
            losses.append(loss.item())
            if state.step % cfg.log_every == 0 or state.step == cfg.dit_steps:
                dt = time.time() - t_run
                state.elapsed_s += dt
                t_run = time.time()
                state.last_loss = sum(losses) / len(losses)
                log(stage="dit", step=state.step, loss=state.last_loss, s_per_step=dt / len(losses), precision=prec.name,
                    clips=state.clips_seen)
                losses = []
            if probe is not None and state.step % cfg.eval_every == 0:
                t_probe = time.time()
                log(stage="dit_eval", step=state.step, **probe(ae, ema.model, state))
                t_run += time.time() - t_probe  # probe time is not training time
            done = state.step >= cfg.dit_steps
            if d.main and (done or time_is_up(cfg, t_start) or time.time() - last_ckpt > 60 * cfg.checkpoint_minutes):
                save_stage(folder, model, ema, opt, state, config_json(cfg) | {"model": dit_cfg.to_dict()})
                export(cfg, ema.model, state)
                last_ckpt = time.time()
            if time_is_up(cfg, t_start):
                return False
        return True
