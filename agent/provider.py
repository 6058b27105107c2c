"""The one module that imports litellm, lazily, after the settings that keep it offline
and quiet. It streams one model call at a time and owns the retry policy.

Retries: exactly one layer, tenacity's. Every call passes `max_retries=0` (no retries
inside the OpenAI SDK) and an explicit `timeout`, never `num_retries` (which multiplies
requests and retries 401/400, see shared/design/litellm-notes.md). Only transient
failures are retried (rate limit, timeout, connection, 500/502/503), with exponential
backoff and jitter, honouring Retry-After, capped in attempts and in total time. Each
retry is announced as a Notice. Once answer text has reached the user a failure is
never retried: the caller keeps the partial answer, marked interrupted.
"""
from __future__ import annotations

import asyncio
import email.utils
import re
import os
import threading
import time
import warnings
from dataclasses import dataclass, field
from datetime import timezone
from typing import Any, AsyncIterator, Awaitable, Callable

from agent.events import Notice, TextDelta

_LOCK = threading.Lock()
_litellm: Any = None


def litellm_module() -> Any:
    """Import litellm once, configured for an offline, quiet, single-retry-layer life."""
    global _litellm
    if _litellm is not None:
        return _litellm
    with _LOCK:
        if _litellm is None:
            # Before import: use the bundled price map instead of downloading one, and
            # never fetch tokenizers, beta-header lists or blog posts by itself
            # (LITELLM_OFFLINE_MODE disables only those fetches, not model calls).
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")
            # pydantic warns about litellm's types at import and at first use; they
            # would land on the user's terminal.
            warnings.filterwarnings("ignore", category=UserWarning, module=r"pydantic\..*")
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"(litellm|pydantic)\..*")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import litellm
            # Its "Give Feedback / Get Help" banner goes to stdout and would corrupt
            # the Textual screen or `ask --json` output.
            litellm.suppress_debug_info = True
            litellm.set_verbose = False
            litellm.num_retries = None
            _litellm = litellm
    return _litellm


def warm() -> None:
    """Import litellm now (the app calls this on a worker after its first paint, so
    the first message does not wait ~4 s for the import)."""
    litellm_module()


# -- results -----------------------------------------------------------------------
@dataclass(frozen=True)
class RawToolCall:
    id: str
    name: str
    #: The arguments exactly as the model sent them (may be malformed JSON).
    arguments: str


@dataclass
class Completion:
    text: str = ""
    tool_calls: list[RawToolCall] = field(default_factory=list)
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    #: None when the model is not in litellm's price map.
    cost_usd: float | None = None
    #: The stream was cut because a tool call's arguments passed the size cap.
    arguments_capped: bool = False


class ProviderFailure(Exception):
    """A model call that failed for good (after any retries)."""

    def __init__(self, text: str, *, fatal: bool = False, transient: bool = False,
                 context_window: bool = False, streamed: bool = False, attempts: int = 1,
                 rejected_tools: bool = False) -> None:
        super().__init__(text)
        self.text = text
        #: The consultation cannot go on with this model (key, model name, bad request).
        self.fatal = fatal
        self.transient = transient
        self.context_window = context_window
        #: Answer text had already reached the user when it failed.
        self.streamed = streamed
        self.attempts = attempts
        #: The server refused a request that carried `tools` (a 400/422, or an error
        #: that names tools, as llama.cpp's 500 "tools param requires --jinja flag"):
        #: the caller asks again without them.
        self.rejected_tools = rejected_tools


@dataclass(frozen=True)
class RetryPolicy:
    #: Total attempts, the first included.
    attempts: int = 3
    #: First backoff in seconds; it doubles each retry, plus jitter.
    base: float = 1.0
    jitter: float = 1.0
    #: Longest single wait; a Retry-After above it ends the retries instead.
    max_wait: float = 30.0
    #: Give up when the next attempt would start later than this after the first.
    total: float = 90.0
    #: How to wait (tests pass a recorder so they take no time).
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep


#: The policy a Provider uses unless given one (tests swap in a no-wait policy).
DEFAULT_POLICY = RetryPolicy()


# -- error classification ------------------------------------------------------------
def _first_line(exc: BaseException, limit: int = 240) -> str:
    from agent.storage import scrub

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = scrub(text, None)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def retry_after(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait (Retry-After / retry-after-ms), if any."""
    sources = [getattr(exc, "litellm_response_headers", None), getattr(exc, "headers", None)]
    response = getattr(exc, "response", None)
    if response is not None:
        sources.append(getattr(response, "headers", None))
    for headers in sources:
        if not headers:
            continue
        try:
            ms = headers.get("retry-after-ms")
            if ms is not None:
                return max(0.0, float(ms) / 1000)
            value = headers.get("retry-after")
        except Exception:
            continue
        if value is None:
            continue
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:  # the other form Retry-After may take: an HTTP date
            when = email.utils.parsedate_to_datetime(str(value))
        except (TypeError, ValueError, IndexError):
            continue
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            return max(0.0, when.timestamp() - time.time())
    return None


_NAMES_TOOLS = re.compile(r"\btools?\b|tool_choice|function.?call")


def classify(exc: BaseException, *, model: str, timeout: float, streamed: bool = False,
             tools_sent: bool = False) -> ProviderFailure:
    """A litellm exception as a ProviderFailure with a reason a user can act on."""
    if isinstance(exc, ProviderFailure):
        return exc
    lm = litellm_module()
    E = lm.exceptions
    detail = _first_line(exc)
    lowered = detail.lower()
    provider = model.split("/", 1)[0] if "/" in model else model

    def fail(text: str, **kw: Any) -> ProviderFailure:
        return ProviderFailure(text, streamed=streamed, **kw)

    if "missing credentials" in lowered or ("api_key" in lowered and "must be set" in lowered) \
            or "api key not found" in lowered:
        env = f"{provider.upper()}_API_KEY"
        return fail(f"no API key for {provider}: set {env} in the environment "
                    f"(or [llm] api_key in the config file)", fatal=True)
    if "llm provider not provided" in lowered:
        return fail(f"{model!r} names no provider: use a litellm model string such as openai/gpt-4o-mini "
                    "or ollama_chat/llama3.1", fatal=True)
    if isinstance(exc, E.ContextWindowExceededError):
        return fail("the conversation is longer than the model's context window", context_window=True)
    refused = isinstance(exc, E.BadRequestError | E.UnprocessableEntityError) or (
        isinstance(exc, E.InternalServerError | E.APIError) and getattr(exc, "status_code", None) in (400, 422, 500, 501)
        and _NAMES_TOOLS.search(lowered) is not None)
    if tools_sent and refused:
        return fail(f"{provider} does not accept tool definitions ({detail})", fatal=True, rejected_tools=True)
    if isinstance(exc, E.RateLimitError):
        return fail(f"rate limited by {provider} ({detail})", transient=True)
    if isinstance(exc, E.Timeout) or isinstance(exc, asyncio.TimeoutError):
        return fail(f"{model} did not answer within {timeout:g} s", transient=True)
    if isinstance(exc, E.AuthenticationError | E.PermissionDeniedError):
        return fail(f"{provider} refused the credentials: check the API key ({detail})", fatal=True)
    if isinstance(exc, E.NotFoundError):
        return fail(f"{provider} does not know the model {model!r} ({detail})", fatal=True)
    if isinstance(exc, E.BadRequestError | E.UnprocessableEntityError):
        return fail(f"{provider} rejected the request ({detail})", fatal=True)
    if isinstance(exc, E.InternalServerError | E.BadGatewayError | E.ServiceUnavailableError):
        if "connection error" in lowered or "cannot connect" in lowered:
            return fail(f"cannot reach {model}: connection failed", transient=True)
        return fail(f"{provider} server error ({detail})", transient=True)
    if isinstance(exc, E.APIConnectionError):
        if any(w in lowered for w in ("cannot connect", "connect call failed", "connection refused",
                                      "connection error", "name or service not known")):
            return fail(f"cannot reach {model}: connection failed", transient=True)
        return fail(f"cannot reach {model} ({detail})", transient=True)
    status = getattr(exc, "status_code", None)
    if status in (401, 403):
        return fail(f"{provider} refused the credentials ({detail})", fatal=True)
    if status == 404:
        return fail(f"{provider} does not know the model {model!r} ({detail})", fatal=True)
    # The allow-list: 429 and the transient server statuses (504 is a gateway timeout);
    # 501, 505, ... will not get better by asking again.
    if status in (429, 500, 502, 503, 504):
        return fail(f"{provider} error {status} ({detail})", transient=True)
    # Anything else (a model string without a provider, a litellm bug, ...): the
    # configuration cannot work as it is.
    return fail(f"{model}: {detail}", fatal=True)


# -- the call ------------------------------------------------------------------------
class Provider:
    """Streams completions from one litellm model."""

    def __init__(self, model: str, *, api_base: str | None = None, api_key: str | None = None,
                 timeout: float = 60.0, policy: RetryPolicy | None = None,
                 max_tokens: int | None = None, max_tool_args: int | None = None,
                 per_call: Callable[[list[dict[str, Any]], list[dict[str, Any]] | None], dict[str, Any]]
                 | None = None) -> None:
        self.model = model
        self.api_base = api_base
        self._api_key = api_key  # never logged, never saved
        self.timeout = timeout
        self.policy = policy or DEFAULT_POLICY
        #: Cap on each completion's tokens (sent as `max_tokens`).
        self.max_tokens = max_tokens
        #: A tool call whose arguments grow past this many characters ends the stream
        #: (an endless argument stream must not fill memory).
        self.max_tool_args = max_tool_args
        #: Extra keyword arguments for each call (the scripted mock's `mock_response`).
        self.per_call = per_call
        #: Requests sent, retries included (tests and the bench read it).
        self.requests = 0

    def __repr__(self) -> str:
        return f"Provider({self.model!r}, api_base={self.api_base!r})"

    def _kwargs(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model": self.model, "messages": messages, "stream": True,
            "stream_options": {"include_usage": True},
            "timeout": self.timeout, "max_retries": 0,
        }
        if tools:
            kwargs["tools"] = tools
        if self.max_tokens:
            kwargs["max_tokens"] = self.max_tokens
        if self.api_base:
            kwargs["api_base"] = self.api_base
        if self._api_key:
            kwargs["api_key"] = self._api_key
        elif self.api_base and self.model.startswith(("openai/", "hosted_vllm/")) \
                and not os.environ.get("OPENAI_API_KEY"):
            # Local OpenAI-compatible servers ignore the key but the SDK insists on one.
            kwargs["api_key"] = "not-needed"
        if self.per_call is not None:
            kwargs.update(self.per_call(messages, tools))
        return kwargs

    async def _once(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None,
                    state: dict[str, Any]) -> AsyncIterator[TextDelta | Completion]:
        lm = litellm_module()
        kwargs = self._kwargs(messages, tools)
        self.requests += 1
        out = Completion()
        calls: dict[int, dict[str, str]] = {}
        text: list[str] = []
        try:
            stream = await lm.acompletion(**kwargs)
            async for chunk in stream:
                choices = chunk.choices
                # Usage rides on the last chunks only; reading a missing attribute of
                # litellm's pydantic chunks is slow, so look only there.
                if not choices or _get(choices[0], "finish_reason"):
                    usage = getattr(chunk, "usage", None)
                    if usage:
                        out.prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
                        out.completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
                if not choices:
                    continue
                choice = choices[0]
                delta = _get(choice, "delta")
                content = _get(delta, "content")
                if content:
                    text.append(content)
                    state["streamed"] = True
                    yield TextDelta(content)
                for tc in _get(delta, "tool_calls") or ():
                    index = getattr(tc, "index", None)
                    index = len(calls) if index is None else index
                    slot = calls.setdefault(index, {"id": "", "name": "", "arguments": ""})
                    if getattr(tc, "id", None):
                        slot["id"] = tc.id
                    fn = getattr(tc, "function", None)
                    if fn is not None:
                        if getattr(fn, "name", None):
                            slot["name"] = fn.name
                        if getattr(fn, "arguments", None):
                            slot["arguments"] += fn.arguments
                    if self.max_tool_args and len(slot["arguments"]) > self.max_tool_args:
                        out.arguments_capped = True
                if out.arguments_capped:
                    break  # the caller reports the oversized call; the rest is not read
                finish = _get(choice, "finish_reason")
                if finish:
                    out.finish_reason = finish
            if out.arguments_capped:
                await _aclose(stream)
        except (asyncio.CancelledError, GeneratorExit):
            raise
        except Exception as exc:
            raise classify(exc, model=self.model, timeout=self.timeout, streamed=bool(state.get("streamed")),
                           tools_sent=bool(tools)) from exc
        out.text = "".join(text)
        out.tool_calls = [RawToolCall(id=c["id"] or f"call_{i}", name=c["name"], arguments=c["arguments"])
                          for i, c in sorted(calls.items())]
        if out.prompt_tokens or out.completion_tokens:
            try:
                prompt_cost, completion_cost = lm.cost_per_token(
                    model=self.model, prompt_tokens=out.prompt_tokens, completion_tokens=out.completion_tokens)
                out.cost_usd = float(prompt_cost) + float(completion_cost)
            except Exception:  # not in the price map: tokens only
                out.cost_usd = None
        yield out

    async def stream(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None
                     ) -> AsyncIterator[TextDelta | Notice | Completion]:
        """Text deltas as they arrive, Notices for retries, then one Completion.
        Raises ProviderFailure when the call cannot succeed."""
        from tenacity import (AsyncRetrying, retry_if_exception, stop_after_attempt, stop_before_delay,
                              wait_exponential, wait_random)
        from tenacity.stop import stop_base

        policy = self.policy
        backoff = wait_exponential(multiplier=policy.base, max=policy.max_wait) + wait_random(0, policy.jitter)

        def wait(retry_state: Any) -> float:
            asked = retry_after(retry_state.outcome.exception().__cause__ or retry_state.outcome.exception())
            # Our own backoff stays under the cap; a longer Retry-After stops (below).
            return asked if asked is not None else min(backoff(retry_state), policy.max_wait)

        class _too_long(stop_base):
            # A server asking for a longer pause than we are willing to make.
            def __call__(self, retry_state: Any) -> bool:
                return retry_state.upcoming_sleep > policy.max_wait

        pending: list[float] = []

        async def remember(seconds: float) -> None:
            # tenacity decides how long; we announce it before sleeping (below).
            pending.append(seconds)

        retrying = AsyncRetrying(
            stop=stop_after_attempt(policy.attempts) | stop_before_delay(policy.total) | _too_long(),
            wait=wait,
            retry=retry_if_exception(lambda e: isinstance(e, ProviderFailure) and e.transient and not e.streamed),
            sleep=remember,
            reraise=True,
        )
        state: dict[str, Any] = {"streamed": False}
        last: ProviderFailure | None = None
        async for attempt in retrying:
            number = attempt.retry_state.attempt_number
            if pending:
                seconds = pending.pop()
                reason = last.text if last is not None else "transient error"
                yield Notice(f"{reason}; retrying in {_fmt_seconds(seconds)} "
                             f"(attempt {number} of {policy.attempts})", kind="retry")
                await policy.sleep(seconds)
            failure: ProviderFailure | None = None
            try:
                async for item in self._once(messages, tools, state):
                    yield item
            except ProviderFailure as exc:
                exc.attempts = number
                failure = last = exc
            # Raised outside the `yield`s above: tenacity's attempt must never swallow
            # a GeneratorExit or a cancellation thrown into this generator.
            with attempt:
                if failure is not None:
                    raise failure


async def _aclose(stream: Any) -> None:
    """Close a stream left unread, so its connection is released now."""
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        try:
            await aclose()
        except Exception:  # closing a half-read HTTP stream may complain; it is closed
            pass


def _get(obj: Any, name: str) -> Any:
    """An attribute of a litellm stream object. Their fields live in pydantic's
    `__pydantic_extra__`, where plain attribute access costs ~2 µs through
    `__getattr__`; a stream has hundreds of chunks, so read the dict directly."""
    extra = getattr(obj, "__pydantic_extra__", None)
    if extra and name in extra:
        return extra[name]
    return getattr(obj, name, None)


def _fmt_seconds(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds >= 1 else f"{seconds:.1f} s"
