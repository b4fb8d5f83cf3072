"""The studio's chat router and storyboard edits, and shot thumbnails: deterministic phrasings to
intents, edits validated by the storyboard schema, and the middle frame of a real clip."""

from __future__ import annotations

import numpy as np
import pytest

from agent.chat_intents import Analyze, AskMemory, EditShot, PlanFilm, RenderFilm, apply_edit, edit_shot, resolve_shot, route
from agent.storyboard import Storyboard
from agent.thumbnails import clip_thumbnail, thumbnail_size
from reelgraph.errors import InputError


@pytest.mark.parametrize(
    "line, intent",
    [
        ("analyze ~/films/x.mp4", Analyze(("~/films/x.mp4",))),
        ('Analyse "my film.mp4" notes.md', Analyze(("my film.mp4", "notes.md"))),
        ("ingest a.mp4, b.fountain and c.md", Analyze(("a.mp4", "b.fountain", "c.md"))),
        ("plan a 60-second film about woolly mammoths", PlanFilm("woolly mammoths", 60.0)),
        ("plan a 2 minute movie about a lighthouse keeper's last night", PlanFilm("a lighthouse keeper's last night", 120.0)),
        ("Plan a film about birds over the sea", PlanFilm("birds over the sea", 60.0)),
        ("make a 30 s video of a red ball bouncing on a beach", PlanFilm("a red ball bouncing on a beach", 30.0)),
        ("plan mammoths crossing a pass, 12 seconds", PlanFilm("mammoths crossing a pass,", 12.0)),
        ("make shot 3 a close-up", EditShot("3", "camera", "close-up")),
        ("make shot s1-2 an extreme wide shot", EditShot("s1-2", "camera", "extreme wide shot")),
        ("shot 2 duration 4", EditShot("2", "duration_s", "4")),
        ("set shot 2 duration to 4.5s", EditShot("2", "duration_s", "4.5s")),
        ("change the length of shot 1 to 3", EditShot("1", "duration_s", "3")),
        ("make shot 2 5 seconds long", EditShot("2", "duration_s", "5")),
        ("shot 1 prompt a red ball bounces on the sand", EditShot("1", "prompt", "a red ball bounces on the sand")),
        ("shot 1 prompt: \"two birds fly\"", EditShot("1", "prompt", "two birds fly")),
        ("shot 4 camera low angle, slow pan left", EditShot("4", "camera", "low angle, slow pan left")),
        ("render", RenderFilm()),
        ("Render it now!", RenderFilm()),
        ("go", RenderFilm()),
        ("what is the average shot length of the reference?", AskMemory("what is the average shot length of the reference?")),
        ("make it darker", AskMemory("make it darker")),
        ("rendering takes how long?", AskMemory("rendering takes how long?")),
    ],
)
def test_route(line, intent):
    """Each phrasing maps to one intent; anything unrecognised is a question for memory."""
    assert route(line) == intent


def test_route_plan_without_subject_is_an_error():
    """A plan with no subject is refused with an example of what to say."""
    with pytest.raises(InputError, match="what the film is about"):
        route("plan a 60-second film")


BOARD = {
    "title": "T",
    "resolution": "48x32",
    "fps": 6,
    "scenes": [
        {"id": "s1", "shots": [{"id": "s1-1", "prompt": "a mammoth", "duration_s": 2}, {"id": "s1-2", "prompt": "two birds", "duration_s": 3, "camera": "pan right"}]},
        {"id": "s2", "shots": [{"id": "s2-1", "prompt": "a red ball", "duration_s": 1}]},
    ],
}


def test_edits_apply_by_position_or_id_and_validate():
    """Edits land on the right shot (by 1-based position or id), leave the original untouched, and
    bad values are refused with the schema's reason."""
    board = Storyboard.model_validate(BOARD)
    assert resolve_shot(board, "3") == "s2-1" and resolve_shot(board, "s1-2") == "s1-2"
    edited = apply_edit(board, EditShot("3", "camera", "close-up"))
    assert edited.shots[2].camera == "close-up" and board.shots[2].camera == ""
    assert apply_edit(edited, EditShot("2", "duration_s", "4.5 s")).shots[1].duration_s == 4.5
    assert edit_shot(board, "s1-1", "prompt", "  three mammoths  ").shots[0].prompt == "three mammoths"
    with pytest.raises(InputError, match="greater than 0"):
        edit_shot(board, "s1-1", "duration_s", "0")
    with pytest.raises(InputError, match="not a number of seconds"):
        edit_shot(board, "s1-1", "duration_s", "long")
    with pytest.raises(InputError, match="blank"):
        edit_shot(board, "s1-1", "prompt", "   ")
    with pytest.raises(InputError, match="at most 200"):
        edit_shot(board, "s1-1", "camera", "x" * 201)
    with pytest.raises(InputError, match="no shot '7'"):
        apply_edit(board, EditShot("7", "camera", "wide"))
    with pytest.raises(InputError, match="only prompt, duration_s, camera"):
        edit_shot(board, "s1-1", "seed", "3")
    shots = [{"id": f"a{i}", "prompt": "p", "duration_s": 118} for i in range(5)] + [{"id": "b", "prompt": "q", "duration_s": 5}]
    long_board = Storyboard.model_validate({**BOARD, "scenes": [{"id": "s1", "shots": shots}]})
    with pytest.raises(InputError, match="limit is 600"):
        edit_shot(long_board, "b", "duration_s", "20")


def test_thumbnail_is_the_middle_frame_of_a_real_clip(tmp_path):
    """A clip whose frames are black, then white, then black: the thumbnail is the white middle,
    at 16 columns and an even number of pixel rows that keeps the frame's shape."""
    from generation.video_io import write_video

    frames = np.zeros((30, 64, 96, 3), np.uint8)
    frames[10:20] = 255
    clip = tmp_path / "clip.mp4"
    write_video(clip, frames, fps=10)
    thumb = clip_thumbnail(clip, cells=16)
    assert thumb.dtype == np.uint8 and thumb.shape == (10, 16, 3) == (*thumbnail_size(96, 64, 16)[::-1], 3)
    assert thumb.mean() > 200
    assert thumbnail_size(256, 144, 16) == (16, 8) and thumbnail_size(144, 256, 16)[1] % 2 == 0
    with pytest.raises(InputError, match="does not exist"):
        clip_thumbnail(tmp_path / "gone.mp4")
