"""Training on the real procedural world with the ``test`` preset: both stages run, resume from
their safetensors checkpoints, export a generator folder that loads; and the same script runs as
two gloo DDP processes under torchrun."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
import pytest

from generation.train import build_config, run
from reelgraph.errors import InputError

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_two_stages_resume_and_export(tmp_path, text_encoder):
    """AE then DiT for two steps each, resumed to four; the export loads and generates frames."""
    from generation.pipeline import Generator

    cfg = build_config("test", out=tmp_path / "run")
    run(cfg)
    state = json.loads((tmp_path / "run" / "dit" / "state.json").read_text())["state"]
    assert state["step"] == 2
    run(build_config("test", out=tmp_path / "run", dit_steps=4))
    ae_state = json.loads((tmp_path / "run" / "autoencoder" / "state.json").read_text())["state"]
    dit_state = json.loads((tmp_path / "run" / "dit" / "state.json").read_text())["state"]
    assert ae_state["step"] == 2 and dit_state["step"] == 4
    # Training the autoencoder further invalidates the DiT's latents: refused, with what to do.
    with pytest.raises(InputError, match="delete"):
        run(build_config("test", out=tmp_path / "run", ae_steps=3, dit_steps=6))
    assert not list((tmp_path / "run").rglob("*.pt"))  # nothing pickled, optimizer state included
    gen = Generator.load(tmp_path / "run" / "export")
    gen.text_encoder = text_encoder
    v = gen.text_to_video("a ball", seconds=5 / 24, width=32, height=32, steps=1)
    assert v.frames.shape == (5, 32, 32, 3) and np.isfinite(v.frames).all()
    assert "DiT 4 steps" in gen.cfg.recipe


@pytest.mark.slow
def test_ddp_two_cpu_processes(tmp_path):
    """torchrun with 2 gloo processes trains both stages for a couple of steps (the autoencoder with its
    discriminator, whose adaptive weight takes gradients outside the DDP backward); rank 0 checkpoints."""
    env = dict(os.environ, OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "generation.train", "--preset", "test", "--out", str(tmp_path / "ddp"), "--adv-weight", "0.5"]
    res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    state = json.loads((tmp_path / "ddp" / "dit" / "state.json").read_text())["state"]
    assert state["step"] == 2
    assert state["clips_seen"] >= 2 * 2  # both ranks' clips counted
    last = json.loads((tmp_path / "ddp" / "autoencoder" / "log.jsonl").read_text().splitlines()[-1])
    assert "d_loss" in last and (tmp_path / "ddp" / "autoencoder" / "discriminator.safetensors").is_file()


@pytest.mark.slow  # ~10 s: two spawned render processes
def test_render_workers_give_the_same_clips(tmp_path):
    """Clips rendered by worker processes are exactly the ones the trainer would render itself,
    shape by shape, whatever the interleaving of shapes; and a training run uses them."""
    from generation.training.data import ClipSpec, WorldClips

    shapes = [ClipSpec(32, 32, 5), ClipSpec(48, 24, 3), ClipSpec(32, 32, 5), ClipSpec(32, 32, 5), ClipSpec(48, 24, 3)]
    with WorldClips(seed=5) as local, WorldClips(seed=5, workers=2) as pooled:
        for shape in shapes:
            a, b = local.draw(shape), pooled.draw(shape)
            assert a.caption == b.caption and np.array_equal(a.frames, b.frames)
            assert a.frames.shape == (shape.num_frames, shape.height, shape.width, 3)
    a, b = WorldClips(seed=5).draw(shapes[0]), WorldClips(seed=6).draw(shapes[0])
    assert not np.array_equal(a.frames, b.frames)  # another stream, other clips
    run(build_config("test", out=tmp_path / "run", render_workers=1))
    state = json.loads((tmp_path / "run" / "dit" / "state.json").read_text())["state"]
    assert state["step"] == 2


def test_a_clip_the_world_fails_to_render_is_reported_and_the_next_seed_drawn(capsys):
    """One clip the renderer cannot draw must not end a DiT run: it is reported with the call that
    reproduces it and the next seed of that shape is drawn in its place. A renderer that fails on
    everything still stops the run, with an error that says the world is broken."""
    from generation.training.data import ClipSpec, WorldClips, render_world_clip
    from generation.world.render_failures import MIN_FAILURES_TO_STOP

    shape = ClipSpec(32, 32, 3)
    seeds = []

    def first_fails(shape, seed, fps):
        seeds.append(seed)
        if len(seeds) == 1:
            raise ValueError("zero-size array to reduction operation maximum which has no identity")
        return render_world_clip(shape, seed, fps)

    stream = WorldClips(seed=5, render=first_fails)
    clip = stream.draw(shape)
    assert len(seeds) == 2 and clip.frames.shape == (3, 32, 32, 3)
    assert np.array_equal(clip.frames, render_world_clip(shape, seeds[1], 24.0).frames)  # the next seed's clip
    assert (stream.failures.rendered, stream.failures.failed) == (2, 1)
    err = capsys.readouterr().err
    assert f"DiT training clip seed {seeds[0]} failed to render" in err
    assert f"render_world_clip(ClipSpec(width=32, height=32, num_frames=3), {seeds[0]}, fps=24.0)" in err

    def always_fails(shape, seed, fps):
        raise ValueError("broken world")

    n = MIN_FAILURES_TO_STOP + 1
    with pytest.raises(RuntimeError, match=f"{n} of {n} DiT training clips failed to render; the world is broken"):
        WorldClips(seed=5, render=always_fails).draw(shape)


@pytest.mark.slow
def test_a_new_run_starts_from_a_generator_folder(tmp_path):
    """--init-from: a run seeded from an exported generator starts with its weights, its latent
    statistics and its step counts, trains on from there, and a later export's recipe counts the
    whole history; a run folder that already holds state is resumed instead; a preset whose
    networks differ is refused with what to do."""
    from generation.checkpoint import load_generator
    from generation.training.seed_run import recipe_figures

    run(build_config("test", out=tmp_path / "first", dit_steps=3))
    source = tmp_path / "first" / "export"
    src_cfg, src_ae, src_dit = load_generator(source)
    assert recipe_figures(src_cfg.recipe)["dit_steps"] == 3 and recipe_figures(src_cfg.recipe)["ae_steps"] == 2

    seeded = build_config("test", out=tmp_path / "second", init_from=source, dit_steps=3)
    run(seeded)  # already at step 3: seeds, trains nothing, exports nothing
    dit_state = json.loads((tmp_path / "second" / "dit" / "state.json").read_text())["state"]
    assert dit_state["step"] == 3 and dit_state["warmup_from"] == 3
    assert dit_state["extra"]["latent_mean"] == src_cfg.latent_mean
    from generation.checkpoint import load_state
    ema = load_state(tmp_path / "second" / "dit" / "ema.safetensors")
    assert all(torch.equal(ema[k], v) for k, v in src_dit.state_dict().items())

    run(build_config("test", out=tmp_path / "second", init_from=source, dit_steps=5))  # resumes, re-seeds nothing
    cfg2, _, dit2 = load_generator(tmp_path / "second" / "export")
    assert recipe_figures(cfg2.recipe)["dit_steps"] == 5 and recipe_figures(cfg2.recipe)["ae_steps"] == 2
    assert cfg2.latent_std == src_cfg.latent_std
    assert not all(torch.equal(dit2.state_dict()[k], v) for k, v in src_dit.state_dict().items())  # it trained

    with pytest.raises(InputError, match="preset"):
        run(build_config("tiny", out=tmp_path / "third", init_from=source, dit_steps=1))


def test_a_run_seeded_before_warmup_from_was_a_field_resumes_its_warmup(tmp_path):
    """Run folders seeded in session 4 keep the warm-up offset in ``extra``; resuming one must not
    restart the warm-up from step 0 (a full learning rate on a fresh optimiser at step 2,900)."""
    from generation.training.state import EMA, StageState, resume_stage, save_stage

    net = torch.nn.Linear(2, 2)
    opt = torch.optim.AdamW(net.parameters())
    save_stage(tmp_path, net, EMA(net, 0.9), opt, StageState(step=40, extra={"warmup_from": 30, "ae_step": 7}), {})
    state = resume_stage(tmp_path, net, EMA(net, 0.9), opt)
    assert state.warmup_from == 30 and state.extra == {"ae_step": 7}


@pytest.mark.slow
def test_decoder_stage_refines_the_decoder_and_ships_with_the_dit(tmp_path, text_encoder):
    """The decoder stage adds frame mixes and trains the decoder only: the encoder (so the DiT's
    latents) is untouched, the DiT trains on without a latent-mismatch refusal, and its export ships
    the refined decoder with it in the recipe. A run seeded from that export resumes every stage,
    the decoder's too. Without an autoencoder to refine, it says what to do."""
    from generation.checkpoint import load_generator, load_state
    from generation.pipeline import Generator
    from generation.training.seed_run import recipe_figures

    with pytest.raises(InputError, match="init-from"):
        run(build_config("test", stage="decoder", out=tmp_path / "empty"))
    out = tmp_path / "run"
    run(build_config("test", out=out, dit_steps=2))
    run(build_config("test", stage="decoder", out=out, decoder_steps=2))
    dec = json.loads((out / "decoder" / "state.json").read_text())
    assert dec["state"]["step"] == 2 and dec["config"]["model"]["frame_mix"] is True
    stage1, refined = load_state(out / "autoencoder" / "ema.safetensors"), load_state(out / "decoder" / "ema.safetensors")
    assert all(torch.equal(refined[k], v) for k, v in stage1.items() if k.startswith("encoder."))
    assert any(refined[k].abs().sum() > 0 for k in refined if k.startswith("decoder.frame_mix.") and k.endswith("weight"))

    run(build_config("test", out=out, dit_steps=3))  # same latents: no refusal
    cfg, ae, _ = load_generator(out / "export")
    assert cfg.autoencoder.frame_mix and recipe_figures(cfg.recipe)["decoder_steps"] == 2
    assert all(torch.equal(ae.state_dict()[k], v) for k, v in refined.items())
    gen = Generator.load(out / "export")
    gen.text_encoder = text_encoder
    assert gen.text_to_video("a ball", seconds=9 / 24, width=32, height=32, steps=1).frames.shape == (9, 32, 32, 3)

    again = tmp_path / "again"
    run(build_config("test", out=again, init_from=out / "export"))  # every stage already at its steps
    assert json.loads((again / "decoder" / "state.json").read_text())["state"]["step"] == 2
    run(build_config("test", stage="decoder", out=again, decoder_steps=3))
    assert json.loads((again / "decoder" / "state.json").read_text())["state"]["step"] == 3


def test_decoder_loss_charges_a_jump_more_than_a_steady_error():
    """The same per-frame error costs more as a step between frames (a flicker at a group join)
    than as a constant offset, which a per-frame loss cannot tell apart."""
    from generation.training.losses import reconstruction_loss as decoder_loss

    x = torch.zeros(1, 8, 3, 4, 4)
    steady = x + 0.1
    jump = x.clone()
    jump[:, 4:] += 0.1
    jump[:, :4] -= 0.1  # every frame 0.1 off, as in steady, but the sign flips at the join
    assert decoder_loss(jump, x, 1.0)[0] > decoder_loss(steady, x, 1.0)[0]
    assert decoder_loss(jump, x, 0.0)[0] == pytest.approx(decoder_loss(steady, x, 0.0)[0].item())


def test_adversarial_autoencoder_stage_trains_and_resumes_its_discriminator(tmp_path):
    """With ``adv_weight`` the autoencoder stage trains a patch discriminator from ``adv_start`` on,
    logs its losses, saves it beside the autoencoder and picks it up again on resume."""
    from generation.checkpoint import load_state
    from generation.discriminator import PatchDiscriminator

    out = tmp_path / "run"
    run(build_config("test", stage="autoencoder", out=out, adv_weight=0.5, adv_start=1))
    folder = out / "autoencoder"
    rows = [json.loads(line) for line in (folder / "log.jsonl").read_text().splitlines()]
    assert "adv" not in rows[0] and {"adv", "adv_scale", "d_loss"} <= set(rows[1])  # off at step 0, on from 1
    assert np.isfinite([rows[1]["adv"], rows[1]["adv_scale"], rows[1]["d_loss"]]).all()
    assert rows[1]["adv_scale"] <= 1.0 and rows[1]["adv_weight"] == pytest.approx(0.5 / 500)  # capped, ramping in
    saved = load_state(folder / "discriminator.safetensors")
    fresh = PatchDiscriminator().state_dict()
    assert set(saved) == set(fresh) and any(not torch.equal(saved[k], fresh[k]) for k in fresh)
    run(build_config("test", stage="autoencoder", out=out, adv_weight=0.5, adv_start=1, ae_steps=3))
    resumed = load_state(folder / "discriminator.safetensors")
    assert json.loads((folder / "state.json").read_text())["state"]["step"] == 3
    assert any(not torch.equal(resumed[k], saved[k]) for k in saved)  # trained on from the saved weights
    # the decoder stage takes the trained discriminator over and uses it from its first step
    run(build_config("test", stage="decoder", out=out, adv_weight=0.5, adv_start=100, decoder_steps=1))
    row = json.loads((out / "decoder" / "log.jsonl").read_text().splitlines()[0])
    assert row["step"] == 1 and {"adv", "d_loss"} <= set(row)
    assert (out / "decoder" / "discriminator.safetensors").is_file()


def test_patch_discriminator_and_its_losses():
    """One logit per patch of every frame; the hinge loss is zero once renders score >= 1 and decodes
    <= -1, and the decoder's term falls as its decodes score higher."""
    from generation.discriminator import PatchDiscriminator, generator_adversarial_loss, hinge_discriminator_loss

    logits = PatchDiscriminator()(torch.rand(2, 3, 3, 72, 128) * 2 - 1)
    assert logits.shape == (6, 1, 9, 16)
    assert hinge_discriminator_loss(torch.full((4,), 1.5), torch.full((4,), -2.0)).item() == 0.0
    assert hinge_discriminator_loss(torch.zeros(4), torch.zeros(4)).item() == pytest.approx(2.0)
    assert generator_adversarial_loss(torch.full((4,), 2.0)) < generator_adversarial_loss(torch.zeros(4))


def test_a_fresh_dit_warm_starts_from_another_generator_where_the_weights_fit(tmp_path):
    """--dit-init: a DiT for more latent channels takes every tensor of a trained DiT whose name and
    shape match, and the latent in/out layers widened: at step 0 it predicts the old channels as the
    old DiT did, ignoring the new ones, and zero velocity for the new ones. A DiT with another patch
    size leaves those layers fresh; one of another width is refused. A run records the warm start in
    its state and recipe (which still parses), and so does a run seeded from its export."""
    from generation.checkpoint import load_generator, save_generator
    from generation.dit import DiT, DiTConfig
    from generation.training.seed_run import recipe_figures
    from generation.training.warm_start import warm_start_dit

    run(build_config("test", out=tmp_path / "first", dit_steps=2))
    source = tmp_path / "first" / "export"
    cfg, ae, src = load_generator(source)
    with torch.no_grad():  # a long-trained DiT's output layer is far from its zero start; so is this one's
        for p in src.final_layer.parameters():
            p.add_(0.1 * torch.randn_like(p))
    save_generator(source, cfg, ae, src)
    old_c = src.cfg.latent_channels
    wider = DiT(DiTConfig(latent_channels=old_c + 2, width=16, depth=1, heads=2))
    warm = warm_start_dit(wider, source)
    widened = {"x_embedder.weight", "final_layer.linear.weight", "final_layer.linear.bias"}
    assert warm.fresh == () and set(warm.widened) == widened
    for k, v in wider.state_dict().items():
        if k not in widened:
            assert torch.equal(v, src.state_dict()[k]), k
    x = torch.randn(1, old_c + 2, 3, 4, 6)
    t, text, mask = torch.full((1, 3), 0.7), torch.randn(1, 5, 384), torch.ones(1, 5, dtype=torch.bool)
    with torch.no_grad():
        ours, theirs = wider(x, t, text, mask), src(x[:, :old_c], t, text, mask)
    assert theirs.abs().mean() > 0.01
    torch.testing.assert_close(ours[:, :old_c], theirs, rtol=1e-5, atol=1e-6)
    assert torch.equal(ours[:, old_c:], torch.zeros_like(ours[:, old_c:]))

    other_patch = DiT(DiTConfig(latent_channels=old_c + 2, width=16, depth=1, heads=2, patch_size=1))
    before = {k: v.clone() for k, v in other_patch.state_dict().items()}
    warm = warm_start_dit(other_patch, source)
    assert set(warm.fresh) == widened and warm.widened == ()
    assert all(torch.equal(other_patch.state_dict()[k], before[k]) for k in widened)
    with pytest.raises(InputError, match="same width"):
        warm_start_dit(DiT(DiTConfig(latent_channels=4, width=32, depth=1, heads=2)), source)

    run(build_config("test", out=tmp_path / "second", dit_init=source, dit_steps=2))
    state = json.loads((tmp_path / "second" / "dit" / "state.json").read_text())["state"]
    assert state["extra"]["warm_start"]["source"] == str(source) and state["extra"]["warm_start"]["fresh"] == []
    cfg2, _, _ = load_generator(tmp_path / "second" / "export")
    assert f"warm-started from {source}" in cfg2.recipe and recipe_figures(cfg2.recipe)["dit_steps"] == 2

    # a run seeded from that export carries the history on: its recipe still names the warm start
    run(build_config("test", out=tmp_path / "third", init_from=tmp_path / "second" / "export", dit_steps=3))
    cfg3, _, _ = load_generator(tmp_path / "third" / "export")
    assert f"warm-started from {source}" in cfg3.recipe and recipe_figures(cfg3.recipe)["dit_steps"] == 3


def test_a_wider_autoencoder_warm_starts_decoding_as_its_source(tmp_path):
    """--ae-init: an autoencoder with twice the latent channels and extra residual blocks, started from
    a trained one, reconstructs exactly as the source does at step 0 while its new latent channels
    already carry signal; a run records the warm start and trains on; other widths are refused."""
    from dataclasses import replace as dc_replace

    from generation.autoencoder import AutoencoderConfig, VideoAutoencoder
    from generation.checkpoint import load_generator
    from generation.training.warm_start import warm_start_autoencoder

    run(build_config("test", out=tmp_path / "first", dit_steps=1))
    source = tmp_path / "first" / "export"
    src_cfg, src_ae, _ = load_generator(source)
    wide_cfg = dc_replace(src_cfg.autoencoder, latent_channels=2 * src_cfg.autoencoder.latent_channels,
                          level_blocks=(1, 1, 1))
    wide = VideoAutoencoder(wide_cfg).eval()
    warm = warm_start_autoencoder(wide, source)
    assert any(k.startswith("encoder.level.") for k in warm.fresh) and warm.copied > 0
    x = torch.rand(1, 9, 3, 32, 48) * 2 - 1
    with torch.no_grad():
        z = wide.encode(x)
        torch.testing.assert_close(wide.decode(z, 32, 48, 9), src_ae.eval().decode(src_ae.encode(x), 32, 48, 9))
    assert z[:, src_cfg.autoencoder.latent_channels:].abs().mean() > 1e-3  # the new channels are not a saddle
    with pytest.raises(InputError, match="widths"):
        warm_start_autoencoder(VideoAutoencoder(AutoencoderConfig(latent_channels=8, channels=(8, 8, 8, 16))), source)

    run(build_config("test", stage="autoencoder", out=tmp_path / "second", ae_init=source, ae_steps=2))
    state = json.loads((tmp_path / "second" / "autoencoder" / "state.json").read_text())["state"]
    assert state["step"] == 2 and state["extra"]["warm_start"]["source"] == str(source)


def test_the_dit_learning_rate_is_set_from_the_command_line(tmp_path):
    """--dit-lr reaches the DiT stage: its optimiser's saved learning rate is the one asked for
    (a long run is consolidated by resuming it at a lower rate)."""
    from generation.train import main

    main(["--preset", "test", "--stage", "all", "--out", str(tmp_path / "run"), "--dit-lr", "1e-5"])
    saved = json.loads((tmp_path / "run" / "dit" / "state.json").read_text())
    assert saved["config"]["dit_lr"] == 1e-5 and saved["state"]["step"] == 2
    assert saved["optimizer"]["param_groups"][0]["lr"] == pytest.approx(1e-5)
