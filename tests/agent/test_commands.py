"""Slash commands: the same in the rule-only mode and with any other advisor."""
from __future__ import annotations

import asyncio

import pytest

from agent import commands
from agent.consultation import Consultation
from agent.events import ProfileChanged, Recommendation, TextDelta, ToolCall, ToolResult, TurnDone
from agent.session import Session


class OtherAdvisor:
    """Stands in for the LLM advisor: commands must not need the advisor at all."""

    mode = "llm"
    label = "test/model"

    async def opening(self, consultation):
        yield TurnDone()

    async def respond(self, consultation, text):
        raise AssertionError("a command reached the advisor")
        yield  # pragma: no cover


@pytest.fixture(params=["offline", "llm"])
def session(request):
    if request.param == "offline":
        s = Session.start(offline=True)
    else:
        s = Session(Consultation(), OtherAdvisor())
    asyncio.run(_drain(s.opening()))
    return s


async def _drain(stream):
    return [event async for event in stream]


def send(session, line):
    return asyncio.run(_drain(session.send(line)))


def said(events):
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def test_not_a_command():
    s = Session.start(offline=True)
    assert commands.handle("hello", s) is None
    assert commands.handle("//not a command", s) is None


def test_every_command_ends_the_turn_and_is_saved(session):
    for line in ("/help", "/profile", "/set ml_team=none", "/estimate", "/compare", "/reset", "/nope"):
        events = send(session, line)
        assert isinstance(events[-1], TurnDone) and not events[-1].interrupted, line
        assert said(events).strip(), line
        assert session.consultation.messages[-1]["role"] == "assistant"
    stored = session.store.load(session.consultation.id)
    assert any(m.get("content") == "/compare" for m in stored.messages)


def test_help_lists_the_commands(session):
    text = said(send(session, "/help"))
    for name in commands.COMMANDS:
        assert f"/{name}" in text


def test_profile(session):
    assert "empty" in said(send(session, "/profile"))
    send(session, "/set requests_per_month=2M")
    text = said(send(session, "/profile"))
    assert "| requests per month (`requests_per_month`) | 2M |" in text
    assert "Still unknown" in text


@pytest.mark.parametrize("line, field, value", [
    ("/set requests_per_month=2M", "requests_per_month", 2_000_000),
    ("/set budget_usd=$30k", "budget_usd", 30_000),
    ("/set ml_team=Strong", "ml_team", "strong"),
    ("/set proprietary_data=yes", "proprietary_data", True),
    ("/set goals=style, output format", "goals", ["style", "output_format"]),
    ("/set model=Llama 3.1 8B", "model", "llama-3.1-8b"),
    ("/set knowledge-changes=weekly", "knowledge_changes", "weekly"),
])
def test_set(session, line, field, value):
    events = send(session, line)
    assert session.consultation.profile[field] == value
    change = next(e for e in events if isinstance(e, ProfileChanged))
    assert change.changed[field] == value


@pytest.mark.parametrize("line, expected", [
    ("/set ml_team=lots", "ml_team: expected one of none, some, strong, got 'lots'"),
    ("/set data_quality=hi", "data_quality: expected one of low, medium, high, got 'hi' (did you mean high?)"),
    ("/set requests_per_month=many", "requests_per_month: expected a number"),
    ("/set labeled_examples=-5", "labeled_examples: expected a whole number >= 0"),
    ("/set goals=style,vibes", "goals: expected a comma-separated list of accuracy"),
    ("/set proprietary_data=maybe", "proprietary_data: expected yes or no"),
    ("/set model=llama-9", "model: expected a model id from the catalog"),
    ("/set nonsense=1", "field: expected one of use_case, goals"),
    ("/set ml_team", "FIELD=VALUE"),
])
def test_set_rejects_bad_values_naming_the_field(session, line, expected):
    before = dict(session.consultation.profile)
    text = said(send(session, line))
    assert expected in text
    assert session.consultation.profile == before


def test_set_replaces_and_says_so_and_clears(session):
    send(session, "/set requests_per_month=500k")
    events = send(session, "/set requests_per_month=2M")
    assert "2M replaces 500k (later answer wins)" in said(events)
    send(session, "/set requests_per_month=")
    assert "requests_per_month" not in session.consultation.profile


def test_set_moves_the_offline_interview_on():
    s = Session.start(offline=True)
    asyncio.run(_drain(s.opening()))
    send(s, "We want our chatbot to sound like our founder")
    asked = s.consultation.state["interview"]["pending"]["field"]
    value = {"requests_per_month": "5M", "labeled_examples": "40k", "budget_usd": "300k"}.get(asked, "1")
    if asked in ("proprietary_data",):
        value = "yes"
    text = said(send(s, f"/set {asked}={value}"))
    assert asked in s.consultation.profile
    now = s.consultation.state["interview"]["pending"]
    assert now is None or now["field"] != asked
    assert "Question" in text or "## Recommendation" in text


def test_estimate_usage_and_kinds(session):
    text = said(send(session, "/estimate"))
    assert "training" in text and "compare" in text
    text = said(send(session, "/estimate frobnicate"))
    assert "KIND: expected one of training" in text


def test_estimate_flags_help(session):
    text = said(send(session, "/estimate training --help"))
    assert "`--tokens-per-example`" in text and "`--method`" in text


def test_estimate_runs_the_tool_with_flags(session):
    events = send(session, "/estimate memory --model llama-3.1-8b --method qlora")
    call = next(e for e in events if isinstance(e, ToolCall))
    result = next(e for e in events if isinstance(e, ToolResult))
    assert call.name == "estimate_memory" and call.arguments == {"model": "llama-3.1-8b", "method": "qlora"}
    assert result.error is None and result.result["total_gb"] > 0
    text = said(events)
    assert "### estimate memory" in text and "| **total** |" in text and "**Assumptions**" in text
    assert session.consultation.tool_calls[-1]["name"] == "estimate_memory"


def test_estimate_takes_defaults_from_the_profile(session):
    send(session, "/set model=mistral-7b")
    events = send(session, "/estimate memory --method lora")
    call = next(e for e in events if isinstance(e, ToolCall))
    assert call.arguments["model"] == "mistral-7b"


@pytest.mark.parametrize("line, expected", [
    ("/estimate memory --method sideways", "--method: expected one of"),
    ("/estimate training --model llama-3-8b --bogus 3", "unrecognized arguments: --bogus"),
    ("/estimate training --model llama-3-8b --epochs lots", "--epochs: expected a number"),
    ("/estimate training --model 'unterminated", "shell syntax"),
])
def test_estimate_bad_flags_are_one_clear_line(session, line, expected):
    events = send(session, line)
    text = said(events)
    assert expected in text and "Traceback" not in text
    assert len(text.strip().splitlines()) == 1


def test_compare_uses_the_profile_and_flags(session):
    send(session, "/set requests_per_month=2M")
    events = send(session, "/compare --horizon-months 24")
    call = next(e for e in events if isinstance(e, ToolCall))
    assert call.name == "estimate_compare"
    assert call.arguments["requests_per_month"] == 2_000_000 and call.arguments["horizon_months"] == "24"
    text = said(events)
    assert "| strategy | setup | per month | total over 24 months |" in text
    for label in ("Prompt engineering", "RAG", "LoRA fine-tuning", "Full fine-tuning"):
        assert label in text


def test_prompt(session):
    pytest.importorskip("tools.decision.scaffold")
    send(session, "/set goals=output_format")
    text = said(send(session, "/prompt"))
    assert "try it before paying for fine-tuning" in text and len(text) > 200


def test_report_without_a_path_goes_to_the_export_folder(session, tmp_path):
    send(session, "/set goals=accuracy")
    text = said(send(session, "/report"))
    written = list((tmp_path / "exports").glob("ft-advisor-report-*.md"))  # FT_ADVISOR_EXPORT_DIR (conftest)
    assert len(written) == 1 and str(written[0].resolve()) in text


def test_report_writes_a_file(session, tmp_path):
    send(session, "/set goals=accuracy")
    target = tmp_path / "out" / "report.md"
    text = said(send(session, f"/report {target}"))
    assert target.exists() and "Report written to" in text
    assert target.read_text(encoding="utf-8").startswith("#")


def test_report_to_an_unwritable_path_names_the_path(session, tmp_path):
    pytest.importorskip("tools.decision.report")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    text = said(send(session, f"/report {blocker}/sub/report.md"))
    assert "PATH: expected a writable file path" in text


def test_reset(session):
    send(session, "/set ml_team=none")
    events = send(session, "/reset")
    assert session.consultation.profile == {} and session.consultation.recommendation is None
    assert any(isinstance(e, ProfileChanged) and e.profile == {} for e in events)
    if session.mode == "offline":
        assert "Describe your case" in said(events)
        assert session.consultation.state["interview"]["stage"] == "describe" if "interview" in \
            session.consultation.state else True


def test_reset_then_the_offline_interview_starts_over():
    s = Session.start(offline=True)
    asyncio.run(_drain(s.opening()))
    send(s, "Our answers are often wrong")
    send(s, "recommend")
    send(s, "/reset")
    events = send(s, "We want it to sound like our founder")
    assert "Here is what I understood" in said(events)
    assert s.consultation.profile["goals"] == ["style"]


def test_unknown_command_suggests(session):
    assert "Did you mean `/compare`?" in said(send(session, "/compre"))


def test_commands_in_the_middle_of_the_interview_keep_the_pending_question():
    s = Session.start(offline=True)
    asyncio.run(_drain(s.opening()))
    send(s, "We want our chatbot to sound like our founder")
    asked = s.consultation.state["interview"]["pending"]["field"]
    send(s, "/profile")
    send(s, "/compare")
    assert s.consultation.state["interview"]["pending"]["field"] == asked
    events = send(s, "skip")
    assert asked in s.consultation.state["interview"]["skipped"]
    assert isinstance(events[-1], TurnDone)


def test_recommendation_event_after_set_when_advising():
    s = Session.start(offline=True)
    asyncio.run(_drain(s.opening()))
    send(s, "Our answers are often wrong")
    send(s, "recommend")
    events = send(s, "/set knowledge_changes=daily")
    assert any(isinstance(e, Recommendation) for e in events)
    assert "recommendation" in said(events).lower()


def test_compare_agrees_with_the_recommendation_figures(session):
    # /compare and the recommendation's cost table price the same profile the same way
    # (the labelled examples are not passed as compare's target training-set size).
    from tools.decision.decide import compare_for

    send(session, "/set labeled_examples=3000")
    send(session, "/set requests_per_month=500k")
    call = next(e for e in send(session, "/compare") if isinstance(e, ToolCall))
    assert "examples" not in call.arguments and call.arguments["labeled_examples"] == 3000
    record = session.consultation.tool_calls[-1]
    expected = compare_for(session.consultation.profile)
    for name, figures in expected["strategies"].items():
        assert record["result"]["strategies"][name]["total_usd"] == pytest.approx(figures["total_usd"])


def test_estimate_training_still_takes_the_labelled_examples(session):
    send(session, "/set labeled_examples=3000")
    events = send(session, "/estimate training --model llama-3.1-8b --tokens-per-example 500")
    call = next(e for e in events if isinstance(e, ToolCall))
    assert call.arguments["examples"] == 3000
