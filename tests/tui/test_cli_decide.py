"""`ft-advisor decide|prompt|report`: output, files, standard input, and bad input as one
line with exit code 2."""
from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from tui.cli import main

MEDICAL = {"use_case": "Diagnostic assistant on our hospital records", "goals": ["domain_knowledge"],
           "proprietary_data": True, "labeled_examples": 20_000, "data_quality": "high", "ml_team": "some",
           "knowledge_changes": "rarely", "model": "llama-3.1-8b"}


@pytest.fixture
def profile_file(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(MEDICAL), encoding="utf-8")
    return path


def test_decide_json(profile_file, capsys):
    assert main(["decide", "--profile", str(profile_file), "--json", "--date", "2026-11-29"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["strategy"] == "lora" and data["fine_tune_justified"] is True
    for key in ("complements", "reasons", "warnings", "missing", "confidence", "costs", "alternative", "rules",
                "options", "recommended", "model", "serving", "techniques", "plan", "tipping_points", "robustness",
                "sensitivity", "break_even_requests_per_month"):
        assert key in data
    rec = next(o for o in data["options"] if o["id"] == data["recommended"])
    assert rec["strategy"] == data["strategy"] and rec["model"] == data["model"]
    assert all(set(step) == {"step", "gate"} for step in data["plan"])
    assert data["confidence"] == data["robustness"]["share"]


def test_decide_human_output_explains(profile_file, capsys):
    assert main(["decide", "--profile", str(profile_file)]) == 0
    out = capsys.readouterr().out
    assert "LoRA fine-tuning" in out
    assert "justified.proprietary_knowledge" in out
    assert "warnings" in out
    assert "costs over 12 months" in out
    assert "option:" in out and "plan" in out


def test_decide_reads_standard_input(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps({"goals": ["accuracy"]})))
    assert main(["decide", "--profile", "-", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["strategy"] == "rag"


def test_human_output_asks_the_next_question(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("{}"))
    assert main(["decide", "--profile", "-"]) == 0
    out = capsys.readouterr().out
    assert "What do you hope fine-tuning will do for you?" in out
    assert "1. Give more accurate answers" in out


BAD = [
    ("not json", "{goals", "$: expected valid JSON"),
    ("empty", "", "$: expected a JSON object with profile fields (the input is empty)"),
    ("a list", "[]", "$: expected a JSON object"),
    ("wrong type", '{"labeled_examples": "lots"}', "$.labeled_examples: expected a whole number >= 0"),
    ("unknown goal", '{"goals": ["accuracy", "speed"]}',
     "$.goals[1]: expected one of accuracy, hallucinations, business_context, reasoning, domain_knowledge, "
     "output_format, jargon, style, got 'speed'"),
    ("negative count", '{"requests_per_month": -10}', "$.requests_per_month: expected a whole number >= 0"),
    ("unknown field", '{"budget": 5}', "$.budget: expected a known field"),
    ("unknown model", '{"model": "gpt-7"}', "$.model: expected a model id from the catalog"),
    # The constraint fields of the option space (issue 10).
    ("unknown deployment", '{"deployment": "cloud"}',
     "$.deployment: expected one of any, own_cloud, on_prem, on_device, got 'cloud'"),
    ("failure rate above 1", '{"current_failure_rate": 3}', "$.current_failure_rate: expected a number >= 0 and <= 1"),
    ("negative target", '{"target_failure_rate": -0.1}', "$.target_failure_rate: expected a number >= 0 and <= 1"),
    ("engineer cost as text", '{"engineer_month_usd": "cheap"}', "$.engineer_month_usd: expected a number"),
    ("unknown technique tried", '{"tried": ["structured_outputs", "magic"]}', "$.tried[1]: expected one of"),
]


@pytest.mark.parametrize("command", ["decide", "prompt", "report"])
@pytest.mark.parametrize("name, text, message", BAD, ids=[b[0] for b in BAD])
def test_bad_profile_is_one_line_and_exit_2(tmp_path, capsys, command, name, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    assert main([command, "--profile", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"ft-advisor {command}: error: ")
    assert message in lines[0]


@pytest.mark.parametrize("argv, message", [
    (["decide", "--profile", "/no/such/file.json"], "--profile: expected an existing JSON file"),
    (["decide", "--profile", "."], "--profile: expected a JSON file, not a directory"),
    (["decide", "--profile", "-", "--date", "yesterday"], "--date: expected an ISO date"),
])
def test_bad_arguments_are_one_line(monkeypatch, capsys, argv, message):
    monkeypatch.setattr(sys, "stdin", io.StringIO("{}"))
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_no_traceback_and_no_heavy_imports_in_a_real_process(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"goals": ["speed"]}', encoding="utf-8")
    code = ("import sys; from tui.cli import main; rc = main(sys.argv[1:]); "
            "assert 'litellm' not in sys.modules and 'textual' not in sys.modules, 'heavy import'; "
            "sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code, "decide", "--profile", str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and "$.goals[0]" in proc.stderr
    proc = subprocess.run([sys.executable, "-c", code, "decide", "--profile", "-", "--json"],
                          input='{"goals": ["reasoning"]}', capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["strategy"] == "prompt_engineering"


def test_prompt_writes_the_scaffold(profile_file, tmp_path, capsys):
    out = tmp_path / "prompt.md"
    assert main(["prompt", "--profile", str(profile_file), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Prompt scaffold: Diagnostic assistant")
    assert "<constraints>" in text
    assert main(["prompt", "--profile", str(profile_file)]) == 0
    assert capsys.readouterr().out == text


def test_report_writes_markdown(profile_file, tmp_path, capsys):
    out = tmp_path / "report.md"
    assert main(["report", "--profile", str(profile_file), "-o", str(out), "--date", "2026-11-29"]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Fine-tuning decision report: Diagnostic assistant")
    assert "## Cost comparison over 12 months" in text
    assert "report written to" in capsys.readouterr().err
    assert not list(tmp_path.glob(".report.md.*"))  # no temporary file left behind


def test_report_into_a_missing_directory_is_one_line(profile_file, tmp_path, capsys):
    assert main(["report", "--profile", str(profile_file), "-o", str(tmp_path / "nope" / "r.md")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "-o: expected a path in an existing directory" in err[0]


@pytest.mark.parametrize("target, message", [
    ("", "-o: expected a file path (or - for standard output)"),
    (".", "-o: expected a file path, not a directory"),
])
def test_report_to_an_empty_path_or_a_directory_is_one_line(profile_file, capsys, target, message):
    assert main(["report", "--profile", str(profile_file), "-o", target]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_report_assumption_values_read_as_written(profile_file, tmp_path):
    """No Python float reprs such as 5e+05 or 1.5e+04 in the assumptions a reader checks."""
    out = tmp_path / "report.md"
    profile_file.write_text(json.dumps({**MEDICAL, "requests_per_month": 500_000}), encoding="utf-8")
    assert main(["report", "--profile", str(profile_file), "-o", str(out), "--date", "2026-11-29"]) == 0
    section = out.read_text(encoding="utf-8").split("## Assumptions and sources")[1].split("## Rules")[0]
    rows = {line.split(" | ")[0].lstrip("| "): line.split(" | ")[1] for line in section.splitlines()
            if line.startswith("| ") and " | " in line}
    assert rows["requests per month"] == "500,000"
    assert rows["engineer cost per month"] == "$15,000"
    assert rows["proprietary_data"] == "yes"
    assert "mfu (lora)" in rows and rows["mfu (lora)"].endswith("%")
    import re

    assert not [k for k, v in rows.items() if re.fullmatch(r"\$?[\d.]+e\+\d+", v) and not k.startswith("FLOPs")]


def test_a_failed_write_leaves_no_temporary_file(profile_file, tmp_path, capsys, monkeypatch):
    import os

    def refuse(src, dst):
        raise OSError(16, "Device or resource busy")

    monkeypatch.setattr(os, "replace", refuse)
    assert main(["report", "--profile", str(profile_file), "-o", str(tmp_path / "r.md")]) == 2
    assert "-o: expected a writable file (Device or resource busy)" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.json"]
