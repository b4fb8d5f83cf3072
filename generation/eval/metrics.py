"""Quality figures measured through the evaluator: prompt adherence (attribute accuracy), temporal
consistency and a Fréchet distance between two sets of clips.

All three read clips through the same resampling as the evaluator (``clip_input``), so a figure means
the same thing for a 1-s 9:16 clip and a 10-s 16:9 one. Features are the evaluator's penultimate
layer (``Evaluator.features``), L2-normalised where a cosine is taken.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from generation.eval.clip_input import Clip, FrameSample, check_clip, letterbox, prepare_clip, to_unit
from generation.eval.evaluator import Evaluator, mirror_index
from generation.eval.training_examples import at_mask_grid, cover_target
from generation.precision import choose_precision
from generation.world.spec import SceneSpec
from reelgraph.errors import InputError


WHOLE_READING_ONLY = frozenset({"clouds"})
"""Attributes read from the whole-clip reading alone, even when a clip also has an opening reading.
Why: clouds drift slowly (``Sky.DRIFT``, 0.035 frame heights a second), and thin wispy cloud shows
best by its drift across the sky; the opening sees 2.5 s of it, the whole clip up to 8. Combining the
two cost clouds 0.003-0.008 on 600 held-out and 600 test clips with both v28 and its continuation,
while every other attribute gained or held (session 21)."""


@torch.no_grad()
def predict(model: Evaluator, clips: Iterable[Clip], batch: int = 4, mirror: bool = True,
            opening: bool = True) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Run the evaluator over uint8 clips (each (T, H, W, 3), any shape, or the sampled frames of one).

    With ``mirror`` (the default) each clip is also read mirrored left to right, and the two readings'
    probabilities are averaged, with left and right classes swapped back in the mirrored one
    (``MIRROR_PAIRS``): the world has no handedness, so the mirror is a second, equally valid look at
    the same scene. Measured on 600 test clips with the session-13 evaluator (session 15): subject
    motion 0.815 -> 0.847, subject 0.885 -> 0.90, the rest within a clip or two.

    With ``opening`` (the default), a clip that carries an opening window (``FrameSample.opening``:
    long clips of known frame rate, see ``clip_input``) is read a second time over that window, and the
    two readings are combined by the mean of their log-probabilities (a geometric mean, renormalised),
    except for the attributes in ``WHOLE_READING_ONLY``, which keep the whole-clip reading.

    Features (for the Fréchet distance and temporal consistency) are those of the whole clip as given.
    ``batch`` readings go through the network at once: small batches keep the activations in cache
    (v28, one thread, bf16, 96 clips read whole and mirrored: 19.1 clips/s at 4, 17.5 at 8, 14.6 at
    16, 12.2 at 32, 17.7 at 1; session 20).
    Returns ({attribute: probabilities (N, n_classes)}, features (N, feature_dim))."""
    cfg = model.config
    swap = mirror_index(cfg.heads)
    probs: dict[str, list[torch.Tensor]] = {name: [] for name in cfg.heads}
    feats: list[torch.Tensor] = []
    owners: list[int] = []  # which clip each reading belongs to, in reading order
    whole: list[bool] = []  # whether each reading is its clip's whole-clip one
    pending: list[torch.Tensor] = []

    precision = choose_precision("cpu")  # bf16 only where the CPU runs it natively

    def flush() -> None:
        x = torch.stack(pending)
        with precision.autocast():
            logits, f = model(x)
            mirrored = model(x.flip(-1))[0] if mirror else None
        for name, l in logits.items():
            p = l.float().softmax(-1)
            if mirrored is not None:
                p = 0.5 * (p + mirrored[name].float().softmax(-1)[:, swap[name]])
            probs[name].append(p)
        feats.append(f)
        pending.clear()

    def read(clip: Clip, span: int | None) -> None:
        pending.append(prepare_clip(clip, cfg.num_frames, cfg.size, cfg.film_diff, span=span))
        owners.append(count)
        whole.append(span is None)
        if len(pending) == batch:
            flush()

    model.eval()
    count = 0
    for clip in clips:
        read(clip, None)
        if opening and isinstance(clip, FrameSample) and clip.opening is not None:
            read(clip, clip.opening)
        count += 1
    if pending:
        flush()
    if not feats:
        raise InputError("no clips were given to the evaluator")
    owner = torch.tensor(owners)
    first = torch.tensor(whole)
    out = {}
    for name, p in probs.items():
        readings = torch.cat(p)
        out[name] = readings[first].numpy() if name in WHOLE_READING_ONLY else _combine_readings(readings, owner, count)
    return out, torch.cat(feats)[first].numpy()


def _combine_readings(p: torch.Tensor, owner: torch.Tensor, count: int) -> np.ndarray:
    """Probabilities (R, C) of R readings of ``count`` clips -> (count, C): a clip read once keeps its
    reading's probabilities as they are; one read several times gets the renormalised geometric mean."""
    readings = torch.bincount(owner, minlength=count)
    if bool((readings == 1).all()):
        return p.numpy()
    logs = torch.zeros(count, p.shape[1]).index_add_(0, owner, p.clamp_min(1e-8).log())
    combined = (logs / readings[:, None]).softmax(-1)
    combined[readings == 1] = p[readings[owner] == 1]  # both in clip order
    return combined.numpy()


# ------------------------------------------------------------------------------------------------
# Prompt adherence
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttributeAccuracy:
    """Fraction of clips whose predicted value equals the asked value, per attribute and overall."""

    per_attribute: dict[str, float]
    mean: float
    worst: float
    clips: int
    misreads: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per attribute, "asked -> read" -> how many clips, most frequent first: which confusions make
    up the misses (what a reader of the figures asks next)."""


def read_back(probs: dict[str, np.ndarray], specs: Sequence[SceneSpec], heads: dict[str, list[str]]
              ) -> tuple[dict[str, float], dict[str, Counter[tuple[str, str]]]]:
    """Per attribute of ``heads``, the share of clips whose most probable class (``probs`` as
    ``predict`` gives them) is the value their spec asked for, and how often each (asked, read) pair
    of a miss occurred: the one comparison behind every adherence figure."""
    accuracy, misreads = {}, {}
    for name, classes in heads.items():
        asked = [s.value_name(name) for s in specs]
        read = [classes[int(k)] for k in probs[name].argmax(-1)]
        accuracy[name] = float(np.mean([a == r for a, r in zip(asked, read)]))
        misreads[name] = Counter((a, r) for a, r in zip(asked, read) if a != r)
    return accuracy, misreads


def attribute_accuracy(model: Evaluator, clips: Sequence[Clip], specs: Sequence[SceneSpec],
                       mirror: bool = True, opening: bool = True) -> AttributeAccuracy:
    """How often the evaluator reads back each scored attribute of the spec a clip was asked for
    (``mirror``, ``opening``: the extra readings ``predict`` makes by default)."""
    if len(clips) != len(specs):
        raise InputError(f"{len(clips)} clips but {len(specs)} specs; give one spec per clip")
    probs, _ = predict(model, clips, mirror=mirror, opening=opening)
    per, pairs = read_back(probs, specs, model.config.heads)
    misreads = {name: {f"{a} -> {r}": n for (a, r), n in counts.most_common()} for name, counts in pairs.items()}
    return AttributeAccuracy(per_attribute=per, mean=float(np.mean(list(per.values()))), worst=min(per.values()),
                             clips=len(clips), misreads=misreads)


# ------------------------------------------------------------------------------------------------
# Where the subject is
# ------------------------------------------------------------------------------------------------


def cover_correlations(mask: torch.Tensor, cover: torch.Tensor) -> list[float]:
    """Per clip (first dimension), the correlation between a predicted subject mask and the true
    cover of the same shape; clips whose cover is uniform (no subject, or one filling the frame) are
    left out, since a correlation needs the truth to vary."""
    out = []
    for a, b in zip(mask.reshape(len(mask), -1).float(), cover.reshape(len(cover), -1).float()):
        if float(b.std()) > 0:
            out.append(float(torch.corrcoef(torch.stack([a, b]))[0, 1]))
    return out


@torch.no_grad()
def subject_mask_correlation(model: Evaluator, clips: Sequence[FrameSample], batch: int = 32) -> float | None:
    """Mean over clips of the correlation between the evaluator's subject mask (the one its subject
    branch reads, at the mask grid) and the renderer's cover pooled to that grid; ``clips`` must be
    rendered with their cover. None for an evaluator without a subject branch. Why a figure of its
    own: the mask is what limits subject motion (session 19: boosted trees read it at 0.955 from the
    true cover, 0.837 from the shipped mask)."""
    if model.track is None:
        return None
    cfg = model.config
    model.eval()
    out: list[float] = []
    for i in range(0, len(clips), batch):
        part = clips[i : i + batch]
        x = torch.stack([prepare_clip(c, cfg.num_frames, cfg.size, cfg.film_diff) for c in part])
        with choose_precision("cpu").autocast():
            reading = model.forward_with_masks(x)[2]
        truth = at_mask_grid(torch.stack([cover_target(c, cfg) for c in part]), reading.logits.shape[-1])  # (B, T, G, G)
        out += cover_correlations(torch.sigmoid(reading.logits.float()), truth)
    return float(np.mean(out)) if out else None


# ------------------------------------------------------------------------------------------------
# Temporal consistency
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemporalConsistency:
    """Cosine similarity of per-frame evaluator features: mean over consecutive sampled frames, and
    first vs last frame. 1.0 means the frames look the same to the evaluator."""

    consecutive: float
    first_last: float
    frames: int


@torch.no_grad()
def frame_features(model: Evaluator, frames: np.ndarray, num_frames: int = 16) -> torch.Tensor:
    """Per-frame appearance features of ``num_frames`` frames spread over a clip: (n, feature_dim),
    each frame read as a one-frame clip (no motion signal, so only what is shown counts)."""
    from generation.eval.clip_input import frame_indices

    check_clip(frames)
    picked = frames[frame_indices(frames.shape[0], num_frames)]
    x = letterbox(to_unit(picked), model.config.size)  # (n, 3, S, S)
    model.eval()
    return model.features(x.unsqueeze(2))  # (n, 3, 1, S, S) -> (n, D)


def temporal_consistency(model: Evaluator, frames: np.ndarray, num_frames: int = 16) -> TemporalConsistency:
    """Feature similarity of consecutive frames and of the first vs the last frame of one clip."""
    f = F.normalize(frame_features(model, frames, num_frames), dim=-1)
    consecutive = (f[1:] * f[:-1]).sum(-1).mean() if len(f) > 1 else torch.tensor(1.0)
    return TemporalConsistency(consecutive=float(consecutive), first_last=float((f[0] * f[-1]).sum()), frames=len(f))


# ------------------------------------------------------------------------------------------------
# Fréchet distance
# ------------------------------------------------------------------------------------------------


def _sqrtm_psd(a: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((a + a.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance_from_features(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (N_a, D) and (N_b, D):
    |mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a^1/2 S_b S_a^1/2)^1/2). Computed with symmetric
    eigendecompositions (float64), which stays real and stable for rank-deficient covariances."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise InputError(f"feature sets must be (N, D) with the same D, got {a.shape} and {b.shape}")
    if len(a) < 2 or len(b) < 2:
        raise InputError("a Fréchet distance needs at least 2 clips in each set")
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root_a = _sqrtm_psd(s_a)
    cross = _sqrtm_psd(root_a @ s_b @ root_a)
    value = float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * np.trace(cross))
    return max(value, 0.0)


def frechet_distance(model: Evaluator, clips_a: Iterable[np.ndarray], clips_b: Iterable[np.ndarray]) -> float:
    """Fréchet distance between two sets of clips on the evaluator's penultimate features."""
    _, fa = predict(model, clips_a)
    _, fb = predict(model, clips_b)
    return frechet_distance_from_features(fa, fb)
