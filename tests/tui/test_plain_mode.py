"""`ft-advisor chat --plain`: a consultation over standard input/output, driven
through a pipe."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def chat(args, stdin, tmp_path, env_extra=None):
    env = {**os.environ, "FT_ADVISOR_DATA_DIR": str(tmp_path / "data"),
           "FT_ADVISOR_CONFIG": str(tmp_path / "config.toml"), "PYTHONIOENCODING": "utf-8"}
    env.pop("FT_ADVISOR_MODEL", None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], input=stdin, capture_output=True,
                          text=True, encoding="utf-8", env=env, timeout=120)


def saved(tmp_path):
    files = sorted((tmp_path / "data").glob("*.json"))
    return [json.loads(f.read_text(encoding="utf-8")) for f in files]


TRANSCRIPT = (
    "Our support bot's answers are often wrong. Our docs change weekly, we have no labelled data "
    "and no ML team, and we expect 2M requests a month.\n"
    "\n"
    "recommend\n"
    "/profile\n"
)


def test_a_consultation_through_a_pipe(tmp_path):
    proc = chat(["chat", "--plain"], TRANSCRIPT, tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("## Should you fine-tune?")  # Markdown printed as it is
    assert "you> " not in out  # no prompt when stdin is not a terminal
    assert "Here is what I understood" in out
    assert "## Recommendation: RAG" in out
    assert "| requests per month (`requests_per_month`) | 2M |" in out
    assert "Traceback" not in proc.stderr
    assert "offline rule-only" in proc.stderr and "recommendation: rag" in proc.stderr
    [consultation] = saved(tmp_path)
    assert consultation["profile"]["requests_per_month"] == 2_000_000
    assert consultation["recommendation"]["strategy"] == "rag"
    assert consultation["id"] in proc.stderr  # says how to resume


def test_end_of_input_right_away_exits_0_without_storing_an_empty_consultation(tmp_path):
    # Nothing the user wrote would be lost; an untouched greeting would only clutter the
    # consultations list (the first user message is what gets saved, see above).
    proc = chat(["chat", "--plain"], "", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Describe your case" in proc.stdout
    assert saved(tmp_path) == []


def test_without_plain_a_pipe_falls_back_to_the_line_mode(tmp_path):
    proc = chat(["chat", "--offline"], "recommend\n", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "using the plain line mode" in proc.stderr
    assert "## Recommendation" in proc.stdout


def test_global_and_local_offline_flags(tmp_path):
    for args in (["--offline", "chat", "--plain"], ["chat", "--plain", "--offline"]):
        proc = chat(args, "/help\n", tmp_path, {"FT_ADVISOR_MODEL": "openai/gpt-4o-mini"})
        assert proc.returncode == 0, proc.stderr
        assert "offline rule-only" in proc.stderr


def test_resume_continues_the_pending_question(tmp_path):
    first = chat(["chat", "--plain"], "We want our chatbot to sound like our founder\n", tmp_path)
    assert first.returncode == 0
    [c] = saved(tmp_path)
    asked = c["state"]["interview"]["pending"]
    proc = chat(["chat", "--plain", "--resume", "last"], "skip\n", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Welcome back" in proc.stdout and asked["question"] in proc.stdout
    [c] = saved(tmp_path)
    assert asked["field"] in c["state"]["interview"]["skipped"]


def test_resume_an_unknown_id_is_one_line_exit_2(tmp_path):
    proc = chat(["chat", "--plain", "--resume", "nope"], "", tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_robust_input_through_the_pipe(tmp_path):
    paste = ("We have 50k labelled examples and our docs change weekly. " * 2000)[:100_000]
    lines = ["", "   ", "\x00\x07\x1b[31m", "日本語のテキスト", "Медицинский ИИ", paste,
             "we expect 500k requests a month", "sorry, 2M requests a month", "recommend", "/quit",
             "never read"]
    proc = chat(["chat", "--plain"], "\n".join(lines) + "\n", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "2M replaces 500k (later answer wins)" in proc.stdout
    [c] = saved(tmp_path)
    assert c["profile"]["requests_per_month"] == 2_000_000
    assert not any(m.get("content") == "never read" for m in c["messages"])  # /quit ended it


def test_bad_config_is_one_line_exit_2(tmp_path):
    (tmp_path / "config.toml").write_text("[llm]\ntimeout = -1\n")
    proc = chat(["chat", "--plain"], "", tmp_path)
    assert proc.returncode == 2
    assert "llm.timeout" in proc.stderr and "Traceback" not in proc.stderr


def test_plain_mode_in_process(tmp_path, monkeypatch):
    """The same loop without a subprocess, with a fake terminal: prompts appear."""
    import argparse
    import io

    from tui.subcommands.chat import run_plain

    class Tty(io.StringIO):
        def isatty(self):
            return True

    stdin, stdout, stderr = Tty("Our answers are often wrong\nrecommend\n"), io.StringIO(), io.StringIO()
    code = run_plain(argparse.Namespace(offline=True, resume=None), stdin, stdout, stderr)
    assert code == 0
    assert stdout.getvalue().count("you> ") == 3  # two lines, then end of input
    assert "## Recommendation: RAG" in stdout.getvalue()


def test_undecodable_bytes_crlf_and_answers_in_words_through_the_pipe(tmp_path):
    env = {**os.environ, "FT_ADVISOR_DATA_DIR": str(tmp_path / "data"),
           "FT_ADVISOR_CONFIG": str(tmp_path / "config.toml")}
    env.pop("FT_ADVISOR_MODEL", None)
    env.pop("PYTHONIOENCODING", None)
    stdin = (b"It must output valid JSON for our contracts. We have fifty thousand labelled examples.\r\n"
             b"\xff\xfe broken \x80 bytes\r\n"
             b"our budget is around 200 grand\r\n"
             b"the second one\r\n")
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "chat", "--plain"], input=stdin, capture_output=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in proc.stderr
    [c] = saved(tmp_path)
    assert c["profile"]["labeled_examples"] == 50_000 and c["profile"]["goals"] == ["output_format"]
    assert c["profile"]["budget_usd"] == 200_000
    assert len(c["profile"]) >= 5  # "the second one" answered the question asked after the budget
