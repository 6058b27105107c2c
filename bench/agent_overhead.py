"""The agent's own overhead per turn, model time excluded.

    .venv/bin/python bench/agent_overhead.py              # 41 turns of each kind
    .venv/bin/python bench/agent_overhead.py --turns 101 --json

One turn is the `--mock` demonstration's: the user's message; a model call that
records facts with update_profile; one that calls decide and estimate_training; one
that streams a ~1,500-character answer in 3-character deltas (≈500 events). Measured
through Session.send (saving after every message, with fsync) in two ways:

1. stub: the provider is replaced by one that replays the same replies instantly, so
   the time is ours alone: session, context building, tool validation and execution,
   storage, event plumbing.
2. litellm-mock: the real path through litellm's `mock_response`; the time spent inside
   litellm (acompletion and iterating its stream) is measured and subtracted.

Both are reported with a baseline from the same run: relaying the same number of
events through a bare async generator. Target: median overhead under 5 ms per turn.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent.consultation import Consultation  # noqa: E402
from agent.events import TextDelta  # noqa: E402
from agent.provider import Completion, Provider, RawToolCall  # noqa: E402
from agent.session import Session  # noqa: E402
from agent.storage import ConsultationStore  # noqa: E402

MESSAGE = "Our support bot must sound like our founder; 20k labelled examples, 1M requests a month, llama 3.1 8b"
# Varied sentences: a sentence repeated word for word would be stopped by the repetition guard.
ANSWER = ("Recommendation: LoRA. " + " ".join(f"Point {i}: the numbers above come from the tools, with their ranges."
                                               for i in range(1, 31)))[:1500]


class StubProvider(Provider):
    """Replays the demo turn's three replies with no model behind them."""

    def __init__(self) -> None:
        super().__init__("stub/model")
        self.calls = 0

    async def stream(self, messages, tools=None):  # type: ignore[override]
        step = self.calls % 3
        self.calls += 1
        if step == 0:
            yield TextDelta("Let me record that.")
            yield Completion("Let me record that.", [RawToolCall("c1", "update_profile", json.dumps(
                {"goals": ["style"], "labeled_examples": 20000, "requests_per_month": 1000000,
                 "model": "llama-3.1-8b"}))], "tool_calls", 900, 40)
        elif step == 1:
            yield Completion("", [RawToolCall("c2", "decide", "{}"), RawToolCall("c3", "estimate_training", json.dumps(
                {"model": "llama-3.1-8b", "method": "lora", "examples": 20000, "tokens_per_example": 500}))],
                "tool_calls", 1500, 60)
        else:
            for i in range(0, len(ANSWER), 3):
                yield TextDelta(ANSWER[i:i + 3])
            yield Completion(ANSWER, [], "stop", 2500, 400)


async def _baseline(events: int) -> float:
    async def gen():
        for i in range(events):
            yield i

    t = NOW()
    async for _ in gen():
        pass
    return NOW() - t


class Clock:
    """Time spent in the domain tools (tools/: decide, estimators, profile validation)
    and in storage (atomic writes with fsync), so they can be reported apart from the
    agent's own work."""

    def __init__(self) -> None:
        self.tools = 0.0
        self.storage = 0.0

    def wrap(self, owner: Any, name: str, bucket: str) -> None:
        real = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            t = NOW()
            try:
                return real(*args, **kwargs)
            finally:
                setattr(self, bucket, getattr(self, bucket) + NOW() - t)

        setattr(owner, name, timed)


CLOCK = Clock()
#: The clock every measurement uses: wall time, or the main thread's CPU time (which
#: leaves out litellm's logging threads and disk waits competing with us).
NOW = time.perf_counter


def _instrument(store: ConsultationStore) -> None:
    import agent.context as context
    import agent.llm as llm
    import tools.registry as registry

    CLOCK.wrap(llm, "decide", "tools")
    CLOCK.wrap(context, "compare_for", "tools")
    CLOCK.wrap(llm, "_update_profile", "tools")
    for name, tool in list(registry.all_tools().items()):
        holder = type("Holder", (), {"func": staticmethod(tool.func)})
        CLOCK.wrap(holder, "func", "tools")
        registry.all_tools()[name] = registry.Tool(tool.name, tool.description, tool.schema, holder.func,
                                                   tool.cli_name)
    CLOCK.wrap(store, "save", "storage")


async def _turn(session: Session) -> tuple[float, int, float, float]:
    CLOCK.tools = CLOCK.storage = 0.0
    t = NOW()
    count = 0
    async for _ in session.send(MESSAGE):
        count += 1
    return NOW() - t, count, CLOCK.tools, CLOCK.storage


def _fresh_session(store: ConsultationStore, advisor: Any) -> Session:
    return Session(Consultation(), advisor, store)


async def bench_stub(turns: int, store: ConsultationStore) -> dict[str, Any]:
    from agent.llm import LLMAdvisor

    overhead, base, tools, storage, events = [], [], [], [], 0
    for _ in range(turns):
        advisor = LLMAdvisor("stub/model")
        advisor.provider = StubProvider()
        session = _fresh_session(store, advisor)
        dt, events, t_tools, t_store = await _turn(session)
        overhead.append(dt - t_tools - t_store)
        tools.append(t_tools)
        storage.append(t_store)
        base.append(await _baseline(events))
    return _summary("stub provider (no litellm)", overhead, base, events, tools, storage)


async def bench_litellm(turns: int, store: ConsultationStore) -> dict[str, Any]:
    from agent.mock import demo_advisor
    from agent.provider import litellm_module

    lm = litellm_module()
    real = lm.acompletion
    inside = [0.0]

    async def timed(**kwargs):
        t = NOW()
        stream = await real(**kwargs)
        inside[0] += NOW() - t

        async def relay():
            it = stream.__aiter__()
            while True:
                t0 = NOW()
                try:
                    chunk = await it.__anext__()
                except StopAsyncIteration:
                    inside[0] += NOW() - t0
                    return
                inside[0] += NOW() - t0
                yield chunk
        return relay()

    # The scripted model's own work (building its reply) is model time too.
    from agent.mock import DemoModel

    real_reply = DemoModel.__call__

    def timed_reply(self, messages, tools):
        t = NOW()
        try:
            return real_reply(self, messages, tools)
        finally:
            inside[0] += NOW() - t

    DemoModel.__call__ = timed_reply  # type: ignore[method-assign]
    lm.acompletion = timed
    try:
        # One warm-up turn: first-call imports inside litellm are not per-turn costs.
        await _turn(_fresh_session(store, demo_advisor()))
        overhead, model, base, tools, storage, events = [], [], [], [], [], 0
        for _ in range(turns):
            inside[0] = 0.0
            dt, events, t_tools, t_store = await _turn(_fresh_session(store, demo_advisor()))
            overhead.append(dt - inside[0] - t_tools - t_store)
            model.append(inside[0])
            tools.append(t_tools)
            storage.append(t_store)
            base.append(await _baseline(events))
    finally:
        lm.acompletion = real
        DemoModel.__call__ = real_reply  # type: ignore[method-assign]
    out = _summary("litellm mock_response path (litellm time subtracted)", overhead, base, events, tools, storage)
    out["litellm_ms_median"] = round(statistics.median(model) * 1000, 3)
    return out


def _summary(name: str, overhead: list[float], base: list[float], events: int, tools: list[float],
             storage: list[float]) -> dict[str, Any]:
    med, b = statistics.median(overhead), statistics.median(base)
    return {
        "tools_ms_median": round(statistics.median(tools) * 1000, 3),
        "storage_ms_median": round(statistics.median(storage) * 1000, 3),
        "case": name,
        "turns": len(overhead),
        "events_per_turn": events,
        "overhead_ms_median": round(med * 1000, 3),
        "overhead_ms_p90": round(sorted(overhead)[int(len(overhead) * 0.9) - 1] * 1000, 3),
        "baseline_ms_median": round(b * 1000, 4),
        "ratio_to_baseline": round(med / b, 1) if b else None,
        "target_ms": 5.0,
        "meets_target": med * 1000 < 5.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=41)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--data-dir", default=None, help="where the consultations are written (default: "
                        "the system temp dir; the storage time depends on its disk)")
    parser.add_argument("--skip-litellm", action="store_true", help="only the stub case (no 4 s import)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall: perf_counter; cpu: this thread's CPU time (leaves out other threads)")
    args = parser.parse_args()
    global NOW
    NOW = time.perf_counter if args.clock == "wall" else time.thread_time
    with tempfile.TemporaryDirectory(dir=args.data_dir) as tmp:
        store = ConsultationStore(Path(tmp))
        _instrument(store)
        results = [asyncio.run(bench_stub(args.turns, store))]
        if not args.skip_litellm:
            results.append(asyncio.run(bench_litellm(args.turns, store)))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"clock: {args.clock}")
        for r in results:
            print(f"{r['case']}:\n"
                  f"  agent overhead  median {r['overhead_ms_median']} ms per turn (p90 {r['overhead_ms_p90']} ms), "
                  f"target < 5 ms: {'met' if r['meets_target'] else 'NOT met'}\n"
                  f"  baseline        bare relay of the same {r['events_per_turn']} events "
                  f"{r['baseline_ms_median']} ms (overhead = x{r['ratio_to_baseline']})\n"
                  f"  excluded        domain tools {r['tools_ms_median']} ms, storage (atomic writes + fsync) "
                  f"{r['storage_ms_median']} ms"
                  + (f", litellm itself {r['litellm_ms_median']} ms" if "litellm_ms_median" in r else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
