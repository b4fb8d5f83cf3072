"""Stage ``decoder``: refine a trained autoencoder's decoder, encoder frozen, with look-ahead and frame
mixes and a loss on frame-to-frame change.

Why a separate stage: stage 1 unfolds each group latent into four frames independently, and decoded
video steps at every group join (``generation.autoencoder``). Retraining the whole autoencoder would
move the latents and throw the DiT away; refining only the decoder keeps every latent, and so the
DiT, valid. The loss adds L1 between the decoded and the true frame differences to the usual L1 +
MSE, because a per-frame loss barely notices a jump between two frames that are each close to
their targets. Clips are long enough (``decoder_shapes``) to hold several group joins each. With
``adv_weight`` the autoencoder stage's discriminator (``adversary``) carries on against the decoder.

Starts from ``<out>/autoencoder`` (stage 1, or a seeded shipped generator), saves to
``<out>/decoder``; the DiT's exports pick the refined decoder up from there.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import torch

from generation.autoencoder import TEMPORAL_FACTOR, VideoAutoencoder
from generation.checkpoint import load_state
from generation.precision import choose_precision
from generation.training.adversary import Adversary
from generation.training.config import TrainConfig, config_json
from generation.training.data import WorldClips
from generation.training.distributed import Dist, wrap
from generation.training.losses import reconstruction_loss
from generation.training.run_log import Logger, ReconstructionWindow
from generation.training.schedule import lr_at, time_is_up
from generation.training.state import EMA, StageState, resume_stage, save_stage, take_step
from generation.training.trained_autoencoder import recorded_autoencoder_config, stage_record
from reelgraph.errors import InputError


def start_from_autoencoder(model: VideoAutoencoder, cfg: TrainConfig) -> int:
    """Load stage 1's EMA weights into ``model`` (which has frame mixes it may lack); returns its step."""
    source = cfg.out / "autoencoder"
    missing, unexpected = model.load_state_dict(load_state(source / "ema.safetensors"), strict=False)
    strays = [k for k in missing if not k.startswith(("decoder.frame_mix.", "decoder.ahead."))] + list(unexpected)
    if strays:
        raise InputError(f"{source} does not fit the decoder stage's network (e.g. {strays[0]})")
    return int(stage_record(source)["state"]["step"])


def _adversary(cfg: TrainConfig, d: Dist, folder: Path) -> Adversary | None:
    """The stage's discriminator (``adv_weight`` > 0): its own saved one, else the autoencoder stage's,
    which is already trained, so it starts at once; a fresh one waits ``adv_start`` steps."""
    if cfg.adv_weight <= 0:
        return None
    adversary = Adversary(cfg.adv_weight, cfg.adv_start, cfg.adv_lr, d, ramp=cfg.adv_ramp)
    if adversary.resume(folder) or adversary.resume(cfg.out / "autoencoder"):
        adversary.start, adversary.ramp = 0, 1
    return adversary


def train_decoder(cfg: TrainConfig, d: Dist, t_start: float) -> bool:
    """Train until ``decoder_steps``; returns True when the stage is finished."""
    folder = cfg.out / "decoder"
    base = recorded_autoencoder_config(cfg.out / "autoencoder")
    if base is None:
        raise InputError(f"{cfg.out / 'autoencoder'} holds no autoencoder to refine; train stage autoencoder "
                         f"first or start the run with --init-from a generator folder")
    model = VideoAutoencoder(replace(base, frame_mix=True)).to(d.device).to(memory_format=torch.channels_last)
    model.encoder.requires_grad_(False)
    opt = torch.optim.AdamW(model.decoder.parameters(), lr=cfg.decoder_lr, weight_decay=0.0, betas=(0.9, 0.99))
    ema = EMA(model, cfg.ema_decay)
    state = resume_stage(folder, model, ema, opt)
    if state is None:
        ae_step = start_from_autoencoder(model, cfg)
        ema = EMA(model, cfg.ema_decay)
        state = StageState(extra={"ae_step": ae_step})
    if state.step >= cfg.decoder_steps:
        return True
    prec = choose_precision(d.device, cfg.allow_bf16)
    log = Logger(folder, d.main)
    net = wrap(model.decoder, d)
    adversary = _adversary(cfg, d, folder)
    with WorldClips(cfg.seed + 5 + 1000 * state.step, d.rank, workers=cfg.render_workers) as clips:
        data = clips.batches(cfg.decoder_shapes, cfg.decoder_weights, cfg.decoder_batch)
        noise = torch.Generator().manual_seed(cfg.seed + 3 + state.step)
        last_ckpt, window = time.time(), ReconstructionWindow()
        while state.step < cfg.decoder_steps:
            x, _ = next(data)  # (B, T, 3, H, W) in [-1, 1]
            x = x.to(d.device)
            with torch.no_grad(), prec.autocast():
                z = model.encode(x)
            z = z + base.latent_noise * torch.randn(z.shape, generator=noise).to(z)
            for g in opt.param_groups:
                g["lr"] = lr_at(state.step - state.warmup_from, cfg.decoder_lr, cfg.warmup)
            with prec.autocast():
                frames = net(z)  # (B, 4t, 3, H', W'), the three leading frames of latent 0 included
            y = frames[:, TEMPORAL_FACTOR - 1:][:, : x.shape[1], :, : x.shape[-2], : x.shape[-1]].float()
            loss, mse = reconstruction_loss(y, x, cfg.temporal_weight)
            adversarial = adversary is not None and adversary.active(state.step)
            if adversarial:
                loss = loss + adversary.generator_term(y, loss, model.decoder.out.weight, state.step)
            take_step(loss, model, opt, ema, state)
            if adversarial:
                adversary.step(x, y)
            state.clips_seen += x.shape[0] * d.world
            window.add(loss.item(), mse.item())
            if state.step % cfg.log_every == 0 or state.step == cfg.decoder_steps:
                log(stage="decoder", **window.close(state), precision=prec.name, clips=state.clips_seen,
                    **(adversary.last if adversarial else {}))
            done = state.step >= cfg.decoder_steps
            if d.main and (done or time_is_up(cfg, t_start) or time.time() - last_ckpt > 60 * cfg.checkpoint_minutes):
                save_stage(folder, model, ema, opt, state, config_json(cfg) | {"model": model.cfg.to_dict()})
                if adversary is not None:
                    adversary.save(folder)
                last_ckpt = time.time()
            if time_is_up(cfg, t_start):
                return False
        return True
