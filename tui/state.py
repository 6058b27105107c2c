"""What the app remembers between runs, beside the consultations: the consultation
last open (reopened at start) and the input history (Up recalls it), in the data
folder's `app/` sub-folder. Each file is written atomically (a temporary file in the
same folder, then a rename), so a killed app leaves the old file or the new one.
An unreadable file is treated as empty: this is convenience, never a reason to fail."""
from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

#: Inputs kept in the history file (the oldest are dropped).
HISTORY_LIMIT = 500


def state_directory() -> Path:
    # The store's module (it loads the profile schema, ~30 ms) after the first paint.
    from agent.storage import default_directory

    return default_directory() / "app"


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same folder and a rename."""
    import tempfile  # ~8 ms of imports the first paint need not pay

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _read(name: str) -> Any:
    try:
        return json.loads((state_directory() / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def last_open() -> str | None:
    """The id of the consultation that was on screen when the app last showed one."""
    data = _read("state.json")
    value = data.get("last_open") if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None


def remember_open(consultation_id: str) -> None:
    with contextlib.suppress(OSError):
        write_atomic(state_directory() / "state.json", json.dumps({"last_open": consultation_id}))


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
    with contextlib.suppress(OSError):
        write_atomic(state_directory() / "history.json",
                     json.dumps(entries[-HISTORY_LIMIT:], ensure_ascii=False))


def _dedupe(items: list[str]) -> list[str]:
    """Keep the last occurrence of each text."""
    seen: set[str] = set()
    out: list[str] = []
    for item in reversed(items):
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out[::-1]
