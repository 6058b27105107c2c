"""The LLM advisor through litellm's real code path with scripted `mock_response`s:
exact expected calls, tool validation, errors, and the built-in --mock demo."""
from __future__ import annotations

import asyncio

import pytest

from agent.consultation import Consultation
from agent.events import Error, Notice, ProfileChanged, Recommendation, TextDelta, ToolCall, ToolResult, TurnDone
from agent.llm import LLMAdvisor, _wire_history, tool_specs
from agent.mock import Script, ScriptError, call_tools, demo_advisor, fail, say
from agent.provider import RetryPolicy
from agent.session import Session
from agent.storage import ConsultationStore

pytestmark = pytest.mark.slow


class Sleeps(list):
    async def __call__(self, seconds):
        self.append(seconds)


def advisor(script: Script, **kw) -> LLMAdvisor:
    policy = RetryPolicy(attempts=3, base=0.5, jitter=0.0, sleep=kw.pop("sleeps", Sleeps()))
    return LLMAdvisor("openai/gpt-4o-mini", policy=policy, per_call=script, **kw)


def facts(c):
    """The profile less the use case (the engine records the first message as it)."""
    return {k: v for k, v in c.profile.items() if k != "use_case"}


def respond(adv, c, text):
    async def run():
        return [ev async for ev in adv.respond(c, text)]
    return asyncio.run(run())


def test_tool_specs_cover_the_registry_and_the_two_agent_tools():
    names = [s["function"]["name"] for s in tool_specs()]
    assert names[:2] == ["update_profile", "decide"]
    assert "estimate_training" in names and len(names) == len(set(names))
    props = tool_specs()[0]["function"]["parameters"]["properties"]
    assert "labeled_examples" in props and "goals" in props


def test_exact_script_text_tools_decide_and_answer():
    script = Script(
        call_tools(("update_profile", {"goals": ["accuracy"], "knowledge_changes": "weekly"}),
                   text="Noting that.", tools=True, expect="answers are often wrong"),
        call_tools(("decide", {}), expect='"changed"'),
        say("RAG, not fine-tuning: the decide tool says so.", expect='"strategy"'),
    )
    c = Consultation()
    events = respond(advisor(script), c, "answers are often wrong and our docs change weekly")
    script.assert_done()
    kinds = [type(e) for e in events]
    assert kinds.count(ToolCall) == 2 and kinds.count(ToolResult) == 2
    # The engine read the message before the model was called: the profile filled
    # without the model's help, and the model's update_profile had nothing to add.
    first = events[0]
    assert isinstance(first, ProfileChanged)
    assert {k: first.changed[k] for k in ("goals", "knowledge_changes")} == {"goals": ["accuracy"],
                                                                            "knowledge_changes": "weekly"}
    assert c.tool_calls[0]["result"]["changed"] == []
    rec = next(e for e in events if isinstance(e, Recommendation))
    assert rec.decision["strategy"] == "rag" and c.recommendation == rec.decision
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text == "Noting that.\n\nRAG, not fine-tuning: the decide tool says so."
    assert events[-1] == TurnDone()
    # Usage is counted for each of the three calls, with litellm's cost for a mapped model.
    assert c.usage.prompt_tokens > 0 and c.usage.cost_usd is not None and c.usage.cost_usd > 0
    roles = [m["role"] for m in c.messages]
    assert roles == ["user", "assistant", "tool", "assistant", "tool", "assistant"]


def test_script_fails_on_unexpected_and_leftover_calls():
    leftover = Script(say("one"), say("two"))
    respond(advisor(leftover), Consultation(), "hi")
    with pytest.raises(ScriptError, match="never called"):
        leftover.assert_done()
    short = Script(call_tools(("decide", {})))
    with pytest.raises(ScriptError, match="no step left"):
        respond(advisor(short), Consultation(), "hi")
    with pytest.raises(ScriptError):
        short.assert_done()
    wrong = Script(say("x", expect="something else"))
    with pytest.raises(ScriptError, match="expected the last message"):
        respond(advisor(wrong), Consultation(), "hi")


def test_profile_validation_error_goes_back_to_the_model():
    script = Script(
        call_tools(("update_profile", {"data_quality": "excellent"})),
        call_tools(("update_profile", {"data_quality": "high"}), expect="data_quality"),
        say("Recorded."),
    )
    c = Consultation()
    events = respond(advisor(script), c, "our data is excellent")
    script.assert_done()
    first = [e for e in events if isinstance(e, ToolResult)][0]
    assert first.error and "data_quality" in first.error and "low, medium, high" in first.error
    assert facts(c) == {"data_quality": "high"}
    assert c.tool_calls[0]["error"] and c.tool_calls[1]["result"]


def test_later_answer_wins_and_says_so():
    c = Consultation(profile={"requests_per_month": 500000})
    script = Script(call_tools(("update_profile", {"requests_per_month": "2M"})), say("ok"))
    events = respond(advisor(script), c, "actually 2M a month")
    script.assert_done()
    change = next(e for e in events if isinstance(e, ProfileChanged) and "requests_per_month" in e.changed)
    assert c.profile["requests_per_month"] == 2_000_000 and change.changed == {"requests_per_month": 2_000_000}
    assert change.notes and "later answer wins" in change.notes[0]


def test_tool_exception_is_reported_to_the_model(monkeypatch):
    import tools.registry as registry

    tool = registry.get_tool("estimate_memory")
    broken = registry.Tool(tool.name, tool.description, tool.schema, lambda **kw: 1 / 0, tool.cli_name)
    monkeypatch.setitem(registry.REGISTRY, "estimate_memory", broken)  # all_tools() returns a copy
    script = Script(call_tools(("estimate_memory", {"model": "llama-3.1-8b"})),
                    say("The memory tool failed, so no figure.", expect="ZeroDivisionError"))
    events = respond(advisor(script), Consultation(), "memory?")
    script.assert_done()
    assert "ZeroDivisionError" in [e for e in events if isinstance(e, ToolResult)][0].error


def test_mock_errors_rate_limit_then_text():
    sleeps = Sleeps()
    script = Script(fail("litellm.RateLimitError"), say("fine"))
    events = respond(advisor(script, sleeps=sleeps), Consultation(), "hi")
    script.assert_done()
    assert [e.kind for e in events if isinstance(e, Notice)] == ["retry"] and len(sleeps) == 1
    assert events[-1] == TurnDone()


def test_mock_auth_error_is_fatal_not_retried():
    script = Script(fail("litellm.AuthenticationError"))
    events = respond(advisor(script), Consultation(), "hi")
    script.assert_done()
    error = next(e for e in events if isinstance(e, Error))
    assert not error.recoverable


def test_interrupted_tool_turn_is_repaired_for_the_wire():
    history = [
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "decide", "arguments": "{}"}}]},
        {"role": "user", "content": "b"},
        {"role": "assistant", "content": "partial\n\n_(interrupted)_", "interrupted": True},
        {"role": "tool", "tool_call_id": "zz", "content": "{}"},
    ]
    wire = _wire_history(history)
    assert wire == [{"role": "user", "content": "a"}, {"role": "user", "content": "b"},
                    {"role": "assistant", "content": "partial\n\n_(interrupted)_"}]


def test_demo_script_through_a_session():
    session = Session(Consultation(), demo_advisor(), ConsultationStore())

    async def run():
        opening = [ev async for ev in session.opening()]
        turn = [ev async for ev in session.send(
            "Support bot that must sound like our founder; 20k labelled examples, 1M requests a month")]
        return opening, turn

    opening, events = asyncio.run(run())
    assert session.mode == "mock"
    assert "Describe your case" in "".join(e.text for e in opening if isinstance(e, TextDelta))
    names = [e.name for e in events if isinstance(e, ToolCall)]
    # The engine read the facts already: the demo goes straight to the tools.
    assert names == ["decide", "estimate_training"]
    assert all(e.error is None for e in events if isinstance(e, ToolResult))
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    training = session.consultation.tool_calls[-1]["result"]
    from tools.units import fmt_usd

    # The numbers in the answer are the tool's numbers.
    assert fmt_usd(training["cost_usd"]) in text and "Recommendation:" in text
    saved = session.store.load(session.consultation.id)
    assert saved.profile["labeled_examples"] == 20000 and saved.recommendation
    # A share reads as a percentage; the strategy by its name.
    import re

    assert re.search(r"confidence \d{1,3}%\)", text) and "confidence 0." not in text
    # The demo ends with a numbered question; answering it by number records the answer.
    asked = session.consultation.recommendation["missing"][0]

    async def reply():
        return [ev async for ev in session.send("1")]

    events = asyncio.run(reply())
    first = next(e for e in events if isinstance(e, ToolCall))
    assert first.name == "update_profile" and first.arguments == {asked["field"]: asked["choices"][0]["value"]}
    assert session.consultation.profile[asked["field"]] == asked["choices"][0]["value"]


def test_cancelling_a_streamed_llm_answer_keeps_the_partial_text():
    full = "Fine-tuning a 70B model is rarely worth it for support bots. " * 20
    script = Script(say(full))
    session = Session(Consultation(), advisor(script), ConsultationStore())

    async def run():
        seen = []

        async def consume():
            async for ev in session.send("should we fine-tune?"):
                seen.append(ev)
                await asyncio.sleep(0)  # a UI hands each piece to its widgets

        task = asyncio.create_task(consume())
        while sum(isinstance(e, TextDelta) for e in seen) < 5:
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return seen

    seen = asyncio.run(run())
    shown = "".join(e.text for e in seen if isinstance(e, TextDelta))
    saved = session.store.load(session.consultation.id)
    assert saved.messages[0] == {"role": "user", "content": "should we fine-tune?"}
    last = saved.messages[-1]
    assert last["interrupted"] is True and last["content"].startswith(shown) and "(interrupted)" in last["content"]
    assert 0 < len(shown) < len(full)  # it really was cut short


@pytest.mark.parametrize("name, fatal, transient", [
    ("AuthenticationError", True, False),
    ("PermissionDeniedError", True, False),
    ("NotFoundError", True, False),
    ("BadRequestError", True, False),
    ("RateLimitError", False, True),
    ("InternalServerError", False, True),
    ("ServiceUnavailableError", False, True),
    ("BadGatewayError", False, True),
    ("APIConnectionError", False, True),
])
def test_classification_of_litellm_errors(name, fatal, transient):
    from agent.mock import _litellm_error
    from agent.provider import classify, litellm_module

    cls = getattr(litellm_module().exceptions, name)
    failure = classify(_litellm_error(cls), model="openai/m", timeout=5)
    assert (failure.fatal, failure.transient) == (fatal, transient)


def test_missing_key_and_timeout_read_clearly():
    from agent.provider import classify, litellm_module

    E = litellm_module().exceptions
    missing = classify(E.InternalServerError(message="OpenAIException - Missing credentials. Please pass an `api_key`",
                                             llm_provider="openai", model="m"), model="openai/m", timeout=5)
    assert missing.fatal and "OPENAI_API_KEY" in missing.text
    slow = classify(E.Timeout(message="timed out", model="m", llm_provider="openai"), model="openai/m", timeout=7)
    assert slow.transient and "within 7 s" in slow.text
    leak = classify(E.AuthenticationError(message="Incorrect API key provided: sk-abcdefghijklmnopqrstuvwxyz123",
                                          llm_provider="openai", model="m"), model="openai/m", timeout=5)
    assert "sk-abcdefghijklmnop" not in leak.text
    bare = classify(E.BadRequestError(message="litellm.BadRequestError: LLM Provider NOT provided. Pass in the "
                                              "LLM provider you are trying to call. You passed model=foo",
                                      llm_provider="", model="foo"), model="foo", timeout=5)
    assert bare.fatal and "names no provider" in bare.text and "openai/gpt-4o-mini" in bare.text
    refused = classify(E.APIConnectionError(message="Ollama_chatException - Cannot connect to host 127.0.0.1:9 "
                                                    "ssl:<ssl.SSLContext object at 0x7f> [Connect call failed]",
                                            llm_provider="ollama_chat", model="llama3.1"),
                       model="ollama_chat/llama3.1", timeout=5)
    assert refused.transient and refused.text == "cannot reach ollama_chat/llama3.1: connection failed"


@pytest.mark.parametrize("status, transient", [(500, True), (502, True), (503, True), (504, True), (429, True),
                                               (501, False), (505, False), (418, False)])
def test_only_the_allow_listed_statuses_are_retried(status, transient):
    # A generic litellm APIError carrying a status: only 429 and 500/502/503/504 retry.
    from agent.provider import classify, litellm_module

    lm = litellm_module()
    exc = lm.exceptions.APIError(status_code=status, message=f"status {status}", llm_provider="openai",
                                 model="m")
    failure = classify(exc, model="openai/m", timeout=5)
    assert failure.transient is transient and failure.fatal is (not transient)
