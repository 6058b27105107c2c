"""The case profile: the structured facts of one consultation.

The agent, the offline interview, the decision rules and the report all read and
write this one dict. Every field is optional, because a profile fills up as the
consultation goes on. `PROFILE_SCHEMA` is the JSON Schema (Draft 2020-12) that the
registry and the LLM see; `validate_profile` checks a dict against it and against the
catalog, raising an InputError whose field is a JSON path such as ``$.goals[1]``;
`FIELDS` holds, per field, the question a person is asked and its numbered choices.
"""
from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from tools import safe_json
from tools.contract import param
from tools.errors import InputError
from tools.decision.vocabulary import DATA_QUALITY, DEPLOYMENTS, GOALS, KNOWLEDGE_CHANGES, ML_TEAM, TRIED


# Upper bounds catch typos (an extra three zeros) without limiting any real case.
_MAX_COUNT = 10**12
_MAX_USD = 1e12

PROFILE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Case profile",
    "description": "What is known about the user's case. Every field is optional; omit what is unknown.",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "use_case": {
            "type": "string", "maxLength": 4000,
            "description": "The use case in the user's words, e.g. 'support bot answering from our product docs'.",
        },
        "goals": {
            "type": "array", "items": {"enum": list(GOALS)}, "maxItems": len(GOALS) * 4,
            "description": "What the user hopes fine-tuning will achieve. accuracy: fewer wrong answers; "
                           "hallucinations: stop it making things up; business_context: 'understand our business'; "
                           "reasoning: better reasoning; domain_knowledge: knowledge public models lack; "
                           "output_format: strict output format; jargon: specialised vocabulary; "
                           "style: a tone or persona.",
        },
        "proprietary_data": {
            "type": "boolean",
            "description": "True when the knowledge the model needs is absent from public models (private data).",
        },
        "labeled_examples": {
            "type": "integer", "minimum": 0, "maximum": _MAX_COUNT,
            "description": "Labelled input/output examples the user already has.",
        },
        "data_quality": {
            "enum": list(DATA_QUALITY),
            "description": "Quality of those examples: low (noisy, unchecked), medium (mostly right), high (reviewed).",
        },
        "knowledge_changes": {
            "enum": list(KNOWLEDGE_CHANGES),
            "description": "How often the facts the model needs change.",
        },
        "requests_per_month": {
            "type": "integer", "minimum": 0, "maximum": _MAX_COUNT,
            "description": "Expected requests per month in production.",
        },
        "budget_usd": {
            "type": "number", "minimum": 0, "maximum": _MAX_USD,
            "description": "All-in budget in USD over the horizon (setup, data, training, running).",
        },
        "ml_team": {
            "enum": list(ML_TEAM),
            "description": "ML engineering capacity to train and maintain a model: none, some, strong.",
        },
        "model": param("model", "The model in use or considered: a catalog id such as llama-3.1-8b or gpt-4o-mini."),
        "horizon_months": {
            "type": "integer", "minimum": 1, "maximum": 120,
            "description": "How many months to compare costs over.",
        },
        # The estimators' fragments, as whole numbers of at least one token: the bounds are shared.
        "prompt_tokens": param("prompt_tokens", "Typical prompt size per request, in tokens.",
                               type="integer", minimum=1),
        "output_tokens": param("output_tokens", "Typical answer size per request, in tokens.",
                               type="integer", minimum=1),
        "output_format_example": {
            "type": "string", "maxLength": 20000,
            "description": "An example of the required output (JSON or a text template).",
        },
        "tried": {
            "type": "array", "items": {"enum": list(TRIED)}, "maxItems": 24,
            "description": "What the user has already tried and found not good enough "
                           "(structured_outputs: an API-enforced JSON Schema or grammar-constrained decoding).",
        },
        "deployment": {
            "enum": list(DEPLOYMENTS),
            "description": "Where the model may run. any: third-party APIs allowed; own_cloud: only in the "
                           "client's own cloud account; on_prem: only on the client's own servers; on_device: "
                           "on the user's device. Anything but any excludes third-party APIs (privacy, HIPAA, "
                           "client confidentiality).",
        },
        "current_failure_rate": {
            "type": "number", "minimum": 0, "maximum": 1,
            "description": "Share of outputs that fail the goal today (0-1), e.g. 0.03 when 3% of JSON breaks.",
        },
        "target_failure_rate": {
            "type": "number", "minimum": 0, "maximum": 1,
            "description": "The failure rate the client needs to reach (0-1).",
        },
        "engineer_month_usd": param("engineer_month_usd", "The client's own cost of one engineer-month in USD "
                                                          "(0: their own time, when they have no team)."),
    },
}

PROFILE_FIELDS = tuple(PROFILE_SCHEMA["properties"])


@dataclass(frozen=True)
class Choice:
    label: str
    value: Any

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "value": self.value}


@dataclass(frozen=True)
class FieldInfo:
    """How to ask a person for one field. `multiple`: the field is a list and each
    chosen value is added to it."""

    name: str
    question: str
    choices: tuple[Choice, ...] = ()
    multiple: bool = False
    #: Free-text answers are expected (no choices, or choices are only examples).
    free_text: bool = False

    def choices_dicts(self) -> list[dict[str, Any]]:
        return [c.to_dict() for c in self.choices]


def _c(*pairs: tuple[str, Any]) -> tuple[Choice, ...]:
    return tuple(Choice(label, value) for label, value in pairs)


FIELDS: dict[str, FieldInfo] = {f.name: f for f in (
    FieldInfo("use_case", "In a sentence or two: what should the model do, for whom?", free_text=True),
    FieldInfo("goals", "What do you hope fine-tuning will do for you? Pick every one that applies.", _c(
        ("Give more accurate answers", "accuracy"),
        ("Stop it making things up (hallucinations)", "hallucinations"),
        ("Make it understand our business", "business_context"),
        ("Make it reason better", "reasoning"),
        ("Teach it knowledge public models don't have", "domain_knowledge"),
        ("Make it follow a strict output format", "output_format"),
        ("Make it handle our specialised jargon", "jargon"),
        ("Make it write in a specific tone or style", "style"),
    ), multiple=True),
    FieldInfo("proprietary_data", "Is the knowledge the model needs absent from public models "
              "(your own private data, not on the web)?", _c(
        ("Yes, it is our own private knowledge", True),
        ("No, it is public or general knowledge", False),
    )),
    FieldInfo("labeled_examples", "How many labelled examples (input and the ideal output) do you have today?", _c(
        ("None", 0),
        ("Fewer than 500", 200),
        ("500 to 5,000", 2_000),
        ("5,000 to 50,000", 20_000),
        ("More than 50,000", 100_000),
    )),
    FieldInfo("data_quality", "How clean are those examples?", _c(
        ("Low: noisy, unchecked or inconsistent", "low"),
        ("Medium: mostly right, spot-checked", "medium"),
        ("High: reviewed by experts, consistent", "high"),
    )),
    FieldInfo("knowledge_changes", "How often do the facts the model needs change?", _c(
        ("Rarely (a few times a year or less)", "rarely"),
        ("About monthly", "monthly"),
        ("About weekly", "weekly"),
        ("Daily or faster", "daily"),
    )),
    FieldInfo("requests_per_month", "How many requests a month do you expect in production?", _c(
        ("Under 10,000", 5_000),
        ("10,000 to 100,000", 50_000),
        ("100,000 to 1 million", 500_000),
        ("1 million to 10 million", 5_000_000),
        ("More than 10 million", 20_000_000),
    )),
    FieldInfo("budget_usd", "What is your all-in budget over the comparison period (your horizon; 12 "
              "months if you have not set one), for data, training and running, in USD?", _c(
        ("Under $5,000", 2_500),
        ("$5,000 to $50,000", 25_000),
        ("$50,000 to $250,000", 150_000),
        ("$250,000 to $1 million", 500_000),
        ("More than $1 million", 2_000_000),
    )),
    FieldInfo("ml_team", "Who would train, monitor and retrain a fine-tuned model?", _c(
        ("Nobody: no ML engineers", "none"),
        ("Some: one or two engineers with ML experience", "some"),
        ("A strong ML team that trains models already", "strong"),
    )),
    FieldInfo("horizon_months", "Over how many months should we compare the costs?", _c(
        ("6 months", 6), ("12 months", 12), ("24 months", 24), ("36 months", 36),
    )),
    FieldInfo("model", "Which model do you use or consider (a catalog name such as llama-3.1-8b or gpt-4o-mini)?", _c(
        ("Llama 3.1 8B (open weights)", "llama-3.1-8b"),
        ("Llama 3.1 70B (open weights)", "llama-3.1-70b"),
        ("Mistral 7B (open weights)", "mistral-7b"),
        ("GPT-4o mini (OpenAI API)", "gpt-4o-mini"),
        ("GPT-4.1 mini (OpenAI API)", "gpt-4.1-mini"),
    ), free_text=True),
    FieldInfo("tried", "What have you already tried and found not good enough? Pick every one that applies.", _c(
        ("Better, structured prompts", "prompt_engineering"),
        ("Retrieval (RAG) over our documents", "rag"),
        ("A LoRA fine-tune", "lora"),
        ("A full fine-tune", "full_fine_tune"),
        ("Structured outputs (an enforced JSON Schema or grammar)", "structured_outputs"),
        ("Few-shot examples in the prompt", "few_shot"),
        ("Retrieval of our documents", "retrieval"),
        ("Tools (calculator, code, live lookups)", "tool_use"),
        ("A smaller model", "smaller_model"),
        ("Distillation into a small model", "distillation"),
        ("Prompt caching", "caching"),
        ("The batch API", "batch_api"),
        ("Routing easy requests to a cheaper model", "routing"),
    ), multiple=True),
    FieldInfo("deployment", "Where may the model run (privacy rules, HIPAA or client contracts often decide this)?", _c(
        ("Anywhere: a third-party API is fine", "any"),
        ("Only in our own cloud account", "own_cloud"),
        ("Only on our own servers (on-prem)", "on_prem"),
        ("On the user's device (phone, laptop)", "on_device"),
    )),
    FieldInfo("current_failure_rate", "What share of outputs fails today (for example 0.03 for 3%)?", _c(
        ("Under 1%", 0.005), ("About 3%", 0.03), ("About 10%", 0.1), ("A third or more", 0.35),
    )),
    FieldInfo("target_failure_rate", "What failure rate do you need to reach (for example 0.01 for 1%)?", _c(
        ("Practically none: 0.1%", 0.001), ("About 1%", 0.01), ("About 5%", 0.05),
    )),
    FieldInfo("engineer_month_usd", "What does one engineer-month cost you, in USD (your own time if it is just you)?",
              _c(("Just my own time: about $2,000", 2_000), ("About $8,000", 8_000), ("About $15,000", 15_000),
                 ("About $25,000", 25_000))),
    FieldInfo("prompt_tokens", "About how long is a typical prompt, in tokens (a page of text is about 500)?", _c(
        ("Short: about 200", 200), ("Medium: about 1,000", 1_000), ("Long: about 4,000", 4_000),
        ("Very long: about 16,000", 16_000),
    )),
    FieldInfo("output_tokens", "About how long is a typical answer, in tokens?", _c(
        ("A line: about 50", 50), ("A paragraph: about 250", 250), ("A page: about 800", 800),
        ("Several pages: about 3,000", 3_000),
    )),
    FieldInfo("output_format_example", "Paste an example of the exact output you need (JSON or a template).",
              free_text=True),
)}


# --- validation -----------------------------------------------------------------

def json_path(parts: Any) -> str:
    """['goals', 1] -> '$.goals[1]'."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _num(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,g}"


def _expected(schema: dict[str, Any]) -> str:
    """What a field accepts, in words, for the error message."""
    if "enum" in schema:
        return "one of " + ", ".join(json.dumps(v) if not isinstance(v, str) else v for v in schema["enum"])
    kind = schema.get("type")
    bounds = []
    if "minimum" in schema:
        bounds.append(f">= {_num(schema['minimum'])}")
    if "maximum" in schema:
        bounds.append(f"<= {_num(schema['maximum'])}")
    words = {"integer": "a whole number", "number": "a number", "boolean": "true or false",
             "string": "a string", "object": "a JSON object", "array": "a list"}.get(kind, str(kind))
    if kind == "array" and "enum" in schema.get("items", {}):
        words += " of " + ", ".join(schema["items"]["enum"])
    return words + (" " + " and ".join(bounds) if bounds and kind in ("integer", "number") else "")


def _describe(error: Any) -> InputError:
    path = list(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extras = [k for k in error.instance if k not in allowed]
        extra = extras[0] if extras else "?"
        return InputError(json_path(path + [extra]), "a known field (" + ", ".join(allowed) + ")", None,
                          tuple(difflib.get_close_matches(str(extra), allowed, n=2)))
    schema = error.schema
    got = error.instance
    suggestions: tuple[str, ...] = ()
    if error.validator == "enum" and isinstance(got, str):
        suggestions = tuple(difflib.get_close_matches(got, [str(v) for v in schema["enum"]], n=2))
    if error.validator in ("maxLength", "maxItems"):
        limit = schema.get(error.validator)
        unit = "characters" if error.validator == "maxLength" else "items"
        return InputError(json_path(path), f"at most {limit:,} {unit}", None)
    if isinstance(got, (dict, list)):
        got = type(got).__name__
    expected = _expected(schema)
    if got is None:  # JSON null: every field is optional, so unknown means absent
        expected += ", got null (leave the field out while it is unknown)"
    return InputError(json_path(path), expected, got, suggestions)


def _finite(obj: dict[str, Any]) -> None:
    """JSON allows NaN and Infinity through Python's parser; schemas do not catch them."""
    for key, value in obj.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(json_path([key]), "a finite number", value)


#: Terminal control characters (escape sequences, bell, backspace...); tab and line
#: breaks are text. Profile strings reach terminals and report titles.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _printable(obj: dict[str, Any]) -> None:
    for key, value in obj.items():
        if isinstance(value, str) and _CONTROL.search(value):
            raise InputError(json_path([key]), "text without control characters (escape sequences)",
                             _CONTROL.search(value).group())


def _resolve_model(name: str) -> str:
    """A catalog id for `name` (open-weight model or API offer), or InputError with the
    nearest names. Without a catalog module (partial install) the name is kept."""
    try:
        from tools.catalog.catalog import get_catalog
    except ModuleNotFoundError as exc:
        if exc.name == "tools.catalog.catalog":
            return name
        raise
    catalog = get_catalog()
    try:
        return catalog.model(name, field="$.model").id
    except InputError as model_error:
        try:
            return catalog.api_offer(name, field="$.model").id
        except InputError as offer_error:
            suggestions = tuple(dict.fromkeys(model_error.suggestions + offer_error.suggestions))[:4]
            raise InputError("$.model", "a model id from the catalog (see `ft-advisor catalog`)",
                             name, suggestions) from None


def validate_profile(obj: Any) -> dict[str, Any]:
    """Check `obj` against PROFILE_SCHEMA and the catalog; return a normalised copy
    (goals and `tried` without duplicates, the model as its catalog id).

    Raises InputError naming the first bad field by its JSON path."""
    if not isinstance(obj, dict):
        raise InputError("$", "a JSON object with profile fields (" + ", ".join(PROFILE_FIELDS) + ")",
                         type(obj).__name__ if isinstance(obj, (list, dict)) else obj)
    from jsonschema import Draft202012Validator  # deferred: only when a profile is checked

    errors = sorted(Draft202012Validator(PROFILE_SCHEMA).iter_errors(obj),
                    key=lambda e: (list(map(str, e.absolute_path)), e.validator != "enum"))
    if errors:
        raise _describe(errors[0])
    _finite(obj)
    _printable(obj)
    out = dict(obj)
    for key in ("goals", "tried"):
        if key in out:
            out[key] = list(dict.fromkeys(out[key]))
    # JSON numbers such as 5000.0 are valid integers; store them as ints.
    for key, spec in PROFILE_SCHEMA["properties"].items():
        if spec.get("type") == "integer" and key in out:
            out[key] = int(out[key])
    if "model" in out:
        out["model"] = _resolve_model(out["model"])
    return out


def parse_profile_json(text: str) -> dict[str, Any]:
    """A profile from JSON text: a bare profile or a saved consultation (its `profile`).

    Raises InputError for empty text, invalid JSON or an invalid profile."""
    if not text.strip():
        raise InputError("$", "a JSON object with profile fields (the input is empty)")
    obj = safe_json.loads(text, "$")  # bounded: size, depth, digits
    if isinstance(obj, dict) and isinstance(obj.get("profile"), dict) and (
            "schema_version" in obj or "messages" in obj):
        obj = obj["profile"]  # a saved consultation: decide on its profile
    return validate_profile(obj)
