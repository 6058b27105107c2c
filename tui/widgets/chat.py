"""The chat pane's pieces: messages as Markdown (the advisor's streamed through
Textual's MarkdownStream), tool calls as collapsible rows, and inline notices.

Imported after the first paint (Markdown alone costs ~40 ms to import), see tui/app.py.
"""
from __future__ import annotations

import json
from typing import Any

from rich.markup import escape
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Collapsible, Markdown, Static

from tui.widgets.chatlog import ChatLog

from agent.grounding import FOOTNOTE_LEAD as GROUNDING_NOTE
from agent.session import INTERRUPTED

#: Appended to an answer cut short; the agent layer saves the same mark.
INTERRUPTED_MARK = f"\n\n{INTERRUPTED}"


class UserMessage(Static):
    """A message the user sent, as plain text: no Markdown, no markup, line breaks kept
    (what you typed is what you see)."""

    HELP = "Your message, as sent to the advisor (shown as typed, line breaks kept)."

    def __init__(self, text: str, **kwargs: Any) -> None:
        super().__init__(Text(text), markup=False, **kwargs)
        self.text = text

    @property
    def source(self) -> str:
        return self.text


#: The mark after a figure the model wrote without a cost tool behind it.
UNVERIFIED_MARK = "†"
UNVERIFIED_NOTE = (f"{UNVERIFIED_MARK} From the model, not the cost models: check it with `/estimate` "
                   "or ask the advisor to compute it.")


def mark_unverified(markdown: str, figures: list[dict[str, Any]]) -> str:
    """`markdown` with each unverified figure set as code and marked, and a footnote
    saying where those figures came from (nothing changes if none is found)."""
    marked = False
    for figure in figures:
        text = str(figure.get("text") or figure.get("value") or "").strip() if isinstance(figure, dict) else ""
        if not text or text not in markdown or f"`{text}`{UNVERIFIED_MARK}" in markdown:
            continue
        markdown = markdown.replace(text, f"`{text}`{UNVERIFIED_MARK}", 1)
        marked = True
    if not marked or GROUNDING_NOTE in markdown:  # the advisor's own footnote names them already
        return markdown
    return f"{markdown}\n\n_{UNVERIFIED_NOTE}_"


#: A long answer is split into Markdown widgets of about this many characters, at a
#: paragraph break outside code fences, so that segments far from the view can be
#: frozen (see ChatLog) and a 20,000-character answer does not slow the screen down.
SEGMENT_CHARS = 2000


def segment_end(text: str, start: int = 0, limit: int | None = None) -> int | None:
    """Where the first segment of `text` ends: just after the first blank line that
    comes at or after `limit` characters and is outside a code fence. Only breaks
    ending after `start` are considered (earlier ones were rejected already)."""
    limit = SEGMENT_CHARS if limit is None else limit
    if len(text) < limit:
        return None
    i = text.find("\n\n", max(limit - 2, start - 1))
    while i >= 0:
        if text.count("```", 0, i) % 2 == 0:
            return i + 2
        i = text.find("\n\n", i + 1)
    return None


def split_segments(text: str, limit: int | None = None) -> list[str]:
    parts = []
    while (end := segment_end(text, 0, limit)) is not None and end < len(text):
        parts.append(text[:end])
        text = text[end:]
    return parts + [text]


class AdvisorMessage(Markdown):
    """One advisor answer, or one segment of a long one. Text arrives through `write()`
    while it streams; a MarkdownStream coalesces the deltas so a fast model never
    outruns the screen."""

    HELP = "The advisor's answer. Every figure in it comes from a cost tool (see the tool rows)."

    def __init__(self, markdown: str = "", **kwargs: Any) -> None:
        super().__init__(markdown, **kwargs)
        self._stream = None
        self.finished = not markdown == ""  # a restored message is complete already
        self.interrupted = False
        self.frozen = False
        #: The laid-out height seen by the chat log's last check (freeze when stable).
        self.seen_height: int | None = None
        #: Everything written so far (the widget's own source lags while it streams).
        self.text = markdown

    async def write(self, text: str) -> None:
        if self._stream is None:
            self._stream = Markdown.get_stream(self)
        self.text += text
        await self._stream.write(text)

    async def mark_unverified(self, figures: list[dict[str, Any]]) -> bool:
        """Mark figures that came from the model rather than a cost tool."""
        marked = mark_unverified(self.text, figures)
        if marked == self.text:
            return False
        self.text = marked
        self.add_class("-unverified")
        await self.update(marked)
        return True

    async def finish(self, *, interrupted: bool = False) -> None:
        """Flush what is pending; mark the answer if it was cut short."""
        if self.finished:
            return
        self.finished = True
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()
        if interrupted and not self.interrupted:
            self.interrupted = True
            self.add_class("-interrupted")
            await self.append(INTERRUPTED_MARK)

    # A finished segment far from the view is frozen: its blocks are hidden and its
    # height pinned, so the compositor skips them (layout cost stays bounded however
    # long the conversation gets). It thaws before it scrolls back into view.
    def freeze(self, height: int) -> None:
        """Pin the segment at `height` rows (its laid-out height) and hide its blocks."""
        if self.frozen or not self.finished or height <= 0:
            return
        self.frozen = True
        self.styles.min_height = height  # content height is 0 once the blocks are hidden
        for child in self.children:
            child.display = False

    def thaw(self) -> None:
        if not self.frozen:
            return
        self.frozen = False
        self.seen_height = None
        for child in self.children:
            child.display = True
        self.styles.clear_rule("min_height")


def _short_args(arguments: dict[str, Any], limit: int = 60) -> str:
    text = ", ".join(f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}" for k, v in arguments.items())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


class ToolCallRow(Collapsible):
    """A tool the advisor called: its name and arguments in the title, and, expanded,
    the full arguments and the result (or the error the tool gave back)."""

    HELP = (
        "A tool call: the advisor asked a deterministic cost model for a figure. "
        "Press **Enter** on the title to expand it and see the arguments and the result."
    )

    #: running, ok, error or stopped (the answer was stopped before the tool returned).
    state: reactive[str] = reactive("running", init=False)

    def __init__(self, call_id: str, name: str, arguments: dict[str, Any]) -> None:
        self.call_id = call_id
        self.tool_name = name
        self.arguments = arguments
        self._outcome: tuple[Any, str | None] = (None, None)
        self._body = Static(self._body_text(), classes="tool-body", markup=False)
        super().__init__(self._body, title=self._title_text("running"), collapsed=True,
                         classes="tool-call -running")

    def _title_text(self, state: str) -> str:
        status = {"running": "…", "ok": "✓", "error": "✗", "stopped": "■"}[state]
        return f"{status} {self.tool_name}({_short_args(self.arguments)})"

    def _body_text(self, state: str = "running") -> str:
        result, error = self._outcome
        parts = ["arguments:", _pretty(self.arguments)]
        if error is not None:
            parts += ["error:", error]
        elif result is not None:
            parts += ["result:", _pretty(result)]
        else:
            parts += ["(stopped before it returned)" if state == "stopped" else "(running)"]
        return "\n".join(parts)

    def watch_state(self, old: str, new: str) -> None:
        self.remove_class(f"-{old}")
        self.add_class(f"-{new}")
        self.title = self._title_text(new)
        self._body.update(self._body_text(new))

    def on_mount(self) -> None:
        # A row restored from a saved consultation got its state before it was mounted.
        if self.state != "running":
            self.watch_state("running", self.state)

    def set_result(self, result: dict[str, Any] | None, error: str | None) -> None:
        self._outcome = (result, error)
        self.state = "error" if error is not None else "ok"

    def stop(self) -> None:
        """The answer was stopped before this tool returned: no spinner left running."""
        if self.state == "running":
            self.state = "stopped"


class NoticeRow(Static):
    """A line from the system rather than the advisor: retries, a mode switch, errors."""

    HELP = "A notice: a retry, a switch of mode (for example to offline), or an error."

    def __init__(self, text: str, kind: str = "info") -> None:
        icon = {"info": "ℹ", "retry": "↻", "mode": "⇄", "warning": "⚠", "error": "✗"}.get(kind, "ℹ")
        super().__init__(f"{icon} {escape(text)}", classes=f"notice -{kind}")
        self.kind = kind
        self.text = text


async def add_user(log: ChatLog, text: str) -> UserMessage:
    widget = UserMessage(text, classes="message -user")
    await log.mount(widget)
    return widget


async def add_answer(log: ChatLog, text: str = "", *, continued: bool = False) -> AdvisorMessage:
    widget = AdvisorMessage(text, classes="message -advisor" + (" -continued" if continued else ""))
    await log.mount(widget)
    return widget


async def add_answer_text(log: ChatLog, text: str) -> list[AdvisorMessage]:
    """A complete answer (a resumed consultation), in segments like a streamed one."""
    return [await add_answer(log, part, continued=i > 0) for i, part in enumerate(split_segments(text))]


async def add_tool_call(log: ChatLog, call_id: str, name: str, arguments: dict[str, Any]) -> ToolCallRow:
    widget = ToolCallRow(call_id, name, arguments)
    await log.mount(widget)
    return widget


async def add_notice(log: ChatLog, text: str, kind: str = "info") -> NoticeRow:
    widget = NoticeRow(text, kind)
    await log.mount(widget)
    return widget
