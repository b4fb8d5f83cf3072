"""Captions paraphrase, the parser reads them (and free text) back to the spec, and sampled specs
obey the world's sense rules."""

from __future__ import annotations

import numpy as np
import pytest

from generation.world.caption import STYLES, caption
from generation.world.parse import parse_prompt
from generation.world.sample import allowed_motions, is_sensible, sample_spec
from generation.world.spec import (
    SCORED_ATTRIBUTES,
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

SEED_PROMPT = ("several giant wooly mammoths approach treading through a snowy meadow, their long wooly fur lightly "
               "blows in the wind as they walk, snow covered trees and dramatic snow capped mountains in the distance, "
               "mid afternoon light with wispy clouds and a sun high in the distance creates a warm glow, the low "
               "camera view is stunning capturing the large furry mammal with beautiful photography, depth of field")


def test_seed_prompt_parses_to_the_mammoth_spec():
    """The brief's example reads as three mammoths approaching in a snowy meadow, afternoon,
    wispy clouds, low angle; mountains in the distance do not override the meadow."""
    p = parse_prompt(SEED_PROMPT)
    assert p.spec == SceneSpec(subject=Subject.mammoth, count=3, subject_motion=SubjectMotion.approach,
                               setting=Setting.snowy_meadow, time_of_day=TimeOfDay.afternoon, clouds=Clouds.wispy,
                               camera_angle=CameraAngle.low)
    assert p.understood["count"] == "several" and p.understood["setting"] == "snowy meadow"
    assert "photography" in p.unknown_words and "mammoths" not in p.unknown_words


@pytest.mark.parametrize("style", STYLES)
def test_caption_parse_round_trip(style):
    """caption -> parse gives back exactly the spec (all fields) for many sampled specs."""
    rng = np.random.default_rng(11)
    for _ in range(400):
        spec = sample_spec(rng)
        text = caption(spec, style, rng)
        assert parse_prompt(text).spec == spec, text


def test_caption_spec_caption_round_trip():
    """caption -> spec -> caption -> spec is stable: the re-captioned spec parses the same."""
    rng = np.random.default_rng(5)
    for _ in range(100):
        spec = sample_spec(rng)
        again = parse_prompt(caption(parse_prompt(caption(spec, "long", rng)).spec, "short", rng)).spec
        assert again == spec


def test_captions_paraphrase():
    """One spec gets many different wordings per style (a text encoder must learn paraphrase)."""
    spec = SceneSpec(subject=Subject.car, count=2, colour=Colour.red, subject_motion=SubjectMotion.move_left,
                     setting=Setting.city, time_of_day=TimeOfDay.night, weather=Weather.rain)
    rng = np.random.default_rng(0)
    for style in STYLES:
        texts = {caption(spec, style, rng) for _ in range(30)}
        assert len(texts) >= 15, style
    assert len(caption(spec, "long", rng)) > 2 * len(caption(spec, "short", rng)) * 0.8


@pytest.mark.parametrize("text,expect", [
    ("Two RED cars, driving LEFT!!", dict(subject=Subject.car, count=2, colour=Colour.red, subject_motion=SubjectMotion.move_left)),
    ("a woolly mammoth walking towards the camera", dict(subject=Subject.mammoth, subject_motion=SubjectMotion.approach)),
    ("a wooly mammoth walking toward the camera", dict(subject=Subject.mammoth, subject_motion=SubjectMotion.approach)),
    ("a herd of elephants crossing the desert from left to right", dict(subject=Subject.elephant, count=3, subject_motion=SubjectMotion.move_right, setting=Setting.desert)),
    ("a sailboat drifting away from the camera on the ocean at dusk", dict(subject=Subject.boat, subject_motion=SubjectMotion.recede, setting=Setting.beach, time_of_day=TimeOfDay.sunset)),
    ("gray gull soaring over a foggy beach; camera pans right", dict(subject=Subject.bird, colour=Colour.grey, subject_motion=SubjectMotion.fly_across, weather=Weather.fog, camera_motion=CameraMotion.pan_right)),
    ("aerial view of an empty snow-covered field at sunrise with cherry blossom petals",
     dict(subject=Subject.none, camera_angle=CameraAngle.high, setting=Setting.snowy_meadow, time_of_day=TimeOfDay.dawn, weather=Weather.petals)),
    ("a bouncing blue beach ball, zoom out, overcast", dict(subject=Subject.ball, colour=Colour.blue, subject_motion=SubjectMotion.bounce, camera_motion=CameraMotion.zoom_out, clouds=Clouds.overcast)),
    ("a pair of puppies run to the right through the woods in the rain",
     dict(subject=Subject.dog, count=2, subject_motion=SubjectMotion.move_right, setting=Setting.forest, weather=Weather.rain)),
    ("snowy mountain peaks at noon, the camera tilts down", dict(setting=Setting.mountains, time_of_day=TimeOfDay.noon, camera_motion=CameraMotion.tilt_down, weather=Weather.clear)),
])
def test_synonyms_counts_and_punctuation(text, expect):
    """Synonyms (woolly/wooly, towards, gull, dusk), counts (two, a herd of, a pair of), case and
    punctuation are read the way a person would."""
    spec = parse_prompt(text).spec
    for attr, value in expect.items():
        assert getattr(spec, attr) == value, (attr, text)


def test_unknown_words_are_reported():
    """Words the world cannot show are listed; known ones are not."""
    p = parse_prompt("a purple giraffe dances gracefully at noon")
    assert p.spec.time_of_day == TimeOfDay.noon and p.spec.subject == Subject.none
    assert {"purple", "giraffe", "dances", "gracefully"} <= set(p.unknown_words)
    assert "noon" not in p.unknown_words and p.understood["time_of_day"] == "noon"


def test_empty_and_hostile_prompts():
    """Empty text is the default spec; non-text or megabyte prompts are clear InputErrors."""
    assert parse_prompt("").spec == SceneSpec()
    assert parse_prompt("!!! ,,, ???").spec == SceneSpec()
    with pytest.raises(InputError):
        parse_prompt(None)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        parse_prompt("dog " * 100_000)


def test_sampled_specs_are_sensible_and_cover_every_value():
    """sample_spec obeys the sense rules (none -> one still uncoloured; boats at the beach; only
    birds fly across; only balls bounce) and reaches every value of every scored attribute."""
    rng = np.random.default_rng(0)
    specs = [sample_spec(rng) for _ in range(3000)]
    assert all(is_sensible(s) for s in specs)
    for attr, enum in SCORED_ATTRIBUTES.items():
        seen = {getattr(s, attr) for s in specs}
        assert seen == set(enum), attr
    for s in specs:
        if s.subject == Subject.none:
            assert s.count == 1 and s.colour is None and s.subject_motion == SubjectMotion.still
        if s.subject == Subject.boat:
            assert s.setting == Setting.beach
        if s.subject_motion == SubjectMotion.fly_across:
            assert s.subject == Subject.bird
    assert SubjectMotion.bounce in allowed_motions(Subject.ball) and SubjectMotion.bounce not in allowed_motions(Subject.dog)
    pinned = sample_spec(np.random.default_rng(1), subject=Subject.boat)
    assert pinned.setting == Setting.beach and is_sensible(pinned)


def test_no_subject_means_one_still_uncoloured():
    """Motion, count or colour words with nobody to apply them to are not used; the spec stays
    subject none, count 1, no colour, still."""
    p = parse_prompt("an empty red meadow, walking left, three")
    assert p.spec.subject == Subject.none and p.spec.count == 1 and p.spec.colour is None
    assert p.spec.subject_motion == SubjectMotion.still
    assert "walking" in p.unknown_words and "subject_motion" not in p.understood


def test_bad_style_and_unknown_fields_are_input_errors():
    with pytest.raises(InputError):
        caption(SceneSpec(), "poem", np.random.default_rng(0))
    with pytest.raises(InputError):
        sample_spec(np.random.default_rng(0), flavour="sweet")
