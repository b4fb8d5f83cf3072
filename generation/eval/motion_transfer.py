"""Does a generated clip move the way the world's render of the same spec moves?

The evaluator reads camera and subject motion as classes, which says *that* a generator falls short
(camera motion 0.2 against the renders' 0.8, session 12) but not *how*: a generator that moves the
wrong way and one that does not move at all score alike. This measures the motion itself, without
any learned network: each clip's *global flow*, the mean Lucas–Kanade displacement
(``motion.local_flow``) over all cells and all consecutive frame pairs, compared clip by clip with
the render of the same prompt. A pan or tilt, and a subject travelling across the frame, move the
global flow; a zoom or dolly is symmetric and barely does, so this is a check of direction and
speed, not of every motion class.

Two figures over the clips whose render visibly moves (global flow at least ``min_motion``):
``speed_ratio``, the median of |generated| / |render| (1 moves as fast, 0 stands still), and
``direction_agreement``, the fraction whose generated flow points within 90 degrees of the render's
(0.5 is a coin toss; a generator that barely moves lands near it). The generator shipped in session
10 (DiT step 4,791), probed on 2026-12-06, made its pans at about 3 % of the render's speed, the same
way under "pans left" and "pans right", while its autoencoder's round trip of the render kept ~40 %.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from generation.eval.motion import local_flow
from reelgraph.errors import InputError

MIN_MOTION = 0.02
"""Global flow (``local_flow`` units: half a pixel a frame is 0.25) below which a render counts as
still; a world pan at 128x72 reads about 0.19, a subject crossing a static frame 0.03-0.07."""


def global_flow(frames: np.ndarray, max_pairs: int = 48) -> np.ndarray:
    """uint8 (T, H, W, 3) -> (2,) float: mean (right, down) motion over all cells and up to
    ``max_pairs`` evenly spread consecutive frame pairs; zeros for a single frame."""
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise InputError(f"global_flow reads (T, H, W, 3) frames, got {frames.shape}")
    if len(frames) < 2:
        return np.zeros(2)
    starts = np.unique(np.linspace(0, len(frames) - 2, min(max_pairs, len(frames) - 1)).round().astype(int))
    x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 127.5 - 1.0
    with torch.no_grad():
        flow = local_flow(x[starts], x[starts + 1])  # (P, 2, h, w)
    return flow.mean(dim=(0, 2, 3)).double().numpy()


@dataclass(frozen=True)
class MotionTransfer:
    """How one set of clips moves against the renders of the same prompts."""

    clips: int
    """Clips whose render moves (global flow >= ``min_motion``): the ones the figures are over."""
    speed_ratio: float | None
    """Median |generated flow| / |render flow| (1: as fast; 0: still). None when no render moves."""
    direction_agreement: float | None
    """Fraction whose generated flow is within 90 degrees of the render's (0.5: chance)."""
    mean_cosine: float | None
    """Mean cosine between generated and render flow (1: same direction; 0: unrelated or still)."""

    def summary(self) -> dict:
        r = lambda v: None if v is None else round(v, 4)  # noqa: E731
        return dict(moving_clips=self.clips, speed_ratio=r(self.speed_ratio),
                    direction_agreement=r(self.direction_agreement), mean_cosine=r(self.mean_cosine))


def motion_transfer(clips: Sequence[np.ndarray], renders: Sequence[np.ndarray], min_motion: float = MIN_MOTION) -> MotionTransfer:
    """Compare each clip's global flow with its render's (same prompt, same length and size)."""
    if len(clips) != len(renders):
        raise InputError(f"motion_transfer needs one render per clip, got {len(clips)} clips and {len(renders)} renders")
    return compare_flows([global_flow(c) for c in clips], [global_flow(r) for r in renders], min_motion)


def compare_flows(clip_flows: Sequence[np.ndarray], render_flows: Sequence[np.ndarray],
                  min_motion: float = MIN_MOTION) -> MotionTransfer:
    """``motion_transfer`` on global flows already measured (each (2,), ``global_flow``), so one set of
    renders' flows serves several sets of clips."""
    if len(clip_flows) != len(render_flows):
        raise InputError(f"compare_flows needs one render flow per clip flow, got {len(clip_flows)} and {len(render_flows)}")
    ratios, agree, cosines = [], [], []
    for g, r in zip(clip_flows, render_flows):
        r_norm = float(np.linalg.norm(r))
        if r_norm < min_motion:
            continue
        g_norm = float(np.linalg.norm(g))
        cos = float(g @ r) / (g_norm * r_norm) if g_norm > 1e-9 else 0.0
        ratios.append(g_norm / r_norm)
        agree.append(cos > 0)
        cosines.append(cos)
    if not ratios:
        return MotionTransfer(clips=0, speed_ratio=None, direction_agreement=None, mean_cosine=None)
    return MotionTransfer(clips=len(ratios), speed_ratio=float(np.median(ratios)),
                          direction_agreement=float(np.mean(agree)), mean_cosine=float(np.mean(cosines)))
