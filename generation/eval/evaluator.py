"""The evaluator: a small factorised space-time conv net that reads a clip and predicts every scored
attribute of the world's scene spec (one classification head per attribute).

It bounds every quality figure the project reports (prompt adherence, temporal consistency, Fréchet
distance all go through it), so it must be right on the world's own clips and not depend on
pixel-exact renderer artefacts: it is trained on augmented renders (see ``train_evaluator.py``) and
reads clips through a fixed, documented resampling (``clip_input.py``).

Layout, in the order data flows (DiT/nanoGPT habit): config -> building blocks -> network ->
checkpoint save/load. Input is ``(B, 3, T, S, S)`` float in [-1, 1] (letterboxed, grey padding = 0),
or ``(B, 6, T, S, S)`` with the film frame before each sample (``film_diff``); the first layer also
sees the differences to the previous sample and to the previous film frame, which makes motion cheap
to learn.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from generation.eval.motion import SUMMARY_SIZE, film_flow, flow_summary
from generation.eval.motion_mixer import MotionMixer
from generation.eval.subject_segmenter import SubjectSegmenter, pooled_logits
from generation.eval.subject_track import TRACK_SIZE, SubjectTrack
from generation.world.spec import SCORED_ATTRIBUTES
from reelgraph.errors import InputError, ModelUnavailable

FLOW_BACKGROUNDS = ("textured", "median")

# The shipped checkpoint, trained on the world by ``python -m generation.eval.train_evaluator``.
SHIPPED_WEIGHTS = Path(__file__).resolve().parent.parent / "weights" / "evaluator.safetensors"


MIRROR_PAIRS: dict[str, tuple[str, str]] = {"subject_motion": ("move_left", "move_right"), "camera_motion": ("pan_left", "pan_right")}
"""Classes that trade places when a clip is mirrored left to right; every other class of the world
reads the same in a mirror (it has no handedness: suns, subjects and layers fall on either side)."""


def mirror_index(heads: dict[str, list[str]]) -> dict[str, list[int]]:
    """Attribute -> for each class index, the index of the class its mirror image shows."""
    out = {}
    for name, classes in heads.items():
        order = list(range(len(classes)))
        if name in MIRROR_PAIRS and all(c in classes for c in MIRROR_PAIRS[name]):
            a, b = (classes.index(c) for c in MIRROR_PAIRS[name])
            order[a], order[b] = b, a
        out[name] = order
    return out


def default_heads() -> dict[str, list[str]]:
    """Class names per scored attribute, in the spec's enum order (the order is the label index)."""
    return {name: [v.value for v in enum] for name, enum in SCORED_ATTRIBUTES.items()}


ZERO_STARTED = ("peak_branch", "film_diff", "flow", "subject_track", "motion_mixer", "mask_context", "mixer_standardized",
                "segmenter")
"""The config's switches for parts that start at zero (or unread), so that weights trained without
one load and score unchanged with it: one list for ``core`` and ``Evaluator.load_start``."""


@dataclass
class EvaluatorConfig:
    """Everything needed to rebuild the network; stored inside the checkpoint."""

    num_frames: int = 12
    """Frames sampled evenly over the whole clip, whatever its length or fps (12 keeps a bounce or
    a fast pan from aliasing between samples of a long clip)."""
    size: int = 96
    """Side of the square canvas the clip is letterboxed into (aspect kept, grey bars). 96 makes
    16:9 content 96x54: at 64 (64x36) a dog or a snowflake was a pixel or two."""
    stem_kernel: int = 4
    stem_stride: int = 4
    """The stem turns each ``stem_stride``-pixel cell into a feature vector (a patchify stem, as in
    ViT/ConvNeXt): 96 -> 24 cells. Measured 2.6x faster to train on this CPU than a 5x5 stride-2
    stem with narrow 48/24/12-pixel stages, and a 4x4 cell still sees a snowflake's size and colour."""
    widths: tuple[int, ...] = (32, 48, 96, 128)
    """Channels of the stem and of each stride-2 stage (24 -> 12 -> 6 -> 3 cells). A trained network
    grows wider without changing a prediction (``widen.py``; ``train_evaluator --widths``)."""
    pooled: int = 3
    """Each frame's last feature map is average-pooled to ``pooled x pooled`` cells."""
    feature_dim: int = 128
    """Penultimate feature size: what the Fréchet distance and temporal consistency compare."""
    dropout: float = 0.1
    """Dropout on the penultimate features during training."""
    peak_branch: bool = True
    """Also read the last feature map by its maximum over space (then its mean and maximum over
    time): a bird or a ball covers one or two of the 24x24 stem cells, which a 3x3 average all but
    erases (fly_across read as still 15 times in 16, 2026-12-01), while a maximum keeps it. Its
    projection starts at zero, so weights trained without it load and score unchanged."""
    film_diff: bool = True
    """Also read, with every sample, the film frame just before it (and their difference). Samples of
    a long clip lie up to 0.7 s apart: a pan moves fine texture (trees, windows) further than its own
    spacing in that time, so sample-to-sample differences alias (pan_right read as pan_left 13 times
    in 400 clips, 2026-12-01), and a slow approach changes little between two samples. One film frame
    apart, everything moves a pixel or two, the regime in which motion can be measured. Its stem
    weights start at zero, so weights trained without it load and score unchanged. On its own it did
    not pay (1,600 steps of fine-tuning moved motion +0.01, session 5); it is on because ``flow``
    reads these frames."""
    flow: bool = True
    """Also read the local motion (Lucas–Kanade, ``motion.local_flow``) from the film frame before
    each sample to the sample: per stem cell, added to the stem's output, and summarised per clip
    (``motion.flow_summary``) straight into the projection. Needs ``film_diff``. Difference images say
    that something moved; which way is a product with the image gradient that the network learned
    slowly (pan_right read as pan_left 11 times, dolly as static 17 times in 400 clips, 2026-12-02),
    and the fit hands it over directly: the sign of the median flow alone tells pan direction on 42 of
    42 held-out clips. Both projections start at zero, so weights trained without flow load and score
    unchanged. Fine-tuned 1,200 steps with it, the shipped evaluator went from 0.763 to 0.86 on
    camera motion and 0.668 to 0.708 on subject motion (600 fresh clips, BENCHMARKS.md session 7)."""
    flow_background: str = "textured"
    """What the flow summary measures a subject's motion against (``motion.relative_motion``):
    "textured", the median motion of the most textured quarter of the cells (the ground and scenery a
    pan moves), or "median", of all cells (before session 11; under a pan mostly still sky, so a
    still subject read as moving with the pan)."""
    subject_track: bool = True
    """Also predict where the subject is (a mask per cell of the first stage, trained on the
    renderer's exact coverage) and read the subject's area, centroid, spread, relative motion and
    masked appearance from it (``subject_track.py``). Its projections start at zero, so weights
    trained without it load and score unchanged."""
    motion_mixer: bool = True
    """Also read the subject's track summary and the flow summary together through a small MLP
    (``motion_mixer.py``): whether a subject moves depends on its screen motion and the camera's at
    once, which the linear projections and heads cannot compare. Built only with ``subject_track``
    and ``flow``, whose summaries it reads. Its output layer starts at zero, so weights trained
    without it load and score unchanged."""
    mask_context: bool = True
    """Also read the second and third stages' maps (upsampled) when predicting the subject mask
    (``SubjectTrack.context_head``). Why: the subject-motion head is limited by the mask, not by what
    the track summaries can say. On 600 test clips, a boosted-tree classifier trained on 4,000 clips'
    track and flow summaries read subject motion at 0.79 from the shipped evaluator's own mask and at
    0.95-0.96 from the true cover (session 17; the evaluator itself: 0.85). Trained 3,600 steps (v24),
    it raised the mask's correlation with the true cover from 0.73 to 0.78, but subject motion only
    from 0.892 to 0.897. Built only with ``subject_track``; its output layer starts at zero, so weights
    trained without it load and score unchanged."""
    mixer_standardized: bool = True
    """Also read the motion mixer's inputs each scaled to unit spread over clips, through a second
    hidden layer (``MotionMixer.standardize``): after the mixer's LayerNorm the slopes that tell an
    approach or a walk were a third the size of the flow's numbers, and learned from as slowly.
    Built only with the mixer; its output layer starts at zero, so weights trained without it load
    and score unchanged."""
    segmenter: bool = True
    """Also find the subject with a network of its own (``subject_segmenter.py``, ~160k parameters,
    taught the renderer's cover at 24x24 cells) and mix its mask into the subject branch's through a
    gate. Why: the subject branch reads motion from its mask, and the mask was the limit (on 600 test
    clips, boosted trees on the track summaries read subject motion at 0.955 from the true cover and
    0.837 from the evaluator's own mask, session 19). Built only with ``subject_track`` and ``flow``
    with a stem of 4-pixel cells (it reads the flow at those cells). The gate starts at zero,
    so weights trained without it load and score unchanged."""
    heads: dict[str, list[str]] = field(default_factory=default_heads)
    """Attribute name -> class names; one linear head each."""

    def __post_init__(self) -> None:
        if self.subject_track and len(self.widths) < 3:
            raise InputError("EvaluatorConfig.subject_track reads the first two stages: give at least 3 widths")
        if self.flow and not self.film_diff:
            raise InputError("EvaluatorConfig.flow reads the film frame before each sample: it needs film_diff=True")
        if self.flow_background not in FLOW_BACKGROUNDS:
            raise InputError(f"EvaluatorConfig.flow_background must be one of {FLOW_BACKGROUNDS}, got {self.flow_background!r}")

    def to_json(self) -> str:
        return json.dumps(asdict(self))  # key order kept: heads stay in SCORED_ATTRIBUTES order

    @classmethod
    def from_json(cls, text: str) -> "EvaluatorConfig":
        raw = json.loads(text)
        raw["widths"] = tuple(raw["widths"])
        # checkpoints written before these fields existed: 5x5 stride-2 stem, 2x2 pooling
        raw.setdefault("pooled", 2)
        raw.setdefault("stem_kernel", 5)
        raw.setdefault("stem_stride", 2)
        raw.setdefault("peak_branch", False)  # checkpoints from before 2026-12-01 have none
        raw.setdefault("film_diff", False)  # nor from before session 5 (2026-12-01, evening)
        raw.setdefault("flow", False)  # nor from before session 7 (2026-12-02)
        raw.setdefault("flow_background", "median")  # and before session 11 (2026-12-04) flow used this
        raw.setdefault("subject_track", False)  # nor a subject branch before session 15 (2026-12-06)
        raw.setdefault("motion_mixer", False)  # nor a motion mixer before session 16
        raw.setdefault("mask_context", False)  # nor a context head on the mask before session 17
        raw.setdefault("mixer_standardized", False)  # nor standardised mixer inputs before session 18
        raw.setdefault("segmenter", False)  # nor a subject segmenter before session 19
        return cls(**raw)

    @property
    def builds_segmenter(self) -> bool:
        """Whether the network has a subject segmenter: asked for, and what it needs is there."""
        return self.segmenter and self.subject_track and self.flow and self.stem_stride == 4

    @property
    def input_channels(self) -> int:
        """Channels of the clip tensor the network reads: RGB, plus the previous film frames' RGB."""
        return 6 if self.film_diff else 3

    def core(self) -> "EvaluatorConfig":
        """This config minus the parts that start at zero (``ZERO_STARTED``) and the flow's
        background: two configs with the same core can start one from the other's weights."""
        return replace(self, flow_background="textured", **{name: False for name in ZERO_STARTED})

    def lacks_parts_of(self, other: "EvaluatorConfig") -> bool:
        """Whether ``other`` has a zero-started part this config has not (it cannot start from
        ``other``'s weights: they would be dropped)."""
        return any(getattr(other, name) and not getattr(self, name) for name in ZERO_STARTED)


# ------------------------------------------------------------------------------------------------
# Building blocks
# ------------------------------------------------------------------------------------------------


class SpaceTimeBlock(nn.Module):
    """A (2+1)-D residual block: a strided 3x3 conv on every frame, then a 3-tap conv along time at
    every pixel. Time is padded by repeating the end frames, so a static clip gives the same feature
    at every time step (temporal consistency of a still clip is then exactly 1)."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.spatial = nn.Conv2d(c_in, c_out, 3, stride=2, padding=1, bias=False)
        self.bn_s = nn.BatchNorm2d(c_out)
        self.temporal = nn.Conv2d(c_out, c_out, (3, 1), bias=False)
        self.bn_t = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor, t: int) -> torch.Tensor:
        # x: (B*T, C, H, W) -> (B*T, C', H/2, W/2)
        h = F.relu(self.bn_s(self.spatial(x)))
        bt, c, hh, ww = h.shape
        b = bt // t
        # along time: (B, C', T, H'*W'), replicate-pad T by one on both ends
        ht = h.reshape(b, t, c, hh * ww).transpose(1, 2)
        ht = F.pad(ht, (0, 0, 1, 1), mode="replicate")
        ht = self.bn_t(self.temporal(ht))  # (B, C', T, H'*W')
        ht = ht.transpose(1, 2).reshape(bt, c, hh, ww)
        return F.relu(h + ht)


@dataclass
class MaskReading:
    """Where the network thinks the subject is, as logits of the cover: what training supervises."""

    logits: torch.Tensor
    """(B, T, G, G) at the mask grid: the mask the subject branch reads (its own head's, gated with
    the segmenter's where there is one)."""
    fine: torch.Tensor | None = None
    """(B, T, 2G, 2G): the segmenter's own logits, or None without a segmenter (or without film frames)."""


# ------------------------------------------------------------------------------------------------
# The network
# ------------------------------------------------------------------------------------------------


class Evaluator(nn.Module):
    """Clip -> one logit vector per scored attribute, plus a penultimate feature vector."""

    def __init__(self, config: EvaluatorConfig):
        super().__init__()
        self.config = config
        w = config.widths
        # stem sees RGB, the RGB difference to the previous sample and (film_diff) to the previous
        # film frame: 6 or 9 channels
        k, st = config.stem_kernel, config.stem_stride
        self.stem = nn.Sequential(
            nn.Conv2d(9 if config.film_diff else 6, w[0], k, stride=st, padding=(k - st + 1) // 2, bias=False), nn.BatchNorm2d(w[0]), nn.ReLU()
        )
        # flow: (u, v) per stem cell -> stem channels, added to the stem's output. The BatchNorm
        # matters: flow is small (0.1 on average) and its zero-started projection, trained without
        # one, stayed at 0.01 after 600 steps, too weak to change a prediction
        self.flow_in = nn.Sequential(nn.Conv2d(2, w[0], 3, padding=1, bias=False), nn.BatchNorm2d(w[0])) if config.flow else None
        # and its per-clip summary (region means, residual extremes) straight to the projection: the
        # stem's flow channels alone were slow to be used (their BatchNorm scale 0.01 after 300 steps),
        # though the sign of the median flow alone tells pan direction on every held-out clip
        self.flow_proj = nn.Linear(SUMMARY_SIZE, config.feature_dim) if config.flow else None
        self.blocks = nn.ModuleList(SpaceTimeBlock(a, b) for a, b in zip(w[:-1], w[1:]))
        # after the stages: (B, C, T, 3, 3) at 96 px, pooled to 3x3 (top/middle/bottom keeps the
        # horizon's height, which is the camera angle) for "mean over time" and "late minus early"
        self.pooled = config.pooled
        self.project = nn.Sequential(
            nn.Linear(2 * w[-1] * self.pooled**2, config.feature_dim), nn.LayerNorm(config.feature_dim), nn.ReLU()
        )
        # peak branch: per-channel max over space, then mean and max over time (B, 2C) -> added
        # to the projection before its LayerNorm
        self.peak = nn.Linear(2 * w[-1], config.feature_dim) if config.peak_branch else None
        # subject branch: mask head on the first stage's map, summaries into the projection
        context = sum(w[3:]) if config.mask_context else 0
        self.track = SubjectTrack(w[1], w[2], config.feature_dim, context_channels=context) if config.subject_track else None
        # and where the subject's motion meets the camera's, one nonlinear layer over both summaries
        self.mixer = None
        if config.motion_mixer and config.subject_track and config.flow:
            self.mixer = MotionMixer(TRACK_SIZE, SUMMARY_SIZE, config.feature_dim, standardized=config.mixer_standardized)
        # and a subject segmenter of its own, mixed into the branch's mask through a zero-started gate
        self.segmenter = self.segment_gate = None
        if config.builds_segmenter:
            self.segmenter = SubjectSegmenter()
            self.segment_gate = nn.Parameter(torch.zeros(()))
        self.dropout = nn.Dropout(config.dropout)
        self.heads = nn.ModuleDict({name: nn.Linear(config.feature_dim, len(v)) for name, v in config.heads.items()})
        self.initialize_weights()

    def initialize_weights(self) -> None:
        """He init for convs (ReLU follows), small init for the heads, BN to identity; the last BN
        of every temporal branch starts at zero so each block begins as a plain spatial conv."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.LayerNorm)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                nn.init.zeros_(m.bias)
        for block in self.blocks:
            nn.init.zeros_(block.bn_t.weight)
        if self.peak is not None:  # starts as the network without it
            nn.init.zeros_(self.peak.weight)
            nn.init.zeros_(self.peak.bias)
        if self.config.film_diff:  # likewise: the film-difference channels start unread
            nn.init.zeros_(self.stem[0].weight[:, 6:])
        if self.flow_in is not None:  # and so does the flow, through its BatchNorm's scale
            nn.init.zeros_(self.flow_in[1].weight)
            nn.init.zeros_(self.flow_proj.weight)
            nn.init.zeros_(self.flow_proj.bias)
        if self.track is not None:  # and so does the subject branch, through its projections
            self.track.initialize_weights()
        if self.mixer is not None:  # and the motion mixer, through its output layer
            self.mixer.initialize_weights()
        if self.segmenter is not None:  # and the segmenter, through its gate
            self.segmenter.initialize_weights()
            nn.init.zeros_(self.segment_gate)

    def load_start(self, start: "Evaluator") -> None:
        """Take ``start``'s weights (same ``core`` config) and leave what it lacks (the parts of
        ``ZERO_STARTED``) at its zero init, so this network scores as ``start`` does until training
        moves it."""
        if start.config.core() != self.config.core() or self.config.lacks_parts_of(start.config):
            raise InputError(f"cannot start an evaluator of config {self.config} from one of another shape ({start.config})")
        theirs = start.state_dict()
        stem = theirs["stem.0.weight"]
        if stem.shape[1] < self.stem[0].weight.shape[1]:
            wide = torch.zeros_like(self.stem[0].weight)
            wide[:, : stem.shape[1]] = stem
            theirs["stem.0.weight"] = wide
        missing = self.load_state_dict(theirs, strict=False).missing_keys
        if any(not k.startswith(("peak.", "flow_in.", "flow_proj.", "track.", "mixer.", "segmenter.", "segment_gate")) for k in missing):
            raise InputError(f"the starting evaluator lacks weights this one needs: {missing}")

    def parameters_new_to(self, start: "Evaluator") -> set[str]:
        """Names of this network's parameters that ``start`` has no weights for (the branches it
        was trained without), which ``load_start`` leaves at their initial values."""
        theirs = set(start.state_dict())
        return {name for name, _ in self.named_parameters() if name not in theirs}

    def features(self, clips: torch.Tensor) -> torch.Tensor:
        """clips: (B, 3, T, S, S) in [-1, 1], or (B, 6, T, S, S) with the previous film frames ->
        penultimate features (B, feature_dim), float32. Works for any T >= 1 (a single frame gives a
        per-frame appearance feature); without previous film frames their differences and flow read as 0."""
        return self._features(clips)[0]

    def _features(self, clips: torch.Tensor) -> tuple[torch.Tensor, MaskReading | None]:
        """``features`` and where the subject is (None without the subject branch)."""
        b, c, t, h, w = clips.shape
        if c not in (3, 6):
            raise InputError(f"the evaluator reads (B, 3 or 6, T, S, S) clips, got {tuple(clips.shape)}")
        rgb = clips[:, :3]
        parts = [rgb, torch.cat([torch.zeros_like(rgb[:, :, :1]), rgb[:, :, 1:] - rgb[:, :, :-1]], dim=2)]
        if self.config.film_diff:
            parts.append(rgb - clips[:, 3:] if c == 6 else torch.zeros_like(rgb))
        x = torch.cat(parts, dim=1)  # (B, 6 or 9, T, S, S)
        x = x.transpose(1, 2).reshape(b * t, x.shape[1], h, w)  # (B*T, 6 or 9, S, S)
        x = self.stem(x)  # (B*T, w0, S/stride, S/stride)
        flow = texture = None
        if self.flow_in is not None and c == 6:  # without previous film frames there is no motion to read
            flow, texture = film_flow(clips, cell=self.config.stem_stride, with_texture=True)  # (B*T, 2 / -, S/stride, S/stride)
            x = x + self.flow_in(flow)
        maps = []
        for block in self.blocks:
            x = block(x, t)  # ... -> (B*T, C, S/(stride*8), S/(stride*8))
            maps.append(x)
        peak = x.amax(dim=(2, 3)).reshape(b, t, -1) if self.peak is not None else None  # (B, T, C)
        x = F.adaptive_avg_pool2d(x, self.pooled)  # (B*T, C, 3, 3)
        x = x.reshape(b, t, -1)  # (B, T, C*9)
        half = max(t // 2, 1)
        mean = x.mean(dim=1)
        change = x[:, t - half :].mean(dim=1) - x[:, :half].mean(dim=1)  # zero for T=1 / static clips
        h = self.project[0](torch.cat([mean, change], dim=1))  # (B, feature_dim)
        if peak is not None:
            h = h + self.peak(torch.cat([peak.mean(dim=1), peak.amax(dim=1)], dim=1))
        background = texture if self.config.flow_background == "textured" else None  # None: the median of all cells
        motion = None
        if flow is not None:
            motion = flow_summary(flow.reshape(b, t, *flow.shape[1:]),
                                  None if background is None else background.reshape(b, t, *background.shape[1:]))
            h = h + self.flow_proj(motion)
        reading = None
        if self.track is not None:
            mask = self.track.mask_logits(maps[0], tuple(maps[1:]))  # (B*T, G, G)
            fine = None
            if self.segmenter is not None and flow is not None:
                fine = self.segmenter(clips, flow)  # (B*T, 2G, 2G)
                mask = mask + self.segment_gate * (pooled_logits(fine) - mask)
            branch, track = self.track(mask, maps[1], t, flow, background)
            h = h + branch
            if self.mixer is not None and motion is not None:  # without film frames there is no motion to mix
                h = h + self.mixer(track, motion)
            reading = MaskReading(mask.reshape(b, t, *mask.shape[1:]),
                                  None if fine is None else fine.reshape(b, t, *fine.shape[1:]))
        return self.project[2](self.project[1](h)).float(), reading  # LayerNorm, ReLU -> (B, feature_dim)

    def forward(self, clips: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """clips: (B, 3, T, S, S) -> ({attribute: logits (B, n_classes)}, features (B, feature_dim))."""
        logits, feats, _ = self.forward_with_mask(clips)
        return logits, feats

    def forward_with_mask(self, clips: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor | None]:
        """``forward`` plus the subject-mask logits (B, T, G, G) (None without the subject branch)."""
        logits, feats, reading = self.forward_with_masks(clips)
        return logits, feats, None if reading is None else reading.logits

    def forward_with_masks(self, clips: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor, MaskReading | None]:
        """``forward`` plus every subject mask the network draws, which training supervises with
        the renderer's subject cover."""
        feats, reading = self._features(clips)
        h = self.dropout(feats)
        return {name: head(h).float() for name, head in self.heads.items()}, feats, reading


# ------------------------------------------------------------------------------------------------
# Checkpoint: safetensors only, config in the file's metadata (and a JSON beside it for people)
# ------------------------------------------------------------------------------------------------


def save_evaluator(model: Evaluator, path: Path, extra: dict[str, str] | None = None) -> None:
    """Write the weights as they are (fp32) with the config inside the metadata, atomically, plus
    ``<name>.json`` beside it holding the same config and ``extra``."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().cpu().contiguous().clone() for k, v in model.state_dict().items()}
    meta = {"config": model.config.to_json(), "format": "reelgraph-evaluator-1", **(extra or {})}
    tmp = path.with_suffix(path.suffix + ".tmp")
    save_file(tensors, str(tmp), metadata=meta)
    tmp.replace(path)
    side = {"config": json.loads(model.config.to_json()), **{k: v for k, v in (extra or {}).items()}}
    path.with_suffix(".json").write_text(json.dumps(side, indent=2, sort_keys=True) + "\n")


def load_evaluator(path: Path | None = None) -> Evaluator:
    """Rebuild the network from a safetensors checkpoint (default: the shipped one), in eval mode.

    Raises ModelUnavailable when the file is missing and InputError when it is not a readable
    evaluator safetensors file (wrong format, truncated, or weights that do not fit the config)."""
    from safetensors import SafetensorError, safe_open

    path = Path(path) if path is not None else SHIPPED_WEIGHTS
    if not path.is_file():
        raise ModelUnavailable(
            f"evaluator weights not found at {path}; reinstall reelgraph or train them with "
            "`python -m generation.eval.train_evaluator`"
        )
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise InputError(
            f"{path} is not a readable safetensors evaluator checkpoint ({exc}); "
            "point at the file written by train_evaluator or restore the shipped one"
        ) from exc
    if meta.get("format") != "reelgraph-evaluator-1" or "config" not in meta:
        raise InputError(f"{path} is a safetensors file but not a reelgraph evaluator (no evaluator config inside)")
    config = EvaluatorConfig.from_json(meta["config"])
    model = Evaluator(config)
    try:
        model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in tensors.items()})
    except RuntimeError as exc:
        raise InputError(f"{path}: weights do not match the evaluator config stored with them ({exc})") from exc
    return model.eval()
