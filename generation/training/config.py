"""What one generator training run is: the typed config, its presets, and the network sizes.

Presets fill a ``TrainConfig``; the command line only overrides a few fields. The whole config is
written into every checkpoint's ``state.json`` (``config_json``), so a run folder says how it was made.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

from generation.training.data import ClipSpec

Stage = Literal["autoencoder", "dit", "decoder", "all"]


@dataclass
class TrainConfig:
    """One training run. Presets fill it; the CLI only overrides a few fields."""

    preset: str = "tiny"
    """Model sizes and batch recipe: tiny (CPU), tiny2 (the tiny DiT on a sharper 16-channel autoencoder),
    small (GPU or long CPU runs), test (seconds)."""
    stage: Stage = "all"
    """autoencoder, dit, or all (autoencoder until ``ae_steps``, then the DiT); or decoder, which
    refines a trained autoencoder's decoder with the encoder frozen (``decoder_stage``)."""
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
    decoder_steps: int = 3000
    """Steps of the decoder stage (counted from its own start, not from the autoencoder's)."""
    decoder_batch: int = 4
    decoder_lr: float = 5e-4
    decoder_shapes: list[ClipSpec] = field(default_factory=lambda: [ClipSpec(64, 64, 17), ClipSpec(96, 56, 13)])
    """Long enough for three or four group joins per clip: the joins are what the stage is for."""
    decoder_weights: list[float] = field(default_factory=lambda: [0.6, 0.4])
    temporal_weight: float = 1.0
    """Weight of the frame-difference L1 in the reconstruction loss (autoencoder and decoder stages)."""
    dit_shapes: list[ClipSpec] = field(default_factory=lambda: [
        ClipSpec(128, 72, 25), ClipSpec(128, 72, 17), ClipSpec(128, 72, 9), ClipSpec(128, 72, 1), ClipSpec(72, 128, 9)])
    """Clip shapes of the DiT stage; 25 frames = 7 latent frames = one generation window. The first
    one is also the size of the exported generator and of the periodic evaluator scores."""
    dit_weights: list[float] = field(default_factory=lambda: [0.35, 0.25, 0.15, 0.15, 0.1])
    caption_dropout: float = 0.1
    """Probability of training on the empty prompt (what classifier-free guidance subtracts)."""
    replay_capacity: int = 4000
    replay_reuse: float = 8.0
    """How many times, on average, an encoded clip is trained on before it is replaced (data prep costs
    about as much as a DiT step on a CPU)."""
    adv_weight: float = 0.0
    """Weight of the patch discriminator's term in the autoencoder stage, relative to the
    reconstruction loss's gradient at the decoder's output (``training.adversary``); 0 = none."""
    adv_start: int = 2000
    """Autoencoder step the discriminator starts at."""
    adv_ramp: int = 500
    """Steps over which the discriminator's weight ramps from 0 to ``adv_weight``."""
    adv_lr: float = 2e-4
    """Learning rate of the discriminator (AdamW, betas 0.5 / 0.9 as GANs like)."""
    latent_penalty: float = 1e-3
    """Weight of mean(z^2) in the autoencoder loss: keeps latents near unit scale for the DiT."""
    checkpoint_minutes: float = 4.0
    log_every: int = 20
    eval_every: int = 250
    """Every this many DiT steps, generate ``eval_prompts`` held-out prompts with the EMA weights and
    log the evaluator's per-attribute accuracy (``dit/log.jsonl``, stage ``dit_eval``); 0 = never.
    At the tiny preset on a 2-core CPU a probe of 16 prompts takes ~11 s, about 3 DiT steps (~1 % of
    the run at 250)."""
    eval_prompts: int = 16
    """Held-out prompts per probe: the first ones of the quality benchmark's seed stream, so the
    figures are comparable from probe to probe and with ``bench/quality.py`` on the same prompts."""
    eval_steps: int = 4
    """Sampler steps per probe generation (the preview default)."""
    evaluator: Path | None = None
    """Evaluator checkpoint the probes score with; None = the shipped one."""
    seed: int = 0
    threads: int = 1
    render_workers: int = 0
    """Processes rendering training clips beside the trainer (0: it renders them itself). One per
    spare core: on a 2-core CPU, 1; on a GPU machine, most of its cores (a DiT step there is far
    cheaper than rendering its clips). The clips are the same for any number."""
    allow_bf16: bool = True
    ae_init: Path | None = None
    """A generator folder whose autoencoder starts a *fresh* autoencoder stage (``warm_start``): same
    widths, more latent channels or residual blocks allowed; it decodes as the source did at step 0."""
    dit_init: Path | None = None
    """A generator folder whose DiT starts a *fresh* DiT stage wherever names and shapes match
    (``warm_start``): for a DiT on a new autoencoder's latents. Ignored once the stage has state."""
    init_from: Path | None = None
    """A generator folder (e.g. the shipped ``generation/weights/generator``) to start a new run from
    instead of random weights; ignored once ``out`` holds a run (``seed_run``)."""
    dit_attributes: bool = False
    """Give the DiT the attribute path (``DiTConfig.attributes``): what each caption states of the
    scene, as class embeddings in its adaLN conditioning. A new run starts it at zero, so a run
    seeded (``init_from``) from a DiT without it predicts as that DiT did; a resumed run keeps
    whatever its stage folder was saved with."""
    attribute_dropout: float = 0.15
    """Probability that each stated attribute is hidden from the DiT in a training example (all of
    them are when the caption is dropped for guidance), so it also learns from partial statements."""


PRESETS: dict[str, dict] = {
    "tiny": dict(ae_steps=1000),  # the recipe of the first shipped checkpoint (2026-11-25)
    # the tiny DiT on a sharper 16-channel autoencoder trained at the DiT's own size (session 8)
    "tiny2": dict(ae_steps=6000, ae_shapes=[ClipSpec(128, 72, 9), ClipSpec(128, 72, 1), ClipSpec(72, 128, 5)],
                  ae_weights=[0.75, 0.1, 0.15], adv_weight=0.3, adv_start=1000,
                  decoder_shapes=[ClipSpec(128, 72, 13), ClipSpec(72, 128, 9)], decoder_weights=[0.8, 0.2]),
    "small": dict(ae_batch=8, dit_batch=32, ae_steps=20000,
                  dit_shapes=[ClipSpec(128, 72, 17), ClipSpec(256, 144, 17), ClipSpec(128, 72, 1), ClipSpec(72, 128, 17)],
                  dit_weights=[0.5, 0.2, 0.15, 0.15]),
    "test": dict(ae_batch=2, adv_start=1, dit_batch=2, ae_steps=2, dit_steps=2, decoder_steps=2, decoder_batch=2,
                 decoder_shapes=[ClipSpec(32, 32, 9)], decoder_weights=[1.0], warmup=1, checkpoint_minutes=0.0, log_every=1,
                 ae_shapes=[ClipSpec(32, 32, 9)], ae_weights=[1.0], dit_shapes=[ClipSpec(32, 32, 9)], dit_weights=[1.0],
                 replay_capacity=8, eval_every=0, eval_prompts=2, eval_steps=1),
}
MODEL_SIZE = {"tiny": "tiny", "small": "small", "test": "test", "tiny2": "tiny"}


def build_config(preset: str, **overrides) -> TrainConfig:
    """The preset's config with every non-None override applied."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    cfg = replace(TrainConfig(preset=preset), **PRESETS[preset])
    cfg = replace(cfg, **{k: v for k, v in overrides.items() if v is not None})
    return replace(cfg, out=Path(cfg.out), evaluator=None if cfg.evaluator is None else Path(cfg.evaluator),
                   init_from=None if cfg.init_from is None else Path(cfg.init_from),
                   dit_init=None if cfg.dit_init is None else Path(cfg.dit_init),
                   ae_init=None if cfg.ae_init is None else Path(cfg.ae_init))


def model_configs(preset: str, dit_attributes: bool = False):
    """(AutoencoderConfig, DiTConfig) of a preset, the DiT with the attribute path when asked;
    ``test`` is one block, head dim 8."""
    from generation.autoencoder import AE_PRESETS, AutoencoderConfig
    from generation.dit import DiT_models, DiTConfig
    from generation.prompt_attributes import default_attribute_vocab

    if preset == "test":
        ae, dit = (AutoencoderConfig(latent_channels=4, channels=(4, 8, 8, 16), low_res_blocks=1),
                   DiTConfig(latent_channels=4, width=16, depth=1, heads=2))
    else:
        ae = AE_PRESETS[preset]()
        dit = DiT_models[preset](ae.latent_channels)
    return ae, (replace(dit, attributes=default_attribute_vocab()) if dit_attributes else dit)


def config_json(cfg: TrainConfig) -> dict:
    """The config as JSON-able values (paths as strings), for ``state.json``."""
    d = asdict(cfg)
    d["out"] = str(cfg.out)
    d["evaluator"] = None if cfg.evaluator is None else str(cfg.evaluator)
    d["init_from"] = None if cfg.init_from is None else str(cfg.init_from)
    d["dit_init"] = None if cfg.dit_init is None else str(cfg.dit_init)
    d["ae_init"] = None if cfg.ae_init is None else str(cfg.ae_init)
    return d
