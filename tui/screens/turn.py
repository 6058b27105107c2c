"""One turn on screen: the answer streamed into segments, the tool rows, the notes;
and the garbage collector kept out of the way of long answers."""
from __future__ import annotations

import gc
from typing import Any

from tui.widgets.chatlog import ChatLog


class TurnState:
    """The widgets of the turn being rendered."""

    def __init__(self) -> None:
        self.answer: Any = None
        #: The last answer segment written in this turn (unverified figures mark it).
        self.last_answer: Any = None
        self.rows: dict[str, Any] = {}
        #: The current answer continues a segment that was just closed.
        self.continued = False
        #: Some answer text arrived in this turn.
        self.wrote = False
        #: The text of a fatal provider error in this turn (the switch to offline follows).
        self.fatal: str | None = None
        #: The profile's notes in this turn, and everything the answer said.
        self.notes: list[str] = []
        self.said = ""

    async def write(self, log: ChatLog, text: str) -> None:
        """Stream text into the current answer, opening a new segment at a paragraph
        break once the current one is long (see tui.widgets.chat.SEGMENT_CHARS)."""
        from tui.widgets import chat as w

        self.wrote = self.wrote or bool(text)
        self.said += text
        while text:
            if self.answer is None:
                self.answer = self.last_answer = await w.add_answer(log, continued=self.continued)
            segment = self.answer
            end = w.segment_end(segment.text + text, start=len(segment.text))
            if end is None:
                await segment.write(text)
                return
            cut = end - len(segment.text)
            await segment.write(text[:cut])
            await segment.finish()
            gc_checkpoint()
            self.answer, self.continued = None, True
            text = text[cut:]

    async def end_block(self) -> None:
        """Close the answer being written (a tool row or a notice follows it)."""
        answer, self.answer = self.answer, None
        self.continued = False
        if answer is not None:
            await answer.finish()

    async def finish(self, *, interrupted: bool = False) -> None:
        answer, self.answer = self.answer, None
        self.continued = False
        if answer is not None:
            await answer.finish(interrupted=interrupted)
        if interrupted:
            for row in self.rows.values():  # no spinner left running after Esc
                row.stop()


def gc_checkpoint() -> None:
    """Move everything alive now out of the collector's sight (gc.freeze).

    A long answer builds thousands of long-lived objects (Markdown blocks and their
    caches); with them in the scanned generations every full collection paused the
    screen for 100-600 ms while streaming. Frozen, they are skipped; objects freed by
    reference counting are still freed. Called after start-up, after every turn and
    after every finished segment of a long answer."""
    gc.freeze()


def gc_release() -> None:
    """After a view is torn down (new or resumed consultation): let the collector see
    the old widgets' cycles again, and collect them once."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
