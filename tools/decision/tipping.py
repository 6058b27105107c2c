"""Tipping points: for each number or ordered choice the decision reads (set or
defaulted), the nearest value up and down at which the recommended option changes,
found by searching the deterministic engine (a geometric scan, then log-scale
bisection for counts), and said in words. A flip hidden between two scan points that
flips back is not found; the scan is fine enough for the piecewise-linear costs."""
from __future__ import annotations

import math
from typing import Any, Callable

from tools.decision.options import (DEFAULT_HORIZON, DEFAULT_OUTPUT_TOKENS, DEFAULT_PROMPT_TOKENS,
                                    DEFAULT_REQUESTS, describe)
from tools.decision.vocabulary import DATA_QUALITY, FIELD_LABELS, KNOWLEDGE_CHANGES

#: Count fields: (default when unset, lowest, highest value searched).
COUNTS = {
    "requests_per_month": (DEFAULT_REQUESTS, 1.0, 1e10),
    "labeled_examples": (0, 0.0, 1e8),
    "budget_usd": (None, 1.0, 1e10),
    "horizon_months": (DEFAULT_HORIZON, 1, 120),
    "prompt_tokens": (DEFAULT_PROMPT_TOKENS, 1.0, 1e6),
    "output_tokens": (DEFAULT_OUTPUT_TOKENS, 1.0, 1e6),
}
ORDINALS = {"data_quality": (DATA_QUALITY, "medium"), "knowledge_changes": (KNOWLEDGE_CHANGES, "monthly")}
#: The scan multiplies by SCAN_FACTOR up to SCAN_STEPS times each way (4**5 = 1024-fold).
SCAN_FACTOR = 4.0
SCAN_STEPS = 5
#: Bisection stops when the bracket is this narrow (ratio), well inside 5%.
PRECISION = 1.03
INTEGER_FIELDS = ("requests_per_month", "labeled_examples", "horizon_months", "prompt_tokens", "output_tokens")

Evaluate = Callable[..., Any]


def _key(ev: Any) -> tuple[str | None, str]:
    return (ev.recommended.id if ev.recommended else None), ev.core.strategy


def _value(field: str, x: float) -> Any:
    return int(round(x)) if field in INTEGER_FIELDS else float(x)


def _search(profile: dict[str, Any], field: str, current: float, lo: float, hi: float, up: bool,
            evaluate: Evaluate, base: tuple[str | None, str]) -> tuple[float, Any] | None:
    """The nearest value beyond `current` (up or down) that changes the outcome, with
    the evaluation there."""
    def at(x: float) -> Any:
        return evaluate({**profile, field: _value(field, x)})

    last = current
    step = SCAN_FACTOR
    found = None
    if field == "horizon_months":
        candidates = [current + k if up else current - k for k in (1, 2, 3, 6, 12, 24, 48, 96)]
        candidates = [c for c in candidates if lo <= c <= hi]
    else:
        start = current if current > 0 else (1.0 if up else 0.0)
        candidates = [start * step ** k if up else start / step ** k for k in range(1, SCAN_STEPS + 1)]
        if current == 0 and up:
            candidates = [1.0] + [10.0 * step ** k for k in range(SCAN_STEPS + 3)]
        candidates = [min(max(c, lo), hi) for c in candidates]
    for x in candidates:
        if (up and x <= current) or (not up and x >= current):
            continue
        ev = at(x)
        if _key(ev) != base:
            found = (x, ev)
            break
        last = x
    if found is None:
        return None
    # Bisect between the last unchanged value and the first changed one.
    a, b = last, found[0]
    ev_b = found[1]
    for _ in range(20):
        if field == "horizon_months":
            if abs(b - a) <= 1:
                break
            mid = (a + b) // 2
        else:
            if a > 0 and b > 0 and max(a, b) / min(a, b) < PRECISION:
                break
            if a <= 0 or b <= 0:
                mid = (a + b) / 2
            else:
                mid = math.sqrt(a * b)
            if field in INTEGER_FIELDS and abs(round(mid) - round(b)) < 1:
                break
        ev = at(mid)
        if _key(ev) != base:
            b, ev_b = mid, ev
        else:
            a = mid
    return _value(field, b), ev_b


def _round(x: float) -> str:
    if x >= 100:
        digits = -int(math.floor(math.log10(x))) + 1
        x = round(x, digits)
    return f"{x:,.0f}" if x >= 10 else f"{x:g}"


def _text(field: str, flips_at: Any, up: bool, base_ev: Any, other: Any) -> str:
    name = FIELD_LABELS.get(field, field)
    now = describe(base_ev.recommended, short=True) if base_ev.recommended else base_ev.core.strategy
    then = describe(other.recommended, short=True) if other.recommended else other.core.strategy
    if field in ORDINALS:
        return f"With {name} {flips_at}, the recommendation becomes {then} instead of {now}."
    amount = ("$" + _round(flips_at)) if field == "budget_usd" else _round(float(flips_at))
    unit = {"requests_per_month": " requests a month", "labeled_examples": " labelled examples",
            "horizon_months": " months", "prompt_tokens": " prompt tokens", "output_tokens": " output tokens"}.get(field, "")
    side = "Above" if up else "Below"
    if field == "current_failure_rate":
        return f"{side} a failure rate of about {float(flips_at):.1%}, {then} becomes the better choice than {now}."
    if field == "budget_usd":
        amount_text = f"a budget of about {amount}"
    else:
        amount_text = f"about {amount}{unit}"
    return f"{side} {amount_text}, {then} becomes the better buy than {now}."


def tipping_points(profile: dict[str, Any], base_ev: Any, evaluate: Evaluate) -> list[dict[str, Any]]:
    base = _key(base_ev)
    out: list[dict[str, Any]] = []
    for field, (default, lo, hi) in COUNTS.items():
        current = profile.get(field, default)
        if current is None:
            continue
        for up in (True, False):
            if (up and current >= hi) or (not up and current <= lo):
                continue
            hit = _search(profile, field, float(current), lo, hi, up, evaluate, base)
            if hit is None:
                continue
            flips_at, other = hit
            out.append(_point(field, current, flips_at, up, base_ev, other))
    for field, (levels, default) in ORDINALS.items():
        current = profile.get(field, default)
        i = levels.index(current)
        for up, j in ((True, i + 1), (False, i - 1)):
            if 0 <= j < len(levels):
                other = evaluate({**profile, field: levels[j]})
                if _key(other) != base:
                    out.append(_point(field, current, levels[j], up, base_ev, other))
    if "output_format" in (profile.get("goals") or []) and "current_failure_rate" in profile:
        current = float(profile["current_failure_rate"])
        for up in (True, False):
            a, b = (current, 1.0) if up else (current, 0.0)
            if _key(evaluate({**profile, "current_failure_rate": b})) == base:
                continue
            for _ in range(14):
                mid = (a + b) / 2
                if _key(evaluate({**profile, "current_failure_rate": mid})) != base:
                    b = mid
                else:
                    a = mid
            other = evaluate({**profile, "current_failure_rate": b})
            out.append(_point("current_failure_rate", current, round(b, 4), up, base_ev, other))
    out.sort(key=lambda t: _distance(t))
    return out


def _distance(point: dict[str, Any]) -> float:
    cur, at = point["current"], point["flips_at"]
    if isinstance(cur, (int, float)) and isinstance(at, (int, float)) and cur > 0 and at > 0:
        return abs(math.log(at / cur))
    return 1.0


def _point(field: str, current: Any, flips_at: Any, up: bool, base_ev: Any, other: Any) -> dict[str, Any]:
    return {"field": field, "current": current, "flips_at": flips_at, "direction": "up" if up else "down",
            "to_option": other.recommended.id if other.recommended else None,
            "to_strategy": other.core.strategy, "text": _text(field, flips_at, up, base_ev, other)}
