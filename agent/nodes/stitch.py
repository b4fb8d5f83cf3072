"""stitch: join the takes into the film, with its contact sheet and manifest."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from langgraph.runtime import Runtime

from agent.context import DirectorContext
from agent.events import event_sender
from agent.state import DirectorState, FilmResult
from reelgraph import __version__
from reelgraph.atomic import write_json_atomic

CROSSFADE_S = 0.5


def stitch(state: DirectorState, runtime: Runtime[DirectorContext]) -> dict:
    from generation.contact_sheet import contact_sheet, save_png
    from generation.stitch import StitchClip, StitchProgress, stitch_clips
    from generation.video_io import Provenance, middle_frame

    ctx = runtime.context
    send = event_sender(ctx)
    board = state.storyboard
    clips = []
    for shot in board.shots:
        how = shot.continuity.how if shot.continuity else "cut"
        # An extension already continues the previous take's motion, so it joins with a plain cut.
        transition = "crossfade" if how == "crossfade" else "cut"
        clips.append(StitchClip(Path(state.rendered[shot.id].path), transition, CROSSFADE_S))
    out = ctx.project.output_path(state.output_name)
    provenance = Provenance(generator=f"{ctx.renderer.name} {ctx.renderer.version}", prompt=state.idea or board.title, seed=ctx.settings.seed, title=board.title)

    def progress(p: StitchProgress) -> None:
        send({"event": "stitch", "clips_done": p.clips_done, "clips_total": p.clips_total})

    info = stitch_clips(clips, out, fps=board.fps, size=board.size, provenance=provenance, on_progress=progress)

    keyframes, labels = [], []
    for shot in board.shots:
        keyframes.append(middle_frame(Path(state.rendered[shot.id].path)))
        labels.append(f"{shot.id}  {shot.duration_s:.1f}s")
    sheet = save_png(out.with_name(out.stem + ".contact.png"), contact_sheet(keyframes, labels))

    manifest = out.with_name(out.stem + ".manifest.json")
    write_json_atomic(
        manifest,
        {
            "notice": "AI-generated video",
            "tool": f"reelgraph {__version__}",
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "idea": state.idea,
            "renderer": {"name": ctx.renderer.name, "version": ctx.renderer.version},
            "chat_model": ctx.settings.model if ctx.chat is not None else None,
            "citations": state.citations,
            "video": {"file": out.name, "width": info.width, "height": info.height, "fps": info.fps, "duration_s": info.duration_s, "frames": info.num_frames},
            "contact_sheet": sheet.name,
            "shots": [
                {
                    "id": shot.id,
                    "prompt": state.rendered[shot.id].prompt,
                    "duration_s": shot.duration_s,
                    "seed": state.rendered[shot.id].seed,
                    "attempts": state.rendered[shot.id].attempt,
                    "score": state.rendered[shot.id].score,
                    "verdicts": state.rendered[shot.id].details,
                    "references": shot.references,
                }
                for shot in board.shots
            ],
            "storyboard": board.model_dump(mode="json", exclude_none=True),
        },
    )
    result = FilmResult(video=str(out), contact_sheet=str(sheet), manifest=str(manifest), duration_s=info.duration_s, shots=len(board.shots))
    send({"event": "done", "video": str(out)})
    return {"result": result, "status": "done", "log": [f"stitch: {out.name}, {info.duration_s:.1f} s"]}
