"""Tool calls that a model writes as text instead of using the API's tool calls, as
many local models do when the server's chat template does not turn them into native
calls:

- a JSON object as the whole answer: {"name": "decide", "arguments": {...}} (also
  "parameters" for the arguments, a list of such objects, or {"tool_calls": [...]}),
  bare or in a ```json fence;
- Qwen and Hermes blocks: <tool_call>{"name": ..., "arguments": ...}</tool_call>;
- Mistral: [TOOL_CALLS][{"name": ..., "arguments": ...}] or [TOOL_CALLS]name[ARGS]{...}.

`TextCallFilter` sits on the stream: it holds back text that may be such a call (so
the user never sees the markup) and, at the end, returns the calls and whatever prose
is left. Only names of known tools make a call: a JSON answer is not a tool call.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable

MARKERS = ("<tool_call>", "[TOOL_CALLS]")
_BLOCK = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_FENCE = re.compile(r"^```(?:json|tool_call|tool)?\s*\n?(.*?)\n?```\s*$", re.DOTALL)
_MISTRAL_ARGS = re.compile(r"\s*([A-Za-z_][\w.-]*)\s*\[ARGS\]\s*", re.DOTALL)


@dataclass(frozen=True)
class TextCall:
    name: str
    #: The arguments as a JSON string (what a native call carries).
    arguments: str


def _calls_from_value(value: Any, known: set[str]) -> list[TextCall] | None:
    """Calls from a decoded JSON value, or None when it is not (only) tool calls."""
    if isinstance(value, dict) and isinstance(value.get("tool_calls"), list):
        value = value["tool_calls"]
    items = value if isinstance(value, list) else [value]
    if not items:
        return None
    calls = []
    for item in items:
        if not isinstance(item, dict):
            return None
        if isinstance(item.get("function"), dict):  # the OpenAI wire shape, written out
            item = item["function"]
        name = item.get("name")
        if not isinstance(name, str) or name not in known:
            return None
        args = item.get("arguments", item.get("parameters", {}))
        if isinstance(args, str):
            raw = args
        else:
            raw = json.dumps(args if args is not None else {}, ensure_ascii=False)
        calls.append(TextCall(name, raw))
    return calls


def _decode_all(text: str) -> list[Any] | None:
    """One or more JSON values written one after the other, or None."""
    decoder = json.JSONDecoder()
    values, i, text = [], 0, text.strip()
    while i < len(text):
        try:
            value, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError:
            return None
        values.append(value)
        i = end
        while i < len(text) and text[i] in " \t\r\n,;":
            i += 1
    return values or None


def _calls_from_json_text(text: str, known: set[str]) -> list[TextCall] | None:
    fenced = _FENCE.match(text.strip())
    body = fenced.group(1) if fenced else text
    values = _decode_all(body)
    if values is None:
        return None
    calls: list[TextCall] = []
    for value in values:
        found = _calls_from_value(value, known)
        if found is None:
            return None
        calls.extend(found)
    return calls


def parse(text: str, known: Iterable[str]) -> tuple[str, list[TextCall]]:
    """(the prose left, the calls) from a whole answer; no calls when none is found."""
    names = set(known)
    stripped = text.strip()
    if not stripped:
        return text, []
    if "<tool_call>" in text:
        calls: list[TextCall] = []
        for block in _BLOCK.findall(text):
            found = _calls_from_json_text(block, names)
            if found:
                calls.extend(found)
        if calls:
            return _BLOCK.sub("", text).strip(), calls
    if "[TOOL_CALLS]" in text:
        head, _, rest = text.partition("[TOOL_CALLS]")
        found = _calls_from_json_text(rest, names)
        if found is None:
            found = []
            for part in rest.split("[TOOL_CALLS]"):
                m = _MISTRAL_ARGS.match(part)
                if m and m.group(1) in names:
                    args = _decode_all(part[m.end():])
                    if args and isinstance(args[0], dict):
                        found.append(TextCall(m.group(1), json.dumps(args[0], ensure_ascii=False)))
        if found:
            return head.strip(), found
    if stripped[0] in "{[`":
        found = _calls_from_json_text(stripped, names)
        if found:
            return "", found
    return text, []


class TextCallFilter:
    """Streams text through, holding back what may be a tool call written as text."""

    def __init__(self, known: Iterable[str]) -> None:
        self.known = set(known)
        self.buffer = ""
        self.emitted = 0
        #: The answer's first non-blank character, once seen.
        self.opening: str | None = None

    def feed(self, delta: str) -> str:
        """The part of the text so far that is safe to show now."""
        if self.opening is not None and self.opening not in "{[`" and self.emitted == len(self.buffer) \
                and "<" not in delta and "[" not in delta:
            # Prose with nothing held back and no marker in sight: straight through.
            self.buffer += delta
            self.emitted = len(self.buffer)
            return delta
        self.buffer += delta
        if self.opening is None:
            head = self.buffer.lstrip()
            if not head:
                return ""
            self.opening = head[0]
        if self.opening in "{[`":
            return ""  # possibly a JSON call: decided at the end
        hold = len(self.buffer)
        for marker in MARKERS:
            at = self.buffer.find(marker, self.emitted)
            if at >= 0:
                hold = min(hold, at)
        if hold == len(self.buffer) and ("<" in self.buffer[-12:] or "[" in self.buffer[-12:]):
            # A marker may be arriving in pieces ("<tool_" ...): keep a possible prefix.
            for marker in MARKERS:
                for size in range(min(len(marker) - 1, len(self.buffer)), 0, -1):
                    if self.buffer.endswith(marker[:size]):
                        hold = min(hold, len(self.buffer) - size)
                        break
        hold = max(hold, self.emitted)
        out = self.buffer[self.emitted:hold]
        self.emitted = hold
        return out

    def finish(self) -> tuple[str, list[TextCall], str]:
        """(the text not shown yet that should be shown, the calls, the whole visible text)."""
        shown = self.buffer[:self.emitted]
        rest = self.buffer[self.emitted:]
        prose, calls = parse(rest, self.known)
        if not calls:
            return rest, [], self.buffer
        if prose and shown and not shown.endswith(("\n", " ")):
            prose = " " + prose
        return prose, calls, shown + prose
