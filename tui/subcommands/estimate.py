"""`ft-advisor estimate KIND [flags]`: run one cost model from the tool registry.

The flags of each KIND are generated from the tool's JSON Schema, so the command line,
the agent and the registry can never disagree about an argument's name or range."""
from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from tools.errors import InputError
from tools.registry import add_flags, all_tools, args_from_flags, call, flag

HELP = "run one cost model: training, memory, api-finetune, inference, data, maintenance, rag, compare"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True, parser_class=type(parser))
    for tool in all_tools().values():
        if not tool.cli_name:
            continue
        first_line = tool.description.strip().split("\n")[0]
        # argparse %-formats help strings: a literal % in a description must be doubled.
        # The rest of the description tells a model when to call the tool; a person
        # reading --help needs what it computes and how to write numbers.
        child = kinds.add_parser(tool.cli_name, help=first_line.replace("%", "%%"),
                                 description=(first_line + " " + _NUMBERS).replace("%", "%%"))
        props = tool.schema.get("properties", {})
        add_flags(child, tool, lambda prop, spec, props=props:
                  _as_flags(spec.get("description", ""), props).replace("%", "%%"))
        child.add_argument("--json", action="store_true", dest="as_json", help="print one JSON object")
        child.set_defaults(_tool=tool, _parser=child)


def _as_flags(text: str, props: dict[str, Any]) -> str:
    """Argument names in a description written for a model (tokens_per_example) read as
    the flags a person types (--tokens-per-example). Only names with an underscore: a
    bare "model" or "tokens" is as often the plain word."""
    names = sorted((p for p in props if "_" in p), key=len, reverse=True)
    if not names:
        return text
    return re.sub(r"(?<![\w-])(" + "|".join(map(re.escape, names)) + r")\b", lambda m: flag(m[1]), text)


_NUMBERS = ("Numbers may be written the way people write them: 7b, 70B, 2T, 50k, 1.5M, 3e9, $30k. "
            "Every figure comes with its assumptions and their sources; --json prints one JSON object.")


def run(args: argparse.Namespace) -> int:
    tool = args._tool
    props = tool.schema.get("properties", {})
    try:
        data = call(tool.name, args_from_flags(tool, args))
    except InputError as exc:
        label = flag(exc.field) if exc.field in props else exc.field
        print(f"ft-advisor estimate {tool.cli_name}: error: {exc.message(label)}", file=sys.stderr)
        return 2
    if args.as_json:
        json.dump(data, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        from tui.render import print_estimate

        print_estimate(tool.cli_name, data)
    return 0
