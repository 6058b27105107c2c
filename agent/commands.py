"""Slash commands, the same in every mode (rule-only, LLM, mock): /estimate, /compare,
/prompt, /report, /profile, /set FIELD=VALUE, /reset, /help.

`handle(line, session)` returns None when the line is not a command, else an async
iterator of events that ends with TurnDone. Tools run through the registry, so their
arguments are validated exactly as on the command line and for the model; `/estimate`
builds its flags from each tool's JSON Schema, like `ft-advisor estimate` does.
Bad input becomes a one-line answer naming the field and what was expected.
"""
from __future__ import annotations

import argparse
import difflib
import json
import shlex
import uuid
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Protocol

from agent.case import set_profile
from agent.consultation import Consultation
from agent.events import Event, ProfileChanged, Recommendation, TextDelta, ToolCall, ToolResult, TurnDone
from agent.presentation import compare_markdown, estimate_markdown, field_label, profile_table, show_value
from agent.rule_advisor import RuleAdvisor, text
from agent.storage import export_directory
from tools.decision.profile import PROFILE_FIELDS, PROFILE_SCHEMA, _expected, validate_profile
from tools.decision.report import build_report
from tools.decision.scaffold import build_prompt_scaffold
from tools.errors import InputError
from tools.estimators.compare import DEFAULT_EPOCHS, DEFAULT_OUTPUT_TOKENS, DEFAULT_PROMPT_TOKENS
from tools.files import write_text
from tools.registry import add_flags, all_tools, args_from_flags, by_cli_name, call, flag
from tools.units import parse_quantity


class Session(Protocol):
    """What a command needs of the session that runs it (agent/session.py's Session;
    a protocol, so that the session can import the commands and not the reverse)."""

    consultation: Consultation
    advisor: Any

    @property
    def mode(self) -> str: ...

    @property
    def label(self) -> str: ...

COMMANDS = {
    "estimate": "one cost model: /estimate KIND [--flags] (KIND --help lists its flags)",
    "compare": "prompt engineering, RAG, LoRA and a full fine-tune side by side over time [--flags]",
    "prompt": "a structured prompt scaffold for this case",
    "report": "write the Markdown report: /report [PATH] (PATH! replaces an existing file)",
    "profile": "show the case profile",
    "set": "set a profile field: /set FIELD=VALUE (an empty VALUE clears it)",
    "reset": "forget this case and start over",
    "help": "this list",
}


class _Reply:
    """What a command produces: Markdown parts and events to yield around the text."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.before: list[Event] = []  # yielded before the text (tool calls, profile changes)
        self.after: list[Event] = []  # yielded after it (recommendations)


def handle(line: str, session: Session) -> AsyncIterator[Event] | None:
    stripped = line.strip()
    if not stripped.startswith("/") or stripped.startswith("//"):
        return None
    name, _, rest = stripped[1:].partition(" ")
    name = name.strip().lower()
    return _run(name, rest.strip(), session, stripped)


async def _run(name: str, rest: str, session: Session, line: str) -> AsyncIterator[Event]:
    c = session.consultation
    c.messages.append({"role": "user", "content": line, "command": True})
    reply = _Reply()
    handler = _HANDLERS.get(name)
    try:
        if handler is None:
            close = difflib.get_close_matches(name, list(COMMANDS), n=1)
            hint = f" Did you mean `/{close[0]}`?" if close else ""
            reply.parts.append(f"Unknown command `/{name}`.{hint} Commands: "
                               + ", ".join(f"`/{k}`" for k in COMMANDS) + ".")
        else:
            handler(rest, session, reply)
    except InputError as exc:
        message = exc.message()
        reply.parts.append(message if message.startswith("/") else f"**/{name}**: {message}")
    for event in reply.before:
        yield event
    body = "\n\n".join(p for p in reply.parts if p) or "Done."
    yield TextDelta(body)
    c.messages.append({"role": "assistant", "content": body, "command": True})
    for event in reply.after:
        yield event
    yield TurnDone()


# --------------------------------------------------------------------------- /help, /profile

def _help(rest: str, session: Session, reply: _Reply) -> None:
    if session.mode == "offline":
        reply.parts.append(RuleAdvisor.help_text())
        return
    rows = ["| command | what it does |", "|---|---|"]
    rows += [f"| `/{name}` | {what} |" for name, what in COMMANDS.items()]
    reply.parts.append(f"Answering: **{session.label}**. Ask anything about fine-tuning your case; "
                       "every figure comes from the cost models.\n\n" + "\n".join(rows))


def _profile(rest: str, session: Session, reply: _Reply) -> None:
    profile = session.consultation.profile
    if not profile:
        reply.parts.append("The profile is empty so far. Describe your case, or use `/set FIELD=VALUE`.")
        return
    unknown = [n for n in PROFILE_FIELDS if n not in profile and n not in ("use_case", "output_format_example")]
    out = profile_table(profile, PROFILE_FIELDS)
    if unknown:
        out += "\n\nStill unknown: " + ", ".join(f"`{n}`" for n in unknown) + "."
    reply.parts.append(out)


# --------------------------------------------------------------------------- /set, /reset

_TRUE = {"yes", "y", "true", "1", "on"}
_FALSE = {"no", "n", "false", "0", "off"}


def _known_field(name: str) -> dict[str, Any]:
    props = PROFILE_SCHEMA["properties"]
    if name not in props:
        raise InputError("field", "one of " + ", ".join(PROFILE_FIELDS), name,
                         tuple(difflib.get_close_matches(name, PROFILE_FIELDS, n=2)))
    return props[name]


def parse_field_value(name: str, raw: str) -> Any:
    """A /set value as the profile field's type; InputError naming the field and what
    it accepts."""
    spec = _known_field(name)
    value = raw.strip().strip("\"'")
    kind = spec.get("type")
    if "enum" in spec:
        lowered = value.lower()
        if lowered not in spec["enum"]:
            raise InputError(name, _expected(spec), value,
                             tuple(difflib.get_close_matches(lowered, spec["enum"], n=2)))
        return lowered
    if kind == "boolean":
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise InputError(name, "yes or no (true/false)", value)
    if kind in ("integer", "number"):
        number = parse_quantity(value, name)
        if name == "requests_per_month" or kind == "integer":
            if not float(number).is_integer() and kind == "integer":
                number = round(number)
            return int(number)
        return number
    if kind == "array":
        items = [v.strip().lower().replace(" ", "_") for v in value.split(",") if v.strip()]
        allowed = spec.get("items", {}).get("enum")
        for item in items:
            if allowed and item not in allowed:
                raise InputError(name, "a comma-separated list of " + ", ".join(allowed), item,
                                 tuple(difflib.get_close_matches(item, allowed, n=2)))
        return items
    return value


def _set(rest: str, session: Session, reply: _Reply) -> None:
    if "=" not in rest:
        raise InputError("/set", "FIELD=VALUE with FIELD one of " + ", ".join(PROFILE_FIELDS),
                         rest or None)
    name, _, raw = rest.partition("=")
    name = name.strip().lower().replace("-", "_")
    c = session.consultation
    if not raw.strip():
        _known_field(name)
        change = set_profile(c, {name: None})
    else:
        value = parse_field_value(name, raw)
        try:
            validate_profile({**c.profile, name: value})  # the schema and the catalog
        except InputError as exc:
            raise InputError(name, exc.expected, exc.got, exc.suggestions) from None
        change = set_profile(c, {name: value}, replace_lists=True)
    if change is None:
        reply.parts.append(f"`{name}` was already {show_value(name, c.profile.get(name))}: nothing changed.")
        return
    reply.before.append(change)
    label = field_label(name)
    replaced = [n for n in change.notes if "replaces" in n]
    if name in c.profile and replaced:
        # The note already names the new and the old value: "2M replaces 500k (later answer wins)".
        text = f"Set **{label}**: {replaced[0].split(': ', 1)[-1]}."
    elif name in c.profile:
        text = f"Set **{label}** to {show_value(name, c.profile[name])}."
    else:
        text = f"Cleared **{label}**."
    reply.parts.append(text)
    _after_edit(session, reply)


def _after_edit(session: Session, reply: _Reply) -> None:
    """In the offline interview, move on: the next question or the updated recommendation."""
    if not isinstance(session.advisor, RuleAdvisor):
        return
    before = session.consultation.recommendation
    parts = session.advisor.after_profile_edit(session.consultation)
    reply.parts.extend(parts)
    after = session.consultation.recommendation
    if after and after is not before:  # the interview decided again
        reply.after.append(Recommendation(after))


def _reset(rest: str, session: Session, reply: _Reply) -> None:
    c = session.consultation
    had = dict(c.profile)
    c.profile = {}
    c.recommendation = None
    # The interview starts over; other advisors' private state (not case facts) stays.
    c.state.pop("interview", None)
    if had:
        reply.before.append(ProfileChanged(profile={}, changed={k: None for k in had},
                                           notes=("profile cleared (/reset)",)))
    reply.parts.append(text("reset"))
    if session.mode == "offline":
        reply.parts.append(text("greeting"))
    else:
        reply.parts.append("Tell me about your case from the start.")


# --------------------------------------------------------------------------- tools

class _ArgError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _ArgError(message)


def _tool_parser(tool: Any, prog: str) -> _Parser:
    """Flags generated from the tool's JSON Schema, as `ft-advisor estimate` does."""
    parser = _Parser(prog=prog, add_help=False, exit_on_error=False)
    add_flags(parser, tool)
    return parser


def _flags_help(tool: Any, prog: str) -> str:
    rows = ["| flag | meaning |", "|---|---|"]
    for prop, spec in tool.schema.get("properties", {}).items():
        choices = " (" + "\\|".join(map(str, spec["enum"])) + ")" if "enum" in spec else ""
        rows.append(f"| `{flag(prop)}` | {spec.get('description', '').replace('|', '/')}{choices} |")
    first = tool.description.strip().split("\n")[0]
    return (f"**{prog}**: {first}\n\n" + "\n".join(rows)
            + "\n\nUnset flags come from the case profile where it has them.")


def _tool_args(tool: Any, tokens: list[str], prog: str) -> dict[str, Any]:
    parser = _tool_parser(tool, prog)
    try:
        namespace, extra = parser.parse_known_args(tokens)
    except _ArgError as exc:
        raise InputError(prog, f"valid flags ({exc}; see `{prog} --help`)") from None
    if extra:  # a misspelt flag: name it and the nearest ones, as the CLI does
        known = [s for action in parser._actions for s in action.option_strings]
        unknown = next((e.split("=")[0] for e in extra if e.startswith("-")), extra[0])
        raise InputError(prog, f"valid flags (unrecognized arguments: {' '.join(extra)}; see `{prog} --help`)",
                         suggestions=tuple(difflib.get_close_matches(unknown, known, n=2, cutoff=0.6)))
    return args_from_flags(tool, namespace)


#: The documented defaults of /estimate training when neither the flags nor the profile
#: say (the same as /compare's, so the two agree): one request plus its answer per
#: training example, and 3 epochs.
def _training_defaults(tool: Any, args: dict[str, Any]) -> dict[str, Any]:
    props = tool.schema.get("properties", {})
    if "tokens_per_example" not in props or "examples" not in args:
        return {}
    defaults: dict[str, Any] = {}
    if args.get("tokens") is None and args.get("tokens_per_example") is None:
        defaults["tokens_per_example"] = (args.get("prompt_tokens") or DEFAULT_PROMPT_TOKENS) + \
            (args.get("output_tokens") or DEFAULT_OUTPUT_TOKENS)
    if "epochs" in props and args.get("epochs") is None:
        defaults["epochs"] = DEFAULT_EPOCHS
    return defaults


def _profile_args(tool: Any, profile: dict[str, Any]) -> dict[str, Any]:
    """The arguments the profile can supply (argument names are profile field names)."""
    props = tool.schema.get("properties", {})
    args = {k: v for k, v in profile.items() if k in props}
    # A tool that takes only `examples` trains on the labelled examples the team has; one
    # that takes both (compare) reads `examples` as a target set size, which the profile
    # does not hold: setting it would make /compare disagree with the recommendation.
    if "examples" in props and "labeled_examples" not in props and profile.get("labeled_examples"):
        args.setdefault("examples", profile["labeled_examples"])
    return args


def run_tool(tool: Any, session: Session, flags: dict[str, Any], reply: _Reply) -> dict[str, Any]:
    """Validate and run a tool with profile defaults plus flags; record the call."""
    args = {**_profile_args(tool, session.consultation.profile), **flags}
    defaults = _training_defaults(tool, {**session.consultation.profile, **args})
    if defaults:
        args.update(defaults)
        reply.parts.append("Defaults used: " + ", ".join(f"`{flag(k)} {v:g}`" for k, v in defaults.items())
                           + " (one request plus its answer per example and 3 epochs, as `/compare` assumes; "
                             "give the flags to change them).")
    call_id = "cmd_" + uuid.uuid4().hex[:8]
    reply.before.append(ToolCall(call_id, tool.name, dict(args)))
    record: dict[str, Any] = {"id": call_id, "name": tool.name, "arguments": dict(args), "source": "command"}
    session.consultation.tool_calls.append(record)
    try:
        data = call(tool.name, args)
    except InputError as exc:
        # A profile value the tool rejects is named by its flag, so the user can override it.
        label = flag(exc.field) if exc.field in tool.schema.get("properties", {}) else exc.field
        record["error"] = exc.message(label)
        reply.before.append(ToolResult(call_id, tool.name, error=record["error"]))
        raise InputError(label, exc.expected, exc.got, exc.suggestions) from None
    data = json.loads(json.dumps(data, default=str))
    record["result"] = data
    reply.before.append(ToolResult(call_id, tool.name, result=data))
    return data


def _estimate(rest: str, session: Session, reply: _Reply) -> None:
    kinds = [t.cli_name for t in all_tools().values() if t.cli_name]
    try:
        tokens = shlex.split(rest)
    except ValueError as exc:
        raise InputError("/estimate", f"flags in shell syntax ({exc})") from None
    if not tokens or tokens[0] in ("-h", "--help", "help"):
        reply.parts.append("Usage: `/estimate KIND [--flags]` with KIND one of "
                           + ", ".join(f"`{k}`" for k in kinds) + ". `/estimate KIND --help` lists its flags.")
        return
    kind, flags = tokens[0].lower(), tokens[1:]
    tool = by_cli_name(kind)
    if tool is None:
        raise InputError("KIND", "one of " + ", ".join(kinds), kind, tuple(difflib.get_close_matches(kind, kinds, n=2)))
    prog = f"/estimate {kind}"
    if any(f in ("-h", "--help") for f in flags):
        reply.parts.append(_flags_help(tool, prog))
        return
    data = run_tool(tool, session, _tool_args(tool, flags, prog), reply)
    if kind == "compare":
        reply.parts.append(_compare_markdown(data, session))
    else:
        reply.parts.append(estimate_markdown(kind, data))


def _compare(rest: str, session: Session, reply: _Reply) -> None:
    tool = by_cli_name("compare")
    try:
        tokens = shlex.split(rest)
    except ValueError as exc:
        raise InputError("/compare", f"flags in shell syntax ({exc})") from None
    if any(f in ("-h", "--help") for f in tokens):
        reply.parts.append(_flags_help(tool, "/compare"))
        return
    data = run_tool(tool, session, _tool_args(tool, tokens, "/compare"), reply)
    reply.parts.append(_compare_markdown(data, session))


def _compare_markdown(data: dict[str, Any], session: Session) -> str:
    return compare_markdown(data, (session.consultation.recommendation or {}).get("strategy"))


# --------------------------------------------------------------------------- deliverables

def _prompt(rest: str, session: Session, reply: _Reply) -> None:
    scaffold = build_prompt_scaffold(session.consultation.profile)
    reply.parts.append("Here is a structured prompt for your case: try it before paying for fine-tuning.\n\n"
                       + scaffold)


def _report(rest: str, session: Session, reply: _Reply) -> None:
    c = session.consultation
    try:
        # Without a path, the report goes to the documented export folder, as exports do.
        target = shlex.split(rest)[0] if rest.strip() else str(export_directory() / f"ft-advisor-report-{c.id}.md")
    except ValueError as exc:
        raise InputError("PATH", f"a file path ({exc})") from None
    # `/report PATH!` replaces an existing file; without the "!" it is refused.
    force = target.endswith("!") and len(target) > 1
    path = Path(target[:-1] if force else target).expanduser()
    if path.is_dir():
        path = path / f"ft-advisor-report-{c.id}.md"
    markdown = build_report(c.profile)
    path = write_text(path, markdown, "PATH", overwrite=force, make_parents=True)
    reply.parts.append(f"Report written to `{path.resolve()}` ({len(markdown):,} characters).")


_HANDLERS: dict[str, Callable[[str, Session, _Reply], None]] = {
    "estimate": _estimate,
    "compare": _compare,
    "prompt": _prompt,
    "report": _report,
    "profile": _profile,
    "set": _set,
    "reset": _reset,
    "help": _help,
}
