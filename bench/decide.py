"""`decide` latency: an empty profile, full profiles in a warm process (each a profile
the process has not seen, as when a consultation answers a question) and the same
profile again, as CPU time and as ratios against a baseline measured in the same run
(validate_profile on the same profile: the floor any decision pays). The target is
interactive: under 100 ms for a full profile.

    .venv/bin/python bench/decide.py              # 5 runs of each case
    .venv/bin/python bench/decide.py --runs 11 --json
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.decision.decide import decide  # noqa: E402
from tools.decision.profile import validate_profile  # noqa: E402

TODAY = date(2026, 12, 3)
FULL = [
    {"model": "gpt-4o", "goals": ["output_format"], "requests_per_month": 20_000_000, "prompt_tokens": 1_500,
     "output_tokens": 200, "labeled_examples": 1_000_000, "data_quality": "high", "ml_team": "strong",
     "budget_usd": 2_000_000, "knowledge_changes": "rarely", "tried": ["prompt_engineering"], "horizon_months": 12,
     "proprietary_data": False, "deployment": "any"},
    {"model": "gpt-4.1", "goals": ["jargon"], "proprietary_data": False, "labeled_examples": 8_000,
     "data_quality": "high", "ml_team": "strong", "requests_per_month": 500_000, "budget_usd": 300_000,
     "knowledge_changes": "rarely", "tried": ["prompt_engineering", "few_shot"], "horizon_months": 12,
     "prompt_tokens": 800, "output_tokens": 300, "deployment": "any"},
    {"model": "llama-3.1-8b", "goals": ["accuracy", "domain_knowledge"], "proprietary_data": True,
     "budget_usd": 50_000, "horizon_months": 24, "requests_per_month": 30_000, "knowledge_changes": "weekly",
     "deployment": "on_prem", "ml_team": "some", "labeled_examples": 0, "tried": [], "prompt_tokens": 600,
     "output_tokens": 250},
]


def cpu_ms(func, *args, **kwargs) -> float:
    start = time.process_time()
    func(*args, **kwargs)
    return (time.process_time() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    decide({}, today=TODAY)  # imports, catalog and price map loaded once, as in a running app
    baseline = statistics.median(cpu_ms(validate_profile, FULL[0]) for _ in range(50)) or 1e-3
    empty = statistics.median(cpu_ms(decide, {}, today=TODAY) for _ in range(args.runs))
    new, again = [], []
    for run in range(args.runs):
        for i, profile in enumerate(FULL):
            # A volume this process has not priced: the what-if caches start cold for it.
            fresh = {**profile, "requests_per_month": profile["requests_per_month"] + 7 * (run + 1) + i}
            new.append(cpu_ms(decide, fresh, today=TODAY))
            again.append(cpu_ms(decide, fresh, today=TODAY))
    out = {"baseline_validate_ms": round(baseline, 3), "empty_ms": round(empty, 1),
           "full_new_ms": round(statistics.median(new), 1), "full_new_max_ms": round(max(new), 1),
           "full_again_ms": round(statistics.median(again), 1),
           "full_new_over_baseline": round(statistics.median(new) / baseline, 1),
           "full_new_over_previous_empty_3_5ms": round(statistics.median(new) / 3.5, 1)}
    if args.json:
        print(json.dumps(out))
        return
    print(f"baseline validate_profile: {out['baseline_validate_ms']} ms CPU")
    print(f"decide, empty profile:     {out['empty_ms']} ms")
    print(f"decide, new full profile:  {out['full_new_ms']} ms median, {out['full_new_max_ms']} ms max "
          f"({out['full_new_over_baseline']}x baseline; {out['full_new_over_previous_empty_3_5ms']}x the 3.5 ms "
          "an empty profile took before options)")
    print(f"decide, same profile again: {out['full_again_ms']} ms")


if __name__ == "__main__":
    main()
