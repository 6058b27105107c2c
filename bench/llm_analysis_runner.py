"""Run llm-analysis (github.com/cli99/llm-analysis) on the jobs bench/fidelity.py sends.

This file runs in llm-analysis's own environment, never the app's: it imports nothing
from the project. bench/fidelity.py writes the jobs (one per published training run, with
the model's shape as ft-advisor resolves it) as JSON on stdin and reads GPU-hours back:

    {"id": ..., "gpu_hours": ...}  or  {"id": ..., "error": "..."}

llm-analysis prices a step as its FLOPs over peak x flops_efficiency; it models full
training only (no LoRA or QLoRA). Its README says "literature reports up to 0.5" for
flops efficiency and calls 0.9 "an aggressive target" for memory efficiency; those are the
settings used unless the job says otherwise.
"""
from __future__ import annotations

import contextlib
import io
import json
import logging
import sys
import tempfile
from pathlib import Path


def run_job(job: dict, workdir: Path) -> dict:
    from llm_analysis.analysis import train

    # llm-analysis models a gated MLP as two matrices of ffn_embed_dim; three matrices of
    # the real intermediate size hold the same weights at 1.5x (its own Llama configs do so).
    ffn = round(1.5 * job["intermediate"]) if job["gated"] else round(job["intermediate"])
    config = {"name": f"ftadv-{job['id']}", "num_layers": round(job["layers"]), "n_head": round(job["heads"]),
              "hidden_dim": round(job["hidden"]), "vocab_size": round(job["vocab"]),
              "max_seq_len": max(job["seq_len"], job.get("context") or 0),
              "num_key_value_heads": round(job["kv_heads"]), "ffn_embed_dim": ffn,
              "expansion_ratio": ffn / round(job["hidden"]), "model_type": "llama"}
    path = workdir / f"{job['id']}.json"
    path.write_text(json.dumps(config))
    with contextlib.redirect_stdout(io.StringIO()):
        summary = train(model_name=str(path), gpu_name=job["gpu"], dtype_name="w16a16e16", log_level="ERROR",
                        batch_size_per_gpu=1, gradient_accumulation_steps=1, seq_len=job["seq_len"],
                        total_num_tokens=job["total_tokens"], activation_recomputation=job["recompute"],
                        ds_zero=job["zero"], tp_size=job["tp"], pp_size=job["pp"], total_num_gpus=job["gpus"],
                        flops_efficiency=job.get("flops_efficiency", 0.5),
                        hbm_memory_efficiency=job.get("hbm_memory_efficiency", 0.9))
    return {"id": job["id"], "gpu_hours": summary["total_training_latency"] * job["gpus"] / 3600,
            "layout": f"tp {job['tp']} pp {job['pp']} ZeRO-{job['zero']} recompute "
                      f"{('none', 'selective', 'full')[job['recompute']]}"}


def layouts(job: dict):
    """The job's layout, then, while llm-analysis finds that micro-batch 1 does not fit,
    the steps a practitioner takes: ZeRO-3, full recomputation, tensor parallel up to a
    node (whatever divides the GPU count and the heads)."""
    yield job
    job = {**job, "zero": 3}
    yield job
    job = {**job, "recompute": 2}
    yield job
    for tp in (2, 4, 8):
        if tp > job["tp"] and job["gpus"] % (tp * job["pp"]) == 0 and round(job["kv_heads"]) % tp == 0:
            yield {**job, "tp": tp}


def run_fitting(job: dict, workdir: Path) -> dict:
    error = ""
    for candidate in layouts(job):
        try:
            return {**run_job(candidate, workdir), "escalated": candidate != job}
        except AssertionError as exc:
            if "max_batch_size_per_gpu" not in str(exc):
                raise
            error = str(exc)
    raise AssertionError(f"no layout fits: {error}")


def main() -> None:
    logging.disable(logging.WARNING)
    jobs = json.load(sys.stdin)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for job in jobs:
            try:
                out.append(run_fitting(job, Path(tmp)))
            except Exception as exc:  # one row llm-analysis cannot take must not hide the rest
                out.append({"id": job["id"], "error": f"{type(exc).__name__}: {exc}"[:200]})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
