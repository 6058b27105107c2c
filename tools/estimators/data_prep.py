"""Cost of preparing fine-tuning data: labelling the examples you do not have yet,
re-labelling the bad ones you do, and the engineer-months of cleaning. The article:
"most businesses simply don't have enough labeled data", "Cleaning data takes months —
mislabeling can make your model worse than the base model"."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from tools.catalog import defaults as d
from tools.contract import Tool, param, tool
from tools.result import Assumption, Estimate

DEFAULT_EXAMPLES = 1_000
QUALITIES = ("low", "medium", "high")

#: USD per labelled example (low, mid, high) by who writes or checks it.
LABEL_COST = {
    "crowd": (0.05, 0.15, 0.40),
    "vendor": (0.80, 1.50, 3.00),
    "expert": (5.00, 10.00, 20.00),
}
LABEL_SOURCE = {
    "crowd": "default: crowd text labelling, 2026 vendor rates: single-label classification $0.05-0.15, "
             "NER $0.15-0.40 per item (pccvdi.com AI training data cost benchmarks 2026)",
    "vendor": "default: managed vendor writing/judging an instruction example, 2026 rates for multi-step "
              "reasoning judgments $0.80-3.00 per item (pccvdi.com AI training data cost benchmarks 2026)",
    "expert": "default: domain experts (medical, legal, code), 2026 rates for expert items $5-20 "
              "(pccvdi.com AI training data cost benchmarks 2026); ~$1+/label elsewhere (tianpan.co 2026)",
}
#: Engineer-months to clean, deduplicate and check 1,000 examples, by current quality.
CLEANING_MONTHS_PER_1K = {"high": 0.25, "medium": 1.0, "low": 3.0}
#: Share of the examples you already have that must be labelled again.
RELABEL_FRACTION = {"high": 0.0, "medium": 0.10, "low": 0.30}


@dataclass(kw_only=True)
class DataPrepEstimate(Estimate):
    examples: float
    labeled_examples: float
    data_quality: str
    labeling: str
    examples_to_label: float
    relabel_examples: float
    cost_per_label_usd: float
    labeling_usd: float
    cleaning_engineer_months: float
    cleaning_usd: float
    cost_usd: float


def cleaning_months(examples: float, data_quality: str) -> float:
    """Engineer-months of cleaning: a per-quality base for 1,000 examples, growing with the
    square root of the set size (tooling is reused; review effort still grows)."""
    return CLEANING_MONTHS_PER_1K[data_quality] * max(0.5, math.sqrt(examples / 1000))


_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "examples": param("examples", 'examples the training set needs (default 1,000, or what you have if more)'),
        "labeled_examples": {"type": "number", "minimum": 0, "maximum": 1e10,
                             "description": "labelled examples you already have (default 0)"},
        "data_quality": {"type": "string", "enum": list(QUALITIES),
                         "description": "quality of your existing data (default medium)"},
        "labeling": {"type": "string", "enum": list(LABEL_COST),
                     "description": "who labels: crowd, vendor (default) or domain expert"},
        "cost_per_label": {"type": "number", "minimum": 0, "maximum": 1e4,
                           "description": "override the USD cost per labelled example"},
        "engineer_month_usd": param("engineer_month_usd", 'fully loaded cost of one engineer-month (default $15,000)'),
    },
}


@tool(
    name="estimate_data_prep",
    cli_name="data",
    description=(
        "Cost of preparing a fine-tuning data set: examples still to label (target minus the labelled "
        "examples you have) x cost per label (crowd, vendor or expert rates), re-labelling a share of "
        "poor existing data, and engineer-months of cleaning by data quality.\n"
        "Returns cost_usd, examples_to_label, cleaning_engineer_months and a low-high range."),
    schema=_SCHEMA,
)
def estimate_data_prep(*, examples: Any = None, labeled_examples: Any = 0, data_quality: str = "medium",
                       labeling: str = "vendor", cost_per_label: Any = None,
                       engineer_month_usd: Any = None) -> DataPrepEstimate:
    """Labelling plus cleaning cost of a fine-tuning data set."""
    have = float(labeled_examples or 0)
    quality = data_quality
    who = labeling
    assumptions: list[Assumption] = [Assumption("labelled examples you have", have, "you (--labeled-examples)"),
                                     Assumption("data quality", quality, "you (--data-quality)")]
    warnings: list[str] = []
    if examples is None:
        target = max(float(DEFAULT_EXAMPLES), have)
        assumptions.append(Assumption("examples needed", target,
                                      "default: ~1,000 curated examples (LIMA, Zhou et al. 2023, tuned on "
                                      "1,000); OpenAI sees gains from 50-100 but more is usual"))
    else:
        target = float(examples)
        assumptions.append(Assumption("examples needed", target, "you (--examples)"))
    to_label = max(0.0, target - have)
    relabel = min(have, target) * RELABEL_FRACTION[quality]
    if cost_per_label is not None:
        low_label = mid_label = high_label = float(cost_per_label)
        assumptions.append(Assumption("cost per label", mid_label, "you (--cost-per-label)"))
    else:
        low_label, mid_label, high_label = LABEL_COST[who]
        assumptions.append(Assumption(f"cost per label ({who})", mid_label, LABEL_SOURCE[who]))
    assumptions.append(Assumption("share of your examples to re-label", RELABEL_FRACTION[quality],
                                  f"default: by data quality; {d.ARTICLE}: 'mislabeling can make your "
                                  "model worse than the base model'"))
    months = cleaning_months(target, quality)
    assumptions.append(Assumption(f"cleaning engineer-months per 1,000 examples ({quality} quality)",
                                  CLEANING_MONTHS_PER_1K[quality],
                                  f"default: grows with sqrt(examples / 1,000), range 0.5-2x; {d.ARTICLE}: "
                                  "'Cleaning data takes months'"))
    eng, eng_low, eng_high, eng_assumption = d.engineer_assumption(engineer_month_usd)
    assumptions.append(eng_assumption)
    labels = to_label + relabel
    labeling_usd = labels * mid_label
    cleaning_usd = months * eng
    cost = labeling_usd + cleaning_usd
    low = labels * low_label + months * 0.5 * eng_low
    high = labels * high_label + months * 2 * eng_high
    if target < 50:
        warnings.append(f"{target:,.0f} examples is below the ~50-100 where fine-tuning starts to show "
                        "gains; try few-shot prompting first")
    if have < target * 0.1 and to_label > 0:
        warnings.append(f"you have {have:,.0f} of {target:,.0f} labelled examples: {d.ARTICLE} 'most "
                        "businesses simply don't have enough labeled data to make fine-tuning worthwhile'")
    if quality == "low":
        warnings.append("low-quality data: cleaning takes months and mislabelled examples can make the "
                        "tuned model worse than the base model")
    return DataPrepEstimate(
        examples=target, labeled_examples=have, data_quality=quality, labeling=who,
        examples_to_label=to_label, relabel_examples=relabel, cost_per_label_usd=mid_label,
        labeling_usd=labeling_usd, cleaning_engineer_months=months, cleaning_usd=cleaning_usd,
        cost_usd=cost, low=low, high=high, assumptions=assumptions, warnings=warnings)


TOOL: Tool = estimate_data_prep.tool  # type: ignore[attr-defined]
