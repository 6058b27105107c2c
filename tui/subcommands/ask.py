"""`ft-advisor ask "QUESTION"`: a one-shot consultation without the app.

The answer streams to stdout, tool activity and notices to stderr, so
`ft-advisor ask ... > answer.md` keeps only the answer. `--json` prints one object
instead: answer, tool_calls (name, arguments, result or error), profile, usage,
recommendation (the engine's strategy, model and total_usd, there even when the model
called no tool), decision (the engine's whole answer), unverified_figures (the
answer's figures that no tool or engine result backs, as {text, value}), and the
offline reader's reading of the question: facts (each with the words it came from),
unread (numbers it could not attribute), contradictions, language and assumed (the
decisive inputs the costs defaulted).

With no model configured (no --model, FT_ADVISOR_MODEL or [llm] model) the question
is answered by the offline rule-only advisor, as in the app; stderr says so. The
consultation is saved like any other, so `ft-advisor` can resume it.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from tools.safe_json import read_stream
from tui.terminal import neutralise

HELP = "ask one question and get the advisor's answer (streams; --json for one object)"
EXIT_PROVIDER = 1
EXIT_USAGE = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("question", nargs="+", metavar="QUESTION",
                        help='your question or case, e.g. "We have 20k support tickets; should we fine-tune?" '
                             '("-" reads it from standard input)')
    from tui.cli import add_model_options

    add_model_options(parser, on_subcommand=True)
    parser.add_argument("--json", action="store_true", dest="as_json", help="print one JSON object")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", default=None,
                        help="seconds to wait for each model response (default: config, else 60)")


def _question(args: argparse.Namespace) -> str:
    parts = args.question
    if parts == ["-"]:
        return read_stream(sys.stdin, "QUESTION (standard input)")  # capped: 1 MB
    return " ".join(parts)


def _err(line: str) -> None:
    print(neutralise(line), file=sys.stderr, flush=True)


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def run(args: argparse.Namespace) -> int:
    # deferred, here and below: the CLI imports every sub-command to build its parser,
    # and only the one that runs should load the agent
    import asyncio

    from tools.errors import InputError

    try:
        question = _question(args).strip()
    except InputError as exc:
        _err(f"ft-advisor ask: error: {exc.message()}")
        return EXIT_USAGE
    if not question:
        _err("ft-advisor ask: error: QUESTION: expected a question or a description of your case, got ''")
        return EXIT_USAGE
    try:
        return asyncio.run(_ask(args, question))
    except InputError as exc:
        _err(f"ft-advisor ask: error: {exc.message()}")
        return EXIT_USAGE


async def _ask(args: argparse.Namespace, question: str) -> int:
    from agent.events import (Error, FiguresChecked, Notice, ProfileChanged, Recommendation, TextDelta, ToolCall,
                              ToolResult)
    from agent.session import Session
    from tools.units import fmt_usd

    session = Session.start(model=getattr(args, "model", None), api_base=getattr(args, "api_base", None),
                            offline=bool(getattr(args, "offline", False)), mock=bool(getattr(args, "mock", False)),
                            one_shot=True)
    if args.timeout is not None:
        if args.timeout <= 0:
            _err(f"ft-advisor ask: error: --timeout: expected a number of seconds > 0, got {args.timeout:g}")
            return EXIT_USAGE
        provider = getattr(session.advisor, "provider", None)
        if provider is not None:
            provider.timeout = args.timeout
    as_json = args.as_json
    if session.mode == "offline" and not getattr(args, "offline", False):
        why = "offline = true in the config" if session.settings and session.settings.model else "no model configured"
        _err(f"ft-advisor ask: {why}, so the offline rule-only advisor answers (choose a model with --model, "
             "FT_ADVISOR_MODEL or [llm] model in the config file; --mock shows the LLM path)")
    answer: list[str] = []
    unverified: list[dict[str, Any]] = []
    failure: Error | None = None
    interrupted = False
    switched = False
    for_stdout = not as_json
    async for event in session.send(question):
        if isinstance(event, TextDelta):
            answer.append(event.text)
            if for_stdout:
                sys.stdout.write(neutralise(event.text))
                sys.stdout.flush()
        elif isinstance(event, ToolCall):
            _err(f"→ {event.name}({_short(event.arguments)})")
        elif isinstance(event, ToolResult):
            _err(f"  ✗ {event.name}: {event.error}" if event.error else f"  ✓ {event.name}")
        elif isinstance(event, Notice):
            if event.kind == "mode":
                switched = True
            _err(f"[{event.kind}] {event.text}")
        elif isinstance(event, Error):
            failure = event  # reported once, at the end
        elif isinstance(event, ProfileChanged):
            for note in event.notes:
                _err(f"  profile: {note}")
        elif isinstance(event, Recommendation):
            pass  # part of the answer text and of --json
        elif isinstance(event, FiguresChecked):
            unverified.extend(event.unverified)  # footnoted in the answer already
        elif getattr(event, "interrupted", False):
            interrupted = True
    c = session.consultation
    if for_stdout and answer and not "".join(answer).endswith("\n"):
        sys.stdout.write("\n")
    if as_json:
        _print_json(session, question, "".join(answer), interrupted, failure, unverified)
    elif c.usage.prompt_tokens or c.usage.completion_tokens:
        cost = f", {fmt_usd(c.usage.cost_usd)}" if c.usage.cost_usd is not None else " (cost unknown: the model " \
            "is not in litellm's price map)"
        _err(f"usage: {c.usage.prompt_tokens:,} prompt + {c.usage.completion_tokens:,} completion tokens{cost}")
    # A provider failure that survived the retries is a failed command, even when the
    # offline advisor stepped in, so scripts notice; stderr already holds the reason.
    if failure is not None or switched:
        reason = failure.text if failure is not None else "the model could not be used"
        _err(f"ft-advisor ask: error: {reason}")
        return EXIT_PROVIDER
    return 0


def _print_json(session: Any, question: str, answer: str, interrupted: bool, failure: Any,
                unverified: list[dict[str, Any]]) -> None:
    """The one JSON object of `ask --json`, with the offline reader's reading."""
    from agent.context import summary
    from agent.language import detect_language
    from agent.rule_advisor import reading
    from agent.storage import scrub

    c = session.consultation
    # The offline interview keeps its reading; another advisor's facts are in `profile`.
    read = reading(c) if session.mode == "offline" else {
        "facts": [], "unread": [], "contradictions": [], "language": detect_language(question), "assumed": []}
    calls = [{k: v for k, v in call.items() if k in ("name", "arguments", "result", "error")}
             for call in c.tool_calls]
    # Like a saved consultation, the printed object never carries a key.
    json.dump(scrub({
        "answer": answer,
        "mode": session.mode,
        "model": session.label,
        "tool_calls": calls,
        "profile": c.profile,
        "recommendation": summary(c.recommendation, c.profile),
        "decision": c.recommendation,
        "unverified_figures": unverified,
        "usage": {"prompt_tokens": c.usage.prompt_tokens, "completion_tokens": c.usage.completion_tokens,
                  "cost_usd": c.usage.cost_usd},
        "consultation_id": c.id,
        "interrupted": interrupted,
        "error": failure.text if failure is not None else None,
        **read,
    }), sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")
