import json

import pytest
from hypothesis import given, settings, strategies as st

from tools.estimators.compare import PROFILE_FIELDS, STRATEGIES, compare_strategies
from tools.estimators.data_prep import estimate_data_prep
from tools.errors import InputError
from tools.estimators.inference import estimate_inference
from tui.cli import main

DAY = "2026-01-01"  # OpenAI still open to everyone: results do not move with the calendar


def test_shape_and_cumulative_series():
    est = compare_strategies(requests_per_month=200_000, labeled_examples=3000, horizon_months=18, date=DAY)
    assert set(est.strategies) == set(STRATEGIES)
    for s in est.strategies.values():
        assert len(s["monthly"]) == 18
        assert s["monthly"][0] == pytest.approx(s["setup_usd"] + s["monthly_usd"], abs=0.01)
        assert s["monthly"][-1] == pytest.approx(s["total_usd"], abs=0.01)
        assert s["total_usd"] == pytest.approx(s["setup_usd"] + 18 * s["monthly_usd"])
        assert all(b >= a for a, b in zip(s["monthly"], s["monthly"][1:]))
        assert s["low"] <= s["total_usd"] <= s["high"]
        assert s["setup_usd"] == pytest.approx(sum(s["setup_parts"].values()))
        assert s["monthly_usd"] == pytest.approx(sum(s["monthly_parts"].values()))
    assert est.cheapest == min(STRATEGIES, key=lambda k: est.strategies[k]["total_usd"])


def test_parts_are_the_estimators_own_figures():
    est = compare_strategies(model="gpt-4o-mini", requests_per_month=100_000, labeled_examples=500, date=DAY)
    pe = est.strategies["prompt_engineering"]
    base = estimate_inference(model="gpt-4o-mini", requests_per_month=100_000, prompt_tokens=1000,
                              output_tokens=200, fine_tuned=False)
    assert pe["monthly_parts"]["inference"] == pytest.approx(base.monthly_cost_usd)  # +500 few-shot tokens
    lora = est.strategies["lora"]
    data = estimate_data_prep(examples=1000, labeled_examples=500)
    assert lora["setup_parts"]["data_preparation"] == pytest.approx(data.cost_usd)
    # gpt-4o-mini: 1,000 examples x 700 tokens x 3 epochs x $3/1M
    assert lora["setup_parts"]["first_training_run"] == pytest.approx(1000 * 700 * 3 * 3.0 / 1e6)
    ft = estimate_inference(model="gpt-4o-mini", requests_per_month=100_000, prompt_tokens=500, output_tokens=200)
    assert lora["monthly_parts"]["inference"] == pytest.approx(ft.monthly_cost_usd)
    assert "dedicated" in est.strategies["full_fine_tune"]["serving"]  # hosted models cannot be fully tuned


def _check_break_evens(est):
    for pair in est.break_evens:
        a, b = est.strategies[pair["strategy"]], est.strategies[pair["versus"]]
        assert a["setup_usd"] > b["setup_usd"]
        months = [m for m, (x, y) in enumerate(zip(a["monthly"], b["monthly"]), 1) if x <= y + 1e-9]
        assert pair["month"] == (months[0] if months else None)
    main = est.break_even
    a, b = est.strategies[main["strategy"]], est.strategies[main["versus"]]
    assert main["strategy"] in ("lora", "full_fine_tune") and main["versus"] in ("prompt_engineering", "rag")
    months = [m for m, (x, y) in enumerate(zip(a["monthly"], b["monthly"]), 1) if x <= y + 1e-9]
    assert est.break_even_month == (months[0] if months else None)


def test_high_volume_on_a_large_hosted_model_breaks_even():
    # 20M requests/month on gpt-4o: self-hosting a tuned 70B model pays for itself.
    est = compare_strategies(model="gpt-4o", requests_per_month=20e6, knowledge_changes="rarely",
                             labeled_examples=10_000, data_quality="high", horizon_months=24, date=DAY)
    assert est.break_even_month is not None and 1 <= est.break_even_month <= 24
    assert est.break_even["strategy"] == "full_fine_tune"
    assert est.cheapest == "full_fine_tune"
    _check_break_evens(est)


def test_small_case_never_breaks_even():
    est = compare_strategies(requests_per_month=10_000, date=DAY)
    assert est.break_even_month is None
    assert est.cheapest == "prompt_engineering"
    _check_break_evens(est)


def test_every_argument_may_be_none_like_an_empty_profile():
    est = compare_strategies(**{f: None for f in PROFILE_FIELDS})
    assert est.horizon_months == 12 and est.model == "gpt-4o-mini"


def test_budget_flags_strategies_over_it():
    est = compare_strategies(budget_usd=40_000, date=DAY)
    assert "prompt_engineering" in est.within_budget
    assert "full_fine_tune" not in est.within_budget
    assert any("above the budget" in w for w in est.warnings)


def test_after_openai_closes_lora_moves_to_an_open_model():
    before = compare_strategies(date=DAY)
    after = compare_strategies(date="2027-03-01")
    assert "(api)" in before.strategies["lora"]["serving"]
    assert "dedicated" in after.strategies["lora"]["serving"]
    assert any("accepts no new fine-tuning jobs" in w for w in after.warnings)


def test_open_model_case_serves_everything_on_gpus():
    est = compare_strategies(model="llama-3.1-70b", requests_per_month=1e6, labeled_examples=20_000, date=DAY)
    assert all("dedicated" in s["serving"] for s in est.strategies.values())
    _check_break_evens(est)


@settings(max_examples=40)
@given(requests=st.floats(0, 1e8), horizon=st.integers(1, 60), extra=st.integers(0, 60),
       changes=st.sampled_from(["rarely", "monthly", "weekly", "daily"]),
       model=st.sampled_from(["gpt-4o-mini", "gpt-4.1", "llama-3.1-8b"]))
def test_longer_horizon_never_lowers_totals(requests, horizon, extra, changes, model):
    a = compare_strategies(model=model, requests_per_month=requests, horizon_months=horizon,
                           knowledge_changes=changes, date=DAY)
    b = compare_strategies(model=model, requests_per_month=requests, horizon_months=horizon + extra,
                           knowledge_changes=changes, date=DAY)
    for name in STRATEGIES:
        assert b.strategies[name]["total_usd"] >= a.strategies[name]["total_usd"]
        series = b.strategies[name]["monthly"]
        assert all(y >= x for x, y in zip(series, series[1:]))
        assert b.strategies[name]["monthly"][:horizon] == a.strategies[name]["monthly"]
    _check_break_evens(b)


@settings(max_examples=40)
@given(requests=st.floats(0, 1e8), more=st.floats(0, 1e8),
       model=st.sampled_from(["gpt-4o-mini", "gpt-4o", "mistral-7b"]))
def test_more_requests_never_cost_less(requests, more, model):
    a = compare_strategies(model=model, requests_per_month=requests, date=DAY)
    b = compare_strategies(model=model, requests_per_month=requests + more, date=DAY)
    for name in STRATEGIES:
        assert b.strategies[name]["total_usd"] >= a.strategies[name]["total_usd"] - 1e-6


def test_bad_input():
    for kwargs, field in [(dict(horizon_months=0), "horizon_months"), (dict(horizon_months=2.5), "horizon_months"),
                          (dict(knowledge_changes="hourly"), "knowledge_changes"),
                          (dict(model="llama-3.1-8b", deployment="api"), "deployment"),
                          (dict(model="gpt-4o", open_model="gpt-4o-mini"), "open_model"),
                          (dict(budget_usd=-1), "budget_usd")]:
        with pytest.raises(InputError) as info:
            compare_strategies(**kwargs)
        assert info.value.field == field


def test_cli_json_keys(capsys):
    assert main(["estimate", "compare", "--requests-per-month", "200k", "--labeled-examples", "3000",
                 "--horizon-months", "6", "--date", DAY, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["strategies"]) == set(STRATEGIES)
    for s in data["strategies"].values():
        assert len(s["monthly"]) == 6 and s["total_usd"] > 0
    assert "break_even_month" in data and isinstance(data["break_evens"], list)
    assert data["cheapest"] in STRATEGIES


def test_cli_human_table_lists_the_strategies(capsys):
    assert main(["estimate", "compare", "--date", DAY]) == 0
    out = capsys.readouterr().out
    assert "strategies" in out and "lora" in out and "break evens" in out
    assert "{'setup_usd'" not in out  # records render as a table, not a dict dump


@pytest.mark.parametrize("argv,flag", [
    (["--horizon-months", "0"], "--horizon-months"),
    (["--requests-per-month", "1e20"], "--requests-per-month"),
    (["--model", "gpt-9"], "--model"),
    (["--data-quality", "excellent"], "--data-quality"),
])
def test_cli_bad_input_is_one_line_exit_2(capsys, argv, flag):
    assert main(["estimate", "compare", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and flag in err and "Traceback" not in err


@pytest.mark.parametrize("name", ["estimate_api_finetune", "estimate_inference", "estimate_data_prep",
                                  "estimate_maintenance", "estimate_rag", "estimate_compare"])
def test_schema_matches_the_function_and_is_valid(name):
    import inspect

    from jsonschema import Draft202012Validator

    from tools.registry import get_tool

    tool = get_tool(name)
    Draft202012Validator.check_schema(tool.schema)
    assert tool.schema["additionalProperties"] is False
    assert set(tool.schema["properties"]) == set(inspect.signature(tool.func).parameters)
    assert all(spec.get("description") for spec in tool.schema["properties"].values())
    params = inspect.signature(tool.func).parameters.values()
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params)
