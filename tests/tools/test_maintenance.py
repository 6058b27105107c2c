import json

import pytest
from hypothesis import given, strategies as st

from tools.errors import InputError
from tools.estimators.maintenance import estimate_maintenance
from tools.estimators.training import estimate_training
from tui.cli import main

HOURLY = 15_000 / 160


def test_hand_computed_monthly_with_a_given_retrain_cost():
    est = estimate_maintenance(knowledge_changes="monthly", retrain_cost_usd=1000)
    assert est.retrains_per_year == 12 and est.base_model_retunes_per_year == 2
    assert est.compute_monthly_usd == pytest.approx((12 + 2) * 1000 / 12)
    assert est.retrain_engineering_monthly_usd == pytest.approx(12 * 16 * HOURLY / 12)
    assert est.migration_monthly_usd == pytest.approx(2 * 80 * HOURLY / 12)
    assert est.monitoring_monthly_usd == pytest.approx(0.25 * 15_000)
    assert est.monthly_cost_usd == pytest.approx(1166.6667 + 1500 + 1250 + 3750, rel=1e-6)
    assert est.yearly_cost_usd == pytest.approx(est.monthly_cost_usd * 12)
    assert est.low <= est.monthly_cost_usd <= est.high


@pytest.mark.parametrize("changes,runs", [("rarely", 1), ("monthly", 12), ("weekly", 52), ("daily", 365)])
def test_cadence_from_how_fast_knowledge_changes(changes, runs):
    assert estimate_maintenance(knowledge_changes=changes, retrain_cost_usd=10).retrains_per_year == runs


def test_daily_changes_point_to_rag():
    est = estimate_maintenance(knowledge_changes="daily", retrain_cost_usd=10)
    assert any("RAG" in w for w in est.warnings)


def test_retrain_cost_from_the_hosted_price_or_the_training_model():
    hosted = estimate_maintenance(model="gpt-4o-mini", examples=1000, tokens_per_example=500, epochs=3,
                                  date="2026-01-01")
    assert hosted.retrain_cost_usd == pytest.approx(1000 * 500 * 3 * 3.0 / 1e6)
    own = estimate_maintenance(model="llama-3.1-8b", method="lora", examples=2000, tokens_per_example=600,
                               epochs=2)
    ref = estimate_training(model="llama-3.1-8b", method="lora", examples=2000, tokens_per_example=600, epochs=2)
    assert own.retrain_cost_usd == pytest.approx(ref.cost_usd)


def test_overrides():
    est = estimate_maintenance(retrain_cost_usd=0, base_model_releases_per_year=0, monitoring_fte=0,
                               knowledge_changes="rarely", engineer_month_usd=16_000)
    assert est.monthly_cost_usd == pytest.approx(1 * 16 * 100 / 12)


@given(cost=st.floats(0, 1e7), fte=st.floats(0, 5))
def test_faster_change_never_costs_less(cost, fte):
    monthly = [estimate_maintenance(knowledge_changes=c, retrain_cost_usd=cost, monitoring_fte=fte).monthly_cost_usd
               for c in ("rarely", "monthly", "weekly", "daily")]
    assert monthly == sorted(monthly)


def test_bad_input():
    with pytest.raises(InputError) as info:
        estimate_maintenance(knowledge_changes="hourly")
    assert info.value.field == "knowledge_changes"
    with pytest.raises(InputError) as info:
        estimate_maintenance(retrain_cost_usd=-1)
    assert info.value.field == "retrain_cost_usd"


def test_cli(capsys):
    assert main(["estimate", "maintenance", "--knowledge-changes", "weekly", "--retrain-cost-usd", "2k",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["retrains_per_year"] == 52 and data["monthly_cost_usd"] > 0
    assert main(["estimate", "maintenance", "--knowledge-changes", "hourly"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--knowledge-changes" in err


def test_open_model_retraining_priced_from_examples_alone():
    # `--examples` without `--tokens-per-example` uses the documented default size, as
    # the hosted path does, instead of failing.
    from tools.estimators.api_finetune import DEFAULT_TOKENS_PER_EXAMPLE
    from tools.estimators.maintenance import estimate_maintenance
    from tools.estimators.training import estimate_training

    est = estimate_maintenance(knowledge_changes="weekly", model="llama-3.1-8b", examples=5000)
    run = estimate_training(model="llama-3.1-8b", method="lora", examples=5000,
                            tokens_per_example=DEFAULT_TOKENS_PER_EXAMPLE)
    assert est.retrain_cost_usd == pytest.approx(run.cost_usd)


def test_a_gpu_for_a_hosted_model_is_checked_and_said_to_be_ignored():
    from tools.errors import InputError

    est = estimate_maintenance(model="gpt-4o-mini", gpu="h100", date="2026-06-01")
    assert any("--gpu ignored" in w for w in est.warnings)
    with pytest.raises(InputError) as info:
        estimate_maintenance(model="gpt-4o-mini", gpu="abc")
    assert info.value.field == "gpu"
