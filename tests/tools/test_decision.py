"""decide(): the article's own examples, the decision's shape, costs from the cost
models, missing facts, and properties that must hold for every profile."""
from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.decision.decide import TOOL, decide
from tools.errors import InputError
from tools.decision.profile import DATA_QUALITY, FIELDS, GOALS, KNOWLEDGE_CHANGES, ML_TEAM, PROFILE_SCHEMA
from tools.decision.vocabulary import MYTH_GOALS, STRATEGIES
from tools.registry import call, get_tool

TODAY = date(2026, 11, 29)
FT = ("lora", "full_fine_tune")
#: What a team that could fine-tune has: the article's cases are tested on top of it.
CAPABLE = {"labeled_examples": 5_000, "data_quality": "high", "ml_team": "some", "knowledge_changes": "rarely",
           "model": "llama-3.1-8b"}

# (name, profile, expected strategy, fine-tuning justified, rule that must explain it)
ARTICLE_CASES = [
    ("medical diagnostic AI on proprietary datasets",
     {**CAPABLE, "use_case": "medical diagnostic assistant", "goals": ["domain_knowledge"],
      "proprietary_data": True}, "lora", True, "justified.proprietary_knowledge"),
    ("legal contracts in a strict format",
     {**CAPABLE, "use_case": "draft legal contracts", "goals": ["output_format"]},
     "prompt_engineering", True, "order.structured_outputs_first"),
    ("protein-folding research jargon",
     {**CAPABLE, "use_case": "protein-folding research assistant", "goals": ["jargon"]},
     "lora", True, "justified.jargon"),
    ("a chatbot that sounds like the founder, at scale",
     {**CAPABLE, "use_case": "brand chatbot in the founder's voice", "goals": ["style"],
      "requests_per_month": 2_000_000}, "prompt_engineering", False, "justified.style_below_scale"),
    ("just better accuracy -> RAG",
     {**CAPABLE, "goals": ["accuracy"], "proprietary_data": True}, "rag", False, "myth.accuracy"),
    ("fix hallucinations -> not by fine-tuning",
     {**CAPABLE, "goals": ["hallucinations"]}, "rag", False, "myth.hallucinations"),
    ("understand our business -> structured context",
     {**CAPABLE, "goals": ["business_context"]}, "prompt_engineering", False, "myth.business_context"),
    ("better reasoning -> structured prompting",
     {**CAPABLE, "goals": ["reasoning"]}, "prompt_engineering", False, "myth.reasoning"),
]


@pytest.mark.parametrize("name, profile, strategy, justified, rule", ARTICLE_CASES, ids=[c[0] for c in ARTICLE_CASES])
def test_article_cases(name, profile, strategy, justified, rule):
    decision = decide(profile, today=TODAY).to_dict()
    assert decision["strategy"] == strategy
    assert decision["fine_tune_justified"] is justified
    assert rule in [n["rule"] for n in decision["reasons"] + decision["warnings"]]


@pytest.mark.parametrize("name, profile, strategy, justified, rule", ARTICLE_CASES[:4], ids=[c[0] for c in ARTICLE_CASES[:4]])
def test_the_justified_cases_without_the_means_are_not_fine_tuned(name, profile, strategy, justified, rule):
    """The article's cases justify fine-tuning only with the data and people to do it."""
    for lack in ({"labeled_examples": 0}, {"data_quality": "low"}, {"ml_team": "none"}, {"budget_usd": 500}):
        decision = decide({**profile, **lack}, today=TODAY)
        assert decision.strategy not in FT, lack
        assert not decision.fine_tune_justified


def test_changing_facts_go_to_rag_beside_a_lora():
    profile = {**CAPABLE, "goals": ["jargon", "domain_knowledge"], "proprietary_data": True,
               "knowledge_changes": "daily"}
    decision = decide(profile, today=TODAY)
    assert decision.strategy == "lora"
    assert decision.complements == ["rag"]


def test_knowledge_that_drifts_weekly_is_retrieved_not_trained():
    profile = {**CAPABLE, "goals": ["domain_knowledge"], "proprietary_data": True, "knowledge_changes": "weekly"}
    decision = decide(profile, today=TODAY)
    assert decision.strategy == "rag"
    assert not decision.fine_tune_justified
    assert "prereq.drift" in [r.rule for r in decision.reasons]


def test_full_fine_tuning_only_after_lora_with_everything_in_place():
    profile = {**CAPABLE, "goals": ["jargon"], "labeled_examples": 100_000, "ml_team": "strong",
               "budget_usd": 5_000_000}
    assert decide(profile, today=TODAY).strategy == "lora"
    assert decide({**profile, "tried": ["lora"]}, today=TODAY).strategy == "full_fine_tune"
    # Unknown prerequisites never let full fine-tuning through.
    unknown_budget = {k: v for k, v in profile.items() if k != "budget_usd"}
    assert decide({**unknown_budget, "tried": ["lora"]}, today=TODAY).strategy == "lora"


def test_decision_shape_and_json():
    data = decide({"goals": ["accuracy"]}, today=TODAY).to_dict()
    for key in ("strategy", "fine_tune_justified", "complements", "reasons", "warnings", "missing",
                "confidence", "costs"):
        assert key in data
    json.dumps(data)
    assert all(set(n) == {"rule", "text"} for n in data["reasons"] + data["warnings"])
    for q in data["missing"]:
        assert {"field", "question", "choices", "why"} <= set(q)
        assert all(set(c) == {"label", "value"} for c in q["choices"])


def test_costs_come_from_the_cost_models():
    profile = {**CAPABLE, "goals": ["jargon"], "requests_per_month": 50_000, "horizon_months": 18}
    decision = decide(profile, today=TODAY).to_dict()
    options = {o["id"]: o for o in decision["options"]}
    costs = decision["costs"]
    assert costs["horizon_months"] == 18
    assert costs["recommended"]["strategy"] == "lora"
    assert costs["recommended"]["total_usd"] == pytest.approx(options[decision["recommended"]]["total_usd"])
    assert costs["alternative"]["strategy"] == decision["alternative"] == "prompt_engineering"
    cheapest_pe = min(o["total_usd"] for o in decision["options"]
                      if o["strategy"] == "prompt_engineering" and o["meets_constraints"])
    assert costs["alternative"]["total_usd"] == pytest.approx(cheapest_pe)


def test_when_not_fine_tuning_the_alternative_priced_is_a_lora():
    costs = decide({"goals": ["accuracy"]}, today=TODAY).to_dict()["costs"]
    assert costs["recommended"]["strategy"] == "rag"
    assert costs["alternative"]["strategy"] == "lora"


def test_empty_profile_asks_for_goals_first_with_low_confidence():
    decision = decide({}, today=TODAY)
    assert decision.strategy == "prompt_engineering"
    assert decision.missing[0].field == "goals"
    assert decision.missing[0].question == FIELDS["goals"].question
    assert len(decision.missing[0].choices) == len(GOALS)
    assert 0.0 <= decision.confidence <= 1.0
    assert decision.confidence == decision.robustness["share"]


def test_missing_is_most_decisive_first_and_costs_last():
    decision = decide({"goals": ["jargon"]}, today=TODAY)
    impacts = [q.impact for q in decision.missing]
    assert impacts == sorted(impacts, key=lambda i: i != "strategy")
    assert decision.missing[0].impact == "strategy"
    assert decision.missing[0].field in ("labeled_examples", "budget_usd", "data_quality", "ml_team")


def test_a_complete_profile_is_confident_and_asks_nothing_decisive():
    profile = {**CAPABLE, "goals": ["jargon"], "budget_usd": 5_000_000, "tried": ["prompt_engineering"],
               "requests_per_month": 10_000, "horizon_months": 12, "prompt_tokens": 500, "output_tokens": 200}
    decision = decide(profile, today=TODAY)
    assert not [q for q in decision.missing if q.impact == "strategy"]
    assert decision.confidence >= 0.9


def test_invalid_profile_raises_with_a_json_path():
    with pytest.raises(InputError) as info:
        decide({"goals": ["accuracy", "vibes"]})
    assert info.value.field == "$.goals[1]"


def test_registered_as_the_decide_tool():
    tool = get_tool("decide")
    assert tool is TOOL and tool.cli_name is None
    assert tool.schema["properties"] == PROFILE_SCHEMA["properties"]
    assert tool.schema["additionalProperties"] is False
    result = call("decide", {"goals": ["reasoning"], "labeled_examples": "2k"})
    assert result["strategy"] == "prompt_engineering"


# --- properties -----------------------------------------------------------------------

MODELS = ("llama-3.1-8b", "llama-3.1-70b", "mistral-7b", "gpt-4o-mini", "gpt-4.1-mini")
profiles = st.fixed_dictionaries({}, optional={
    "goals": st.lists(st.sampled_from(GOALS), max_size=4, unique=True),
    "proprietary_data": st.booleans(),
    "labeled_examples": st.integers(0, 500_000),
    "data_quality": st.sampled_from(DATA_QUALITY),
    "knowledge_changes": st.sampled_from(KNOWLEDGE_CHANGES),
    "requests_per_month": st.integers(0, 50_000_000),
    "budget_usd": st.floats(0, 5e6, allow_nan=False),
    "ml_team": st.sampled_from(ML_TEAM),
    "model": st.sampled_from(MODELS),
    "horizon_months": st.integers(1, 60),
    "tried": st.lists(st.sampled_from(["prompt_engineering", "rag", "lora"]), max_size=3, unique=True),
})
RANK = {s: i for i, s in enumerate(STRATEGIES)}


@settings(max_examples=30)
@given(profiles)
def test_decide_never_raises_and_is_consistent(profile):
    decision = decide(profile, today=TODAY)
    assert decision.strategy in STRATEGIES
    assert 0.0 <= decision.confidence <= 1.0
    # A fine-tune that is not justified by the article's cases is only ever a distillation
    # bought for its lower cost; a justified case may still be served more cheaply.
    option = next(o for o in decision.options if o["id"] == decision.recommended)
    assert option["strategy"] == decision.strategy
    if decision.strategy in FT and not decision.fine_tune_justified:
        assert option["teacher"]
    assert decision.strategy not in decision.complements
    assert not {q.field for q in decision.missing} & set(profile)
    assert decision.to_dict() == decide(profile, today=TODAY).to_dict()  # deterministic


@settings(max_examples=50)
@given(profiles, st.sampled_from(MYTH_GOALS))
def test_adding_a_myth_goal_never_makes_fine_tuning_more_likely(profile, myth):
    before = decide(profile, today=TODAY, analyse=False)
    after = decide({**profile, "goals": list(dict.fromkeys(profile.get("goals", []) + [myth]))}, today=TODAY, analyse=False)
    assert (after.strategy == "full_fine_tune") <= (before.strategy == "full_fine_tune")
    assert after.fine_tune_justified <= before.fine_tune_justified


@settings(max_examples=50)
@given(profiles, st.integers(0, 500_000), st.integers(0, 500_000))
def test_fewer_labelled_examples_never_make_fine_tuning_more_justified(profile, a, b):
    fewer, more = sorted((a, b))
    with_fewer = decide({**profile, "labeled_examples": fewer}, today=TODAY, analyse=False)
    with_more = decide({**profile, "labeled_examples": more}, today=TODAY, analyse=False)
    assert with_fewer.fine_tune_justified <= with_more.fine_tune_justified
    assert (with_fewer.strategy == "full_fine_tune") <= (with_more.strategy == "full_fine_tune")


@settings(max_examples=40)
@given(profiles, st.sampled_from(("labeled_examples", "data_quality", "ml_team", "budget_usd")))
def test_a_field_not_listed_as_missing_cannot_change_the_strategy(profile, name):
    """A field the decision lists as missing is one whose answer can matter; a field it
    does not list cannot change the strategy on its own."""
    decision = decide(profile, today=TODAY, analyse=False)
    if name in profile or name in {q.field for q in decision.missing if q.impact == "strategy"}:
        return
    for choice in FIELDS[name].choices:
        assert decide({**profile, name: choice.value}, today=TODAY, analyse=False).strategy == decision.strategy


@settings(max_examples=40)
@given(profiles, st.floats(0, 5e6), st.floats(0, 5e6))
def test_a_bigger_budget_never_makes_fine_tuning_less_justified(profile, a, b):
    small, big = sorted((a, b))
    assert (decide({**profile, "budget_usd": small}, today=TODAY, analyse=False).fine_tune_justified
            <= decide({**profile, "budget_usd": big}, today=TODAY, analyse=False).fine_tune_justified)


@settings(max_examples=40)
@given(profiles)
def test_without_one_of_the_four_cases_there_is_no_fine_tuning(profile):
    profile = {**profile, "goals": [g for g in profile.get("goals", []) if g in MYTH_GOALS]}
    decision = decide(profile, today=TODAY, analyse=False)
    assert decision.strategy in ("prompt_engineering", "rag")
    assert not decision.fine_tune_justified


def test_a_goal_that_is_not_a_case_is_explained_even_when_another_goal_justifies_tuning():
    decision = decide({**CAPABLE, "goals": ["domain_knowledge", "jargon"], "proprietary_data": False}, today=TODAY)
    assert decision.strategy == "lora"
    assert "justified.public_knowledge" in [r.rule for r in decision.reasons]


#: Each field's answers from the most to the least favourable to fine-tuning.
WORSENING = {"data_quality": ("high", "medium", "low"), "ml_team": ("strong", "some", "none"),
             "knowledge_changes": ("rarely", "monthly", "weekly", "daily")}


@settings(max_examples=40)
@given(profiles, st.sampled_from(sorted(WORSENING)), st.data())
def test_a_worse_prerequisite_never_makes_fine_tuning_more_likely(profile, name, data):
    """Worse data, a weaker team or faster-changing knowledge never turn fine-tuning on,
    nor a LoRA into full fine-tuning."""
    order = WORSENING[name]
    i = data.draw(st.integers(0, len(order) - 2))
    j = data.draw(st.integers(i + 1, len(order) - 1))
    better = decide({**profile, name: order[i]}, today=TODAY, analyse=False)
    worse = decide({**profile, name: order[j]}, today=TODAY, analyse=False)
    assert worse.fine_tune_justified <= better.fine_tune_justified
    assert (worse.strategy == "full_fine_tune") <= (better.strategy == "full_fine_tune")


def test_data_quality_is_not_asked_of_a_team_without_examples():
    asked = [m["field"] for m in decide({"goals": ["style"], "labeled_examples": 0}).to_dict()["missing"]]
    assert "data_quality" not in asked
    asked = [m["field"] for m in decide({"goals": ["style"], "labeled_examples": 5000}).to_dict()["missing"]]
    assert "data_quality" in asked
