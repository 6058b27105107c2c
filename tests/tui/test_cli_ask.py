"""`ft-advisor ask`: answer on stdout, tool activity on stderr, --json, exit codes."""
from __future__ import annotations

import json
import re
import socket
import subprocess
import sys

import pytest

import agent.provider as provider
from tests.agent.fake_openai import FakeOpenAI, status, text, tool_calls
from tui.cli import main


@pytest.fixture
def fast_retries(monkeypatch):
    sleeps = []

    async def sleep(seconds):
        sleeps.append(seconds)

    monkeypatch.setattr(provider, "DEFAULT_POLICY", provider.RetryPolicy(attempts=2, base=0.01, jitter=0, sleep=sleep))
    return sleeps


@pytest.mark.slow
def test_ask_mock_streams_answer_and_tool_activity(capsys):
    assert main(["ask", "--mock", "Our bot must sound like our founder; 20k labelled examples, 1M requests a month"]) == 0
    out, err = capsys.readouterr()
    # A style at 1M requests a month: prompting is cheaper than a tuned model (the cost model says so).
    assert "Recommendation: Prompt engineering" in out and "GPU-hours" in out
    assert re.search(r"confidence \d{1,3}%", out), out  # a share reads as a percentage
    assert re.search(r"usage: [0-9,]+ prompt \+ [0-9,]+ completion tokens", err)  # the consultation's own cost
    assert "→ decide(" in err and "✓ estimate_training" in err
    assert "estimate_training" not in out  # tool activity stays off stdout


@pytest.mark.slow
def test_ask_mock_json(capsys):
    assert main(["--mock", "ask", "--json", "answers are often wrong; our docs change weekly"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"answer", "tool_calls", "profile", "usage"}
    assert data["mode"] == "mock" and data["profile"]["knowledge_changes"] == "weekly"
    names = [c["name"] for c in data["tool_calls"]]
    assert names == ["decide", "estimate_training"]  # the engine read the facts before the model
    assert all(("result" in c) != ("error" in c) and "arguments" in c for c in data["tool_calls"])
    assert data["usage"]["prompt_tokens"] > 0 and data["error"] is None
    assert "Recommendation: RAG" in data["answer"] and re.search(r"confidence \d{1,3}%", data["answer"])


def test_ask_without_a_model_answers_offline(capsys):
    assert main(["ask", "We have no labelled data and answers are often wrong"]) == 0
    out, err = capsys.readouterr()
    assert "**labelled examples**: 0" in out and "**goals**: accuracy" in out  # what it understood
    # One shot: the recommendation at once, the open questions listed, none left hanging.
    assert "## Recommendation: RAG" in out
    assert "### What could still change this" in out and "ft-advisor chat --resume " in out
    assert "Reply with a number" not in out and "**Question" not in out
    assert "offline rule-only advisor" in err and "--model" in err


def test_ask_empty_question_is_a_usage_error(capsys):
    assert main(["ask", "   "]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "QUESTION" in err


@pytest.mark.slow
def test_ask_against_a_server(capsys, fast_retries):
    with FakeOpenAI() as server:
        server.script(tool_calls(("update_profile", {"labeled_examples": 1000})), text("Done: 1000 examples noted."))
        code = main(["ask", "--model", "openai/fake", "--api-base", server.api_base, "--json", "1000 examples"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["answer"] == "Done: 1000 examples noted."
    assert data["profile"]["labeled_examples"] == 1000
    assert data["usage"] == {"prompt_tokens": 22, "completion_tokens": 14, "cost_usd": None}


@pytest.mark.slow
def test_ask_auth_error_exits_nonzero_with_one_reason_line(capsys, fast_retries):
    with FakeOpenAI() as server:
        server.default = status(401, "Incorrect API key provided")
        code = main(["ask", "--model", "openai/fake", "--api-base", server.api_base, "we have 50k examples"])
        assert len(server.requests) == 1
    out, err = capsys.readouterr()
    assert code == 1
    lines = [ln for ln in err.splitlines() if ln.startswith("ft-advisor ask: error:")]
    assert len(lines) == 1 and "refused the credentials" in lines[0]
    assert "Traceback" not in err and out.strip()  # the offline advisor still answered


@pytest.mark.slow
def test_ask_connection_refused_in_a_subprocess(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env_code = (
        "import agent.provider as p, sys\n"
        "p.DEFAULT_POLICY = p.RetryPolicy(attempts=2, base=0.01, jitter=0)\n"
        "from tui.cli import main\n"
        f"sys.exit(main(['ask', '--model', 'openai/fake', '--api-base', 'http://127.0.0.1:{port}/v1', 'hi']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", env_code], capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "FT_ADVISOR_DATA_DIR": str(tmp_path)})
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("ft-advisor ask: error: cannot reach openai/fake")
    assert "[retry]" in proc.stderr


def test_ask_json_never_prints_a_key(capsys, monkeypatch):
    monkeypatch.setenv("MYPROXY_API_KEY", "proxy-secret-77aa")
    assert main(["ask", "--offline", "--json", "our key is proxy-secret-77aa and sk-abcdefghijklmnopqrstuv; "
                 "answers are often wrong"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert "proxy-secret-77aa" not in out and "sk-abcdefghijklmnopqrstuv" not in out
    assert "[redacted]" in data["profile"]["use_case"]


def test_ask_offline_json_carries_the_reading(capsys):
    question = ("our chatbot halucinates alot, 200k requets per month, budjet 20k. We have 20k support tickets. "
                "We have no labelled data... our 40k labelled examples are great")
    assert main(["ask", "--offline", "--json", question]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"answer", "tool_calls", "profile", "usage", "facts", "unread", "contradictions",
                         "language", "assumed"}
    facts = {(f["field"], json.dumps(f["value"])): f["text"] for f in data["facts"]}
    assert facts[("requests_per_month", "200000")] == "200k requets per month"
    assert facts[("budget_usd", "20000.0")] == "budjet 20k"
    assert ("goals", '"hallucinations"') in facts
    assert data["unread"] == ["20k support tickets"]
    assert data["contradictions"] == [{"field": "labeled_examples", "values": [0, 40000]}]
    assert "labeled_examples" not in data["profile"]  # asked about, not settled silently
    assert data["language"] == "en" and set(data["assumed"]) == {"model", "horizon_months"}
    # The same, in words.
    answer = data["answer"]
    assert "from *“200k requets per month”*" in answer
    assert "I saw *“20k support tickets”* but couldn't tell what it counts" in answer
    assert "You mention 0 (*“no labelled data”*) and 40k" in answer and "which is right?" in answer
    assert "**Assumed**" in answer and "model: gpt-4o-mini (assumed)" in answer
    assert "12-month horizon (assumed)" in answer  # the cost table's caption


def test_ask_offline_in_another_language_says_what_it_read(capsys):
    assert main(["ask", "--offline", "--json", "Tenemos 20.000 consultas al mes y el modelo inventa respuestas"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["language"] == "es"
    assert data["facts"] == [{"field": "requests_per_month", "value": 20000, "text": "20.000 consultas al mes"}]
    assert "looks like Spanish" in data["answer"] and "--model" in data["answer"]
