"""Estimates as rich tables for the terminal (the app reuses the same formatting)."""
from __future__ import annotations

import re
from typing import Any

from tools.units import fmt_count, fmt_usd


def fmt_value(key: str, value: Any) -> str:
    """Format a figure by what its name says it holds."""
    if isinstance(value, bool) or value is None:
        return {True: "yes", False: "no", None: "—"}[value]
    if isinstance(value, (int, float)):
        # "gpu_hours_low" is formatted like "gpu_hours".
        key = re.sub(r"_(low|high)$", "", key)
        if key.endswith("usd") or "_usd_" in key or any(w in key for w in ("cost", "price")) or key.startswith("cost") or "_usd_" in key:
            return fmt_usd(value)
        if key.endswith("_gb"):
            return f"{value:,.1f} GB"
        if key.endswith("hours"):
            return f"{value:,.1f} h"
        if key.endswith("months"):
            return f"{value:,.1f} months"
        if key in ("mfu", "confidence", "utilisation", "utilization") or key.endswith("_fraction"):
            return f"{value:.0%}"
        if key == "flops":
            return f"{value:.3g}"
        if isinstance(value, float) and not value.is_integer():
            return f"{value:,.3g}" if abs(value) < 1000 else fmt_count(value)
        return fmt_count(value) if abs(value) >= 10_000 else f"{value:,.0f}"
    return str(value)


_SKIP = {"assumptions", "warnings", "low", "high", "headline"}


def print_estimate(kind: str, data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    headline = data.get("headline", "cost_usd")
    table = Table(title=f"estimate {kind}", show_header=True, header_style="bold")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in data.items():
        if key in _SKIP or isinstance(value, (dict, list)):
            continue
        style = "bold" if key == headline else None
        table.add_row(key.replace("_", " "), fmt_value(key, value), style=style)
    if "low" in data and "high" in data:
        table.add_row(f"{headline.replace('_', ' ')} range",
                      f"{fmt_value(headline, data['low'])} – {fmt_value(headline, data['high'])}")
    console.print(table)
    for key, value in data.items():
        if key not in _SKIP and _records(value):
            console.print(_records_table(key, value))
            continue
        if isinstance(value, dict) and value and key not in _SKIP:
            sub = Table(title=key.replace("_", " "), show_header=False)
            sub.add_column("item")
            sub.add_column("value", justify="right")
            for k, v in value.items():
                sub.add_row(str(k).replace("_", " "), fmt_value(k, v) if not isinstance(v, (dict, list)) else str(v))
            console.print(sub)
    assumptions = data.get("assumptions") or []
    if assumptions:
        sub = Table(title="assumptions", show_header=True, header_style="bold")
        sub.add_column("assumption")
        sub.add_column("value", justify="right")
        sub.add_column("source", style="dim")
        for a in assumptions:
            sub.add_row(a["name"], fmt_value(a["name"], a["value"]), a.get("source", ""))
        console.print(sub)
    for warning in data.get("warnings") or []:
        console.print(f"[yellow]warning:[/] {warning}")


def _records(value: Any) -> bool:
    """A dict of dicts ({strategy: figures}) or a list of dicts ([{strategy, versus, month}])."""
    rows = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    rows = list(rows)
    return bool(rows) and all(isinstance(r, dict) for r in rows)


def _records_table(key: str, value: Any) -> Any:
    """One row per record, one column per scalar field (lists and nested dicts, such as a
    month-by-month series, are left to --json)."""
    from rich.table import Table

    named = isinstance(value, dict)
    rows = list(value.items()) if named else [(None, r) for r in value]
    columns: list[str] = []
    for _, record in rows:
        for k, v in record.items():
            if k not in columns and not isinstance(v, (dict, list)):
                columns.append(k)
    table = Table(title=key.replace("_", " "), show_header=True, header_style="bold")
    if named:
        table.add_column("")
    for c in columns:
        table.add_column(c.replace("_", " "), justify="right")
    for name, record in rows:
        # A range beside dollar figures is in dollars too.
        money = any(c.endswith("usd") for c in columns)
        cells = [fmt_value(f"{c}_usd" if money and c in ("low", "high") else c, record.get(c)) for c in columns]
        table.add_row(*([str(name).replace("_", " ")] if named else []), *cells)
    return table
