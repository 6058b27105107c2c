"""Secrets: what looks like a credential, and scrubbing it from anything the program
writes: the consultation store, `--json`, exports, every line on stdout and stderr
(tui/terminal.py) and a model's answer as it streams (SecretHoldback, used by the
session for every front end)."""
from __future__ import annotations

import os
import re
from typing import Any

#: Values that look like credentials, whatever field they hide in: OpenAI/Anthropic
#: style keys, Google keys, Groq/HF tokens, AWS key ids, bearer tokens.
_SECRET = re.compile(
    r"(sk-[A-Za-z0-9_\-]{16,}"
    r"|AIza[0-9A-Za-z_\-]{30,}"
    r"|gsk_[A-Za-z0-9]{20,}"
    r"|hf_[A-Za-z0-9]{20,}"
    r"|AKIA[0-9A-Z]{16}"
    r"|xai-[A-Za-z0-9]{20,}"
    r"|pplx-[A-Za-z0-9]{20,}"
    r"|r8_[A-Za-z0-9]{20,}"
    r"|(?i:bearer)\s+[A-Za-z0-9._\-]{16,})"
)
#: How the keys above begin (the terminal writer holds back a run that may be one).
SECRET_PREFIXES = ("sk-", "AIza", "gsk_", "hf_", "AKIA", "xai-", "pplx-", "r8_")
#: Dict keys whose values are dropped whatever they contain.
_SECRET_KEYS = re.compile(r"(?i)(api[_-]?key|secret|password|authorization|access[_-]?token)")
#: Environment variables whose values are secrets and must never be written.
_SECRET_ENV = re.compile(r"(?i)(_API_KEY|_SECRET|_TOKEN|_PASSWORD)$")
REDACTED = "[redacted]"


#: Secrets known to this process that live outside the environment (the config
#: file's `[llm] api_key`): scrubbed like the environment's.
_KNOWN_SECRETS: set[str] = set()


def register_secret(value: str | None) -> None:
    """Scrub `value` wherever it appears, from now on (short values are ignored: they
    would redact ordinary words)."""
    if isinstance(value, str) and len(value) >= 8:
        _KNOWN_SECRETS.add(value)


def _env_secrets() -> list[str]:
    # Short values would redact ordinary words; real keys are long.
    return [v for k, v in os.environ.items() if _SECRET_ENV.search(k) and len(v) >= 8] + sorted(_KNOWN_SECRETS)


def known_secrets() -> list[str]:
    """The secret values this process knows: key-named environment variables and the
    configured key."""
    return _env_secrets()


def scrub(value: Any, env_secrets: list[str] | None = None) -> Any:
    """A copy of `value` with key-like strings and secret-named fields redacted."""
    if isinstance(value, str) and len(value) < 8:  # shorter than any secret we look for
        return value  # (checked first: streamed deltas are mostly this short)
    if not isinstance(value, dict | list | tuple | str):
        return value
    secrets = _env_secrets() if env_secrets is None else env_secrets
    if isinstance(value, dict):
        return {k: (REDACTED if isinstance(k, str) and _SECRET_KEYS.search(k) and v not in (None, "")
                    else scrub(v, secrets))
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v, secrets) for v in value]
    if isinstance(value, str):
        if len(value) < 8:  # shorter than any secret we look for
            return value
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return _SECRET.sub(REDACTED, value) if len(value) >= 16 else value
    return value




#: Characters a key is made of: a run of them at the end of streamed text may be a key
#: still arriving.
_KEYISH = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.")
_STARTED = re.compile("(?:" + "|".join(map(re.escape, SECRET_PREFIXES)) + ")")
#: A run longer than this is released whatever it is (a bound on what is held).
_MAX_HELD = 4096


def _may_be_a_key(run: str) -> bool:
    """Whether a run of key characters could still be, or grow into, a key."""
    if _STARTED.search(run):
        return True
    if any(run.endswith(m[:i]) for m in SECRET_PREFIXES for i in range(1, len(m))):
        return True
    return any(run.endswith(secret[:i])
               for secret in known_secrets() for i in range(1, min(len(run), len(secret)) + 1))


class SecretHoldback:
    """Scrubs a text that arrives in pieces (a streamed answer): a key split across
    pieces is redacted whole. The trailing run of key characters is held back while it
    may be, or become, a key, and released once a character ends it (or `release`)."""

    def __init__(self) -> None:
        self._held = ""

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def feed(self, text: str) -> str:
        """What of the text so far can be shown now, scrubbed."""
        buffer = self._held + text
        cut, floor = len(buffer), max(0, len(buffer) - _MAX_HELD)
        while cut > floor and buffer[cut - 1] in _KEYISH:
            cut -= 1
        if (cut == floor and floor > 0) or not _may_be_a_key(buffer[cut:]):
            cut = len(buffer)  # too long to be a key, or cannot be one: release it all
        out, self._held = buffer[:cut], buffer[cut:]
        return scrub(out) if out else ""

    def release(self) -> str:
        """Everything held (the text is over), scrubbed."""
        out, self._held = self._held, ""
        return scrub(out) if out else ""
