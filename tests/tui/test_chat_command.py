"""`reelgraph chat`: options are checked before the studio opens, and without a terminal it
refuses with one clear line instead of drawing into a pipe."""

from __future__ import annotations

from agent.cli import main


def test_bad_chat_options_are_input_errors(tmp_path, capsys):
    """An unknown aspect is refused (exit 2) before anything loads."""
    assert main(["--project", str(tmp_path), "chat", "--aspect", "5:4"]) == 2
    assert "aspect" in capsys.readouterr().err


def test_chat_needs_a_terminal(tmp_path, capsys):
    """Under pytest stdin/stdout are not a terminal: the command says so and exits 2."""
    assert main(["--project", str(tmp_path), "chat"]) == 2
    assert "terminal" in capsys.readouterr().err
