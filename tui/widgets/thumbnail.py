"""A still drawn with half-block cells: each cell shows two pixels, the top one as the glyph's
colour and the bottom one as its background, so a 16x10 image takes 16x5 cells."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

UPPER_HALF = "\u2580"


class Thumbnail(Widget):
    """Shows a uint8 (h, w, 3) RGB array (h even); an empty placeholder until one is set."""

    DEFAULT_CSS = """
    Thumbnail { width: 16; height: 5; }
    """

    def __init__(self, cells: int = 16, rows: int = 5, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.styles.width = cells
        self.styles.height = rows
        self.pixels = None

    @property
    def has_image(self) -> bool:
        return self.pixels is not None

    def show(self, pixels) -> None:
        """Draw ``pixels`` (uint8 (h, w, 3)); the widget is resized to w cells by h/2 rows."""
        if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.shape[0] % 2:
            raise ValueError(f"a thumbnail needs (even h, w, 3) pixels, not {pixels.shape}")
        self.pixels = pixels
        self.styles.width = pixels.shape[1]
        self.styles.height = pixels.shape[0] // 2
        self.refresh(layout=True)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self.pixels is None:
            return Strip([Segment("\u00b7" * width, self.rich_style)]) if y == self.size.height // 2 else Strip.blank(width, self.rich_style)
        rows = self.pixels.shape[0] // 2
        if y >= rows:
            return Strip.blank(width, self.rich_style)
        top, bottom = self.pixels[2 * y], self.pixels[2 * y + 1]
        segments = [
            Segment(UPPER_HALF, Style.from_color(_colour(t), _colour(b)))
            for t, b in zip(top[:width], bottom[:width])
        ]
        return Strip(segments)


def _colour(rgb):
    from rich.color import Color

    return Color.from_rgb(int(rgb[0]), int(rgb[1]), int(rgb[2]))
