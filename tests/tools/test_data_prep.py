import json
import math

import pytest
from hypothesis import given, strategies as st

from tools.estimators.data_prep import estimate_data_prep
from tools.errors import InputError
from tui.cli import main


def test_defaults_hand_computed():
    est = estimate_data_prep()
    # 1,000 examples x $1.50 (vendor) + 1.0 engineer-month x $15,000 of cleaning
    assert est.examples_to_label == 1000
    assert est.labeling_usd == pytest.approx(1500)
    assert est.cleaning_engineer_months == pytest.approx(1.0)
    assert est.cost_usd == pytest.approx(16_500)
    assert est.low <= est.cost_usd <= est.high


def test_low_quality_relabels_and_cleans_for_months():
    est = estimate_data_prep(examples=10_000, labeled_examples=2_000, data_quality="low")
    assert est.examples_to_label == 8_000
    assert est.relabel_examples == pytest.approx(600)  # 30% of the 2,000 you have
    assert est.labeling_usd == pytest.approx(8_600 * 1.5)
    assert est.cleaning_engineer_months == pytest.approx(3.0 * math.sqrt(10))  # "cleaning takes months"
    assert est.cost_usd == pytest.approx(8_600 * 1.5 + 3.0 * math.sqrt(10) * 15_000)
    assert any("worse than the base model" in w for w in est.warnings)


def test_enough_labels_means_nothing_to_label_and_overrides():
    est = estimate_data_prep(examples=1_000, labeled_examples=5_000, data_quality="high",
                             cost_per_label=2, engineer_month_usd=10_000)
    assert est.examples_to_label == 0 and est.relabel_examples == 0
    assert est.cost_usd == pytest.approx(0.25 * 10_000)
    assert est.low == pytest.approx(0.25 * 0.5 * 10_000) and est.high == pytest.approx(0.25 * 2 * 10_000)


def test_expert_labels_cost_more_than_crowd():
    crowd = estimate_data_prep(examples=5_000, labeling="crowd")
    expert = estimate_data_prep(examples=5_000, labeling="expert")
    assert expert.cost_usd > crowd.cost_usd
    assert expert.cost_per_label_usd == 10 and crowd.cost_per_label_usd == 0.15


def test_too_few_examples_warns():
    assert any("50-100" in w for w in estimate_data_prep(examples=20).warnings)


@given(target=st.integers(1, 10**6), have=st.integers(0, 10**6), extra=st.integers(0, 10**6),
       quality=st.sampled_from(["low", "medium", "high"]))
def test_more_labelled_examples_never_cost_more(target, have, extra, quality):
    a = estimate_data_prep(examples=target, labeled_examples=have, data_quality=quality)
    b = estimate_data_prep(examples=target, labeled_examples=have + extra, data_quality=quality)
    assert b.cost_usd <= a.cost_usd + 1e-6
    assert a.low <= a.cost_usd <= a.high


@given(target=st.integers(1, 10**6), have=st.integers(0, 10**6))
def test_worse_data_never_costs_less(target, have):
    costs = [estimate_data_prep(examples=target, labeled_examples=have, data_quality=q).cost_usd
             for q in ("high", "medium", "low")]
    assert costs == sorted(costs)


def test_bad_input():
    with pytest.raises(InputError) as info:
        estimate_data_prep(data_quality="great")
    assert info.value.field == "data_quality"
    with pytest.raises(InputError) as info:
        estimate_data_prep(labeled_examples=-3)
    assert info.value.field == "labeled_examples"


def test_cli_json_and_bad_input(capsys):
    assert main(["estimate", "data", "--examples", "5k", "--labeled-examples", "1k", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["examples_to_label"] == 4000 and data["cost_usd"] > 0 and data["cleaning_engineer_months"] > 0
    assert main(["estimate", "data", "--data-quality", "great"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--data-quality" in err
