"""Untrusted text made safe for a terminal.

`neutralise` strips terminal control: escape sequences (OSC 52 clipboard writes,
screen clears, window titles, hyperlinks), C0/C1 control characters and lone ESC
bytes; tab and newline stay. Stripping every ESC byte also holds when a sequence is
split across streamed chunks: what is left of it prints as plain characters.
"""
from __future__ import annotations

import re

_SEQUENCE = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"       # OSC: title, clipboard (52), hyperlinks
    r"|\x1b[P^_X][^\x1b]*(?:\x1b\\)?"           # DCS, PM, APC, SOS strings
    r"|\x1b\[[0-?]*[ -/]*[@-~]"                 # CSI: cursor, clear, colours
    r"|\x1b[ -/]*[0-~]"                         # two-character escapes
    r"|\x9b[0-?]*[ -/]*[@-~]|\x9d[^\x07\x9c]*[\x07\x9c]?"  # 8-bit CSI and OSC
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def neutralise(text: str) -> str:
    """`text` without anything a terminal would act on (tab and newline kept)."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub("", _SEQUENCE.sub("", text))



