"""One contract per tool: shared parameter fragments, self-registration, one call path."""
from __future__ import annotations

import pytest

from tools.contract import FRAGMENTS, MAX_TOKENS_PER_REQUEST, check_args, param, schema
from tools.decision.profile import PROFILE_SCHEMA
from tools.errors import InputError
from tools.registry import all_tools, call

BOUNDS = ("type", "minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "pattern", "enum")


def test_every_estimator_registers_itself_on_import():
    names = set(all_tools())
    assert {"estimate_training", "estimate_memory", "estimate_inference", "estimate_api_finetune",
            "estimate_data_prep", "estimate_maintenance", "estimate_rag", "estimate_compare", "decide"} <= names
    assert [t.cli_name for t in all_tools().values()][:3] == ["training", "memory", "api-finetune"]


def test_shared_parameters_have_one_set_of_bounds():
    # A shared parameter may say what it means in each tool, and may narrow its bound,
    # but never widen it past the shared one or change its type.
    for tool in all_tools().values():
        for name, spec in tool.schema["properties"].items():
            if name not in FRAGMENTS:
                continue
            shared = FRAGMENTS[name]
            assert spec.get("type") == shared.get("type") or tool.name in ("estimate_compare", "decide"), \
                (tool.name, name)
            if "maximum" in shared and "maximum" in spec and (tool.name, name) != ("estimate_inference",
                                                                                   "prompt_tokens"):
                assert spec["maximum"] <= shared["maximum"], (tool.name, name)


def test_a_valid_profile_never_fails_inside_an_estimator():
    # The drift issue 9 found: prompt_tokens up to 10M in the profile, 2e6 in the tools.
    profile = PROFILE_SCHEMA["properties"]
    for field in ("prompt_tokens", "output_tokens"):
        top = profile[field]["maximum"]
        for tool in all_tools().values():
            spec = tool.schema["properties"].get(field)
            if spec is not None:
                assert spec["maximum"] >= top, (tool.name, field)
    for name in ("estimate_inference", "estimate_rag", "estimate_compare"):
        out = call(name, {"model": "gpt-4.1", "prompt_tokens": MAX_TOKENS_PER_REQUEST,
                          "output_tokens": MAX_TOKENS_PER_REQUEST, "requests_per_month": 10})
        assert out["high"] >= out["low"] >= 0


def test_direct_calls_are_checked_against_the_same_schema():
    from tools.estimators.inference import estimate_inference

    with pytest.raises(InputError) as info:
        estimate_inference(model="gpt-4o-mini", prompt_tokens=2 * MAX_TOKENS_PER_REQUEST + 1)
    assert info.value.field == "prompt_tokens"
    with pytest.raises(InputError) as info:
        estimate_inference(model="gpt-4o-mini", prompt_tokns=10)
    assert info.value.field == "prompt_tokns" and "prompt_tokens" in info.value.suggestions


def test_check_args_parses_people_numbers_and_names_the_field():
    s = schema(n=param("examples"), on=param("lora_rank"), kind={"type": "string", "enum": ["a", "b"]})
    assert check_args(s, {"n": "50k", "on": "16", "kind": " A "}) == {"n": 50_000.0, "on": 16, "kind": "a"}
    for bad, field in (({"n": 0}, "n"), ({"on": 1.5}, "on"), ({"kind": "c"}, "kind"), ({"on": True}, "on")):
        with pytest.raises(InputError) as info:
            check_args(s, bad)
        assert info.value.field == field
