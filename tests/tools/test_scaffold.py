"""The prompt scaffold: the structured prompt to try before paying for fine-tuning."""
from __future__ import annotations

import json
import re
from importlib import resources

import jsonschema
import pytest

from tools.errors import InputError
from tools.decision.profile import GOALS
from tools.decision.scaffold import build_prompt_scaffold, load_template, schema_from_example

SECTIONS = ("<role>", "<context>", "<constraints>", "<output_format>", "<steps>", "<examples>")


def _unfilled(text: str) -> list[str]:
    return re.findall(r"\{[a-z_]+\}", text)


def test_every_section_is_there_and_filled():
    text = build_prompt_scaffold({"use_case": "Answer tenants' questions about their lease"})
    for section in SECTIONS:
        assert section in text and section.replace("<", "</") in text
    assert "Answer tenants' questions about their lease" in text
    assert not _unfilled(text)


def test_empty_profile_gives_a_scaffold_with_slots():
    text = build_prompt_scaffold({})
    assert "[describe the task" in text
    assert "write 20 to 50 real inputs" in text
    assert not _unfilled(text)


@pytest.mark.parametrize("goal", GOALS)
def test_each_goal_adds_its_constraints(goal):
    constraint = load_template(f"scaffold/constraints-{goal}.md").strip().splitlines()[0]
    assert constraint in build_prompt_scaffold({"goals": [goal]})
    assert constraint not in build_prompt_scaffold({"goals": [g for g in GOALS if g != goal]})


def test_output_format_without_example_gets_a_json_schema():
    text = build_prompt_scaffold({"goals": ["output_format"]})
    block = text.split("\n<output_format>\n")[1].split("\n</output_format>")[0]
    schema = json.loads(block[block.index("{"):block.rindex("}") + 1])
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["required"] == ["answer"]


def test_schema_derived_from_a_json_example_accepts_it_and_nothing_looser():
    example = {"parties": ["Acme", "Bolt"], "term_months": 12, "governing_law": "NY", "auto_renew": False,
               "fee": 1.5, "notes": None}
    text = build_prompt_scaffold({"goals": ["output_format"], "output_format_example": json.dumps(example)})
    block = text.split("\n<output_format>\n")[1].split("\n</output_format>")[0]
    schema = json.loads(block[block.index("{"):block.rindex("}") + 1])
    assert schema == schema_from_example(example)
    jsonschema.validate(example, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**example, "extra": 1}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({k: v for k, v in example.items() if k != "fee"}, schema)


def test_a_text_template_example_is_kept_verbatim():
    template = "CONTRACT between [A] and [B]\nTerm: [months] months"
    text = build_prompt_scaffold({"goals": ["output_format"], "output_format_example": template})
    assert template in text
    assert "JSON Schema" not in text


def test_free_prose_when_format_does_not_matter():
    text = build_prompt_scaffold({"goals": ["style"]})
    assert "plain prose" in text and "JSON Schema" not in text


def test_grounded_goals_and_rag_get_a_retrieval_slot_and_sources():
    retrieval = load_template("scaffold/context-retrieval.md").splitlines()[0]
    assert retrieval in build_prompt_scaffold({"goals": ["hallucinations"]})
    assert retrieval in build_prompt_scaffold({"goals": ["style"]}, strategy="rag")
    assert retrieval not in build_prompt_scaffold({"goals": ["style"]})
    assert '"sources"' in build_prompt_scaffold({"goals": ["accuracy"]})


def test_reasoning_gets_explicit_reasoning_steps():
    steps = load_template("scaffold/steps-reasoning.md").splitlines()[0]
    assert steps in build_prompt_scaffold({"goals": ["reasoning"]})
    assert steps not in build_prompt_scaffold({"goals": ["jargon"]})


@pytest.mark.parametrize("count, slots", [(None, 3), (0, 1), (1, 1), (2, 2), (3, 3), (10_000, 3)])
def test_few_shot_slots(count, slots):
    profile = {} if count is None else {"labeled_examples": count}
    assert build_prompt_scaffold(profile).count("<example id=") == slots


def test_held_out_set_is_named_from_the_labelled_examples():
    assert "hold out 200 of your 5,000" in build_prompt_scaffold({"labeled_examples": 5000})


def test_use_case_with_braces_is_not_a_template():
    text = build_prompt_scaffold({"use_case": "fill {placeholders} in {templates}"})
    assert "fill {placeholders} in {templates}" in text


def test_every_scaffold_template_is_used(monkeypatch):
    from tools.decision import scaffold

    used: set[str] = set()
    real = scaffold.load_template

    def spy(name):
        used.add(name)
        return real(name)

    monkeypatch.setattr(scaffold, "load_template", spy)
    for goals in ([], list(GOALS)):
        build_prompt_scaffold({"goals": goals})
        build_prompt_scaffold({"goals": goals}, strategy="rag")
        build_prompt_scaffold({"goals": goals, "output_format_example": "TEMPLATE"})
        build_prompt_scaffold({"goals": goals, "output_format_example": "{}"})
    files = {f"scaffold/{p.name}" for p in resources.files("prompts").joinpath("scaffold").iterdir()
             if p.name.endswith(".md")}
    assert files == used


def test_invalid_profile_is_rejected():
    with pytest.raises(InputError):
        build_prompt_scaffold({"goals": ["vibes"]})


def test_reasoning_is_kept_apart_in_the_output_schema():
    text = build_prompt_scaffold({"goals": ["output_format", "reasoning"]})
    block = text.split("\n<output_format>\n")[1].split("\n</output_format>")[0]
    schema = json.loads(block[block.index("{"):block.rindex("}") + 1])
    assert schema["required"] == ["reasoning", "answer"]
