"""`ft-advisor chat [--plain] [--offline] [--resume ID|last]`: a consultation.

Without --plain it opens the Textual app. With --plain (or when the app is not
available, or standard input/output is not a terminal) it runs the consultation line
by line on standard input and output, for pipes, scripts and screen readers: the
advisor's Markdown goes to stdout as it is, tool activity and notices to stderr, and
"you> " is prompted only when stdin is a terminal. End of input ends the session
cleanly with the consultation saved (exit 0).
"""
from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from tools.safe_json import read_line
from tui.terminal import neutralise

HELP = "chat with the advisor: the app, or --plain for a line-by-line consultation on stdin/stdout"

QUIT = ("/quit", "/exit", "/q")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--plain", action="store_true",
                        help="line mode on standard input/output, no full-screen app (pipes, scripts, screen readers)")
    parser.add_argument("--resume", metavar="ID|last", help="continue a saved consultation ('last' = the latest)")
    from tui.cli import add_model_options

    add_model_options(parser, on_subcommand=True)


def run(args: argparse.Namespace) -> int:
    if not getattr(args, "plain", False):
        reason = _app_unavailable()
        if reason is None:
            from tui.subcommands import app as app_command  # deferred: it loads Textual

            app_args = argparse.Namespace(**vars(args))
            app_args.new = not getattr(args, "resume", None)
            return int(app_command.run(app_args) or 0)
        print(f"ft-advisor chat: {reason}; using the plain line mode", file=sys.stderr)
    return run_plain(args)


def _app_unavailable() -> str | None:
    """Why the full-screen app cannot run here, or None."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return "standard input or output is not a terminal"
    return None


def run_plain(args: argparse.Namespace, stdin: TextIO | None = None, stdout: TextIO | None = None,
              stderr: TextIO | None = None) -> int:
    # deferred, here and below: the CLI imports every sub-command to build its parser,
    # and only the one that runs should load the agent
    import asyncio

    from tools.errors import InputError

    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    for stream in (stdin, stdout, stderr):
        # Never die on a byte the terminal or pipe cannot encode or decode.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):
                pass
    from agent.session import Session

    try:
        session = Session.start(model=getattr(args, "model", None), api_base=getattr(args, "api_base", None),
                                offline=bool(getattr(args, "offline", False)), mock=bool(getattr(args, "mock", False)),
                                resume=getattr(args, "resume", None))
    except InputError as exc:
        print(f"ft-advisor chat: error: {exc.message()}", file=stderr)
        return 2
    plain = PlainChat(session, stdin, stdout, stderr)
    try:
        asyncio.run(plain.loop())
    except KeyboardInterrupt:
        plain.finish()
        return 130
    except InputError as exc:  # an input line past the cap
        plain.finish()
        print(f"ft-advisor chat: error: {exc.message()}", file=stderr)
        return 2
    plain.finish()
    return 0


class PlainChat:
    """The line loop: read a line, send it, print the events."""

    def __init__(self, session: Any, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> None:
        self.session = session
        self.stdin, self.out, self.err = stdin, stdout, stderr
        isatty = getattr(stdin, "isatty", None)
        self.interactive = bool(isatty and isatty())
        self._finished = False
        self._midline = False

    def note(self, text: str) -> None:
        if self._midline:
            # Keep stdout and stderr readable when both go to one terminal.
            self.out.write("\n")
            self.out.flush()
            self._midline = False
        self.err.write(f"· {neutralise(text)}\n")
        self.err.flush()

    async def loop(self) -> None:
        c = self.session.consultation
        resumed = bool(c.messages)
        self.note(f"ft-advisor chat · {self.session.label} · consultation {c.id}"
                  + (" · /quit or end of input to leave" if self.interactive else ""))
        await self.show(self.session.opening())
        if resumed and not hasattr(self.session.advisor, "resume_text"):
            # The offline interview says where we stand in opening(); for the other
            # advisors, repeat the last answer (line mode shows no history).
            last = next((m.get("content") for m in reversed(c.messages)
                         if m.get("role") == "assistant" and m.get("content")), None)
            if last:
                self.write(last)
        while True:
            if self.interactive:
                self.out.write("you> ")
                self.out.flush()
            # A blocking read: nothing else runs meanwhile, and Ctrl+C interrupts it at once.
            line = read_line(self.stdin, "input line")  # capped: an endless line ends the session
            if line == "":
                break  # end of input
            text = line.rstrip("\r\n")
            if text.strip().lower() in QUIT:
                break
            if not text.strip():
                continue
            await self.show(self.session.send(text))

    def write(self, text: str) -> None:
        self.out.write(neutralise(text).rstrip("\n") + "\n\n")
        self.out.flush()
        self._midline = False

    async def show(self, events: Any) -> None:
        from agent.events import (Error, Notice, ProfileChanged, Recommendation, TextDelta, ToolCall,
                                  ToolResult, TurnDone)

        wrote = False
        async for event in events:
            if isinstance(event, TextDelta):
                self.out.write(neutralise(event.text))
                self.out.flush()
                wrote = wrote or bool(event.text)
                self._midline = bool(event.text) and not event.text.endswith("\n")
            elif isinstance(event, ProfileChanged):
                for name, value in event.changed.items():
                    if name != "use_case":
                        self.note(f"profile: {name} = {value!r}" if value is not None else f"profile: {name} cleared")
                for text in event.notes:
                    self.note(text)
            elif isinstance(event, ToolCall):
                self.note(f"tool: {event.name}({', '.join(f'{k}={v!r}' for k, v in event.arguments.items())})")
            elif isinstance(event, ToolResult):
                if event.error:
                    self.note(f"tool {event.name} failed: {event.error}")
            elif isinstance(event, Recommendation):
                self.note(f"recommendation: {event.decision.get('strategy')}")
            elif isinstance(event, Notice):
                self.note(event.text)
            elif isinstance(event, Error):
                self.note(f"error: {event.text}")
            elif isinstance(event, TurnDone):
                if event.interrupted:
                    self.out.write("\n(interrupted)")
                if wrote or event.interrupted:
                    self.out.write("\n\n")
                self.out.flush()
                self._midline = False

    def finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        try:
            self.session.save()
        except OSError as exc:
            self.note(f"could not save the consultation: {exc}")
            return
        for notice in self.session.store_notices():  # e.g. a conflict on the last save
            self.note(notice.text)
        if self.session.store.unwritable is not None:
            self.note("consultation not saved: the store cannot be written")
            return
        cid = self.session.consultation.id
        self.note(f"consultation saved: {cid} (continue with: ft-advisor chat --plain --resume {cid})")
