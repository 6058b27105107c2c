"""Session: saving after every message, cancellation keeps partial text, fatal
provider errors switch to the rule-only advisor, slash commands, titles."""
from __future__ import annotations

import asyncio
import sys
import types

import pytest

from agent.consultation import Consultation
from agent.events import Error, Notice, TextDelta, TurnDone
from agent.session import INTERRUPTED, Session, make_title
from agent.storage import ConsultationStore


class FakeAdvisor:
    """Streams a scripted answer word by word; optionally blocks or fails."""

    def __init__(self, mode="llm", label="fake/model", answer="Use RAG first.", fail=None,
                 gate: asyncio.Event | None = None):
        self.mode, self.label, self.answer, self.fail, self.gate = mode, label, answer, fail, gate
        self.seen: list[str] = []

    async def opening(self, c):
        c.messages.append({"role": "assistant", "content": "Hello, describe your case."})
        yield TextDelta("Hello, describe your case.")
        yield TurnDone()

    async def respond(self, c, text):
        self.seen.append(text)
        c.messages.append({"role": "user", "content": text})
        if self.fail == "fatal":
            yield Error("authentication failed (check OPENAI_API_KEY)", recoverable=False)
            yield TurnDone(interrupted=True)
            return
        if self.fail == "bug":
            raise RuntimeError("advisor bug")
        words = self.answer.split(" ")
        for i, word in enumerate(words):
            yield TextDelta(word + (" " if i < len(words) - 1 else ""))
            if i == 1 and self.gate is not None:
                await self.gate.wait()
        c.messages.append({"role": "assistant", "content": self.answer})
        yield TurnDone()


@pytest.fixture
def offline_advisor(monkeypatch):
    """A stand-in for agent.rule_advisor so these tests do not depend on it."""
    made = []

    def factory():
        adv = FakeAdvisor(mode="offline", label="offline rule-only", answer="Offline answer.")
        made.append(adv)
        return adv

    monkeypatch.setattr("agent.session.rule_advisor", factory)
    return made


def _drain(agen):
    async def run():
        return [ev async for ev in agen]
    return asyncio.run(run())


def _session(advisor=None):
    return Session(Consultation(), advisor or FakeAdvisor(), ConsultationStore())


def test_title_from_first_message():
    assert make_title("  We run a support bot\nmore") == "We run a support bot"
    long = make_title("word " * 40)
    assert len(long) <= 60 and long.endswith("…")
    assert make_title("\x00\x01") == "New consultation"


def test_send_saves_and_ends_with_one_turn_done():
    s = _session()
    events = _drain(s.opening())
    assert isinstance(events[-1], TurnDone)
    events = _drain(s.send("We answer support tickets about our docs"))
    assert [type(e) for e in events].count(TurnDone) == 1 and isinstance(events[-1], TurnDone)
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Use RAG first."
    saved = s.store.load(s.consultation.id)
    assert saved.title == "We answer support tickets about our docs"
    assert [m["role"] for m in saved.messages] == ["assistant", "user", "assistant"]
    assert saved.state["advisor_mode"] == "llm"
    # The title is set once, from the first message.
    _drain(s.send("second message"))
    assert s.store.load(s.consultation.id).title == "We answer support tickets about our docs"


def test_cancel_keeps_partial_answer_marked_and_saved():
    async def run():
        gate = asyncio.Event()
        s = _session(FakeAdvisor(answer="Fine tuning would cost a lot here", gate=gate))
        seen = []

        async def consume():
            async for ev in s.send("hello"):
                seen.append(ev)

        task = asyncio.create_task(consume())
        while len(seen) < 2:
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return s

    s = asyncio.run(run())
    saved = s.store.load(s.consultation.id)
    assert saved.messages[-2] == {"role": "user", "content": "hello"}
    last = saved.messages[-1]
    assert last["role"] == "assistant" and last["interrupted"] is True
    assert last["content"] == f"Fine tuning \n\n{INTERRUPTED}"


def test_consumer_that_stops_iterating_also_keeps_partial():
    async def run():
        s = _session(FakeAdvisor(answer="one two three four"))
        agen = s.send("hi")
        await agen.__anext__()
        await agen.aclose()
        return s

    s = asyncio.run(run())
    assert s.store.load(s.consultation.id).messages[-1]["content"].startswith("one ")


def test_fatal_error_switches_offline_and_answers_offline(offline_advisor):
    s = _session(FakeAdvisor(fail="fatal"))
    events = _drain(s.send("we have 50k examples"))
    kinds = [type(e).__name__ for e in events]
    assert kinds[0] == "Error" and not events[0].recoverable
    mode = [e for e in events if isinstance(e, Notice)]
    assert mode and mode[0].kind == "mode" and mode[0].mode == "offline"
    assert "authentication failed" in mode[0].text
    assert s.mode == "offline" and offline_advisor[0].seen == ["we have 50k examples"]
    assert kinds.count("TurnDone") == 1 and kinds[-1] == "TurnDone"
    saved = s.store.load(s.consultation.id)
    # The failed attempt left no duplicate user message.
    assert [m["content"] for m in saved.messages] == ["we have 50k examples", "Offline answer."]
    assert saved.state["advisor_mode"] == "offline"


def test_advisor_bug_becomes_an_error_event():
    s = _session(FakeAdvisor(fail="bug"))
    events = _drain(s.send("x"))
    assert isinstance(events[0], Error) and "advisor bug" in events[0].text
    assert isinstance(events[-1], TurnDone) and events[-1].interrupted


def test_slash_commands_go_to_agent_commands(monkeypatch):
    calls = []

    async def gen(line, session):
        session.consultation.messages.append({"role": "assistant", "content": "profile: {}"})
        yield TextDelta("profile: {}")
        yield TurnDone()

    def handle(line, session):
        calls.append(line)
        return gen(line, session) if line.startswith("/profile") else None

    monkeypatch.setattr("agent.session.commands", types.SimpleNamespace(handle=handle))
    adv = FakeAdvisor()
    s = _session(adv)
    events = _drain(s.send("/profile"))
    assert calls == ["/profile"] and adv.seen == []
    assert [type(e) for e in events] == [TextDelta, TurnDone]
    assert s.consultation.title == "New consultation"
    # Not a command: the advisor gets it.
    _drain(s.send("/not-a-command really"))
    assert adv.seen == ["/not-a-command really"]


def test_start_resume_last_and_by_id(offline_advisor):
    s = Session.start()
    assert s.mode == "offline"
    _drain(s.send("first case"))
    again = Session.start(resume="last")
    assert again.consultation.id == s.consultation.id
    events = _drain(again.opening())
    assert isinstance(events[0], Notice) and "Resumed" in events[0].text
    by_id = Session.start(resume=s.consultation.id)
    assert by_id.consultation.messages == s.consultation.messages
    fresh = Session.start(resume="last", store=ConsultationStore("/nonexistent/never"))
    assert fresh.consultation.messages == []


def test_start_picks_the_advisor_from_settings(monkeypatch, offline_advisor):
    monkeypatch.setenv("FT_ADVISOR_MODEL", "openai/gpt-4o-mini")
    s = Session.start()
    assert s.mode == "llm" and s.label == "openai/gpt-4o-mini"
    assert Session.start(offline=True).mode == "offline"
    assert Session.start(mock=True).mode == "mock"


def test_a_consultation_is_stored_from_the_first_user_message_only(tmp_path):
    from agent.session import Session
    from agent.storage import ConsultationStore

    store = ConsultationStore(tmp_path / "c")
    session = Session.start(offline=True, store=store)

    async def drive():
        async for _ in session.opening():
            pass
        assert store.list() == []  # a greeting alone is not worth a list entry
        async for _ in session.send("our answers are often wrong"):
            pass

    asyncio.run(drive())
    [entry] = store.list()
    assert entry.id == session.consultation.id


def test_a_cancelled_turn_keeps_its_partial_answer_in_its_own_consultation():
    # Ctrl+N in the app during an answer: the session switches to a new consultation,
    # then the turn is cancelled. The partial answer belongs to the old one.
    async def run():
        s = _session(FakeAdvisor(answer="one two three four"))
        first = s.consultation
        agen = s.send("hi")
        await agen.__anext__()
        s.new()
        await agen.aclose()
        return s, first

    s, first = asyncio.run(run())
    assert s.store.load(first.id).messages[-1]["content"].startswith("one ")
    assert s.consultation.messages == []


def test_resuming_an_offline_consultation_started_with_ask_asks_its_open_question(tmp_path):
    # `ft-advisor ask` answers in one shot and lists the open questions without asking;
    # reopening it (app or line mode) must pick the interview up at the most decisive one.
    store = ConsultationStore(tmp_path / "c")
    first = Session.start(offline=True, one_shot=True, store=store)
    _drain(first.send("Our support bot's answers are often wrong and we have no labelled data"))

    again = Session.start(offline=True, resume=first.consultation.id, store=store)
    events = _drain(again.opening())
    shown = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert any(isinstance(e, Notice) and "Resumed" in e.text for e in events)
    assert "1." in shown and "?" in shown  # a numbered question
    assert again.consultation.state["interview"]["pending"]  # the answer will be read against it


class PiecewiseAdvisor(FakeAdvisor):
    """Streams its answer in pieces of a fixed size, with a tool call in the middle."""

    def __init__(self, answer: str, size: int, tool_at: int | None = None):
        super().__init__(answer=answer)
        self.size, self.tool_at = size, tool_at

    async def respond(self, c, text):
        from agent.events import ToolCall

        c.messages.append({"role": "user", "content": text})
        for n, i in enumerate(range(0, len(self.answer), self.size)):
            if n == self.tool_at:
                yield ToolCall("1", "decide", {})
            yield TextDelta(self.answer[i:i + self.size])
        c.messages.append({"role": "assistant", "content": self.answer})
        yield TurnDone()


@pytest.mark.parametrize("size", [1, 2, 5, 11])
@pytest.mark.parametrize("key", ["sk-proj-" + "Ab9" * 12, "AIza" + "k" * 35, "hf_" + "z" * 30])
def test_a_key_split_across_pieces_never_reaches_any_front_end(size, key):
    # The app shows the deltas the session yields; none of them, nor their join, may carry
    # the key, however the model cut it.
    answer = f"Set OPENAI_API_KEY={key} in .env, then run it."
    events = _drain(_session(PiecewiseAdvisor(answer, size)).send("how do I set my key?"))
    shown = [e.text for e in events if isinstance(e, TextDelta)]
    assert key[:10] not in "".join(shown) and all(key[:6] not in piece for piece in shown)
    assert "".join(shown) == "Set OPENAI_API_KEY=[redacted] in .env, then run it."


def test_streamed_text_is_held_only_while_it_may_be_a_key():
    # Ordinary words pass at once and whole; what is held comes out before a tool call and
    # before the turn ends, so nothing is lost or reordered.
    answer = "LoRA on an 8B model costs about $40 per run, so sk"
    events = _drain(_session(PiecewiseAdvisor(answer, 7, tool_at=3)).send("cost?"))
    kinds = [type(e).__name__ for e in events]
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text == answer
    assert kinds.index("ToolCall") == 3 and kinds[-1] == "TurnDone"
    first = next(e.text for e in events if isinstance(e, TextDelta))
    assert first == "LoRA on"
