"""Shared fixtures of the generator tests: the real packaged MiniLM text encoder, loaded once."""

import pytest


@pytest.fixture(scope="session")
def text_encoder():
    """The frozen all-MiniLM-L6-v2 the generator uses (offline, from its PyPI package)."""
    from generation.text_encoder import TextEncoder

    return TextEncoder("cpu")
