"""Estimates as rich tables for the terminal: the same rows as the chat's Markdown
(agent/presentation.py), drawn with rich."""
from __future__ import annotations

from typing import Any

from agent.presentation import estimate_rows
from tools.figures import NON_FIGURES as _SKIP, fmt_value, label
from tools.units import fmt_assumption


def print_estimate(kind: str, data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"estimate {kind}", show_header=True, header_style="bold")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, shown, headline in estimate_rows(data):
        table.add_row(name, shown, style="bold" if headline else None)
    console.print(table)
    for key, value in data.items():
        if key not in _SKIP and _records(value):
            console.print(_records_table(key, value))
            continue
        if isinstance(value, dict) and value and key not in _SKIP:
            sub = Table(title=label(key), show_header=False)
            sub.add_column("item")
            sub.add_column("value", justify="right")
            for k, v in value.items():
                sub.add_row(label(str(k)), fmt_value(k, v) if not isinstance(v, (dict, list)) else str(v))
            console.print(sub)
    assumptions = data.get("assumptions") or []
    if assumptions:
        sub = Table(title="assumptions", show_header=True, header_style="bold")
        sub.add_column("assumption")
        sub.add_column("value", justify="right")
        sub.add_column("source", style="dim")
        for a in assumptions:
            sub.add_row(a["name"], fmt_assumption(a["name"], a["value"]), a.get("source", ""))
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
    month-by-month series, are left to --json). A low/high pair becomes one range column,
    and free text (such as how a strategy is served) goes under the record's name, so
    that the table fits 80 columns."""
    from rich.table import Table

    named = isinstance(value, dict)
    rows = list(value.items()) if named else [(None, r) for r in value]
    columns: list[str] = []
    for _, record in rows:
        for k, v in record.items():
            if k not in columns and not isinstance(v, (dict, list)):
                columns.append(k)
    # A range beside dollar figures is in dollars too.
    money = any(c.endswith("usd") for c in columns)
    ranged = "low" in columns and "high" in columns
    if ranged:
        columns = [c for c in columns if c != "high"]
    # Free text (how a strategy is served) goes under the record's name as a second line,
    # so the figures keep one line each within 80 columns.
    texts = [c for c in columns if named and any(isinstance(r.get(c), str) for _, r in rows)]
    columns = [c for c in columns if c not in texts]
    table = Table(title=label(key), show_header=True, header_style="bold")
    if named:
        noun = "strategy" if key == "strategies" else ""
        table.add_column(f"{noun} ({', '.join(label(c) for c in texts)})".strip() if texts else noun)
    for c in columns:
        text = any(isinstance(r.get(c), str) for _, r in rows)
        table.add_column("range" if ranged and c == "low" else label(c), justify="left" if text else "right",
                         no_wrap=not text)

    def cell(c: str, record: dict[str, Any]) -> str:
        if ranged and c == "low":
            low, high = ("low_usd", "high_usd") if money else ("low", "high")
            return f"{fmt_value(low, record.get('low'))} – {fmt_value(high, record.get('high'))}"
        return fmt_value(f"{c}_usd" if money and c in ("low", "high") else c, record.get(c))

    from rich.text import Text

    for name, record in rows:
        cells = [cell(c, record) for c in columns]
        if named:
            head = Text(str(name).replace("_", " "))
            for c in texts:
                if record.get(c) is not None:
                    head.append("\n" + str(record[c]), style="dim")
            cells.insert(0, head)
        table.add_row(*cells)
    return table
