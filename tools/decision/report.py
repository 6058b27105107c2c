"""The report a user walks away with: the recommendation and its reasons, warnings,
the cost comparison over the horizon, every assumption with its source, the rules
applied (with the article's words) and the prompt scaffold, as Markdown.

The layout lives in prompts/report.md; this module computes the pieces."""
from __future__ import annotations

from datetime import date
from typing import Any

from tools.decision.decide import Decision, compare_for, decide
from tools.errors import InputError
from tools.decision.profile import FIELDS, validate_profile
from tools.decision.rules import load_rules
from tools.decision.scaffold import build_prompt_scaffold, fill
from tools.units import fmt_assumption as _value, fmt_usd

LABELS = {"prompt_engineering": "Prompt engineering", "rag": "RAG (retrieval-augmented generation)",
          "lora": "LoRA fine-tuning", "full_fine_tune": "Full fine-tuning"}
_ORDER = ("prompt_engineering", "rag", "lora", "full_fine_tune")


def _cell(value: Any) -> str:
    """A value safe inside a Markdown table cell."""
    text = str(value).replace("\n", " ").replace("|", "\\|")
    return text if len(text) <= 300 else text[:297] + "..."


def _table(header: list[str], rows: list[list[Any]], align: list[str] | None = None) -> str:
    align = align or ["---"] * len(header)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _notes(notes: list[dict[str, Any]], empty: str) -> str:
    if not notes:
        return empty
    return "\n".join(f"- {n['text']} _(rule `{n['rule']}`)_" for n in notes)


def _months(horizon: int) -> list[int]:
    picks = [m for m in (1, 3, 6, 12, 18, 24, 36, 48, 60, 90, 120) if m < horizon]
    return picks + [horizon]


def _cost_tables(comparison: dict[str, Any] | None, recommended: str, error: str | None) -> tuple[str, str, str]:
    if not comparison:
        why = error or "the cost models are not installed"
        return f"_No cost comparison: {why}._", "", ""
    strategies = comparison.get("strategies") or {}
    horizon = int(comparison.get("horizon_months") or len(next(iter(strategies.values()))["monthly"]))
    rows = []
    for name in _ORDER:
        s = strategies.get(name)
        if not s:
            continue
        label = LABELS[name] + (" (recommended)" if name == recommended else "")
        rows.append([label, fmt_usd(s["setup_usd"]), fmt_usd(s["monthly_usd"]), fmt_usd(s["total_usd"]),
                     f"{fmt_usd(s['low'])} – {fmt_usd(s['high'])}", s.get("serving", "")])
    costs = _table(["strategy", "set-up", "per month", f"total over {horizon} months", "range", "serving"],
                   rows, ["---", "---:", "---:", "---:", "---:", "---"])
    months = _months(horizon)
    names = [n for n in _ORDER if n in strategies]
    cumulative = _table(["month"] + [LABELS[n].split(" (")[0] for n in names],
                        [[m] + [fmt_usd(strategies[n]["monthly"][m - 1]) for n in names] for m in months],
                        ["---:"] * (len(names) + 1))
    be = comparison.get("break_even") or {}
    month = comparison.get("break_even_month")
    if be.get("strategy") and be.get("versus"):
        who = f"{LABELS[be['strategy']]} against {LABELS[be['versus']]}"
        text = (f"Break-even: {who} pays for itself in month {month}." if month else
                f"Break-even: {who} does not pay for itself within {horizon} months.")
    else:
        text = f"Break-even month: {month if month else 'none within the horizon'}."
    return costs, cumulative, text


def _missing(missing: list[dict[str, Any]]) -> str:
    if not missing:
        return "Nothing: every fact the rules read is known."
    lines = []
    for q in missing:
        choices = "; ".join(c["label"] for c in q["choices"]) or "free text"
        lines.append(f"- **{q['field']}** ({q['why']}): {q['question']} _Choices: {choices}._")
    return "\n".join(lines)


def _profile_table(profile: dict[str, Any]) -> str:
    if not profile:
        return "_Empty: nothing is known about the case yet._"
    rows = []
    for name in FIELDS:
        if name in profile:
            value = profile[name]
            if isinstance(value, list):
                value = ", ".join(map(str, value)) or "(none)"
            elif isinstance(value, bool):
                value = "yes" if value else "no"
            elif isinstance(value, (int, float)) and name == "budget_usd":
                value = fmt_usd(value)
            elif isinstance(value, int):
                value = f"{value:,}"
            rows.append([name, value])
    return _table(["field", "value"], rows)


def _assumptions(comparison: dict[str, Any] | None, profile: dict[str, Any]) -> str:
    book = load_rules()
    rows: list[list[Any]] = [[name, _value(name, value), "you (case profile)"]
                             for name, value in profile.items() if name not in ("use_case", "output_format_example")]
    for name, value in book.params.items():
        rows.append([name.replace("_", " "), _value(name, value), book.param_sources.get(name, "")])
    for a in (comparison or {}).get("assumptions") or []:
        rows.append([a.get("name", ""), _value(a.get("name", ""), a.get("value")), a.get("source", "")])
    return _table(["assumption", "value", "source"], rows)


def _rules(decision: dict[str, Any]) -> str:
    book = load_rules()
    lines = []
    for rule_id in decision.get("rules", []):
        rule = book.get(rule_id)
        lines.append(f"- `{rule.id}` ({rule.kind}): \u201c{rule.passage}\u201d")
    return "\n".join(lines) if lines else "_No rule fired: too little is known yet._"


def build_report(profile: dict[str, Any], *, today: date | None = None, decision: Decision | None = None,
                 title: str | None = None) -> str:
    """The Markdown report for a case profile."""
    profile = validate_profile(profile)
    today = today or date.today()
    decision = decision or decide(profile, today=today)
    data = decision.to_dict()
    comparison, error = None, None
    try:
        comparison = compare_for(profile, today)
    except InputError as exc:
        error = str(exc)
    costs_table, cumulative, break_even = _cost_tables(comparison, data["strategy"], error)
    warnings = list(data["warnings"]) + [{"rule": "costs", "text": w} for w in (comparison or {}).get("warnings", [])]
    complements = data["complements"]
    scaffold = build_prompt_scaffold(profile, strategy=data["strategy"])
    use_case = (profile.get("use_case") or "").strip()
    # One line, whatever was typed: a newline in a title would end the Markdown heading.
    heading = " ".join((title or "").split()) or (use_case.splitlines()[0][:80] if use_case else "")
    body = fill(
        "report.md",
        title=f": {heading}" if heading else "",
        date=today.isoformat(),
        strategy=LABELS[data["strategy"]],
        complements=(", with " + " and ".join(LABELS[c] for c in complements) + " beside it") if complements else "",
        justified="yes" if data["fine_tune_justified"] else "no",
        confidence=f"{data['confidence']:.0%}",
        alternative=LABELS[data["alternative"]],
        reasons=_notes(data["reasons"], "_No rule gave a reason yet: tell ft-advisor more about the case._"),
        warnings=_notes(warnings, "None."),
        horizon=(comparison or {}).get("horizon_months", profile.get("horizon_months", 12)),
        costs_table=costs_table,
        cumulative_table=cumulative,
        break_even=break_even,
        missing=_missing(data["missing"]),
        profile_table=_profile_table(profile),
        assumptions=_assumptions(comparison, profile),
        rules=_rules(data),
        scaffold=_demote(scaffold, 2),
    )
    return _insert_options(body, data) + "\n"


def _insert_options(body: str, data: dict[str, Any]) -> str:
    """The options, plan, tipping points, sensitivity and break-even by volume, placed
    before the cost comparison."""
    section = options_section(data)
    marker = "\n## Cost comparison"
    at = body.find(marker)
    return body[:at] + "\n" + section + "\n" + body[at:] if at >= 0 else body + "\n\n" + section


def _demote(markdown: str, levels: int) -> str:
    """Push the scaffold's headings down so that they nest under the report's."""
    out, fenced = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        out.append("#" * levels + line if line.startswith("#") and not fenced else line)
    return "\n".join(out)


def options_section(data: dict[str, Any]) -> str:
    horizon = (data.get("costs") or {}).get("horizon_months", 12)
    parts = ["## Options priced", ""]
    rows = []
    for o in data.get("options") or []:
        mark = " **(recommended)**" if o["id"] == data.get("recommended") else ""
        fits = {True: "yes", False: "no", None: "-"}[o["within_budget"]]
        rows.append([o["label"] + mark, fmt_usd(o["setup_usd"]), fmt_usd(o["monthly_usd"]), fmt_usd(o["total_usd"]),
                     f"{fmt_usd(o['low'])} – {fmt_usd(o['high'])}", fits, "yes" if o["meets_constraints"] else "no",
                     "; ".join(o["notes"])])
    parts.append(_table(["option", "set-up", "per month", f"total over {horizon} months", "range", "fits budget",
                         "meets constraints", "notes"], rows,
                        ["---", "---:", "---:", "---:", "---:", "---", "---", "---"]))
    parts += ["", "## Plan", ""]
    parts += [f"{i}. {s['step']} _Go on when: {s['gate']}._" for i, s in enumerate(data.get("plan") or [], 1)]
    parts += ["", "## Where the answer flips", ""]
    points = data.get("tipping_points") or []
    parts += [f"- {p['text']}" for p in points] or ["- No input within a thousandfold of its value changes it."]
    robust = data.get("robustness") or {}
    parts.append("")
    parts.append(f"Robustness (the confidence): {robust.get('share', 1.0):.0%} of {robust.get('variations', 0)} "
                 "variations of the uncertain assumptions keep the recommendation."
                 + (" " + robust["most_flips"]["text"] if robust.get("most_flips") else ""))
    parts += ["", "## Sensitivity of the totals", ""]
    rows = []
    for option_id, entries in (data.get("sensitivity") or {}).items():
        for e in entries[:3]:
            rows.append([option_id, e.get("label", e["assumption"]), fmt_usd(e["low_total_usd"]),
                         fmt_usd(e["high_total_usd"])])
    parts.append(_table(["option", "assumption", "total at low end", "total at high end"], rows,
                        ["---", "---", "---:", "---:"]) if rows else "_No option to vary._")
    parts += ["", "## Break-even by volume", ""]
    rows = [[k, f"{v:,.0f} requests a month" if v else "never between 1 and 10 billion"]
            for k, v in (data.get("break_even_requests_per_month") or {}).items()]
    parts.append(_table(["fine-tune option", "cheaper than the best prompting option from"], rows)
                 if rows else "_No fine-tune option meets the constraints._")
    return "\n".join(parts) + "\n"
