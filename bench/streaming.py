"""Streaming: does a 20,000-character answer, streamed in 3-character deltas (litellm's
mock chunk size), freeze typing?

Runs the real app headless (App.run_test, 120x40) with a Session whose advisor streams
a Markdown answer (paragraphs, lists, a table, code). While it streams, a key is posted
to the input every 25 ms and the time until the input has changed is recorded (input
latency); a 5 ms ticker records how late the event loop wakes (loop lag, i.e. freezes).
The same probes run for the same time with nothing streaming: the baseline. Prints
absolute numbers and ratios; no pass/fail (benchmarks are not tests).

    .venv/bin/python bench/streaming.py [--chars 20000] [--chunk 3] [--rate 0 (unpaced)]
    .venv/bin/python bench/streaming.py --baseline   # also the same run without segments,
                                                     # freezing and gc checkpoints
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("FT_ADVISOR_DATA_DIR", tempfile.mkdtemp(prefix="ft-bench-"))
os.environ.setdefault("FT_ADVISOR_CONFIG", os.path.join(os.environ["FT_ADVISOR_DATA_DIR"], "config.toml"))

from textual import events  # noqa: E402

from agent.consultation import Consultation  # noqa: E402
from agent.events import TextDelta, TurnDone  # noqa: E402
from agent.session import Session  # noqa: E402
from agent.storage import ConsultationStore  # noqa: E402
from tui.app import AdvisorApp, StartOptions  # noqa: E402

SECTION = """\
## Option {n}: what it costs

Fine-tuning a **7B** model with LoRA on 50k examples takes about *12 GPU-hours*; the
bigger cost is the data: labelling, cleaning and **re-labelling** when the task moves.

- Training compute: a few hundred dollars per run
- Data preparation: often 10x the compute
- Maintenance: retraining each time the base model or the knowledge changes

| Strategy | Setup | Per month |
|---|---:|---:|
| Prompt engineering | $2,000 | $900 |
| RAG | $8,000 | $1,200 |
| LoRA | $15,000 | $700 |

```python
cost = setup + months * monthly
```

"""


def answer_text(chars: int) -> str:
    parts, n = [], 1
    while sum(map(len, parts)) < chars:
        parts.append(SECTION.format(n=n))
        n += 1
    return "".join(parts)[:chars]


class StreamingAdvisor:
    mode = "mock"
    label = "bench stream"

    def __init__(self, text: str, chunk: int, rate: float) -> None:
        self.text, self.chunk, self.rate = text, chunk, rate

    async def opening(self, consultation):
        yield TurnDone()

    async def respond(self, consultation, text):
        consultation.messages.append({"role": "user", "content": text})
        delay = 1 / self.rate if self.rate else 0
        for i in range(0, len(self.text), self.chunk):
            yield TextDelta(self.text[i:i + self.chunk])
            await asyncio.sleep(delay)
        consultation.messages.append({"role": "assistant", "content": self.text})
        yield TurnDone()


async def probe(app: AdvisorApp, stop: asyncio.Event, key_every: float = 0.025, tick: float = 0.005):
    """(input latencies, loop lags) in seconds until `stop` is set."""
    prompt = app.view.prompt
    latencies: list[float] = []
    lags: list[float] = []

    async def ticker() -> None:
        while not stop.is_set():
            t0 = time.perf_counter()
            await asyncio.sleep(tick)
            lags.append(time.perf_counter() - t0 - tick)

    async def typist() -> None:
        while not stop.is_set():
            before = prompt.value
            t0 = time.perf_counter()
            prompt.post_message(events.Key("x", "x"))
            while prompt.value == before:
                await asyncio.sleep(0)
            latencies.append(time.perf_counter() - t0)
            if len(prompt.value) > 50:
                prompt.value = ""
            await asyncio.sleep(key_every)

    await asyncio.gather(ticker(), typist())
    return latencies, lags


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"n": len(values), "p50": statistics.median(ordered) * 1000, "p95": pick(0.95) * 1000,
            "max": ordered[-1] * 1000}


async def run(chars: int, chunk: int, rate: float) -> None:
    text = answer_text(chars)
    store = ConsultationStore(tempfile.mkdtemp(prefix="ft-bench-store-"))
    factory = lambda _o: Session(Consultation(), StreamingAdvisor(text, chunk, rate), store)  # noqa: E731
    app = AdvisorApp(StartOptions(resume=None), session_factory=factory)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.view.ready.wait()
        await pilot.pause(0.2)

        # Baseline: the probes alone for a fixed time.
        stop = asyncio.Event()
        task = asyncio.create_task(probe(app, stop))
        await asyncio.sleep(2.0)
        stop.set()
        base_lat, base_lag = await task

        # Streaming: send a message; the probes run until the answer is complete.
        app.view.prompt.value = ""
        app.view._start_turn("stream please")
        stop = asyncio.Event()
        task = asyncio.create_task(probe(app, stop))
        t0 = time.perf_counter()
        while app.view._turn is not None:
            await asyncio.sleep(0.01)
        stream_s = time.perf_counter() - t0
        stop.set()
        lat, lag = await task
        await pilot.pause(0.2)
        from tui.widgets.chat import AdvisorMessage

        segments = list(app.view.chat.query(AdvisorMessage))
        shown = "".join(w.source for w in segments)
        frozen = sum(w.frozen for w in segments)
    complete = shown.rstrip() == text.rstrip()
    print(f"streamed {len(text):,} chars in {chunk}-char deltas ({len(text) // chunk:,} deltas, "
          f"{'unpaced' if not rate else f'{rate:g}/s'}) in {stream_s:.2f} s; rendered text complete: {complete}; "
          f"{len(segments)} segments, {frozen} frozen out of view")
    for name, base, during in (("input latency", base_lat, lat), ("loop lag", base_lag, lag)):
        b, d = summary(base), summary(during)
        print(f"{name:14s} idle p50 {b['p50']:6.1f} ms p95 {b['p95']:6.1f} ms max {b['max']:6.1f} ms | "
              f"streaming p50 {d['p50']:6.1f} ms p95 {d['p95']:6.1f} ms max {d['max']:6.1f} ms (n={d['n']})")


def plain_markdown() -> None:
    """The app as Textual's Markdown streaming alone would be: one widget per answer,
    nothing frozen, the garbage collector left alone."""
    import tui.screens.consultation
    import tui.screens.turn
    import tui.widgets.chat

    tui.widgets.chat.SEGMENT_CHARS = 10**9
    # Both modules call it by the name they imported.
    tui.screens.consultation.gc_checkpoint = lambda: None
    tui.screens.turn.gc_checkpoint = lambda: None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chars", type=int, default=20_000)
    parser.add_argument("--chunk", type=int, default=3)
    parser.add_argument("--rate", type=float, default=0, help="deltas per second (0 = as fast as possible)")
    parser.add_argument("--baseline", action="store_true",
                        help="then run again without segments, freezing and gc checkpoints, for comparison")
    args = parser.parse_args()
    print("== ft-advisor (segments, freezing, gc checkpoints)")
    asyncio.run(run(args.chars, args.chunk, args.rate))
    if args.baseline:
        print("== baseline: one Markdown widget per answer, nothing frozen, default gc")
        plain_markdown()
        asyncio.run(run(args.chars, args.chunk, args.rate))


if __name__ == "__main__":
    main()
