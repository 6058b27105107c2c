"""How much the recommendation depends on what is not known: robustness (the share
of variations of the uncertain assumptions and defaulted inputs that keep it),
sensitivity of each option's total (a tornado per assumption) and the request volume
at which each fine-tune option becomes cheaper than the best prompting option."""
from __future__ import annotations

import math
from typing import Any, Callable

from tools.decision.options import (DEFAULT_OUTPUT_TOKENS, DEFAULT_PROMPT_TOKENS, DEFAULT_REQUESTS, Knobs,
                                    describe, knob_ranges, price, specs)
from tools.decision.vocabulary import FIELD_LABELS

#: Inputs that are uncertain while defaulted: varied to half and twice the default.
DEFAULTED = {"requests_per_month": DEFAULT_REQUESTS, "prompt_tokens": DEFAULT_PROMPT_TOKENS,
             "output_tokens": DEFAULT_OUTPUT_TOKENS}
FINE_TUNE = ("lora", "full_fine_tune")
#: Low (0) or high (1) end per assumption, in knob_ranges() order: all low, all high and
#: six balanced mixes.
MIXED = ("000000", "111111", "010101", "101010", "001111", "110000", "011001", "100110")


def _key(ev: Any) -> str | None:
    return ev.recommended.id if ev.recommended else None


def robustness(profile: dict[str, Any], base_ev: Any, evaluate: Callable[..., Any]) -> dict[str, Any]:
    """Vary each assumption to the ends of its documented range (one at a time and in
    fixed mixes), and each defaulted input to half and twice its default. Variations
    that change neither the recommendation nor its cost tell nothing and are not
    counted; of the rest, the share that keeps the recommended option (half for the
    same strategy on another model or serving) is the confidence."""
    base = _key(base_ev)
    base_strategy = base_ev.core.strategy
    ranges = knob_ranges()
    trials: list[tuple[str, str, Any]] = []
    for name, (low, high, what) in ranges.items():
        for value in (low, high):
            trials.append((name, what, evaluate(profile, Knobs(**{name: value}))))
    # Mixed variations: every assumption at one end of its range at once, in patterns
    # fixed in advance (deterministic), so that assumptions that pull together count.
    names = list(ranges)
    for pattern in MIXED:
        values = {n: ranges[n][0] if bit == "0" else ranges[n][1] for n, bit in zip(names, pattern)}
        trials.append(("mixed", "combination of the assumptions above", evaluate(profile, Knobs(**values))))
    for field, default in DEFAULTED.items():
        if field not in profile:
            for factor in (0.5, 2.0):
                trials.append((field, f"{FIELD_LABELS[field]} (not given; {default:,} assumed)",
                               evaluate({**profile, field: int(default * factor)})))
    kept = 0.0
    counted = 0
    flips: dict[str, int] = {}
    whats: dict[str, tuple[str, Any]] = {}
    base_total = base_ev.recommended.total_usd if base_ev.recommended else 0.0
    for name, what, ev in trials:
        same = _key(ev) == base
        mine = next((o.total_usd for o in ev.options if o.id == base), None)
        if same and mine is not None and abs(mine - base_total) <= 1e-9 * max(1.0, base_total):
            continue  # this variation does not touch the recommendation's costs: it tells nothing
        counted += 1
        if same:
            kept += 1
        else:
            # The same strategy on another model or serving half counts.
            kept += 0.5 if ev.core.strategy == base_strategy else 0.0
            flips[name] = flips.get(name, 0) + 1
            whats[name] = (what, ev)
    share = kept / counted if counted else 1.0
    most = None
    single = {k: v for k, v in flips.items() if k != "mixed"}
    if single:
        name = max(single, key=lambda k: (single[k], k))
        what, ev = whats[name]
        then = describe(ev.recommended) if ev.recommended else ev.core.strategy
        most = {"assumption": name, "text": f"The {what} changes it most often: at one end of its range the "
                                            f"recommendation becomes {then}."}
    return {"share": round(share, 3), "variations": counted, "most_flips": most}


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
    falls to the best prompting option's (None: not between 1 and 10 billion). Only the
    options compared are re-priced at each volume."""
    import dataclasses

    case = ev.case
    all_specs = specs(case)
    by_id = {_spec_id(s): s for s in all_specs}
    prompting = [s for s in all_specs if s.strategy == "prompt_engineering"]
    tried = profile.get("tried") or []

    def gap(spec: Any, requests: float) -> float | None:
        at = dataclasses.replace(case, requests=requests)
        mine = price(spec, at)
        rivals = [o for o in (price(s, at) for s in prompting) if o.meets_constraints
                  and not any(t in tried for t in o.techniques if t in ("smaller_model", "distillation"))]
        if not rivals:
            return None
        return mine.total_usd - min(o.total_usd for o in rivals)

    out: dict[str, float | None] = {}
    for option in ev.options:
        spec = by_id.get(option.id)
        if option.strategy not in FINE_TUNE or not option.meets_constraints or spec is None:
            continue
        lo, hi = 1.0, 1e10
        g_lo, g_hi = gap(spec, lo), gap(spec, hi)
        if g_lo is None or g_hi is None:
            out[option.id] = None
        elif g_lo <= 0:
            out[option.id] = lo
        elif g_hi > 0:
            out[option.id] = None
        else:
            while hi / lo > 1.02:
                mid = math.sqrt(lo * hi)
                lo, hi = (lo, mid) if (gap(spec, mid) or 0.0) <= 0 else (mid, hi)
            out[option.id] = float(round(hi, -max(0, int(math.log10(hi)) - 1)))
    return out
