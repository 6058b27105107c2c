"""Settings: the model, the API base and offline mode, saved to the config file's
[llm] table (tools.catalog.config.save_config). API keys are never asked for nor stored:
they stay in the environment."""
from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Static, Switch

from tui.screens.dialog import Dialog


def current_settings(session: Any) -> dict[str, Any]:
    """What the form starts with: the settings in force for this session."""
    s = getattr(session, "settings", None)
    return {
        "model": (getattr(s, "model", None) or "") if s is not None else "",
        "api_base": (getattr(s, "api_base", None) or "") if s is not None else "",
        "offline": session.mode == "offline" and bool(getattr(s, "model", None)),
    }


def save_llm_settings(values: dict[str, Any]) -> str:
    """Merge the values into the config's [llm] table and write it; returns the path."""
    from tools.catalog.config import load_config, save_config

    config = load_config()
    llm = dict(config.get("llm") or {})
    for key in ("model", "api_base"):
        value = (values.get(key) or "").strip()
        if value:
            llm[key] = value
        else:
            llm.pop(key, None)
    llm["offline"] = bool(values.get("offline"))
    config["llm"] = llm
    return str(save_config(config))


class SettingsScreen(Dialog[dict[str, Any] | None]):
    HELP = """\
## Settings

- **Model**: any litellm model string, e.g. `openai/gpt-4o-mini`,
  `anthropic/claude-sonnet-4-5`, `ollama_chat/llama3.1`. Empty: no model, the
  rule-only advisor.
- **API base**: the URL of a local OpenAI-compatible server or a LiteLLM proxy
  (optional).
- **Offline**: always use the rule-only advisor, even with a model set.

**Save** writes the `[llm]` table of the config file and switches this consultation
to the new advisor. API keys are never stored: set them in the environment
(`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, ...).
"""

    AUTO_FOCUS = "#settings-model"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="settings.cancel"),
        Binding("ctrl+s", "save", "Save", id="settings.save", priority=True),
    ]

    def __init__(self, values: dict[str, Any], config_path: str | None = None) -> None:
        super().__init__()
        self.values = values
        self._config_path = config_path

    def compose(self) -> ComposeResult:
        from tools.catalog.config import config_path

        path = self._config_path or str(config_path())
        with VerticalScroll(id="dialog", classes="settings") as box:
            box.border_title = "Settings"
            box.border_subtitle = "Ctrl+S save · Esc cancel · F1 help"
            yield Label("Model (litellm model string; empty = rule-only)")
            yield Input(self.values.get("model", ""), placeholder="not set: offline (example: openai/gpt-4o-mini)", id="settings-model")
            yield Label("API base (optional)")
            yield Input(self.values.get("api_base", ""), placeholder="not set (example: http://127.0.0.1:11434)",
                        id="settings-api-base")
            with Horizontal(classes="switch-row"):
                yield Switch(bool(self.values.get("offline")), id="settings-offline")
                yield Label("Offline: rule-only advisor, no model")
            yield Static("API keys stay in your environment (e.g. OPENAI_API_KEY); they are never saved.",
                         classes="hint")
            yield Static(f"Saved to {path}", classes="hint", id="settings-path", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Save", variant="primary", id="settings-save")
                yield Button("Cancel", id="settings-cancel")

    def _form(self) -> dict[str, Any]:
        return {
            "model": self.query_one("#settings-model", Input).value.strip(),
            "api_base": self.query_one("#settings-api-base", Input).value.strip(),
            "offline": self.query_one("#settings-offline", Switch).value,
        }

    def action_save(self) -> None:
        values = self._form()
        try:
            path = save_llm_settings(values)
        except Exception as exc:  # InputError naming the field, or an OSError
            self.notify(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, severity="error")
            return
        self.notify(f"Settings saved to {path}")
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "settings-save":
            self.action_save()
        else:
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_save()
