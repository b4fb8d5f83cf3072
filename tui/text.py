"""How numbers read on screen."""

from __future__ import annotations


def seconds(value: float) -> str:
    """Whole-frame durations are rarely round (14 frames at 6 fps is 2.333… s); two decimals is
    what a person reads and types back, and the storyboard snaps it to whole frames again."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
