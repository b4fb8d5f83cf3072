"""How numbers read on screen."""

from __future__ import annotations

from agent.storyboard import Storyboard


def seconds(value: float) -> str:
    """Whole-frame durations are rarely round (14 frames at 6 fps is 2.333… s); two decimals is
    what a person reads and types back, and the storyboard snaps it to whole frames again."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def board_facts(board: Storyboard) -> str:
    """"3 shots · 6 s · 48x32 @ 6 fps": how the storyboard pane and the approval dialog sum up a film."""
    return f"{len(board.shots)} shots \u00b7 {seconds(board.total_duration_s)} s \u00b7 {board.width}x{board.height} @ {board.fps} fps"
