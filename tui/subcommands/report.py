"""`ft-advisor report --profile FILE|last|ID [-o report.md]`: the Markdown report
(recommendation, reasons, warnings, costs over the horizon, assumptions with sources,
prompt scaffold) for a profile file or a saved consultation."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tui import state

HELP = "write the Markdown report for a case profile or a saved consultation (last, or its id)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from tui.subcommands.decide import add_output_arguments, add_profile_arguments

    add_profile_arguments(parser)
    add_output_arguments(parser)
    parser.add_argument("--title", help="report title (default: the first line of the profile's use_case)")
    for action in parser._actions:  # say that a consultation works too
        if action.dest == "profile":
            action.metavar = "FILE|last|ID"
            action.help = ("case profile as JSON, a saved consultation's file, 'last' (the consultation "
                           "last open in the app) or a consultation id; - reads standard input")


def consultation_profile(reference: str) -> tuple[dict[str, Any], str] | None:
    """(profile, title) of the saved consultation `reference` names ("last" or an id),
    or None when it names none (then it is a file path)."""
    from agent.storage import ConsultationStore
    from tools.errors import InputError

    store = ConsultationStore()
    if reference == "last":
        last = state.last_open()
        consultation = store.load(last) if last and store.path(last).exists() else store.latest()
        if consultation is None:
            raise InputError("--profile", "a saved consultation ('last'), but none is saved yet", reference)
        return consultation.profile, consultation.title
    if Path(reference).exists() or reference == "-":
        return None
    try:
        if not store.path(reference).exists():
            return None
    except InputError:  # not an id the store accepts: a file path that does not exist
        return None
    consultation = store.load(reference)
    return consultation.profile, consultation.title


def run(args: argparse.Namespace) -> int:
    import sys

    from tools.errors import InputError
    from tools.decision.report import build_report
    from tui.subcommands.decide import fail, parse_date, read_profile, write_output

    try:
        saved = consultation_profile(args.profile)
        if saved is not None:
            from tools.decision.profile import validate_profile

            profile, title = validate_profile(saved[0]), args.title or saved[1]
        else:
            profile, title = read_profile(args.profile), args.title
        text = build_report(profile, today=parse_date(args.date), title=title)
        write_output(text, args.output, force=args.force, inputs=(args.profile,))
    except InputError as exc:
        return fail("report", exc)
    if args.output and args.output != "-":
        print(f"report written to {Path(args.output).resolve()}", file=sys.stderr)
    return 0
