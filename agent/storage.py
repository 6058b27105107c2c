"""Consultations on disk: one JSON file per consultation, written atomically.

The data directory is FT_ADVISOR_DATA_DIR, else the platform's user data directory
(platformdirs) / "consultations". Every write goes through tools/files.py (a random
temporary file in the same directory, fsynced, then renamed over the old file), so a
killed process leaves either the previous version or the new one, never half a file.
Anything that looks like a secret is scrubbed before it reaches the disk.

Every file is untrusted when read: bounded (tools/safe_json.py) and checked against
the shape the advisors rely on; a bad file is skipped with a notice, never blocks the
others and is never overwritten. Concurrent writers are detected (the file's identity
is checked under a lock before each write): the second saves under a new id.
"""
from __future__ import annotations

import difflib
import json
import math
import os
import re
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from agent.consultation import SCHEMA_VERSION, Consultation
from tools.decision.profile import validate_profile
from tools.errors import InputError
from tools.files import write_text
from tools.safe_json import MAX_STORE_BYTES, loads, read_file
from tools.secrets import scrub

try:
    import fcntl
except ImportError:  # Windows: no flock
    fcntl = None  # type: ignore[assignment]

#: Consultation ids become file names: keep them to a safe alphabet (no paths).
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")

def default_directory() -> Path:
    env = os.environ.get("FT_ADVISOR_DATA_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("ft-advisor") / "consultations"


def export_directory() -> Path:
    """Where exports and reports go unless a path is given: FT_ADVISOR_EXPORT_DIR, else
    the platform's documents folder / ft-advisor (~/Documents/ft-advisor on most systems)."""
    env = os.environ.get("FT_ADVISOR_EXPORT_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_documents_path  # deferred like user_data_path above

    return user_documents_path() / "ft-advisor"


@dataclass(frozen=True)
class Summary:
    """One line of the consultations list."""

    id: str
    title: str
    created: str
    updated: str
    #: "offline", "llm" or "mock": the mode of the advisor that last answered.
    mode: str
    #: The model string (or "offline rule-only"/"mock") shown next to the mode.
    label: str
    messages: int
    path: Path
    #: Why the file cannot be read ("" when it can): an unreadable file is listed,
    #: marked, never resumed, never overwritten.
    error: str = ""


def _shallow_dict(c: Consultation) -> dict[str, Any]:
    out: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    for f in fields(c):
        if f.name == "on_disk":
            continue
        value = getattr(c, f.name)
        out[f.name] = asdict(value) if f.name == "usage" else value
    return out


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def _identity(path: Path) -> tuple[int, int, int] | None:
    """Which version of a file is on disk: every save renames a new inode over it."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _iso(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, timezone.utc).isoformat(timespec="seconds")


def _type(value: Any) -> str:
    return {dict: "object", list: "list", str: "text", bool: "boolean", type(None): "null"}.get(
        type(value), type(value).__name__)


def check_consultation(data: Any) -> None:
    """InputError naming the first field of a consultation file that does not have the
    shape the advisors rely on (what `Consultation.from_dict` would otherwise trip on
    later, mid-conversation)."""
    if not isinstance(data, dict):
        raise InputError("$", "a JSON object", _type(data))
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise InputError("schema_version", "an integer", version)
    if version > SCHEMA_VERSION:
        raise InputError("schema_version", f"<= {SCHEMA_VERSION} (written by a newer ft-advisor)", version)
    for key in ("id", "title", "created", "updated"):
        if key in data and not isinstance(data[key], str):
            raise InputError(key, "text", _type(data[key]))
    for key in ("profile", "state"):
        if not isinstance(data.get(key, {}), dict):
            raise InputError(key, "an object", _type(data[key]))
    if data.get("recommendation") is not None and not isinstance(data["recommendation"], dict):
        raise InputError("recommendation", "an object or null", _type(data["recommendation"]))
    for key in ("messages", "tool_calls"):
        items = data.get(key, [])
        if not isinstance(items, list):
            raise InputError(key, "a list", _type(items))
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise InputError(f"{key}[{i}]", "an object", _type(item))
    for i, m in enumerate(data.get("messages", [])):
        if not isinstance(m.get("role"), str):
            raise InputError(f"messages[{i}].role", "text", _type(m.get("role")))
        if not isinstance(m.get("content"), str | list | None):
            raise InputError(f"messages[{i}].content", "text or null", _type(m.get("content")))
        if not isinstance(m.get("tool_calls", []), list):
            raise InputError(f"messages[{i}].tool_calls", "a list", _type(m.get("tool_calls")))
    usage = data.get("usage") or {}
    if not isinstance(usage, dict):
        raise InputError("usage", "an object", _type(usage))
    for key, value in usage.items():
        if key not in ("prompt_tokens", "completion_tokens", "cost_usd"):
            raise InputError(f"usage.{key}", "prompt_tokens, completion_tokens or cost_usd")
        if key != "cost_usd" and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise InputError(f"usage.{key}", "a whole number >= 0", value)
        if key == "cost_usd" and value is not None and not isinstance(value, int | float):
            raise InputError("usage.cost_usd", "a number or null", value)


def repair_profile(profile: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The profile with every field that fails validation dropped (NaN, a control
    character, a model no longer in the catalog...), and one line per field dropped.
    A consultation must never be stuck on a field no answer can fix."""
    try:
        validate_profile(profile)
        return profile, []
    except InputError:
        pass
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for key, value in profile.items():
        try:
            validate_profile({key: value})
        except InputError as exc:
            dropped.append(exc.message())
        else:
            kept[key] = value
    validate_profile(kept)  # still bad as a whole: refused (InputError), never stuck
    return kept, dropped


class ConsultationStore:
    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory).expanduser() if directory else default_directory()
        #: Files `list()` could not read, as "name: reason" (shown, never fatal).
        self.problems: list[str] = []
        #: One-line notices for the user (a repaired profile, a conflict, a store that
        #: cannot be written); the session shows and clears them (`take_notices`).
        self.notices: list[str] = []
        #: Why the store cannot be written, once it failed: the consultation goes on in
        #: memory (export still works), and the user was told once.
        self.unwritable: str | None = None

    def take_notices(self) -> list[str]:
        out, self.notices = self.notices, []
        return out

    # -- paths -------------------------------------------------------------------
    def path(self, consultation_id: str) -> Path:
        if not isinstance(consultation_id, str) or not _ID.match(consultation_id):
            raise InputError("consultation", "an id of letters, digits, '-' or '_'", consultation_id)
        return self.directory / f"{consultation_id}.json"

    # -- write -------------------------------------------------------------------
    def save(self, consultation: Consultation, durable: bool = True) -> Path | None:
        """Write the consultation atomically with the safe writer (random temp + rename).
        `durable` also fsyncs, so the write survives a power cut, not only a killed
        process; the session skips it for the saves inside a turn and does it at the end
        of every turn.

        Never raises for the disk: a store that cannot be written (read-only, full, a
        file where the folder should be) gives one notice and None, and the
        consultation goes on in memory. Another process that saved the same
        consultation since this one read it is never overwritten: these turns go to a
        new id, with a notice."""
        if self.unwritable is not None:
            return None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with _locked(self.directory):
                target = self.path(consultation.id)
                now = _identity(target)
                if now is not None and now != consultation.on_disk:
                    old = consultation.id
                    consultation.id = uuid.uuid4().hex[:12]
                    target = self.path(consultation.id)
                    self.notices.append(
                        f"Consultation {old} was saved by another ft-advisor since this one read it; "
                        f"these turns are saved as {consultation.id}, so neither is lost.")
                # scrub() builds a fresh copy anyway, so skip to_dict()'s deep copy (asdict):
                # saving runs after every message and the tool results make it big.
                text = json.dumps(scrub(_shallow_dict(consultation)), ensure_ascii=False,
                                  separators=(",", ":"), default=str)
                write_text(target, text, "consultation", overwrite=True, new_mode=0o600, durable=durable)
                consultation.on_disk = _identity(target)
        except (OSError, InputError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.unwritable = reason
            self.notices.append(
                f"Consultations cannot be saved in {self.directory} ({reason}): this one goes on in memory; "
                "save it elsewhere with the export (Ctrl+S in the app) or /report PATH.")
            return None
        return target

    def delete(self, consultation_id: str) -> bool:
        """Remove a consultation; False if there was none with that id. A listed file
        whose name is not a valid id (an unreadable row) can be removed too."""
        listed = {p.stem: p for p in self.directory.glob("*.json")} if self.directory.is_dir() else {}
        path = listed.get(consultation_id) if isinstance(consultation_id, str) else None
        try:
            (path or self.path(consultation_id)).unlink()
        except FileNotFoundError:
            return False
        return True

    # -- read --------------------------------------------------------------------
    @staticmethod
    def _read(path: Path) -> dict[str, Any]:
        """The checked dict of one file, or InputError naming the file and the problem.
        Bounded like every untrusted input (size, depth, digits); NaN is let through
        here and dropped by the profile repair."""
        text = read_file(path, "consultation file", MAX_STORE_BYTES)
        data = loads(text, path.name, max_bytes=MAX_STORE_BYTES, allow_nan=True)
        try:
            check_consultation(data)
        except InputError as exc:
            raise InputError(f"{path.name}: {exc.field}", exc.expected, exc.got) from None
        return data

    def load(self, consultation_id: str) -> Consultation:
        """The consultation saved as `consultation_id`.json, under that id whatever the
        file says inside (a copied file is saved back to its own name, never over the
        original). A profile field that fails validation is dropped, with a notice."""
        path = self.path(consultation_id)
        if not path.exists():
            ids = [p.stem for p in self.directory.glob("*.json")] if self.directory.is_dir() else []
            raise InputError("consultation", "the id of a saved consultation", consultation_id,
                             tuple(difflib.get_close_matches(consultation_id, ids, n=3, cutoff=0.5)))
        seen = _identity(path)
        data = self._read(path)
        try:
            profile, dropped = repair_profile(data.get("profile") or {})
        except InputError as exc:
            raise InputError(f"{path.name}: profile", f"a valid profile ({exc.message()})") from None
        if dropped:
            self.notices.append(f"{path.name}: dropped profile fields that are not valid: " + "; ".join(dropped))
        data = {**data, "profile": profile, "id": consultation_id}
        usage = data.get("usage") or {}
        if isinstance(usage.get("cost_usd"), float) and not math.isfinite(usage["cost_usd"]):
            data["usage"] = {**usage, "cost_usd": None}
        try:
            consultation = Consultation.from_dict(data)
        except (TypeError, ValueError) as exc:
            raise InputError(str(path), f"a consultation ({exc})") from None
        consultation.on_disk = seen
        return consultation

    def _summary(self, path: Path) -> Summary:
        try:
            self.path(path.stem)
            data = self._read(path)
        except InputError as exc:
            return Summary(id=path.stem, title="(unreadable)", created="", updated=_iso(_mtime(path)),
                           mode="", label="", messages=0, path=path, error=exc.message())
        state = data.get("state") or {}
        return Summary(
            id=path.stem,
            title=str(data.get("title") or "Untitled"),
            created=str(data.get("created") or ""),
            updated=str(data.get("updated") or ""),
            mode=str(state.get("advisor_mode") or "offline"),
            label=str(state.get("advisor_label") or ""),
            messages=sum(1 for m in data.get("messages", [])
                         if m.get("role") in ("user", "assistant") and m.get("content")),
            path=path,
        )

    def list(self, include_unreadable: bool = False) -> list[Summary]:
        """Every readable consultation, most recently updated first. Unreadable files
        are named in `self.problems`, and listed (with `error` set) when
        `include_unreadable`."""
        self.problems = []
        if not self.directory.is_dir():
            return []
        out: list[Summary] = []
        for path in self.directory.glob("*.json"):
            summary = self._summary(path)
            if summary.error:
                self.problems.append(f"{path.name}: {summary.error.removeprefix(path.name + ': ')}")
                if not include_unreadable:
                    continue
            out.append(summary)
        # ISO timestamps sort as text (to the second); the file's mtime breaks ties.
        out.sort(key=lambda s: (s.updated, _mtime(s.path)), reverse=True)
        return out

    def latest(self) -> Consultation | None:
        """The most recently updated readable consultation, or None. Newer files that
        cannot be read are skipped with a notice naming them, so `--resume last` never
        silently starts over."""
        skipped: list[str] = []
        found: Consultation | None = None
        for summary in self.list(include_unreadable=True):
            if not summary.error:
                try:
                    found = self.load(summary.id)
                    break
                except InputError as exc:
                    skipped.append(f"{summary.path.name} ({exc.message()})")
                    continue
            skipped.append(f"{summary.path.name} ({summary.error})")
        if skipped:
            then = f"resumed {found.id} instead" if found is not None else "started a new consultation"
            self.notices.append(f"The latest consultation could not be read: {'; '.join(skipped[:3])}; {then}.")
        return found


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on the store folder while checking and replacing a file,
    so two processes cannot both pass the "not changed since I read it" check."""
    if fcntl is None:  # no flock (Windows): the identity check alone
        yield
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
