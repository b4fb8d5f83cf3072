"""The director graph end to end with a deterministic chat model and the real world renderer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.api import Director
from agent.context import ShotRequest
from agent.renderers import WorldRenderer
from generation.video_io import probe_video
from tests.agent.conftest import PLAN, fake_planner


class CountingRenderer(WorldRenderer):
    """The real world renderer that counts its calls and can fail once on a chosen shot."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[str] = []
        self.fail_on = fail_on

    def render(self, request: ShotRequest, on_frames):
        self.calls.append(request.shot_id)
        if request.shot_id == self.fail_on:
            self.fail_on = None
            raise RuntimeError("renderer crashed")
        yield from super().render(request, on_frames)


def test_idea_to_film_in_node_order(tmp_path, tiny_settings):
    """An idea becomes a storyboard whose durations sum to the target, then a stitched MP4 with a
    contact sheet and manifest; nodes run in the designed order."""
    renderer = CountingRenderer()
    director = Director(tmp_path, tiny_settings, chat=fake_planner(), renderer=renderer, use_scorer=False)
    events = list(director.events(idea="mammoths in the snow", duration_s=6.0, output_name="film.mp4"))
    nodes = [e["node"] for e in events if e["event"] == "node_done"]
    assert nodes == ["ingest", "understand", "plan", "approve", "render", "review", "stitch"]
    final = events[-1]
    assert final["event"] == "finished"
    result = final["result"]
    info = probe_video(Path(result["video"]))
    assert (info.width, info.height) == (48, 32)
    assert info.duration_s == pytest.approx(6.0 - 0.5, abs=0.35)  # one 0.5 s crossfade overlap
    manifest = json.loads(Path(result["manifest"]).read_text())
    assert sum(s["duration_s"] for s in manifest["shots"]) == pytest.approx(6.0)
    assert manifest["notice"] == "AI-generated video" and Path(result["contact_sheet"]).stat().st_size > 0
    assert renderer.calls == ["s1-1", "s1-2", "s2-1"]
    assert any(e["event"] == "shot_progress" for e in events)


def test_approval_interrupt_edit_and_resume(tmp_path, tiny_settings):
    """Without --yes the run pauses with the storyboard; an edit is validated and rendered."""
    tiny_settings.auto_approve = False
    director = Director(tmp_path, tiny_settings, chat=fake_planner(), renderer=CountingRenderer(), use_scorer=False)
    outcome = director.run("mammoths", duration_s=6.0)
    assert outcome.status == "awaiting_approval" and outcome.result is None
    board = outcome.pending_storyboard.model_dump(mode="json")
    board["scenes"][0]["shots"][0]["duration_s"] = 1.0
    done = director.resume(outcome.run_id, {"action": "edit", "storyboard": board})
    assert done.status == "done"
    assert json.loads(Path(done.result.manifest).read_text())["shots"][0]["duration_s"] == 1.0


def test_reject_replans_with_feedback(tmp_path, tiny_settings):
    """A rejection with a note sends the run back to the planner, whose next plan is used."""
    tiny_settings.auto_approve = False
    second = json.loads(json.dumps(PLAN))
    second["title"] = "Second try"
    chat = fake_planner(PLAN, second)
    director = Director(tmp_path, tiny_settings, chat=chat, renderer=CountingRenderer(), use_scorer=False)
    first = director.run("mammoths", duration_s=6.0)
    again = director.resume(first.run_id, {"action": "reject", "note": "more mammoths"})
    assert again.status == "awaiting_approval" and again.pending_storyboard.title == "Second try"


def test_crash_mid_render_resumes_without_rerendering(tmp_path, tiny_settings):
    """A renderer crash on the second shot; resume renders only the unfinished shots."""
    renderer = CountingRenderer(fail_on="s1-2")
    director = Director(tmp_path, tiny_settings, chat=fake_planner(), renderer=renderer, use_scorer=False)
    run_id = "crashy"
    with pytest.raises(RuntimeError, match="renderer crashed"):
        for _ in director.events(idea="mammoths", duration_s=6.0, run_id=run_id):
            pass
    assert renderer.calls == ["s1-1", "s1-2"]
    again = Director(tmp_path, tiny_settings, chat=fake_planner(), renderer=renderer, use_scorer=False)
    outcome = again.resume(run_id)
    assert outcome.status == "done"
    assert renderer.calls == ["s1-1", "s1-2", "s1-2", "s2-1"]


def test_rendering_a_given_storyboard_uses_the_cache(tmp_path, tiny_settings):
    """The same storyboard rendered twice renders each shot once: takes are cached by content."""
    director = Director(tmp_path, tiny_settings, chat=fake_planner(), renderer=CountingRenderer(), use_scorer=False)
    board = director.plan("mammoths", duration=6.0)
    renderer = CountingRenderer()
    director2 = Director(tmp_path, tiny_settings, renderer=renderer, use_scorer=False)
    director2.render(board, "a.mp4")
    director2.render(board, "b.mp4")
    assert renderer.calls == ["s1-1", "s1-2", "s2-1"]
    assert (tmp_path / "outputs" / "b.mp4").is_file()


def test_review_sends_weak_takes_back_and_keeps_the_best(tmp_path, tiny_settings):
    """A take scoring below the threshold is re-rendered with a new seed, at most max_retakes
    times; the best take is the one stitched, even when a retake scores worse."""
    scores = {"s1-2": [0.1, 0.4, 0.2]}  # three takes of shot s1-2: the second is best

    class Scorer:
        def __init__(self):
            self.seen: dict[str, int] = {}

        def score(self, clip: Path, prompt: str):
            shot = next(k for k in ("s1-1", "s1-2", "s2-1") if k in owner.get(str(clip), ""))
            n = self.seen.get(shot, 0)
            self.seen[shot] = n + 1
            return (scores.get(shot, [0.9])[n] if shot in scores else 0.9), {"subject": "mammoth (ok)"}

    owner: dict[str, str] = {}

    renderer = CountingRenderer()
    tiny_settings.max_retakes = 2
    director = Director(tmp_path, tiny_settings, chat=fake_planner(), renderer=renderer, scorer=Scorer())
    # Map clip files back to shots through the render events.
    director.listeners.append(lambda e: owner.__setitem__(e["path"], e["shot"]) if e.get("event") == "shot_done" else None)
    outcome = director.run("mammoths", duration_s=6.0)
    assert outcome.status == "done"
    assert renderer.calls == ["s1-1", "s1-2", "s2-1", "s1-2", "s1-2"]
    manifest = json.loads(Path(outcome.result.manifest).read_text())
    shot = next(s for s in manifest["shots"] if s["id"] == "s1-2")
    assert shot["attempts"] == 3 and shot["score"] == pytest.approx(0.4)


def test_review_with_real_evaluator(tmp_path, tiny_settings):
    """The shipped evaluator reviews every take; its verdicts and scores land in the manifest."""
    tiny_settings.resolution = "96x54"
    tiny_settings.fps = 8
    director = Director(tmp_path, tiny_settings, chat=fake_planner(), renderer=CountingRenderer())
    outcome = director.run("mammoths", duration_s=6.0)
    assert outcome.status == "done"
    manifest = json.loads(Path(outcome.result.manifest).read_text())
    for shot in manifest["shots"]:
        assert 0.0 <= shot["score"] <= 1.0
        assert shot["verdicts"], shot
