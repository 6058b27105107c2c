"""What a fine-tuned model costs to keep: retraining as fast as its knowledge changes,
re-tuning when a better base model ships, and the engineers who monitor it. The
article: "Data drift is real", "your fine-tuned model is no longer in sync with base
model updates", "you now own the burden of monitoring, updating, and debugging forever"."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tools.catalog import defaults as d
from tools.catalog.catalog import get_catalog
from tools.contract import Tool, param, tool
from tools.estimators.api_finetune import DEFAULT_TOKENS_PER_EXAMPLE, estimate_api_finetune
from tools.estimators.training import estimate_training
from tools.result import Assumption, Estimate

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_EXAMPLES = 1_000
#: Base-model releases a year worth moving to (each means re-tuning and re-validating).
RELEASES_PER_YEAR = (1.0, 2.0, 3.0)
#: Share of one engineer watching evals, drift and incidents of a tuned model.
MONITORING_FTE = (0.1, 0.25, 0.5)
#: Engineer-hours per scheduled retrain: refresh data, run evals, compare, deploy.
HOURS_PER_RETRAIN = (8.0, 16.0, 40.0)
#: Engineer-hours to move to a new base model: re-tune, re-run the eval suite, fix regressions.
HOURS_PER_MIGRATION = (40.0, 80.0, 160.0)


@dataclass(kw_only=True)
class MaintenanceEstimate(Estimate):
    knowledge_changes: str
    retrains_per_year: float
    base_model_retunes_per_year: float
    retrain_cost_usd: float
    compute_monthly_usd: float
    retrain_engineering_monthly_usd: float
    migration_monthly_usd: float
    monitoring_monthly_usd: float
    monthly_cost_usd: float
    yearly_cost_usd: float


def retrain_cost(*, model: str, method: str, tokens: Any, examples: Any, tokens_per_example: Any,
                 epochs: Any, gpu: str | None, date: str | None) -> tuple[float, float, float, str, list[str]]:
    """(cost, low, high, source, warnings) of one training run: the provider's price for a
    hosted model, the training estimator for an open-weight one."""
    kind, entry = d.resolve_model(model)
    if tokens is None and examples is None:
        examples = DEFAULT_EXAMPLES
    if kind == "api":
        est = estimate_api_finetune(model=entry.id, tokens=tokens, examples=examples,
                                    tokens_per_example=tokens_per_example, epochs=epochs, date=date)
        warnings = list(est.warnings)
        if gpu is not None:
            get_catalog().gpu(gpu, field="gpu")  # a misspelt GPU is still an error
            warnings.append(f"--gpu ignored: {entry.id} is retrained by its provider at its training price")
        return est.cost_usd, est.low, est.high, f"estimate_api_finetune ({entry.id})", warnings
    source = f"estimate_training ({entry.id}, {method})"
    if tokens is None and tokens_per_example is None:
        # The training model needs a size per example; use the same default as the
        # hosted path so both price the same data.
        tokens_per_example = DEFAULT_TOKENS_PER_EXAMPLE
        source += f", default {DEFAULT_TOKENS_PER_EXAMPLE} tokens per example"
    kwargs = {k: v for k, v in dict(model=entry.id, method=method, tokens=tokens, examples=examples,
                                    tokens_per_example=tokens_per_example, epochs=epochs, gpu=gpu).items()
              if v is not None}
    est = estimate_training(**kwargs)
    return est.cost_usd, est.low, est.high, source, []


_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "knowledge_changes": {"type": "string", "enum": list(d.KNOWLEDGE_CHANGES),
                              "description": "how fast the knowledge the model must hold changes (default monthly)"},
        "retrain_cost_usd": {"type": "number", "minimum": 0, "maximum": 1e9,
                             "description": "cost of one training run; if omitted it is estimated from the model"},
        "model": param("model", 'the tuned model: hosted (gpt-4o-mini...) or open-weight (llama-3.1-8b...)', default='gpt-4o-mini'),
        "method": {"type": "string", "enum": ["lora", "qlora", "full"],
                   "description": "open-weight models: how each retrain tunes (default lora)"},
        "tokens": {"type": "number", "exclusiveMinimum": 0, "maximum": 1e13,
                   "description": "training tokens per epoch of each retrain"},
        "examples": param("examples", 'training examples per retrain (default 1,000)'),
        "tokens_per_example": param("tokens_per_example", 'average tokens per example (default 500)'),
        "epochs": param("epochs", 'epochs per retrain', maximum=100),
        "gpu": param("gpu", 'open-weight models: GPU for retraining (e.g. h100)'),
        "base_model_releases_per_year": {"type": "number", "minimum": 0, "maximum": 52,
                                         "description": "new base models you re-tune on per year (default 2)"},
        "monitoring_fte": {"type": "number", "minimum": 0, "maximum": 100,
                           "description": "engineers (full-time equivalents) monitoring the model (default 0.25)"},
        "engineer_month_usd": param("engineer_month_usd", 'fully loaded cost of one engineer-month (default $15,000)'),
        "date": param("date", 'ISO date, for hosted-provider availability (default today)'),
    },
}


@tool(
    name="estimate_maintenance",
    cli_name="maintenance",
    description=(
        "Monthly cost of keeping a fine-tuned model: retrains per year from how fast the knowledge changes "
        "(rarely 1, monthly 12, weekly 52, daily 365) x the cost of one training run (estimated from the "
        "model or given), re-tuning on new base-model releases (~2 a year), engineer hours per retrain and "
        "migration, and monitoring engineer time.\n"
        "Returns monthly_cost_usd, yearly_cost_usd, its parts and a low-high range."),
    schema=_SCHEMA,
)
def estimate_maintenance(*, knowledge_changes: str = "monthly", retrain_cost_usd: Any = None,
                         model: str = DEFAULT_MODEL, method: str = "lora", tokens: Any = None,
                         examples: Any = None, tokens_per_example: Any = None, epochs: Any = None,
                         gpu: str | None = None, base_model_releases_per_year: Any = None,
                         monitoring_fte: Any = None, engineer_month_usd: Any = None,
                         date: str | None = None) -> MaintenanceEstimate:
    """Monthly cost of keeping a fine-tuned model current and watched."""
    changes = knowledge_changes
    method = method
    retrains = float(d.RETRAINS_PER_YEAR[changes])
    assumptions = [Assumption("retrains per year", retrains,
                              f"default: for knowledge that changes {changes}; {d.ARTICLE}: 'Data drift is "
                              "real. Your fine-tuned model will decay fast'")]
    warnings: list[str] = []
    if retrain_cost_usd is not None:
        run = run_low = run_high = float(retrain_cost_usd)
        assumptions.append(Assumption("cost of one training run", run, "you (--retrain-cost-usd)"))
    else:
        run, run_low, run_high, source, run_warnings = retrain_cost(
            model=model, method=method, tokens=tokens, examples=examples,
            tokens_per_example=tokens_per_example, epochs=epochs, gpu=gpu, date=date)
        warnings += run_warnings
        if tokens is None and examples is None:
            assumptions.append(Assumption("examples per retrain", DEFAULT_EXAMPLES,
                                          "default: ~1,000 curated examples; give --examples or --tokens"))
        assumptions.append(Assumption("cost of one training run (full re-run on the refreshed set)", run, source))
    if base_model_releases_per_year is None:
        rel_low, releases, rel_high = RELEASES_PER_YEAR
        assumptions.append(Assumption("base-model releases re-tuned on per year", releases,
                                      f"default: major releases of a model family come ~2-3 times a year; "
                                      f"{d.ARTICLE}: 'If OpenAI releases a better GPT version, your "
                                      "fine-tuned version lags behind'"))
    else:
        rel_low = releases = rel_high = float(base_model_releases_per_year)
        assumptions.append(Assumption("base-model releases re-tuned on per year", releases,
                                      "you (--base-model-releases-per-year)"))
    if monitoring_fte is None:
        fte_low, fte, fte_high = MONITORING_FTE
        assumptions.append(Assumption("engineer time monitoring the tuned model (FTE)", fte,
                                      f"default: evals, drift and incident work, range 0.1-0.5; {d.ARTICLE}: "
                                      "'you now own the burden of monitoring, updating, and debugging forever'"))
    else:
        fte_low = fte = fte_high = float(monitoring_fte)
        assumptions.append(Assumption("engineer time monitoring the tuned model (FTE)", fte, "you (--monitoring-fte)"))
    h_low, h_retrain, h_high = HOURS_PER_RETRAIN
    m_low, h_migration, m_high = HOURS_PER_MIGRATION
    assumptions += [
        Assumption("engineer-hours per retrain", h_retrain,
                   "default: refresh data, run evals, compare, deploy; range 8-40"),
        Assumption("engineer-hours per base-model migration", h_migration,
                   "default: re-tune, re-run the eval suite, fix regressions; range 40-160"),
    ]
    eng, eng_low, eng_high, eng_assumption = d.engineer_assumption(engineer_month_usd)
    assumptions.append(eng_assumption)
    def monthly_parts(run_: float, rel: float, fte_: float, h_r: float, h_m: float, eng_: float):
        hourly_ = eng_ / d.HOURS_PER_MONTH
        return ((retrains + rel) * run_ / 12, retrains * h_r * hourly_ / 12, rel * h_m * hourly_ / 12,
                fte_ * eng_)

    compute, retrain_eng, migration, monitoring = monthly_parts(run, releases, fte, h_retrain, h_migration, eng)
    monthly = compute + retrain_eng + migration + monitoring
    low = sum(monthly_parts(run_low, rel_low, fte_low, h_low, m_low, eng_low))
    high = sum(monthly_parts(run_high, rel_high, fte_high, h_high, m_high, eng_high))
    if changes == "daily":
        warnings.append("knowledge that changes daily outpaces any retraining schedule: keep the facts in "
                        "retrieval (RAG) and tune, if at all, only for format or style")
    elif changes == "weekly":
        warnings.append(f"weekly changes mean {retrains:.0f} retrains a year; facts that move this fast "
                        "belong in retrieval (RAG)")
    return MaintenanceEstimate(
        knowledge_changes=changes, retrains_per_year=retrains, base_model_retunes_per_year=releases,
        retrain_cost_usd=run, compute_monthly_usd=compute, retrain_engineering_monthly_usd=retrain_eng,
        migration_monthly_usd=migration, monitoring_monthly_usd=monitoring, monthly_cost_usd=monthly,
        yearly_cost_usd=monthly * 12, low=low, high=high, assumptions=assumptions, warnings=warnings,
        headline="monthly_cost_usd")


TOOL: Tool = estimate_maintenance.tool  # type: ignore[attr-defined]
