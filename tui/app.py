"""The consultation app: it starts on the consultation screen and holds the
global keys (help, palette, quit). The screen owns the session and its turns
(tui/screens/consultation.py); the widgets own their state."""
from __future__ import annotations

import gc
import functools
from typing import TYPE_CHECKING, Callable, Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tui.keys import key_label
from tui.screens.consultation import WIDE, ConsultationScreen, StartOptions, default_session_factory
from tui.screens.help import HelpScreen

if TYPE_CHECKING:
    from agent.session import Session

__all__ = ["AdvisorApp", "StartOptions", "default_session_factory", "WIDE"]


def _action_commands():
    """The palette's provider, imported when the palette opens: textual.command and
    what it imports cost ~50 ms that the first paint need not pay."""
    from tui.palette import ActionCommands

    return ActionCommands


class AdvisorApp(App[None]):
    """ft-advisor's consultation app."""

    CSS_PATH = "app.tcss"
    TITLE = "ft-advisor"
    COMMANDS = App.COMMANDS | {_action_commands}
    # The screen gets -narrow below WIDE columns (the case sidebar then replaces the
    # chat) and -xwide from 160 (the sidebar widens); see app.tcss.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide"), (160, "-xwide")]
    # And -short below 30 rows: the dialogs drop their spacing (see screens.tcss).
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]

    HELP = """\
# ft-advisor

Should you fine-tune an LLM, and what would it really cost? Describe your case; the
advisor asks what could change the decision, then recommends a strategy with the
reasons from the article and the costs of each path, all from deterministic cost models.

Offline (no model configured) the advisor is rule-only; with `--model` an LLM leads the
interview and calls the same tools. Everything is saved after every message.
"""

    BINDINGS = [Binding("f1", "help", "Help", id="help")]

    def __init__(self, options: StartOptions | None = None, *,
                 session_factory: Callable[[StartOptions], "Session"] | None = None) -> None:
        super().__init__()
        self.options = options or StartOptions()
        #: The consultation screen (the chat, the case, the input and the session).
        self.view = ConsultationScreen(self.options, session_factory)

    def get_default_screen(self) -> ConsultationScreen:
        # The consultation screen is the app's first screen: no blank frame before it.
        return self.view

    def on_unmount(self) -> None:
        gc.unfreeze()  # hand everything back to the collector (tests run many apps)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.focused or self.view.prompt, self.view))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # In a dialog, its own actions too (Resume, Delete, Save, ...); the consultation
        # screen's come from ActionCommands.
        if screen is not self.view and screen is not self.default_screen:
            where = type(screen).__name__.removesuffix("Screen")
            for binding in screen.BINDINGS:
                if isinstance(binding, Binding) and binding.description and "." not in binding.action:
                    yield SystemCommand(binding.description, f"{where}  ({key_label(binding.key)})",
                                        functools.partial(screen.run_action, binding.action))
        yield from super().get_system_commands(screen)
