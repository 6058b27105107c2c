"""The case sidebar: the live profile, the recommendation with its plan, alternatives,
tipping points and robustness, the cost table, a plot of cumulative cost per strategy
and a tornado of the assumptions that move the total most (textual-plotext, loaded only
when there is something to plot).

It computes nothing: it renders the decision and the comparisons the session already
produced (its events), kept in reactive attributes and redrawn by their watchers."""
from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from tools.decision.vocabulary import FIELD_LABELS, SERVING_TERMS, strategy_label, technique_label
from tools.figures import fmt_value

#: Plot colours per strategy: none of them red, which marks the break-even month.
STRATEGY_COLOURS = {"prompt_engineering": "blue", "rag": "green", "lora": "magenta",
                    "full_fine_tune": "orange", "api_fine_tune": "cyan"}


def strategy_name(key: Any) -> str:
    """A strategy id in the sidebar's short words (the vocabulary's `short`)."""
    if not isinstance(key, str):
        return str(key)
    name = strategy_label(key, "short")
    return name if name != key else key.replace("_", " ").capitalize()


def _label(key: str) -> str:
    return FIELD_LABELS.get(key, key.replace("_", " "))


def _value(key: str, value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_value(key, v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value(k, v)}" for k, v in value.items()) or "—"
    if isinstance(value, str):
        text = " ".join(value.split())
        if "_" in text and " " not in text:  # an enum value such as full_fine_tune
            text = text.replace("_", " ")
        # Free text (the use case) can be long: the chat and /profile show it whole.
        return text if len(text) <= 70 else text[:69] + "…"
    return fmt_value(key, value)


def profile_table(profile: dict[str, Any], changed: set[str] | frozenset[str] = frozenset()) -> Table | Text:
    if not profile:
        return Text("Nothing known yet: describe your case in the chat.", style="dim italic")
    table = Table.grid(padding=(0, 1))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in profile.items():
        if value is None or value == [] or value == {}:
            continue
        style = "bold" if key in changed else ""
        table.add_row(_label(key), Text(_value(key, value), style=style))
    return table


def _clip(text: str, limit: int) -> str:
    """The sidebar shows the gist; the chat and the report have the whole text."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def _bullets(items: list[Any], style: str = "", limit: int | None = None) -> Table:
    """A grid gives the bullets a hanging indent."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=1, style=style)
    grid.add_column(overflow="fold")
    for item in items[:limit]:
        grid.add_row("•", item if isinstance(item, Text) else Text(str(item), style=style))
    return grid


def options_of(decision: dict[str, Any] | None) -> list[dict[str, Any]]:
    options = (decision or {}).get("options")
    return [o for o in options if isinstance(o, dict)] if isinstance(options, list) else []


def recommended_option(decision: dict[str, Any] | None) -> dict[str, Any] | None:
    wanted = (decision or {}).get("recommended")
    return next((o for o in options_of(decision) if o.get("id") == wanted), None)


def cheapest_alternative(decision: dict[str, Any] | None) -> dict[str, Any] | None:
    """The cheapest option, other than the recommended one, that fits the budget and
    the constraints (an option that does not say is taken to fit)."""
    wanted = (decision or {}).get("recommended")
    fits = [o for o in options_of(decision) if o.get("id") != wanted
            and o.get("within_budget") is not False and o.get("meets_constraints") is not False
            and isinstance(o.get("total_usd"), (int, float))]
    return min(fits, key=lambda o: o["total_usd"]) if fits else None


def _option_words(option: dict[str, Any]) -> str:
    """"LoRA · llama-3-8b on rented GPUs · with structured outputs"."""
    parts = [strategy_name(option.get("strategy") or option.get("id"))]
    if option.get("model"):
        serving = SERVING_TERMS.get(option.get("serving") or "")
        parts.append(f"{option['model']}" + (f" on {serving.label}" if serving else ""))
    techniques = option.get("techniques") or []
    if techniques:
        parts.append("with " + ", ".join(technique_label(t, "title").lower() for t in techniques))
    return " · ".join(parts)


def tipping_text(point: dict[str, Any]) -> str:
    """A tipping point in words: its own text when it has one."""
    if point.get("text"):
        return str(point["text"])
    field = str(point.get("field", "?"))
    to = point.get("to_strategy") or point.get("to_option") or "another option"
    direction = point.get("direction")
    verb = {"up": "rises to", "down": "falls to"}.get(direction, "reaches")
    return (f"If {_label(field)} {verb} {_value(field, point.get('flips_at'))} "
            f"(now {_value(field, point.get('current'))}), {strategy_name(to)} wins.")


def robustness_text(robustness: dict[str, Any]) -> str:
    share, variations = robustness.get("share"), robustness.get("variations")
    line = "Holds"
    if isinstance(share, (int, float)):
        line += f" in {share:.0%}"
        if variations:
            line += f" of {variations} variations of the assumptions"
    line += "."
    most = robustness.get("most_flips")
    if isinstance(most, dict) and (most.get("text") or most.get("assumption")):
        line += f" Most sensitive to {most.get('text') or _label(str(most['assumption']))}."
    return line


def recommendation_text(decision: dict[str, Any] | None, limit: int = 2) -> Text | Group:
    if not decision:
        return Text("No recommendation yet. Type “recommend” when you have said enough.",
                    style="dim italic")
    parts: list[Any] = []
    head = Text()
    head.append(strategy_name(decision.get("strategy", "?")), style="bold")
    confidence = decision.get("confidence")
    if confidence is not None:
        head.append(f"  confidence {_value('confidence', confidence)}", style="dim")
    parts.append(head)
    chosen = recommended_option(decision)
    if chosen is not None:
        parts.append(Text(_option_words(chosen)))
    elif decision.get("model"):
        parts.append(Text(str(decision["model"])))
    justified = decision.get("fine_tune_justified")
    if justified is not None:
        parts.append(Text("fine-tuning justified" if justified else "fine-tuning not justified",
                          style="green" if justified else "yellow"))
    complements = decision.get("complements") or []
    if complements:
        parts.append(Text("with " + ", ".join(strategy_name(c) for c in complements), style="dim"))
    plan = [p for p in decision.get("plan") or [] if isinstance(p, dict)]
    if plan:
        parts.append(Text("Plan", style="bold underline"))
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=2, style="dim")
        grid.add_column(overflow="fold")
        for i, step in enumerate(plan, 1):
            line = Text(_clip(str(step.get("step", "")), 120))
            if step.get("gate"):
                line.append(f"\ngo on if: {_clip(str(step['gate']), 120)}", style="dim")
            grid.add_row(f"{i}.", line)
        parts.append(grid)
    for title, key, style in (("Why", "reasons", ""), ("Watch out", "warnings", "yellow")):
        items = decision.get(key) or []
        if not items:
            continue
        parts.append(Text(title, style="bold underline"))
        lines = []
        for item in items[:limit]:
            text = item.get("text", "") if isinstance(item, dict) else str(item)
            rule = item.get("rule") if isinstance(item, dict) else None
            line = Text(_clip(text, 150), style=style)
            if rule:
                line.append(f" [{rule}]", style="dim")
            lines.append(line)
        parts.append(_bullets(lines, style))
        if len(items) > limit:
            parts.append(Text(f"  … {len(items) - limit} more (/report)", style="dim"))
    other = cheapest_alternative(decision)
    if other is not None:
        parts.append(Text("Cheapest alternative that fits", style="bold underline"))
        line = Text(_option_words(other))
        line.append(f"  {fmt_value('total_usd', other.get('total_usd'))}", style="bold")
        parts.append(line)
    points = [p for p in decision.get("tipping_points") or [] if isinstance(p, dict)]
    if points:
        parts.append(Text("What would change it", style="bold underline"))
        parts.append(_bullets([Text(_clip(tipping_text(p), 150)) for p in points], limit=3))
    robustness = decision.get("robustness")
    if isinstance(robustness, dict) and robustness:
        parts.append(Text(robustness_text(robustness), style="dim"))
    missing = decision.get("missing") or []
    if missing:
        parts.append(Text(f"{len(missing)} question(s) could still change this.", style="dim italic"))
    return Group(*parts)


def cost_series(costs: dict[str, Any] | None) -> tuple[dict[str, list[float]], dict[str, dict[str, Any]], Any]:
    """(cumulative monthly cost per strategy, the per-strategy rows, break-even month)
    from a `compare` result."""
    if not isinstance(costs, dict):
        return {}, {}, None
    strategies = costs.get("strategies", costs)
    series: dict[str, list[float]] = {}
    rows: dict[str, dict[str, Any]] = {}
    if isinstance(strategies, dict):
        for name, data in strategies.items():
            if not isinstance(data, dict):
                continue
            rows[name] = data
            monthly = data.get("monthly")
            if isinstance(monthly, list) and all(isinstance(v, (int, float)) for v in monthly):
                series[name] = [float(v) for v in monthly]
    return series, rows, costs.get("break_even_month")


def decision_costs(decision: dict[str, Any] | None) -> dict[str, Any] | None:
    """The decision's figures in the shape of a `compare` result: its options, each
    plotted as set-up plus the monthly cost (the figures the decision holds), or else
    the recommended path and its alternative."""
    if not decision:
        return None
    costs = decision.get("costs") if isinstance(decision.get("costs"), dict) else {}
    if costs.get("error"):
        return {"error": costs["error"]}
    horizon = costs.get("horizon_months") or decision.get("horizon_months")
    strategies: dict[str, dict[str, Any]] = {}
    for option in options_of(decision) or [c for c in (costs.get("recommended"), costs.get("alternative"))
                                            if isinstance(c, dict)]:
        key = option.get("id") or option.get("strategy")
        if not key:
            continue
        row = {k: option.get(k) for k in ("setup_usd", "monthly_usd", "total_usd", "low", "high")}
        row["label"] = option.get("strategy") or key
        setup, monthly = option.get("setup_usd"), option.get("monthly_usd")
        if isinstance(horizon, int) and isinstance(setup, (int, float)) and isinstance(monthly, (int, float)):
            row["monthly"] = [setup + monthly * m for m in range(1, horizon + 1)]
        strategies[key] = row
    if not strategies:
        return None
    return {"strategies": strategies, "horizon_months": horizon,
            "break_even_month": costs.get("break_even_month"), "break_even": costs.get("break_even")}


def cost_table(costs: dict[str, Any] | None, recommended: str | None = None) -> Table | Text:
    _, rows, _ = cost_series(costs)
    if isinstance(costs, dict) and costs.get("error"):
        return Text(f"No cost comparison: {costs['error']}", style="yellow")
    if not rows:
        return Text("No cost comparison yet (/compare runs one).", style="dim italic")
    # 42 columns at most: it must fit the sidebar without wrapping a row.
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold",
                  caption_justify="left", caption_style="dim")
    table.add_column("strategy", no_wrap=True)
    table.add_column("setup", justify="right", no_wrap=True)
    table.add_column("/month", justify="right", no_wrap=True)
    table.add_column("total", justify="right", no_wrap=True)
    cheapest = min(rows, key=lambda k: rows[k].get("total_usd", float("inf"))
                   if isinstance(rows[k].get("total_usd"), (int, float)) else float("inf"))
    for name, data in rows.items():
        label = strategy_name(data.get("label") or name) + (" ★" if name == recommended else "")
        table.add_row(label, *(fmt_value(k, data.get(k)) for k in ("setup_usd", "monthly_usd", "total_usd")),
                      style="bold green" if name == cheapest else "")
    horizon = costs.get("horizon_months") if isinstance(costs, dict) else None
    lines = [f"Total over {horizon} months." if horizon else "Total over the horizon.",
             "Green: cheapest." + (" ★ recommended." if recommended in rows else "")]
    line = break_even_text(costs)
    if line:
        lines.append(line)
    table.caption = "\n".join(lines)
    return table


def break_even_text(costs: dict[str, Any] | None) -> str | None:
    """The fine-tuning path's break-even against its alternative, in words."""
    if not isinstance(costs, dict):
        return None
    info = costs.get("break_even")
    month = costs.get("break_even_month")
    horizon = costs.get("horizon_months")
    if isinstance(info, dict) and info.get("strategy") and info.get("versus"):
        pair = f"{strategy_name(info['strategy'])} vs {strategy_name(info['versus'])}"
        if month:
            return f"{pair}: break-even in month {month} (red line)."
        return f"{pair}: no break-even within {horizon} months." if horizon else f"{pair}: no break-even."
    if month:
        return f"Break-even in month {month} (red line)."
    return None


def requests_break_even_text(decision: dict[str, Any] | None) -> str | None:
    volume = (decision or {}).get("break_even_requests_per_month")
    if not isinstance(volume, (int, float)):
        return None
    return f"Fine-tuning pays off from {fmt_value('requests_per_month', volume)} requests a month."


def sensitivity_rows(decision: dict[str, Any] | None) -> list[tuple[str, float, float]]:
    """(assumption, low total, high total) for the recommended option, widest first."""
    sensitivity = (decision or {}).get("sensitivity")
    if not isinstance(sensitivity, dict):
        return []
    wanted = (decision or {}).get("recommended") or (decision or {}).get("strategy")
    rows = sensitivity.get(wanted) or next(iter(sensitivity.values()), None)
    out = [(str(r.get("assumption")), float(r["low_total_usd"]), float(r["high_total_usd"]))
           for r in rows or [] if isinstance(r, dict)
           and isinstance(r.get("low_total_usd"), (int, float)) and isinstance(r.get("high_total_usd"), (int, float))]
    return sorted(out, key=lambda r: abs(r[2] - r[1]), reverse=True)


class CaseSidebar(VerticalScroll):
    """The case at a glance, updated live as the advisor learns it."""

    HELP = """\
## Case sidebar

What the advisor knows about your case, updated as you talk:

- **Recommendation**: the strategy, the model and how it is served, the plan with the
  gate before each step, the top reasons and warnings (with the article's rule), the
  cheapest alternative that fits, what would change the answer, and how robust it is.
- **Costs**: setup, monthly and total cost of each option over the horizon, a plot of
  cumulative cost with the break-even month (red line), and the assumptions that move
  the total most (a tornado chart).
- **Profile**: the facts recorded so far (bold: changed by the last message).

Toggle it with **Ctrl+B**; it opens by itself at the first recommendation when the
terminal is at least 100 columns wide, and widens above 160 columns. Narrower than
100, it takes the chat's place until you press **Ctrl+B** again. `/profile`, `/compare`
and `/report` print the same in the chat.
"""

    can_focus = True

    #: The case profile, and the fields the last message changed.
    profile: reactive[dict[str, Any]] = reactive(dict, always_update=True, init=False)
    changed: reactive[frozenset[str]] = reactive(frozenset, init=False)
    #: The decision payload (tools.decision.decide), as the session's events carry it.
    decision: reactive[dict[str, Any] | None] = reactive(None, always_update=True, init=False)
    #: The last strategy comparison a tool returned (`compare`), if any.
    comparison: reactive[dict[str, Any] | None] = reactive(None, always_update=True, init=False)

    class Updated(Message):
        """The sidebar shows a new decision (the screen may open it)."""

        def __init__(self, sidebar: "CaseSidebar") -> None:
            super().__init__()
            self.sidebar = sidebar

        @property
        def control(self) -> "CaseSidebar":
            return self.sidebar

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._plot = None
        self._tornado = None

    @property
    def costs(self) -> dict[str, Any] | None:
        """What the cost table and plot show: the last comparison, else the decision's."""
        return self.comparison or decision_costs(self.decision)

    def compose(self) -> ComposeResult:
        # The answer first, then what it costs, then the facts it rests on.
        yield Static("Recommendation", classes="case-title")
        yield Static(recommendation_text(None), id="case-recommendation")
        yield Static("Costs", classes="case-title")
        yield Static(cost_table(None), id="case-costs")
        yield Static("", id="case-break-even", classes="hint")
        yield Static("Profile", classes="case-title", id="case-profile-title")
        yield Static(profile_table({}), id="case-profile")

    def show(self, profile: dict[str, Any] | None = None, decision: dict[str, Any] | None = None) -> None:
        """Reset to a case (a resumed or new consultation, `/reset`): no stale figures."""
        self.comparison = None
        self.changed = frozenset()
        self.profile = dict(profile or {})
        self.decision = decision

    def watch_profile(self, profile: dict[str, Any]) -> None:
        self.query_one("#case-profile", Static).update(profile_table(profile, self.changed))

    def watch_decision(self, decision: dict[str, Any] | None) -> None:
        self.query_one("#case-recommendation", Static).update(recommendation_text(decision))
        self._redraw_costs()
        self.post_message(self.Updated(self))

    def watch_comparison(self, comparison: dict[str, Any] | None) -> None:
        self._redraw_costs()

    def _redraw_costs(self) -> None:
        costs = self.costs
        recommended = (self.decision or {}).get("recommended") or (self.decision or {}).get("strategy")
        self.query_one("#case-costs", Static).update(cost_table(costs, recommended))
        self.query_one("#case-break-even", Static).update(requests_break_even_text(self.decision) or "")
        series, _, break_even = cost_series(costs)
        if series:
            self._draw_plot(series, break_even, {k: v.get("label") or k for k, v in cost_series(costs)[1].items()})
        elif self._plot is not None:
            self._plot.display = False
        rows = sensitivity_rows(self.decision)
        if rows:
            self._draw_tornado(rows)
        elif self._tornado is not None:
            self._tornado.display = False

    def _draw_plot(self, series: dict[str, list[float]], break_even: Any, labels: dict[str, str]) -> None:
        # Deferred import: textual-plotext costs ~20 ms, and most starts never plot.
        from textual_plotext import PlotextPlot

        if self._plot is None:
            self._plot = PlotextPlot(id="case-plot")
            self.mount(self._plot, after="#case-break-even")
        self._plot.display = True
        plt = self._plot.plt
        plt.clear_data()
        plt.clear_figure()
        for name, values in series.items():
            months = list(range(1, len(values) + 1))
            label = labels.get(name, name)
            plt.plot(months, values, label=strategy_name(label), marker="braille",
                     color=STRATEGY_COLOURS.get(label, "cyan"))
        if isinstance(break_even, (int, float)) and break_even > 0:
            plt.vline(break_even, "red")
            plt.title(f"Cumulative cost · break-even month {break_even}")
        else:
            plt.title("Cumulative cost")
        plt.xlabel("month")
        horizon = max(len(v) for v in series.values())
        step = max(1, horizon // 6)
        plt.xticks(list(range(1, horizon + 1, step)))
        top = max(max(v) for v in series.values())
        ticks = [top * i / 4 for i in range(5)]
        plt.yticks(ticks, [_short_usd(t) for t in ticks])
        self._plot.refresh()

    def _draw_tornado(self, rows: list[tuple[str, float, float]]) -> None:
        """The assumptions that move the recommended option's total most: a bar from
        its low to its high total each (a tornado, widest on top)."""
        from textual_plotext import PlotextPlot

        if self._tornado is None:
            self._tornado = PlotextPlot(id="case-tornado")
            self.mount(self._tornado, before="#case-profile-title")
        self._tornado.display = True
        plt = self._tornado.plt
        plt.clear_data()
        plt.clear_figure()
        rows = list(reversed(rows[:6]))  # plotext counts rows upwards: widest on top
        chosen = recommended_option(self.decision) or {}
        base = chosen.get("total_usd")
        if not isinstance(base, (int, float)):
            base = sum((low + high) / 2 for _n, low, high in rows) / len(rows)
        # Each assumption a bar from its low total to its high one, split at today's total
        # (green: cheaper, orange: dearer). plotext's bars start at the axis, so lines.
        for i, (_name, low, high) in enumerate(rows):
            plt.plot([min(low, base), base], [i, i], marker="█", color="green")
            plt.plot([base, max(high, base)], [i, i], marker="█", color="orange")
        plt.vline(base, "white")
        plt.yticks(list(range(len(rows))), [_clip(_label(name), 16) for name, _low, _high in rows])
        plt.ylim(-0.7, len(rows) - 0.3)
        lo, hi = min(r[1] for r in rows + [("", base, base)]), max(r[2] for r in rows + [("", base, base)])
        plt.xticks([lo, base, hi], [_short_usd(lo), _short_usd(base), _short_usd(hi)])
        plt.title(f"Total {_short_usd(base)}: low / high per assumption")
        self._tornado.refresh()


def _short_usd(value: float) -> str:
    """Axis labels: $262k, $1.2M (the table has the exact figures)."""
    if value >= 1e6:
        return f"${value / 1e6:.1f}M"
    if value >= 1e4:
        return f"${value / 1e3:.0f}k"
    if value >= 1e3:
        return f"${value / 1e3:.1f}k"
    return f"${value:.0f}"
