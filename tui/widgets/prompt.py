"""The message input: Enter sends, Up/Down recall earlier inputs, slash commands are
suggested as you type, and a multi-line paste stays one message."""
from __future__ import annotations

import re

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input

_PASTE_TOKEN = re.compile(r"\[pasted #(\d+): \d+ lines\]")


class PromptInput(Input):
    """Single-line input. A pasted multi-line text is shown as one token such as
    `[pasted #1: 12 lines]` and expanded back to its full text when sent, so it stays
    one message with its line breaks intact."""

    HELP = """\
## Message input

Describe your case in your own words, answer the advisor's question (a number, the
words of a choice, or `skip`), or type a command:

- `/estimate`, `/compare`, `/prompt`, `/report`, `/profile`, `/set FIELD=VALUE`,
  `/reset`, `/help`; suggestions appear as you type, **Right** accepts one.
- **Enter** sends. **Up/Down** recall earlier messages.
- A pasted multi-line text becomes one token (`[pasted #1: 12 lines]`) and is sent
  whole, with its line breaks.
"""

    BINDINGS = [
        Binding("up", "history(-1)", "Previous", show=False, id="prompt.history_previous"),
        Binding("down", "history(1)", "Next", show=False, id="prompt.history_next"),
    ]

    class Send(Message):
        """The user pressed Enter on a non-empty message (already expanded)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, **kwargs) -> None:
        # Focus must not select a draft: the next key would replace it (the app moves
        # focus here when you type or paste elsewhere in the main screen).
        kwargs.setdefault("select_on_focus", False)
        super().__init__(**kwargs)
        self.history: list[str] = []
        self._history_pos: int | None = None
        self._draft = ""
        self._pastes: dict[int, str] = {}

    def set_commands(self, commands: list[str]) -> None:
        self.suggester = SuggestFromList(commands, case_sensitive=False)

    # -- paste -----------------------------------------------------------------
    def _on_paste(self, event: events.Paste) -> None:
        text = event.text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
        if "\n" not in text:
            return  # one line: Input's own handler (next in the MRO) inserts it
        event.prevent_default()  # not Input's handler, which keeps only the first line
        event.stop()
        number = len(self._pastes) + 1
        self._pastes[number] = text
        token = f"[pasted #{number}: {text.count(chr(10)) + 1} lines]"
        if self.selection.is_empty:
            self.insert_text_at_cursor(token)
        else:
            self.replace(token, *self.selection)

    def expanded(self, value: str | None = None) -> str:
        """The value with every paste token replaced by the text it stands for."""
        value = self.value if value is None else value
        return _PASTE_TOKEN.sub(lambda m: self._pastes.get(int(m.group(1)), m.group(0)), value)

    # -- send and history ------------------------------------------------------
    async def action_submit(self) -> None:
        raw = self.value
        if not raw.strip():
            return
        text = self.expanded(raw)
        if not self.history or self.history[-1] != text:
            self.history.append(text)
        self._history_pos = None
        self._pastes.clear()
        self.value = ""
        self.post_message(self.Send(text))

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        if self._history_pos is None:
            if step > 0:
                return
            self._draft = self.value
            pos = len(self.history) - 1
        else:
            pos = self._history_pos + step
        if pos >= len(self.history):
            self._history_pos = None
            self.value = self._draft
        else:
            self._history_pos = max(0, pos)
            # A recalled multi-line message comes back as a paste token, so it stays
            # on one line here and is sent whole again.
            recalled = self.history[self._history_pos]
            if "\n" in recalled:
                number = len(self._pastes) + 1
                self._pastes[number] = recalled
                recalled = f"[pasted #{number}: {recalled.count(chr(10)) + 1} lines]"
            self.value = recalled
        self.cursor_position = len(self.value)
