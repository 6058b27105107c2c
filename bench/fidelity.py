"""ft-advisor's estimates against every published figure in the calibration set.

    .venv/bin/python bench/fidelity.py               # table + summary
    .venv/bin/python bench/fidelity.py --json        # the same as JSON
    .venv/bin/python bench/fidelity.py --write-fit   # refit the utilisation model, store it
    PYTHONPATH=/path/to/other/tree python bench/fidelity.py --tree /path/to/other/tree
                                                     # the same rows against another version

For each row: the published figure, the estimate, its [low, high] range, ln(est/pub) and
whether the range holds the figure. Training rows also show the leave-one-out estimate
(from a utilisation fit made without that row) and whether the range around it holds the
figure: the error on runs the calibration did not see. The summary prints the median
|ln(est/pub)| for training and memory rows, the share of figures inside [low, high], and
the leave-one-out median and coverage.

llm-analysis side by side: it is not an app dependency, so it lives in the bench's own
environment and runs there (bench/llm_analysis_runner.py), fed each full-training row with
the model's shape, GPU, tokens and layout as ft-advisor reads them:

    python3 -m venv bench/.llm-analysis && bench/.llm-analysis/bin/pip install llm-analysis
    .venv/bin/python bench/fidelity.py               # finds bench/.llm-analysis by itself
    .venv/bin/python bench/fidelity.py --llm-analysis /other/venv/bin/python

It runs at the flops efficiency its README suggests (0.5); --la-efficiency changes that.
"""
from __future__ import annotations

import argparse
import inspect
import json
import math
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LLM_ANALYSIS_VENV = ROOT / "bench" / ".llm-analysis" / "bin" / "python"
#: ft-advisor's GPU ids and llm-analysis's configs for the same cards.
LLM_ANALYSIS_GPUS = {"a100-80gb": "a100-sxm-80gb", "a100-40gb": "a100-sxm-40gb", "h100": "h100-sxm-80gb"}
RECOMPUTE_CODES = {"none": 0, "selective": 1, "full": 2}


def _load(tree: Path) -> tuple[Any, Any]:
    import importlib

    sys.path.insert(0, str(tree))
    # Before the package move the estimators sat at the top of tools/.
    prefix = "tools.estimators." if (tree / "tools" / "estimators").is_dir() else "tools."
    training = importlib.import_module(prefix + "training")
    memory = importlib.import_module(prefix + "memory")
    return training.estimate_training, memory.estimate_memory


def _accepts(func: Any, args: dict[str, Any]) -> dict[str, Any]:
    """The row's arguments this version of the estimator knows (an older tree lacks some)."""
    names = inspect.signature(func).parameters
    return {k: v for k, v in args.items() if k in names}


def _memory_metric(e: Any, metric: str) -> tuple[float, float, float]:
    """(estimate, low, high) of one memory metric."""
    if metric == "total_gb":
        return e.total_gb, e.low, e.high
    if metric in ("states_gb", "states_per_gpu_gb"):
        states = sum(e.breakdown[k] for k in ("weights_gb", "gradients_gb", "optimizer_gb", "adapter_gb"))
        low = getattr(e, "states_low_gb", None) or states
        high = getattr(e, "states_high_gb", None) or states
        if metric == "states_gb":
            return states, low, high
        per = e.states_per_gpu_gb
        return per, per * low / states, per * high / states
    if metric == "gpus_needed":  # "fits one 48 GB GPU": the count, exact
        n = float(e.gpus_needed or math.inf)
        return n, n, n
    if metric == "per_gpu_gb":
        return e.per_gpu_gb, e.per_gpu_gb * e.low / e.total_gb, e.per_gpu_gb * e.high / e.total_gb
    value = e.breakdown[metric]
    return value, value, value


def _inside(low: float, high: float, published: float, bound: str, rounding: float = 0.0) -> bool:
    """Whether [low, high] holds the figure, allowing for how it was rounded when published."""
    low, high = low * (1 - rounding - 1e-9), high * (1 + rounding + 1e-9)
    if bound == "upper":  # the published figure is a ceiling ("fits in 48 GB"): a low end below it
        return low <= published
    if bound == "lower":
        return high >= published
    return low <= published <= high


def _log_error(est: float, published: float, bound: str) -> float:
    if bound == "upper":
        return max(0.0, math.log(est / published))
    if bound == "lower":
        return min(0.0, math.log(est / published))
    return math.log(est / published)


def llm_analysis_jobs(rows: list[dict[str, Any]], efficiency: float) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """One llm-analysis job per full-training row it has a GPU for; why the others have none."""
    from tools.estimators.memory import resolve_shape
    from tools.estimators.training import estimate_training

    jobs, skipped = [], {}
    for row in rows:
        inputs = row["inputs"]
        if row["kind"] != "training":
            continue
        if inputs.get("method", "full") != "full":
            skipped[row["id"]] = "llm-analysis models full training only"
            continue
        gpu = LLM_ANALYSIS_GPUS.get(inputs.get("gpu", "a100-80gb"))
        if gpu is None:
            skipped[row["id"]] = f"llm-analysis has no config for {inputs['gpu']}"
            continue
        e = estimate_training(**inputs, regime=row["regime"])
        shape = resolve_shape(inputs.get("model"), inputs.get("params"))
        jobs.append({"id": row["id"], "layers": shape.layers, "heads": shape.heads, "kv_heads": shape.kv_heads,
                     "hidden": shape.hidden, "vocab": shape.vocab, "intermediate": shape.intermediate,
                     "gated": True, "context": shape.context, "gpu": gpu, "seq_len": int(e.step_seq_len),
                     "total_tokens": e.total_tokens, "gpus": e.gpus, "tp": e.tp, "pp": e.pp, "zero": e.zero,
                     "recompute": RECOMPUTE_CODES[e.recompute], "flops_efficiency": efficiency})
    return jobs, skipped


def run_llm_analysis(python: Path, rows: list[dict[str, Any]], efficiency: float) -> dict[str, dict[str, Any]]:
    """{row id: {"gpu_hours": ...} or {"error": ...}} from llm-analysis in its own environment."""
    jobs, skipped = llm_analysis_jobs(rows, efficiency)
    out: dict[str, dict[str, Any]] = {k: {"error": v} for k, v in skipped.items()}
    done = subprocess.run([str(python), str(ROOT / "bench" / "llm_analysis_runner.py")], input=json.dumps(jobs),
                          capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise SystemExit(f"llm-analysis runner failed: {done.stderr.strip().splitlines()[-1:]}")
    for item in json.loads(done.stdout):
        out[item["id"]] = item
    return out


def run(tree: Path, llm_analysis: Path | None = None, la_efficiency: float = 0.5) -> dict[str, Any]:
    estimate_training, estimate_memory = _load(tree)
    rows = json.loads((ROOT / "tools/catalog/data/calibration.json").read_text())["rows"]
    loo: dict[str, float] = {}
    held_inside: dict[str, bool] = {}
    if tree == ROOT:
        from tools.estimators.calibration import calibrate, held_out_inside

        _, loo, observations = calibrate(estimate_training)
        held_inside = held_out_inside(observations, loo)
    regimes = getattr(sys.modules.get(estimate_training.__module__), "REGIMES", None)
    la = run_llm_analysis(llm_analysis, rows, la_efficiency) if llm_analysis and tree == ROOT else {}
    out = []
    for row in rows:
        args = dict(row["inputs"])
        if row["kind"] == "training":
            # An older tree knows fewer stacks: its default stands in for one it lacks.
            if regimes is None or row["regime"] in regimes:
                args["regime"] = row["regime"]
            e = estimate_training(**_accepts(estimate_training, args))
            est, low, high = e.gpu_hours, e.gpu_hours_low, e.gpu_hours_high
            overhead = 0.0 if row.get("loop_only") else getattr(e, "overhead_gpu_hours", 0.0)
            est, low, high = est + overhead, low + overhead, high + overhead
        else:
            e = estimate_memory(**_accepts(estimate_memory, args))
            est, low, high = _memory_metric(e, row["metric"])
        pub, bound = float(row["published"]), row.get("bound", "exact")
        item = {"id": row["id"], "kind": row["kind"], "regime": row["regime"], "published": pub,
                "estimate": est, "low": low, "high": high, "ln": _log_error(est, pub, bound),
                "inside": _inside(low, high, pub, bound, row.get("rounding", 0.0))}
        if row["id"] in loo:
            # Held out: the estimate a fit without this row (and its group) makes: compute
            # hours scale as 1/MFU, the fixed overhead does not. Inside: whether the range
            # the other runs' held-out residuals make for its regime holds it.
            compute = pub - overhead
            held = compute * math.exp(loo[row["id"]]) + overhead
            item.update(loo_estimate=held, loo_ln=math.log(held / pub), loo_inside=held_inside[row["id"]])
        if "gpu_hours" in la.get(row["id"], {}):
            item.update(llm_analysis=la[row["id"]]["gpu_hours"],
                        llm_analysis_ln=math.log(la[row["id"]]["gpu_hours"] / pub),
                        llm_analysis_layout=la[row["id"]].get("layout", ""),
                        llm_analysis_escalated=la[row["id"]].get("escalated", False))
        elif row["id"] in la:
            item["llm_analysis_error"] = la[row["id"]]["error"]
        out.append(item)
    return {"rows": out, "summary": summarise(out)}


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def med(values: list[float]) -> float | None:
        return round(statistics.median(values), 3) if values else None

    training = [r for r in rows if r["kind"] == "training"]
    memory = [r for r in rows if r["kind"] == "memory"]
    held = [r for r in training if "loo_ln" in r]
    side = [r for r in training if "llm_analysis_ln" in r]
    both = {}
    if side:
        # On the rows both tools cover: ft-advisor held out vs llm-analysis (which fits nothing).
        both = {"llm_analysis_rows": len(side),
                "llm_analysis_median_abs_ln": med([abs(r["llm_analysis_ln"]) for r in side]),
                "ft_advisor_loo_median_abs_ln_same_rows": med([abs(r.get("loo_ln", r["ln"])) for r in side])}
    return {
        "training_median_abs_ln": med([abs(r["ln"]) for r in training]),
        "memory_median_abs_ln": med([abs(r["ln"]) for r in memory]),
        "inside_share": round(sum(r["inside"] for r in rows) / len(rows), 3),
        "inside": f"{sum(r['inside'] for r in rows)}/{len(rows)}",
        "training_inside": f"{sum(r['inside'] for r in training)}/{len(training)}",
        "memory_inside": f"{sum(r['inside'] for r in memory)}/{len(memory)}",
        "loo_training_median_abs_ln": med([abs(r["loo_ln"]) for r in held]),
        "loo_inside": f"{sum(r['loo_inside'] for r in held)}/{len(held)}" if held else None,
        **{f"loo_{regime}_median_abs_ln": med([abs(r["loo_ln"]) for r in held if r["regime"] == regime])
           for regime in sorted({r["regime"] for r in held})},
        **{f"loo_{regime}_inside": f"{sum(r['loo_inside'] for r in held if r['regime'] == regime)}/"
                                   f"{sum(r['regime'] == regime for r in held)}"
           for regime in sorted({r["regime"] for r in held})},
        "loo_inside_share_with_memory": (round((sum(r["loo_inside"] for r in held)
                                                + sum(r["inside"] for r in memory)) / len(rows), 3)
                                         if held else None),
        **both,
    }


def print_table(result: dict[str, Any]) -> None:
    side = any("llm_analysis" in r for r in result["rows"])
    print(f"{'figure':26} {'published':>12} {'estimate':>12} {'low':>12} {'high':>12} {'ln':>6} in "
          f"{'held-out':>12} {'ln':>6} in" + (f" {'llm-analysis':>12} {'ln':>6}" if side else ""))
    for r in result["rows"]:
        held = (f"{r['loo_estimate']:12.4g} {r['loo_ln']:+6.2f} {'y' if r['loo_inside'] else 'n'}"
                if "loo_ln" in r else " " * 21)
        la = (f" {r['llm_analysis']:12.4g} {r['llm_analysis_ln']:+6.2f}" if "llm_analysis" in r
              else f" {'-':>12} {'':>6}" if side and r["kind"] == "training" else "")
        print(f"{r['id']:26} {r['published']:12.4g} {r['estimate']:12.4g} {r['low']:12.4g} {r['high']:12.4g} "
              f"{r['ln']:+6.2f} {'y ' if r['inside'] else 'n '} {held}{la}".rstrip())
    escalated = [r for r in result["rows"] if r.get("llm_analysis_escalated")]
    if escalated:
        print("\nllm-analysis found no room at micro-batch 1 in the row's layout and ran these instead:")
        for r in escalated:
            print(f"  {r['id']}: {r['llm_analysis_layout']}")
    print()
    for k, v in result["summary"].items():
        print(f"{k:32} {v}")


def write_fit() -> None:
    sys.path.insert(0, str(ROOT))
    from tools.estimators.calibration import calibrate
    from tools.estimators.mfu import FIT_FILE
    from tools.estimators.training import estimate_training

    fit, _, _ = calibrate(estimate_training)
    FIT_FILE.write_text(json.dumps(fit.to_json(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {FIT_FILE.relative_to(ROOT)}: {fit}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--write-fit", action="store_true", help="refit the utilisation model and store it")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the source tree whose estimators to run")
    parser.add_argument("--llm-analysis", type=Path, metavar="PYTHON",
                        default=LLM_ANALYSIS_VENV if LLM_ANALYSIS_VENV.exists() else None,
                        help="a Python with llm-analysis installed (default: bench/.llm-analysis if present)")
    parser.add_argument("--no-llm-analysis", action="store_true", help="skip llm-analysis even if installed")
    parser.add_argument("--la-efficiency", type=float, default=0.5,
                        help="llm-analysis flops efficiency (default 0.5, its README's figure)")
    ns = parser.parse_args()
    if ns.write_fit:
        write_fit()
        return
    result = run(ns.tree.resolve(), None if ns.no_llm_analysis else ns.llm_analysis, ns.la_efficiency)
    if ns.json:
        print(json.dumps(result, indent=1))
    else:
        print_table(result)


if __name__ == "__main__":
    main()
