"""Starting a training run from a generator folder (the shipped one) instead of from random weights.

Machines do not outlive a session, and run folders are git-ignored, so the only thing that carries a
training run from one session to the next is the shipped checkpoint. This module turns such a folder
into the two stage folders ``train_autoencoder`` and ``train_dit`` resume from: both networks' weights
(as model and EMA), the latent statistics the DiT was trained with (changing them would shift every
latent under its feet), and step counts and wall time read back from the recipe, so the next export's
recipe adds up the whole history. The optimiser starts fresh, hence a new warm-up counted from the
seeded step (``StageState.warmup_from``).

A run folder that already holds stage state is left alone: the same command then simply resumes.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import torch

from generation.checkpoint import GeneratorConfig, load_generator
from generation.dit import DiT, DiTConfig
from generation.training.config import TrainConfig, config_json, model_configs
from generation.training.state import EMA, StageState, save_stage
from reelgraph.errors import InputError


def recipe_figures(recipe: str) -> dict[str, float]:
    """Steps, hours and the PSNR a recipe line states (``export`` writes them; missing ones are absent)."""
    patterns = {
        "ae_steps": r"autoencoder (\d+) steps",
        "ae_hours": r"autoencoder \d+ steps \(([\d.]+) h",
        "psnr_db": r"PSNR ([\d.]+) dB",
        "dit_steps": r"DiT (\d+) steps",
        "dit_hours": r"DiT \d+ steps \(([\d.]+) h",
        "flow_loss": r"flow loss ([\d.]+)",
        "decoder_steps": r"decoder refined (\d+) steps",
        "decoder_hours": r"decoder refined \d+ steps \(([\d.]+) h",
        "decoder_psnr_db": r"decoder refined \d+ steps \([\d.]+ h, recon PSNR ([\d.]+) dB",
    }
    out = {}
    for key, pat in patterns.items():
        m = re.search(pat, recipe)
        if m:
            out[key] = float(m.group(1))
    return out


def recipe_warm_sources(recipe: str) -> dict[str, str]:
    """Where each stage of a recipe line was warm-started from ({"autoencoder": ..., "DiT": ...}, the
    ones it names): a run seeded from that folder carries its history on, and so must its recipe."""
    return {m.group(1): m.group(2) for m in re.finditer(r"(autoencoder|DiT) \d+ steps \([^)]*?warm-started from ([^)]+)\)", recipe)}


def check_same_networks(cfg: TrainConfig, gen_cfg: GeneratorConfig, source: Path) -> DiTConfig:
    """Refuse to seed a preset whose networks differ from the folder's (the weights would not fit).
    Frame mixes in the decoder do not count: they are what the decoder stage adds to a preset's.
    Returns the DiT config the run builds (the attribute path included when it asks for it)."""
    ae_cfg, dit_cfg = model_configs(cfg.preset, cfg.dit_attributes)
    if (replace(gen_cfg.autoencoder, frame_mix=ae_cfg.frame_mix) != ae_cfg
            or gen_cfg.dit.without_attributes() != dit_cfg.without_attributes()):
        raise InputError(f"{source} holds networks of another size than preset {cfg.preset!r} builds; "
                         f"pick the preset it was trained with (its recipe: {gen_cfg.recipe or 'not recorded'})")
    return dit_cfg


def with_attributes(dit: DiT, target: DiTConfig) -> DiT:
    """``dit`` as a DiT of config ``target`` (the same network plus the attribute path): its weights
    copied, the attribute embeddings left at zero, so it predicts exactly as ``dit`` did. A DiT that
    already has attributes must have the same ones."""
    if dit.cfg.attributes:
        if dit.cfg.attributes != target.attributes:
            raise InputError("the seeded DiT states other attributes than this run's; start a new run without --dit-attributes")
        return dit
    out = DiT(target)
    missing, unexpected = out.load_state_dict(dit.state_dict(), strict=False)
    if unexpected or any(not k.startswith("attr_embedders.") for k in missing):
        raise InputError(f"cannot add the attribute path to this DiT (missing {missing}, unexpected {unexpected})")
    return out


def seed_run(cfg: TrainConfig, source: Path) -> bool:
    """Write ``cfg.out``'s stage folders from the generator folder ``source``; False when the run
    folder already had state (then nothing is touched and training resumes from it)."""
    if any((cfg.out / stage / "state.json").is_file() for stage in ("autoencoder", "dit", "decoder")):
        print(f"{cfg.out} already holds a run; resuming it (--init-from {source} ignored)", flush=True)
        return False
    gen_cfg, ae, dit = load_generator(source)
    run_dit_cfg = check_same_networks(cfg, gen_cfg, source)
    dit = with_attributes(dit, run_dit_cfg) if cfg.dit_attributes else dit
    fig = recipe_figures(gen_cfg.recipe)
    ae_step = int(fig.get("ae_steps", cfg.ae_steps))
    origin = {"init_from": str(source), "init_recipe": gen_cfg.recipe}
    warm = {stage: {"warm_origin": src} for stage, src in recipe_warm_sources(gen_cfg.recipe).items()}

    ae_state = StageState(step=ae_step, elapsed_s=3600 * fig.get("ae_hours", 0.0), warmup_from=ae_step,
                          extra=origin | warm.get("autoencoder", {}) | ({"psnr_db": fig["psnr_db"]} if "psnr_db" in fig else {}))
    save_stage(cfg.out / "autoencoder", ae, EMA(ae, cfg.ema_decay), torch.optim.AdamW(ae.parameters(), lr=cfg.ae_lr),
               ae_state, config_json(cfg) | {"model": gen_cfg.autoencoder.to_dict()})
    if gen_cfg.autoencoder.frame_mix:  # a refined decoder: the decoder stage resumes from it
        dec_step = int(fig.get("decoder_steps", 0))
        dec_state = StageState(step=dec_step, elapsed_s=3600 * fig.get("decoder_hours", 0.0), warmup_from=dec_step,
                               extra=origin | {"ae_step": ae_step} | ({"psnr_db": fig["decoder_psnr_db"]}
                                                                      if "decoder_psnr_db" in fig else {}))
        save_stage(cfg.out / "decoder", ae, EMA(ae, cfg.ema_decay),
                   torch.optim.AdamW(ae.decoder.parameters(), lr=cfg.decoder_lr), dec_state,
                   config_json(cfg) | {"model": gen_cfg.autoencoder.to_dict()})

    dit_step = int(fig.get("dit_steps", 0))
    dit_state = StageState(step=dit_step, elapsed_s=3600 * fig.get("dit_hours", 0.0),
                           last_loss=fig.get("flow_loss", float("nan")), warmup_from=dit_step,
                           extra=origin | warm.get("DiT", {}) | {"ae_step": ae_step,
                                           "latent_mean": list(gen_cfg.latent_mean), "latent_std": list(gen_cfg.latent_std)})
    opt = torch.optim.AdamW(dit.parameters(), lr=cfg.dit_lr, weight_decay=0.0, betas=(0.9, 0.99))
    save_stage(cfg.out / "dit", dit, EMA(dit, cfg.ema_decay), opt, dit_state,
               config_json(cfg) | {"model": dit.cfg.to_dict()})
    print(f"seeded {cfg.out} from {source}: autoencoder step {ae_step}, DiT step {dit_step}", flush=True)
    return True
