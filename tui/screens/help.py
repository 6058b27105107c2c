"""F1: help for the part of the screen that has focus, the app's purpose, and every key."""
from __future__ import annotations

from typing import Iterable

from rich.table import Table

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static

from tui.keys import ACTIONS, key_label


def widget_help(widget: Widget | None) -> str:
    """The HELP of the widget or of its nearest ancestor that has one."""
    node = widget
    while node is not None:
        text = getattr(type(node), "HELP", None)
        if text and node is not node.app:
            return text
        node = node.parent if isinstance(node.parent, Widget) else None
    return ""


#: Keys that are not bindings of their own (the input's, Textual's), for the table.
EXTRA_KEYS = (
    ("Enter", "Send the message (with a command suggested: complete it)"),
    ("Shift+Enter / Ctrl+J", "A new line in the message; a paste keeps its lines"),
    ("Up / Down", "Earlier messages, kept across restarts (in the input); choose a suggested command"),
    ("Tab", "Complete the suggested command; elsewhere, move focus (chat, case, input)"),
    ("PageUp / PageDown", "Scroll the chat, from the input too"),
    ("Ctrl+Home / Ctrl+End", "Top and bottom of the chat (Home / End with an empty input)"),
    ("Ctrl+C", "Copy the selected text or message; with neither, how to quit"),
    ("Ctrl+P", "Command palette: every action by name or by what it does"),
    ("Ctrl+Q", "Quit (everything is already saved)"),
)


def key_rows(bindings: Iterable[Binding]) -> list[tuple[str, str]]:
    """(key, what it does) for every action with a binding, then EXTRA_KEYS."""
    # The palette's longer text, not the footer's one-word label.
    described = {action.name: action.text for action in ACTIONS}
    seen = set()
    rows = []
    for binding in bindings:
        if not binding.key or binding.action in seen or binding.action not in described:
            continue
        seen.add(binding.action)
        rows.append((key_label(binding.key), described[binding.action]))
    return rows + list(EXTRA_KEYS)


def keys_table(bindings: Iterable[Binding]) -> str:
    """The key table in Markdown (what the README's table must match)."""
    rows = ["## Keys", "", "| Key | Action |", "|---|---|"]
    rows += [f"| {key} | {text} |" for key, text in key_rows(bindings)]
    return "\n".join(rows)


def keys_renderable(bindings: Iterable[Binding]) -> Table:
    """The key table as one Rich table: F1 opens fast (a Markdown table is a widget
    per cell)."""
    table = Table(title="Keys", title_justify="left", title_style="bold", box=None, padding=(0, 2, 0, 0),
                  show_header=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for key, text in key_rows(bindings):
        table.add_row(key, text)
    return table


class HelpScreen(ModalScreen[None]):
    """Help for the focused widget, then the app, then the keys."""

    CSS_PATH = "screens.tcss"
    AUTO_FOCUS = "#dialog"
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close", id="help.close")]

    def __init__(self, focused: Widget | None, screen: Widget | None = None) -> None:
        super().__init__()
        self._focused = focused
        #: Whose keys to list (the consultation screen's and the app's).
        self._keys = [*getattr(self.app, "BINDINGS", []), *getattr(screen, "BINDINGS", [])] \
            if screen is not None else []

    def compose(self) -> ComposeResult:
        # Textual's Markdown (markdown-it, pygments: ~40 ms) only when help opens.
        from textual.widgets import Markdown

        parts = [widget_help(self._focused), getattr(self.app, "HELP", "") or ""]
        with VerticalScroll(id="dialog", classes="help") as box:
            box.border_title = "Help  (Esc to close)"
            yield Markdown("\n\n".join(p.strip() for p in parts if p))
            if self._keys:
                yield Static(keys_renderable(b for b in self._keys if isinstance(b, Binding)), id="help-keys")
