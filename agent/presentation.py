"""The case in words: profile values, the recommendation, the cost comparison and an
estimate, each rendered by one function here, shared by the chat (both advisors'
slash commands), `ft-advisor ask`, `chat --plain` and the terminal tables of the CLI.

Pure functions of the payloads they are given (a Decision dict, a compare result, an
estimate result), except `cost_comparison`, which asks the cost models for the table."""
from __future__ import annotations

from typing import Any, Iterable

from tools.decision.decide import compare_for
from tools.decision.options import DEFAULT_REQUESTS, describe
from tools.decision.vocabulary import FIELD_LABELS, strategy_label
from tools.errors import InputError
from tools.figures import NON_FIGURES, fmt_value, label
from tools.units import fmt_assumption, fmt_count, fmt_usd

#: The fields the cost comparison fills with a default when the case does not give them,
#: and that move its figures most: shown as "assumed" wherever the costs are.
DECISIVE_DEFAULTS = ("requests_per_month", "model", "horizon_months")


# --------------------------------------------------------------------------- values

def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " "))


def show_value(name: str, value: Any) -> str:
    """A profile value in words: 2000000 -> '2M', True -> 'yes', 0.03 -> '3%'."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name == "budget_usd" or name == "engineer_month_usd":
        return fmt_usd(float(value))
    if name == "horizon_months":
        return f"{value} months"
    if name.endswith("failure_rate") and isinstance(value, (int, float)):
        return f"{value:.1%}".replace(".0%", "%")
    if isinstance(value, (int, float)):
        return fmt_count(value) if value >= 10_000 else f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"
    if isinstance(value, list):
        return ", ".join(str(v).replace("_", " ") for v in value) or "none"
    value = str(value)
    return value if len(value) <= 80 else value[:77] + "…"


def understood(changed: dict[str, Any], notes: Iterable[str] = (), words: dict[str, str] | None = None) -> str:
    """What a message changed, as a Markdown list, each fact with the `words` it was read
    from when known (the use case itself is not repeated)."""
    words = words or {}
    lines = [f"- **{field_label(k)}**: {show_value(k, v)}" + (f" — from *“{words[k]}”*" if words.get(k) else "")
             for k, v in changed.items() if k != "use_case"]
    lines += [f"- _{note}_" for note in notes]
    return "\n".join(lines)


def assumed_items(assumed: dict[str, Any]) -> str:
    """The defaulted decisive inputs as a Markdown list: "- requests per month: 10k (assumed)"."""
    return "\n".join(f"- {field_label(k)}: {show_value(k, v)} (assumed)" for k, v in assumed.items())


def profile_table(profile: dict[str, Any], fields: Iterable[str]) -> str:
    """The profile as a two-column table, in `fields` order."""
    rows = ["| field | value |", "|---|---|"]
    for name in fields:
        if name in profile:
            value = show_value(name, profile[name]).replace("|", "\\|").replace("\n", " ")
            rows.append(f"| {field_label(name)} (`{name}`) | {value} |")
    return "\n".join(rows)


# --------------------------------------------------------------------------- costs

def assumed_fields(profile: dict[str, Any], comparison: dict[str, Any] | None) -> dict[str, Any]:
    """The decisive inputs the cost comparison defaulted, with the value it used."""
    if not comparison:
        return {}
    return {name: comparison.get(name) for name in DECISIVE_DEFAULTS
            if name not in profile and comparison.get(name) is not None}


def cost_comparison(profile: dict[str, Any], recommended: str | None = None) -> tuple[str, dict[str, Any] | None]:
    """A Markdown table of the strategies' costs over the horizon, from the same
    comparison the decision used. Returns (markdown, result or None)."""
    try:
        result = compare_for(profile)
    except InputError as exc:
        return f"_Cost comparison unavailable: {exc.message()}_", None
    if result is None:
        return "_Cost comparison unavailable: the cost models are not installed._", None
    return cost_table(result, recommended, assumed=assumed_fields(profile, result)), result


def _usd(value: Any) -> str:
    return fmt_usd(float(value)) if isinstance(value, (int, float)) and not isinstance(value, bool) else "—"


def cost_table(result: dict[str, Any], recommended: str | None = None, *,
               assumed: dict[str, Any] | None = None) -> str:
    """The compare tool's result as a Markdown table, with the break-even month; the
    caption marks the inputs that were `assumed` (defaulted, not given)."""
    strategies = result.get("strategies") or {}
    if not strategies:
        return ""
    assumed = assumed or {}
    horizon = result.get("horizon_months")
    total_label = f"total over {horizon} months" if horizon else "total"
    rows = [f"| strategy | setup | per month | {total_label} | range |", "|---|---:|---:|---:|---:|"]
    for name, figures in strategies.items():
        shown = strategy_label(name).split(" (")[0]  # "RAG", not its expansion
        if name == recommended:
            shown = f"**{shown}** (recommended)"
        low, high = figures.get("low"), figures.get("high")
        # Short names and a compact range, so the table fits a chat pane beside the sidebar.
        spread = f"${fmt_count(low)}–${fmt_count(high)}" if low is not None and high is not None else "—"
        rows.append(f"| {shown} | {_usd(figures.get('setup_usd'))} | {_usd(figures.get('monthly_usd'))} | "
                    f"{_usd(figures.get('total_usd'))} | {spread} |")
    out = "\n".join(rows)
    notes = []
    if result.get("model"):
        notes.append(f"model: {result['model']}" + (" (assumed)" if "model" in assumed else ""))
    if result.get("requests_per_month") is not None:
        notes.append(f"{show_value('requests_per_month', result['requests_per_month'])} requests a month"
                     + (" (assumed: you did not say)" if "requests_per_month" in assumed else ""))
    if "horizon_months" in assumed and horizon:
        notes.append(f"{horizon}-month horizon (assumed)")
    break_even = result.get("break_even")
    if isinstance(break_even, dict) and break_even.get("strategy"):
        month = break_even.get("month")
        what = f"{strategy_label(break_even['strategy'])} vs {strategy_label(break_even.get('versus', ''))}"
        notes.append(f"break-even of {what}: month {month}" if month else
                     f"{what} does not break even within the horizon")
    if notes:
        out += "\n\n_" + "; ".join(notes) + "._"
    return out


def compare_markdown(data: dict[str, Any], recommended: str | None = None) -> str:
    """The compare tool's result in the chat: the table, its warnings, where the assumptions are."""
    out = "### What each path costs\n\n" + cost_table(data, recommended)
    warnings = data.get("warnings") or []
    if warnings:
        out += "\n\n**Warnings**\n" + "\n".join(f"- ⚠ {w}" for w in warnings)
    count = len(data.get("assumptions") or [])
    if count:
        out += (f"\n\n_{count} assumptions with their sources: `/estimate compare` lists them, "
                "`/report` writes them down._")
    return out


# --------------------------------------------------------------------------- estimates

def estimate_rows(data: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """An estimate's scalar figures as (label, value, is_headline), then its range: the
    one reading of an estimate, for the chat's Markdown and the CLI's table alike."""
    headline = data.get("headline", "cost_usd")
    rows = [(label(key), fmt_value(key, value), key == headline) for key, value in data.items()
            if key not in NON_FIGURES and not isinstance(value, (dict, list))]
    if "low" in data and "high" in data:
        rows.append((f"{label(headline)} range",
                     f"{fmt_value(headline, data['low'])} – {fmt_value(headline, data['high'])}", False))
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "/")


def estimate_markdown(kind: str, data: dict[str, Any]) -> str:
    rows = ["| figure | value |", "|---|---:|"]
    for name, shown, headline in estimate_rows(data):
        name, shown = _cell(name), _cell(shown)
        rows.append(f"| **{name}** | **{shown}** |" if headline else f"| {name} | {shown} |")
    out = f"### estimate {kind}\n\n" + "\n".join(rows)
    for key, value in data.items():
        if isinstance(value, dict) and value and key not in NON_FIGURES:
            sub = ["| item | value |", "|---|---:|"]
            sub += [f"| {label(str(k))} | {_cell(fmt_value(str(k), v)) if not isinstance(v, (dict, list)) else '…'} |"
                    for k, v in value.items()]
            out += f"\n\n**{label(key)}**\n\n" + "\n".join(sub)
    warnings = data.get("warnings") or []
    if warnings:
        out += "\n\n**Warnings**\n" + "\n".join(f"- ⚠ {w}" for w in warnings)
    assumptions = data.get("assumptions") or []
    if assumptions:
        rows = ["| assumption | value | source |", "|---|---:|---|"]
        rows += [f"| {a.get('name', '')} | {_cell(fmt_assumption(a.get('name', ''), a.get('value')))} | "
                 f"{_cell(str(a.get('source', '')))} |" for a in assumptions]
        out += "\n\n**Assumptions**\n\n" + "\n".join(rows)
    return out


# --------------------------------------------------------------------------- the decision

def _notes(items: Iterable[dict[str, Any]], mark: str = "") -> list[str]:
    return [f"- {mark}{r.get('text', '')} _[{r.get('rule', '')}]_" for r in items]


def _recommended(decision: dict[str, Any]) -> dict[str, Any] | None:
    return next((o for o in decision.get("options") or [] if o.get("id") == decision.get("recommended")), None)


def _fits(option: dict[str, Any]) -> str:
    fits = option.get("within_budget")
    return "" if fits is None else (" (fits your budget)" if fits else " (over your budget)")


def _compact(value: Any) -> str:
    return f"${fmt_count(float(value))}" if isinstance(value, (int, float)) and not isinstance(value, bool) else "—"


def option_card(decision: dict[str, Any]) -> list[str]:
    """The recommended option (model, serving, techniques, cost) and the cheapest
    alternative that also meets the constraints and fits the budget."""
    rec = _recommended(decision)
    if rec is None:
        return []
    horizon = (decision.get("costs") or {}).get("horizon_months")
    over = f" over {horizon} months" if horizon else ""
    lines = ["", f"**The option:** {describe(rec)}: about {_usd(rec.get('total_usd'))}{over} "
                 f"({_usd(rec.get('setup_usd'))} to set up, {_usd(rec.get('monthly_usd'))} a month){_fits(rec)}."]
    others = [o for o in decision.get("options") or [] if o.get("id") != rec.get("id")
              and o.get("meets_constraints") and o.get("within_budget") is not False and not o.get("teacher")]
    if others:
        alt = min(others, key=lambda o: o.get("total_usd") or 0)
        lines.append(f"Cheapest alternative that fits: {describe(alt)}, about {_usd(alt.get('total_usd'))}.")
    return lines


def plan_lines(decision: dict[str, Any]) -> list[str]:
    """The plan: each step with the measured result that decides the next."""
    plan = decision.get("plan") or []
    if not plan:
        return []
    return ["", "### Plan", *(f"{i}. {s.get('step', '')} _Gate: {s.get('gate', '')}._" for i, s in enumerate(plan, 1))]


def tipping_lines(decision: dict[str, Any], most: int = 4) -> list[str]:
    """Where the answer flips, in words, nearest first as the engine ordered them."""
    points = [t.get("text") for t in decision.get("tipping_points") or [] if t.get("text")]
    if not points:
        return []
    return ["", "### Where the answer flips", *(f"- {text}" for text in points[:most])]


def options_table(decision: dict[str, Any], profile: dict[str, Any], most: int = 6) -> str:
    """The priced options, cheapest first, the recommended one marked; the caption names
    the inputs that were assumed. Options that break a constraint are left out."""
    options = [o for o in decision.get("options") or [] if o.get("meets_constraints")]
    if not options:
        return ""
    horizon = (decision.get("costs") or {}).get("horizon_months")
    total_label = f"total over {horizon} months" if horizon else "total"
    ranked = sorted(options, key=lambda o: o.get("total_usd") or 0)
    rec = decision.get("recommended")
    shown = ranked[:most]
    if rec and all(o.get("id") != rec for o in shown):
        shown = shown[:-1] + [o for o in ranked if o.get("id") == rec]
    # Four short columns and compact figures: the table sits in a chat pane beside the sidebar.
    rows = [f"| option | setup | per month | {total_label} |", "|---|---:|---:|---:|"]
    for o in shown:
        name = describe(o, short=True)
        if o.get("id") == rec:
            name = f"**{name}** (recommended)"
        if o.get("within_budget") is False:
            name += " (over budget)"
        rows.append(f"| {name} | {_compact(o.get('setup_usd'))} | {_compact(o.get('monthly_usd'))} | "
                    f"{_compact(o.get('total_usd'))} |")
    notes = []
    if decision.get("model") and not profile.get("model"):
        notes.append("your model assumed (you did not say)")
    if "requests_per_month" not in profile:
        notes.append(f"{show_value('requests_per_month', DEFAULT_REQUESTS)} requests a month "
                     "(assumed: you did not say)")
    if "horizon_months" not in profile and horizon:
        notes.append(f"{horizon}-month horizon (assumed)")
    out = "\n".join(rows)
    if notes:
        out += "\n\n_" + "; ".join(notes) + "._"
    return out


def render_recommendation(decision: dict[str, Any], profile: dict[str, Any], *, costs: bool = True) -> str:
    strategy = decision.get("strategy", "")
    lines = [f"## Recommendation: {strategy_label(strategy)}", ""]
    justified = decision.get("fine_tune_justified")
    confidence = decision.get("confidence")
    verdict = "Fine-tuning **is justified** for this case" if justified else \
        "Fine-tuning is **not justified** for this case"
    if isinstance(confidence, (int, float)):
        # A low confidence is not a verdict on its own: say what would firm it up.
        verdict += f" (confidence {confidence:.0%}" + (
            ": open questions could still change it)" if confidence < 0.5 and decision.get("missing") else ")")
    lines.append(verdict + ".")
    complements = decision.get("complements") or []
    if complements:
        lines.append("Combine it with: " + ", ".join(strategy_label(c) for c in complements) + ".")
    reasons = decision.get("reasons") or []
    if reasons:
        lines += ["", "### Why", *_notes(reasons)]
    warnings = decision.get("warnings") or []
    if warnings:
        lines += ["", "### Warnings", *_notes(warnings, "⚠ ")]
    lines += option_card(decision)
    lines += plan_lines(decision)
    lines += tipping_lines(decision)
    if costs:
        table = options_table(decision, profile)
        if not table:
            table, _ = cost_comparison(profile, strategy)
        if table:
            lines += ["", "### What each path costs", "", table]
    lines += ["", "Every figure comes from the cost models (`/compare` for the details, "
                  "`/report` for all assumptions and sources; `/prompt` for a prompt to try first)."]
    return "\n".join(lines)


def render_update(decision: dict[str, Any], profile: dict[str, Any], shown: Iterable[str]) -> str:
    """The recommendation again after new facts left the strategy as it was: only what
    is new (reasons and warnings not shown before) and the costs, which move with the
    facts. The full text was shown before; `recommend` shows it again."""
    strategy = decision.get("strategy", "")
    confidence = decision.get("confidence")
    head = f"The recommendation stays **{strategy_label(strategy)}**"
    if isinstance(confidence, (int, float)):
        head += f" (confidence {confidence:.0%})"
    lines = [head + "."]
    seen = set(shown)
    new = [r for r in decision.get("reasons") or [] if r.get("rule") not in seen]
    new_warnings = [w for w in decision.get("warnings") or [] if w.get("rule") not in seen]
    if new:
        lines += ["", "New reasons:", *_notes(new)]
    if new_warnings:
        lines += ["", "New warnings:", *_notes(new_warnings, "⚠ ")]
    table, _ = cost_comparison(profile, strategy)
    if table:
        lines += ["", "### What each path costs now", "", table]
    lines += ["", "Type **recommend** to see the full recommendation again."]
    return "\n".join(lines)


def render_change(previous: str, strategy: str) -> str:
    return f"This changes the recommendation: **{strategy_label(previous)}** → **{strategy_label(strategy)}**."
