"""`ft-advisor decide --profile FILE [--json]`: the article's rules applied to a case
profile (a JSON file, or `-` for standard input). Also the profile-reading helpers
that `prompt` and `report` share."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tools.files import write_text
from tools.safe_json import read_file, read_stream

HELP = "recommend prompting, RAG, LoRA or full fine-tuning for a case profile (JSON), with reasons"


def add_profile_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", required=True, metavar="FILE",
                        help="case profile as JSON (a saved consultation works too); - reads standard input")
    parser.add_argument("--date", metavar="YYYY-MM-DD",
                        help="decide as of this date (provider availability; default today)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_profile_arguments(parser)
    parser.add_argument("--json", action="store_true", dest="as_json", help="print one JSON object")


def read_profile(path: str) -> dict[str, Any]:
    """The validated profile in `path` ("-" = stdin); InputError for every bad input.
    At most 1 MB is read (FT_ADVISOR_MAX_INPUT_BYTES), from a file, a pipe or a device."""
    from tools.decision.profile import parse_profile_json

    if path == "-":
        if sys.stdin.isatty():  # a person at the keyboard: say why nothing happens
            print("reading the profile (JSON) from standard input; end with Ctrl-D", file=sys.stderr)
        text = read_stream(sys.stdin, "--profile -")
    else:
        text = read_file(path, "--profile", kind="JSON file")
    return parse_profile_json(text)


def parse_date(text: str | None) -> Any:
    from datetime import date

    from tools.errors import InputError

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError("--date", "an ISO date such as 2026-11-29", text) from None


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """-o and --force, for the commands that write a file."""
    parser.add_argument("-o", "--output", metavar="OUT", help="write to this file (default: standard output)")
    parser.add_argument("--force", action="store_true", help="replace OUT if it exists")


def write_output(text: str, out: str | None, *, force: bool = False, inputs: tuple[str, ...] = ()) -> None:
    """Print `text`, or write it to `out` with the safe-write helper (atomic, never
    through a planted temp file, never over a device, an input, or an existing file
    without --force)."""
    from tools.errors import InputError

    if out is None or out == "-":
        sys.stdout.write(text)
        return
    if not out.strip():
        raise InputError("-o", "a file path (or - for standard output)", out)
    write_text(out, text, "-o", overwrite=force, inputs=inputs)


def fail(command: str, exc: Any) -> int:
    """One line on stderr, exit code 2."""
    print(f"ft-advisor {command}: error: {exc}", file=sys.stderr)
    return 2


_LABELS = {"prompt_engineering": "prompt engineering", "rag": "RAG (retrieval-augmented generation)",
           "lora": "LoRA fine-tuning", "full_fine_tune": "full fine-tuning"}


#: Short names keep the cost table's rows on one line in 80 columns.
_SHORT = {"prompt_engineering": "prompting", "rag": "RAG", "lora": "LoRA", "full_fine_tune": "full fine-tune"}


def print_decision(data: dict[str, Any]) -> None:
    """The decision, explained, for a terminal."""
    from rich.console import Console
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table

    from tools.units import fmt_usd

    console = Console()
    strategy = _LABELS[data["strategy"]]
    extra = "".join(f" + {_LABELS[c]}" for c in data["complements"])
    head = (f"[bold]{strategy}[/]{escape(extra)}\n"
            f"fine-tuning justified: [bold]{'yes' if data['fine_tune_justified'] else 'no'}[/]   "
            f"confidence: {data['confidence']:.0%}")
    option = next((o for o in data.get("options") or [] if o["id"] == data.get("recommended")), None)
    if option:
        head += (f"\noption: [bold]{escape(option['label'])}[/]\n"
                 f"{fmt_usd(option['total_usd'])} over {(data.get('costs') or {}).get('horizon_months', 12)} months "
                 f"({fmt_usd(option['setup_usd'])} set-up, {fmt_usd(option['monthly_usd'])} a month)")
    console.print(Panel(head, title="recommendation", expand=False))
    if data.get("plan"):
        console.print("[bold]plan[/]")
        for i, step in enumerate(data["plan"], 1):
            console.print(f"  {i}. {escape(step['step'])} [dim](go on when: {escape(step['gate'])})[/]")
    if data.get("tipping_points"):
        console.print("[bold]where the answer flips[/]")
        for point in data["tipping_points"][:5]:
            console.print(f"  • {escape(point['text'])}")
    most = (data.get("robustness") or {}).get("most_flips")
    if most:
        console.print(f"  [dim]{escape(most['text'])}[/]")
    if data["reasons"]:
        console.print("[bold]why[/]")
        for note in data["reasons"]:
            console.print(f"  • {escape(note['text'])} [dim]({note['rule']})[/]")
    if data["warnings"]:
        console.print("[bold yellow]warnings[/]")
        for note in data["warnings"]:
            console.print(f"  [yellow]![/] {escape(note['text'])} [dim]({note['rule']})[/]")
    costs = data.get("costs") or {}
    if costs.get("error"):
        console.print(f"[dim]costs: {escape(costs['error'])}[/]")
    elif costs.get("recommended"):
        table = Table(title=f"costs over {costs.get('horizon_months')} months", header_style="bold")
        for column in ("strategy", "set-up", "per month", "total", "range"):
            table.add_column(column, justify="left" if column == "strategy" else "right")
        for key in ("recommended", "alternative"):
            c = costs.get(key)
            if c:
                table.add_row(f"{_SHORT[c['strategy']]} ({key})", fmt_usd(c.get("setup_usd", 0)),
                              fmt_usd(c.get("monthly_usd", 0)), fmt_usd(c.get("total_usd", 0)),
                              f"{fmt_usd(c.get('low', 0))} – {fmt_usd(c.get('high', 0))}")
        console.print(table)
    decisive = [q for q in data["missing"] if q.get("impact") == "strategy"]
    if decisive:
        q = decisive[0]
        console.print("[bold]to be more certain, answer next[/]")
        console.print(f"  {escape(q['question'])} [dim]({q['field']}: {escape(q['why'])})[/]")
        for i, choice in enumerate(q["choices"], 1):
            console.print(f"    {i}. {escape(choice['label'])}")
        if len(decisive) > 1:
            rest = ", ".join(x["field"] for x in decisive[1:])
            console.print(f"  [dim]then: {rest}[/]")
    console.print("[dim]ft-advisor report --profile FILE writes the full report; "
                  "ft-advisor prompt --profile FILE the prompt to try first.[/]")


def run(args: argparse.Namespace) -> int:
    from tools.decision.decide import decide
    from tools.errors import InputError

    try:
        profile = read_profile(args.profile)
        decision = decide(profile, today=parse_date(args.date))
    except InputError as exc:
        return fail("decide", exc)
    data = decision.to_dict()
    if args.as_json:
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_decision(data)
    return 0
