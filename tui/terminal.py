"""What reaches a terminal: untrusted text neutralised, secrets scrubbed.

- `neutralise` (tools/text.py) strips terminal control; the session applies it to
  every event it relays, and `ask` and `chat --plain` again to every line they print.
- `ScrubbingWriter` wraps stdout/stderr for every CLI command (tui/cli.py): the
  configured key and anything shaped like a provider key (sk-..., sk-ant-...,
  AIza..., gsk_..., hf_..., AKIA..., xai-...) are redacted, even when a model streams
  the key a few characters at a time (tools.secrets.SecretHoldback: the trailing run
  of key-like characters is held back until it is known not to be the start of a key).
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Iterator, TextIO

from tools.secrets import SecretHoldback
from tools.text import neutralise  # noqa: F401  (the front ends' one import for terminal text)

class ScrubbingWriter:
    """A text stream that redacts secrets before they reach `stream`."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._hold = SecretHoldback()

    def write(self, text: str) -> int:
        out = self._hold.feed(text)
        if out:
            self._stream.write(out)
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def drain(self) -> None:
        """Release everything held (the command is over)."""
        out = self._hold.release()
        if out:
            self._stream.write(out)
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
