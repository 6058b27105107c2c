"""`ft-advisor ask --json` with a model that calls no tool: the engine's recommendation
is there anyway, and the answer's figures are verified or listed as unverified."""
from __future__ import annotations

import json

import pytest

import agent.provider as provider
from tests.agent.fake_openai import FakeOpenAI, text
from tui.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    async def sleep(seconds):
        pass

    monkeypatch.setattr(provider, "DEFAULT_POLICY", provider.RetryPolicy(attempts=2, base=0.01, jitter=0, sleep=sleep))


def test_ask_json_with_a_model_that_never_calls_tools(capsys):
    with FakeOpenAI() as server:
        server.default = text("Start with better prompting. With your 5000 examples a LoRA would pay back "
                              "in 7 months and save $45,310 a year.")
        code = main(["ask", "--model", "openai/small", "--api-base", server.api_base, "--json",
                     "We need a strict output format, have 5000 labelled examples and 200k requests a month"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["tool_calls"] == []
    rec = data["recommendation"]
    assert set(rec) == {"strategy", "model", "total_usd"}
    assert rec["strategy"] == data["decision"]["strategy"] and rec["total_usd"] > 0 and rec["model"]
    # "5000 examples" is the user's; the payback and the saving are the model's own.
    assert [f["text"] for f in data["unverified_figures"]] == ["7 months", "$45,310"]
    assert data["unverified_figures"][1]["value"] == 45_310
    assert "Not from the cost models" in data["answer"]


def test_ask_plain_output_footnotes_unverified_figures(capsys):
    with FakeOpenAI() as server:
        server.default = text("It would save $45,310 a year.")
        assert main(["ask", "--model", "openai/small", "--api-base", server.api_base, "hello"]) == 0
    out = capsys.readouterr().out
    assert "It would save $45,310 a year." in out and "Not from the cost models" in out and "$45,310._" in out
