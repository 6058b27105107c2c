"""Memory estimator: unit tests, properties, and the `ft-advisor estimate memory` CLI."""
from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.errors import InputError
from tools.estimators.memory import (BYTES_PER_PARAM, CONTEXT_GB, TOOL, USABLE_FRACTION, adapter_params, estimate_memory,
                          resolve_shape, shape_from_params)
from tools.registry import call, validate_args
from tui.cli import main

STATES = ("weights_gb", "gradients_gb", "optimizer_gb", "adapter_gb")


def states(e) -> float:
    return sum(e.breakdown[k] for k in STATES)


# --------------------------------------------------------------------------- units


def test_full_adamw_is_16_bytes_per_param_of_model_states():
    e = estimate_memory(params=1e9, sharding="none")
    assert e.breakdown["weights_gb"] == pytest.approx(2.0)
    assert e.breakdown["gradients_gb"] == pytest.approx(2.0)
    assert e.breakdown["optimizer_gb"] == pytest.approx(12.0)
    assert states(e) == pytest.approx(16.0)


@pytest.mark.parametrize("optimizer,master,expected", [
    ("adamw", True, 16), ("adamw", False, 12), ("adamw-8bit", True, 10), ("adamw-8bit", False, 6),
    ("sgd", True, 12), ("sgd", False, 8),
])
def test_optimizer_bytes_per_param(optimizer, master, expected):
    e = estimate_memory(params=1e9, optimizer=optimizer, master_weights=master)
    assert states(e) == pytest.approx(expected)


def test_breakdown_sums_to_total_and_has_every_key():
    e = estimate_memory(model="llama-3-8b", method="lora")
    assert set(e.breakdown) == {"weights_gb", "gradients_gb", "optimizer_gb", "adapter_gb", "activations_gb",
                                "kv_cache_gb", "overhead_gb"}
    assert sum(e.breakdown.values()) == pytest.approx(e.total_gb)
    assert e.low <= e.total_gb <= e.high


def test_lora_keeps_frozen_bf16_weights_and_trains_only_adapters():
    e = estimate_memory(model="llama-2-7b", method="lora", lora_rank=8)
    assert e.breakdown["weights_gb"] == pytest.approx(6_738_417_664 * 2 / 1e9)
    # Llama 2 7B, r=8 on q,k,v,o (4096x4096) and gate/up/down (4096x11008): 32 layers.
    per_layer = 4 * 8 * (4096 + 4096) + 3 * 8 * (4096 + 11008)
    assert e.adapter_params == pytest.approx(32 * per_layer)
    assert e.breakdown["gradients_gb"] == pytest.approx(e.adapter_params * 4 / 1e9)


def test_qv_targets_match_the_lora_paper_count():
    shape = resolve_shape("gpt-3-175b", None)
    assert adapter_params(shape, 4, "qv") == 18_874_368  # Hu et al. 2021: r=4 on W_q, W_v


def test_mixtral_adapters_cover_every_expert():
    shape = resolve_shape("mixtral-8x7b", None)
    dense = resolve_shape("mistral-7b", None)
    # 8 experts x 3 MLP matrices vs 3: far more adapter parameters than the dense 7B.
    assert adapter_params(shape, 16) > 4 * adapter_params(dense, 16)


def test_qlora_quantises_linear_layers_but_not_embeddings():
    e = estimate_memory(model="llama-2-7b", method="qlora")
    shape = resolve_shape("llama-2-7b", None)
    expected = (shape.linear_params * BYTES_PER_PARAM["int4"] + shape.embedding_params * 2) / 1e9
    assert e.breakdown["weights_gb"] == pytest.approx(expected)
    assert 3.5 < e.breakdown["weights_gb"] < 4.2


def test_activations_follow_korthikanti_with_and_without_checkpointing():
    shape = resolve_shape("llama-2-7b", None)
    off = estimate_memory(model="llama-2-7b", seq_len=1024, batch=2, checkpointing=False)
    on = estimate_memory(model="llama-2-7b", seq_len=1024, batch=2, checkpointing=True)
    tokens, h, layers, vocab = 2048, shape.hidden, shape.layers, shape.vocab
    logits = 8 * tokens * vocab
    assert off.breakdown["activations_gb"] * 1e9 == pytest.approx(34 * tokens * h * layers + logits)
    assert on.breakdown["activations_gb"] * 1e9 == pytest.approx(2 * tokens * h * layers + 34 * tokens * h + logits)


def test_inference_kv_cache_uses_grouped_kv_heads():
    e = estimate_memory(model="llama-3-8b", method="inference", seq_len=8192, batch=4)
    # 2 (K,V) x 32 layers x 8 KV heads x 128 head dim x 8192 tokens x 4 sequences x 2 bytes
    assert e.breakdown["kv_cache_gb"] == pytest.approx(2 * 32 * 8 * 128 * 8192 * 4 * 2 / 1e9)
    assert e.breakdown["optimizer_gb"] == 0 and e.breakdown["activations_gb"] == 0


def test_gpus_needed_is_the_smallest_count_that_fits():
    e = estimate_memory(model="llama-3-70b", method="full", gpu="h100")
    assert e.gpus_needed and e.gpus_needed > 1
    usable = 80 * USABLE_FRACTION
    fewer = estimate_memory(model="llama-3-70b", method="full", gpu="h100", gpus=e.gpus_needed - 1)
    assert not fewer.fits and fewer.per_gpu_gb > usable
    exact = estimate_memory(model="llama-3-70b", method="full", gpu="h100", gpus=e.gpus_needed)
    assert exact.fits and exact.per_gpu_gb <= usable


def test_without_sharding_a_big_model_fits_no_number_of_gpus():
    e = estimate_memory(model="llama-3-70b", sharding="none")
    assert e.gpus_needed is None and not e.fits
    assert any("ZeRO-3" in w for w in e.warnings)


def test_activations_too_big_for_any_count_is_said():
    e = estimate_memory(model="llama-3-8b", gpu="t4", seq_len=131072, batch=8, checkpointing=False)
    assert e.gpus_needed is None and not e.fits
    assert any("lower batch or seq_len" in w for w in e.warnings)


def test_seq_len_beyond_context_warns():
    e = estimate_memory(model="llama-2-7b", method="inference", seq_len=8192)
    assert any("context" in w for w in e.warnings)


@pytest.mark.parametrize("kwargs,field", [
    (dict(params=-1), "params"),
    (dict(params=0), "params"),
    (dict(params=1e20), "params"),
    (dict(params=float("nan")), "params"),
    (dict(), "model"),
    (dict(model="lama-2-7b"), "model"),
    (dict(model="llama-2-7b", params=70e9), "params"),
    (dict(params=7e9, gpu="a100-800gb"), "gpu"),
    (dict(params=7e9, method="qlora4"), "method"),
    (dict(params=7e9, method="full", precision="int4"), "precision"),
    (dict(params=7e9, method="inference", optimizer="adamw"), "optimizer"),
    (dict(params=7e9, batch=0), "batch"),
    (dict(params=7e9, seq_len=2.5), "seq_len"),
    (dict(params=7e9, gpus=0), "gpus"),
    (dict(params=7e9, method="lora", lora_rank=100_000), "lora_rank"),
    (dict(params=1e8, method="lora", lora_rank=4000), "lora_rank"),
    (dict(params=7e9, checkpointing="yes"), "checkpointing"),
])
def test_bad_input_names_the_argument(kwargs, field):
    with pytest.raises(InputError) as info:
        estimate_memory(**kwargs)
    assert info.value.field == field


def test_model_and_params_that_agree_are_accepted():
    e = estimate_memory(model="llama-2-7b", params=7e9)
    assert e.params == 6_738_417_664  # the catalog's exact count wins


def test_unknown_model_suggests_near_names():
    with pytest.raises(InputError) as info:
        estimate_memory(model="llama-3-8")
    assert "llama-3-8b" in info.value.suggestions


def test_human_sizes_are_accepted():
    assert estimate_memory(params="7b").params == 7e9


# --------------------------------------------------------------------------- registry


def test_registered_with_a_strict_schema():
    assert TOOL.name == "estimate_memory" and TOOL.cli_name == "memory"
    assert TOOL.schema["additionalProperties"] is False
    for name, spec in TOOL.schema["properties"].items():
        assert spec.get("description"), name
    with pytest.raises(InputError) as info:
        validate_args(TOOL, {"params": 7e9, "optimiser": "adamw"})
    assert info.value.field == "optimiser" and "optimizer" in info.value.suggestions


def test_registry_call_returns_json_ready_dict():
    out = call("estimate_memory", {"model": "mistral-7b", "method": "qlora", "gpu": "rtx-4090"})
    json.dumps(out)
    assert out["fits"] is True and out["gpus_needed"] == 1


def test_schema_and_function_agree_on_bounds():
    with pytest.raises(InputError) as via_schema:
        validate_args(TOOL, {"params": 1e20})
    with pytest.raises(InputError) as direct:
        estimate_memory(params=1e20)
    assert via_schema.value.field == direct.value.field == "params"


# --------------------------------------------------------------------------- properties

sizes = st.floats(min_value=1e8, max_value=1e12)
gpus_ids = st.sampled_from(["a100-40gb", "a100-80gb", "h100", "l4", "rtx-4090", "l40s", "mi300x"])
seqs = st.integers(min_value=128, max_value=32768)
batches = st.integers(min_value=1, max_value=16)


@given(params=sizes, seq=seqs, batch=batches, rank=st.integers(1, 64), ckpt=st.booleans(),
       optimizer=st.sampled_from(["adamw", "adamw-8bit", "sgd"]))
def test_qlora_le_lora_le_full(params, seq, batch, rank, ckpt, optimizer):
    common = dict(params=params, seq_len=seq, batch=batch, checkpointing=ckpt, optimizer=optimizer, lora_rank=rank)
    q = estimate_memory(method="qlora", **common).total_gb
    lo = estimate_memory(method="lora", **common).total_gb
    full = estimate_memory(method="full", **common).total_gb
    assert q <= lo <= full


@given(small=sizes, factor=st.floats(min_value=1.0, max_value=50.0), gpu=gpus_ids,
       method=st.sampled_from(["full", "lora", "qlora", "inference"]), seq=seqs)
def test_bigger_model_never_needs_fewer_gpus(small, factor, gpu, method, seq):
    big = min(small * factor, 1e13)
    a = estimate_memory(params=small, method=method, gpu=gpu, seq_len=seq)
    b = estimate_memory(params=big, method=method, gpu=gpu, seq_len=seq)
    assert b.total_gb >= a.total_gb
    if a.gpus_needed is None:
        assert b.gpus_needed is None
    elif b.gpus_needed is not None:
        assert b.gpus_needed >= a.gpus_needed


@given(params=sizes, g=st.integers(1, 512), method=st.sampled_from(["full", "lora", "qlora", "inference"]))
def test_more_gpus_never_raise_memory_per_gpu(params, g, method):
    a = estimate_memory(params=params, method=method, gpus=g)
    b = estimate_memory(params=params, method=method, gpus=g + 1)
    assert b.per_gpu_gb <= a.per_gpu_gb
    assert a.total_gb == b.total_gb  # the job's footprint does not depend on how it is split


@given(params=sizes, seq=seqs, batch=batches)
def test_checkpointing_never_costs_memory(params, seq, batch):
    on = estimate_memory(params=params, seq_len=seq, batch=batch, checkpointing=True)
    off = estimate_memory(params=params, seq_len=seq, batch=batch, checkpointing=False)
    assert on.breakdown["activations_gb"] <= off.breakdown["activations_gb"]


@given(params=sizes, seq=seqs, batch=batches)
def test_lower_precision_never_needs_more_for_inference(params, seq, batch):
    totals = [estimate_memory(params=params, method="inference", precision=p, seq_len=seq, batch=batch).total_gb
              for p in ("int4", "int8", "bf16", "fp32")]
    assert totals == sorted(totals)


@given(params=sizes, gpu=gpus_ids, method=st.sampled_from(["full", "lora", "qlora", "inference"]),
       seq=seqs, batch=batches)
def test_needed_gpus_fit_and_range_brackets_total(params, gpu, method, seq, batch):
    e = estimate_memory(params=params, gpu=gpu, method=method, seq_len=seq, batch=batch)
    assert e.low <= e.total_gb <= e.high
    assert all(v >= 0 and math.isfinite(v) for v in e.breakdown.values())
    if e.gpus_needed is not None:
        assert e.fits and e.per_gpu_gb <= e.usable_per_gpu_gb
        assert e.per_gpu_gb >= CONTEXT_GB


@given(params=sizes)
def test_heuristic_shape_reproduces_its_parameter_count(params):
    s = shape_from_params(params)
    assert 12 * s.layers * s.hidden ** 2 == pytest.approx(params)


# --------------------------------------------------------------------------- CLI


def test_cli_human_output(capsys):
    assert main(["estimate", "memory", "--model", "llama-3-8b", "--method", "qlora", "--gpu", "rtx-4090"]) == 0
    out = capsys.readouterr().out
    assert "total range" in out and "breakdown" in out and "assumptions" in out and "QLoRA" in out


def test_cli_json_keys(capsys):
    assert main(["estimate", "memory", "--params", "70B", "--method", "full", "--gpu", "h100",
                 "--seq-len", "4096", "--batch", "2", "--checkpointing", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("total_gb", "gpus_needed", "breakdown", "per_gpu_gb", "fits", "low", "high", "assumptions"):
        assert key in data
    assert data["params"] == 70e9 and data["gpus_needed"] > 1


@pytest.mark.parametrize("argv,flag", [
    (["--params", "1e20"], "--params"),
    (["--params", "-7b"], "--params"),
    (["--params", "nan"], "--params"),
    (["--model", "mistrall-7b"], "--model"),
    (["--params", "7b", "--gpu", "a100-90gb"], "--gpu"),
    (["--params", "7b", "--batch", "0"], "--batch"),
    (["--params", "7b", "--precision", "int3"], "--precision"),
])
def test_cli_bad_input_is_one_line_exit_2(argv, flag):
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "estimate", "memory", *argv],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert flag in proc.stderr


# --------------------------------------------------------------------------- parallel layout

@given(params=sizes, g=st.integers(1, 64), seq=seqs, method=st.sampled_from(["full", "lora", "qlora"]))
def test_each_zero_stage_shards_more(params, g, seq, method):
    # ZeRO-1 shards optimizer states, 2 also gradients, 3 also weights: per-GPU memory
    # never grows with the stage (Rajbhandari et al. 2020, Figure 1).
    per = [estimate_memory(params=params, method=method, seq_len=seq, gpus=g, zero=z).per_gpu_gb
           + estimate_memory(params=params, method=method, seq_len=seq, gpus=g, zero=z).paged_gb
           for z in (0, 1, 2, 3)]
    assert per == sorted(per, reverse=True)


@given(params=sizes, seq=seqs, tp=st.sampled_from([1, 2, 4, 8]))
def test_tensor_parallel_splits_states_and_activations(params, seq, tp):
    one = estimate_memory(params=params, seq_len=seq, gpus=8, tp=1)
    split = estimate_memory(params=params, seq_len=seq, gpus=8, tp=tp)
    assert split.per_gpu_gb <= one.per_gpu_gb * (1 + 1e-9)
    assert split.total_gb == pytest.approx(one.total_gb)  # one replica's footprint is the same


def test_layout_arguments_are_checked():
    for kwargs, field in ((dict(gpus=6, tp=4), "gpus"), (dict(zero=3, sharding="none"), "sharding"),
                          (dict(recompute="none", checkpointing=True), "checkpointing"),
                          (dict(method="inference", pp=2), "pp")):
        with pytest.raises(InputError) as info:
            estimate_memory(params=7e9, **kwargs)
        assert info.value.field == field


def test_recompute_full_is_checkpointing_and_the_largest_micro_batch_fits():
    full = estimate_memory(model="llama-3-8b", recompute="full", gpus=8)
    ckpt = estimate_memory(model="llama-3-8b", checkpointing=True, gpus=8)
    assert full.total_gb == ckpt.total_gb and full.recompute == "full"
    assert full.max_micro_batch and full.max_micro_batch >= 1
    fits = estimate_memory(model="llama-3-8b", recompute="full", gpus=8, batch=full.max_micro_batch)
    over = estimate_memory(model="llama-3-8b", recompute="full", gpus=8, batch=full.max_micro_batch + 1)
    assert fits.fits and not over.fits


def test_cli_layout_flags(capsys):
    assert main(["estimate", "memory", "--model", "llama-3-70b", "--tp", "4", "--pp", "2", "--zero", "1",
                 "--recompute", "selective", "--gpus", "64", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["tp"], data["pp"], data["zero"], data["recompute"], data["gpus"]) == (4, 2, 1, "selective", 64)
