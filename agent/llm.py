"""The LLM advisor: a general model made a fine-tuning consultant by structured prompts
(prompts/*.md), structured context (the case profile, injected on every call) and
deterministic tools (every number comes from tools/, never from the model).

One user message is a loop: stream the model's answer; if it asks for tools, validate
each call against the tool's JSON Schema and run it; send results (or errors to fix)
back; repeat until it answers without tools, or the step limit is reached and one
last call is made without tools. Invalid calls cost the tool part of a per-turn
budget; when a tool's budget is spent it is withdrawn for the rest of the turn.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any, AsyncIterator, Callable

from agent.consultation import Consultation
from agent.events import (Error, Event, Notice, ProfileChanged, Recommendation, TextDelta, ToolCall,
                          ToolResult, TurnDone)
from agent.provider import Completion, Provider, ProviderFailure, RetryPolicy
from tools import safe_json
from tools.errors import InputError

UPDATE_PROFILE = "update_profile"
DECIDE = "decide"
INTERRUPTED = "_(interrupted)_"
#: Message keys providers accept; anything else we store (e.g. "interrupted") stays home.
_WIRE_KEYS = ("role", "content", "tool_calls", "tool_call_id", "name")


@lru_cache(maxsize=None)
def prompt(name: str) -> str:
    """A prompt file from the prompts package, by name."""
    return resources.files("prompts").joinpath(name).read_text(encoding="utf-8").strip()


# -- the tools the model sees -----------------------------------------------------------
def _profile_schema() -> dict[str, Any] | None:
    try:
        from tools.decision.profile import PROFILE_SCHEMA
    except ModuleNotFoundError as exc:
        if exc.name != "tools.decision.profile":
            raise
        return None
    return PROFILE_SCHEMA


@lru_cache(maxsize=1)
def _profile_fields() -> tuple[str, ...]:
    schema = _profile_schema()
    return tuple(schema["properties"]) if schema is not None else ()


def _update_profile_spec() -> dict[str, Any]:
    schema = _profile_schema()
    properties = {}
    if schema is not None:
        for key, spec in schema["properties"].items():
            # null clears a field the user corrected to "unknown".
            properties[key] = {"anyOf": [spec, {"type": "null"}], "description": spec.get("description", "")}
    params: dict[str, Any] = {"type": "object", "properties": properties,
                              "additionalProperties": schema is None}
    return {"type": "function", "function": {
        "name": UPDATE_PROFILE,
        "description": prompt("tool_update_profile.md"),
        "parameters": params,
    }}


def _decide_spec() -> dict[str, Any]:
    return {"type": "function", "function": {
        "name": DECIDE,
        "description": prompt("tool_decide.md"),
        "parameters": {"type": "object", "properties": {}, "additionalProperties": False},
    }}


@lru_cache(maxsize=1)
def tool_specs() -> tuple[dict[str, Any], ...]:
    """Registry estimators + update_profile + decide, as OpenAI function specs."""
    from tools.registry import all_tools

    specs = [t.spec() for name, t in sorted(all_tools().items()) if name not in (UPDATE_PROFILE, DECIDE)]
    return (_update_profile_spec(), _decide_spec(), *specs)


# -- the advisor -------------------------------------------------------------------------
class LLMAdvisor:
    def __init__(self, model: str, *, api_base: str | None = None, api_key: str | None = None,
                 timeout: float = 60.0, policy: RetryPolicy | None = None, max_steps: int = 6,
                 tool_error_budget: int = 3, mode: str = "llm", label: str | None = None,
                 per_call: Callable[..., dict[str, Any]] | None = None) -> None:
        self.mode = mode  # type: ignore[assignment]
        self.label = label or model
        self.provider = Provider(model, api_base=api_base, api_key=api_key, timeout=timeout,
                                 policy=policy, per_call=per_call)
        self.max_steps = max_steps
        self.tool_error_budget = tool_error_budget
        self._decided: tuple[str, dict[str, Any]] | None = None

    def _decision(self, profile: dict[str, Any], strict: bool = False) -> dict[str, Any] | None:
        """decide(profile), computed once per profile state: the context of each call
        and the decide tool need the same answer, and it is not free (~tens of ms)."""
        key = json.dumps(profile, sort_keys=True, default=str)
        if self._decided is not None and self._decided[0] == key:
            return self._decided[1]
        result = _decide(profile, strict=strict)
        if result is not None:
            self._decided = (key, result)
        return result

    # -- context ---------------------------------------------------------------------
    def context(self, c: Consultation) -> str:
        """The structured context for this call: the profile and what is still open."""
        lines = ["## Case profile (structured context, kept up to date with update_profile)",
                 "```json", json.dumps(c.profile, indent=1, ensure_ascii=False, sort_keys=True), "```"]
        unknown = [name for name in _profile_fields() if name not in c.profile]
        if unknown:
            lines.append("Not known yet: " + ", ".join(unknown) + ".")
        rec = c.recommendation
        if rec:
            # What decide last said; it is re-run (a tool call) when the facts change.
            missing = [str(m.get("field")) for m in rec.get("missing", []) if isinstance(m, dict)]
            confidence = rec.get("confidence")
            shown = f"{confidence:.0%}" if isinstance(confidence, (int, float)) else "unknown"
            lines.append(f"Last recommendation (from decide): {rec.get('strategy')}, confidence "
                         f"{shown}; facts that could change it, most important first: "
                         + (", ".join(missing[:5]) or "none") + ".")
        else:
            lines.append("No recommendation yet: call `decide` once the goals and the main facts are known.")
        return "\n".join(lines)

    def request_messages(self, c: Consultation, start: int = 0, final: bool = False) -> list[dict[str, Any]]:
        history = _wire_history(c.messages[start:])
        messages = [{"role": "system", "content": prompt("system.md")},
                    {"role": "system", "content": self.context(c)}, *history]
        if final:
            messages.append({"role": "system", "content": prompt("final_answer.md")})
        return messages

    # -- protocol -------------------------------------------------------------------
    async def opening(self, c: Consultation) -> AsyncIterator[Event]:
        text = prompt("opening.md")
        c.messages.append({"role": "assistant", "content": text})
        yield TextDelta(text)
        yield TurnDone()

    async def respond(self, c: Consultation, text: str) -> AsyncIterator[Event]:
        c.messages.append({"role": "user", "content": text})
        failures: dict[str, int] = {}
        withdrawn: set[str] = set()
        trimmed = False
        said = False
        step = 0
        while True:
            final = step >= self.max_steps
            tools = None if final else [s for s in tool_specs() if s["function"]["name"] not in withdrawn]
            start = int(c.state.get("context_start", 0))
            messages = self.request_messages(c, start, final)
            completion: Completion | None = None
            streamed: list[str] = []
            try:
                async for item in self.provider.stream(messages, tools):
                    if isinstance(item, Completion):
                        completion = item
                    else:
                        if isinstance(item, TextDelta):
                            if not streamed and said:
                                yield TextDelta("\n\n")  # keep each step's text its own paragraph
                            streamed.append(item.text)
                            said = True
                        yield item
            except ProviderFailure as failure:
                if failure.context_window and not trimmed and not failure.streamed:
                    trimmed = True
                    if _trim(c):
                        yield Notice("The conversation no longer fits the model's context window: "
                                     "leaving the oldest turns out and trying again.", kind="warning")
                        continue
                if streamed:
                    c.messages.append({"role": "assistant", "content": "".join(streamed) + f"\n\n{INTERRUPTED}",
                                       "interrupted": True})
                yield Error(_failure_text(failure), recoverable=not failure.fatal)
                yield TurnDone(interrupted=True)
                return
            if completion is None:  # a stream that ended without our closing summary
                completion = Completion(text="".join(streamed))
            _add_usage(c, completion)
            message: dict[str, Any] = {"role": "assistant", "content": completion.text or None}
            calls = completion.tool_calls if not final else []
            if calls:
                message["tool_calls"] = [{"id": tc.id, "type": "function",
                                          "function": {"name": tc.name, "arguments": tc.arguments}}
                                         for tc in calls]
            if message["content"] is None and not calls:
                message["content"] = ""
            c.messages.append(message)
            if not calls:
                if not said:
                    yield Notice("The model returned an empty answer: ask again, or continue offline.",
                                 kind="warning")
                yield TurnDone()
                return
            for tc in calls:
                async for event in self._run_tool(c, tc.id, tc.name, tc.arguments, failures, withdrawn):
                    yield event
            step += 1

    # -- tools ----------------------------------------------------------------------
    async def _run_tool(self, c: Consultation, call_id: str, name: str, raw: str,
                        failures: dict[str, int], withdrawn: set[str]) -> AsyncIterator[Event]:
        args: Any
        error: str | None = None
        result: dict[str, Any] | None = None
        events: list[Event] = []
        try:
            args = safe_json.loads(raw, "arguments") if raw and raw.strip() else {}  # bounded
        except InputError as exc:
            args = {"_raw": raw[:2000]}
            error = f"the arguments are not valid JSON ({exc.message()}); call {name} again with a JSON object"
        else:
            if not isinstance(args, dict):
                error, args = f"the arguments must be a JSON object, got {type(args).__name__}", {"_raw": args}
        yield ToolCall(call_id, name, args if isinstance(args, dict) else {"_raw": args})
        known = {s["function"]["name"] for s in tool_specs()}
        if error is None and name not in known:
            import difflib

            near = difflib.get_close_matches(name, sorted(known), n=2)
            error = (f"there is no tool named {name!r}" + (f"; did you mean {' or '.join(near)}?" if near else "")
                     + f" Available tools: {', '.join(sorted(known))}.")
        elif error is None and name in withdrawn:
            error = f"{name} is not available for the rest of this turn (too many failed calls)"
        if error is None:
            try:
                if name == UPDATE_PROFILE:
                    result, events = _update_profile(c, args)
                elif name == DECIDE:
                    if args:  # facts passed to decide are recorded first, as update_profile would
                        _, events = _update_profile(c, args)
                    result = self._decision(c.profile, strict=True)
                    assert result is not None
                    c.recommendation = result
                    events = [*events, Recommendation(result)]
                else:
                    from tools.registry import call

                    result = call(name, args)
            except InputError as exc:
                error = f"invalid arguments: {exc.message()}. Fix them and call {name} again."
            except Exception as exc:  # a tool bug: the model may work around it; the user sees it
                error = f"the tool failed: {type(exc).__name__}: {exc}"
        if error is not None:
            key = name if name in known else "(unknown tools)"
            failures[key] = failures.get(key, 0) + 1
            if failures[key] >= self.tool_error_budget and name in known:
                withdrawn.add(name)
                error += (f" That was the last attempt allowed for {name} in this turn: answer without it "
                          "and tell the user which figure is missing.")
        content = json.dumps({"error": error} if error is not None else result, ensure_ascii=False,
                             separators=(",", ":"), default=str)
        c.messages.append({"role": "tool", "tool_call_id": call_id, "name": name, "content": content})
        record: dict[str, Any] = {"id": call_id, "name": name, "arguments": args}
        record["error" if error is not None else "result"] = error if error is not None else result
        c.tool_calls.append(record)
        yield ToolResult(call_id, name, result=result if error is None else None, error=error)
        for event in events:
            yield event


# -- helpers -------------------------------------------------------------------------------
def _failure_text(failure: ProviderFailure) -> str:
    if failure.fatal:
        return failure.text
    if failure.streamed:
        return f"{failure.text}; the answer was cut short (kept above, marked interrupted)"
    tries = f" after {failure.attempts} attempts" if failure.attempts > 1 else ""
    return f"{failure.text}{tries}; send your message again, or continue offline"


def _decide(profile: dict[str, Any], strict: bool = False) -> dict[str, Any] | None:
    try:
        from tools.decision.decide import decide
    except ModuleNotFoundError as exc:
        if exc.name != "tools.decision.decide" or strict:
            raise
        return None
    try:
        return decide(profile).to_dict()
    except InputError:
        if strict:
            raise
        return None


def _update_profile(c: Consultation, args: dict[str, Any]) -> tuple[dict[str, Any], list[Event]]:
    """Merge the facts into the profile, validated as a whole; later answers win. The
    model sends whole lists, so they replace; a value that does not validate raises."""
    from agent.rule_advisor import apply_updates

    validated, changed, notes = apply_updates(c.profile, _coerce_numbers(args), replace_lists=True, strict=True)
    c.profile = validated
    result = {"profile": validated, "changed": sorted(changed)}
    if notes:
        result["notes"] = notes
    return result, ([ProfileChanged(validated, changed, tuple(notes))] if changed else [])


def _coerce_numbers(args: dict[str, Any]) -> dict[str, Any]:
    """Models write sizes as people do ("2M", "50k"): turn them into the numbers the
    profile schema asks for (InputError naming the field when it cannot)."""
    schema = _profile_schema()
    if schema is None:
        return args
    from tools.units import parse_quantity

    out = dict(args)
    for key, value in args.items():
        kind = schema["properties"].get(key, {}).get("type")
        if isinstance(value, str) and kind in ("integer", "number"):
            number = parse_quantity(value, key)
            out[key] = int(number) if kind == "integer" and float(number).is_integer() else number
    return out


def _add_usage(c: Consultation, completion: Completion) -> None:
    c.usage.prompt_tokens += completion.prompt_tokens
    c.usage.completion_tokens += completion.completion_tokens
    if completion.cost_usd is not None:
        c.usage.cost_usd = (c.usage.cost_usd or 0.0) + completion.cost_usd


def _wire_history(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stored history as providers accept it: only wire keys, and every assistant
    tool call paired with its tool result (an interrupted turn can leave one unpaired)."""
    answered = {m.get("tool_call_id") for m in messages if m.get("role") == "tool"}
    out: list[dict[str, Any]] = []
    open_ids: set[str] = set()
    for m in messages:
        role = m.get("role")
        msg = {k: m[k] for k in _WIRE_KEYS if k in m}
        if role == "assistant" and msg.get("tool_calls"):
            calls = [tc for tc in msg["tool_calls"] if tc.get("id") in answered]
            if calls:
                msg["tool_calls"] = calls
                open_ids = {tc["id"] for tc in calls}
            else:
                del msg["tool_calls"]
                if not msg.get("content"):
                    continue
        elif role == "tool":
            if m.get("tool_call_id") not in open_ids:
                continue
            msg.pop("name", None)
        elif role not in ("user", "assistant", "system"):
            continue
        if role != "tool":
            if role != "assistant" or not msg.get("tool_calls"):
                open_ids = set()
        out.append(msg)
    return out


def _trim(c: Consultation) -> bool:
    """Leave the oldest half of the turns out of what is sent to the model (the saved
    history keeps them). False when there is nothing left to trim."""
    start = int(c.state.get("context_start", 0))
    users = [i for i, m in enumerate(c.messages) if i > start and m.get("role") == "user"]
    if len(users) < 2:
        return False
    c.state["context_start"] = users[len(users) // 2] if len(users) > 2 else users[-1]
    return True
