"""The offline reader's time per message (agent.parsing.extract_facts), as a ratio to
a baseline measured in the same run: splitting the same message into lower-case words
with one regular expression, the least any reader must do. Target: well under 10 ms
per message.

    .venv/bin/python bench/reader.py            # the corpus, a typical case, a long paste
    .venv/bin/python bench/reader.py --json

Also reports the share of phrasings read exactly: the test corpus (tests/agent/corpus.py,
which the reader was tuned on), the 20 phrasings below (written after the reader, since
used to tune it), the two sets written blind by other sessions and then used to find the
classes the reader missed (tests/agent/independent_sets.py), and SET_C
(bench/reader_held_out.py): 80 messages written blind and never tuned against, the
honest share. Lists compare as sets (goals have no order).
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import timeit
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent.parsing import extract_facts  # noqa: E402
from bench.reader_held_out import SET_C  # noqa: E402
from tests.agent.corpus import CORPUS  # noqa: E402
from tests.agent.independent_sets import SET_A, SET_B  # noqa: E402

_WORDS = re.compile(r"\w+")

TYPICAL = ("Our support bot's answers are often wrong and it halucinates alot. We get about 2.5M requets a month, "
           "our docs change weekly, we have no labelled data and no ML team; budjet 50k. Customer data cannot "
           "leave our data centre. We tried few-shot prompting and RAG.")
PASTE = (TYPICAL + " ") * 8  # about 2 KB

#: Phrasings written after the reader, never used to tune it: (text, exact updates).
HELD_OUT: list[tuple[str, dict[str, Any]]] = [
    ("we field roughly 12k customer emails per week", {"requests_per_month": 52_000}),
    ("Our team: two ML engineers. Budget 80k.", {"ml_team": "some", "budget_usd": 80_000}),
    ("We have around 7,500 annotated conversations", {"labeled_examples": 7_500}),
    ("the model invents policy details that don't exist", {"goals": ["hallucinations"]}),
    ("legal says nothing may leave the EU", {"deployment": "own_cloud"}),
    ("we need answers in our brand's voice", {"goals": ["style"]}),
    ("3.000 ejemplos etiquetados", {}),
    ("a million product lookups a day", {"requests_per_month": 30_000_000}),
    ("nobody here has trained a model", {"ml_team": "none"}),
    ("it has to run offline on laptops", {"deployment": "on_device"}),
    ("we tried a LoRA last year but it overfit", {"tried": ["lora"]}),
    ("our output must validate against the schema; 8% of responses fail today",
     {"goals": ["output_format"], "current_failure_rate": 0.08}),
    ("we have maybe fifty labelled examples", {"labeled_examples": 50}),
    ("budget around $25,000 for the year", {"budget_usd": 25_000}),
    ("The docs are updated every day", {"knowledge_changes": "daily"}),
    ("we expect 300 thousand summaries monthly", {"requests_per_month": 300_000}),
    ("our data is all public", {"proprietary_data": False}),
    ("we're a 2-person startup with no labelled data", {"labeled_examples": 0}),
    ("prompts run about 3k tokens", {"prompt_tokens": 3_000}),
    ("self-hosted only, please", {"deployment": "on_prem"}),
]


def _per_call(fn: Any) -> float:
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=5, number=number)) / number


def _exact(text: str, updates: dict[str, Any]) -> bool:
    got = extract_facts(text).updates
    if set(got) != set(updates):
        return False

    def same(a: Any, b: Any) -> bool:
        if isinstance(b, float) or isinstance(a, float):
            return isinstance(a, (int, float)) and abs(a - b) <= 1e-6 * max(1, abs(b))
        if isinstance(a, list) and isinstance(b, list):
            return sorted(map(str, a)) == sorted(map(str, b))
        return bool(a == b)

    return all(same(got[k], v) for k, v in updates.items())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    # Warm-up: the catalog, the compiled patterns, the language model (loaded once).
    for text, _, _ in CORPUS:
        extract_facts(text)
    rows = []
    for name, texts in (("corpus phrasing", [t for t, _, _ in CORPUS]), ("typical case", [TYPICAL]),
                        ("2 KB paste", [PASTE])):
        reader = [_per_call(lambda t=t: extract_facts(t)) for t in texts]
        base = [_per_call(lambda t=t: _WORDS.findall(t.lower())) for t in texts]
        rows.append({"input": name, "messages": len(texts), "median_ms": statistics.median(reader) * 1e3,
                     "max_ms": max(reader) * 1e3, "baseline_us": statistics.median(base) * 1e6,
                     "ratio": statistics.median(r / b for r, b in zip(reader, base))})
    sets = {"corpus": [(t, u) for t, u, _ in CORPUS], "phrasings": HELD_OUT, "set A (tuned)": SET_A,
            "set B (tuned)": SET_B, "set C (held out)": SET_C}
    shares = {name: sum(_exact(t, u) for t, u in items) / len(items) for name, items in sets.items()}
    sizes = {name: len(items) for name, items in sets.items()}
    missed = [t for t, u in HELD_OUT if not _exact(t, u)]
    if args.json:
        json.dump({"rows": rows, "exact_share": shares, "held_out_missed": missed}, sys.stdout, indent=2)
        print()
        return 0
    print(f"{'input':<16} {'msgs':>4} {'median ms':>10} {'max ms':>8} {'baseline µs':>12} {'ratio':>8}")
    for r in rows:
        print(f"{r['input']:<16} {r['messages']:>4} {r['median_ms']:>10.2f} {r['max_ms']:>8.2f} "
              f"{r['baseline_us']:>12.2f} {r['ratio']:>8.0f}")
    print("  reader = agent.parsing.extract_facts; baseline = one regex split of the message into words.")
    print("read exactly: " + ", ".join(f"{name} {share:.0%} of {sizes[name]}" for name, share in shares.items()))
    for text in missed:
        print(f"  held-out miss: {text!r} -> {extract_facts(text).updates}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
