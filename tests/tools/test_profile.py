"""The case profile: schema, validation errors with JSON paths, the interview's questions."""
from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from tools.errors import InputError
from tools.decision.profile import (FIELDS, GOALS, PROFILE_FIELDS, PROFILE_SCHEMA, parse_profile_json,
                           validate_profile)

ISSUE_FIELDS = ("goals", "proprietary_data", "labeled_examples", "data_quality", "knowledge_changes",
                "requests_per_month", "budget_usd", "ml_team", "model", "horizon_months")


def test_schema_is_valid_draft_2020_12_with_the_issue_fields():
    Draft202012Validator.check_schema(PROFILE_SCHEMA)
    assert PROFILE_SCHEMA["$schema"].endswith("/2020-12/schema")
    assert set(ISSUE_FIELDS) <= set(PROFILE_FIELDS)
    assert PROFILE_SCHEMA["properties"]["goals"]["items"]["enum"] == list(GOALS)
    assert "required" not in PROFILE_SCHEMA  # every field is optional


def test_empty_profile_is_valid():
    assert validate_profile({}) == {}


def test_full_profile_is_normalised():
    profile = validate_profile({
        "use_case": "support bot", "goals": ["style", "accuracy", "style"], "proprietary_data": False,
        "labeled_examples": 5000.0, "data_quality": "high", "knowledge_changes": "weekly",
        "requests_per_month": 1_000_000, "budget_usd": 25_000.5, "ml_team": "some",
        "model": "Llama-3.1-8B-Instruct", "horizon_months": 24, "prompt_tokens": 800, "output_tokens": 200,
        "output_format_example": "{}", "tried": ["rag", "rag"],
    })
    assert profile["goals"] == ["style", "accuracy"]
    assert profile["tried"] == ["rag"]
    assert profile["labeled_examples"] == 5000 and isinstance(profile["labeled_examples"], int)
    assert profile["model"] == "llama-3.1-8b"


def test_api_models_are_catalog_ids_too():
    assert validate_profile({"model": "GPT-4o-mini"})["model"] == "gpt-4o-mini"


def _error(obj) -> InputError:
    with pytest.raises(InputError) as info:
        validate_profile(obj)
    return info.value


@pytest.mark.parametrize("obj, path, expected", [
    ({"goals": ["accuracy", "speed"]}, "$.goals[1]", "one of accuracy, hallucinations, business_context"),
    ({"goals": "accuracy"}, "$.goals", "a list of accuracy"),
    ({"labeled_examples": -1}, "$.labeled_examples", "a whole number >= 0"),
    ({"labeled_examples": 1.5}, "$.labeled_examples", "a whole number"),
    ({"labeled_examples": True}, "$.labeled_examples", "a whole number"),
    ({"labeled_examples": "many"}, "$.labeled_examples", "a whole number"),
    ({"requests_per_month": -5}, "$.requests_per_month", ">= 0"),
    ({"budget_usd": -1}, "$.budget_usd", "a number >= 0"),
    ({"budget_usd": float("nan")}, "$.budget_usd", "a finite number"),
    ({"budget_usd": float("inf")}, "$.budget_usd", "<= 1,000,000,000,000"),
    ({"data_quality": "great"}, "$.data_quality", "one of low, medium, high"),
    ({"knowledge_changes": "hourly"}, "$.knowledge_changes", "one of rarely, monthly, weekly, daily"),
    ({"ml_team": 3}, "$.ml_team", "one of none, some, strong"),
    ({"proprietary_data": "yes"}, "$.proprietary_data", "true or false"),
    ({"horizon_months": 0}, "$.horizon_months", ">= 1"),
    ({"tried": ["fine_tuning"]}, "$.tried[0]", "one of prompt_engineering, rag, lora"),
    ({"goal": ["accuracy"]}, "$.goal", "a known field"),
    ({"ml_team": None}, "$.ml_team", "got null (leave the field out while it is unknown)"),
])
def test_bad_fields_name_their_json_path_and_allowed_values(obj, path, expected):
    error = _error(obj)
    assert error.field == path
    assert expected in error.expected


def test_unknown_field_suggests_the_nearest():
    assert _error({"goal": []}).suggestions == ("goals",)


def test_enum_typo_suggests_the_nearest():
    assert "medium" in _error({"data_quality": "medum"}).suggestions


def test_unknown_model_suggests_catalog_ids():
    error = _error({"model": "lama-3.1-8"})
    assert error.field == "$.model"
    assert "llama-3.1-8b" in error.suggestions


@pytest.mark.parametrize("obj", [[], "profile", 3, None])
def test_a_profile_must_be_an_object(obj):
    error = _error(obj)
    assert error.field == "$"
    assert "goals" in error.expected


@pytest.mark.parametrize("text, expected", [
    ("", "the input is empty"),
    ("   \n", "the input is empty"),
    ("{goals: 1}", "valid JSON"),
    ('{"goals": [', "valid JSON"),
])
def test_bad_json_text(text, expected):
    with pytest.raises(InputError) as info:
        parse_profile_json(text)
    assert info.value.field == "$" and expected in info.value.expected


def test_a_saved_consultation_reads_as_its_profile():
    saved = {"schema_version": 1, "id": "abc", "profile": {"goals": ["jargon"]}, "messages": []}
    assert parse_profile_json(json.dumps(saved)) == {"goals": ["jargon"]}
    # A consultation exported without its version still reads as one.
    exported = {k: v for k, v in saved.items() if k != "schema_version"}
    assert parse_profile_json(json.dumps(exported)) == {"goals": ["jargon"]}
    with pytest.raises(InputError) as info:  # an invalid inner profile names its own path
        parse_profile_json(json.dumps({**exported, "profile": {"goals": ["speed"]}}))
    assert info.value.field == "$.goals[0]"


def test_every_field_has_a_question():
    assert set(FIELDS) == set(PROFILE_FIELDS)
    for info in FIELDS.values():
        assert info.question.strip().endswith(("?", ".")), info.name
        assert info.choices or info.free_text, info.name


@pytest.mark.parametrize("name", [n for n in FIELDS if FIELDS[n].choices])
def test_every_choice_is_a_valid_answer(name):
    info = FIELDS[name]
    labels = [c.label for c in info.choices]
    assert len(set(labels)) == len(labels)
    values = [c.value for c in info.choices]
    assert len(set(map(json.dumps, values))) == len(values)
    for value in values:
        validate_profile({name: [value] if info.multiple else value})


@pytest.mark.parametrize("name", [n for n, s in PROFILE_SCHEMA["properties"].items()
                                  if "enum" in s or "enum" in s.get("items", {})])
def test_enum_questions_offer_every_allowed_value(name):
    spec = PROFILE_SCHEMA["properties"][name]
    allowed = spec.get("enum") or spec["items"]["enum"]
    assert sorted(c.value for c in FIELDS[name].choices) == sorted(allowed)
