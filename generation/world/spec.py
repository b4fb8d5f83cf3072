"""The scene spec: the closed vocabulary of the procedural world.

It is the contract that ties the project together: the world renders a spec, captions describe it,
the parser maps free text back to it, the evaluator predicts each attribute from pixels (one head per
entry of ``SCORED_ATTRIBUTES``), the generator is trained on its captions, and the agent's planner
writes shot prompts in its words. Adding a value here changes all of them, so do it deliberately.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field


class TimeOfDay(StrEnum):
    dawn = "dawn"
    noon = "noon"
    afternoon = "afternoon"
    sunset = "sunset"
    night = "night"


class Clouds(StrEnum):
    none = "none"
    wispy = "wispy"
    fluffy = "fluffy"
    overcast = "overcast"


class Setting(StrEnum):
    snowy_meadow = "snowy_meadow"  # with snow-covered trees and snow-capped mountains behind
    green_meadow = "green_meadow"
    desert = "desert"
    beach = "beach"  # sand in front, sea to the horizon
    forest = "forest"
    mountains = "mountains"
    city = "city"  # skyline


class Subject(StrEnum):
    none = "none"
    mammoth = "mammoth"
    elephant = "elephant"
    bird = "bird"
    car = "car"
    boat = "boat"
    person = "person"
    ball = "ball"
    dog = "dog"


class SubjectMotion(StrEnum):
    still = "still"
    move_left = "move_left"  # walk / drive / sail toward frame left
    move_right = "move_right"
    approach = "approach"  # toward the camera, growing
    recede = "recede"  # away from the camera, shrinking
    fly_across = "fly_across"
    bounce = "bounce"


class Weather(StrEnum):
    clear = "clear"
    snow = "snow"
    rain = "rain"
    petals = "petals"
    fog = "fog"


class CameraMotion(StrEnum):
    static = "static"
    pan_left = "pan_left"
    pan_right = "pan_right"
    tilt_up = "tilt_up"
    tilt_down = "tilt_down"
    zoom_in = "zoom_in"
    zoom_out = "zoom_out"
    dolly = "dolly"  # the camera moves forward: near layers grow faster than far ones (parallax)


class CameraAngle(StrEnum):
    low = "low"
    eye = "eye"
    high = "high"


class Colour(StrEnum):
    red = "red"
    orange = "orange"
    yellow = "yellow"
    green = "green"
    blue = "blue"
    white = "white"
    black = "black"
    brown = "brown"
    grey = "grey"


class SceneSpec(BaseModel):
    """Everything a caption may say about a world clip. Unsaid details (positions, sizes, shades)
    come from the render seed, not from the spec."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def value_name(self, name: str) -> str:
        """The value of field ``name`` as the evaluator's heads and the lexicon name it (an enum's
        value, else its text): one spelling for labels, read-backs and prompt attributes."""
        v = getattr(self, name)
        return v.value if hasattr(v, "value") else str(v)

    time_of_day: TimeOfDay = Field(TimeOfDay.afternoon, description="Sky gradient, sun or moon position, stars.")
    clouds: Clouds = Field(Clouds.none, description="Cloud cover; clouds drift slowly.")
    setting: Setting = Field(Setting.green_meadow, description="Ground and the parallax layers behind it.")
    subject: Subject = Field(Subject.none, description="What the clip is about; none for a landscape.")
    count: int = Field(1, ge=1, le=3, description="How many subjects (1-3); ignored when subject is none.")
    colour: Optional[Colour] = Field(None, description="Subject colour where it makes sense (car, ball, boat, bird).")
    subject_motion: SubjectMotion = Field(SubjectMotion.still, description="How the subjects move.")
    weather: Weather = Field(Weather.clear, description="Particles or haze over the whole frame.")
    camera_motion: CameraMotion = Field(CameraMotion.static, description="How the camera moves during the clip.")
    camera_angle: CameraAngle = Field(CameraAngle.eye, description="A low camera looks up (horizon low, much sky); a high camera looks down (horizon high).")


# The attributes the evaluator predicts and every quality figure is reported on. count and colour
# are rendered and captioned but not scored.
SCORED_ATTRIBUTES: dict[str, type[StrEnum]] = {
    "time_of_day": TimeOfDay,
    "clouds": Clouds,
    "setting": Setting,
    "subject": Subject,
    "subject_motion": SubjectMotion,
    "weather": Weather,
    "camera_motion": CameraMotion,
    "camera_angle": CameraAngle,
}
