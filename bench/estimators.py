"""Estimator latency and `ft-advisor estimate` start-up, as ratios against baselines
measured in the same run (never absolute thresholds in tests).

    .venv/bin/python bench/estimators.py              # every registered tool + CLI start
    .venv/bin/python bench/estimators.py --runs 21 --json

1. Every tool in tools.registry, whoever added it: the pure function on validated
   arguments, and registry.call() (coercion + jsonschema validation + to_dict), each
   against a baseline of a JSON round trip of the same arguments. Target: each estimator
   well under 1 ms per call.
2. `ft-advisor estimate training ...` as a fresh process against `python -c pass` (the
   interpreter's own start), median of --runs each, interleaved so both see the same
   machine load.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Arguments for the tools we know; a tool added later runs with {} or, failing that,
#: with COMMON values for the arguments its schema declares.
SAMPLES: dict[str, dict[str, Any]] = {
    "estimate_training": {"model": "llama-3-8b", "examples": "20k", "tokens_per_example": 600,
                          "epochs": 3, "method": "lora", "gpu": "a100-80gb"},
    "estimate_memory": {"model": "llama-3.1-70b", "method": "qlora", "gpu": "l40s", "seq_len": 2048},
    "estimate_api_finetune": {"model": "gpt-4o-mini", "tokens": "1M", "epochs": 3, "date": "2026-11-29"},
    "estimate_inference": {"model": "gpt-4o-mini", "requests_per_month": "1M", "prompt_tokens": 500,
                           "output_tokens": 200},
    "estimate_data_prep": {"examples": 5000},
    "estimate_maintenance": {"knowledge_changes": "monthly", "model": "llama-3-8b", "tokens": "10M"},
    "estimate_rag": {"corpus_tokens": "100M", "requests_per_month": "1M"},
    "estimate_compare": {"requests_per_month": "1M"},
}
COMMON: dict[str, Any] = {
    "model": "llama-3-8b", "params": "8b", "tokens": "10M", "examples": 10_000, "tokens_per_example": 500,
    "epochs": 3, "gpu": "a100-80gb", "requests_per_month": "1M", "prompt_tokens": 500, "output_tokens": 200,
    "horizon_months": 24, "knowledge_changes": "monthly", "labeled_examples": 1000, "data_quality": "medium",
    "date": "2026-11-29", "corpus_tokens": "100M",
}


def _per_call(fn: Any, min_time: float = 0.2) -> float:
    """Seconds per call: timeit's autorange, then the best of 5 such batches (the
    least-disturbed estimate of the code's own cost on a shared machine)."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    number = max(number, int(number * min_time / 0.2))
    return min(timer.repeat(repeat=5, number=number)) / number


def _args_for(tool: Any) -> tuple[dict[str, Any] | None, str]:
    from tools.errors import InputError
    from tools.registry import validate_args

    props = tool.schema.get("properties", {})
    candidates = []
    if tool.name in SAMPLES:
        candidates.append(("sample", SAMPLES[tool.name]))
    candidates.append(("empty", {}))
    candidates.append(("common", {k: v for k, v in COMMON.items() if k in props}))
    errors = []
    for label, args in candidates:
        try:
            tool.func(**validate_args(tool, dict(args)))
            return args, label
        except InputError as exc:
            errors.append(f"{label}: {exc}")
    return None, "; ".join(errors)


def bench_tools() -> list[dict[str, Any]]:
    from tools.registry import all_tools, call, validate_args

    rows = []
    for tool in sorted(all_tools().values(), key=lambda t: t.name):
        args, how = _args_for(tool)
        if args is None:
            rows.append({"tool": tool.name, "skipped": how})
            continue
        valid = validate_args(tool, dict(args))
        call(tool.name, dict(args))  # warm caches (catalog, price map) outside the timing
        text = json.dumps(args)
        baseline = _per_call(lambda: json.loads(json.dumps(json.loads(text))))
        func = _per_call(lambda: tool.func(**valid))
        full = _per_call(lambda: call(tool.name, dict(args)))
        rows.append({"tool": tool.name, "args": how, "func_us": func * 1e6, "call_us": full * 1e6,
                     "baseline_us": baseline * 1e6, "func_ratio": func / baseline, "call_ratio": full / baseline,
                     "func_under_1ms": func < 1e-3})
    return rows


def _median_run(argv: list[str], runs: int, env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {proc.stderr.decode()[-400:]}")
    return times


def bench_cli(runs: int) -> dict[str, Any]:
    python = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
    script = ROOT / ".venv" / "bin" / "ft-advisor"
    cli = [str(script)] if script.exists() else [python, "-m", "tui.cli"]
    with tempfile.TemporaryDirectory() as scratch:
        # A scratch config and data dir: the benchmark must not read the user's files.
        # Bytecode is cached in the scratch dir (PYTHONPYCACHEPREFIX), as an installed copy
        # caches it, even where the environment sets PYTHONDONTWRITEBYTECODE: otherwise every
        # start would recompile every module and time the compiler, not the program.
        env = dict(os.environ, FT_ADVISOR_CONFIG=f"{scratch}/config.toml", FT_ADVISOR_DATA_DIR=f"{scratch}/data",
                   LITELLM_LOCAL_MODEL_COST_MAP="True", LITELLM_OFFLINE_MODE="true",
                   PYTHONPYCACHEPREFIX=f"{scratch}/pycache")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        commands = {
            "python -c pass": [python, "-c", "pass"],
            "ft-advisor --version": cli + ["--version"],
            "ft-advisor estimate training": cli + ["estimate", "training", "--model", "llama-3-8b",
                                                   "--tokens", "50M", "--method", "lora", "--json"],
            "ft-advisor estimate memory": cli + ["estimate", "memory", "--model", "llama-3-8b", "--method", "qlora",
                                                 "--json"],
        }
        for argv in commands.values():  # warm the OS file cache and .pyc files
            _median_run(argv, 1, env)
        samples: dict[str, list[float]] = {k: [] for k in commands}
        for _ in range(runs):  # interleaved: each round sees the same load for every command
            for name, argv in commands.items():
                samples[name].extend(_median_run(argv, 1, env))
    base = statistics.median(samples["python -c pass"])
    return {name: {"median_s": statistics.median(t), "ratio": statistics.median(t) / base}
            for name, t in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=11, help="process starts per command (default 11)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-cli", action="store_true", help="only the in-process estimator timings")
    args = parser.parse_args()
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    tools = bench_tools()
    cli = {} if args.no_cli else bench_cli(args.runs)
    if args.json:
        json.dump({"tools": tools, "cli": cli, "python": sys.version.split()[0]}, sys.stdout, indent=2)
        print()
        return 0
    print(f"{'tool':26} {'func µs':>9} {'call µs':>9} {'baseline µs':>12} {'func/base':>10} {'call/base':>10}  args")
    for r in tools:
        if "skipped" in r:
            print(f"{r['tool']:26} skipped: {r['skipped']}")
            continue
        flag = "" if r["func_under_1ms"] else "  OVER 1 ms"
        print(f"{r['tool']:26} {r['func_us']:9.1f} {r['call_us']:9.1f} {r['baseline_us']:12.2f} "
              f"{r['func_ratio']:10.1f} {r['call_ratio']:10.1f}  {r['args']}{flag}")
    print("  func = the estimator on validated args; call = registry.call (coerce + jsonschema + to_dict);")
    print("  baseline = JSON round trip of the same arguments.")
    if cli:
        print(f"\nprocess start, median of {args.runs} (interleaved):")
        for name, r in cli.items():
            print(f"  {name:30} {r['median_s'] * 1000:8.1f} ms   ratio {r['ratio']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
