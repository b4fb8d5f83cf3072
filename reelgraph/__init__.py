"""Shared ground for every reelgraph package: version, error hierarchy, project folder.

It imports nothing else of reelgraph so that agent, memory, generation and tui can all stand on it
without pointing at each other.
"""

__version__ = "0.1.0"
