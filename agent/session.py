"""A Session is one consultation, the advisor currently answering it, and the store
that keeps it. Every front end (the app, `chat --plain`, `ask`) drives a Session and
renders the events it yields.

The session owns the guarantees the front ends rely on:
- the consultation is saved after every completed message (and at the end of a turn);
- a cancelled answer keeps its partial text, marked "(interrupted)", and is saved;
- an advisor that cannot go on (bad key, unknown model) is replaced by the offline
  rule-only advisor, with a notice, and the user's message is answered offline;
- every turn ends with exactly one TurnDone, and an advisor bug becomes an Error event,
  never an exception in the user's face.
"""
from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from typing import Any, AsyncIterator

from agent import commands
from agent.advisor import Advisor
from agent.consultation import Consultation
from agent.events import Error, Event, Notice, TextDelta, ToolCall, ToolResult, TurnDone
from agent.llm import LLMAdvisor
from agent.mock import demo_advisor
from agent.rule_advisor import RuleAdvisor
from agent.settings import LLMSettings, resolve
from agent.storage import ConsultationStore
from tools.secrets import SecretHoldback, scrub
from tools.text import neutralise

DEFAULT_TITLE = "New consultation"
INTERRUPTED = "_(interrupted)_"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def make_title(text: str, limit: int = 60) -> str:
    """A consultation title from the user's first message: its first line, tidied."""
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    line = " ".join(_CONTROL.sub(" ", line).split())
    if len(line) <= limit:
        return line or DEFAULT_TITLE
    cut = line[: limit - 1].rsplit(" ", 1)[0] if " " in line[: limit - 1] else line[: limit - 1]
    return cut.rstrip(" ,.;:-") + "…"


def _neutralised(value: Any) -> Any:
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, dict):
        return {k: _neutralised(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_neutralised(v) for v in value]
    return value


def displayable(event: Event) -> Event:
    """An advisor's event with no terminal control in its text and no key: a model's
    escape sequences (clipboard writes, screen clears, titles) and an echoed key never
    reach a front end (a key split across deltas is held back whole by `_drive`)."""
    if isinstance(event, TextDelta | Notice | Error):
        text = scrub(neutralise(event.text))
        return event if text == event.text else replace(event, text=text)
    if isinstance(event, ToolCall):
        return replace(event, arguments=scrub(_neutralised(event.arguments)))
    if isinstance(event, ToolResult) and event.error:
        return replace(event, error=scrub(neutralise(event.error)))
    return event


def rule_advisor(*, one_shot: bool = False) -> Advisor:
    return RuleAdvisor(one_shot=one_shot)


def make_advisor(settings: LLMSettings, *, one_shot: bool = False) -> Advisor:
    """The advisor the settings ask for. Never imports litellm (the LLM advisor imports
    it on its first call, or when the app warms it on a worker)."""
    if settings.mode == "mock":
        return demo_advisor()
    if settings.mode == "llm":
        return LLMAdvisor.from_settings(settings)
    return rule_advisor(one_shot=True) if one_shot else rule_advisor()


class Session:
    def __init__(self, consultation: Consultation, advisor: Advisor,
                 store: ConsultationStore | None = None, settings: LLMSettings | None = None,
                 *, one_shot: bool = False) -> None:
        self.consultation = consultation
        self.advisor = advisor
        self.store = store if store is not None else ConsultationStore()
        self.settings = settings
        #: One question, one answer (`ft-advisor ask`): the offline advisor recommends
        #: at once instead of interviewing.
        self.one_shot = one_shot
        self._remember_mode()

    # -- construction ------------------------------------------------------------
    @classmethod
    def start(cls, *, model: str | None = None, api_base: str | None = None, offline: bool = False,
              mock: bool = False, resume: str | None = None,
              store: ConsultationStore | None = None, one_shot: bool = False) -> "Session":
        """A session with the advisor the flags/env/config ask for (rule-only when no
        model is configured). `resume` is None (new), "last" or a consultation id.
        Raises InputError for a bad config value or an unknown consultation id."""
        settings = resolve(model=model, api_base=api_base, offline=offline, mock=mock)
        store = store if store is not None else ConsultationStore()
        consultation: Consultation | None = None
        if resume == "last":
            consultation = store.latest()
        elif resume:
            consultation = store.load(resume)
        return cls(consultation or Consultation(), make_advisor(settings, one_shot=one_shot), store, settings,
                   one_shot=one_shot)

    # -- state -------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self.advisor.mode

    @property
    def label(self) -> str:
        return self.advisor.label

    @property
    def profile(self) -> dict[str, Any]:
        return self.consultation.profile

    def _remember_mode(self) -> None:
        self.consultation.state["advisor_mode"] = self.advisor.mode
        self.consultation.state["advisor_label"] = self.advisor.label

    def save(self, durable: bool = True, consultation: Consultation | None = None) -> None:
        """Write `consultation` (default: the current one). A consultation the user has
        not written in yet is not stored: opening the app and leaving, or Ctrl+N, must
        not fill the consultations list with empty greetings."""
        c = consultation or self.consultation
        if not any(m.get("role") == "user" for m in c.messages):
            return
        c.touch()
        self.store.save(c, durable=durable)

    def store_notices(self) -> list[Notice]:
        """What the store has to tell (a conflict, a store that cannot be written, a
        file skipped or repaired), once each."""
        return [Notice(text, kind="warning") for text in self.store.take_notices()]

    def go_offline(self, reason: str) -> Notice:
        """Switch to the rule-only advisor; the returned notice says why."""
        self.advisor = rule_advisor(one_shot=True) if self.one_shot else rule_advisor()
        self._remember_mode()
        return Notice(f"Continuing offline with the rule-only advisor: {reason}", kind="mode", mode="offline")

    def use(self, advisor: Advisor) -> Notice:
        """Switch advisors mid-consultation (the app's settings screen)."""
        self.advisor = advisor
        self._remember_mode()
        return Notice(f"Now answering: {advisor.label}", kind="mode", mode=advisor.mode)

    def new(self) -> None:
        """Start a fresh consultation with the same advisor."""
        self.consultation = Consultation()
        self._remember_mode()

    def resume(self, consultation_id: str) -> None:
        self.consultation = self.store.load(consultation_id)
        self._remember_mode()

    # -- turns -------------------------------------------------------------------
    async def opening(self) -> AsyncIterator[Event]:
        """The advisor's first message for a new consultation; for a resumed one, a
        notice (the history is in `consultation.messages`)."""
        for notice in self.store_notices():  # a skipped file, a repaired profile
            yield notice
        if self.consultation.messages:
            count = sum(1 for m in self.consultation.messages if m.get("role") in ("user", "assistant")
                        and m.get("content"))
            yield Notice(f"Resumed “{self.consultation.title}” ({count} messages).")
            # Where we stand, for advisors that can say it (the offline interview restates
            # its open question; after `ask`, it picks the most decisive one). Shown, not
            # stored: it repeats what the history already holds.
            if isinstance(self.advisor, RuleAdvisor):
                yield TextDelta(self.advisor.resume_text(self.consultation))
            yield TurnDone()
            return
        async for event in self._drive(self.advisor.opening(self.consultation), None):
            yield event

    async def send(self, text: str) -> AsyncIterator[Event]:
        """One user message (or slash command): the events of the answer, ending with
        exactly one TurnDone."""
        line = text.strip()
        if line.startswith("/"):
            handled = self._command(line)
            if handled is not None:
                async for event in self._drive(handled, None):
                    yield event
                return
        if self.consultation.title == DEFAULT_TITLE and line:
            self.consultation.title = make_title(line)
        async for event in self._drive(self.advisor.respond(self.consultation, text), text):
            yield event

    def _command(self, line: str) -> AsyncIterator[Event] | None:
        return commands.handle(line, self)

    async def _drive(self, events: AsyncIterator[Event], text: str | None,
                     fallback: bool = True) -> AsyncIterator[Event]:
        """Relay an advisor's events, saving as messages complete; handle cancellation,
        fatal provider errors and advisor bugs."""
        c = self.consultation
        start = saved = len(c.messages)
        partial: list[str] = []
        interrupted = False
        fatal: Error | None = None
        finished = False
        streamed = False
        # A key the model streams across pieces is held back and redacted whole, for every
        # front end (the app's chat as much as the CLI's writer).
        hold = SecretHoldback()
        try:
            try:
                async for event in events:
                    if len(c.messages) != saved:
                        # A message was appended since the last event: it is complete.
                        # Atomic, not fsynced: a killed process keeps it; the turn's
                        # last save below makes it durable.
                        self.save(durable=False, consultation=c)
                        saved = len(c.messages)
                        partial = []
                        for notice in self.store_notices():
                            yield notice
                    if isinstance(event, TurnDone):
                        interrupted = interrupted or event.interrupted
                        continue  # ours comes last, after the save
                    event = displayable(event)
                    if isinstance(event, TextDelta):
                        shown = hold.feed(event.text)
                        if not shown:
                            continue
                        event = TextDelta(shown)
                        partial.append(shown)
                        streamed = True
                    elif hold.holding:
                        held = hold.release()
                        partial.append(held)
                        yield TextDelta(held)
                    yield event
                    if isinstance(event, Error) and not event.recoverable:
                        fatal = event
                        break
            except (asyncio.CancelledError, GeneratorExit, KeyboardInterrupt):
                raise
            except Exception as exc:  # an advisor bug must not take the consultation down
                yield Error(f"internal error in the {self.advisor.label} advisor: "
                            f"{type(exc).__name__}: {exc}", recoverable=True)
                interrupted = True
            finally:
                await _close(events)
            if hold.holding:
                held = hold.release()
                partial.append(held)
                streamed = True
                yield TextDelta(held)
            if fatal is not None and fallback and self.advisor.mode != "offline":
                yield self.go_offline(fatal.text)
                if text is not None and not streamed:
                    # Nothing of the failed answer reached the user: answer offline instead.
                    del c.messages[start:]
                    async for event in self._drive(self.advisor.respond(c, text), text, fallback=False):
                        yield event
                    finished = True
                    return
                interrupted = True
            if partial and len(c.messages) == saved and self._keep_partial(c, text, partial, start):
                interrupted = True
            self.save(consultation=c)
            for notice in self.store_notices():
                yield notice
            finished = True
            yield TurnDone(interrupted=interrupted)
        finally:
            if not finished:
                # Cancelled by the consumer (Esc, Ctrl+C, a closed generator): keep what
                # the user saw, marked, and save it.
                self._keep_partial(c, text, partial if len(c.messages) == saved else [], start)
                try:
                    self.save(consultation=c)
                except OSError:
                    pass

    @staticmethod
    def _keep_partial(c: Consultation, text: str | None, partial: list[str], start: int) -> bool:
        """Store the user's message and the partial answer in the turn's consultation if
        the advisor did not; True when a partial answer was added."""
        if text is not None and not any(m.get("role") == "user" for m in c.messages[start:]):
            c.messages.append({"role": "user", "content": text})
        body = "".join(partial)
        if not body:
            return False
        last = c.messages[-1] if c.messages else {}
        if last.get("role") == "assistant" and body in (last.get("content") or ""):
            return False  # the advisor already stored this text
        c.messages.append({"role": "assistant", "content": f"{body}\n\n{INTERRUPTED}", "interrupted": True})
        return True


async def _close(events: AsyncIterator[Event]) -> None:
    aclose = getattr(events, "aclose", None)
    if aclose is None:
        return
    try:
        await aclose()
    except (Exception, asyncio.CancelledError):
        pass
