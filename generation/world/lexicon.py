"""The words the prompt parser knows: phrases for every attribute value, with priorities.

Phrases are written in normalised form (lower case, lemmas, singular nouns, no filler words such
as "the", "to", "slowly"), because the parser normalises a prompt the same way before matching. A
higher priority wins when two phrases set the same attribute: a setting named as the ground
("snowy meadow", 3) beats mountains seen "in the distance" (1); any real motion (2) beats "standing"
(1), which beats a bare locomotion verb with no direction (0.5).
"""

from __future__ import annotations

from generation.world.spec import (
    CameraAngle,
    CameraMotion,
    Clouds,
    Colour,
    Setting,
    Subject,
    SubjectMotion,
    TimeOfDay,
    Weather,
)

Phrase = tuple[str, ...]

# Dropped before matching and never reported as unknown.
FILLER = frozenset("""the a an to of and with its their his her our your my is are was were be being been it they them
while as that this these those there which who whom very slowly gently smoothly steadily softly lightly quickly
slow fast then also all each by for so just too quite rather really now here where when what how has have had do does
can could will would may might shall should must not but or if than such""".split())
# Kept for matching (phrases use them) but never reported as unknown.
STOPWORDS = frozenset("""in on at under over across from into up down away toward onto off near behind beyond around
through along out far back past between above below inside upon against within without amid among""".split())
# Things the world always draws; a prompt may mention them without changing the spec.
SCENE_WORDS = frozenset("""scene shot view video clip footage image frame picture sky sun moon star horizon light
ground land landscape distance background foreground tree hill grass sand water wave air wind cloud sunlight shadow
daylight weather day time camera lens glow colour color world nature outdoors outside place area setting""".split())
# Words describing a subject that the world draws anyway (size, fur, breed).
SUBJECT_ADJECTIVES = frozenset("""woolly wooly furry shaggy hairy giant huge large big small little tiny massive
majestic friendly playful african lone single young old adult baby fluffy mammal animal creature beast fur coat
trunk tusk wing feather paw leg tail wheel sail""".split())

COUNT_WORDS: dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "single": 1, "lone": 1, "solitary": 1, "1": 1,
    "two": 2, "pair": 2, "couple": 2, "both": 2, "twin": 2, "2": 2,
    "three": 3, "several": 3, "few": 3, "trio": 3, "herd": 3, "group": 3, "flock": 3, "pack": 3, "many": 3,
    "some": 3, "bunch": 3, "3": 3, "four": 3, "five": 3, "six": 3, "numerous": 3, "crowd": 3, "family": 3,
}
COLOUR_WORDS: dict[str, Colour] = {c.value: c for c in Colour} | {"gray": Colour.grey, "silver": Colour.grey, "golden": Colour.yellow}

SUBJECT_NOUNS: dict[str, Subject] = {
    "mammoth": Subject.mammoth, "elephant": Subject.elephant,
    "bird": Subject.bird, "seagull": Subject.bird, "gull": Subject.bird, "eagle": Subject.bird, "crow": Subject.bird,
    "pigeon": Subject.bird, "sparrow": Subject.bird, "dove": Subject.bird, "hawk": Subject.bird, "swallow": Subject.bird,
    "car": Subject.car, "sedan": Subject.car, "taxi": Subject.car, "automobile": Subject.car, "vehicle": Subject.car,
    "jeep": Subject.car, "truck": Subject.car, "van": Subject.car,
    "boat": Subject.boat, "sailboat": Subject.boat, "yacht": Subject.boat, "ship": Subject.boat, "dinghy": Subject.boat,
    "person": Subject.person, "man": Subject.person, "woman": Subject.person, "hiker": Subject.person,
    "child": Subject.person, "boy": Subject.person, "girl": Subject.person, "traveler": Subject.person,
    "traveller": Subject.person, "walker": Subject.person, "figure": Subject.person, "human": Subject.person,
    "pedestrian": Subject.person, "explorer": Subject.person,
    "ball": Subject.ball, "football": Subject.ball, "dog": Subject.dog, "puppy": Subject.dog, "hound": Subject.dog,
    "retriever": Subject.dog, "terrier": Subject.dog,
}
IRREGULAR_PLURALS = {"people": "person", "men": "man", "women": "woman", "children": "child", "puppies": "puppy",
                     "persons": "person", "sheep": "sheep"}

# attribute -> value -> list of (phrase, priority)
_P = dict[str, list[tuple[str, float]]]


def _ph(*items: str, p: float = 2.0) -> list[tuple[str, float]]:
    return [(i, p) for i in items]


PHRASES: dict[str, dict[object, list[tuple[str, float]]]] = {
    "subject": {
        Subject.none: _ph("no one", "nobody", "empty", "deserted", "no animal", "no people", "no subject", "landscape only", p=1.0),
        Subject.ball: _ph("beach ball", "soccer ball", p=3.0),
        Subject.boat: _ph("sailing boat", "sail boat", p=3.0),
        Subject.car: _ph("sport car", p=3.0),
    },
    "time_of_day": {
        TimeOfDay.dawn: _ph("dawn", "sunrise", "daybreak", "first light", "early morning", "morning", "rise sun"),
        TimeOfDay.noon: _ph("noon", "midday", "high noon", "mid day"),
        TimeOfDay.afternoon: _ph("afternoon", "mid afternoon", "late afternoon"),
        TimeOfDay.sunset: _ph("sunset", "dusk", "sundown", "evening", "twilight", "set sun", "golden hour"),
        TimeOfDay.night: _ph("night", "nighttime", "midnight", "moonlight", "moonlit", "starry", "star", "moon", "dark night"),
    },
    "clouds": {
        Clouds.none: _ph("cloudless", "clear sky", "no cloud", "without cloud", "cloud free"),
        Clouds.wispy: _ph("wispy", "wispy cloud", "cirrus", "thin cloud", "streaky cloud", "high thin cloud"),
        Clouds.fluffy: _ph("fluffy cloud", "puffy", "puffy cloud", "cumulus", "billowing cloud", "fluffy white cloud",
                           "white cloud", "scattered cloud") + _ph("cloud", p=0.5),
        Clouds.overcast: _ph("overcast", "cloudy", "grey sky", "gray sky", "cloud cover", "heavy cloud", "blanket cloud",
                             "thick cloud", "gloomy", "clouded"),
    },
    "weather": {
        Weather.clear: _ph("clear weather", "fair weather", "calm weather", "clear day", "clear air", "sunny", p=1.0),
        Weather.snow: _ph("snow fall", "fall snow", "snowfall", "snowflake", "snowing", "blizzard", "flurry",
                          "snowstorm", "snow drift down") + _ph("snow", p=1.0),
        Weather.rain: _ph("rain", "raining", "rainy", "downpour", "drizzle", "rainfall", "rainstorm", "shower", "rain shower", "storm"),
        Weather.petals: _ph("petal", "petals", "blossom", "cherry blossom", "falling petal", "flower petal", "sakura"),
        Weather.fog: _ph("fog", "foggy", "mist", "misty", "haze", "hazy", "murky"),
    },
    "setting": {
        Setting.snowy_meadow: _ph("snowy meadow", "snowy field", "snow cover meadow", "snow cover field", "snowfield",
                                  "snowy plain", "winter meadow", "cover in snow", "snowy landscape", "snowy valley",
                                  "snowy grassland", "snow field", "tundra", p=3.0) + _ph("snowy", p=1.5)
                               + _ph("snow cover tree", "snowy tree", "frost pine tree", "frosted pine tree", p=1.0),
        Setting.green_meadow: _ph("green meadow", "grassy meadow", "meadow", "grassland", "field", "green field",
                                  "pasture", "prairie", "grassy field", "lawn", "savanna", "savannah", "countryside", p=2.5),
        Setting.desert: _ph("desert", "dune", "sand dune", "sandy desert", "sahara", "desert dune", p=3.0) + _ph("mesa", "canyon", p=1.0),
        Setting.beach: _ph("beach", "shore", "seashore", "seaside", "coast", "sandy beach", "shoreline", "coastline", p=3.0)
                       + _ph("sea", "ocean", p=2.0),
        Setting.forest: _ph("forest", "wood", "woodland", "pine forest", "jungle", "forest clearing", p=3.0)
                        + _ph("tree", "pine tree", "conifer", p=0.8),
        Setting.mountains: _ph("in mountain", "mountain valley", "mountain pass", "alpine", "alpine valley",
                               "among mountain", "rugged mountain", "mountain range", "among tower mountain", p=2.0)
                           + _ph("mountain", "peak", "snow cap mountain", "snowy mountain", "snowy peak", "snow cap peak", "ridge", p=1.0),
        Setting.city: _ph("city", "street", "skyline", "downtown", "urban", "city street", "town", "skyscraper", p=3.0)
                      + _ph("building", "road", p=1.0),
    },
    "subject_motion": {
        SubjectMotion.approach: _ph("approach", "toward camera", "toward viewer", "toward u", "toward us", "come closer",
                                    "closer", "straight at camera", "come toward", "head toward camera", "at camera"),
        SubjectMotion.recede: _ph("away from camera", "into distance", "recede", "retreat", "away from viewer",
                                  "away from u", "away from us", "leave", "off into distance"),
        SubjectMotion.fly_across: _ph("fly across", "across sky", "soar across", "glide across", "fly past", "fly by",
                                      "fly over", "soar", "soar over", "across frame"),
        SubjectMotion.bounce: _ph("bounce", "hop", "jump", "bouncing"),
        SubjectMotion.still: _ph("still", "stand still", "motionless", "stationary", "stand", "park", "parked", "anchor",
                                 "at anchor", "moor", "moored", "hover", "rest", "idle", "wait", "sit", "lie", "pause",
                                 "stand quietly", "in place", "one spot", p=1.0),
    },
    "camera_motion": {
        CameraMotion.static: _ph("static", "static camera", "static shot", "lock off", "locked off", "fixed camera",
                                 "tripod", "camera hold", "hold steady", "still camera", "stationary camera", "steady camera",
                                 "camera hold steady", "stable camera", p=2.0),
        CameraMotion.pan_left: _ph("pan left", "pan leftward", "camera pan left", "pan toward left", "pan from right left"),
        CameraMotion.pan_right: _ph("pan right", "pan rightward", "camera pan right", "pan toward right", "pan from left right",
                                    "pan across") ,
        CameraMotion.tilt_up: _ph("tilt up", "tilt upward", "tilt upwards", "tilt toward sky", "crane up"),
        CameraMotion.tilt_down: _ph("tilt down", "tilt downward", "tilt downwards", "tilt toward ground", "crane down"),
        CameraMotion.zoom_in: _ph("zoom in", "zoom", "zoom closer", "close in"),
        CameraMotion.zoom_out: _ph("zoom out", "zoom back", "pull back", "widen"),
        CameraMotion.dolly: _ph("dolly", "dolly shot", "dolly forward", "dolly in", "track forward", "camera move forward",
                                "move forward on dolly", "push in", "push forward", "travel forward", "tracking shot",
                                "forward tracking") + _ph("move forward", p=1.0),
    },
    "camera_angle": {
        CameraAngle.low: _ph("low angle", "low camera", "low camera view", "from below", "look up", "worm eye view", "ground level", "low shot", "low view"),
        CameraAngle.eye: _ph("eye level", "eye level view", "eye level shot", "straight on", "at eye level"),
        CameraAngle.high: _ph("high angle", "from above", "look down", "bird eye view", "aerial",
                              "aerial view", "high camera", "high view", "overhead view", "top down"),
    },
}

# Phrases that use a keyword without meaning it ("depth of field" is no meadow): matched and consumed
# so that their words set nothing.
NEUTRAL = ["depth field", "field view", "field depth", "wood grain", "star shaped", "sun high", "sun set behind"]

# Locomotion verbs: with a direction they mean move_left/move_right; alone they are a weak hint.
LOCOMOTION = ["walk", "drive", "sail", "fly", "roll", "move", "head", "run", "trot", "travel", "go", "stroll",
              "cruise", "glide", "wander", "lumber", "trudge", "march", "tread", "stride", "hike", "amble",
              "gallop", "race", "speed", "drift", "float", "swim", "cross", "make way", "come", "scamper", "plod", "stomp",
              "step", "tramp", "roam", "journey", "proceed", "pass", "ride"]
# Verbs that alone (no direction) still say the subject travels; read as the nearest motion, move_right
# (fly_across for birds). Drifting, floating or passing alone say too little.
BARE_LOCOMOTION = frozenset("""walk drive sail fly roll run trot stroll cruise lumber trudge march tread stride hike amble
gallop race swim scamper plod stomp roam wander ride""".split())
for _v in LOCOMOTION:
    for _d, _m in (("left", SubjectMotion.move_left), ("leftward", SubjectMotion.move_left),
                   ("right", SubjectMotion.move_right), ("rightward", SubjectMotion.move_right),
                   ("from right left", SubjectMotion.move_left), ("from left right", SubjectMotion.move_right),
                   ("toward left", SubjectMotion.move_left), ("toward right", SubjectMotion.move_right),
                   ("away", SubjectMotion.recede), ("toward camera", SubjectMotion.approach), ("toward u", SubjectMotion.approach),
                   ("toward us", SubjectMotion.approach), ("toward viewer", SubjectMotion.approach)):
        PHRASES["subject_motion"].setdefault(_m, []).append((f"{_v} {_d}", 2.5))
    if _v in BARE_LOCOMOTION:
        PHRASES["subject_motion"].setdefault(SubjectMotion.move_right, []).append((_v, 0.5))
for _d, _m in (("from right left", SubjectMotion.move_left), ("from left right", SubjectMotion.move_right),
               ("leftward", SubjectMotion.move_left), ("rightward", SubjectMotion.move_right),
               ("toward left", SubjectMotion.move_left), ("toward right", SubjectMotion.move_right)):
    PHRASES["subject_motion"][_m].append((_d, 2.0))

# Verb inflections -> lemma. Regular forms are generated; irregular ones are listed.
_DOUBLE = {"run", "trot", "hop", "pan", "sit", "jog", "stop", "skip", "drop", "swim", "get", "put", "set", "scamper_"}
_IRREGULAR = {"flies": "fly", "flying": "fly", "flew": "fly", "flown": "fly", "ran": "run", "drove": "drive",
              "driven": "drive", "lay": "lie", "lying": "lie", "lies": "lie", "sat": "sit", "stood": "stand",
              "held": "hold", "came": "come", "went": "go", "goes": "go", "gone": "go", "strode": "stride",
              "trod": "tread", "sped": "speed", "fell": "fall", "fallen": "fall", "dollies": "dolly", "dollied": "dolly",
              "dollying": "dolly", "left": "left", "rode": "ride", "risen": "rise", "rose": "rise", "swam": "swim",
              "leaves": "leave", "covered": "cover", "capped": "cap", "frosted": "frosted", "towering": "tower",
              "locked": "locked", "parked": "parked", "moored": "moored", "bouncing": "bouncing", "setting": "set",
              "rising": "rise", "sinking": "sink", "snowing": "snowing", "raining": "raining",
              "tracking": "tracking", "hovering": "hover", "towards": "toward", "leftwards": "leftward",
              "rightwards": "rightward", "upwards": "upward", "downwards": "downward", "woods": "wood",
              "colours": "colour", "colors": "color", "skies": "sky", "cities": "city", "peaks": "peak", "star": "star",
              "stars": "star", "falling": "fall", "clouds": "cloud"}
_VERBS = set(LOCOMOTION) | {"pan", "tilt", "zoom", "approach", "recede", "retreat", "bounce", "hop", "jump", "stand",
                            "park", "hover", "rest", "wait", "sit", "pause", "soar", "moor", "hold", "track", "push",
                            "pull", "look", "fall", "cover", "cap", "leave", "crane", "widen", "close", "rise", "set",
                            "lock", "blow", "tower", "swirl", "shine", "glow", "sink"}


def _inflections(base: str) -> list[str]:
    forms = [base + ("es" if base.endswith(("s", "sh", "ch", "x", "o")) else "s")]
    if base.endswith("e") and not base.endswith("ee"):
        forms += [base[:-1] + "ing", base + "d"]
    elif base in _DOUBLE:
        forms += [base + base[-1] + "ing", base + base[-1] + "ed"]
    elif base.endswith("y") and base[-2] not in "aeiou":
        forms += [base + "ing", base[:-1] + "ied", base[:-1] + "ies"]
    else:
        forms += [base + "ing", base + "ed"]
    return forms


LEMMAS: dict[str, str] = {}
for _v in _VERBS:
    for _f in _inflections(_v.split()[0]):
        LEMMAS.setdefault(_f, _v.split()[0])
LEMMAS.update(_IRREGULAR)
