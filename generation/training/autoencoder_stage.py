"""Stage 1: the video autoencoder, trained on world clips until ``ae_steps``.

Loss: L1 + MSE reconstruction with the frame-difference term (``losses``), a small mean(z^2) penalty
that keeps latents near unit scale for the DiT, and, with ``adv_weight`` > 0, a patch
discriminator's term from ``adv_start`` on (``adversary``: particles and small subjects instead of
their average, a haze). The EMA weights are what stage 2 encodes with and what ships.
"""

from __future__ import annotations

import time

import torch

from generation.autoencoder import VideoAutoencoder
from generation.precision import choose_precision
from generation.training.adversary import Adversary
from generation.training.config import TrainConfig, config_json, model_configs
from generation.training.data import WorldClips
from generation.training.distributed import Dist, wrap
from generation.training.losses import reconstruction_loss
from generation.training.run_log import Logger, ReconstructionWindow
from generation.training.schedule import lr_at, time_is_up
from generation.training.state import EMA, StageState, resume_stage, save_stage, take_step
from generation.training.trained_autoencoder import recorded_autoencoder_config
from generation.training.warm_start import record_warm_start, warm_start_autoencoder


def train_autoencoder(cfg: TrainConfig, d: Dist, t_start: float) -> bool:
    """Train until ``ae_steps``; returns True when the stage is finished."""
    folder = cfg.out / "autoencoder"
    # a folder seeded from a generator with a refined decoder holds frame mixes the preset lacks
    ae_cfg = recorded_autoencoder_config(folder) or model_configs(cfg.preset)[0]
    torch.manual_seed(cfg.seed)
    model = VideoAutoencoder(ae_cfg).to(d.device).to(memory_format=torch.channels_last)
    warm = warm_start_autoencoder(model, cfg.ae_init) if cfg.ae_init is not None and not (folder / "state.json").is_file() else None
    ema = EMA(model, cfg.ema_decay)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.ae_lr, weight_decay=0.0, betas=(0.9, 0.99))
    state = resume_stage(folder, model, ema, opt) or StageState()
    record_warm_start(state, warm, "autoencoder", d.main)
    if state.step >= cfg.ae_steps:
        return True
    prec = choose_precision(d.device, cfg.allow_bf16)
    log = Logger(folder, d.main)
    net = wrap(model, d)
    adversary = Adversary(cfg.adv_weight, cfg.adv_start, cfg.adv_lr, d, ramp=cfg.adv_ramp) if cfg.adv_weight > 0 else None
    if adversary is not None:
        adversary.resume(folder)
    with WorldClips(cfg.seed + 1000 * state.step, d.rank, workers=cfg.render_workers) as clips:
        data = clips.batches(cfg.ae_shapes, cfg.ae_weights, cfg.ae_batch)
        noise = torch.Generator().manual_seed(cfg.seed + state.step)
        last_ckpt, window = time.time(), ReconstructionWindow()
        while state.step < cfg.ae_steps:
            x, _ = next(data)  # (B, T, 3, H, W) in [-1, 1]
            x = x.to(d.device)
            for g in opt.param_groups:
                g["lr"] = lr_at(state.step - state.warmup_from, cfg.ae_lr, cfg.warmup)
            with prec.autocast():
                y, z = net(x, noise)
            y = y.float()
            recon, mse = reconstruction_loss(y, x, cfg.temporal_weight)
            loss = recon + cfg.latent_penalty * z.float().pow(2).mean()
            adversarial = adversary is not None and adversary.active(state.step)
            if adversarial:
                loss = loss + adversary.generator_term(y, recon, model.decoder.out.weight, state.step)
            take_step(loss, model, opt, ema, state)
            if adversarial:
                adversary.step(x, y)
            state.clips_seen += x.shape[0] * d.world
            window.add(loss.item(), mse.item())
            if state.step % cfg.log_every == 0 or state.step == cfg.ae_steps:
                log(stage="autoencoder", **window.close(state), z_rms=z.float().pow(2).mean().sqrt().item(),
                    precision=prec.name, clips=state.clips_seen, **(adversary.last if adversarial else {}))
            done = state.step >= cfg.ae_steps
            if d.main and (done or time_is_up(cfg, t_start) or time.time() - last_ckpt > 60 * cfg.checkpoint_minutes):
                save_stage(folder, model, ema, opt, state, config_json(cfg) | {"model": ae_cfg.to_dict()})
                if adversary is not None:
                    adversary.save(folder)
                last_ckpt = time.time()
            if time_is_up(cfg, t_start):
                return False
        return True
