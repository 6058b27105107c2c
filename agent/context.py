"""The structured context block: what the engine knows and recommends, rebuilt for
every model call (prompts/context.md), so that any model, tool calls or not, answers
from the right numbers. Also the short form of the recommendation (`ask --json`) and
the engine's own answer when the model runs out of time."""
from __future__ import annotations

import json
from string import Template
from typing import Any

from agent.prompt_files import prompt
from agent.presentation import render_recommendation
from tools.decision.decide import compare_for
from tools.decision.vocabulary import STRATEGY_TERMS
from tools.errors import InputError
from tools.units import fmt_usd

#: How many open questions the block lists (the most decisive first), and assumptions.
#: The block stays short: local servers often run with 2k-4k tokens of context (Ollama's
#: default), and small models lose what sits in a long prompt.
QUESTIONS = 3
ASSUMED = 5
#: Options listed beside the recommended one and the alternative, and tipping points.
OTHER_OPTIONS = 3
FLIPS = 2


def _label(strategy: str | None) -> str:
    term = STRATEGY_TERMS.get(strategy or "")
    return term.title if term else str(strategy)


def comparison(profile: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return compare_for(profile)
    except InputError:
        return None


def _recommendation(decision: dict[str, Any]) -> str:
    lines = [f"Strategy: **{_label(decision.get('strategy'))}** (`{decision.get('strategy')}`)."]
    confidence = decision.get("confidence")
    shown = f"{confidence:.0%}" if isinstance(confidence, (int, float)) else "unknown"
    lines.append(f"Fine-tuning justified: {'yes' if decision.get('fine_tune_justified') else 'no'}; "
                 f"confidence {shown}.")
    # The option fields (model, serving, techniques) come with the option-space engine.
    option = [f"{key}: {decision[key] if isinstance(decision[key], str) else ', '.join(map(str, decision[key]))}"
              for key in ("model", "serving", "techniques") if decision.get(key)]
    if option:
        lines.append("Option: " + "; ".join(option) + ".")
    complements = decision.get("complements") or []
    if complements:
        lines.append("Combine with: " + ", ".join(_label(c) for c in complements) + ".")
    for key, head in (("reasons", "Why"), ("warnings", "Warnings")):
        notes = [n for n in decision.get(key) or [] if isinstance(n, dict)]
        if notes:
            lines.append(f"{head}:")
            lines += [f"- {n.get('text', '')} [{n.get('rule', '')}]" for n in notes]
    return "\n".join(lines)


def _plan(decision: dict[str, Any]) -> str:
    steps = [s for s in decision.get("plan") or [] if isinstance(s, dict)]
    if not steps:
        return "The engine gives no step-by-step plan for this case."
    out = []
    for i, step in enumerate(steps, 1):
        gate = f" (go on when: {step['gate']})" if step.get("gate") else ""
        out.append(f"{i}. {step.get('step', '')}{gate}")
    return "\n".join(out)


def _option_line(option: dict[str, Any], tag: str = "") -> str:
    label = option.get("label") or option.get("id")
    return (f"- {label}{tag}: total {fmt_usd(option['total_usd'])} (range {fmt_usd(option['low'])} to "
            f"{fmt_usd(option['high'])}); set-up {fmt_usd(option['setup_usd'])}, then "
            f"{fmt_usd(option['monthly_usd'])} a month")


def _costs(decision: dict[str, Any], comparison: dict[str, Any] | None) -> str:
    """The recommended option, the alternative, the next cheapest options that meet the
    constraints, where the answer flips, and what was assumed."""
    costs = decision.get("costs") or {}
    if costs.get("error"):
        return f"No cost comparison: {costs['error']}"
    options = {o["id"]: o for o in decision.get("options") or [] if isinstance(o, dict) and o.get("id")}
    recommended = options.get(decision.get("recommended") or "")
    alternative = options.get(((costs.get("alternative") or {}).get("option")) or "")
    lines = []
    if recommended:
        lines.append(_option_line(recommended, " (recommended)"))
    if alternative and alternative is not recommended:
        lines.append(_option_line(alternative, " (the alternative)"))
    shown = {id(recommended), id(alternative)}
    others = sorted((o for o in options.values() if o.get("meets_constraints") and id(o) not in shown
                     and o.get("total_usd") is not None), key=lambda o: o["total_usd"])
    lines += [_option_line(o) for o in others[:OTHER_OPTIONS]]
    flips = [t["text"] for t in decision.get("tipping_points") or [] if isinstance(t, dict) and t.get("text")]
    if flips:
        lines.append("Where the answer flips: " + " ".join(flips[:FLIPS]))
    if comparison is not None:
        assumed = [f"{a['name']}: {a['value']}" for a in comparison.get("assumptions") or []
                   if isinstance(a, dict) and str(a.get("source", "")).startswith("default")]
        if assumed:
            lines.append("Assumed, as the user has not said (name these when you quote the figures): "
                         + "; ".join(assumed[:ASSUMED]) + ".")
    return "\n".join(lines) or "No costs yet."


def _questions(decision: dict[str, Any]) -> str:
    missing = [m for m in decision.get("missing") or [] if isinstance(m, dict) and m.get("question")]
    if not missing:
        return "None: the facts that could change the answer are known."
    out = []
    for i, m in enumerate(missing[:QUESTIONS], 1):
        impact = "could change the strategy" if m.get("impact", "strategy") == "strategy" else "refines the costs"
        line = f"{i}. {m['question']} (`{m.get('field')}`; {impact})"
        if i == 1:  # the one to ask now, with its choices
            choices = [str(c.get("label")) for c in m.get("choices") or [] if isinstance(c, dict)]
            line += "".join(f"\n   {n}) {label}" for n, label in enumerate(choices, 1))
        out.append(line)
    return "\n".join(out)


def render(profile: dict[str, Any], decision: dict[str, Any] | None) -> str:
    """The context block for this call."""
    values: dict[str, str] = {
        "profile": json.dumps(profile, ensure_ascii=False, sort_keys=True),
        "horizon": str(profile.get("horizon_months") or (decision or {}).get("costs", {}).get("horizon_months") or 12),
    }
    if decision is None:
        values.update(recommendation="None yet: the profile does not validate or the engine is unavailable.",
                      plan="None yet.", costs="None yet.", questions="Ask what the model should do and why.")
    else:
        values.update(recommendation=_recommendation(decision), plan=_plan(decision),
                      costs=_costs(decision, comparison(profile)), questions=_questions(decision))
    return Template(prompt("context.md")).safe_substitute(values).strip()


def summary(decision: dict[str, Any] | None, profile: dict[str, Any]) -> dict[str, Any] | None:
    """The engine's recommendation in three fields: {strategy, model, total_usd}."""
    if not decision:
        return None
    priced = comparison(profile)
    model = decision.get("model") or profile.get("model") or (priced or {}).get("model")
    recommended = (decision.get("costs") or {}).get("recommended") or {}
    return {"strategy": decision.get("strategy"), "model": model, "total_usd": recommended.get("total_usd")}


def engine_answer(decision: dict[str, Any] | None, profile: dict[str, Any]) -> str:
    """What the engine says on its own (the answer when the model cannot give one)."""
    if not decision:
        return "The engine has no recommendation yet: tell me what the model should do and why."
    return render_recommendation(decision, profile)
