"""Scripted models that go through litellm's real code path (its `mock_response`), so
the LLM advisor, the provider, streaming, tool calls and errors all run as they do
against a real provider, with no network and no key.

- `Script`: exact expected calls for tests. Each step says what the model replies
  (text, tool calls, an error) and may check what it was sent; a call with no step
  left, or steps left over at the end, is a failure.
- `DemoModel` / `demo_advisor()`: the built-in `--mock` demonstration. It reads the
  user's message with the offline parser (standing in for a model's understanding),
  records the facts with `update_profile`, calls `decide` and a cost estimator, and
  answers with the numbers those tools returned.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from agent.case import field_type
from agent.llm import LLMAdvisor
from agent.parsing import extract_facts, parse_answer
from agent.provider import RetryPolicy, litellm_module
from tools.catalog.defaults import resolve_model
from tools.decision.vocabulary import STRATEGY_TERMS
from tools.errors import InputError
from tools.estimators.compare import OPEN_EQUIVALENT
from tools.units import fmt_usd

Messages = list[dict[str, Any]]
Tools = list[dict[str, Any]] | None


class ScriptError(AssertionError):
    """The advisor did not make the calls the script expected."""


@dataclass(frozen=True)
class Step:
    #: text (str), tool calls (list of (name, arguments) with arguments a dict or a raw
    #: string), an exception instance or a "litellm.RateLimitError"-style name, or a
    #: callable (messages, tools) -> any of these.
    reply: Any
    text: str | None = None
    #: Expect the call to offer tools (True), offer none (False), or do not check (None).
    tools: bool | None = None
    #: A substring the last non-system message sent must contain.
    expect: str | None = None
    check: Callable[[Messages, Tools], None] | None = None


def say(text: str, **kw: Any) -> Step:
    return Step(text, **kw)


def call_tools(*calls: tuple[str, Any], text: str | None = None, **kw: Any) -> Step:
    return Step(list(calls), text=text, **kw)


def fail(error: Any, **kw: Any) -> Step:
    """`error`: an exception instance, or a litellm class name such as "litellm.RateLimitError"."""
    return Step(error if isinstance(error, BaseException) else _ErrorName(str(error)), **kw)


@dataclass(frozen=True)
class _ErrorName:
    name: str


def _last_content(messages: Messages) -> str:
    for m in reversed(messages):
        if m.get("role") != "system":
            return str(m.get("content") or "")
    return ""


def mock_reply(reply: Any, text: str | None = None) -> Any:
    """A value for litellm's `mock_response`: text, a fresh ModelResponse with tool
    calls (litellm returns a passed ModelResponse as the same object, so never reuse
    one), or an error."""
    lm = litellm_module()
    if isinstance(reply, _ErrorName):
        # litellm maps only a few names itself; build the others (AuthenticationError,
        # NotFoundError, ...) as instances, which it raises as they are.
        cls = getattr(lm.exceptions, reply.name.removeprefix("litellm."), None)
        if isinstance(cls, type) and issubclass(cls, BaseException):
            return _litellm_error(cls)
        return reply.name
    if isinstance(reply, BaseException | str):
        return reply
    calls = []
    for i, (name, arguments) in enumerate(reply):
        raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
        calls.append({"id": f"call_{i}_{name}"[:40], "type": "function",
                      "function": {"name": name, "arguments": raw}})
    message = {"role": "assistant", "content": text, "tool_calls": calls}
    return lm.ModelResponse(choices=[{"index": 0, "message": message, "finish_reason": "tool_calls"}])


def _litellm_error(cls: type[BaseException]) -> BaseException:
    """An instance of a litellm exception class, whatever its constructor wants."""
    kwargs: dict[str, Any] = {"message": f"mock {cls.__name__}", "llm_provider": "openai", "model": "mock"}
    try:
        return cls(**kwargs)
    except TypeError:
        import httpx  # litellm's own HTTP client; some classes insist on a response

        status = getattr(cls, "status_code", None) or 400
        request = httpx.Request("POST", "http://mock.invalid/v1/chat/completions")
        return cls(**kwargs, response=httpx.Response(int(status), request=request))


@dataclass
class Script:
    steps: list[Step]
    #: Every call received: (messages, tools).
    calls: list[tuple[Messages, Tools]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.calls = []
        self.problems = []

    def __call__(self, messages: Messages, tools: Tools) -> dict[str, Any]:
        self.calls.append((messages, tools))
        number = len(self.calls)
        if not self.steps:
            self._problem(f"unexpected call #{number}: the script has no step left "
                          f"(last message: {_last_content(messages)[:80]!r})")
        step = self.steps.pop(0)
        if step.tools is True and not tools:
            self._problem(f"call #{number}: expected tools to be offered")
        if step.tools is False and tools:
            self._problem(f"call #{number}: expected no tools (the final call), got {len(tools)}")
        if step.expect is not None and step.expect not in _last_content(messages):
            self._problem(f"call #{number}: expected the last message to contain {step.expect!r}, "
                          f"got {_last_content(messages)[:200]!r}")
        if step.check is not None:
            step.check(messages, tools)
        reply = step.reply(messages, tools) if callable(step.reply) and not isinstance(step.reply, type) \
            else step.reply
        return {"mock_response": mock_reply(reply, step.text)}

    def _problem(self, text: str) -> None:
        self.problems.append(text)
        raise ScriptError(text)

    def assert_done(self) -> None:
        """Fail if a call was unexpected or steps were left over."""
        if self.problems:
            raise ScriptError("; ".join(self.problems))
        if self.steps:
            raise ScriptError(f"{len(self.steps)} scripted step(s) never called: "
                              + ", ".join(repr(s.reply)[:60] for s in self.steps))


# -- the --mock demonstration ------------------------------------------------------------
DEMO_MODEL = "openai/ft-advisor-demo"
DEMO_NOTE = "_(mock model: a scripted demonstration of the LLM path, no network)_"


#: What the demo assumes when the user has not said (named in its answer).
DEMO_DEFAULTS = {"model": "llama-3.1-8b", "examples": 10_000, "tokens_per_example": 500}


def _open_model(name: Any) -> str:
    """The open-weight model the demo's training estimate tunes: the profile's if it is
    one, else a hosted model's same-size open equivalent (as /compare does), else the
    demo default. The demonstration shows the happy path, not a rejected call."""
    if not name:
        return DEMO_DEFAULTS["model"]
    try:
        kind, entry = resolve_model(str(name))
    except InputError:
        return DEMO_DEFAULTS["model"]
    return entry.id if kind == "open" else OPEN_EQUIVALENT.get(entry.id, DEMO_DEFAULTS["model"])


class DemoModel:
    """Answers any conversation with the same three moves per user message: record the
    facts, run `decide` and a training estimate, answer with their numbers."""

    def __call__(self, messages: Messages, tools: Tools) -> dict[str, Any]:
        return {"mock_response": mock_reply(*self._reply(messages, tools))}

    def _reply(self, messages: Messages, tools: Tools) -> tuple[Any, str | None]:
        talk = [m for m in messages if m.get("role") != "system"]
        last = talk[-1] if talk else {"role": "user", "content": ""}
        if last.get("role") == "user" and tools:
            facts = self._facts(str(last.get("content") or ""), messages)
            if facts:
                return [("update_profile", facts)], "Let me record what you told me."
            return self._price(messages), "The rules and a training estimate."
        # After tool results: which tools answered last?
        names = {tc["id"]: tc["function"]["name"] for m in talk if m.get("role") == "assistant"
                 for tc in m.get("tool_calls") or ()}
        answered = []
        for m in reversed(talk):
            if m.get("role") != "tool":
                break
            answered.append(names.get(m.get("tool_call_id")))
        if "update_profile" in answered and tools:
            return self._price(messages), "Now the rules and a training estimate."
        return self._answer(messages), None

    @staticmethod
    def _price(messages: Messages) -> list[tuple[str, Any]]:
        """decide, and a training estimate on the case's figures (or stated defaults)."""
        profile = _profile_from(messages)
        # Inputs the user has not given are stated as assumptions in the answer.
        estimate = {"model": _open_model(profile.get("model")), "method": "lora",
                    "examples": int(profile.get("labeled_examples") or DEMO_DEFAULTS["examples"]),
                    "tokens_per_example": int((profile.get("prompt_tokens") or 0)
                                              + (profile.get("output_tokens") or 0)
                                              or DEMO_DEFAULTS["tokens_per_example"])}
        return [("decide", {}), ("estimate_training", estimate)]

    @staticmethod
    def _facts(text: str, messages: Messages) -> dict[str, Any]:
        facts = dict(extract_facts(text).updates)
        # A reply to the numbered question the last answer ended with ("2", "weekly").
        asked = _last_result(messages, "decide").get("missing") or []
        if asked and isinstance(asked[0], dict) and asked[0].get("field") not in facts:
            answer = parse_answer(text, asked[0], field_type=field_type)
            if answer.kind == "value":
                facts[asked[0]["field"]] = answer.value
        profile = _profile_from(messages)
        if "use_case" not in profile and text.strip():
            facts.setdefault("use_case", " ".join(text.split())[:300])
        return {k: v for k, v in facts.items() if profile.get(k) != v}

    @staticmethod
    def _answer(messages: Messages) -> str:
        results: dict[str, Any] = {}
        names = {tc["id"]: tc["function"]["name"] for m in messages if m.get("role") == "assistant"
                 for tc in m.get("tool_calls") or ()}
        for m in messages:
            if m.get("role") == "tool":
                try:
                    results[str(names.get(m.get("tool_call_id")))] = json.loads(m.get("content") or "null")
                except json.JSONDecodeError:
                    continue
        lines = [DEMO_NOTE, ""]
        decision = results.get("decide")
        if isinstance(decision, dict) and "strategy" in decision:
            verdict = "is justified" if decision.get("fine_tune_justified") else "is not justified"
            strategy = decision["strategy"]
            confidence = decision.get("confidence")
            # Shares read as percentages, as everywhere else in the app.
            shown = f"; confidence {confidence:.0%}" if isinstance(confidence, (int, float)) else ""
            term = STRATEGY_TERMS.get(strategy)
            lines.append(f"**Recommendation: {term.title if term else strategy.replace('_', ' ')}** "
                         f"(fine-tuning {verdict}{shown}).")
            for reason in decision.get("reasons", [])[:3]:
                lines.append(f"- {reason['text']} `[{reason['rule']}]`")
            for warning in decision.get("warnings", [])[:2]:
                lines.append(f"- Warning: {warning['text']} `[{warning['rule']}]`")
        training = results.get("estimate_training")
        call = _last_call(messages, "estimate_training")
        if isinstance(training, dict) and "cost_usd" in training:
            assumed = [f"{k.replace('_', ' ')} {v:,}" if isinstance(v, int) else f"{k} {v}"
                       for k, v in call.items() if k in DEMO_DEFAULTS and v == DEMO_DEFAULTS[k]
                       and not _profile_from(messages).get({"examples": "labeled_examples"}.get(k, k))]
            lines += ["", f"One LoRA training run on {training.get('model')}: about "
                          f"{fmt_usd(training['cost_usd'])} ({fmt_usd(training['low'])} to "
                          f"{fmt_usd(training['high'])}), {training.get('gpu_hours', 0):.1f} GPU-hours"
                          + (f", assuming {', '.join(assumed)} (tell me yours)." if assumed else ".")]
        elif isinstance(training, dict) and "error" in training:
            lines += ["", f"The training estimate failed: {training['error']}"]
        missing = (decision or {}).get("missing") if isinstance(decision, dict) else None
        if missing:
            first = missing[0]
            lines += ["", f"To sharpen this: {first.get('question')}"]
            for i, choice in enumerate(first.get("choices", [])[:6], 1):
                lines.append(f"{i}. {choice.get('label')}")
        if len(lines) == 2:
            lines.append("Tell me about your case and I will run the numbers.")
        return "\n".join(lines)


def _last_result(messages: Messages, name: str) -> dict[str, Any]:
    """The last result of tool `name` in the conversation ({} if none)."""
    ids = {tc["id"] for m in messages for tc in m.get("tool_calls") or () if tc["function"]["name"] == name}
    for m in reversed(messages):
        if m.get("role") == "tool" and m.get("tool_call_id") in ids:
            try:
                value = json.loads(m.get("content") or "null")
            except json.JSONDecodeError:
                return {}
            return value if isinstance(value, dict) else {}
    return {}


def _last_call(messages: Messages, name: str) -> dict[str, Any]:
    for m in reversed(messages):
        for tc in m.get("tool_calls") or ():
            if tc["function"]["name"] == name:
                try:
                    return json.loads(tc["function"]["arguments"])
                except json.JSONDecodeError:
                    return {}
    return {}


_PROFILE_HEAD = "### Case profile\n```json\n"


def _profile_from(messages: Messages) -> dict[str, Any]:
    """The profile as the structured context shows it (the demo reads what a model would)."""
    for m in messages:
        content = str(m.get("content") or "")
        start = content.find(_PROFILE_HEAD)
        if m.get("role") == "system" and start >= 0:
            start += len(_PROFILE_HEAD)
            end = content.find("\n```", start)
            try:
                return json.loads(content[start:end])
            except (json.JSONDecodeError, ValueError):
                return {}
    return {}


def demo_advisor(policy: RetryPolicy | None = None) -> LLMAdvisor:
    return LLMAdvisor(DEMO_MODEL, mode="mock", label="mock (scripted demo)", per_call=DemoModel(),
                      policy=policy)
