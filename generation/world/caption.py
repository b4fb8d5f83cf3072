"""Captions for world clips, in three styles and many phrasings, so a text encoder learns paraphrase.

``short``: a compact line; attributes at their default may be left unsaid (as people do).
``detailed``: full sentences naming every attribute.
``long``: a Sora-like description with scenery, light, atmosphere and photographic language.

Every caption of every style parses back (``parse.parse_prompt``) to the spec it describes; the
phrasings here and the parser's lexicon are kept in step by the round-trip tests.
"""

from __future__ import annotations

import numpy as np

from generation.world.spec import (
    CameraAngle,
    CameraMotion,
    Clouds,
    SceneSpec,
    Setting,
    Subject,
    SubjectMotion,
    TimeOfDay,
    Weather,
)
from reelgraph.errors import InputError

STYLES = ("short", "detailed", "long")

# noun phrases: (singular, plural)
NOUNS: dict[Subject, list[tuple[str, str]]] = {
    Subject.mammoth: [("woolly mammoth", "woolly mammoths"), ("mammoth", "mammoths"), ("giant wooly mammoth", "giant wooly mammoths"), ("shaggy mammoth", "shaggy mammoths")],
    Subject.elephant: [("elephant", "elephants"), ("african elephant", "african elephants"), ("large elephant", "large elephants")],
    Subject.bird: [("bird", "birds"), ("seagull", "seagulls"), ("small bird", "small birds")],
    Subject.car: [("car", "cars"), ("sedan", "sedans"), ("small car", "small cars")],
    Subject.boat: [("sailboat", "sailboats"), ("boat", "boats"), ("sailing boat", "sailing boats")],
    Subject.person: [("person", "people"), ("hiker", "hikers"), ("man", "men"), ("woman", "women")],
    Subject.ball: [("ball", "balls"), ("beach ball", "beach balls")],
    Subject.dog: [("dog", "dogs"), ("puppy", "puppies"), ("friendly dog", "friendly dogs")],
}
COUNT_WORDS = {1: ["a", "one", "a single", "a lone"], 2: ["two", "a pair of", "a couple of"], 3: ["three", "several", "a group of three", "a trio of"]}
COLOURED = {Subject.car, Subject.ball, Subject.boat, Subject.bird}
# verbs: (base, third person, gerund)
VERBS: dict[Subject, list[tuple[str, str, str]]] = {
    Subject.mammoth: [("walk", "walks", "walking"), ("lumber", "lumbers", "lumbering"), ("trudge", "trudges", "trudging")],
    Subject.elephant: [("walk", "walks", "walking"), ("lumber", "lumbers", "lumbering"), ("stride", "strides", "striding")],
    Subject.bird: [("fly", "flies", "flying"), ("glide", "glides", "gliding")],
    Subject.car: [("drive", "drives", "driving"), ("cruise", "cruises", "cruising")],
    Subject.boat: [("sail", "sails", "sailing"), ("glide", "glides", "gliding")],
    Subject.person: [("walk", "walks", "walking"), ("stroll", "strolls", "strolling"), ("hike", "hikes", "hiking")],
    Subject.ball: [("roll", "rolls", "rolling")],
    Subject.dog: [("run", "runs", "running"), ("trot", "trots", "trotting"), ("walk", "walks", "walking")],
}
# motion templates; {v} is the verb in the right form, {V} the gerund
MOTION: dict[SubjectMotion, list[str]] = {
    SubjectMotion.move_left: ["{v} to the left", "{v} from right to left", "{v} leftward", "{v} toward the left of the frame"],
    SubjectMotion.move_right: ["{v} to the right", "{v} from left to right", "{v} rightward", "{v} toward the right of the frame"],
    SubjectMotion.approach: ["{v} toward the camera", "{v} towards the viewer", "{v} closer and closer to the camera", "{v} straight at the camera"],
    SubjectMotion.recede: ["{v} away from the camera", "{v} off into the distance", "{v} away into the distance"],
    SubjectMotion.fly_across: ["{v} across the sky", "{v} across the frame", "soaring across the sky"],
    SubjectMotion.bounce: ["bouncing up and down", "bouncing high", "bouncing on the ground"],
}
STILL = {
    Subject.car: ["parked", "parked and motionless"], Subject.boat: ["floating at anchor", "moored and motionless"],
    Subject.ball: ["resting on the ground", "lying still on the ground"], Subject.bird: ["hovering in place", "hovering in one spot"],
}
STILL_DEFAULT = ["standing still", "standing motionless", "standing quietly"]

SETTING: dict[Setting, list[str]] = {
    Setting.snowy_meadow: ["in a snowy meadow", "on a snow-covered field", "across a snowy meadow", "in a winter meadow covered in snow"],
    Setting.green_meadow: ["in a green meadow", "on a grassy meadow", "across a green field", "in a lush grassland"],
    Setting.desert: ["in the desert", "across desert sand dunes", "in a sandy desert", "among desert dunes"],
    Setting.beach: ["on a sandy beach", "by the seashore", "on a beach by the sea", "along the beach"],
    Setting.forest: ["in a pine forest", "in the woods", "in a dense forest", "in a forest clearing"],
    Setting.mountains: ["in the mountains", "in a mountain valley", "among towering mountains", "in a rugged alpine valley"],
    Setting.city: ["in the city", "on a city street", "downtown among skyscrapers", "in an urban street"],
}
BOAT_SETTING = ["on the sea off a sandy beach", "on the ocean near the beach", "on the sea by the shore"]
SCENERY: dict[Setting, list[str]] = {
    Setting.snowy_meadow: ["snow covered trees and dramatic snow capped mountains in the distance", "frosted pine trees and snowy peaks far behind"],
    Setting.green_meadow: ["rolling green hills and a line of trees on the horizon", "wildflowers in the grass and soft hills beyond"],
    Setting.desert: ["rippled sand and distant mesas", "endless dunes under a wide sky"],
    Setting.beach: ["gentle waves washing onto the sand", "the sea stretching to the horizon"],
    Setting.forest: ["tall dark pine trees all around", "rows of towering conifers"],
    Setting.mountains: ["jagged peaks rising behind", "steep rocky slopes and high ridges"],
    Setting.city: ["tall buildings lining the road", "a skyline of glass towers"],
}
TIME: dict[TimeOfDay, list[str]] = {
    TimeOfDay.dawn: ["at dawn", "at sunrise", "at daybreak", "in the early morning"],
    TimeOfDay.noon: ["at noon", "at midday", "under the midday sun", "at high noon"],
    TimeOfDay.afternoon: ["in the afternoon", "on a sunny afternoon", "in mid afternoon", "in the warm afternoon"],
    TimeOfDay.sunset: ["at sunset", "at dusk", "at sundown", "in the evening glow"],
    TimeOfDay.night: ["at night", "under the stars", "at nighttime", "on a moonlit night"],
}
LIGHT: dict[TimeOfDay, list[str]] = {
    TimeOfDay.dawn: ["the soft pink light of dawn and a pale sun rising low on the horizon", "early morning light glowing pink and lavender at sunrise"],
    TimeOfDay.noon: ["bright midday light with the sun high overhead", "harsh noon sunlight and deep blue sky"],
    TimeOfDay.afternoon: ["mid afternoon light with a sun high in the distance creates a warm glow", "warm golden afternoon light"],
    TimeOfDay.sunset: ["the fiery orange glow of sunset with a huge sun sinking at the horizon", "deep red and orange sunset light"],
    TimeOfDay.night: ["a dark night sky full of stars and a pale moon", "cool blue moonlight at night"],
}
CLOUDS: dict[Clouds, list[str]] = {
    Clouds.none: ["a clear cloudless sky", "no clouds in the sky", "a cloudless sky"],
    Clouds.wispy: ["wispy clouds", "thin wispy clouds streaking the sky", "high cirrus clouds"],
    Clouds.fluffy: ["fluffy white clouds", "big puffy clouds drifting by", "fluffy cumulus clouds"],
    Clouds.overcast: ["an overcast sky", "a heavy grey overcast sky", "a thick blanket of cloud, overcast"],
}
WEATHER: dict[Weather, list[str]] = {
    Weather.clear: ["in clear weather", "in calm fair weather", "with clear weather"],
    Weather.snow: ["as snow falls", "with snowflakes drifting down", "in a light snowfall", "while it is snowing"],
    Weather.rain: ["in the pouring rain", "as rain falls", "in a rain shower", "while it is raining"],
    Weather.petals: ["with pink petals drifting through the air", "as cherry blossom petals fall", "with falling petals swirling"],
    Weather.fog: ["in thick fog", "in a soft mist", "on a foggy day", "wrapped in fog"],
}
CAMERA: dict[CameraMotion, list[str]] = {
    CameraMotion.static: ["static camera", "the camera holds steady", "a locked off static shot", "fixed camera on a tripod"],
    CameraMotion.pan_left: ["the camera pans left", "the camera slowly pans to the left", "panning left"],
    CameraMotion.pan_right: ["the camera pans right", "the camera slowly pans to the right", "panning right"],
    CameraMotion.tilt_up: ["the camera tilts up", "the camera slowly tilts upward", "tilting up"],
    CameraMotion.tilt_down: ["the camera tilts down", "the camera slowly tilts downward", "tilting down"],
    CameraMotion.zoom_in: ["the camera zooms in", "slowly zooming in", "a slow zoom in"],
    CameraMotion.zoom_out: ["the camera zooms out", "slowly zooming out", "a slow zoom out"],
    CameraMotion.dolly: ["the camera dollies forward", "a smooth dolly shot moving forward", "the camera moves forward on a dolly"],
}
ANGLE: dict[CameraAngle, list[str]] = {
    CameraAngle.low: ["low angle", "the low camera view", "shot from a low angle looking up", "a low angle shot"],
    CameraAngle.eye: ["eye level", "shot at eye level", "an eye level view"],
    CameraAngle.high: ["high angle", "seen from a high angle looking down", "a high angle shot", "a bird's eye view from above"],
}
LANDSCAPE = ["an empty landscape", "a quiet empty scene", "a landscape with no one in it"]
STYLE_TAIL = ["cinematic, depth of field", "beautiful photography, 35mm film", "shot on film, natural colours",
              "photorealistic, highly detailed", "stunning cinematography"]


def _one(rng: np.random.Generator, options: list[str]) -> str:
    return options[int(rng.integers(len(options)))]


def _subject_phrase(spec: SceneSpec, rng: np.random.Generator) -> str:
    sing, plur = NOUNS[spec.subject][int(rng.integers(len(NOUNS[spec.subject])))]
    noun = sing if spec.count == 1 else plur
    if spec.colour is not None:
        keep_whole = noun.startswith(("beach", "sailing"))
        noun = f"{spec.colour.value} {noun if keep_whole else noun.split()[-1]}"
    count = _one(rng, COUNT_WORDS[spec.count])
    if count == "a" and noun[0] in "aeiou":
        count = "an"
    return f"{count} {noun}"


def _motion_phrase(spec: SceneSpec, rng: np.random.Generator, finite: bool) -> str:
    """The subject's motion; ``finite`` uses a conjugated verb (\"walks\"), else a gerund."""
    m = spec.subject_motion
    if m == SubjectMotion.still:
        return _one(rng, STILL.get(spec.subject, STILL_DEFAULT))
    base, third, ger = VERBS.get(spec.subject, [("move", "moves", "moving")])[int(rng.integers(len(VERBS.get(spec.subject, [0]))))]
    if m == SubjectMotion.fly_across and spec.subject != Subject.bird:
        base, third, ger = ("fly", "flies", "flying")
    if m == SubjectMotion.approach and rng.random() < 0.35:
        return ("approach" if spec.count > 1 else "approaches") if finite else "approaching"
    tmpl = _one(rng, MOTION[m])
    verb = ger if not finite else (third if spec.count == 1 else base)
    return tmpl.replace("{v}", verb)


def _setting_phrase(spec: SceneSpec, rng: np.random.Generator) -> str:
    if spec.subject == Subject.boat and spec.setting == Setting.beach:
        return _one(rng, BOAT_SETTING)
    return _one(rng, SETTING[spec.setting])


def caption(spec: SceneSpec, style: str, rng: np.random.Generator) -> str:
    """A caption of ``spec`` in ``style`` (one of ``STYLES``), phrased at random by ``rng``."""
    if style not in STYLES:
        raise InputError(f"caption style must be one of {', '.join(STYLES)}, got {style!r}")
    has_subject = spec.subject != Subject.none
    if style == "short":
        return _short(spec, rng, has_subject)
    if style == "detailed":
        return _detailed(spec, rng, has_subject)
    return _long(spec, rng, has_subject)


def _short(spec: SceneSpec, rng: np.random.Generator, has_subject: bool) -> str:
    head = f"{_subject_phrase(spec, rng)} {_motion_phrase(spec, rng, finite=False)}" if has_subject else _one(rng, LANDSCAPE)
    parts = [f"{head} {_setting_phrase(spec, rng)}"]
    extras = []
    defaults = SceneSpec()
    for attr, bank in (("time_of_day", TIME), ("clouds", CLOUDS), ("weather", WEATHER), ("camera_motion", CAMERA), ("camera_angle", ANGLE)):
        value = getattr(spec, attr)
        if value == getattr(defaults, attr) and rng.random() < 0.5:
            continue  # unsaid means default, as the parser reads it
        extras.append(_one(rng, bank[value]))
    order = rng.permutation(len(extras))
    return ", ".join(parts + [extras[i] for i in order])


def _detailed(spec: SceneSpec, rng: np.random.Generator, has_subject: bool) -> str:
    if has_subject:
        first = f"{_subject_phrase(spec, rng)} {_motion_phrase(spec, rng, finite=True)} {_setting_phrase(spec, rng)} {_one(rng, TIME[spec.time_of_day])}."
    else:
        first = f"{_one(rng, LANDSCAPE)} {_setting_phrase(spec, rng)} {_one(rng, TIME[spec.time_of_day])}."
    sky = f"The sky shows {_one(rng, CLOUDS[spec.clouds])}, {_one(rng, WEATHER[spec.weather])}."
    cam = f"{_one(rng, CAMERA[spec.camera_motion])}, {_one(rng, ANGLE[spec.camera_angle])}."
    return " ".join(s[0].upper() + s[1:] for s in (first, sky, cam))


def _long(spec: SceneSpec, rng: np.random.Generator, has_subject: bool) -> str:
    if has_subject:
        lead = f"{_subject_phrase(spec, rng)} {_motion_phrase(spec, rng, finite=True)} {_setting_phrase(spec, rng)}"
    else:
        lead = f"{_one(rng, LANDSCAPE)} {_setting_phrase(spec, rng)}"
    bits = [lead, _one(rng, SCENERY[spec.setting]), f"{_one(rng, LIGHT[spec.time_of_day])} and {_one(rng, CLOUDS[spec.clouds])}"]
    if spec.weather != Weather.clear or rng.random() < 0.5:
        bits.append(_one(rng, WEATHER[spec.weather]))
    bits.append(f"{_one(rng, ANGLE[spec.camera_angle])}, {_one(rng, CAMERA[spec.camera_motion])}")
    bits.append(_one(rng, STYLE_TAIL))
    return ", ".join(bits)
