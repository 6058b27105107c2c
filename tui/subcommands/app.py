"""`ft-advisor` with no sub-command: the consultation app.

Kept import-light: the app module is imported only here, inside run()."""
from __future__ import annotations

import argparse

HELP = "open the consultation app (the default when no command is given)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--new", action="store_true", help="start a new consultation instead of resuming the last")
    parser.add_argument("--resume", metavar="ID", help="resume the consultation with this id")
    # Also accepted after `app`; SUPPRESS keeps `ft-advisor --offline app` working (a
    # sub-parser's defaults would overwrite the main parser's values).
    group = parser.add_argument_group("model")
    group.add_argument("--model", metavar="MODEL", default=argparse.SUPPRESS,
                       help="any litellm model string (default: from the config file; none = offline rule-only)")
    group.add_argument("--api-base", metavar="URL", dest="api_base", default=argparse.SUPPRESS,
                       help="base URL of a local server or a LiteLLM proxy")
    group.add_argument("--offline", action="store_true", default=argparse.SUPPRESS,
                       help="rule-only consultation, no model")
    group.add_argument("--mock", action="store_true", default=argparse.SUPPRESS,
                       help="the built-in scripted demonstration of the LLM path (no network)")


def run(args: argparse.Namespace) -> int:
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
