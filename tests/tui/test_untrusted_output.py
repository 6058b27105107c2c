"""Untrusted text on its way to a terminal: a model's escape sequences never reach it
raw, and no key reaches stdout or stderr, streamed or not."""
from __future__ import annotations

import io
import sys

import pytest

from agent.events import Notice, TextDelta, ToolCall, TurnDone
from agent.rule_advisor import RuleAdvisor
from tools.secrets import register_secret
from tui.cli import main
from tui.terminal import ScrubbingWriter, neutralise

HOSTILE = [
    "\x1b]52;c;ZXZpbA==\x07",          # clipboard write
    "\x1b]52;c;ZXZpbA==\x1b\\",         # ... with the ST terminator
    "\x1b[2J\x1b[H",                    # clear the screen
    "\x1b]0;pwned title\x07",           # window title
    "\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\",  # hyperlink
    "\x9b31m", "\x9d0;title\x07",       # 8-bit CSI and OSC
    "\x1bP1$r\x1b\\", "\x07\x08\x7f\r",  # DCS, bell, backspace, DEL, carriage return
]
KEY = "sk-ant-api03-" + "Q" * 40
GOOGLE = "AIza" + "x" * 35


@pytest.mark.parametrize("sequence", HOSTILE)
def test_neutralise_leaves_nothing_a_terminal_acts_on(sequence):
    out = neutralise(f"before {sequence} after\tend\n")
    assert not any(ord(ch) < 32 and ch not in "\t\n" or 0x7f <= ord(ch) <= 0x9f for ch in out)
    assert out.startswith("before ") and out.endswith("after\tend\n")


def test_neutralise_holds_when_a_sequence_is_split_across_chunks():
    chunks = ["safe \x1b", "]52;c;ZXZp", "bA==\x07 text"]
    assert "\x1b" not in "".join(neutralise(c) for c in chunks)


@pytest.mark.parametrize("secret", [KEY, GOOGLE, "gsk_" + "a" * 30, "hf_" + "b" * 30, "xai-" + "c" * 30])
@pytest.mark.parametrize("size", [1, 3, 7, 1000])
def test_a_key_streamed_in_pieces_never_reaches_the_stream(secret, size):
    sink = io.StringIO()
    writer = ScrubbingWriter(sink)
    text = f"Your key is {secret}, keep it safe. Done"
    for i in range(0, len(text), size):
        writer.write(text[i:i + size])
        writer.flush()  # every delta is flushed, as the CLI does
        assert secret[:12] not in sink.getvalue()
    writer.drain()
    assert sink.getvalue() == "Your key is [redacted], keep it safe. Done"


def test_the_configured_key_is_scrubbed_whatever_its_shape(monkeypatch):
    monkeypatch.setattr("tools.secrets._KNOWN_SECRETS", set())
    register_secret("zz-local-proxy-key-123456")
    sink = io.StringIO()
    writer = ScrubbingWriter(sink)
    for ch in "the key zz-local-proxy-key-123456 works":
        writer.write(ch)
        writer.flush()
    writer.drain()
    assert "zz-local-proxy-key-123456" not in sink.getvalue()


def test_ordinary_text_passes_unchanged_and_is_not_held_long():
    sink = io.StringIO()
    writer = ScrubbingWriter(sink)
    writer.write("LoRA costs $1,200 a month.\n")
    writer.flush()
    assert sink.getvalue() == "LoRA costs $1,200 a month.\n"


def _hostile_advisor(monkeypatch):
    async def respond(self, consultation, user_text):
        consultation.messages.append({"role": "user", "content": user_text})
        yield ToolCall("1", "estimate_training", {"model": "llama" + HOSTILE[0], "note": f"key {KEY}"})
        yield Notice("notice " + HOSTILE[2])
        for piece in ("Here ", "is ", "the ", "answer", HOSTILE[0], HOSTILE[1], " and ", "your key ",
                      KEY[:5], KEY[5:20], KEY[20:], " ok", HOSTILE[3], HOSTILE[5], "\n"):
            yield TextDelta(piece)
        consultation.messages.append({"role": "assistant", "content": "done"})
        yield TurnDone()

    monkeypatch.setattr(RuleAdvisor, "respond", respond)


def _clean(stream: str) -> None:
    assert "\x1b" not in stream and "\x07" not in stream and "\x9b" not in stream
    assert KEY not in stream and KEY[:16] not in stream


def test_ask_neutralises_the_model_and_scrubs_keys(monkeypatch, capsys):
    _hostile_advisor(monkeypatch)
    assert main(["ask", "--offline", "what now?"]) == 0
    out, err = capsys.readouterr()
    _clean(out)
    _clean(err)
    assert "Here is the answer" in out and "[redacted]" in out


def test_chat_plain_neutralises_the_model_and_scrubs_keys(monkeypatch, capsys):
    _hostile_advisor(monkeypatch)
    monkeypatch.setattr(sys, "stdin", io.StringIO("hello\n"))
    assert main(["chat", "--plain", "--offline"]) == 0
    out, err = capsys.readouterr()
    _clean(out)
    _clean(err)
    assert "Here is the answer" in out
