"""`ft-advisor report --profile FILE [-o report.md]`: the Markdown report (recommendation,
reasons, warnings, costs over the horizon, assumptions with sources, prompt scaffold)."""
from __future__ import annotations

import argparse

HELP = "write the Markdown report for a case profile: recommendation, costs over time, assumptions, prompt"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from tui.subcommands.decide import add_output_arguments, add_profile_arguments

    add_profile_arguments(parser)
    add_output_arguments(parser)
    parser.add_argument("--title", help="report title (default: the first line of the profile's use_case)")


def run(args: argparse.Namespace) -> int:
    import sys

    from tools.errors import InputError
    from tools.decision.report import build_report
    from tui.subcommands.decide import fail, parse_date, read_profile, write_output

    try:
        profile = read_profile(args.profile)
        text = build_report(profile, today=parse_date(args.date), title=args.title)
        write_output(text, args.output, force=args.force, inputs=(args.profile,))
    except InputError as exc:
        return fail("report", exc)
    if args.output and args.output != "-":
        print(f"report written to {args.output}", file=sys.stderr)
    return 0
