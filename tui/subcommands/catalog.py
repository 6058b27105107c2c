"""`ft-advisor catalog [gpus|models|api|embeddings|together|availability] [--json]`:
list what the cost models know, with each figure's source and as-of date, after the
user's config overrides."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

HELP = "list the catalogs (GPUs, models, API offers, embeddings) with sources and dates"

KINDS = ("gpus", "models", "api", "embeddings", "together", "availability")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", nargs="?", choices=KINDS, metavar="|".join(KINDS[:4]) + "|...",
                        help="which catalog (default: all); also: together (Together AI tiers), "
                             "availability (who accepts fine-tuning jobs on --date)")
    parser.add_argument("--json", action="store_true", dest="as_json", help="print one JSON object")
    parser.add_argument("--date", metavar="YYYY-MM-DD",
                        help="day for availability and retirement warnings (default: today)")


def _collect(kind: str, cat: Any, on: Any) -> list[dict[str, Any]]:
    from tools.catalog.catalog import entry_dict

    if kind == "gpus":
        return [entry_dict(g) for g in cat.gpus.values()]
    if kind == "models":
        return [entry_dict(m) for m in cat.models.values()]
    if kind == "api":
        return [entry_dict(o) for o in cat.all_api_offers()]
    if kind == "embeddings":
        return [entry_dict(e) for e in cat.all_embeddings()]
    if kind == "together":
        return [entry_dict(t) for t in cat.together_tiers]
    return [entry_dict(cat.availability(p, on)) for p in cat.availability_rules]


def run(args: argparse.Namespace) -> int:
    from datetime import date

    from tools.catalog.catalog import get_catalog
    from tools.errors import InputError

    try:
        on = date.today()
        if args.date:
            try:
                on = date.fromisoformat(args.date)
            except ValueError:
                raise InputError("--date", "a date such as 2026-11-29", args.date) from None
        cat = get_catalog()
        kinds = [args.kind] if args.kind else list(KINDS)
        data = {k: _collect(k, cat, on) for k in kinds}
    except InputError as exc:
        print(f"ft-advisor catalog: error: {exc}", file=sys.stderr)
        return 2
    if args.as_json:
        out: dict[str, Any] = {"as_of": on.isoformat(), "config": cat.config_path, **data}
        json.dump(out, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
        return 0
    _print(data, cat.config_path)
    return 0


#: kind -> (title, [(column, key, format)])
_COLUMNS: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "gpus": ("GPUs (dense BF16 peak; on-demand $/GPU-hour)", [
        ("id", "id", ""), ("TFLOPS", "bf16_tflops", "n"), ("GB", "memory_gb", "n"),
        ("GB/s", "bandwidth_gb_s", "n"), ("$/h", "price_low", "range"),
        ("source", "source", ""), ("as of", "as_of", ""), ("price source", "price_source", ""),
        ("price as of", "price_as_of", ""),
    ]),
    "models": ("Open-weight models", [
        ("id", "id", ""), ("params", "params", "params"),
        ("layers", "layers", "n"), ("hidden", "hidden", "n"), ("heads/kv", "heads", "heads"),
        ("ctx", "context", "ctx"), ("source", "source", ""), ("as of", "as_of", ""),
    ]),
    "api": ("API fine-tuning offers ($ per 1M tokens)", [
        ("id", "id", ""), ("train", "training_per_1m", "usd"), ("base in/out", "base_input_per_1m", "io_base"),
        ("ft in/out", "ft_input_per_1m", "io_ft"), ("retires", "retires", ""),
        ("source", "source", ""), ("as of", "as_of", ""),
    ]),
    "embeddings": ("Embedding models ($ per 1M tokens)", [
        ("id", "id", ""), ("provider", "provider", ""), ("$/1M", "price_per_1m", "usd"), ("dims", "dims", "n"),
        ("source", "source", ""), ("as of", "as_of", ""),
    ]),
    "together": ("Together AI fine-tuning tiers ($ per 1M tokens)", [
        ("tier", "name", ""), ("max params", "max_params", "count"), ("LoRA", "lora_per_1m", "usd"),
        ("full", "full_per_1m", "usd"), ("source", "source", ""), ("as of", "as_of", ""),
    ]),
    "availability": ("Who accepts new fine-tuning jobs", [
        ("provider", "provider", ""), ("on", "on", ""), ("accepts", "accepts_new_jobs", "bool"),
        ("status", "status", ""), ("warning", "warning", ""), ("source", "source", ""),
    ]),
}


def _cell(fmt: str, key: str, row: dict[str, Any]) -> str:
    from tools.units import fmt_count

    v = row.get(key)
    if fmt == "range":
        return f"{row['price_low']:.2f}-{row['price_high']:.2f}"
    if fmt == "io_base":
        return f"{row['base_input_per_1m']:g} / {row['base_output_per_1m']:g}"
    if fmt == "io_ft":
        return f"{row['ft_input_per_1m']:g} / {row['ft_output_per_1m']:g}"
    if fmt == "ctx":  # context windows are powers of two: 4096 -> 4K
        return f"{row['context'] / 1024:g}K" if row["context"] % 1024 == 0 else f"{row['context']:,}"
    if fmt == "params":
        text = fmt_count(float(row["params"]))
        return f"{text} ({fmt_count(float(row['active_params']))})" if row.get("active_params") else text
    if fmt == "heads":
        return f"{row['heads']}/{row['kv_heads']}"
    if v is None or v == "":
        return "—"
    if fmt == "count":
        return fmt_count(float(v))
    if fmt == "usd":
        return f"${float(v):g}"
    if fmt == "n":
        return f"{v:,}" if isinstance(v, int) else f"{v:,.4g}"
    if fmt == "bool":
        return "yes" if v else "no"
    return str(v)


def _print(data: dict[str, list[dict[str, Any]]], config_path: str | None) -> None:
    """Figures in a table; sources listed under it, one line per entry, so the table fits
    an 80-column terminal and no source is truncated."""
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    for kind, rows in data.items():
        title, cols = _COLUMNS[kind]
        if kind == "availability":
            console.print(f"[bold]{title}[/bold]")
            for row in rows:
                mark = "[green]accepts new jobs[/green]" if row["accepts_new_jobs"] else "[red]closed[/red]"
                console.print(f"  [bold]{row['provider']}[/bold] on {row['on']}: {mark}. {escape(row['status'])}")
                if row.get("warning"):
                    console.print(f"    [yellow]warning:[/yellow] {escape(row['warning'])}")
                console.print(f"    [dim]source: {escape(row['source'])}[/dim]")
            console.print()
            continue
        table = Table(title=title, show_header=True, header_style="bold", box=box.SIMPLE_HEAD,
                      padding=(0, 1), pad_edge=False)
        shown = [c for c in cols if c[1] not in ("source", "price_source", "price_as_of")]
        for name, key, fmt in shown:
            table.add_column(name, justify="right" if fmt in ("n", "count", "usd", "params", "ctx") else "left",
                             no_wrap=True, min_width=10 if key.endswith("as_of") or key == "retires" else None)
        for row in rows:
            table.add_row(*(escape(_cell(fmt, key, row)) for _, key, fmt in shown))
        console.print(table)
        for row in rows:
            ident = row.get("id") or row.get("name")
            line = f"  {ident}: {row['source']} ({row.get('as_of') or 'undated'})"
            if row.get("price_source"):
                line += f"; prices: {row['price_source']} ({row.get('price_as_of') or 'undated'})"
            console.print(escape(line), style="dim", highlight=False)
        console.print()
    if config_path:
        note = f"config overrides from {config_path}"
    else:
        from tools.catalog.config import config_path as default_path

        # Say where the file goes: a user who wants to override a price needs the path.
        note = f"no config file ({default_path()}): shipped figures only"
    console.print(escape(f"{note}. Override or add entries in the config file's [gpus.ID], [models.ID], "
                         f"[api.ID], [embeddings.ID] or [together.\"TIER\"] tables."), style="dim")
