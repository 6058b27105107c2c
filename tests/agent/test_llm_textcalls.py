"""Tool calls written as text (JSON, Qwen/Hermes <tool_call>, Mistral [TOOL_CALLS])."""
from __future__ import annotations

import json

import pytest

from agent.textcalls import TextCallFilter, parse

KNOWN = {"decide", "update_profile", "estimate_training"}


@pytest.mark.parametrize("text", [
    '{"name": "update_profile", "arguments": {"labeled_examples": 5000}}',
    '```json\n{"name": "update_profile", "parameters": {"labeled_examples": 5000}}\n```',
    '<tool_call>\n{"name": "update_profile", "arguments": {"labeled_examples": 5000}}\n</tool_call>',
    '[TOOL_CALLS][{"name": "update_profile", "arguments": {"labeled_examples": 5000}}]',
    '[TOOL_CALLS]update_profile[ARGS]{"labeled_examples": 5000}',
    '{"tool_calls": [{"function": {"name": "update_profile", "arguments": "{\\"labeled_examples\\": 5000}"}}]}',
])
def test_each_format_gives_the_same_call(text):
    prose, calls = parse(text, KNOWN)
    assert prose == "" and [c.name for c in calls] == ["update_profile"]
    assert json.loads(calls[0].arguments) == {"labeled_examples": 5000}


def test_prose_around_blocks_is_kept_and_several_calls_are_read():
    text = ('Let me record that.\n<tool_call>{"name": "update_profile", "arguments": {"budget_usd": 1}}</tool_call>'
            '\n<tool_call>{"name": "decide", "arguments": {}}</tool_call>')
    prose, calls = parse(text, KNOWN)
    assert prose == "Let me record that." and [c.name for c in calls] == ["update_profile", "decide"]


@pytest.mark.parametrize("text", [
    '{"strategy": "rag", "cost": 5}',                      # a JSON answer, not a call
    '{"name": "rm_rf", "arguments": {}}',                  # not one of our tools
    "Use RAG: your documents change weekly.",
    '<tool_call>{"name": "decide", "arguments": </tool_call>',  # broken JSON
])
def test_answers_that_are_not_calls_stay_answers(text):
    prose, calls = parse(text, KNOWN)
    assert calls == [] and prose == text


def feed_all(pieces):
    f = TextCallFilter(KNOWN)
    shown = "".join(f.feed(p) for p in pieces)
    rest, calls, visible = f.finish()
    return shown, rest, calls, visible


def test_the_filter_never_shows_markup_even_split_across_pieces():
    text = 'Recording it. <tool_call>{"name": "decide", "arguments": {}}</tool_call>'
    pieces = [text[i:i + 3] for i in range(0, len(text), 3)]
    shown, rest, calls, visible = feed_all(pieces)
    assert "<" not in shown and shown.startswith("Recording it.")
    assert [c.name for c in calls] == ["decide"] and visible.strip() == "Recording it."


def test_the_filter_holds_a_possible_json_call_then_releases_a_plain_answer():
    shown, rest, calls, visible = feed_all(['{"strategy"', ': "rag"}'])
    assert shown == "" and calls == [] and rest == '{"strategy": "rag"}' == visible
    shown, rest, calls, visible = feed_all(["Plain ", "answer."])
    assert shown == "Plain answer." and rest == "" and calls == []
