"""Bounds on one LLM turn, so that a weak or broken model cannot run away with it:
the length of each completion, a repetition guard, a deadline for the whole turn,
and the size and number of tool calls. Defaults are in agent/settings.py."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

DEFAULT_MAX_TOKENS = 1500
DEFAULT_TURN_DEADLINE = 120.0
#: Tool calls run from one model message; the rest are dropped with a notice.
DEFAULT_MAX_TOOL_CALLS = 8
#: Characters of one tool call's arguments (a full profile update is ~1-2k).
DEFAULT_MAX_TOOL_ARGS = 8000
#: Characters per token for the text cap that backs `max_tokens` when a server
#: ignores it: generous (English runs ~4), so a real answer is never cut by it.
CHARS_PER_TOKEN = 8


@dataclass(frozen=True)
class Limits:
    max_tokens: int = DEFAULT_MAX_TOKENS
    #: Seconds for a whole user message: every model call and tool run included.
    turn_deadline: float = DEFAULT_TURN_DEADLINE
    max_tool_calls: int = DEFAULT_MAX_TOOL_CALLS
    max_tool_args: int = DEFAULT_MAX_TOOL_ARGS
    #: The clock the deadline reads (tests pass a fake one).
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)

    @property
    def max_chars(self) -> int:
        return self.max_tokens * CHARS_PER_TOKEN


class RepetitionGuard:
    """Spots a stream looping on one phrase ("it's a challenge, and it's a challenge,
    and ..."): the text ends with the same piece, 2 to 200 characters long, repeated
    back to back `repeats` times or more over at least `span` characters. Real answers
    repeat short pieces (table rules, list markers) but not over such a span."""

    def __init__(self, *, repeats: int = 5, span: int = 120, every: int = 32, longest: int = 200) -> None:
        self.repeats = repeats
        self.span = span
        self.every = every
        self.longest = longest
        self.text = ""
        self._checked = 0
        #: Where the loop starts in the text (set once detected): keep text[:loop_start].
        self.loop_start: int | None = None

    def feed(self, delta: str) -> bool:
        """True once the text so far ends in a loop."""
        self.text += delta
        if len(self.text) - self._checked < self.every:
            return False
        self._checked = len(self.text)
        # Only the tail can loop; keep the working text bounded.
        tail = self.text[-(self.longest * self.repeats * 2 + self.span):]
        offset = len(self.text) - len(tail)
        last = tail[-1]
        for size in range(2, min(self.longest, len(tail) // 2) + 1):
            if tail[-1 - size] != last:  # cheap test first: most sizes fail here
                continue
            piece = tail[-size:]
            if tail[-2 * size:-size] != piece:
                continue
            count = 2
            while (count + 1) * size <= len(tail) and tail[-(count + 1) * size:-count * size] == piece:
                count += 1
            if count >= self.repeats and count * size >= self.span:
                self.loop_start = offset + len(tail) - count * size
                return True
        return False


class EchoGuard:
    """Spots a model reading its instructions back (weak and base models do): the last
    `span` characters of the answer, spaces normalised, appear word for word in its
    instructions. A real answer quotes a figure or a phrase of them, not 120
    characters; quoting the case context (reasons, options) is not checked here."""

    def __init__(self, prompt: str, *, span: int = 120, every: int = 32) -> None:
        self.prompt = " ".join(prompt.split())
        self.span = span
        self.every = every
        self.text = ""
        self._checked = 0

    def feed(self, delta: str) -> bool:
        self.text += delta
        if len(self.text) - self._checked < self.every or len(self.text) < self.span:
            return False
        self._checked = len(self.text)
        tail = " ".join(self.text[-self.span * 2:].split())[-self.span:]
        return len(tail) >= self.span and tail in self.prompt
