"""`ft-advisor`: the command line. Parses arguments, dispatches to a sub-command
module, and turns bad input into one clear line and exit code 2."""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from tui.subcommands import SUBCOMMANDS
from tui.terminal import scrubbed_output

EXIT_USAGE = 2


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ft-advisor")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "0+unknown"


class _VersionAction(argparse.Action):
    """--version that asks importlib.metadata (~20 ms) only when it is given, not on
    every start."""

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[override]
        print(f"{parser.prog} {_version()}")
        parser.exit(0)


class _Parser(argparse.ArgumentParser):
    """argparse that names the problem on one line and exits 2 (its default is 2 too,
    but it prints the whole usage block first)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _unrecognized(parser: argparse.ArgumentParser, extra: list[str]) -> None:
    """Name the first unknown flag and the nearest flags of the command it was given to
    (argparse only says "unrecognized arguments", from the top-level parser)."""
    import difflib

    flags = [s for action in parser._actions for s in action.option_strings if s.startswith("--")]
    unknown = next((e.split("=")[0] for e in extra if e.startswith("-")), extra[0])
    near = difflib.get_close_matches(unknown, flags, n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(near)}?)" if near else ""
    parser.error(f"unrecognized argument {unknown}{hint}")


def add_model_options(parser: argparse.ArgumentParser, *, on_subcommand: bool = False) -> None:
    """The options every consultation command shares (the app, chat, ask).

    On a sub-command they default to SUPPRESS, so `ft-advisor --offline chat` and
    `ft-advisor chat --offline` both work: a sub-parser's own defaults would otherwise
    overwrite what the main parser read."""
    default = {"default": argparse.SUPPRESS} if on_subcommand else {}
    group = parser.add_argument_group("model")
    group.add_argument("--model", metavar="MODEL", **default,
                       help="any litellm model string, e.g. openai/gpt-4o-mini, anthropic/claude-sonnet-4-5, "
                            "ollama_chat/llama3.1 (default: from the config file; none = offline rule-only)")
    group.add_argument("--api-base", metavar="URL", dest="api_base", **default,
                       help="base URL of a local server or a LiteLLM proxy")
    group.add_argument("--offline", action="store_true", **default, help="rule-only consultation, no model")
    group.add_argument("--mock", action="store_true", **default,
                       help="run the built-in scripted demonstration of the LLM path (no network)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ft-advisor",
        description="Should you fine-tune an LLM, and what would it really cost? "
                    "With no command, opens the consultation app.",
        epilog="Every number comes from deterministic cost models; see `ft-advisor estimate --help`.",
    )
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="show the version and exit")
    add_model_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module_name in SUBCOMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # not built yet
            raise
        child = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(child)
        child.set_defaults(_module=module, _parser=child)
    return parser


def _only_model_options(argv: list[str]) -> bool:
    """True when argv holds nothing but the global model options: the app's start-up
    fast path, which skips the sub-command parsers (they import every tool, ~60 ms)."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("--offline", "--mock"):
            i += 1
        elif arg in ("--model", "--api-base") and i + 1 < len(argv):
            i += 2
        elif arg.startswith(("--model=", "--api-base=")):
            i += 1
        else:
            return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:  # no need to build every sub-command's parser for this
        print(f"ft-advisor {_version()}")
        return 0
    if _only_model_options(argv):
        try:
            app_module = importlib.import_module("tui.subcommands.app")
        except ModuleNotFoundError:
            app_module = None
        if app_module is not None:
            fast = _Parser(prog="ft-advisor")
            add_model_options(fast)
            return app_module.run(fast.parse_args(argv))
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        _unrecognized(getattr(args, "_parser", parser), extra)
    module = getattr(args, "_module", None)
    if module is None:
        try:
            app_module = importlib.import_module("tui.subcommands.app")
        except ModuleNotFoundError:
            parser.print_help()
            return 0
        return app_module.run(args)
    try:
        if module.__name__ == "tui.subcommands.app":
            return int(module.run(args) or 0)
        # Every line a command prints, on stdout and stderr, passes the secret scrubber.
        with scrubbed_output():
            return int(module.run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `ft-advisor ... | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
