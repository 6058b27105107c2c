"""The provider layer over real HTTP: litellm against a local fake OpenAI-compatible
server. Backoff sleeps are recorded, not slept, so the suite stays fast."""
from __future__ import annotations

import asyncio
import socket

import pytest

from agent.consultation import Consultation
from agent.events import Error, Notice, ProfileChanged, TextDelta, ToolCall, ToolResult, TurnDone
from agent.llm import LLMAdvisor
from agent.provider import RetryPolicy
from agent.session import Session
from agent.storage import ConsultationStore
from agent.bounds import Limits
from tests.agent.fake_openai import (FakeOpenAI, Reply, cut, endless_args, endless_text, rejects_tools, status, text,
                                     tool_calls)

pytestmark = pytest.mark.slow

MODEL = "openai/fake-model"


@pytest.fixture
def server():
    with FakeOpenAI() as fake:
        yield fake


class Sleeps(list):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make(server_or_base, *, attempts=3, timeout=5.0, sleeps=None, **kw) -> LLMAdvisor:
    base = server_or_base if isinstance(server_or_base, str) else server_or_base.api_base
    policy = RetryPolicy(attempts=attempts, base=0.5, jitter=0.0, max_wait=10, total=60,
                         sleep=sleeps if sleeps is not None else Sleeps())
    return LLMAdvisor(MODEL, api_base=base, api_key="sk-test-key-not-real-000000", timeout=timeout,
                      policy=policy, **kw)


def respond(advisor, c, message):
    async def run():
        return [ev async for ev in advisor.respond(c, message)]
    return asyncio.run(run())


def answer(events):
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def test_streamed_text(server):
    server.script(text("Use **RAG** first: your docs change weekly."))
    c = Consultation()
    events = respond(make(server), c, "hello")
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 3  # it streamed, piece by piece
    assert answer(events) == "Use **RAG** first: your docs change weekly."
    assert events[-1] == TurnDone()
    assert len(server.requests) == 1
    body = server.requests[0]
    assert body["stream"] is True and body["model"] == "fake-model"
    # The system prompt and the structured context go first, every call, as one
    # system message (many local chat templates accept no other).
    system = body["messages"][0]
    assert system["role"] == "system" and "never compute" in system["content"].lower()
    assert "## Case context" in system["content"] and "### Recommendation" in system["content"]
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert {t["function"]["name"] for t in body["tools"]} >= {"update_profile", "decide", "estimate_training"}
    assert c.messages[-1] == {"role": "assistant", "content": "Use **RAG** first: your docs change weekly."}
    assert c.usage.prompt_tokens == 11 and c.usage.completion_tokens == 7


def test_streamed_tool_calls_run_and_results_go_back(server):
    server.script(
        tool_calls(("update_profile", {"labeled_examples": 20000, "goals": ["style"]}),
                   ("estimate_training", {"model": "llama-3.1-8b", "examples": 20000,
                                          "tokens_per_example": 500, "method": "lora"})),
        text("A LoRA run is cheap compared with running it."),
    )
    c = Consultation()
    events = respond(make(server), c, "we want our founder's tone; 20k examples")
    calls = [e for e in events if isinstance(e, ToolCall)]
    results = [e for e in events if isinstance(e, ToolResult)]
    assert [e.name for e in calls] == ["update_profile", "estimate_training"]
    assert all(r.error is None for r in results), results
    assert results[1].result["cost_usd"] > 0
    assert c.profile["labeled_examples"] == 20000
    assert any(isinstance(e, ProfileChanged) for e in events)
    second = server.requests[1]["messages"]
    tool_msgs = [m for m in second if m["role"] == "tool"]
    assert len(tool_msgs) == 2 and '"cost_usd"' in tool_msgs[1]["content"]
    # The structured context of the second call already shows the recorded facts.
    assert '"labeled_examples": 20000' in second[0]["content"]
    assert [t["name"] for t in c.tool_calls] == ["update_profile", "estimate_training"]


def test_429_with_retry_after_then_success(server):
    server.script(status(429, "Rate limit reached", retry_after="2", kind="rate_limit_error"), text("ok now"))
    sleeps = Sleeps()
    events = respond(make(server, sleeps=sleeps), Consultation(), "hi")
    assert len(server.requests) == 2  # exactly one extra request
    assert sleeps == [2.0]  # Retry-After honoured, not the exponential backoff
    notices = [e for e in events if isinstance(e, Notice)]
    assert len(notices) == 1 and notices[0].kind == "retry" and "retrying in 2 s" in notices[0].text
    assert answer(events) == "ok now" and events[-1] == TurnDone()


def test_500s_until_retries_are_exhausted(server):
    server.default = status(500, "boom")
    sleeps = Sleeps()
    c = Consultation()
    events = respond(make(server, attempts=3, sleeps=sleeps), c, "hi")
    assert len(server.requests) == 3
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0]  # exponential backoff
    assert [e.kind for e in events if isinstance(e, Notice)] == ["retry", "retry"]
    errors = [e for e in events if isinstance(e, Error)]
    assert len(errors) == 1 and errors[0].recoverable and "after 3 attempts" in errors[0].text
    assert events[-1] == TurnDone(interrupted=True)
    assert c.messages == [{"role": "user", "content": "hi"}]


def test_timeout(server):
    server.default = text("too late", delay=3.0)
    events = respond(make(server, attempts=2, timeout=0.3), Consultation(), "hi")
    assert len(server.requests) == 2
    errors = [e for e in events if isinstance(e, Error)]
    assert errors and "did not answer within 0.3 s" in errors[0].text and errors[0].recoverable


def test_failure_after_text_streamed_is_not_retried(server):
    server.script(cut("Fine-tuning would cost"))
    server.default = text("must not be requested")
    c = Consultation()
    events = respond(make(server), c, "hi")
    assert len(server.requests) == 1
    assert answer(events) == "Fine-tuning would cost"
    assert c.messages[-1]["interrupted"] is True and c.messages[-1]["content"].startswith("Fine-tuning would cost")
    assert events[-1] == TurnDone(interrupted=True)


def test_malformed_tool_json_goes_back_as_an_error(server):
    server.script(tool_calls(("update_profile", '{"labeled_examples": 20000,')),
                  tool_calls(("update_profile", {"labeled_examples": 20000})),
                  text("Recorded."))
    c = Consultation()
    events = respond(make(server), c, "20k examples")
    results = [e for e in events if isinstance(e, ToolResult)]
    assert "not valid JSON" in results[0].error and results[1].error is None
    sent_back = [m for m in server.requests[1]["messages"] if m["role"] == "tool"]
    assert "not valid JSON" in sent_back[0]["content"]
    assert {k: v for k, v in c.profile.items() if k != "use_case"} == {"labeled_examples": 20000}


def test_unknown_tool_and_schema_error_go_back_with_a_budget(server):
    server.script(tool_calls(("estimate_trainig", {"model": "llama-3.1-8b"})),
                  tool_calls(("estimate_training", {"model": "llama-3.1-8b", "epochs": -1})),
                  tool_calls(("estimate_training", {"model": "llama-3.1-8b", "epochs": -2})),
                  tool_calls(("estimate_training", {"model": "llama-3.1-8b", "epochs": -3})),
                  text("I could not get the training figure."))
    events = respond(make(server, tool_error_budget=3, max_steps=8), Consultation(), "cost?")
    errors = [e.error for e in events if isinstance(e, ToolResult)]
    assert "no tool named 'estimate_trainig'" in errors[0] and "did you mean estimate_training" in errors[0]
    assert all("epochs" in e for e in errors[1:])
    assert "last attempt allowed" in errors[3]
    # After the budget is spent the tool is withdrawn from the offer.
    assert "estimate_training" not in {t["function"]["name"] for t in server.requests[4]["tools"]}
    assert events[-1] == TurnDone()


def test_model_that_never_stops_calling_tools_hits_the_step_limit(server):
    server.default = lambda body: (tool_calls(("decide", {})) if body.get("tools")
                                   else text("Here is what the tools showed."))
    c = Consultation()
    events = respond(make(server, max_steps=3), c, "go")
    assert len(server.requests) == 4  # 3 steps with tools, then one without
    assert "tools" not in server.requests[-1]
    assert "used all the tool calls" in server.requests[-1]["messages"][0]["content"]
    assert answer(events) == "Here is what the tools showed."
    assert sum(isinstance(e, ToolCall) for e in events) == 3


def test_context_window_overflow_trims_oldest_turns_and_retries_once(server):
    server.script(status(400, "This model's maximum context length is 8192 tokens. However, your messages "
                              "resulted in 9000 tokens.", kind="invalid_request_error"),
                  text("Shorter now."))
    c = Consultation()
    for i in range(4):
        c.messages += [{"role": "user", "content": f"old question {i}"},
                       {"role": "assistant", "content": f"old answer {i}"}]
    events = respond(make(server), c, "new question")
    assert answer(events) == "Shorter now."
    assert any(isinstance(e, Notice) and e.kind == "warning" for e in events)
    sent = [m["content"] for m in server.requests[1]["messages"] if m["role"] == "user"]
    assert "old question 0" not in sent and sent[-1] == "new question"
    assert len(c.messages) == 10  # the saved history keeps everything


def test_authentication_error_switches_the_session_offline(server):
    server.default = status(401, "Incorrect API key provided: sk-test***", kind="invalid_request_error")
    session = Session(Consultation(), make(server), ConsultationStore())

    async def run():
        return [ev async for ev in session.send("We have 50k labelled examples and 2M requests a month")]

    events = asyncio.run(run())
    assert len(server.requests) == 1  # never retried
    error = next(e for e in events if isinstance(e, Error))
    assert not error.recoverable and "refused the credentials" in error.text
    mode = next(e for e in events if isinstance(e, Notice) and e.kind == "mode")
    assert mode.mode == "offline" and session.mode == "offline"
    # The offline advisor answered the same message and read its facts.
    assert session.consultation.profile.get("labeled_examples") == 50000
    assert isinstance(events[-1], TurnDone)
    saved = session.store.load(session.consultation.id)
    assert "sk-test-key-not-real" not in session.store.path(saved.id).read_text()


def test_connection_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps = Sleeps()
    events = respond(make(f"http://127.0.0.1:{port}/v1", attempts=2, sleeps=sleeps), Consultation(), "hi")
    errors = [e for e in events if isinstance(e, Error)]
    assert len(sleeps) == 1 and errors and errors[0].recoverable
    assert "cannot reach" in errors[0].text or "connection" in errors[0].text.lower()


def test_retry_after_forms():
    from agent.provider import retry_after

    class E(Exception):
        def __init__(self, headers):
            self.litellm_response_headers = headers

    assert retry_after(E({"retry-after": "3"})) == 3.0
    assert retry_after(E({"retry-after-ms": "250"})) == 0.25
    assert retry_after(E({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0  # in the past
    assert retry_after(E({"retry-after": "soon"})) is None
    assert retry_after(E({})) is None and retry_after(ValueError()) is None


def test_retry_after_longer_than_the_cap_ends_the_retries(server):
    server.default = status(429, "Rate limit reached", retry_after="120", kind="rate_limit_error")
    sleeps = Sleeps()
    events = respond(make(server, sleeps=sleeps), Consultation(), "hi")
    assert len(server.requests) == 1 and sleeps == []
    assert any(isinstance(e, Error) and "rate limited" in e.text for e in events)


# -- local servers as they are, and bounds over real HTTP ------------------------------------
@pytest.mark.parametrize("code,message", [(400, "tools are not supported by this server"),
                                          (500, "tools param requires --jinja flag")])
def test_a_server_that_rejects_tools_is_asked_again_without_them(server, code, message):
    server.default = rejects_tools(text("Prompt engineering first, from the context."), code, message)
    adv = make(server)
    c = Consultation()
    events = respond(adv, c, "We have 5000 labelled examples and need a strict format")
    assert [("tools" in r) for r in server.requests] == [True, False]
    assert any(isinstance(e, Notice) and "does not accept tool definitions" in e.text for e in events)
    assert answer(events).startswith("Prompt engineering first") and c.recommendation
    # The next message goes without tools at once, history as plain turns.
    respond(adv, c, "and the budget?")
    assert "tools" not in server.requests[-1]
    assert [m["role"] for m in server.requests[-1]["messages"]] == ["system", "user", "assistant", "user"]


def test_null_content_with_tool_calls_is_accepted(server):
    server.script(Reply("tools", calls=[("decide", "{}")], null_content=True), text("Done."))
    c = Consultation()
    events = respond(make(server), c, "decide please")
    assert [e.name for e in events if isinstance(e, ToolResult)] == ["decide"]
    assert c.messages[1]["content"] is None and answer(events).endswith("Done.")


def test_a_stalled_server_meets_the_turn_deadline(server):
    server.default = text("never arrives", delay=30)
    c = Consultation()
    events = respond(make(server, timeout=60, limits=Limits(turn_deadline=0.3)), c,
                     "We have 5000 labelled examples and need a strict format")
    assert any(isinstance(e, Notice) and "did not finish within 0.3 s" in e.text for e in events)
    assert "## Recommendation" in answer(events) and events[-1] == TurnDone()
    assert c.messages[-1]["role"] == "assistant"


def test_an_endless_stream_of_text_is_cut_at_the_length_cap(server):
    server.default = endless_text()
    events = respond(make(server, limits=Limits(max_tokens=50)), Consultation(), "hi")
    assert any(isinstance(e, Notice) and "length cap" in e.text for e in events)
    assert len(answer(events)) < 50 * 8 + 300 and events[-1] == TurnDone()


def test_an_endless_tool_call_argument_is_cut_and_refused(server):
    server.script(endless_args("update_profile"))
    server.default = text("Sorry, that was too long.")
    c = Consultation()
    events = respond(make(server, limits=Limits(max_tool_args=3000)), c, "hi")
    result = next(e for e in events if isinstance(e, ToolResult))
    assert "characters long" in result.error
    assert len(c.messages[1]["tool_calls"][0]["function"]["arguments"]) < 400
    assert answer(events).startswith("Sorry") and events[-1] == TurnDone()
