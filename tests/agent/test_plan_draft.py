"""From a model's loose plan to an exact storyboard: whole frames, target length, split long shots."""

from __future__ import annotations

import pytest

from agent.plan_draft import PlanDraft, PlannedScene, PlannedShot, draft_to_storyboard


@pytest.mark.parametrize("fps", [24, 25, 30, 12])
def test_durations_are_whole_frames_and_sum_to_the_target(fps):
    """Nine odd-length shots for 10 s: every shot is a whole number of frames, the film exactly 10 s."""
    draft = PlanDraft(scenes=[PlannedScene(shots=[PlannedShot(description="a dog runs", duration_s=d) for d in (3, 1, 7, 2.5, 1, 1, 4, 0, -2)])])
    board, _ = draft_to_storyboard(draft, target_s=10.0, aspect="16:9", resolution=None, fps=fps, seed=0, known_ids=set())
    frames = [s.duration_s * fps for s in board.shots]
    assert all(abs(f - round(f)) < 1e-9 for f in frames)
    assert sum(round(f) for f in frames) == 10 * fps


def test_long_shots_become_extensions():
    """A 60 s single take is cut into 10 s extensions linked by continuity."""
    draft = PlanDraft(scenes=[PlannedScene(shots=[PlannedShot(description="mammoths walk", duration_s=60)])])
    board, _ = draft_to_storyboard(draft, target_s=60.0, aspect="16:9", resolution=None, fps=24, seed=0, known_ids=set(), min_shots=6)
    assert len(board.shots) == 6 and all(s.duration_s == 10.0 for s in board.shots)
    assert [s.continuity.how for s in board.shots[1:]] == ["extend"] * 5
