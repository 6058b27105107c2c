"""Consultations on disk: one JSON file per consultation, written atomically.

The data directory is FT_ADVISOR_DATA_DIR, else the platform's user data directory
(platformdirs) / "consultations". Every write goes to a temporary file in the same
directory, is fsynced and then renamed over the old file, so a killed process leaves
either the previous version or the new one, never half a file. Anything that looks
like a secret is scrubbed before it reaches the disk.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.consultation import SCHEMA_VERSION, Consultation
from tools.errors import InputError

#: Consultation ids become file names: keep them to a safe alphabet (no paths).
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")

#: Values that look like credentials, whatever field they hide in: OpenAI/Anthropic
#: style keys, Google keys, Groq/HF tokens, AWS key ids, bearer tokens.
_SECRET = re.compile(
    r"(sk-[A-Za-z0-9_\-]{16,}"
    r"|AIza[0-9A-Za-z_\-]{30,}"
    r"|gsk_[A-Za-z0-9]{20,}"
    r"|hf_[A-Za-z0-9]{20,}"
    r"|AKIA[0-9A-Z]{16}"
    r"|xai-[A-Za-z0-9]{20,}"
    r"|(?i:bearer)\s+[A-Za-z0-9._\-]{16,})"
)
#: Dict keys whose values are dropped whatever they contain.
_SECRET_KEYS = re.compile(r"(?i)(api[_-]?key|secret|password|authorization|access[_-]?token)")
#: Environment variables whose values are secrets and must never be written.
_SECRET_ENV = re.compile(r"(?i)(_API_KEY|_SECRET|_TOKEN|_PASSWORD)$")
REDACTED = "[redacted]"


def default_directory() -> Path:
    env = os.environ.get("FT_ADVISOR_DATA_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("ft-advisor") / "consultations"


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


def scrub(value: Any, env_secrets: list[str] | None = None) -> Any:
    """A copy of `value` with key-like strings and secret-named fields redacted."""
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


def _shallow_dict(c: Consultation) -> dict[str, Any]:
    from dataclasses import asdict, fields

    out: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    for f in fields(c):
        value = getattr(c, f.name)
        out[f.name] = asdict(value) if f.name == "usage" else value
    return out


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


class ConsultationStore:
    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory).expanduser() if directory else default_directory()
        #: Files `list()` could not read, as "name: reason" (shown, never fatal).
        self.problems: list[str] = []

    # -- paths -------------------------------------------------------------------
    def path(self, consultation_id: str) -> Path:
        if not isinstance(consultation_id, str) or not _ID.match(consultation_id):
            raise InputError("consultation", "an id of letters, digits, '-' or '_'", consultation_id)
        return self.directory / f"{consultation_id}.json"

    # -- write -------------------------------------------------------------------
    def save(self, consultation: Consultation, durable: bool = True) -> Path:
        """Write the consultation atomically (tmp file + rename). `durable` also
        fsyncs, so the write survives a power cut, not only a killed process; the
        session skips it for the saves inside a turn (fsync costs ~10 ms on a busy
        disk) and does it at the end of every turn."""
        target = self.path(consultation.id)
        self.directory.mkdir(parents=True, exist_ok=True)
        created = not target.exists()
        # scrub() builds a fresh copy anyway, so skip to_dict()'s deep copy (asdict):
        # saving runs after every message and the tool results make it big.
        data = scrub(_shallow_dict(consultation))
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
        fd, tmp = tempfile.mkstemp(prefix=f".{consultation.id}.", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                if durable:
                    fh.flush()
                    os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        if created and durable:
            # A new name must reach the disk too; later renames over it can at worst
            # leave the previous version after a power cut, never a broken file.
            self._sync_directory()
        return target

    def _sync_directory(self) -> None:
        # Makes the rename itself durable; not available on every platform.
        try:
            dir_fd = os.open(self.directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dir_fd)
        except OSError:
            pass
        finally:
            os.close(dir_fd)

    def delete(self, consultation_id: str) -> bool:
        """Remove a consultation; False if there was none with that id."""
        try:
            self.path(consultation_id).unlink()
        except FileNotFoundError:
            return False
        return True

    # -- read --------------------------------------------------------------------
    @staticmethod
    def _read(path: Path) -> dict[str, Any]:
        """The raw dict of one file, or InputError naming the file and the problem."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(str(path), "a readable consultation file", type(exc).__name__) from None
        except json.JSONDecodeError as exc:
            raise InputError(str(path), f"valid JSON (line {exc.lineno}: {exc.msg})") from None
        if not isinstance(data, dict):
            raise InputError(str(path), "a JSON object", type(data).__name__)
        version = data.get("schema_version")
        if not isinstance(version, int):
            raise InputError(f"{path}: schema_version", "an integer", version)
        if version > SCHEMA_VERSION:
            raise InputError(f"{path}: schema_version",
                             f"<= {SCHEMA_VERSION} (written by a newer ft-advisor)", version)
        if not isinstance(data.get("messages", []), list) or not isinstance(data.get("profile", {}), dict):
            raise InputError(str(path), "messages as a list and profile as an object")
        return data

    def load(self, consultation_id: str) -> Consultation:
        path = self.path(consultation_id)
        if not path.exists():
            import difflib

            ids = [p.stem for p in self.directory.glob("*.json")] if self.directory.exists() else []
            raise InputError("consultation", "the id of a saved consultation", consultation_id,
                             tuple(difflib.get_close_matches(consultation_id, ids, n=3, cutoff=0.5)))
        data = self._read(path)
        try:
            return Consultation.from_dict(data)
        except (TypeError, ValueError) as exc:
            raise InputError(str(path), f"a consultation ({exc})") from None

    def list(self) -> list[Summary]:
        """Every readable consultation, most recently updated first. Unreadable files
        are skipped and named in `self.problems`."""
        self.problems = []
        if not self.directory.exists():
            return []
        out: list[Summary] = []
        for path in self.directory.glob("*.json"):
            try:
                data = self._read(path)
                state = data.get("state") or {}
                out.append(Summary(
                    id=str(data.get("id") or path.stem),
                    title=str(data.get("title") or "Untitled"),
                    created=str(data.get("created") or ""),
                    updated=str(data.get("updated") or ""),
                    mode=str(state.get("advisor_mode") or "offline"),
                    label=str(state.get("advisor_label") or ""),
                    messages=sum(1 for m in data.get("messages", [])
                                 if isinstance(m, dict) and m.get("role") in ("user", "assistant")
                                 and m.get("content")),
                    path=path,
                ))
            except InputError as exc:
                got = f", got {exc.got!r}" if exc.got is not None else ""
                self.problems.append(f"{path.name}: expected {exc.expected}{got}")
        # ISO timestamps sort as text (to the second); the file's mtime breaks ties.
        out.sort(key=lambda s: (s.updated, _mtime(s.path)), reverse=True)
        return out

    def latest(self) -> Consultation | None:
        """The most recently updated readable consultation, or None."""
        for summary in self.list():
            try:
                return self.load(summary.id)
            except InputError:
                continue
        return None
