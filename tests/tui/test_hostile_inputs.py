"""Every CLI entry point against hostile input: nested, huge, endless, binary, control
characters, NaN. Each must end with one clear line and exit 2: no traceback, bounded
time and memory.

Two layers: the whole matrix in-process (fast, through `main()`), and the endless and
huge cases again in a subprocess under an address-space limit (RLIMIT_AS), where an
unbounded read would die with MemoryError. The subprocess timeout is a safety net for
a hung process, not the assertion.
"""
from __future__ import annotations

import io
import json
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli import main

REPO = Path(__file__).resolve().parents[2]
#: Far above what any command needs (~150 MB), far below "grows until memory runs out".
MEMORY_LIMIT = 768 * 2**20
NET = 120  # seconds: only so that a hang fails instead of blocking the suite

DEEP = "[" * 100_000 + "]" * 100_000
DEEP_FIELD = '{"use_case": ' + "[" * 5_000 + "]" * 5_000 + "}"
DEEP_OBJECT = '{"a":' * 50_000 + "1" + "}" * 50_000
DIGITS = '{"labeled_examples": ' + "9" * 5_000 + "}"
NEG_DIGITS = '{"budget_usd": -' + "9" * 100_000 + "}"
FLOAT_DIGITS = '{"budget_usd": 1.' + "9" * 100_000 + "}"
HUGE = '{"use_case": "' + "x" * 3_000_000 + '"}'
HUGE_SPACES = " " * 2_000_000 + "{}"
BINARY = b"\xff\xfe\x00\x01\x80garbage\xc3\x28"
CONTROL = json.dumps({"use_case": "support bot\x1b]52;c;ZXZpbA==\x07\x1b[2J"})
NAN = '{"labeled_examples": NaN}'
INFINITY = '{"budget_usd": -Infinity}'

TEXT_CASES = {
    "deep": DEEP, "deep_field": DEEP_FIELD, "deep_object": DEEP_OBJECT, "digits": DIGITS,
    "neg_digits": NEG_DIGITS, "float_digits": FLOAT_DIGITS, "huge": HUGE, "huge_spaces": HUGE_SPACES,
    "control": CONTROL, "nan": NAN, "infinity": INFINITY, "empty": "", "null": "null", "list": "[1, 2]",
}
PROFILE_COMMANDS = ["decide", "prompt", "report"]


def _one_line(err: str, code: int) -> str:
    lines = err.strip().splitlines()
    assert code == 2, err[-500:]
    assert len(lines) == 1, err[-2000:]
    assert "Traceback" not in err and not re.search(r"\b[A-Z]\w*Error\b", err), err[-2000:]
    assert "\x1b" not in err  # a control character in the input is never echoed raw
    return lines[0]


def _cli(code: int, capsys) -> tuple[str, int]:
    """stderr and the exit code of a `main()` call (called first: argument order)."""
    return capsys.readouterr().err, code


@pytest.fixture
def case_file(tmp_path):
    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / f"{name}.json"
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return path
    return write


@pytest.mark.parametrize("command", PROFILE_COMMANDS)
@pytest.mark.parametrize("name", sorted(TEXT_CASES) + ["binary"])
def test_a_hostile_profile_file_is_one_line(command, name, case_file, capsys):
    path = case_file(name, BINARY if name == "binary" else TEXT_CASES[name])
    code = main([command, "--profile", str(path)])
    out, err = capsys.readouterr()
    line = _one_line(err, code)
    assert line.startswith(f"ft-advisor {command}: error: ") and out == ""


class _Endless(io.RawIOBase):
    """A pipe that never ends: the same bytes forever (like /dev/zero or urandom)."""

    def __init__(self, chunk: bytes) -> None:
        self.chunk = chunk
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = len(b)
        b[:n] = (self.chunk * (n // len(self.chunk) + 1))[:n]
        self.served += n
        return n


def _stdin(raw: io.RawIOBase) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BufferedReader(raw), encoding="utf-8", errors="strict")


@pytest.mark.parametrize("command", PROFILE_COMMANDS)
@pytest.mark.parametrize("chunk", [b"\x00", b"[", b"\xff\x13\x1b", b" "], ids=["zero", "nest", "binary", "spaces"])
def test_an_endless_profile_on_stdin_stops_at_the_cap(command, chunk, monkeypatch, capsys):
    endless = _Endless(chunk)
    monkeypatch.setattr(sys, "stdin", _stdin(endless))
    code = main([command, "--profile", "-"])
    line = _one_line(capsys.readouterr().err, code)
    assert "at most 1 MB" in line
    assert endless.served < 2_000_000  # read up to the cap, not to the end of memory


@pytest.mark.parametrize("name", ["deep", "digits", "control", "nan"])
def test_a_hostile_profile_on_stdin_is_one_line(name, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(TEXT_CASES[name]))
    code = main(["decide", "--profile", "-"])
    _one_line(capsys.readouterr().err, code)


@pytest.mark.parametrize("command", PROFILE_COMMANDS)
@pytest.mark.parametrize("example", ["[" * 9_000 + "]" * 9_000, '{"n": ' + "9" * 9_000 + "}"], ids=["deep", "digits"])
def test_a_hostile_output_example_inside_a_valid_profile_never_raises(command, example, case_file, capsys):
    path = case_file("example", json.dumps({"output_format_example": example, "goals": ["output_format"]}))
    assert main([command, "--profile", str(path)]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_the_size_cap_is_configurable(case_file, monkeypatch, capsys):
    path = case_file("padded", '{"ml_team": "none"}' + " " * 5_000)
    monkeypatch.setenv("FT_ADVISOR_MAX_INPUT_BYTES", "1000")
    line = _one_line(*_cli(main(["decide", "--profile", str(path)]), capsys))
    assert "at most 1,000 bytes" in line
    monkeypatch.setenv("FT_ADVISOR_MAX_INPUT_BYTES", "100000")
    assert main(["decide", "--profile", str(path)]) == 0


@pytest.mark.parametrize("argv", [
    ["estimate", "training", "--model", "llama\x1b]52;c;ZXZpbA==\x07"],
    ["estimate", "training", "--model", "llama-3.1-8b", "--examples", "9" * 5000],
    ["estimate", "training", "--model", "llama-3.1-8b", "--examples", "-" + "9" * 100_000],
    ["estimate", "memory", "--model", "x" * 1_000_000],
    ["estimate", "inference", "--requests-per-month", "1e999999"],
    ["estimate", "compare", "--requests-per-month", "nan"],
    ["estimate", "training", "--model", "\x00\x01\x02"],
])
def test_hostile_estimate_flags_are_one_line(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    line = _one_line(err, code)
    assert line.startswith("ft-advisor estimate") and out == ""


@pytest.mark.parametrize("chunk", [b"\x00", b"a", b"\xff\x00"], ids=["zero", "text", "binary"])
def test_ask_reads_at_most_the_cap_from_stdin(chunk, monkeypatch, capsys):
    endless = _Endless(chunk)
    monkeypatch.setattr(sys, "stdin", _stdin(endless))
    line = _one_line(*_cli(main(["ask", "--offline", "-"]), capsys))
    assert "QUESTION" in line and endless.served < 2_000_000


def test_ask_refuses_binary_on_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", _stdin(io.BytesIO(BINARY)))
    line = _one_line(*_cli(main(["ask", "--offline", "-"]), capsys))
    assert "UTF-8" in line


@pytest.mark.parametrize("chunk", [b"\x00", b"x", b"\xff"], ids=["zero", "text", "binary"])
def test_chat_plain_caps_a_line_without_newline(chunk, monkeypatch, capsys):
    endless = _Endless(chunk)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(endless), encoding="utf-8",
                                                       errors="replace"))
    code = main(["chat", "--plain", "--offline"])
    err = capsys.readouterr().err
    errors = [ln for ln in err.splitlines() if "error:" in ln]
    assert code == 2 and len(errors) == 1 and "lines of at most" in errors[0], err[-1000:]
    assert "Traceback" not in err and endless.served < 3_000_000


def test_app_without_a_terminal_is_one_line(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    line = _one_line(*_cli(main(["app"]), capsys))
    assert "chat --plain" in line
    assert _one_line(*_cli(main(["--offline"]), capsys)) == line


# -- the same, in a real process with bounded memory ----------------------------------

def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _run(tmp_path: Path, argv: list[str], stdin) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "FT_ADVISOR_DATA_DIR": str(tmp_path / "data"), "FT_ADVISOR_CONFIG": str(tmp_path / "config.toml"),
           "LITELLM_LOCAL_MODEL_COST_MAP": "True", "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "tui.cli", *argv], stdin=stdin, capture_output=True,
                          env=env, cwd=tmp_path, preexec_fn=_limit_memory, timeout=NET)


@pytest.mark.parametrize("argv, source", [
    (["decide", "--profile", "/dev/zero"], None),
    (["decide", "--profile", "-"], "/dev/zero"),
    (["report", "--profile", "-"], "/dev/urandom"),
    (["prompt", "--profile", "/dev/urandom"], None),
    (["ask", "--offline", "-"], "/dev/zero"),
    (["ask", "--offline", "-"], "/dev/urandom"),
    (["chat", "--plain", "--offline"], "/dev/zero"),
    (["app"], "/dev/zero"),
])
def test_endless_devices_end_in_one_line_within_bounded_memory(tmp_path, argv, source):
    with open(source or os.devnull, "rb") as stdin:
        done = _run(tmp_path, argv, stdin)
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2, err[-2000:]
    assert "Traceback" not in err and "MemoryError" not in err
    assert sum("error:" in ln for ln in err.splitlines()) == 1


@pytest.mark.parametrize("command", PROFILE_COMMANDS)
@pytest.mark.parametrize("name", ["deep", "deep_object", "digits", "huge", "binary", "nan"])
def test_hostile_files_in_a_process_with_bounded_memory(tmp_path, command, name):
    path = tmp_path / "case.json"
    path.write_bytes(BINARY if name == "binary" else TEXT_CASES[name].encode())
    done = _run(tmp_path, [command, "--profile", str(path)], subprocess.DEVNULL)
    _one_line(done.stderr.decode("utf-8", "replace"), done.returncode)


def test_chat_plain_with_an_unwritable_store_goes_on_and_says_it_did_not_save(tmp_path, monkeypatch, capsys):
    (tmp_path / "store").write_text("a file where the folder should be")
    monkeypatch.setenv("FT_ADVISOR_DATA_DIR", str(tmp_path / "store"))
    monkeypatch.setattr(sys, "stdin", io.StringIO("We want a support bot.\nWe have 20,000 labeled tickets.\n"))
    assert main(["chat", "--plain", "--offline"]) == 0
    out, err = capsys.readouterr()
    assert err.count("cannot be saved") == 1 and "consultation not saved" in err
    assert "consultation saved" not in err and "Traceback" not in err and out
