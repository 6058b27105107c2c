"""Every action of the consultation screen with its palette title, its longer text
and the words people may search for it by: the single source of the command palette,
F1's key table and the README's, so a binding can never lack an entry."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    """An action of the consultation screen (`action_<name>`)."""

    name: str
    title: str
    text: str
    #: Other words for it: the palette matches them too ("report" finds Export).
    keywords: str = ""


ACTIONS: tuple[Action, ...] = (
    Action("help", "Help", "Help for the focused part of the screen, and every key", "keys manual"),
    Action("toggle_case", "Case sidebar", "Show or hide the profile, recommendation and costs",
           "profile recommendation costs plot"),
    Action("consultations", "Consultations", "Resume, delete or start a consultation", "open history resume delete"),
    Action("new_consultation", "New consultation", "Start a fresh consultation", "reset start"),
    Action("settings", "Settings", "Model, API base and offline mode", "config model api"),
    Action("export", "Export", "Save the report (Markdown) or the consultation (JSON) to a file",
           "report save file markdown json"),
    Action("copy_report", "Copy report", "Copy the Markdown report to the clipboard", "clipboard export"),
    Action("copy_answer", "Copy last answer", "Copy the advisor's last answer to the clipboard",
           "clipboard message"),
    Action("select_previous", "Select previous message", "Select the message above (then Ctrl+C copies it)",
           "copy message"),
    Action("select_next", "Select next message", "Select the message below", "copy message"),
    Action("go_offline", "Go offline", "Continue with the rule-only advisor (no model)", "rule-only"),
    Action("cancel_answer", "Stop answer", "Stop the answer being streamed, keeping what arrived",
           "cancel interrupt"),
)


def key_label(key: str) -> str:
    """"ctrl+b,f5" -> "Ctrl+B / F5"."""
    return " / ".join("+".join(part.capitalize() if len(part) > 1 else part.upper() for part in k.split("+"))
                      for k in key.split(","))
