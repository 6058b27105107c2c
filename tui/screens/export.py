"""Export: the Markdown report or the consultation as JSON, to a file; or the report
to the clipboard. Nothing secret is in either (the store scrubs the consultation,
and the report is built from the profile)."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from agent.storage import export_directory
from tools.files import write_text
from tui.screens.dialog import Dialog


def build_markdown(session: Any) -> str:
    """The consultation's report, from the decision tools (tools.decision.report)."""
    from tools.decision.report import build_report

    c = session.consultation
    return build_report(c.profile)


def build_json(session: Any) -> str:
    from agent.storage import scrub

    return json.dumps(scrub(session.consultation.to_dict()), indent=2, ensure_ascii=False, default=str) + "\n"


def default_path(session: Any, fmt: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", session.consultation.title.lower())[:40].strip("-") or "consultation"
    return str(export_directory() / f"ft-advisor-{slug}.{'md' if fmt == 'markdown' else 'json'}")


class FormatChoice(RadioSet):
    """The format: Space or the arrows choose, Enter chooses and exports (as the
    dialog's border says)."""

    def key_enter(self, event: Any) -> None:
        event.stop()
        event.prevent_default()
        if self._selected is None or self._selected == self.pressed_index:
            self.screen.action_save()  # the format is chosen already
            return
        # Choose the highlighted format; export once the path follows it (the screen's
        # on_radio_set_changed).
        self.screen.export_when_changed = True
        self.action_toggle_button()


def export(session: Any, fmt: str, path: str | Path, overwrite: bool = False) -> Path:
    """Write the export with the safe writer (atomic, never through a symlink planted
    at the temp name, never over a device; an existing file only with `overwrite`);
    returns the absolute path. Raises InputError."""
    text = build_markdown(session) if fmt == "markdown" else build_json(session)
    return write_text(path, text, "path", overwrite=overwrite, make_parents=True)


class ExportScreen(Dialog[Path | None]):
    HELP = """\
## Export

- **Markdown report**: the recommendation, its reasons and warnings, the costs of
  each strategy and their assumptions, ready to share.
- **JSON**: the whole consultation (profile, messages, tool calls), for scripts or
  `ft-advisor report --profile FILE`.
- **Copy report** sends the Markdown report to the clipboard through the terminal
  (OSC 52); a terminal may refuse it silently, then export to a file instead.

The path starts in your documents folder (`~/Documents/ft-advisor/` on most systems;
`FT_ADVISOR_EXPORT_DIR` changes it). **Enter** exports, also from the format choice.
"""

    AUTO_FOCUS = "#export-path"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
        Binding("ctrl+y", "copy", "Copy report", id="export.copy"),
    ]

    def __init__(self, session: Any) -> None:
        super().__init__()
        self.session = session
        self.fmt = "markdown"
        #: Enter chose a new format: export once the path follows it.
        self.export_when_changed = False
        self._confirmed: str | None = None  # the path the user agreed to replace

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog", classes="export") as box:
            box.border_title = "Export"
            box.border_subtitle = "Enter export · Ctrl+Y copy · Esc close · F1 help"
            with FormatChoice(id="export-format"):
                yield RadioButton("Markdown report", value=True, id="export-markdown")
                yield RadioButton("Consultation as JSON", id="export-json")
            yield Label("Path")
            # Not selected on focus: a key typed there must not replace the whole path.
            yield Input(default_path(self.session, self.fmt), id="export-path", select_on_focus=False)
            yield Static("", id="export-result", classes="hint", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Export", variant="primary", id="export-save")
                yield Button("Copy report", id="export-copy")
                yield Button("Close", id="export-cancel")

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        old = default_path(self.session, self.fmt)
        self.fmt = "json" if event.pressed.id == "export-json" else "markdown"
        path = self.query_one("#export-path", Input)
        if path.value == old:  # only follow the format if the user did not type a path
            path.value = default_path(self.session, self.fmt)
            path.cursor_position = len(path.value)
        if self.export_when_changed:
            self.export_when_changed = False
            self.action_save()

    def action_save(self) -> None:
        path = self.query_one("#export-path", Input).value
        overwrite = self._confirmed == path
        if not overwrite and Path(path).expanduser().is_file():
            # An existing file is replaced only when the user asks twice.
            self._confirmed = path
            self.query_one("#export-result", Static).update(f"{path} exists: press Enter again to replace it.")
            return
        try:
            written = export(self.session, self.fmt, path, overwrite=overwrite)
        except Exception as exc:
            self.query_one("#export-result", Static).update(f"Not written: {_one_line(exc)}")
            self.notify(f"Not written: {_one_line(exc)}", severity="error", markup=False)
            return
        self.notify(f"Written:\n{written}", timeout=8, markup=False)
        self.dismiss(written)

    def action_copy(self) -> None:
        try:
            report = build_markdown(self.session)
        except Exception as exc:
            self.notify(f"No report: {_one_line(exc)}", severity="error")
            return
        self.app.copy_to_clipboard(report)
        self.notify(f"Report sent to the clipboard ({len(report):,} characters) through the terminal (OSC 52). "
                    "If nothing arrives, your terminal refused it: Export writes it to a file.", timeout=6)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        {"export-save": self.action_save, "export-copy": self.action_copy}.get(
            event.button.id or "", self.action_cancel)()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_save()


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:  # not "[Errno 13] ..."
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
