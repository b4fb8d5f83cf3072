"""The help screen: the keys and the chat phrasings the director understands."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP_TEXT = """\
# reelgraph studio

**Say to the director** (left pane):

| you type | it does |
|---|---|
| `analyze ~/films/ref.mp4 notes.md` | reads references into memory |
| `plan a 60-second film about ...` | writes a storyboard |
| `make shot 3 a close-up` | sets shot 3's camera |
| `shot 2 duration 4` | sets shot 2 to 4 s |
| `shot 1 prompt a red ball bounces` | rewrites shot 1 |
| `render` | asks to approve, then renders |
| anything else | answered from memory, with citations |

**Keys**: `ctrl+r` render (approve) · `ctrl+t` continue an interrupted run ·
`ctrl+s` stop rendering (finished shots are kept) · `f2` storyboard · `f3` render ·
`f4` memory · `e` or `enter` edits the storyboard cell under the cursor · `f1` help ·
`ctrl+q` or `ctrl+c` quit (a render in progress stops and continues next time with `ctrl+t`
or `reelgraph chat --resume`).
"""


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close help")]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Markdown(HELP_TEXT, id="help-text")
