"""What a training run does when the world fails to render one of its clips.

A renderer bug that one clip in thousands hits (session 23: a zoomed 9:16 frame with no particle in
view) used to end an hours-long run. Training streams are endless and every clip is drawn from its
own seed, so one clip can be reported with what reproduces it and skipped without changing the
rest of the stream. When failures pass a small share of the clips the world itself is broken, and
the run stops with an error that says so.

Held-out and test sets do not use this: they are rendered once, and skipping a clip would change
the set every figure is measured on, so they fail fast.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

MAX_FAILED_SHARE = 0.01
"""Share of training clips that may fail to render (each reported and skipped) before the run stops."""
MIN_FAILURES_TO_STOP = 3
"""Failures always tolerated, so a bad clip early in a run does not stop it on the share alone."""


@dataclass
class RenderFailures:
    """Clips one training stream has asked the renderer for, and how many of them failed.

    ``what`` names the clips in messages ("training clip", "DiT training clip")."""

    what: str = "training clip"
    rendered: int = 0
    failed: int = 0

    def attempt(self) -> None:
        """Count one clip handed to the renderer."""
        self.rendered += 1

    def skip(self, exc: BaseException, clip: str, reproduce: str) -> None:
        """Report that ``clip`` (e.g. "12", "seed 4711") failed with ``exc`` and is skipped, with the
        call that reproduces it; raise when failures are past the share a working world allows."""
        self.failed += 1
        print(f"warning: {self.what} {clip} failed to render and was skipped ({exc!r}); reproduce with {reproduce}",
              file=sys.stderr, flush=True)
        if self.failed > max(MIN_FAILURES_TO_STOP, MAX_FAILED_SHARE * self.rendered):
            raise RuntimeError(f"{self.failed} of {self.rendered} {self.what}s failed to render; the world is broken, "
                               f"see the warnings above") from exc
