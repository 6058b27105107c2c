"""The option space: monotonic costs, budgets, retirements, deployment, tipping points
and robustness (issues 10 and 11)."""
from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.decision.decide import decide
from tools.decision.options import Case, build_options
from tools.decision.profile import validate_profile

TODAY = date(2026, 12, 3)
BASE = validate_profile({"model": "gpt-4o-mini", "goals": ["jargon"], "labeled_examples": 5_000,
                         "data_quality": "high", "ml_team": "some", "knowledge_changes": "rarely"})


def _case(**changes):
    return dataclasses.replace(Case.from_profile(BASE, TODAY), **changes)


@settings(max_examples=25, deadline=None)
@given(st.floats(1, 1e8), st.floats(1.01, 10))
def test_more_requests_never_lower_any_option(requests, factor):
    a = {o.id: o.total_usd for o in build_options(_case(requests=requests))}
    b = {o.id: o.total_usd for o in build_options(_case(requests=requests * factor))}
    for key in a.keys() & b.keys():
        assert b[key] >= a[key] - 1e-6, key


@settings(max_examples=25, deadline=None)
@given(st.floats(10, 20_000), st.floats(1.01, 4))
def test_longer_prompts_never_lower_any_option(prompt, factor):
    a = {o.id: o.total_usd for o in build_options(_case(prompt=prompt))}
    b = {o.id: o.total_usd for o in build_options(_case(prompt=prompt * factor))}
    for key in a.keys() & b.keys():
        assert b[key] >= a[key] - 1e-6, key


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000_000))
def test_more_labelled_examples_never_raise_a_fine_tune_above_the_subset_it_needs(have):
    fewer = {o.id: o for o in build_options(_case(labeled=min(have, 1_000)))}
    more = {o.id: o for o in build_options(_case(labeled=have))}
    for key, option in more.items():
        if option.strategy in ("lora", "full_fine_tune"):
            assert option.total_usd <= fewer[key].total_usd + 1e-6, key


CASES = [
    # (profile, what must hold)
    ({"model": "gpt-4o", "goals": ["output_format"], "requests_per_month": 10_000, "budget_usd": 40_000},
     lambda d: d["strategy"] == "prompt_engineering" and "structured_outputs" in d["techniques"]),
    ({"model": "gpt-4o-mini", "goals": ["accuracy"], "deployment": "on_prem"},
     lambda d: d["serving"] == "dedicated" and d["strategy"] == "rag"),
    ({"model": "gpt-3.5-turbo", "goals": ["business_context"], "requests_per_month": 200},
     lambda d: d["model"] != "gpt-3.5-turbo" and any(w["rule"] == "availability.retirement" for w in d["warnings"])
     and "Migrate" in d["plan"][0]["step"]),
    # No team and a budget below one hired engineer-month: the work is the client's own
    # time, so the cash cost of prompting fits $500, and the tool says how it counted.
    ({"goals": ["business_context"], "requests_per_month": 200, "budget_usd": 500, "ml_team": "none"},
     lambda d: any(w["rule"] == "costs.own_time" for w in d["warnings"])
     and next(o for o in d["options"] if o["id"] == d["recommended"])["within_budget"] is True),
    # The same client with a hired engineer's rate: nothing fits, and it says so.
    ({"goals": ["business_context"], "requests_per_month": 200, "budget_usd": 500, "ml_team": "none",
      "engineer_month_usd": 15_000},
     lambda d: any(w["rule"] == "budget.none_fits" for w in d["warnings"])),
    # Structured outputs tried and still failing above the target, a LoRA over budget:
    # the LoRA stays the recommendation (prompting already failed) and the budget warning says so.
    ({"model": "gpt-4o-mini", "goals": ["output_format"], "requests_per_month": 300_000,
      "tried": ["prompt_engineering", "structured_outputs"], "current_failure_rate": 0.08,
      "target_failure_rate": 0.01, "labeled_examples": 8_000, "data_quality": "high", "ml_team": "some",
      "budget_usd": 20_000},
     lambda d: d["strategy"] == "lora" and any(w["rule"] == "budget.none_fits" for w in d["warnings"])),
    # Retrieval needed (private knowledge that changes weekly) and over budget: RAG with a
    # budget warning, never plain prompting that cannot know the documents.
    ({"goals": ["hallucinations", "domain_knowledge"], "proprietary_data": True, "knowledge_changes": "weekly",
      "budget_usd": 5_000, "horizon_months": 24, "requests_per_month": 100_000, "ml_team": "some"},
     lambda d: d["strategy"] == "rag" and any(w["rule"] == "budget.none_fits" for w in d["warnings"])),
    # A client who names no model is not warned about the default model's retirement.
    ({"goals": ["style"], "requests_per_month": 50_000},
     lambda d: not any(w["rule"] == "availability.retirement" for w in d["warnings"])
     and "Migrate" not in d["plan"][0]["step"]),
    ({"model": "gpt-4o-mini", "goals": ["reasoning"], "deployment": "on_device"},
     lambda d: d["serving"] == "on_device" and "tool_use" in d["techniques"]),
]


@pytest.mark.parametrize("profile, check", CASES)
def test_cases(profile, check):
    data = decide(profile, today=TODAY).to_dict()
    assert check(data), data["recommended"]
    rec = next(o for o in data["options"] if o["id"] == data["recommended"])
    assert rec["strategy"] == data["strategy"]
    fitting = [o for o in data["options"] if o["meets_constraints"] and o["within_budget"]]
    if fitting:
        assert rec["within_budget"] is not False


def test_budget_is_checked_against_every_option():
    data = decide({"goals": ["accuracy"], "budget_usd": 50_000}, today=TODAY).to_dict()
    assert all(o["within_budget"] == (o["total_usd"] <= 50_000) for o in data["options"])


def test_a_tipping_point_sits_within_five_percent_of_the_true_flip():
    profile = {"goals": ["style"], "model": "llama-3.1-8b", "labeled_examples": 5_000, "data_quality": "high",
               "ml_team": "some", "knowledge_changes": "rarely", "requests_per_month": 20_000_000}
    data = decide(profile, today=TODAY).to_dict()
    point = next(t for t in data["tipping_points"] if t["field"] == "requests_per_month" and t["direction"] == "up")
    at = point["flips_at"]
    below = decide({**profile, "requests_per_month": int(at * 0.95)}, today=TODAY, analyse=False)
    above = decide({**profile, "requests_per_month": int(at * 1.05)}, today=TODAY, analyse=False)
    assert below.recommended == data["recommended"]
    assert above.recommended != data["recommended"]
    assert "requests a month" in point["text"] and ":" not in point["text"].split(",")[0]


def test_robustness_is_full_far_from_thresholds_and_lower_on_an_edge():
    far = decide({"goals": ["accuracy"], "model": "gpt-4o-mini", "requests_per_month": 10_000,
                  "prompt_tokens": 500, "output_tokens": 200}, today=TODAY)
    assert far.confidence == 1.0
    profile = {"goals": ["style"], "model": "llama-3.1-8b", "labeled_examples": 5_000, "data_quality": "high",
               "ml_team": "some", "knowledge_changes": "rarely", "requests_per_month": 20_000_000}
    at = next(t["flips_at"] for t in decide(profile, today=TODAY).tipping_points
              if t["field"] == "requests_per_month" and t["direction"] == "up")
    edge = decide({**profile, "requests_per_month": int(at * 1.01)}, today=TODAY)
    assert edge.confidence < 0.7 < far.confidence


def test_why_never_shows_an_internal_id():
    data = decide({"goals": ["output_format"]}, today=TODAY).to_dict()
    for q in data["missing"]:
        assert "prompt_engineering" not in q["why"] and "full_fine_tune" not in q["why"]
