"""Which model the consultation uses, resolved once: command-line flags, then the
environment (FT_ADVISOR_MODEL, FT_ADVISOR_API_BASE), then the config file's `[llm]`
table, then nothing (offline rule-only).

    [llm]
    model = "openai/gpt-4o-mini"      # any litellm model string
    api_base = "http://127.0.0.1:11434"  # optional: local server or LiteLLM proxy
    offline = false                   # true: always rule-only unless --model is given
    timeout = 60                      # seconds per request
    max_tokens = 1500                 # cap on each completion's length
    turn_deadline = 120               # seconds for a whole message, tool calls included;
                                      # then the engine's own recommendation answers
    api_key = "..."                   # optional; the provider's env var is better

The API key is held here for the provider call only: it is never part of a
Consultation, never saved, never printed (repr hides it).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from agent.bounds import DEFAULT_MAX_TOKENS, DEFAULT_TURN_DEADLINE
from tools.catalog.config import load_config
from tools.errors import InputError
from tools.secrets import register_secret

DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class LLMSettings:
    model: str | None = None
    api_base: str | None = None
    offline: bool = False
    mock: bool = False
    timeout: float = DEFAULT_TIMEOUT
    api_key: str | None = field(default=None, repr=False)
    max_tokens: int = DEFAULT_MAX_TOKENS
    turn_deadline: float = DEFAULT_TURN_DEADLINE
    #: Where the model came from: "flag", "env", "config" or "none" (for messages).
    source: str = "none"

    @property
    def mode(self) -> str:
        if self.offline:
            return "offline"
        if self.mock:
            return "mock"
        return "llm" if self.model else "offline"


def _llm_config() -> dict[str, Any]:
    table = load_config().get("llm") or {}
    if not isinstance(table, dict):
        raise InputError("llm", "a [llm] table in the config file", type(table).__name__)
    return table


def _positive(config: dict[str, Any], key: str, default: float, expected: str) -> Any:
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise InputError(f"llm.{key}", expected, value)
    return value


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def resolve(*, model: str | None = None, api_base: str | None = None, offline: bool = False,
            mock: bool = False) -> LLMSettings:
    """Flags > environment > config `[llm]`. Raises InputError for a bad config value."""
    config = _llm_config()
    source = "none"
    if model:
        source = "flag"
    elif os.environ.get("FT_ADVISOR_MODEL"):
        model, source = os.environ["FT_ADVISOR_MODEL"], "env"
    elif config.get("model"):
        model, source = config["model"], "config"
    if model is not None and (not isinstance(model, str) or not model.strip()):
        raise InputError("llm.model", "a litellm model string such as openai/gpt-4o-mini", model)
    api_base = api_base or os.environ.get("FT_ADVISOR_API_BASE") or config.get("api_base") or None
    if api_base is not None and not isinstance(api_base, str):
        raise InputError("llm.api_base", "a URL string", api_base)
    timeout = _positive(config, "timeout", DEFAULT_TIMEOUT, "a number of seconds > 0")
    max_tokens = _positive(config, "max_tokens", DEFAULT_MAX_TOKENS, "a whole number of tokens > 0")
    if not isinstance(max_tokens, int):
        raise InputError("llm.max_tokens", "a whole number of tokens > 0", max_tokens)
    turn_deadline = _positive(config, "turn_deadline", DEFAULT_TURN_DEADLINE, "a number of seconds > 0")
    config_offline = config.get("offline", False)
    if not isinstance(config_offline, bool):
        raise InputError("llm.offline", "true or false", config_offline)
    # A model on the command line beats `offline = true` in the config; --offline beats all.
    offline = bool(offline or _truthy(os.environ.get("FT_ADVISOR_OFFLINE"))
                   or (config_offline and source != "flag" and not mock))
    api_key = config.get("api_key") or None
    if api_key is not None and not isinstance(api_key, str):
        raise InputError("llm.api_key", "a string", "(hidden)")
    if api_key:
        register_secret(api_key)  # scrubbed from saved consultations, exports and messages
    return LLMSettings(model=model.strip() if model else None, api_base=api_base, offline=offline,
                       mock=mock and not offline, timeout=float(timeout), api_key=api_key, source=source,
                       max_tokens=max_tokens, turn_deadline=float(turn_deadline))

