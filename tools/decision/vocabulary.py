"""The consultation's one vocabulary: strategies, goals, techniques, ways of serving,
deployment constraints and the enums of the case profile, with the words a person
reads for each. Every module that names one of these (schema, rules, decision,
report, CLI, sidebar, offline interview, prompts) reads it from here, so a label or a
choice is changed in one place."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """An id with its labels: `label` in sentences, `title` in headings and tables,
    `short` where space is tight (sidebar, 80-column tables)."""

    id: str
    label: str
    title: str
    short: str


def _index(*terms: Term) -> dict[str, Term]:
    return {t.id: t for t in terms}


STRATEGY_TERMS = _index(
    Term("prompt_engineering", "better prompting", "Prompt engineering", "Prompting"),
    Term("rag", "RAG", "RAG (retrieval-augmented generation)", "RAG"),
    Term("lora", "a LoRA", "LoRA fine-tuning", "LoRA"),
    Term("full_fine_tune", "full fine-tuning", "Full fine-tuning", "Full FT"),
)
STRATEGIES = tuple(STRATEGY_TERMS)
FINE_TUNE_STRATEGIES = ("lora", "full_fine_tune")

GOAL_TERMS = _index(
    Term("accuracy", "fewer wrong answers", "Accuracy", "accuracy"),
    Term("hallucinations", "no made-up answers", "Hallucinations", "hallucinations"),
    Term("business_context", "understanding the business", "Business context", "business"),
    Term("reasoning", "better reasoning", "Reasoning", "reasoning"),
    Term("domain_knowledge", "knowledge public models lack", "Domain knowledge", "domain"),
    Term("output_format", "a strict output format", "Output format", "format"),
    Term("jargon", "specialised vocabulary", "Jargon", "jargon"),
    Term("style", "a tone or persona", "Style", "style"),
)
GOALS = tuple(GOAL_TERMS)
#: The goals the article calls myths: fine-tuning is the wrong tool for them.
MYTH_GOALS = ("accuracy", "hallucinations", "business_context", "reasoning")
#: The goals that can justify fine-tuning (the article's four scenarios).
JUSTIFYING_GOALS = ("domain_knowledge", "output_format", "jargon", "style")

DATA_QUALITY = ("low", "medium", "high")
KNOWLEDGE_CHANGES = ("rarely", "monthly", "weekly", "daily")
ML_TEAM = ("none", "some", "strong")

#: Where the model may run. Anything but "any" keeps data away from third-party APIs.
DEPLOYMENT_TERMS = _index(
    Term("any", "anywhere, third-party APIs included", "Any", "any"),
    Term("own_cloud", "in the client's own cloud account", "Own cloud", "own cloud"),
    Term("on_prem", "on the client's own servers", "On premises", "on-prem"),
    Term("on_device", "on the user's device", "On device", "on device"),
)
DEPLOYMENTS = tuple(DEPLOYMENT_TERMS)

#: How an option's model is served.
SERVING_TERMS = _index(
    Term("api", "the vendor's API", "Vendor API", "API"),
    Term("serverless", "an inference provider, billed per token", "Serverless", "serverless"),
    Term("dedicated", "rented GPUs", "Dedicated GPUs", "GPUs"),
    Term("on_device", "the user's device", "On device", "device"),
)
SERVINGS = tuple(SERVING_TERMS)

TECHNIQUE_TERMS = _index(
    Term("structured_outputs", "structured outputs (an enforced JSON Schema or grammar)", "Structured outputs",
         "schema"),
    Term("few_shot", "few-shot examples in the prompt", "Few-shot examples", "few-shot"),
    Term("retrieval", "retrieval of your documents", "Retrieval", "retrieval"),
    Term("tool_use", "tools (calculator, code, live lookups)", "Tool use", "tools"),
    Term("smaller_model", "a smaller model", "Smaller model", "smaller"),
    Term("distillation", "distillation into a small model from a large model's checked outputs", "Distillation",
         "distil"),
    Term("caching", "prompt caching", "Caching", "cache"),
    Term("batch_api", "the batch API", "Batch API", "batch"),
    Term("routing", "routing easy requests to a cheaper model", "Routing", "routing"),
)
TECHNIQUES = tuple(TECHNIQUE_TERMS)

#: What a client may say they already tried: the strategies, then the techniques.
TRIED = ("prompt_engineering", "rag", "lora", "full_fine_tune") + TECHNIQUES

#: The case profile's fields, as a person reads them.
FIELD_LABELS = {
    "use_case": "use case",
    "goals": "goals",
    "proprietary_data": "knowledge absent from public models",
    "labeled_examples": "labelled examples",
    "data_quality": "data quality",
    "knowledge_changes": "knowledge changes",
    "requests_per_month": "requests per month",
    "budget_usd": "budget",
    "ml_team": "ML team",
    "model": "model",
    "horizon_months": "horizon",
    "prompt_tokens": "prompt tokens",
    "output_tokens": "output tokens",
    "output_format_example": "output format example",
    "tried": "already tried",
    "deployment": "where the model may run",
    "current_failure_rate": "failure rate today",
    "target_failure_rate": "target failure rate",
    "engineer_month_usd": "engineer cost per month",
}


def strategy_label(strategy: str, form: str = "title") -> str:
    """A strategy id in words (`form`: label, title or short); unknown ids pass through."""
    term = STRATEGY_TERMS.get(strategy)
    return getattr(term, form) if term else str(strategy)


def technique_label(technique: str, form: str = "label") -> str:
    term = TECHNIQUE_TERMS.get(technique)
    return getattr(term, form) if term else str(technique)
