"""The base of the modal screens (consultations, settings, export): a modal screen
blocks the app's bindings, so F1 is bound here again to show the dialog's own HELP."""
from __future__ import annotations

from typing import TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen

R = TypeVar("R")


class Dialog(ModalScreen[R]):
    CSS_PATH = "screens.tcss"
    BINDINGS = [Binding("f1", "app.help", "Help", id="dialog.help")]
