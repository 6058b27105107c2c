"""The header, with the title shortened so that the mode (the sub-title) always shows,
even on an 80-column terminal. Widths are terminal cells (rich.cells), not characters:
an emoji takes two."""
from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from textual.widgets import Header
from textual.widgets._header import HeaderTitle


def fit_title(title: str, mode: str, width: int, sides: int = 18) -> str:
    """The title cut with an ellipsis to leave room for ` — mode` within `width`
    cells (`sides`: the icon and the clock). Empty if fewer than 8 cells are left."""
    room = width - sides - (cell_len(mode) + 3 if mode else 0)
    if not width or cell_len(title) <= room:
        return title
    if room <= 8:
        return ""
    return set_cell_size(title, room - 1).rstrip() + "…"


class ModeHeader(Header):
    def format_title(self):
        title = fit_title(self.screen_title, self.screen_sub_title, self.size.width)
        if not title:
            return self.app.format_title(self.screen_sub_title, "")
        return self.app.format_title(title, self.screen_sub_title)

    def on_resize(self) -> None:
        self.query_one(HeaderTitle).update(self.format_title())
