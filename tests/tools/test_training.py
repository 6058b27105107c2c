"""Training estimator: unit tests, properties, and the `ft-advisor estimate training` CLI."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.errors import InputError
from tools.estimators.memory import shape_from_params
from tools.registry import call, validate_args
from tools.estimators.training import (LORA_UTILISATION, MFU_FLOOR, MFU_LARGE, QLORA_TIME_FACTOR, TOOL, default_mfu,
                            estimate_training)
from tui.cli import main

# --------------------------------------------------------------------------- units


def test_full_fine_tune_is_6nd_and_the_hours_follow_from_mfu():
    e = estimate_training(params=7e9, tokens=1e9, mfu=0.4, gpu="a100-80gb", gpus=8, price_per_gpu_hour=2.0)
    assert e.flops_per_token == 6 * 7e9
    assert e.flops == pytest.approx(6 * 7e9 * 1e9)
    assert e.gpu_hours == pytest.approx(e.flops / (312e12 * 0.4) / 3600)
    assert e.wall_hours == pytest.approx(e.gpu_hours / 8)
    assert e.cost_usd == pytest.approx(e.gpu_hours * 2.0)
    assert e.low == e.high == pytest.approx(e.cost_usd)  # nothing left uncertain: both given


def test_lora_flops_are_about_two_thirds_of_full():
    full = estimate_training(model="llama-3-8b", tokens=1e8, method="full")
    lora = estimate_training(model="llama-3-8b", tokens=1e8, method="lora")
    assert lora.flops_per_token == pytest.approx(4 * lora.params + 6 * lora.adapter_params)
    assert 0.66 < lora.flops / full.flops < 0.70


def test_qlora_has_lora_flops_and_a_dequantisation_time_factor():
    lora = estimate_training(model="llama-3-8b", tokens=1e8, method="lora")
    qlora = estimate_training(model="llama-3-8b", tokens=1e8, method="qlora", gpus=lora.gpus)
    assert qlora.flops == lora.flops
    assert qlora.dequant_time_factor == QLORA_TIME_FACTOR
    assert qlora.gpu_hours == pytest.approx(lora.gpu_hours * QLORA_TIME_FACTOR)


def test_default_mfu_grows_with_job_size_between_floor_and_large_run_level():
    small, _ = default_mfu(1e15)
    alpaca, spread_small = default_mfu(1.74e18)
    large, spread_large = default_mfu(1e23)
    assert small == MFU_FLOOR
    assert 0.05 < alpaca < 0.08
    assert large == MFU_LARGE
    assert spread_small > spread_large >= 1.1


def test_lora_default_mfu_is_lower_than_full():
    full = estimate_training(params=7e9, tokens=1e8)
    lora = estimate_training(params=7e9, tokens=1e8, method="lora")
    assert lora.mfu == pytest.approx(full.mfu * LORA_UTILISATION)


def test_examples_packed_and_padded():
    packed = estimate_training(params=7e9, examples=1000, tokens_per_example=200)
    padded = estimate_training(params=7e9, examples=1000, tokens_per_example=200, packing=False, seq_len=512)
    assert packed.tokens == 200_000
    assert padded.tokens == 512_000
    assert any(a.name == "padding waste" for a in padded.assumptions)


def test_epochs_multiply_tokens():
    e = estimate_training(params=7e9, tokens=1e6, epochs=3)
    assert e.tokens == 1e6 and e.total_tokens == 3e6


def test_attention_term_adds_6_l_s_d_per_token():
    base = estimate_training(model="llama-2-7b", tokens=1e8, seq_len=4096)
    attn = estimate_training(model="llama-2-7b", tokens=1e8, seq_len=4096, attention=True)
    assert attn.flops_per_token - base.flops_per_token == pytest.approx(6 * 32 * 4096 * 4096)


def test_mixture_of_experts_uses_active_params_for_flops():
    e = estimate_training(model="mixtral-8x7b", tokens=1e8, mfu=0.3)
    assert e.active_params < e.params
    assert e.flops_per_token == pytest.approx(6 * e.active_params)


def test_default_gpus_come_from_the_memory_model():
    from tools.estimators.memory import estimate_memory

    e = estimate_training(model="llama-3-70b", tokens=1e8, gpu="h100")
    m = estimate_memory(model="llama-3-70b", gpu="h100", seq_len=2048)
    assert m.gpus_needed > 8 and e.gpus >= m.gpus_needed and e.gpus % 8 == 0  # whole nodes
    assert estimate_training(params=13e9, tokens=1e8).gpus in (1, 2, 4, 8)
    one = estimate_training(model="phi-3-mini", tokens=1e6, method="qlora")
    assert one.gpus == 1


def test_too_few_gpus_warns():
    e = estimate_training(model="llama-3-70b", tokens=1e8, gpus=1)
    assert any("does not fit" in w for w in e.warnings)


def test_catalog_price_range_brackets_the_cost():
    e = estimate_training(model="mistral-7b", tokens=5e7, gpu="h100")
    assert e.low < e.cost_usd < e.high
    assert e.gpu_hours_low < e.gpu_hours < e.gpu_hours_high


@pytest.mark.parametrize("kwargs,field", [
    (dict(params=1e20, tokens=1e9), "params"),
    (dict(params=-7e9, tokens=1e9), "params"),
    (dict(params=float("nan"), tokens=1e9), "params"),
    (dict(tokens=1e9), "model"),
    (dict(model="lama-3-8b", tokens=1e9), "model"),
    (dict(params=7e9, tokens=0), "tokens"),
    (dict(params=7e9, tokens=1e9, examples=10, tokens_per_example=100), "tokens"),
    (dict(params=7e9), "tokens"),
    (dict(params=7e9, tokens_per_example=100), "examples"),
    (dict(params=7e9, examples=100), "tokens_per_example"),
    (dict(params=7e9, examples=100, packing=False), "seq_len"),
    (dict(params=7e9, tokens=1e9, epochs=0), "epochs"),
    (dict(params=7e9, tokens=1e9, mfu=0), "mfu"),
    (dict(params=7e9, tokens=1e9, mfu=1.5), "mfu"),
    (dict(params=7e9, tokens=1e9, gpus=0), "gpus"),
    (dict(params=7e9, tokens=1e9, gpu="h1000"), "gpu"),
    (dict(params=7e9, tokens=1e9, method="inference"), "method"),
    (dict(params=7e9, tokens=1e9, price_per_gpu_hour=-1), "price_per_gpu_hour"),
    (dict(params=7e9, tokens=1e9, attention=True), "attention"),
    (dict(model="llama-2-7b", params=70e9, tokens=1e9), "params"),
])
def test_bad_input_names_the_argument(kwargs, field):
    with pytest.raises(InputError) as info:
        estimate_training(**kwargs)
    assert info.value.field == field


def test_huge_lora_rank_warns():
    e = estimate_training(params=1e8, tokens=1e6, method="lora", lora_rank=256)
    assert any("adapter" in w for w in e.warnings)


def test_conflicting_token_flags_name_both():
    with pytest.raises(InputError) as info:
        estimate_training(params=7e9, tokens=1e9, examples=10, tokens_per_example=100)
    assert "examples" in info.value.message() and "tokens" in info.value.message()


# --------------------------------------------------------------------------- registry


def test_registered_with_a_strict_schema():
    assert TOOL.name == "estimate_training" and TOOL.cli_name == "training"
    schema = TOOL.schema
    assert schema["additionalProperties"] is False
    assert schema["properties"]["params"]["maximum"] <= 1e13
    for name, spec in schema["properties"].items():
        assert spec.get("description"), name
    assert validate_args(TOOL, {"params": "7b", "tokens": "2T", "examples": "50k"})["examples"] == 50_000


def test_registry_call_from_the_agent_side():
    out = call("estimate_training", {"model": "llama-3.1-8b", "examples": "20k", "tokens_per_example": 800,
                                     "epochs": 2, "method": "lora"})
    json.dumps(out)
    for key in ("flops", "gpu_hours", "wall_hours", "cost_usd", "mfu", "low", "high", "assumptions"):
        assert key in out
    assert all({"name", "value", "source"} <= set(a) for a in out["assumptions"])


# --------------------------------------------------------------------------- properties

sizes = st.floats(min_value=1e8, max_value=1e12)
token_counts = st.floats(min_value=1e3, max_value=1e13)
methods = st.sampled_from(["full", "lora", "qlora"])
gpu_ids = st.sampled_from(["a100-80gb", "h100", "l40s", "rtx-4090", "mi300x"])


@given(params=sizes, tokens=token_counts, more=st.floats(min_value=1.0, max_value=1e3), method=methods, gpu=gpu_ids)
def test_more_tokens_never_cost_less(params, tokens, more, method, gpu):
    a = estimate_training(params=params, tokens=tokens, method=method, gpu=gpu, gpus=8)
    b = estimate_training(params=params, tokens=min(tokens * more, 1e15), method=method, gpu=gpu, gpus=8)
    assert b.flops >= a.flops
    assert b.gpu_hours >= a.gpu_hours
    assert b.cost_usd >= a.cost_usd and b.high >= a.high and b.low >= a.low


@given(params=sizes, factor=st.floats(min_value=1.0, max_value=100.0), tokens=token_counts, method=methods,
       gpu=gpu_ids)
def test_a_bigger_model_never_costs_less_to_train(params, factor, tokens, method, gpu):
    """The default MFU rises with job size, but slower than the FLOPs do (about N^0.17):
    a bigger model on the same data never comes out cheaper or faster."""
    a = estimate_training(params=params, tokens=tokens, method=method, gpu=gpu, gpus=8)
    b = estimate_training(params=min(params * factor, 1e13), tokens=tokens, method=method, gpu=gpu, gpus=8)
    assert b.flops >= a.flops
    assert b.gpu_hours >= a.gpu_hours * (1 - 1e-12)
    assert b.cost_usd >= a.cost_usd * (1 - 1e-12) and b.high >= a.high * (1 - 1e-12)


@given(params=sizes, tokens=token_counts, g=st.integers(1, 4096), method=methods)
def test_more_gpus_never_change_flops_or_gpu_hours(params, tokens, g, method):
    a = estimate_training(params=params, tokens=tokens, method=method, gpus=g)
    b = estimate_training(params=params, tokens=tokens, method=method, gpus=g + 1)
    assert a.flops == b.flops and a.gpu_hours == b.gpu_hours and a.cost_usd == b.cost_usd
    assert b.wall_hours < a.wall_hours


@given(params=sizes, tokens=token_counts, rank=st.integers(1, 256))
def test_lora_never_needs_more_flops_than_full_and_qlora_never_less_time(params, tokens, rank):
    # Ranks up to hidden/8 (practice: 8-256 on hidden sizes of 2048-16384). At rank ~hidden/2
    # the adapters are as big as the model and LoRA rightly costs more than full training.
    rank = max(1, min(rank, int(shape_from_params(params).hidden // 8)))
    full = estimate_training(params=params, tokens=tokens, gpus=1)
    lora = estimate_training(params=params, tokens=tokens, method="lora", lora_rank=rank, gpus=1)
    qlora = estimate_training(params=params, tokens=tokens, method="qlora", lora_rank=rank, gpus=1)
    assert lora.flops <= full.flops
    assert qlora.flops == lora.flops and qlora.gpu_hours >= lora.gpu_hours


@given(params=sizes, tokens=token_counts, method=methods, gpu=gpu_ids)
def test_range_brackets_the_point_estimate(params, tokens, method, gpu):
    e = estimate_training(params=params, tokens=tokens, method=method, gpu=gpu)
    assert 0 < e.low <= e.cost_usd <= e.high
    assert 0 < e.mfu_low <= e.mfu <= e.mfu_high <= 1
    assert e.gpus >= 1


@given(params=sizes, examples=st.integers(1, 10**7), tpe=st.integers(1, 4096), seq=st.integers(1, 8192))
def test_padding_never_costs_less_than_packing(params, examples, tpe, seq):
    seq = max(seq, tpe)
    packed = estimate_training(params=params, examples=examples, tokens_per_example=tpe, gpus=1)
    padded = estimate_training(params=params, examples=examples, tokens_per_example=tpe, packing=False,
                               seq_len=seq, gpus=1)
    assert padded.flops >= packed.flops and padded.gpu_hours >= packed.gpu_hours


@given(params=sizes, tokens=token_counts, mfu=st.floats(min_value=0.01, max_value=1.0))
def test_given_mfu_is_used_exactly(params, tokens, mfu):
    e = estimate_training(params=params, tokens=tokens, mfu=mfu, gpus=1)
    assert e.mfu == mfu
    assert e.gpu_hours * mfu == pytest.approx(e.flops / (312e12 * 3600))


# --------------------------------------------------------------------------- CLI

REQUIRED = ("flops", "gpu_hours", "wall_hours", "cost_usd", "mfu", "low", "high", "assumptions")


def test_cli_human_output(capsys):
    assert main(["estimate", "training", "--model", "llama-3-8b", "--examples", "10k",
                 "--tokens-per-example", "500", "--epochs", "3", "--method", "lora"]) == 0
    out = capsys.readouterr().out
    for text in ("GPU hours", "cost range", "assumptions", "MFU", "Alpaca"):
        assert text in out


def test_cli_json_has_the_required_keys(capsys):
    assert main(["estimate", "training", "--params", "7b", "--tokens", "2T", "--gpu", "h100", "--gpus", "1024",
                 "--mfu", "0.4", "--price-per-gpu-hour", "2.5", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in REQUIRED:
        assert key in data
    assert data["gpus"] == 1024 and data["mfu"] == 0.4 and data["price_per_gpu_hour"] == 2.5
    assert data["flops"] == pytest.approx(6 * 7e9 * 2e12)


def test_cli_padding_flags(capsys):
    assert main(["estimate", "training", "--params", "7b", "--examples", "52k", "--seq-len", "512",
                 "--no-packing", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tokens"] == 52_000 * 512


@pytest.mark.parametrize("argv,flag", [
    (["--params", "1e20", "--tokens", "1e9"], "--params"),
    (["--params", "7b", "--tokens", "-5"], "--tokens"),
    (["--params", "7b", "--tokens", "nan"], "--tokens"),
    (["--params", "7b", "--tokens", "0"], "--tokens"),
    (["--model", "llama-3-8", "--tokens", "1e9"], "--model"),
    (["--params", "7b", "--tokens", "1e9", "--gpu", "h1000"], "--gpu"),
    (["--params", "7b", "--tokens", "1e9", "--examples", "5", "--tokens-per-example", "9"], "--tokens"),
    (["--params", "7b", "--tokens", "1e9", "--mfu", "0"], "--mfu"),
    (["--params", "7b", "--tokens", "1e9", "--epochs", "-1"], "--epochs"),
    (["--params", "7b", "--examples", "100"], "--tokens-per-example"),
])
def test_cli_bad_input_is_one_line_exit_2(argv, flag):
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "estimate", "training", *argv],
                          capture_output=True, text=True)
    assert proc.returncode == 2, proc.stdout
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert flag in proc.stderr


def test_cli_suggests_near_model_names():
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "estimate", "training", "--model", "llama-3-8",
                           "--tokens", "1e9"], capture_output=True, text=True)
    assert "did you mean" in proc.stderr and "llama-3-8b" in proc.stderr


def test_estimate_imports_neither_textual_nor_litellm():
    code = (
        "import sys\n"
        "from tui.cli import main\n"
        "rc = main(['estimate', 'training', '--model', 'llama-3-8b', '--tokens', '1e8', '--json'])\n"
        "rc2 = main(['estimate', 'memory', '--model', 'llama-3-8b', '--method', 'qlora'])\n"
        # Every other kind too: the API ones read litellm's price map, never litellm itself.
        "others = [main(['estimate', *a, '--json']) for a in (['api-finetune', '--tokens', '1M'],\n"
        "          ['inference'], ['data'], ['maintenance'], ['rag'], ['compare'])]\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'litellm'})\n"
        "print('HEAVY', heavy, rc, rc2, others)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY [] 0 0 [0, 0, 0, 0, 0, 0]" in proc.stdout


@pytest.mark.parametrize("kind", ["training", "memory"])
def test_cli_help_lists_the_flags(kind, capsys):
    with pytest.raises(SystemExit) as info:
        main(["estimate", kind, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--model", "--params", "--method", "--gpu", "--gpus", "--seq-len"):
        assert flag in out


def test_packing_flag_with_tokens_warns():
    e = estimate_training(params=7e9, tokens=1e6, packing=False)
    assert e.tokens == 1e6 and any("packing" in w for w in e.warnings)
