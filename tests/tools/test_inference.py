import json

import pytest
from hypothesis import given, strategies as st

from tools.catalog.catalog import get_catalog
from tools.errors import InputError
from tools.estimators.inference import BANDWIDTH_EFFICIENCY, estimate_inference
from tools.estimators.memory import estimate_memory
from tui.cli import main

OPENAI = ["gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-3.5-turbo"]


def test_api_hand_computed_gpt_4o_mini():
    est = estimate_inference(model="gpt-4o-mini", requests_per_month=100_000, prompt_tokens=500,
                             output_tokens=200, date="2026-01-01")
    # base: 100k x (500 x $0.15 + 200 x $0.60) / 1M = $19.50; fine-tuned prices are double
    assert est.base_monthly_usd == pytest.approx(19.5)
    assert est.fine_tuned_monthly_usd == pytest.approx(39.0)
    assert est.monthly_cost_usd == pytest.approx(39.0)
    assert est.cost_per_1k_requests_usd == pytest.approx(0.39)
    assert est.low <= est.monthly_cost_usd <= est.high


def test_calibration_ft_over_base_is_two_for_gpt_4o_mini():
    # Published row: ft_over_base_input = ft_over_base_output = 2.0 (exact list prices).
    est = estimate_inference(model="gpt-4o-mini", requests_per_month=1, prompt_tokens=1234, output_tokens=77)
    assert est.ft_over_base_multiplier == pytest.approx(2.0)


def test_base_price_when_not_fine_tuned():
    est = estimate_inference(model="gpt-4o", requests_per_month=1e6, prompt_tokens=1000, output_tokens=300,
                             fine_tuned=False)
    assert est.monthly_cost_usd == pytest.approx(1e6 * (1000 * 2.5 + 300 * 10.0) / 1e6)
    assert est.ft_over_base_multiplier == pytest.approx(1.5)


@given(model=st.sampled_from(OPENAI), requests=st.floats(0, 1e9), prompt=st.floats(0, 1e5),
       output=st.floats(0, 1e5))
def test_ft_multiplier_at_least_one_for_openai_offers(model, requests, prompt, output):
    est = estimate_inference(model=model, requests_per_month=requests, prompt_tokens=prompt,
                             output_tokens=output, date="2026-01-01")
    assert est.ft_over_base_multiplier >= 1.0
    assert est.fine_tuned_monthly_usd >= est.base_monthly_usd


def test_dedicated_uses_memory_model_and_always_on_hours():
    spec = get_catalog().model("llama-3.1-8b")
    est = estimate_inference(model="llama-3.1-8b", requests_per_month=10_000, prompt_tokens=500,
                             output_tokens=200, price_per_gpu_hour=2.0)
    mem = estimate_memory(model="llama-3.1-8b", method="inference", precision="bf16", gpu="h100",
                          seq_len=700, batch=16)
    assert est.deployment == "dedicated"
    assert est.gpus_per_replica == mem.gpus_needed
    assert est.replicas == 1  # light traffic: one always-on replica
    assert est.gpu_hours == est.gpus_per_replica * 720
    assert est.monthly_cost_usd == pytest.approx(est.gpus_per_replica * 720 * 2.0)
    assert est.ft_over_base_multiplier == 1.0
    # decoding throughput: 16 sequences / (weights + KV reads) at 60% of H100 bandwidth
    h100 = get_catalog().gpu("h100")
    kv = 16 * (500 + 100) * spec.kv_bytes_per_token(2)
    step = (spec.params * 2 + kv) / (est.gpus_per_replica * h100.bandwidth_gb_s * 1e9 * BANDWIDTH_EFFICIENCY)
    assert est.tokens_per_second_per_replica == pytest.approx(16 / step, rel=0.02)
    assert any("idle" in w for w in est.warnings)


def test_dedicated_price_range_from_catalog_and_bigger_models_need_more():
    h100 = get_catalog().gpu("h100")
    small = estimate_inference(model="llama-3.1-8b", requests_per_month=1e5)
    big = estimate_inference(model="llama-3.1-70b", requests_per_month=1e5)
    assert small.low == pytest.approx(small.gpu_hours * h100.price_low)
    assert small.high == pytest.approx(small.gpu_hours * h100.price_high)
    assert big.gpus_per_replica >= small.gpus_per_replica
    assert big.monthly_cost_usd >= small.monthly_cost_usd


def test_dedicated_scales_replicas_and_scheduled_hours_cost_less():
    heavy = estimate_inference(model="llama-3.1-8b", requests_per_month=1e9)
    assert heavy.replicas > 1
    business = estimate_inference(model="llama-3.1-8b", requests_per_month=1e4, hours_per_month=220)
    always = estimate_inference(model="llama-3.1-8b", requests_per_month=1e4)
    assert business.monthly_cost_usd < always.monthly_cost_usd


def test_zero_requests_has_no_cost_per_request():
    assert estimate_inference(requests_per_month=0).cost_per_1k_requests_usd is None
    dedicated = estimate_inference(model="mistral-7b", requests_per_month=0)
    assert dedicated.monthly_cost_usd > 0 and dedicated.cost_per_1k_requests_usd is None


@given(model=st.sampled_from(["gpt-4o-mini", "gpt-4.1", "llama-3.1-8b", "mixtral-8x7b"]),
       requests=st.floats(0, 1e9), more=st.floats(0, 1e9))
def test_more_requests_never_cost_less(model, requests, more):
    a = estimate_inference(model=model, requests_per_month=requests, date="2026-01-01")
    b = estimate_inference(model=model, requests_per_month=requests + more, date="2026-01-01")
    assert b.monthly_cost_usd >= a.monthly_cost_usd
    assert a.low <= a.monthly_cost_usd <= a.high


def test_retired_base_model_warns_for_fine_tuned_serving():
    est = estimate_inference(model="gpt-3.5-turbo", requests_per_month=1000, date="2027-06-01")
    assert any("was retired" in w for w in est.warnings)


def test_bad_input():
    with pytest.raises(InputError) as info:
        estimate_inference(model="llama-3.1-8b", deployment="api")
    assert info.value.field == "deployment"
    with pytest.raises(InputError) as info:
        estimate_inference(model="gpt-4o", deployment="dedicated")
    assert info.value.field == "model"
    with pytest.raises(InputError) as info:
        estimate_inference(requests_per_month=-1)
    assert info.value.field == "requests_per_month"


def test_cli_json_keys(capsys):
    assert main(["estimate", "inference", "--requests-per-month", "100k", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["monthly_cost_usd"] > 0 and data["cost_per_1k_requests_usd"] > 0
    assert data["ft_over_base_multiplier"] == pytest.approx(2.0)
    assert "gpu" not in data  # dedicated-only figures are left out of an API estimate
    assert main(["estimate", "inference", "--model", "llama-3.1-8b", "--requests-per-month", "1M",
                 "--gpu", "a100-80gb", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["deployment"] == "dedicated" and data["gpu"] == "a100-80gb" and data["gpus_per_replica"] >= 1


def test_cli_human_table(capsys):
    assert main(["estimate", "inference", "--model", "llama-3.1-8b", "--requests-per-month", "1M"]) == 0
    out = capsys.readouterr().out
    assert "monthly cost" in out and "GPUs per replica" in out and "usd" not in out.split("assumptions")[0]


@pytest.mark.parametrize("argv,flag", [
    (["--requests-per-month", "-5"], "--requests-per-month"),
    (["--requests-per-month", "lots"], "--requests-per-month"),
    (["--model", "gpt-5"], "--model"),
    (["--model", "llama-3.1-8b", "--gpu", "h900"], "--gpu"),
    (["--model", "llama-3.1-8b", "--utilisation", "1.5"], "--utilisation"),
    (["--deployment", "dedicated"], "--model"),
])
def test_cli_bad_input_is_one_line_exit_2(capsys, argv, flag):
    assert main(["estimate", "inference", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and flag in err and "Traceback" not in err


def test_a_replica_bigger_than_one_node_is_warned():
    big = estimate_inference(model="llama-3.1-405b", deployment="dedicated", gpu="h100")
    assert big.gpus_per_replica > 8
    assert any("more than one 8-GPU node" in w for w in big.warnings)
    small = estimate_inference(model="llama-3.1-8b", deployment="dedicated", gpu="h100")
    assert not any("8-GPU node" in w for w in small.warnings)


def test_dedicated_only_flags_with_a_hosted_model_are_checked_and_said_to_be_ignored():
    est = estimate_inference(model="gpt-4o-mini", gpu="h100", utilisation=0.3)
    assert est.deployment == "api"
    assert any("--gpu, --utilisation ignored" in w for w in est.warnings)
    with pytest.raises(InputError) as info:
        estimate_inference(model="gpt-4o-mini", gpu="h1000")
    assert info.value.field == "gpu"
    assert not any("ignored" in w for w in estimate_inference(model="gpt-4o-mini").warnings)


# --------------------------------------------------------------------------- replica layouts

@pytest.mark.parametrize("model,gpu", [("llama-2-70b", "rtx-4090"), ("llama-2-70b", "l4"), ("llama-2-70b", "t4"),
                                       ("llama-3.1-70b", "a10g"), ("qwen2.5-7b", "t4"), ("gemma-2-27b", "l4")])
def test_replicas_are_valid_tensor_parallel_sizes(model, gpu):
    # vLLM/TensorRT-LLM split attention by heads: a replica's tensor-parallel size must
    # divide the attention heads and the KV heads (Llama 2 70B: 64 and 8), within a node;
    # beyond 8 GPUs whole nodes are pipeline stages.
    spec = get_catalog().model(model)
    est = estimate_inference(model=model, deployment="dedicated", gpu=gpu)
    n = est.gpus_per_replica
    tp = n if n <= 8 else 8
    assert spec.heads % tp == 0 and spec.kv_heads % tp == 0, n
    assert n <= 8 or n % 8 == 0


def test_the_cheapest_valid_layout_wins():
    # At heavy load a bigger replica may decode more per GPU-hour than several small ones;
    # whichever it is, no valid layout that fits may be cheaper than the one chosen.
    from tools.estimators.inference import valid_replica_sizes

    spec = get_catalog().model("llama-3.1-70b")
    est = estimate_inference(model="llama-3.1-70b", deployment="dedicated", gpu="h100", requests_per_month=5e7)
    sizes = valid_replica_sizes(spec.heads, spec.kv_heads)
    assert sizes[:4] == (1, 2, 4, 8) and est.gpus_per_replica in sizes
    mem = estimate_memory(model="llama-3.1-70b", method="inference", gpu="h100", seq_len=700, batch=16,
                          gpus=est.gpus_per_replica)
    assert mem.fits
    assert est.replicas * est.gpus_per_replica * 720 == est.gpu_hours


@given(model=st.sampled_from(["llama-3.1-8b", "llama-2-70b", "qwen2.5-72b", "mixtral-8x7b", "gemma-2-27b"]),
       gpu=st.sampled_from(["h100", "a100-80gb", "l40s", "rtx-4090", "l4"]),
       precision=st.sampled_from(["bf16", "int8", "int4"]),
       requests=st.floats(0, 1e9), more=st.floats(0, 1e9), prompt=st.integers(1, 8000))
def test_serving_cost_never_falls_as_load_grows(model, gpu, precision, requests, more, prompt):
    # The decision compares strategies across loads: a cheaper answer at a higher load
    # would be a cliff. The cost is the minimum over layouts of non-decreasing costs.
    kw = dict(model=model, deployment="dedicated", gpu=gpu, precision=precision, prompt_tokens=prompt)
    try:
        a = estimate_inference(requests_per_month=requests, **kw)
    except InputError:
        return  # no valid replica holds this model on this GPU: said in one line, tested elsewhere
    b = estimate_inference(requests_per_month=requests + more, **kw)
    assert b.monthly_cost_usd >= a.monthly_cost_usd * (1 - 1e-12)


def test_prompts_as_long_as_the_profile_allows_are_accepted():
    # The profile accepts prompts up to 10M tokens; decide must never fail on one inside.
    est = estimate_inference(model="gpt-4.1", prompt_tokens=10_000_000, requests_per_month=10)
    assert est.monthly_cost_usd > 0
