"""`ft-advisor` with no sub-command: the consultation app.

Kept import-light: the app module is imported only here, inside run()."""
from __future__ import annotations

import argparse
import sys

HELP = "open the consultation app (the default when no command is given)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--new", action="store_true", help="start a new consultation instead of resuming the last")
    parser.add_argument("--resume", metavar="ID", help="resume the consultation with this id")
    from tui.cli import add_model_options

    add_model_options(parser, on_subcommand=True)


def run(args: argparse.Namespace) -> int:
    # A full-screen app painted into a pipe hangs and fills the pipe with escape codes.
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("ft-advisor app: error: the app needs a terminal (standard input and output are not one); "
              "use `ft-advisor chat --plain` for pipes and scripts", file=sys.stderr)
        return 2
    from tui.app import AdvisorApp, StartOptions

    # Reopen the last consultation, except for the mock demo, which always starts fresh.
    resume: str | None = None if getattr(args, "mock", False) else "last"
    if getattr(args, "new", False):
        resume = None
    elif getattr(args, "resume", None):
        resume = args.resume
    options = StartOptions(model=getattr(args, "model", None), api_base=getattr(args, "api_base", None),
                           offline=bool(getattr(args, "offline", False)), mock=bool(getattr(args, "mock", False)),
                           resume=resume)
    AdvisorApp(options).run()
    return 0
