"""bench/fidelity.py's side-by-side with llm-analysis: the jobs it sends describe each
published run as ft-advisor reads it (llm-analysis itself lives in the bench's own
environment and is not needed here), and its answers land beside the right rows."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from tools.estimators.calibration import load_rows
from tools.estimators.training import estimate_training

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fidelity():
    spec = importlib.util.spec_from_file_location("bench_fidelity", ROOT / "bench" / "fidelity.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_training_row_is_sent_or_skipped_with_a_reason(fidelity):
    rows = load_rows()
    jobs, skipped = fidelity.llm_analysis_jobs(rows, 0.5)
    training = {r["id"] for r in rows if r["kind"] == "training"}
    assert {j["id"] for j in jobs} | set(skipped) == training
    assert not {j["id"] for j in jobs} & set(skipped)
    assert all(reason for reason in skipped.values())


def test_a_job_carries_the_documented_layout_and_the_estimators_tokens(fidelity):
    rows = {r["id"]: r for r in load_rows("training")}
    jobs = {j["id"]: j for j in fidelity.llm_analysis_jobs(list(rows.values()), 0.4)[0]}
    bloom = jobs["bloom-176b-pretrain"]
    assert (bloom["tp"], bloom["pp"], bloom["recompute"], bloom["gpu"]) == (4, 12, 2, "a100-sxm-80gb")
    vicuna, row = jobs["vicuna-13b-fullft"], rows["vicuna-13b-fullft"]
    expected = estimate_training(**row["inputs"], regime=row["regime"])
    assert vicuna["total_tokens"] == expected.total_tokens == 70000 * 2048 * 3  # padded, 3 epochs
    assert vicuna["seq_len"] == 2048 and vicuna["flops_efficiency"] == 0.4
    assert jobs["llama3-8b-pretrain"]["gpu"] == "h100-sxm-80gb"


def test_answers_land_beside_their_rows_and_errors_are_kept(fidelity, tmp_path):
    # A stand-in for llm-analysis's Python: answers 100 GPU-hours for every job but one.
    fake = tmp_path / "fake_runner.py"
    fake.write_text("import json, sys\njobs = json.load(sys.stdin)\n"
                    "json.dump([{'id': j['id'], 'gpu_hours': 100.0} if i else {'id': j['id'], 'error': 'no fit'}"
                    " for i, j in enumerate(jobs)], sys.stdout)\n")
    launcher = tmp_path / "python"
    launcher.write_text(f"#!/bin/sh\nexec {sys.executable} {fake}\n")
    launcher.chmod(0o755)
    rows = load_rows("training")[:3]
    out = fidelity.run_llm_analysis(launcher, rows, 0.5)
    assert out[rows[0]["id"]] == {"id": rows[0]["id"], "error": "no fit"}
    assert out[rows[1]["id"]]["gpu_hours"] == 100.0
    assert json.dumps(out)  # plain data for --json


def test_the_summary_reports_held_out_error_per_regime_and_beside_llm_analysis(fidelity):
    def row(i, regime, loo, inside, la=None):
        r = {"id": f"r{i}", "kind": "training", "regime": regime, "ln": loo / 2, "inside": True,
             "loo_ln": loo, "loo_inside": inside}
        if la is not None:
            r["llm_analysis_ln"] = la
        return r

    rows = [row(1, "pretraining", 0.1, True, la=-0.5), row(2, "pretraining", -0.3, False, la=0.2),
            row(3, "fine-tune", 0.2, True), {"id": "m", "kind": "memory", "regime": "memory", "ln": 0.05,
                                             "inside": True}]
    s = fidelity.summarise(rows)
    assert s["loo_training_median_abs_ln"] == 0.2 and s["loo_inside"] == "2/3"
    assert s["loo_pretraining_median_abs_ln"] == 0.2 and s["loo_pretraining_inside"] == "1/2"
    assert s["loo_fine-tune_inside"] == "1/1" and s["memory_median_abs_ln"] == 0.05
    # Beside llm-analysis, on the rows both cover only.
    assert s["llm_analysis_rows"] == 2 and s["llm_analysis_median_abs_ln"] == 0.35
    assert s["ft_advisor_loo_median_abs_ln_same_rows"] == 0.2
