"""The case sidebar: the live profile, the recommendation card, the cost comparison
table and a plot of cumulative cost per strategy (textual-plotext, loaded only when
there is something to plot)."""
from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from tools.figures import fmt_value

#: Short names: the sidebar is narrow.
STRATEGY_NAMES = {
    "prompt_engineering": "Prompting",
    "rag": "RAG",
    "lora": "LoRA",
    "qlora": "QLoRA",
    "full_fine_tune": "Full FT",
    "api_fine_tune": "API FT",
    "fine_tune": "Fine-tune",
}


def strategy_name(key: Any) -> str:
    if not isinstance(key, str):
        return str(key)
    return STRATEGY_NAMES.get(key, key.replace("_", " ").capitalize())


def _label(key: str) -> str:
    return key.replace("_", " ")


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
    justified = decision.get("fine_tune_justified")
    if justified is not None:
        parts.append(Text("fine-tuning justified" if justified else "fine-tuning not justified",
                          style="green" if justified else "yellow"))
    complements = decision.get("complements") or []
    if complements:
        parts.append(Text("with " + ", ".join(strategy_name(c) for c in complements), style="dim"))
    for title, key, style in (("Why", "reasons", ""), ("Watch out", "warnings", "yellow")):
        items = decision.get(key) or []
        if not items:
            continue
        parts.append(Text(title, style="bold underline"))
        # A grid gives the bullets a hanging indent.
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=1, style=style)
        grid.add_column(overflow="fold")
        for item in items[:limit]:
            text = item.get("text", "") if isinstance(item, dict) else str(item)
            rule = item.get("rule") if isinstance(item, dict) else None
            line = Text(_clip(text, 150), style=style)
            if rule:
                line.append(f" [{rule}]", style="dim")
            grid.add_row("•", line)
        parts.append(grid)
        if len(items) > limit:
            parts.append(Text(f"  … {len(items) - limit} more (/report)", style="dim"))
    missing = decision.get("missing") or []
    if missing:
        parts.append(Text(f"{len(missing)} question(s) could still change this.", style="dim italic"))
    return Group(*parts)


def cost_series(costs: dict[str, Any] | None) -> tuple[dict[str, list[float]], dict[str, dict[str, Any]], Any]:
    """(cumulative monthly cost per strategy, the per-strategy rows, break-even month)
    from a `compare` result or a decision's `costs`."""
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
        label = strategy_name(name) + (" ★" if name == recommended else "")
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


class CaseSidebar(VerticalScroll):
    """The case at a glance, updated live as the advisor learns it."""

    HELP = """\
## Case sidebar

What the advisor knows about your case, updated as you talk:

- **Profile**: the facts recorded so far (bold: changed by the last message).
- **Recommendation**: the strategy, its confidence, and the top reasons and warnings,
  each with the rule of the article it comes from.
- **Costs**: setup, monthly and total cost of each strategy over the horizon, and a
  plot of cumulative cost with the break-even month marked.

Toggle it with **Ctrl+B**; it opens by itself at the first recommendation when the
terminal is at least 100 columns wide. Narrower, it takes the chat's place until you
press **Ctrl+B** again. `/profile`, `/compare` and `/report` print the same in the chat.
"""

    can_focus = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.profile: dict[str, Any] = {}
        self.decision: dict[str, Any] | None = None
        self.costs: dict[str, Any] | None = None
        self._plot = None

    def compose(self) -> ComposeResult:
        # The answer first, then what it costs, then the facts it rests on.
        yield Static("Recommendation", classes="case-title")
        yield Static(recommendation_text(None), id="case-recommendation")
        yield Static("Costs", classes="case-title")
        yield Static(cost_table(None), id="case-costs")
        yield Static("Profile", classes="case-title", id="case-profile-title")
        yield Static(profile_table({}), id="case-profile")

    def show_profile(self, profile: dict[str, Any], changed: set[str] | frozenset[str] = frozenset()) -> None:
        self.profile = dict(profile)
        self.query_one("#case-profile", Static).update(profile_table(self.profile, changed))

    def show_decision(self, decision: dict[str, Any] | None) -> None:
        self.decision = decision
        self.query_one("#case-recommendation", Static).update(recommendation_text(decision))
        if self.costs is not None:
            self.show_costs(self.costs)

    def show_costs(self, costs: dict[str, Any] | None) -> None:
        """Show a comparison of strategies (the `compare` tool's result)."""
        self.costs = costs
        recommended = (self.decision or {}).get("strategy")
        self.query_one("#case-costs", Static).update(cost_table(costs, recommended))
        series, _, break_even = cost_series(costs)
        if series:
            self._draw_plot(series, break_even)
        elif self._plot is not None:
            self._plot.display = False

    def _draw_plot(self, series: dict[str, list[float]], break_even: Any) -> None:
        # Deferred import: textual-plotext costs ~20 ms, and most starts never plot.
        from textual_plotext import PlotextPlot

        if self._plot is None:
            self._plot = PlotextPlot(id="case-plot")
            self.mount(self._plot, after="#case-costs")
        self._plot.display = True
        plt = self._plot.plt
        plt.clear_data()
        plt.clear_figure()
        for name, values in series.items():
            months = list(range(1, len(values) + 1))
            plt.plot(months, values, label=strategy_name(name), marker="braille")
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


def _short_usd(value: float) -> str:
    """Axis labels: $262k, $1.2M (the table has the exact figures)."""
    if value >= 1e6:
        return f"${value / 1e6:.1f}M"
    if value >= 1e4:
        return f"${value / 1e3:.0f}k"
    if value >= 1e3:
        return f"${value / 1e3:.1f}k"
    return f"${value:.0f}"
