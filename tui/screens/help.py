"""F1: help for the part of the screen that has focus, the app's purpose, and every key."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Markdown


def widget_help(widget: Widget | None) -> str:
    """The HELP of the widget or of its nearest ancestor that has one."""
    node = widget
    while node is not None:
        text = getattr(type(node), "HELP", None)
        if text and node is not node.app:
            return text
        node = node.parent if isinstance(node.parent, Widget) else None
    return ""


def keys_table(app) -> str:
    rows = ["## Keys", "", "| Key | Action |", "|---|---|"]
    from tui.app import ACTIONS

    # The palette's longer text, not the footer's one-word label.
    described = {action: text for action, _title, text in ACTIONS}
    seen = set()
    for binding in app.BINDINGS:
        key = getattr(binding, "key", None)
        if not key or binding.action in seen:
            continue
        seen.add(binding.action)
        rows.append(f"| {_key(key)} | {described.get(binding.action, binding.description)} |")
    rows += [
        "| Enter | Send the message |",
        "| Up / Down | Earlier messages (in the input) |",
        "| Tab / Shift+Tab | Move focus (chat, case, input) |",
        "| Ctrl+P | Command palette: every action by name |",
        "| Ctrl+Q | Quit (everything is already saved) |",
    ]
    return "\n".join(rows)


def _key(key: str) -> str:
    return " / ".join("+".join(p.capitalize() if len(p) > 1 else p.upper() for p in k.split("+"))
                      for k in key.split(","))


class HelpScreen(ModalScreen[None]):
    """Help for the focused widget, then the app, then the keys."""

    CSS_PATH = "screens.tcss"
    AUTO_FOCUS = "#dialog"
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close", id="help.close")]

    def __init__(self, focused: Widget | None) -> None:
        super().__init__()
        self._focused = focused

    def compose(self) -> ComposeResult:
        parts = [widget_help(self._focused), getattr(self.app, "HELP", "") or "", keys_table(self.app)]
        with VerticalScroll(id="dialog", classes="help") as box:
            box.border_title = "Help  (Esc to close)"
            yield Markdown("\n\n".join(p.strip() for p in parts if p))
