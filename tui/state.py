"""What the app remembers between runs, beside the consultations: the consultation
last open (reopened at start) and the input history (Up recalls it), in the data
folder's `app/` sub-folder. Each file is written atomically (a temporary file in the
same folder, then a rename), so a killed app leaves the old file or the new one.
An unreadable file is treated as empty: this is convenience, never a reason to fail."""
from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

#: Inputs kept in the history file (the oldest are dropped).
HISTORY_LIMIT = 500


def state_directory() -> Path:
    # The store's module (it loads the profile schema, ~30 ms) after the first paint.
    from agent.storage import default_directory

    return default_directory() / "app"


def _write(name: str, text: str) -> None:
    """Replace one state file through the project's safe writer (random temp file in the
    same folder, then a rename); a failure only loses the convenience."""
    from tools.errors import InputError  # deferred with the writer: off the first paint
    from tools.files import write_text

    with contextlib.suppress(InputError):
        write_text(state_directory() / name, text, name, overwrite=True, make_parents=True, durable=False)


def _read(name: str) -> Any:
    """A state file, bounded like every stored file; None when missing or unreadable."""
    from tools.errors import InputError
    from tools.safe_json import loads, read_file

    try:
        return loads(read_file(state_directory() / name, name), name)
    except InputError:
        return None


def last_open() -> str | None:
    """The id of the consultation that was on screen when the app last showed one."""
    data = _read("state.json")
    value = data.get("last_open") if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None


def remember_open(consultation_id: str) -> None:
    _write("state.json", json.dumps({"last_open": consultation_id}))


def load_history(consultation_id: str | None = None) -> list[str]:
    """Earlier inputs, oldest first: every consultation's, with this consultation's
    last (so Up recalls them first)."""
    data = _read("history.json")
    entries = [e for e in data if isinstance(e, dict) and isinstance(e.get("text"), str)] \
        if isinstance(data, list) else []
    mine = [e["text"] for e in entries if consultation_id and e.get("consultation") == consultation_id]
    others = [e["text"] for e in entries if not consultation_id or e.get("consultation") != consultation_id]
    return _dedupe(others + mine)


def add_history(text: str, consultation_id: str | None) -> None:
    data = _read("history.json")
    entries = [e for e in data if isinstance(e, dict)] if isinstance(data, list) else []
    entries = [e for e in entries if not (e.get("text") == text and e.get("consultation") == consultation_id)]
    # Scrubbed like the consultations: a pasted key must not reach this file either.
    from agent.storage import scrub  # see state_directory

    entries.append({"text": scrub(text), "consultation": consultation_id})
    _write("history.json", json.dumps(entries[-HISTORY_LIMIT:], ensure_ascii=False))


def _dedupe(items: list[str]) -> list[str]:
    """Keep the last occurrence of each text."""
    seen: set[str] = set()
    out: list[str] = []
    for item in reversed(items):
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out[::-1]
