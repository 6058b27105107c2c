"""The prompt scaffold: a structured prompt for the user's own use case (role, context
block, constraints, output format with a JSON Schema when format matters, few-shot
slots, reasoning steps). It is the concrete thing to try before paying for
fine-tuning. The wording lives in prompts/scaffold/*.md; this module only chooses
which pieces apply and fills their {placeholders}."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from tools import safe_json
from tools.decision.profile import GOALS, validate_profile
from tools.errors import InputError

#: Goals whose answers must be grounded in retrieved documents.
_RETRIEVAL_GOALS = ("accuracy", "hallucinations")
#: Goals with a context slot of their own (prompts/scaffold/context-GOAL.md).
_CONTEXT_GOALS = ("business_context", "domain_knowledge", "jargon", "style")
#: How many few-shot slots to offer, at most.
_MAX_EXAMPLES = 3


@lru_cache(maxsize=64)
def load_template(name: str) -> str:
    """A template from the prompts package, e.g. "scaffold/role.md" or "report.md"."""
    return resources.files("prompts").joinpath(name).read_text(encoding="utf-8")


def fill(name: str, **values: Any) -> str:
    """Template `name` with its {placeholders} filled. A missing value is a bug in the
    caller, so it raises KeyError rather than printing a hole."""
    return load_template(name).format_map(values).rstrip("\n")


def _type_of(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, float):
        return {"type": "number"}
    if isinstance(value, str):
        return {"type": "string"}
    if value is None:
        return {"type": "null"}
    if isinstance(value, list):
        return {"type": "array", "items": _type_of(value[0]) if value else {}}
    return {
        "type": "object",
        "properties": {str(k): _type_of(v) for k, v in value.items()},
        "required": [str(k) for k in value],
        "additionalProperties": False,
    }


def schema_from_example(example: Any) -> dict[str, Any]:
    """A strict JSON Schema that the example satisfies: every key required, no extras."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **_type_of(example)}


def _default_schema(grounded: bool, reasoning: bool) -> dict[str, Any]:
    """The output schema to start from when the user gave no example."""
    properties: dict[str, Any] = {}
    if reasoning:  # reasoning kept apart from the answer, as the constraints ask
        properties["reasoning"] = {"type": "string", "description": "the steps, in order"}
    properties["answer"] = {"type": "string", "description": "[your fields here]"}
    if grounded:
        properties["sources"] = {"type": "array", "items": {"type": "string"},
                                 "description": "ids of the documents in <context> the answer relies on"}
        properties["found_in_sources"] = {"type": "boolean",
                                          "description": "false when the sources do not contain the answer"}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
            "properties": properties, "required": list(properties), "additionalProperties": False}


def _output(profile: dict[str, Any], goals: list[str], grounded: bool) -> str:
    example = profile.get("output_format_example")
    if example and example.strip():
        try:
            parsed = safe_json.loads(example, "$.output_format_example")  # bounded: depth, digits
        except InputError:
            return fill("scaffold/output-template.md", template=example.strip())
        return fill("scaffold/output-schema.md", schema=json.dumps(schema_from_example(parsed), indent=2),
                    schema_note="(Derived from your example: every field is required and no other is allowed; "
                                "loosen it where that is wrong.)")
    if "output_format" in goals or grounded:
        return fill("scaffold/output-schema.md", schema=json.dumps(_default_schema(grounded, "reasoning" in goals), indent=2),
                    schema_note="(A starting point: replace \"answer\" with the fields your format needs. "
                                "Most APIs can enforce this schema as structured output.)")
    return fill("scaffold/output-free.md")


def _measure(profile: dict[str, Any]) -> str:
    count = profile.get("labeled_examples")
    if not count:
        return "you have none yet: write 20 to 50 real inputs with their ideal outputs, and score against them"
    held_out = max(1, min(200, count // 5))
    return (f"hold out {held_out:,} of your {count:,} labelled examples, never use them as few-shot "
            "examples, and score the outputs")


def build_prompt_scaffold(profile: dict[str, Any], *, strategy: str | None = None) -> str:
    """The scaffold as Markdown. `strategy` (from decide) adds the retrieval slot for RAG;
    without it the profile alone decides."""
    profile = validate_profile(profile)
    goals = [g for g in GOALS if g in profile.get("goals", [])]
    grounded = (strategy == "rag" or bool(set(goals) & set(_RETRIEVAL_GOALS))
                or profile.get("proprietary_data") is True)
    use_case = (profile.get("use_case") or "").strip() or "[describe the task in one sentence: who asks what, and why]"

    context = [fill("scaffold/context-use-case.md", use_case=use_case)]
    if grounded:
        context.append(fill("scaffold/context-retrieval.md"))
    context += [fill(f"scaffold/context-{g}.md") for g in goals if g in _CONTEXT_GOALS]

    constraints = [fill("scaffold/constraints-base.md")]
    constraints += [fill(f"scaffold/constraints-{g}.md") for g in goals]

    count = profile.get("labeled_examples")
    slots = _MAX_EXAMPLES if count is None or count >= _MAX_EXAMPLES else max(1, count)
    examples = "\n".join(fill("scaffold/example.md", n=n) for n in range(1, slots + 1))

    steps = fill("scaffold/steps-reasoning.md" if "reasoning" in goals else "scaffold/steps-base.md")
    title = use_case.splitlines()[0][:80] if profile.get("use_case", "").strip() else ""
    return fill(
        "scaffold/main.md",
        title=f": {title}" if title else "",
        measure=_measure(profile),
        role=fill("scaffold/role.md", use_case=use_case),
        context="\n\n".join(context),
        constraints="\n".join(constraints),
        output=_output(profile, goals, grounded),
        steps=steps,
        examples=examples,
        user=fill("scaffold/user.md"),
    ) + "\n"
