"""Grounded figures: every figure in a model's answer is checked against what the
engine and the tools computed (and what the user said), allowing for the rounding and
the suffixes people write ("$12.3k" is 12,300; "47%" is a confidence of 0.47).

A figure nothing backs came from the model, not from the cost models: it is listed as
unverified, and the front ends mark it. Arithmetic on tool results (a sum, a yearly
figure from a monthly one) is unverified on purpose: the model is told never to do it.

What counts as a figure: money ($, USD), percentages, quantities with a unit (GPU-hours,
GB, tokens, months, ...), numbers with a k/M/B suffix, and bare numbers of 10 or more.
Not figures: list numbers ("1."), parts of names and versions (gpt-4o, llama-3.1-8b,
H100, 24/7), years, and small bare counts ("two options", "3 steps"), which carry no cost.
"""
from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass
from typing import Any, Iterable

_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9,
          "billion": 1e9}
_UNITS = (r"GPU[- ]?hours?|GPU[- ]?h\b|hours?|hrs?|GB|GiB|TB|MB|tokens?|months?|weeks?|days?|"
          r"examples?|requests?|calls?|documents?|users?|engineers?|GPUs?")
_FIGURE = re.compile(
    r"(?<![\w.\-/])(?<!\d/)"
    r"(?P<cur>\$|USD\s?|US\$)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<suf>[kKmMbB]n?|thousand|million|billion)(?![\w]))?"
    r"(?P<pct>\s?%|\s?percent\b)?"
    r"(?:\s?(?P<usd>USD|dollars)\b)?"
    r"(?:[\s-]?(?P<unit>" + _UNITS + r"))?"
    r"(?![\w]|[.\-/]\d)",
    re.IGNORECASE,
)
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]\s+)?\d+[.)]\s", re.MULTILINE)


@dataclass(frozen=True)
class Figure:
    #: The figure as written ("$12.3k", "95%").
    text: str
    #: Its value in plain units (12300.0, 95.0).
    value: float
    #: "usd", "pct" or "number".
    kind: str
    #: Half the last written digit: how far the true value may be and still round to it.
    tolerance: float


def figures_in(text: str, *, all_numbers: bool = False) -> list[Figure]:
    """The figures written in `text`, in order. With `all_numbers`, small bare numbers,
    years and list markers count too (for the known side, where more is harmless)."""
    skip = set() if all_numbers else {m.end() - 1 for m in _LIST_MARKER.finditer(text)}
    out: list[Figure] = []
    for m in _FIGURE.finditer(text):
        raw = m["num"]
        suffix = (m["suf"] or "").lower()
        money = bool(m["cur"] or m["usd"])
        if suffix == "b" and not money and m["suf"] == "B" and not all_numbers:
            continue  # "8B": a parameter count, part of a model's name
        if suffix and suffix not in _SCALE:
            continue
        scale = _SCALE.get(suffix, 1.0)
        number = float(raw.replace(",", ""))
        value = number * scale
        kind = "usd" if money else "pct" if m["pct"] else "number"
        if not all_numbers:
            if m.start("num") + len(raw) - 1 in skip or _is_list_number(text, m):
                continue
            bare = kind == "number" and not suffix and not m["unit"]
            if bare and (number < 10 or (1900 <= number <= 2100 and "," not in raw and "." not in raw)):
                continue
        out.append(Figure(m.group(0).strip(), value, kind, _tolerance(raw, scale)))
    return out


def _is_list_number(text: str, m: re.Match[str]) -> bool:
    line_start = text.rfind("\n", 0, m.start()) + 1
    before = text[line_start:m.start()].strip()
    after = text[m.end():m.end() + 2]
    return before in ("", "-", "*", "+") and after[:1] in (".", ")") and after[1:2] in (" ", "")


def _tolerance(raw: str, scale: float) -> float:
    """Half a unit of the last written digit: "12.3" -> 0.05, "130" -> 5, "17,000" -> 500.
    Trailing zeros of a whole number are read as rounding, to two significant digits at
    most ("200k" may stand for 195k, not for 160k)."""
    digits = raw.replace(",", "")
    if "." in digits:
        step = 10.0 ** -len(digits.split(".")[1])
    else:
        zeros = len(digits) - len(digits.rstrip("0")) if digits.strip("0") else 0
        step = 10.0 ** max(0, min(zeros, len(digits) - 2))
    return step * scale / 2


class Known:
    """The numbers an answer may quote: tool results, the context block, the user's words."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self._sorted: list[float] | None = None

    def add_text(self, text: str) -> None:
        self.values.extend(f.value for f in figures_in(text, all_numbers=True))
        self._sorted = None

    def add_data(self, data: Any) -> None:
        """Every number in a JSON-like value, and every figure in its strings."""
        texts: list[str] = []
        self._walk(data, texts)
        self.add_text("\n".join(texts))  # one scan: the regex's cost is per call as much as per character

    def _walk(self, data: Any, texts: list[str]) -> None:
        if isinstance(data, bool) or data is None:
            return
        if isinstance(data, (int, float)):
            if math.isfinite(data):
                self.values.append(float(data))
                self._sorted = None
        elif isinstance(data, str):
            texts.append(data)
        elif isinstance(data, dict):
            for value in data.values():
                self._walk(value, texts)
        elif isinstance(data, (list, tuple)):
            for value in data:
                self._walk(value, texts)

    def backs(self, figure: Figure) -> bool:
        tolerance = figure.tolerance * 1.0001 + 1e-9
        candidates = [figure.value]
        if figure.kind == "pct":
            candidates.append(figure.value / 100)  # a share the tools give as a fraction
        if self._sorted is None:
            self._sorted = sorted(self.values)
        for target in candidates:
            slack = tolerance if target == figure.value else tolerance / 100
            at = bisect.bisect_left(self._sorted, target - slack)
            if at < len(self._sorted) and self._sorted[at] <= target + slack:
                return True
        return False


@dataclass(frozen=True)
class Check:
    figures: tuple[Figure, ...]
    unverified: tuple[Figure, ...]

    @property
    def verified(self) -> int:
        return len(self.figures) - len(self.unverified)

    def unverified_list(self) -> list[dict[str, Any]]:
        """As `ask --json` prints them: [{text, value}]."""
        return [{"text": f.text, "value": f.value} for f in self.unverified]


def check(answer: str, known: Known) -> Check:
    figures = tuple(figures_in(answer))
    return Check(figures, tuple(f for f in figures if not known.backs(f)))


#: How the footnote under an answer begins (front ends recognise it by this).
FOOTNOTE_LEAD = "Not from the cost models (the model's own figures, unchecked)"


def footnote(unverified: Iterable[Figure]) -> str:
    """The line under an answer that names figures no tool computed."""
    names = list(dict.fromkeys(f.text for f in unverified))
    if not names:
        return ""
    return f"_⚠ {FOOTNOTE_LEAD}: " + ", ".join(names) + "._"
