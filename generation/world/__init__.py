"""The procedural, captioned 2.5-D world that trains and measures the built-in generator."""

from generation.world.spec import SCORED_ATTRIBUTES, SceneSpec

__all__ = ["SCORED_ATTRIBUTES", "SceneSpec"]
