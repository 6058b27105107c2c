"""The scrolling chat log. Kept in a module of its own, free of Markdown, so the
first paint does not wait for the message widgets' imports."""
from __future__ import annotations

from typing import Any

from textual import events
from textual.containers import VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

#: Segments with fewer blocks than this are cheap to lay out: never frozen.
_FREEZE_MIN_BLOCKS = 12


class ChatLog(VerticalScroll):
    """The conversation. It follows new text (Textual's anchor) until the user scrolls
    up to read, and follows again once they scroll back to the bottom.

    Long answers arrive as several Markdown segments; segments more than a screen
    away from the view are frozen (blocks hidden, height pinned) so that each layout
    pass costs the same however long the conversation is, and thaw on the way back.
    """

    HELP = """\
## Chat

The conversation with the advisor. Tool calls appear as rows you can expand
(**Enter** on a row's title); notices (retries, a switch to offline) appear inline.

- **Up/Down, PageUp/PageDown, Home/End** scroll when the log has focus.
- While you read further up, new text no longer scrolls the log; scroll back to the
  bottom to follow the answer again.
- **PageUp/PageDown, Ctrl+Home/Ctrl+End** scroll it from the input too.
- **Alt+Up/Alt+Down** select a message (outlined); **Ctrl+C** copies it, **Esc**
  clears the selection. **F4** copies the advisor's last answer.
- **Esc** stops an answer being written; what arrived is kept, marked *(interrupted)*.
- Typing or pasting here goes to the message input.
"""

    #: The selected message (a user message or the first segment of an answer).
    selected: reactive[Widget | None] = reactive(None, init=False)

    class Selected(Message):
        """A message was selected (None: the selection was cleared)."""

        def __init__(self, widget: Widget | None) -> None:
            super().__init__()
            self.widget = widget

    def messages(self) -> list[Widget]:
        """The selectable rows: user messages and the first segment of each answer."""
        return [c for c in self.children if c.has_class("message") and not c.has_class("-continued")]

    def select(self, widget: Widget | None) -> None:
        self.selected = widget

    def select_step(self, step: int) -> None:
        """Select the message above (-1) or below (1) the selected one; from none, the
        last message (either way)."""
        rows = self.messages()
        if not rows:
            return
        if self.selected not in rows:
            self.selected = rows[-1]
        else:
            index = rows.index(self.selected) + step
            self.selected = rows[max(0, min(len(rows) - 1, index))]

    def watch_selected(self, old: Widget | None, new: Widget | None) -> None:
        if old is not None:
            old.remove_class("-selected")
        if new is not None:
            new.add_class("-selected")
            self.scroll_to_widget(new, animate=False)
        self.post_message(self.Selected(new))

    def selected_widget(self) -> Widget | None:
        return self.selected if self.selected is not None and self.selected.parent is self else None

    def selected_text(self) -> str:
        """The selected message's text (an answer with all its segments)."""
        head = self.selected_widget()
        if head is None:
            return ""
        parts: list[Any] = [getattr(head, "text", "")]
        children = list(self.children)
        for child in children[children.index(head) + 1:]:
            if not child.has_class("-continued"):
                break
            parts.append(getattr(child, "text", ""))
        return "".join(parts)

    def on_mount(self) -> None:
        self.anchor()
        self.set_interval(0.25, self.update_frozen)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if abs(new_value - old_value) >= 1:
            self.update_frozen()

    def on_resize(self, event: events.Resize) -> None:
        # Pinned heights are wrong at a new width: thaw all; the timer refreezes.
        for child in self.children:
            thaw = getattr(child, "thaw", None)
            if thaw is not None:
                thaw()

    def update_frozen(self) -> None:
        height = self.size.height
        if not height:
            return
        top = self.scroll_y
        low, high = top - height, top + 2 * height
        for child in self.children:
            freeze = getattr(child, "freeze", None)
            if freeze is None:
                continue
            region = child.virtual_region
            if region.bottom >= low and region.y <= high:
                child.thaw()
            elif len(child.children) >= _FREEZE_MIN_BLOCKS and region.height > 0:
                # Only once its height has stopped changing (its last blocks laid out):
                # the pinned height must be the real one.
                if getattr(child, "seen_height", None) == region.height:
                    freeze(region.height)
                else:
                    child.seen_height = region.height
