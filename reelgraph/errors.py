"""One small error hierarchy for the whole tool.

Every error a user can cause or fix is a ``ReelgraphError``; its message says what to do. The CLI
turns these into one clear line and a non-zero exit; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class ReelgraphError(Exception):
    """Base of every error reelgraph raises on purpose. ``exit_code`` is what the CLI returns."""

    exit_code = 1


class InputError(ReelgraphError):
    """Input the user gave is wrong: a missing, corrupt, hostile or mislabelled file, a bad value."""

    exit_code = 2


class ModelUnavailable(ReelgraphError):
    """A model back-end or its weights are not installed; the message says how to get them."""

    exit_code = 3


class NotYetAvailable(ReelgraphError):
    """A command whose machinery lands with a later issue; the message names that issue."""

    exit_code = 4


class OutputError(ReelgraphError):
    """Writing a result failed (full disk, unwritable folder); nothing half-written is left behind."""

    exit_code = 5
