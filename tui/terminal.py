"""What reaches a terminal: untrusted text neutralised, secrets scrubbed.

- `neutralise` (tools/text.py) strips terminal control; the session applies it to
  every event it relays, and `ask` and `chat --plain` again to every line they print.
- `ScrubbingWriter` wraps stdout/stderr for every CLI command (tui/cli.py): the
  configured key and anything shaped like a provider key (sk-..., sk-ant-...,
  AIza..., gsk_..., hf_..., AKIA..., xai-...) are redacted, even when a model streams
  the key a few characters at a time: the trailing run of key-like characters is held
  back until it is known not to be the start of a key.
"""
from __future__ import annotations

import re
import sys
from contextlib import contextmanager
from typing import Any, Iterator, TextIO

from tools.secrets import SECRET_PREFIXES, known_secrets, scrub
from tools.text import neutralise  # noqa: F401  (the front ends' one import for terminal text)

#: Characters a key is made of: a run of them at the end of the output may be a key
#: still streaming in.
_KEYISH = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.")
_MARKERS = SECRET_PREFIXES
_STARTED = re.compile("(?:" + "|".join(map(re.escape, _MARKERS)) + ")")
#: A run longer than this is released whatever it is (a bound on what is held).
_MAX_HELD = 4096


def _may_be_a_key(run: str) -> bool:
    """Whether a run of key characters could still grow into a key."""
    if _STARTED.search(run):
        return True
    if any(run.endswith(m[:i]) for m in _MARKERS for i in range(1, len(m))):
        return True
    return any(run.endswith(secret[:i]) for secret in known_secrets() for i in range(1, min(len(run), len(secret)) + 1))


class ScrubbingWriter:
    """A text stream that redacts secrets before they reach `stream`."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._held = ""

    def write(self, text: str) -> int:
        buffer = self._held + text
        cut, floor = len(buffer), max(0, len(buffer) - _MAX_HELD)
        while cut > floor and buffer[cut - 1] in _KEYISH:
            cut -= 1
        if cut == floor and floor > 0:
            cut = len(buffer)  # too long to be a key: release it all
        out, self._held = buffer[:cut], buffer[cut:]
        if out:
            self._stream.write(scrub(out))
        return len(text)

    def flush(self) -> None:
        if self._held and not _may_be_a_key(self._held):
            self._stream.write(scrub(self._held))
            self._held = ""
        self._stream.flush()

    def drain(self) -> None:
        """Release everything held (the command is over)."""
        if self._held:
            self._stream.write(scrub(self._held))
            self._held = ""
        self._stream.flush()

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding, buffer, reconfigure...
        return getattr(self._stream, name)


@contextmanager
def scrubbed_output() -> Iterator[None]:
    """stdout and stderr scrubbed for the duration of a command."""
    saved = sys.stdout, sys.stderr
    out, err = ScrubbingWriter(sys.stdout), ScrubbingWriter(sys.stderr)
    sys.stdout, sys.stderr = out, err  # type: ignore[assignment]
    try:
        yield
    finally:
        try:
            out.drain()
            err.drain()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
        sys.stdout, sys.stderr = saved
