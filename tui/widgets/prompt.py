"""The message input: a multi-line TextArea where Enter sends and Shift+Enter or
Ctrl+J adds a line, Up/Down recall earlier inputs, slash commands are suggested as a
list, and the keys that scroll the chat (PageUp/PageDown, Ctrl+Home/End) reach it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import events
from textual.actions import SkipAction
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import OptionList, TextArea
from textual.widgets.option_list import Option


@dataclass(frozen=True)
class Suggestion:
    command: str  # "/estimate"
    text: str  # what it does, one line


class PromptInput(TextArea):
    """Multi-line input. A paste keeps its lines; Enter sends the whole text."""

    HELP = """\
## Message input

Describe your case in your own words, answer the advisor's question (a number, the
words of a choice, or `skip`), or type a command:

- `/estimate`, `/compare`, `/prompt`, `/report`, `/profile`, `/set FIELD=VALUE`,
  `/reset`, `/help`: typing `/` lists them; **Up/Down** choose, **Tab** completes.
- **Enter** sends. **Shift+Enter** or **Ctrl+J** starts a new line; a paste keeps
  its lines.
- **Up/Down** on the first or last line recall earlier messages, this
  consultation's first, then every consultation's (kept across restarts).
- **PageUp/PageDown** scroll the chat while you type; **Ctrl+Home/Ctrl+End** (or
  **Home/End** in an empty input) jump to its top and bottom.
- **Ctrl+C** copies the selected text, or the selected message (**Alt+Up** selects).
"""

    BINDINGS = [
        Binding("shift+enter,ctrl+j", "newline", "New line", show=False, id="prompt.newline"),
    ]

    #: The slash commands the input suggests (name -> one line), set by the screen.
    commands: reactive[dict[str, str]] = reactive(dict, init=False)
    #: The suggestions for what is typed now, and the one highlighted.
    matches: reactive[tuple[Suggestion, ...]] = reactive(tuple, init=False)
    choice: reactive[int] = reactive(0, init=False)

    class Send(Message):
        """The user pressed Enter on a non-empty message."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Suggested(Message):
        """The suggestions changed (the screen shows them in a list)."""

        def __init__(self, matches: tuple[Suggestion, ...], choice: int) -> None:
            super().__init__()
            self.matches = matches
            self.choice = choice

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("soft_wrap", True)
        kwargs.setdefault("show_line_numbers", False)
        kwargs.setdefault("compact", True)
        super().__init__(**kwargs)
        #: Earlier inputs, oldest first (the screen loads and saves them).
        self.inputs: list[str] = []
        self._history_pos: int | None = None
        self._draft = ""

    # `value` as for an Input: the whole text.
    @property
    def value(self) -> str:
        return self.text

    @value.setter
    def value(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)

    def insert_text_at_cursor(self, text: str) -> None:
        self.insert(text)

    # -- keys ------------------------------------------------------------------
    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            if self.matches:  # complete the command first; the next Enter sends it
                self.accept_suggestion()
                return
            self.action_submit()
            return
        if event.key == "tab" and self.matches:
            event.stop()
            event.prevent_default()
            self.accept_suggestion()
            return
        await super()._on_key(event)

    def on_paste(self, event: events.Paste) -> None:
        # A paste keeps its lines (TextArea's own handler, which Textual calls too,
        # inserts them as they are); it goes no further.
        event.stop()

    def action_newline(self) -> None:
        self.insert("\n")

    def action_submit(self) -> None:
        text = self.text.strip("\n")
        if not text.strip():
            return
        if not self.inputs or self.inputs[-1] != text:
            self.inputs.append(text)
        self._history_pos = None
        self.load_text("")
        self.post_message(self.Send(text))

    def action_cursor_up(self, select: bool = False) -> None:
        if self.matches and not select:
            self.choice = (self.choice - 1) % len(self.matches)
        elif self.cursor_at_first_line and not select:
            self.recall(-1)
        else:
            super().action_cursor_up(select)

    def action_cursor_down(self, select: bool = False) -> None:
        if self.matches and not select:
            self.choice = (self.choice + 1) % len(self.matches)
        elif self.cursor_at_last_line and not select and self._history_pos is not None:
            self.recall(1)
        else:
            super().action_cursor_down(select)

    # The chat scrolls with these keys from here (the screen binds them): the input
    # is a few lines tall and rarely needs them itself.
    def action_cursor_page_up(self) -> None:
        raise SkipAction()

    def action_cursor_page_down(self) -> None:
        raise SkipAction()

    def action_cursor_line_start(self, select: bool = False) -> None:
        if not self.text:
            raise SkipAction()  # an empty input: Home goes to the top of the chat
        super().action_cursor_line_start(select)

    def action_cursor_line_end(self, select: bool = False) -> None:
        if not self.text:
            raise SkipAction()
        super().action_cursor_line_end(select)

    # -- history ---------------------------------------------------------------
    def recall(self, step: int) -> None:
        if not self.inputs:
            return
        if self._history_pos is None:
            if step > 0:
                return
            self._draft = self.text
            pos = len(self.inputs) - 1
        else:
            pos = self._history_pos + step
        if pos >= len(self.inputs):
            self._history_pos = None
            self.value = self._draft
        else:
            self._history_pos = max(0, pos)
            self.value = self.inputs[self._history_pos]

    # -- slash suggestions -----------------------------------------------------
    def _on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._suggest()

    def watch_commands(self) -> None:
        self._suggest()

    def _suggest(self) -> None:
        typed = self.text
        if typed.startswith("/") and "\n" not in typed and " " not in typed:
            word = typed[1:].lower()
            found = tuple(Suggestion(f"/{name}", text) for name, text in sorted(self.commands.items())
                          if name.startswith(word) and f"/{name}" != typed)
        else:
            found = ()
        if found != self.matches:
            self.matches = found
            self.choice = 0

    def watch_matches(self) -> None:
        self.post_message(self.Suggested(self.matches, self.choice))

    def watch_choice(self) -> None:
        self.post_message(self.Suggested(self.matches, self.choice))

    def accept_suggestion(self) -> None:
        if not self.matches:
            return
        chosen = self.matches[min(self.choice, len(self.matches) - 1)]
        self.value = chosen.command + " "
        self.matches = ()

    def action_copy(self) -> None:
        """Ctrl+C: the selected text; with none, the screen's binding (a selected
        message), then the app's (how to quit)."""
        if not self.selected_text:
            raise SkipAction()
        super().action_copy()


class SlashMenu(OptionList):
    """The slash commands matching what is typed, one line each (a view of the
    input's suggestions: the input keeps the state)."""

    can_focus = False

    def show(self, matches: tuple[Suggestion, ...], choice: int) -> None:
        self.set_class(bool(matches), "-open")
        if not matches:
            self.clear_options()
            return
        # Text, not markup: "[PATH]" in a command's line is literal.
        self.set_options(Option(Text(f"{s.command:<10} {s.text}")) for s in matches)
        self.highlighted = min(choice, len(matches) - 1)
