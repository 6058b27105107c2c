"""The LLM advisor: a general model made a fine-tuning consultant by structured prompts
(prompts/*.md), structured context (the engine's answer, injected on every call) and
deterministic tools (every number comes from tools/, never from the model).

One user message:
1. The engine runs first, whatever the model does: the offline interview's reader
   reads the message into the profile and `decide` recommends. Its answer, plan, costs
   and open questions go to the model as a context block (prompts/context.md), so a
   model that calls no tool still answers from the right numbers.
2. Then the model loop: stream the answer; run the tool calls it asks for (native, or
   written as text, as many local models do), validated against each tool's JSON
   Schema; send results (or errors to fix) back; repeat until it answers without
   tools, or the step limit is reached and one last call is made without tools.
   Invalid calls cost the tool part of a per-turn budget.
3. Bounds (agent/bounds.py): a cap on each completion, a repetition guard, a deadline
   for the turn after which the engine's recommendation answers, caps on tool-call
   size and count.
4. Every figure of the answer is checked against the engine's and the tools' numbers
   (agent/grounding.py); the unverified ones are listed (FiguresChecked) and footnoted.
"""
from __future__ import annotations

import asyncio
import difflib
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, AsyncIterator, Callable

from agent import context as engine
from agent.bounds import EchoGuard, Limits, RepetitionGuard
from agent.consultation import Consultation
from agent.events import (Error, Event, FiguresChecked, Notice, ProfileChanged, Recommendation, TextDelta,
                          ToolCall, ToolResult, TurnDone)
from agent.grounding import Known, check, footnote
from agent.parsing import clean, extract_facts
from agent.prompt_files import exists, prompt
from agent.provider import Completion, Provider, ProviderFailure, RawToolCall, RetryPolicy
from agent.case import apply_updates
from agent.settings import LLMSettings
from agent.textcalls import TextCallFilter
from tools import safe_json
from tools.decision.decide import decide
from tools.decision.profile import PROFILE_SCHEMA
from tools.errors import InputError
from tools.registry import all_tools, call
from tools.units import parse_quantity

UPDATE_PROFILE = "update_profile"
DECIDE = "decide"
INTERRUPTED = "_(interrupted)_"
#: Message keys providers accept; anything else we store (e.g. "interrupted") stays home.
_WIRE_KEYS = ("role", "content", "tool_calls", "tool_call_id", "name")
#: Characters of an oversized or malformed tool call kept in the history.
_KEPT_ARGS = 200
#: The use case is the first message, up to this many characters (as offline).
_USE_CASE_CHARS = 500


# -- the tools the model sees -----------------------------------------------------------
def _description(name: str, default: str) -> str:
    """A tool's description: prompts/tool_NAME.md when there is one, else the tool's own."""
    return prompt(f"tool_{name}.md") if exists(f"tool_{name}.md") else default


def _update_profile_spec() -> dict[str, Any]:
    properties = {}
    for key, spec in PROFILE_SCHEMA["properties"].items():
        # null clears a field the user corrected to "unknown".
        properties[key] = {"anyOf": [spec, {"type": "null"}], "description": spec.get("description", "")}
    return {"type": "function", "function": {
        "name": UPDATE_PROFILE,
        "description": prompt("tool_update_profile.md"),
        "parameters": {"type": "object", "properties": properties, "additionalProperties": False},
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
    specs = []
    for name, tool in sorted(all_tools().items()):
        if name in (UPDATE_PROFILE, DECIDE):
            continue
        spec = tool.spec()
        spec["function"]["description"] = _description(name, spec["function"]["description"])
        specs.append(spec)
    return (_update_profile_spec(), _decide_spec(), *specs)


@lru_cache(maxsize=1)
def tool_names() -> frozenset[str]:
    return frozenset(s["function"]["name"] for s in tool_specs())


def system_prompt() -> str:
    """The system prompt in use (`ft-advisor prompt --system` prints it)."""
    return prompt("system.md")


@dataclass
class _Stop:
    """Why a model call was stopped before its end, and the notice that says so."""

    reason: str  # "deadline" | "loop" | "length"
    notice: str


_END = object()
_TIMEOUT = object()


@dataclass(frozen=True)
class _Raised:
    exc: BaseException


class _Pump:
    """Reads a provider stream on a task of its own: waiting for the next piece can then
    stop at the turn's deadline without cancelling the consumer, and the HTTP stream is
    opened, read and closed in one task (HTTP clients insist on that)."""

    def __init__(self, stream: AsyncIterator[Any]) -> None:
        self.queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=64)
        self.task = asyncio.get_running_loop().create_task(self._run(stream))

    async def _run(self, stream: Any) -> None:
        try:
            async for item in stream:
                await self.queue.put(item)
        except Exception as exc:  # ProviderFailure or a bug: raised where it is read
            await self.queue.put(_Raised(exc))
        else:
            await self.queue.put(_END)
        finally:
            await stream.aclose()

    async def next(self, timeout: float) -> Any:
        if timeout <= 0:
            return _TIMEOUT
        try:
            item = self.queue.get_nowait()  # usually there: no timer task for each piece
        except asyncio.QueueEmpty:
            try:
                item = await asyncio.wait_for(self.queue.get(), timeout)
            except asyncio.TimeoutError:
                return _TIMEOUT
        if isinstance(item, _Raised):
            raise item.exc
        return item

    async def close(self) -> None:
        if not self.task.done():
            self.task.cancel()
        try:
            await self.task
        except (asyncio.CancelledError, Exception):
            pass


# -- the advisor -------------------------------------------------------------------------
class LLMAdvisor:
    def __init__(self, model: str, *, api_base: str | None = None, api_key: str | None = None,
                 timeout: float = 60.0, policy: RetryPolicy | None = None, max_steps: int = 6,
                 tool_error_budget: int = 3, mode: str = "llm", label: str | None = None,
                 per_call: Callable[..., dict[str, Any]] | None = None, limits: Limits | None = None) -> None:
        self.mode = mode  # type: ignore[assignment]
        self.label = label or model
        self.limits = limits or Limits()
        self.provider = Provider(model, api_base=api_base, api_key=api_key, timeout=timeout, policy=policy,
                                 max_tokens=self.limits.max_tokens, max_tool_args=self.limits.max_tool_args,
                                 per_call=per_call)
        self.max_steps = max_steps
        self.tool_error_budget = tool_error_budget
        #: False once the server refused `tools`: calls go without them, and the engine's
        #: answer reaches the model through the context block alone.
        self.native_tools = True
        self._decided: tuple[str, dict[str, Any] | None] | None = None
        #: The context blocks of this turn's calls (what its figures are checked against).
        self._contexts: list[str] = []

    @classmethod
    def from_settings(cls, settings: LLMSettings) -> "LLMAdvisor":
        return cls(settings.model or "", api_base=settings.api_base, api_key=settings.api_key,
                   timeout=settings.timeout,
                   limits=Limits(max_tokens=settings.max_tokens, turn_deadline=settings.turn_deadline))

    def _decision(self, profile: dict[str, Any], strict: bool = False) -> dict[str, Any] | None:
        """decide(profile), computed once per profile state: the context of each call
        and the decide tool need the same answer, and it is not free (~tens of ms).
        None when the profile does not validate (strict: the InputError is raised)."""
        key = json.dumps(profile, sort_keys=True, default=str)
        if self._decided is not None and self._decided[0] == key and (self._decided[1] is not None or not strict):
            return self._decided[1]
        try:
            result: dict[str, Any] | None = decide(profile).to_dict()
        except InputError:
            if strict:
                raise
            result = None
        self._decided = (key, result)
        return result

    # -- context ---------------------------------------------------------------------
    def context(self, c: Consultation) -> str:
        """The structured context for this call: the engine's reading of the case."""
        block = engine.render(c.profile, self._decision(c.profile))
        self._contexts.append(block)
        return block

    def request_messages(self, c: Consultation, start: int = 0, final: bool = False) -> list[dict[str, Any]]:
        # One system message: several, or one after the first user message, break the
        # chat templates of many local models.
        parts = [system_prompt(), self.context(c)]
        if final:
            parts.append(prompt("final_answer.md"))
        history = _wire_history(c.messages[start:])
        if not self.native_tools:
            history = _plain_history(history)
        return [{"role": "system", "content": "\n\n".join(parts)}, *history]

    # -- protocol -------------------------------------------------------------------
    async def opening(self, c: Consultation) -> AsyncIterator[Event]:
        text = prompt("opening.md")
        c.messages.append({"role": "assistant", "content": text})
        yield TextDelta(text)
        yield TurnDone()

    def _read(self, c: Consultation, text: str) -> list[Event]:
        """The engine's turn, before the model's: the message read into the profile by
        the offline reader (the model may correct it with update_profile; a later
        answer wins), then the decision for the profile as it stands."""
        events: list[Event] = []
        cleaned, _ = clean(text)
        extraction = extract_facts(cleaned)
        updates = dict(extraction.updates)
        first = sum(1 for m in c.messages if m.get("role") == "user") == 1
        if first and "use_case" not in c.profile and cleaned.strip():
            updates.setdefault("use_case", " ".join(cleaned.split())[:_USE_CASE_CHARS])
        if updates or extraction.removed_goals:
            new, changed, notes = apply_updates(c.profile, updates, extraction.removed_goals)
            if changed or notes:
                c.profile = new
                events.append(ProfileChanged(new, changed, tuple([*extraction.notes, *notes])))
        decision = self._decision(c.profile)
        if decision is not None and decision != c.recommendation:
            c.recommendation = decision
            events.append(Recommendation(decision))
        return events

    async def respond(self, c: Consultation, text: str) -> AsyncIterator[Event]:
        limits = self.limits
        deadline = limits.clock() + limits.turn_deadline
        self._contexts = []
        c.messages.append({"role": "user", "content": text})
        for event in self._read(c, text):
            yield event
        failures: dict[str, int] = {}
        withdrawn: set[str] = set()
        trimmed = False
        shown: list[str] = []  # what the user saw this turn
        step = 0
        while True:
            final = step >= self.max_steps
            tools = None if final or not self.native_tools else \
                [s for s in tool_specs() if s["function"]["name"] not in withdrawn]
            start = int(c.state.get("context_start", 0))
            messages = self.request_messages(c, start, final)
            completion: Completion | None = None
            raw: list[str] = []
            size = 0
            visible = TextCallFilter(tool_names())
            guard = RepetitionGuard()
            # Instructions only: quoting the context block's reasons word for word is fine.
            echo = EchoGuard(system_prompt())
            stop: str | None = None
            this_call: list[str] = []

            def show(piece: str) -> list[TextDelta]:
                out = []
                if not this_call and shown:
                    out.append(TextDelta("\n\n"))  # each step's text its own paragraph
                this_call.append(piece)
                shown.append(piece)
                out.append(TextDelta(piece))
                return out

            pump = _Pump(self.provider.stream(messages, tools))
            try:
                while True:
                    item = await pump.next(deadline - limits.clock())
                    if item is _TIMEOUT:
                        stop = "deadline"
                        break
                    if item is _END:
                        break
                    if isinstance(item, Completion):
                        completion = item
                    elif isinstance(item, TextDelta):
                        raw.append(item.text)
                        size += len(item.text)
                        piece = visible.feed(item.text)
                        if piece:
                            for delta in show(piece):
                                yield delta
                        if guard.feed(item.text):
                            stop = "loop"
                            break
                        if echo.feed(item.text):
                            stop = "echo"
                            break
                        if size > limits.max_chars:
                            stop = "length"
                            break
                        if limits.clock() >= deadline:
                            stop = "deadline"
                            break
                    else:
                        yield item
            except ProviderFailure as failure:
                if failure.rejected_tools and tools and not failure.streamed and self.native_tools:
                    self.native_tools = False
                    yield Notice("The model's server does not accept tool definitions: continuing without "
                                 "them (the engine's figures reach the model in its context).", kind="info")
                    continue
                if failure.context_window and not trimmed and not failure.streamed:
                    trimmed = True
                    if _trim(c):
                        yield Notice("The conversation no longer fits the model's context window: "
                                     "leaving the oldest turns out and trying again.", kind="warning")
                        continue
                if raw:
                    c.messages.append({"role": "assistant", "content": "".join(raw) + f"\n\n{INTERRUPTED}",
                                       "interrupted": True})
                yield Error(_failure_text(failure), recoverable=not failure.fatal)
                yield TurnDone(interrupted=True)
                return
            finally:
                await pump.close()
            if stop in ("deadline", "loop", "echo"):
                kept = "".join(raw)
                if stop == "loop" and guard.loop_start is not None:
                    kept = kept[:guard.loop_start].rstrip()
                    notice = "The model kept repeating itself, so its answer was stopped. The engine's recommendation follows."
                elif stop == "echo":
                    kept = ""  # its instructions read back: nothing of the answer is worth keeping
                    notice = ("The model was reading its instructions back, so its answer was stopped. "
                              "The engine's recommendation follows.")
                else:
                    notice = (f"The model did not finish within {limits.turn_deadline:g} s (the turn's deadline), "
                              "so the engine's recommendation answers instead.")
                for event in self._engine_answers(c, shown, notice, kept):
                    yield event
                return
            rest, text_calls, text = visible.finish()
            if rest:
                for delta in show(rest):
                    yield delta
            if completion is None:  # a stream that ended without our closing summary
                completion = Completion(text="".join(raw))
            _add_usage(c, completion)
            calls = list(completion.tool_calls) or [
                RawToolCall(f"call_text_{step}_{i}", tc.name, tc.arguments) for i, tc in enumerate(text_calls)]
            if final or stop == "length":
                calls = []
            if len(calls) > limits.max_tool_calls:
                yield Notice(f"The model asked for {len(calls)} tool calls in one message; only the first "
                             f"{limits.max_tool_calls} ran.", kind="warning")
                calls = calls[:limits.max_tool_calls]
            if not calls and not shown and stop != "length" and completion.finish_reason != "length":
                for event in self._engine_answers(c, shown, "The model returned an empty answer: the engine's "
                                                            "recommendation follows."):
                    yield event
                return
            message: dict[str, Any] = {"role": "assistant", "content": text or None}
            if calls:
                message["tool_calls"] = [{"id": tc.id, "type": "function",
                                          "function": {"name": tc.name,
                                                       "arguments": self._kept_arguments(tc.arguments)}}
                                         for tc in calls]
            if message["content"] is None and not calls:
                message["content"] = ""
            c.messages.append(message)
            if not calls:
                if stop == "length" or completion.finish_reason == "length":
                    yield Notice(f"The answer reached the length cap ({limits.max_tokens:,} tokens) and was cut.",
                                 kind="warning")
                for event in self._ground(c, shown):
                    yield event
                yield TurnDone()
                return
            for tc in calls:
                async for event in self._run_tool(c, tc.id, tc.name, tc.arguments, failures, withdrawn):
                    yield event
            step += 1

    def _engine_answers(self, c: Consultation, shown: list[str], notice: str, kept: str = "") -> list[Event]:
        """End the turn with the engine's own recommendation, after what the model said
        (`kept`: its text worth keeping), with a notice saying why."""
        # Its own paragraph, even when the model stopped mid-sentence.
        fallback = ("\n\n" if shown else "") + engine.engine_answer(c.recommendation, c.profile)
        shown.append(fallback)
        c.messages.append({"role": "assistant", "content": (kept + "\n\n" if kept else "") + fallback.lstrip()})
        return [Notice(notice, kind="warning"), TextDelta(fallback), *self._ground(c, shown), TurnDone()]

    # -- grounded figures ---------------------------------------------------------------
    def _ground(self, c: Consultation, shown: list[str]) -> list[Event]:
        """Check the turn's figures; footnote and list the ones nothing backs."""
        known = Known()
        for block in dict.fromkeys(self._contexts):
            known.add_text(block)
        known.add_data(c.recommendation)
        # The engine's own answer quotes its cost table: those figures, not every number
        # of the comparison (its monthly series would back figures by accident).
        priced = engine.comparison(c.profile) or {}
        known.add_data([{k: f.get(k) for k in ("setup_usd", "monthly_usd", "total_usd", "low", "high")}
                        for f in (priced.get("strategies") or {}).values()])
        known.add_data([call.get("result") for call in c.tool_calls])
        known.add_text("\n".join(str(m.get("content") or "") for m in c.messages if m.get("role") == "user"))
        result = check("".join(shown), known)
        events: list[Event] = []
        unverified = result.unverified_list()
        if unverified:
            note = "\n\n" + footnote(result.unverified)
            events.append(TextDelta(note))
            last = c.messages[-1]
            last["content"] = (last.get("content") or "") + note
            last["unverified_figures"] = unverified
        events.append(FiguresChecked(checked=len(result.figures), unverified=tuple(unverified)))
        return events

    # -- tools ----------------------------------------------------------------------
    def _kept_arguments(self, raw: str) -> str:
        """The arguments as stored and sent again: as given when they are a JSON object
        within the size cap, else a short JSON stand-in (a malformed or 1 MB argument
        re-sent every step would cost tokens and break some servers' templates)."""
        if len(raw) > self.limits.max_tool_args:
            return json.dumps({"_truncated": raw[:_KEPT_ARGS] + "…", "_chars": len(raw)}, ensure_ascii=False)
        try:
            ok = isinstance(safe_json.loads(raw, "arguments"), dict) if raw.strip() else True
        except InputError:
            ok = False
        return raw if ok else json.dumps({"_invalid": raw[:_KEPT_ARGS]}, ensure_ascii=False)

    async def _run_tool(self, c: Consultation, call_id: str, name: str, raw: str,
                        failures: dict[str, int], withdrawn: set[str]) -> AsyncIterator[Event]:
        args: Any
        error: str | None = None
        result: dict[str, Any] | None = None
        events: list[Event] = []
        limit = self.limits.max_tool_args
        if len(raw) > limit:
            args = json.loads(self._kept_arguments(raw))
            error = (f"the arguments are {len(raw):,} characters long and at most {limit:,} are read; "
                     f"call {name} again with only the fields you need")
        else:
            try:
                args = safe_json.loads(raw, "arguments") if raw and raw.strip() else {}  # bounded depth, digits
            except InputError as exc:
                args = {"_raw": raw[:_KEPT_ARGS]}
                error = f"the arguments are not valid JSON ({exc.message()}); call {name} again with a JSON object"
            else:
                if not isinstance(args, dict):
                    error, args = f"the arguments must be a JSON object, got {type(args).__name__}", {"_raw": args}
        yield ToolCall(call_id, name, args)
        known = tool_names()
        if error is None and name not in known:
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


def _update_profile(c: Consultation, args: dict[str, Any]) -> tuple[dict[str, Any], list[Event]]:
    """Merge the facts into the profile, validated as a whole; later answers win. The
    model sends whole lists, so they replace; a value that does not validate raises."""
    validated, changed, notes = apply_updates(c.profile, _coerce_numbers(args), replace_lists=True, strict=True)
    c.profile = validated
    result = {"profile": validated, "changed": sorted(changed)}
    if notes:
        result["notes"] = notes
    return result, ([ProfileChanged(validated, changed, tuple(notes))] if changed else [])


def _coerce_numbers(args: dict[str, Any]) -> dict[str, Any]:
    """Models write sizes as people do ("2M", "50k"): turn them into the numbers the
    profile schema asks for (InputError naming the field when it cannot)."""
    out = dict(args)
    for key, value in args.items():
        kind = PROFILE_SCHEMA["properties"].get(key, {}).get("type")
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


def _plain_history(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The history for a server that takes no tools: tool calls and results as text,
    and no two messages of one role in a row (some chat templates insist on turns)."""
    names: dict[str, str] = {}
    out: list[dict[str, Any]] = []
    for m in messages:
        role, content = m["role"], str(m.get("content") or "")
        if role == "assistant" and m.get("tool_calls"):
            lines = [content] if content else []
            for tc in m["tool_calls"]:
                names[tc["id"]] = tc["function"]["name"]
                lines.append(f"(called {tc['function']['name']} with {tc['function']['arguments']})")
            content = "\n".join(lines)
        elif role == "tool":
            role, content = "user", f"(result of {names.get(m.get('tool_call_id', ''), 'a tool')}: {content})"
        if out and out[-1]["role"] == role:
            out[-1]["content"] = f"{out[-1]['content']}\n\n{content}"
        else:
            out.append({"role": role, "content": content})
    return out
