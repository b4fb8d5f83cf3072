"""The ``reelgraph world`` and ``reelgraph memory`` command groups (thin shells, like agent/cli.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from reelgraph.project import Project

world_app = typer.Typer(help="The procedural training world: render a scene, write a dataset.", no_args_is_help=True)
memory_app = typer.Typer(help="Search and inspect the scene memory of the project.", no_args_is_help=True)


def project_of(ctx: typer.Context) -> Project:
    """The project folder named by --project; opened (and created) only by commands that use it."""
    return Project.open(ctx.find_root().obj)


@memory_app.command("search")
def memory_search(
    ctx: typer.Context,
    query: str = typer.Argument(..., help="What to look for."),
    kind: Optional[str] = typer.Option(None, "--kind", help="Only items of this kind: shot or doc."),
    k: int = typer.Option(10, "-k", min=1, max=1000, help="How many results."),
) -> None:
    """Search the scene memory."""
    from memory.items import ITEM_KINDS, SearchFilters
    from memory.store import SceneMemory
    from reelgraph.errors import InputError

    if kind is not None and kind not in ITEM_KINDS:
        raise InputError(f"--kind must be one of {', '.join(ITEM_KINDS)}, not {kind!r}")
    with SceneMemory.open(project_of(ctx).memory_dir) as memory:
        hits = memory.search(query, k=k, filters=SearchFilters(kind=kind) if kind else None)
    if not hits:
        typer.echo("no matches (is anything ingested? try `reelgraph analyze FILE`)")
    for hit in hits:
        text = " ".join(hit.item.text.split())
        typer.echo(f"{hit.score:.3f}  [{hit.item.id}]  {text[:240] + '…' if len(text) > 240 else text}")


@memory_app.command("stats")
def memory_stats(ctx: typer.Context) -> None:
    """Count what the scene memory holds."""
    from memory.store import SceneMemory

    with SceneMemory.open(project_of(ctx).memory_dir) as memory:
        stats = memory.stats()
    kinds = ", ".join(f"{n} {k}" for k, n in stats.by_kind.items())
    typer.echo(f"{stats.items} items ({kinds}) from {stats.sources} sources in {stats.directory}")
    typer.echo(f"index {stats.index_type}, {stats.embedder} {stats.embedding_dim}-d, {stats.db_bytes / 1e6:.1f} MB on disk")


@world_app.command("render")
def world_render(
    ctx: typer.Context,
    spec_or_prompt: str = typer.Argument(..., help="A prompt in plain words, or a scene-spec JSON/YAML file."),
    out: Path = typer.Option(Path("world.mp4"), "-o", "--out", help="Output MP4, relative to <project>/outputs."),
    duration: float = typer.Option(4.0, "--duration", help="Seconds of video."),
    width: int = typer.Option(256, "--width", help="Frame width in pixels."),
    height: int = typer.Option(144, "--height", help="Frame height in pixels."),
    fps: float = typer.Option(24.0, "--fps", help="Frames per second."),
    seed: int = typer.Option(0, "--seed", min=0, help="Chooses the unsaid details (layout, shades)."),
) -> None:
    """Render one clip of the procedural world."""
    from generation.world.cli import describe, render_to_file, resolve_spec

    request = resolve_spec(spec_or_prompt)
    for line in describe(request):
        typer.echo(line)
    info = render_to_file(request, project_of(ctx).output_path(out), width=width, height=height, fps=fps,
                          duration=duration, seed=seed)
    typer.echo(f"wrote {info.path} ({info.width}x{info.height}, {info.num_frames} frames, {info.duration_s:.2f} s)")


@world_app.command("dataset")
def world_dataset(
    ctx: typer.Context,
    clips: int = typer.Option(1000, "--clips", min=1, help="How many clips."),
    out: Path = typer.Option(..., "--out", help="Folder for the shards."),
    seed: int = typer.Option(0, "--seed", min=0, help="Same seed, same bytes."),
    width: int = typer.Option(128, "--width", help="Frame width in pixels."),
    height: int = typer.Option(72, "--height", help="Frame height in pixels."),
    frames: int = typer.Option(24, "--frames", min=1, help="Frames per clip."),
    fps: float = typer.Option(24.0, "--fps", help="Frames per second."),
    shard_size: int = typer.Option(256, "--shard-size", min=1, help="Clips per shard file."),
) -> None:
    """Write a deterministic dataset of captioned world clips as shards."""
    from generation.world.dataset import write_dataset

    manifest = write_dataset(out, clips=clips, seed=seed, width=width, height=height, num_frames=frames, fps=fps,
                             shard_size=shard_size)
    typer.echo(f"wrote {manifest.clips} clips in {len(manifest.shards)} shards to {out}")
