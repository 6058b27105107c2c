"""The LLM turn with models that misbehave, through litellm's real code path (scripted
`mock_response`s): one that never calls tools, one that loops, one that writes tool
calls as text, one that never stops; and the caps on tool calls. Deadlines read an
injected clock: no test waits on wall-clock time."""
from __future__ import annotations

import asyncio
import json

import pytest

from agent.bounds import Limits, RepetitionGuard
from agent.consultation import Consultation
from agent.events import FiguresChecked, Notice, Recommendation, TextDelta, ToolCall, ToolResult, TurnDone
from agent.llm import LLMAdvisor
from agent.mock import Script, call_tools, say
from agent.provider import RetryPolicy

pytestmark = pytest.mark.slow

CASE = "We generate legal contracts in a strict format and have 5000 labelled examples, 200k requests a month"


class Sleeps(list):
    async def __call__(self, seconds):
        self.append(seconds)


class Clock:
    """A clock that moves `step` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def advisor(script, **limits) -> LLMAdvisor:
    return LLMAdvisor("openai/gpt-4o-mini", per_call=script, limits=Limits(**limits),
                      policy=RetryPolicy(attempts=2, base=0.01, jitter=0.0, sleep=Sleeps()))


def respond(adv, c, text):
    async def run():
        return [ev async for ev in adv.respond(c, text)]
    return asyncio.run(run())


def answer(events):
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def test_repetition_guard_spots_a_loop_not_a_table():
    guard = RepetitionGuard()
    intro = "Fine-tuning for a strict format: "
    assert not any(guard.feed(piece) for piece in [intro, "it's a challenge, and " * 3])
    assert guard.feed("it's a challenge, and " * 4)
    assert guard.loop_start is not None and guard.text[:guard.loop_start].startswith(intro)
    table = "| a | b |\n|---|---:|\n" + "".join(f"| row {i} | ${i * 1000:,} |\n" for i in range(40))
    guard = RepetitionGuard()
    assert not any(guard.feed(table[i:i + 7]) for i in range(0, len(table), 7))


def test_a_model_that_never_calls_tools_still_answers_from_the_engine():
    script = Script(say("Prompt engineering first: it costs $17,148 over 12 months, against $128,700 for a "
                        "LoRA. Expect a 40% saving and $3.2M of value.", tools=True, expect=CASE))
    c = Consultation()
    events = respond(advisor(script), c, CASE)
    script.assert_done()
    # The engine read the message and decided before the model said a word.
    assert c.profile["labeled_examples"] == 5000 and c.profile["requests_per_month"] == 200_000
    assert any(isinstance(e, Recommendation) for e in events) and c.recommendation["strategy"]
    sent = script.calls[0][0][0]["content"]
    assert "### Recommendation" in sent and "### Open questions" in sent and '"labeled_examples": 5000' in sent
    checked = next(e for e in events if isinstance(e, FiguresChecked))
    # $17,148 and $128,700 are the engine's; 40% and $3.2M are the model's own.
    assert checked.checked == 5 and [f["text"] for f in checked.unverified] == ["40%", "$3.2M"]
    assert "Not from the cost models" in answer(events) and "$3.2M" in c.messages[-1]["content"]
    assert c.messages[-1]["unverified_figures"] == list(checked.unverified)
    assert events[-1] == TurnDone()


def test_a_looping_model_is_stopped_and_the_engine_answers():
    script = Script(say("Well, it's a challenge, and " + "it's a challenge, and " * 300))
    c = Consultation()
    events = respond(advisor(script), c, CASE)
    notices = [e for e in events if isinstance(e, Notice)]
    assert any("repeating itself" in n.text for n in notices)
    shown = answer(events)
    assert shown.count("it's a challenge") < 20  # stopped early, not after 300
    assert "## Recommendation" in shown  # the engine's own answer follows
    stored = c.messages[-1]["content"]
    assert stored.count("it's a challenge") <= 1 and "## Recommendation" in stored
    assert events[-1] == TurnDone()


def test_the_turn_deadline_ends_the_turn_with_the_engines_recommendation():
    # Each clock read moves 5 s; a 300 s deadline passes mid-answer (no real wait is that long).
    script = Script(say("Here is a long and careful answer. " * 20))
    c = Consultation()
    events = respond(advisor(script, turn_deadline=300, clock=Clock(5.0)), c, CASE)
    notice = next(e for e in events if isinstance(e, Notice))
    assert "did not finish within 300 s" in notice.text
    # The engine's answer starts a paragraph of its own after the model's partial text.
    assert answer(events).startswith("Here is a long") and "\n\n## Recommendation" in answer(events)
    assert len(answer(events)) < 6000
    assert c.messages[-1]["role"] == "assistant" and "## Recommendation" in c.messages[-1]["content"]
    assert events[-1] == TurnDone()


def test_a_deadline_already_spent_makes_no_model_call():
    script = Script()
    c = Consultation()
    events = respond(advisor(script, turn_deadline=0.5, clock=Clock(1.0)), c, CASE)
    script.assert_done()
    assert "## Recommendation" in answer(events) and events[-1] == TurnDone()


def test_the_length_cap_cuts_an_answer_that_runs_on():
    script = Script(say(" ".join(f"word{i}" for i in range(3000))))
    events = respond(advisor(script, max_tokens=100), Consultation(), "hi")
    assert any(isinstance(e, Notice) and "length cap (100 tokens)" in e.text for e in events)
    assert len(answer(events)) < 100 * 8 + 200


@pytest.mark.parametrize("written", [
    '{"name": "estimate_training", "arguments": ARGS}',
    "<tool_call>\n{\"name\": \"estimate_training\", \"arguments\": ARGS}\n</tool_call>",
    '[TOOL_CALLS][{"name": "estimate_training", "arguments": ARGS}]',
])
def test_tool_calls_written_as_text_run_like_native_ones(written):
    args = {"model": "llama-3.1-8b", "method": "lora", "examples": 5000, "tokens_per_example": 700}
    script = Script(say(written.replace("ARGS", json.dumps(args))),
                    say("The run is estimated above.", expect='"cost_usd"'))
    c = Consultation()
    events = respond(advisor(script), c, "what would one LoRA run cost?")
    script.assert_done()
    call = next(e for e in events if isinstance(e, ToolCall))
    assert call.name == "estimate_training" and call.arguments == args
    result = next(e for e in events if isinstance(e, ToolResult))
    assert result.error is None and result.result["cost_usd"] > 0
    assert answer(events).strip() == "The run is estimated above."  # no markup reached the user
    # Stored as a native call, so the next request pairs it with its result.
    assert [m["role"] for m in c.messages] == ["user", "assistant", "tool", "assistant"]
    assert c.messages[1]["tool_calls"][0]["function"]["name"] == "estimate_training"


def test_too_many_tool_calls_in_one_message_run_only_up_to_the_cap():
    script = Script(call_tools(*[("decide", {})] * 30), say("Done."))
    c = Consultation()
    events = respond(advisor(script, max_tool_calls=4), c, "decide")
    script.assert_done()
    assert sum(isinstance(e, ToolCall) for e in events) == 4
    assert any(isinstance(e, Notice) and "30 tool calls" in e.text for e in events)
    assert len(c.messages[1]["tool_calls"]) == 4


def test_an_oversized_argument_is_refused_and_stored_short():
    huge = json.dumps({"use_case": "x" * 50_000})
    script = Script(call_tools(("update_profile", huge)), say("Sorry."))
    c = Consultation()
    events = respond(advisor(script, max_tool_args=2000), c, "hi")
    script.assert_done()
    result = next(e for e in events if isinstance(e, ToolResult))
    assert f"{len(huge):,} characters" in result.error and "at most 2,000" in result.error
    stored = c.messages[1]["tool_calls"][0]["function"]["arguments"]
    assert len(stored) < 400 and json.loads(stored)["_chars"] == len(huge)
    # What goes back to the model on the next call is the short form.
    sent = json.dumps(script.calls[1][0])
    assert "x" * 1000 not in sent


def test_an_empty_answer_is_replaced_by_the_engines():
    script = Script(say(""))
    c = Consultation()
    events = respond(advisor(script), c, CASE)
    assert any(isinstance(e, Notice) and "empty answer" in e.text for e in events)
    assert answer(events).startswith("## Recommendation") and c.messages[-1]["content"].startswith("## Recommendation")
    assert events[-1] == TurnDone()


def test_a_model_reading_its_instructions_back_is_stopped():
    from agent.llm import system_prompt

    script = Script(say(system_prompt()))
    c = Consultation()
    events = respond(advisor(script), c, CASE)
    assert any(isinstance(e, Notice) and "instructions back" in e.text for e in events)
    shown = answer(events)
    assert len(shown.split("## Recommendation")[0]) < 400  # stopped within a few hundred characters
    assert c.messages[-1]["content"].startswith("## Recommendation")


def test_quoting_a_phrase_of_the_context_is_not_an_echo():
    from agent.bounds import EchoGuard

    guard = EchoGuard("Over 12 months the fine-tune costs about $128,700 against $17,148 for better prompting. " * 2)
    answer_text = ("As the engine says, over 12 months the fine-tune costs about $128,700 against $17,148 for "
                   "better prompting, so start with a structured prompt and measure it on your own examples first.")
    assert not any(guard.feed(answer_text[i:i + 5]) for i in range(0, len(answer_text), 5))
