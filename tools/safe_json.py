"""Reading untrusted input: one reader for every JSON text and stream a user (or a
model) hands the program — profile files, standard input, the consultation store, the
config file, a model's tool-call arguments.

Each read is bounded three ways, and each bound breaks as one InputError naming the
source, never as a traceback or a process that grows until memory runs out:
- size: at most `max_bytes` are ever read (a file, a pipe, /dev/zero or /dev/urandom);
- depth: nesting deeper than `max_depth` (Python's own decoder recurses, and
  `[[[[...` 100,000 deep would be a RecursionError);
- digits: integers longer than `max_digits` (Python refuses to convert more than
  4,300 digits; no real field needs 30).
NaN and ±Infinity are not JSON: refused unless `allow_nan` (the store reads files an
older version wrote with them, and repairs the fields that hold them).
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import IO, Any

from tools.errors import InputError

#: A profile is a few hundred bytes; 1 MB leaves room for a saved consultation passed
#: as a profile. FT_ADVISOR_MAX_INPUT_BYTES raises (or lowers) it.
MAX_BYTES = 1_000_000
#: A consultation can hold long tool results; 64 MB is far past any real one.
MAX_STORE_BYTES = 64_000_000
MAX_DEPTH = 64
MAX_DIGITS = 40


def max_input_bytes(default: int = MAX_BYTES) -> int:
    """The size cap for user input: FT_ADVISOR_MAX_INPUT_BYTES when it is a positive
    integer, else `default`."""
    raw = os.environ.get("FT_ADVISOR_MAX_INPUT_BYTES", "").strip()
    if raw.isdigit() and 0 < int(raw) <= 1_000_000_000:
        return int(raw)
    return default


def _size(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n:,} bytes"


def _too_big(source: str, limit: int) -> InputError:
    return InputError(source, f"at most {_size(limit)} of input (FT_ADVISOR_MAX_INPUT_BYTES sets the cap)")


def decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(source, f"UTF-8 text (byte {exc.start} is not)") from None


def read_stream(stream: IO[Any], source: str, limit: int | None = None) -> str:
    """All of `stream` (binary or text) as text, reading at most `limit` + 1 units so
    an endless pipe stops at the cap."""
    limit = max_input_bytes() if limit is None else limit
    raw = getattr(stream, "buffer", stream)
    try:
        data = raw.read(limit + 1)
    except OSError as exc:
        raise InputError(source, f"readable input ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise _too_big(source, limit)
    return decode(data, source) if isinstance(data, bytes) else data


def read_line(stream: IO[str], source: str, limit: int | None = None) -> str:
    """One line of a text stream ("" at end of input); InputError when a line runs past
    `limit` characters without a newline."""
    limit = max_input_bytes() if limit is None else limit
    line = stream.readline(limit + 1)
    if len(line) > limit and not line.endswith("\n"):
        raise InputError(source, f"lines of at most {limit:,} characters (FT_ADVISOR_MAX_INPUT_BYTES sets the cap)")
    return line


def read_file(path: str | Path, source: str, limit: int | None = None, kind: str = "file") -> str:
    """The text of the file at `path`, at most `limit` bytes; a directory, a missing
    file, bad UTF-8 or an oversized file is an InputError naming `source` (`kind` says
    what the file should be: "JSON file")."""
    limit = max_input_bytes() if limit is None else limit
    shown = str(path)
    try:
        with open(path, "rb") as fh:
            if stat.S_ISDIR(os.fstat(fh.fileno()).st_mode):
                raise InputError(source, f"a {kind}, not a directory", shown)
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise InputError(source, f"an existing {kind}", shown) from None
    except IsADirectoryError:
        raise InputError(source, f"a {kind}, not a directory", shown) from None
    except OSError as exc:
        raise InputError(source, f"a readable {kind} ({exc.strerror or exc})", shown) from None
    if len(data) > limit:
        raise _too_big(f"{source} {shown}", limit)
    return decode(data, f"{source} {shown}")


class _Refused(ValueError):
    """Raised inside the decoder's hooks; turned into InputError by loads()."""


def _depth(value: Any, limit: int) -> int:
    """The nesting depth of a parsed value, or limit + 1 as soon as it is exceeded
    (iterative: a deep value must not recurse here either)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def loads(text: str | bytes, source: str, *, max_bytes: int | None = None, max_depth: int = MAX_DEPTH,
          max_digits: int = MAX_DIGITS, allow_nan: bool = False) -> Any:
    """Parse JSON from an untrusted source; InputError (naming `source`) for anything
    that is not bounded, valid JSON."""
    limit = max_input_bytes() if max_bytes is None else max_bytes
    if len(text) > limit:
        raise _too_big(source, limit)
    if isinstance(text, bytes):
        text = decode(text, source)
    if not text.strip():
        raise InputError(source, "JSON (the input is empty)")

    def parse_int(digits: str) -> int:
        if len(digits.lstrip("-")) > max_digits:
            raise _Refused(f"numbers of at most {max_digits} digits")
        return int(digits)

    def parse_float(digits: str) -> float:
        if len(digits) > max_digits + 20:
            raise _Refused(f"numbers of at most {max_digits} digits")
        return float(digits)

    def parse_constant(name: str) -> float:
        if not allow_nan:
            raise _Refused(f"finite numbers ({name} is not JSON)")
        return float(name.replace("Infinity", "inf"))

    try:
        value = json.loads(text, parse_int=parse_int, parse_float=parse_float, parse_constant=parse_constant)
    except json.JSONDecodeError as exc:
        raise InputError(source, f"valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise InputError(source, f"JSON nested at most {max_depth} levels deep") from None
    except _Refused as exc:
        raise InputError(source, str(exc)) from None
    if _depth(value, max_depth) > max_depth:
        raise InputError(source, f"JSON nested at most {max_depth} levels deep")
    return value
