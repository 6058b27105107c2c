import json

import pytest
from hypothesis import given, strategies as st

from tools.estimators.api_finetune import estimate_api_finetune
from tools.catalog.catalog import get_catalog
from tools.errors import InputError
from tui.cli import main


def test_calibration_gpt_4o_mini_100k_tokens_3_epochs_is_90_cents():
    # Published row openai-ft-gpt-4o-mini-2024-07-18: $3/1M training tokens,
    # "example_100k_tokens_x3_epochs_usd": 0.9 (exact list price, so no tolerance).
    est = estimate_api_finetune(model="gpt-4o-mini", tokens=100_000, epochs=3, date="2026-01-01")
    assert est.cost_usd == pytest.approx(0.90, abs=1e-12)
    assert est.billed_tokens == 300_000
    assert est.low == est.high == est.cost_usd  # tokens and epochs given: nothing uncertain


def test_hand_computed_gpt_4_1_two_million_tokens_two_epochs():
    est = estimate_api_finetune(model="gpt-4.1", tokens="2M", epochs=2, date="2026-01-01")
    assert est.cost_usd == pytest.approx(2e6 * 2 * 25.0 / 1e6)  # $25 per 1M training tokens
    assert est.provider == "openai"


def test_examples_times_tokens_per_example_and_default_epochs_range():
    est = estimate_api_finetune(model="gpt-4o-mini", examples=1000, tokens_per_example=500, date="2026-01-01")
    assert est.tokens_per_epoch == 500_000
    assert est.epochs == 3
    assert est.cost_usd == pytest.approx(4.5)
    # epochs defaulted: the range covers 2-4 epochs
    assert est.low == pytest.approx(3.0) and est.high == pytest.approx(6.0)
    assert any(a.name == "epochs" and a.source.startswith("default") for a in est.assumptions)


def test_default_tokens_per_example_widens_the_range():
    est = estimate_api_finetune(model="gpt-4o-mini", examples=1000, epochs=1, date="2026-01-01")
    assert est.cost_usd == pytest.approx(1000 * 500 * 3.0 / 1e6)
    assert est.low == pytest.approx(1000 * 150 * 3.0 / 1e6)
    assert est.high == pytest.approx(1000 * 2000 * 3.0 / 1e6)


def test_together_prices_by_size_tier_and_method():
    cat = get_catalog()
    tier = cat.together_tier(cat.model("llama-3.1-8b").params)
    lora = estimate_api_finetune(model="llama-3.1-8b", tokens=1e6, epochs=3)
    full = estimate_api_finetune(model="llama-3.1-8b", tokens=1e6, epochs=3, method="full")
    assert lora.provider == full.provider == "together"
    assert lora.cost_usd == pytest.approx(3 * tier.lora_per_1m)
    assert full.cost_usd == pytest.approx(3 * tier.full_per_1m)
    big = estimate_api_finetune(params="70b", tokens=1e6, epochs=1)
    assert big.training_price_per_1m == cat.together_tier(70e9).lora_per_1m
    assert not lora.warnings and lora.accepts_new_jobs


@pytest.mark.parametrize("day,accepts,fragment", [
    ("2026-01-01", True, None),                              # open to everyone, nothing announced yet
    ("2026-06-01", True, "never run a fine-tuning job"),     # closed to new organisations
    ("2026-12-01", True, "2027-01-06"),                      # last weeks before the end
    ("2027-01-06", True, "last day"),
    ("2027-01-07", False, "accepts no new fine-tuning jobs"),
    ("2028-01-01", False, "accepts no new fine-tuning jobs"),
])
def test_openai_availability_warnings_by_date(day, accepts, fragment):
    est = estimate_api_finetune(model="gpt-4o", tokens=1e6, date=day)
    assert est.accepts_new_jobs is accepts
    availability = [w for w in est.warnings if "OpenAI" in w]
    if fragment is None:
        assert availability == []
    else:
        assert any(fragment in w for w in availability), est.warnings
    assert est.cost_usd > 0  # still priced: the warning tells you it may not be possible


def test_base_model_retirement_warnings():
    retires = get_catalog().api_offer("gpt-3.5-turbo").retires
    assert retires  # the catalog knows gpt-3.5-turbo's retirement date
    after = estimate_api_finetune(model="gpt-3.5-turbo", tokens=1e6, date="2027-06-01")
    assert any("was retired" in w and retires in w for w in after.warnings)
    mini = get_catalog().api_offer("gpt-4o-mini").retires
    soon = estimate_api_finetune(model="gpt-4o-mini", tokens=1e6, date="2026-12-01")
    assert any("stop working" in w and mini in w for w in soon.warnings)
    far = estimate_api_finetune(model="gpt-4o-mini", tokens=1e6, date="2025-01-01")
    assert not any("retire" in w for w in far.warnings)


def test_bad_input_names_the_argument():
    with pytest.raises(InputError) as info:
        estimate_api_finetune(tokens=1e6, examples=10)
    assert info.value.field == "tokens"
    with pytest.raises(InputError) as info:
        estimate_api_finetune()
    assert info.value.field == "tokens"
    with pytest.raises(InputError) as info:
        estimate_api_finetune(model="gpt-5-turbo", tokens=1e6)
    assert info.value.field == "model" and info.value.suggestions
    with pytest.raises(InputError) as info:
        estimate_api_finetune(model="gpt-4o", tokens=1e6, date="31/12/2026")
    assert info.value.field == "date"
    with pytest.raises(InputError) as info:
        estimate_api_finetune(tokens=-5)
    assert info.value.field == "tokens"


@given(tokens=st.floats(1, 1e10), more=st.floats(0, 1e10), epochs=st.integers(1, 20),
       model=st.sampled_from(["gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano",
                              "gpt-3.5-turbo", "llama-3.1-8b", "llama-3.1-70b"]))
def test_more_tokens_never_cost_less_and_range_brackets(tokens, more, epochs, model):
    a = estimate_api_finetune(model=model, tokens=tokens, epochs=epochs, date="2026-01-01")
    b = estimate_api_finetune(model=model, tokens=tokens + more, epochs=epochs, date="2026-01-01")
    assert b.cost_usd >= a.cost_usd
    assert a.low <= a.cost_usd <= a.high
    assert a.cost_usd == pytest.approx(tokens * epochs * a.training_price_per_1m / 1e6)


def test_cli_json_keys(capsys):
    assert main(["estimate", "api-finetune", "--model", "gpt-4o-mini", "--tokens", "100k", "--epochs", "3",
                 "--date", "2027-02-01", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["cost_usd"] == pytest.approx(0.9)
    assert any("no new fine-tuning jobs" in w for w in data["warnings"])
    assert {"low", "high", "assumptions"} <= set(data)


def test_cli_human_table(capsys):
    assert main(["estimate", "api-finetune", "--examples", "2k", "--tokens-per-example", "800",
                 "--date", "2026-01-01"]) == 0
    out = capsys.readouterr().out
    assert "cost range" in out and "assumptions" in out


@pytest.mark.parametrize("argv,flag", [
    (["--tokens", "-1"], "--tokens"),
    (["--tokens", "1k", "--examples", "10"], "--tokens"),
    (["--tokens", "1k", "--model", "gpt-4q"], "--model"),
    (["--tokens", "1k", "--date", "2026-02-30"], "--date"),
    (["--tokens", "1k", "--epochs", "0"], "--epochs"),
    (["--tokens", "1k", "--provider", "anthropic"], "--provider"),
])
def test_cli_bad_input_is_one_line_exit_2(capsys, argv, flag):
    assert main(["estimate", "api-finetune", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and flag in err and "Traceback" not in err
