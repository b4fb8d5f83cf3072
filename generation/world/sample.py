"""Drawing random scene specs that make sense.

Attributes are sampled independently (uniformly), except where a combination would be absurd:

- ``subject=none`` forces ``count=1``, ``colour=None`` and ``subject_motion=still``;
- a boat sails only on the sea, so boats appear only at the beach (the beach picks a boat
  about a third of the time, so boats are not rare);
- birds fly: ``fly_across`` or hover in place (``still``); only birds ``fly_across``;
- only a ball ``bounce``s (about 40% of balls), and a ball may also roll left/right/toward/away
  or lie still;
- animals, people, cars and boats walk/drive/sail left or right, approach, recede or stand still;
- colour is given (85% of the time) only for subjects where it reads: car, ball, boat, bird.

``allowed_motions`` and ``is_sensible`` state these rules for other code (the agent's planner,
tests); ``sample_spec`` only ever returns sensible specs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from generation.world.spec import (
    CameraAngle,
    CameraMotion,
    Clouds,
    Colour,
    SceneSpec,
    Setting,
    Subject,
    SubjectMotion,
    TimeOfDay,
    Weather,
)
from reelgraph.errors import InputError

COLOURED_SUBJECTS = frozenset({Subject.car, Subject.ball, Subject.boat, Subject.bird})
_WALKERS = (SubjectMotion.still, SubjectMotion.move_left, SubjectMotion.move_right, SubjectMotion.approach, SubjectMotion.recede)
_MOTIONS: dict[Subject, tuple[tuple[SubjectMotion, float], ...]] = {
    Subject.none: ((SubjectMotion.still, 1.0),),
    Subject.bird: ((SubjectMotion.fly_across, 0.6), (SubjectMotion.still, 0.4)),
    Subject.ball: ((SubjectMotion.bounce, 0.4),) + tuple((m, 0.12) for m in _WALKERS),
}
BOAT_AT_BEACH = 0.34


def allowed_motions(subject: Subject) -> tuple[SubjectMotion, ...]:
    """The subject motions that make sense for ``subject``."""
    return tuple(m for m, _ in _MOTIONS.get(subject, tuple((m, 0.2) for m in _WALKERS)))


def allowed_settings(subject: Subject) -> tuple[Setting, ...]:
    return (Setting.beach,) if subject == Subject.boat else tuple(Setting)


def is_sensible(spec: SceneSpec) -> bool:
    """Whether ``spec`` obeys the sampling rules in this module's docstring."""
    if spec.subject == Subject.none:
        return spec.count == 1 and spec.colour is None and spec.subject_motion == SubjectMotion.still
    if spec.colour is not None and spec.subject not in COLOURED_SUBJECTS:
        return False
    return spec.subject_motion in allowed_motions(spec.subject) and spec.setting in allowed_settings(spec.subject)


def _pick(rng: np.random.Generator, options: list[Any], weights: list[float] | None = None) -> Any:
    if weights is None:
        return options[int(rng.integers(len(options)))]
    p = np.asarray(weights, np.float64)
    return options[int(rng.choice(len(options), p=p / p.sum()))]


def sample_spec(rng: np.random.Generator, **fixed: Any) -> SceneSpec:
    """A random sensible spec. Keyword arguments pin attributes (e.g. ``setting="beach"``); the
    rest are drawn around them, so a pinned subject gets a motion and setting that suit it."""
    unknown = set(fixed) - set(SceneSpec.model_fields)
    if unknown:
        raise InputError(f"sample_spec got unknown attributes {sorted(unknown)}; use SceneSpec field names")
    # Every draw happens whether or not it is pinned, so pinning one attribute leaves the others'
    # random values unchanged for the same seed.
    draws = {
        "time_of_day": _pick(rng, list(TimeOfDay)),
        "clouds": _pick(rng, list(Clouds)),
        "setting": _pick(rng, list(Setting)),
        "weather": _pick(rng, list(Weather)),
        "camera_motion": _pick(rng, list(CameraMotion)),
        "camera_angle": _pick(rng, list(CameraAngle)),
        "count": int(rng.integers(1, 4)),
        "colour": _pick(rng, list(Colour)) if rng.random() < 0.85 else None,
        "u_subject": float(rng.random()),
        "u_motion": float(rng.random()),
    }
    setting = Setting(fixed.get("setting", draws["setting"]))
    if "subject" in fixed:
        subject = Subject(fixed["subject"])
        if "setting" not in fixed and setting not in allowed_settings(subject):
            setting = Setting.beach
    elif setting == Setting.beach and draws["u_subject"] < BOAT_AT_BEACH:
        subject = Subject.boat
    else:
        others = [s for s in Subject if s != Subject.boat]
        u = draws["u_subject"] if setting != Setting.beach else (draws["u_subject"] - BOAT_AT_BEACH) / (1 - BOAT_AT_BEACH)
        subject = others[min(int(u * len(others)), len(others) - 1)]
    motions = _MOTIONS.get(subject, tuple((m, 0.2) for m in _WALKERS))
    cum = np.cumsum([w for _, w in motions])
    motion = motions[int(np.searchsorted(cum, draws["u_motion"] * cum[-1], side="right").clip(0, len(motions) - 1))][0]
    values: dict[str, Any] = {
        "time_of_day": draws["time_of_day"], "clouds": draws["clouds"], "setting": setting,
        "subject": subject, "count": draws["count"], "colour": draws["colour"] if subject in COLOURED_SUBJECTS else None,
        "subject_motion": motion, "weather": draws["weather"], "camera_motion": draws["camera_motion"],
        "camera_angle": draws["camera_angle"],
    }
    if subject == Subject.none:
        values.update(count=1, colour=None, subject_motion=SubjectMotion.still)
    values.update(fixed)
    if values["subject"] == Subject.none:
        values.update(count=1, colour=None, subject_motion=SubjectMotion.still)
    return SceneSpec(**values)
