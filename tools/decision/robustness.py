"""How much the recommendation depends on what is not known: robustness (the share
of variations of the uncertain assumptions and defaulted inputs that keep it),
sensitivity of each option's total (a tornado per assumption) and the request volume
at which each fine-tune option becomes cheaper than the best prompting option."""
from __future__ import annotations

import math
from typing import Any, Callable

from tools.decision.options import (DEFAULT_OUTPUT_TOKENS, DEFAULT_PROMPT_TOKENS, DEFAULT_REQUESTS, Knobs,
                                    cheapest, describe, knob_ranges, options_for, price, specs)
from tools.decision.vocabulary import FIELD_LABELS

#: Inputs that are uncertain while defaulted: varied to half and twice the default.
DEFAULTED = {"requests_per_month": DEFAULT_REQUESTS, "prompt_tokens": DEFAULT_PROMPT_TOKENS,
             "output_tokens": DEFAULT_OUTPUT_TOKENS}
FINE_TUNE = ("lora", "full_fine_tune")


def _key(ev: Any) -> str | None:
    return ev.recommended.id if ev.recommended else None


def robustness(profile: dict[str, Any], base_ev: Any, evaluate: Callable[..., Any]) -> dict[str, Any]:
    """Vary each assumption to the ends of its documented range, and each defaulted
    input to half and twice its default; the share of variations that keep the
    recommended option (its strategy at least) is the confidence."""
    base = _key(base_ev)
    base_strategy = base_ev.core.strategy
    ranges = knob_ranges()
    trials: list[tuple[str, str, Any]] = []
    for name, (low, high, what) in ranges.items():
        for value in (low, high):
            trials.append((name, what, evaluate(profile, Knobs(**{name: value}))))
    for field, default in DEFAULTED.items():
        if field not in profile:
            for factor in (0.5, 2.0):
                trials.append((field, f"{FIELD_LABELS[field]} (not given; {default:,} assumed)",
                               evaluate({**profile, field: int(default * factor)})))
    kept = 0.0
    flips: dict[str, int] = {}
    whats: dict[str, tuple[str, Any]] = {}
    for name, what, ev in trials:
        if _key(ev) == base:
            kept += 1
        else:
            # The same strategy on another model or serving half counts.
            kept += 0.5 if ev.core.strategy == base_strategy else 0.0
            flips[name] = flips.get(name, 0) + 1
            whats[name] = (what, ev)
    share = kept / len(trials) if trials else 1.0
    most = None
    if flips:
        name = max(flips, key=lambda k: (flips[k], k))
        what, ev = whats[name]
        then = describe(ev.recommended) if ev.recommended else ev.core.strategy
        most = {"assumption": name, "text": f"The {what} changes it most often: at one end of its range the "
                                            f"recommendation becomes {then}."}
    return {"share": round(share, 3), "variations": len(trials), "most_flips": most}


def sensitivity(ev: Any) -> dict[str, list[dict[str, Any]]]:
    """Per usable option (and the recommended one), the 12-month-style total at each end of
    each assumption's range, sorted by swing."""
    out: dict[str, list[dict[str, Any]]] = {}
    by_id = {s_id: s for s_id, s in ((_spec_id(s), s) for s in specs(ev.case))}
    shown = [o for o in ev.options if o.meets_constraints][:8]
    if ev.recommended is not None and ev.recommended not in shown:
        shown.append(ev.recommended)
    ranges = knob_ranges()
    for option in shown:
        spec = by_id.get(option.id)
        if spec is None:
            continue
        rows = []
        for name, (low, high, what) in ranges.items():
            lo_total = price(spec, ev.case, Knobs(**{name: low})).total_usd
            hi_total = price(spec, ev.case, Knobs(**{name: high})).total_usd
            rows.append({"assumption": name, "label": what, "low_total_usd": round(min(lo_total, hi_total), 2),
                         "high_total_usd": round(max(lo_total, hi_total), 2)})
        rows.sort(key=lambda r: -(r["high_total_usd"] - r["low_total_usd"]))
        out[option.id] = rows
    return out


def _spec_id(spec: Any) -> str:
    return f"{spec.strategy}:{spec.model}:{spec.serving}" + (":distilled" if spec.teacher else "")


def break_even_volume(ev: Any, evaluate: Callable[..., Any], profile: dict[str, Any]) -> dict[str, float | None]:
    """Requests a month at which each usable fine-tune option's total over the horizon
    falls to the best prompting option's (None: not between 1 and 10 billion)."""
    case = ev.case
    out: dict[str, float | None] = {}
    import dataclasses

    def gap(option_id: str, requests: float) -> float | None:
        opts = options_for(dataclasses.replace(case, requests=requests))
        mine = next((o for o in opts if o.id == option_id), None)
        best = cheapest(opts, "prompt_engineering")
        if mine is None or best is None:
            return None
        return mine.total_usd - best.total_usd

    for option in ev.options:
        if option.strategy not in FINE_TUNE or not option.meets_constraints:
            continue
        lo, hi = 1.0, 1e10
        g_lo, g_hi = gap(option.id, lo), gap(option.id, hi)
        if g_lo is None or g_hi is None:
            out[option.id] = None
            continue
        if g_lo <= 0:
            out[option.id] = lo
            continue
        if g_hi > 0:
            out[option.id] = None
            continue
        for _ in range(40):
            mid = math.sqrt(lo * hi)
            if gap(option.id, mid) <= 0:
                hi = mid
            else:
                lo = mid
            if hi / lo < 1.01:
                break
        out[option.id] = float(round(hi))
    return out
