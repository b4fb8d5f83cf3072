"""The procedural, captioned 2.5-D world that trains and measures the built-in generator.

Public API: ``render_clip`` / ``render_frames`` (spec -> uint8 frames), ``caption`` (spec -> text),
``parse_prompt`` (text -> spec), ``sample_spec`` (random sensible spec), and the dataset writer and
readers in ``generation.world.dataset``. Imports are light (numpy and pydantic only).
"""

from generation.world.caption import STYLES, caption
from generation.world.parse import ParsedPrompt, parse_prompt
from generation.world.render import render_clip, render_frames
from generation.world.sample import allowed_motions, is_sensible, sample_spec
from generation.world.spec import SCORED_ATTRIBUTES, SceneSpec

__all__ = [
    "SCORED_ATTRIBUTES",
    "STYLES",
    "ParsedPrompt",
    "SceneSpec",
    "allowed_motions",
    "caption",
    "is_sensible",
    "parse_prompt",
    "render_clip",
    "render_frames",
    "sample_spec",
]
