"""Total cost of ownership of the four paths for the same case, month by month:
prompt engineering, RAG, LoRA and full fine-tuning. Each path is a one-off set-up
(engineering, data, the first training run) plus a monthly cost (inference, retraining
and monitoring, or RAG upkeep); the cumulative series shows when, if ever, a path with a
higher set-up cost becomes the cheaper one. The article: "Before even considering it, try
RAG, better prompting, and lighter tuning methods like LoRA."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tools.catalog import defaults as d
from tools.catalog.catalog import get_catalog
from tools.errors import InputError
from tools.estimators.api_finetune import estimate_api_finetune
from tools.estimators.data_prep import estimate_data_prep
from tools.estimators.inference import estimate_inference
from tools.estimators.maintenance import RELEASES_PER_YEAR, estimate_maintenance
from tools.estimators.rag import estimate_rag
from tools.estimators.training import estimate_training
from tools.contract import MAX_TOKENS_PER_REQUEST, Tool, param, register, schema
from tools.result import Assumption, Estimate

STRATEGIES = ("prompt_engineering", "rag", "lora", "full_fine_tune")
#: The case-profile fields compare_strategies reads (the decision engine passes these).
PROFILE_FIELDS = ("model", "requests_per_month", "labeled_examples", "data_quality", "knowledge_changes",
                  "horizon_months", "budget_usd")

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_REQUESTS = 10_000
DEFAULT_HORIZON = 12
DEFAULT_EPOCHS = 3
DEFAULT_PROMPT_TOKENS = 500
DEFAULT_OUTPUT_TOKENS = 200
#: Few-shot examples and structured context a prompt-engineered request carries, which a
#: tuned model no longer needs.
PE_EXTRA_TOKENS = 500
#: Engineer-months (low, mid, high) to set each path up, beyond data and compute.
SETUP_MONTHS = {"prompt_engineering": (0.25, 0.5, 1.0), "lora": (0.5, 1.0, 2.0),
                "full_fine_tune": (1.0, 2.0, 4.0)}
#: Engineer time keeping prompts and their evals current.
PE_UPKEEP_FTE = (0.02, 0.05, 0.1)
#: Examples a training set needs by default (or what you have, if more).
TARGET_EXAMPLES = {"lora": 1_000, "full_fine_tune": 10_000}
#: Hosted models cannot be fully fine-tuned; the full path tunes an open model of the same
#: class and serves it on your own GPUs.
OPEN_EQUIVALENT = {"gpt-4o": "llama-3.1-70b", "gpt-4.1": "llama-3.1-70b", "gpt-4o-mini": "llama-3.1-8b",
                   "gpt-4.1-mini": "llama-3.1-8b", "gpt-4.1-nano": "llama-3.1-8b",
                   "gpt-3.5-turbo": "llama-3.1-8b"}


@dataclass(kw_only=True)
class CompareEstimate(Estimate):
    horizon_months: int
    model: str
    requests_per_month: float
    strategies: dict[str, dict[str, Any]]
    cheapest: str
    cheapest_total_usd: float
    break_even_month: int | None
    break_even: dict[str, Any]
    break_evens: list[dict[str, Any]] = field(default_factory=list)
    within_budget: list[str] | None = None


def _series(setup: float, monthly: float, horizon: int) -> list[float]:
    return [round(setup + monthly * m, 2) for m in range(1, horizon + 1)]


@dataclass
class _Path:
    """One strategy while it is being priced: parts in (mid, low, high)."""

    name: str
    serving: str
    setup: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    monthly: dict[str, tuple[float, float, float]] = field(default_factory=dict)

    def total(self, part: str, i: int) -> float:
        return sum(v[i] for v in getattr(self, part).values())

    def to_dict(self, horizon: int) -> dict[str, Any]:
        setup, monthly = self.total("setup", 0), self.total("monthly", 0)
        return {
            "setup_usd": setup,
            "monthly_usd": monthly,
            "monthly": _series(setup, monthly, horizon),
            "total_usd": setup + monthly * horizon,
            "low": self.total("setup", 1) + self.total("monthly", 1) * horizon,
            "high": self.total("setup", 2) + self.total("monthly", 2) * horizon,
            "serving": self.serving,
            "setup_parts": {k: v[0] for k, v in self.setup.items()},
            "monthly_parts": {k: v[0] for k, v in self.monthly.items()},
        }


def _mlh(est: Any, attr: str = "cost_usd") -> tuple[float, float, float]:
    return float(getattr(est, attr)), float(est.low), float(est.high)


@dataclass
class _Case:
    """The validated inputs of one comparison, with defaults filled in."""

    horizon: int
    requests: float
    prompt: float
    output: float
    have: float
    quality: str
    changes: str
    budget: float | None
    target: float | None
    on: str
    eng: tuple[float, float, float]
    kind: str
    entry: Any
    deployment: str
    tuned_open: str
    #: The model that answers on the untuned paths, and how it is served.
    serving: str
    gpu: str | None
    corpus_tokens: Any
    engineer_month_usd: Any
    assumptions: list[Assumption] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: (path, estimate) for every estimator call, whose assumptions and warnings are merged.
    collected: list[tuple[str, Any]] = field(default_factory=list)

    def people(self, months: tuple[float, float, float]) -> tuple[float, float, float]:
        eng, eng_low, eng_high = self.eng
        return months[1] * eng, months[0] * eng_low, months[2] * eng_high

    def infer(self, model_id: str, dep: str, extra_prompt: float, tuned: bool) -> Any:
        return estimate_inference(model=model_id, deployment=dep, requests_per_month=self.requests,
                                  prompt_tokens=self.prompt + extra_prompt, output_tokens=self.output,
                                  fine_tuned=tuned, gpu=self.gpu if dep == "dedicated" else None, date=self.on)


def _read_case(model: str | None, requests_per_month: Any, prompt_tokens: Any, output_tokens: Any,
               labeled_examples: Any, examples: Any, data_quality: str | None, knowledge_changes: str | None,
               horizon_months: Any, budget_usd: Any, deployment: str | None, open_model: str | None,
               gpu: str | None, corpus_tokens: Any, engineer_month_usd: Any, date: str | None) -> _Case:
    """Validate the arguments, fill in defaults, and pick the open model the self-hosted
    paths tune."""
    model = model or DEFAULT_MODEL
    horizon_value = d.number("horizon_months", horizon_months if horizon_months is not None else DEFAULT_HORIZON,
                             minimum=1, maximum=120)
    if not horizon_value.is_integer():
        raise InputError("horizon_months", "a whole number of months from 1 to 120", horizon_months)
    requests = (d.number("requests_per_month", requests_per_month, minimum=0, maximum=1e12)
                if requests_per_month is not None else float(DEFAULT_REQUESTS))
    prompt = (d.number("prompt_tokens", prompt_tokens, minimum=0, maximum=MAX_TOKENS_PER_REQUEST) if prompt_tokens is not None
              else float(DEFAULT_PROMPT_TOKENS))
    output = (d.number("output_tokens", output_tokens, minimum=0, maximum=MAX_TOKENS_PER_REQUEST) if output_tokens is not None
              else float(DEFAULT_OUTPUT_TOKENS))
    have = d.number("labeled_examples", labeled_examples or 0, minimum=0, maximum=1e10)
    quality = d.choice("data_quality", data_quality or "medium", ("low", "medium", "high"))
    changes = d.choice("knowledge_changes", knowledge_changes or "monthly", d.KNOWLEDGE_CHANGES)
    budget = d.optional_number("budget_usd", budget_usd, minimum=0, maximum=1e12)
    target = d.optional_number("examples", examples, above=0, maximum=1e10)
    on = d.parse_date(date).isoformat()
    eng, eng_low, eng_high, eng_assumption = d.engineer_assumption(engineer_month_usd)
    kind, entry = d.resolve_model(model)
    deployment = d.choice("deployment", deployment or ("api" if kind == "api" else "dedicated"),
                          ("api", "dedicated"))
    assumptions: list[Assumption] = []
    if kind == "open":
        tuned_open = entry.id
        if deployment == "api":
            raise InputError("deployment", "dedicated for an open-weight model (no hosted prices in the "
                                           "catalog)", "api")
        if open_model is not None:
            raise InputError("open_model", "no value when model is already open-weight", open_model)
    else:
        if open_model:
            open_kind, open_entry = d.resolve_model(open_model, "open_model")
            if open_kind != "open":
                raise InputError("open_model", "an open-weight model id such as llama-3.1-70b", open_model)
            tuned_open = open_entry.id
        else:
            tuned_open = OPEN_EQUIVALENT.get(entry.id, "llama-3.1-8b")
        assumptions.append(Assumption("open-weight model for self-hosted tuning", tuned_open,
                                      "you (--open-model)" if open_model else
                                      f"default: same size class as {entry.id}; hosted models cannot be fully "
                                      "fine-tuned, so that path tunes and serves an open model"))
    # Which model answers requests on the untuned paths: the hosted one through its API,
    # else an open model on your GPUs (a hosted model asked to run "dedicated" means its
    # open equivalent).
    serving = tuned_open if kind == "api" and deployment == "dedicated" else entry.id
    assumptions += [
        Assumption("horizon (months)", int(horizon_value), "you (--horizon-months)" if horizon_months is not None
                   else "default: one year"),
        Assumption("requests per month", requests, "you (--requests-per-month)" if requests_per_month is not None
                   else "default: a small production app"),
        Assumption("prompt / output tokens per request", f"{prompt:,.0f} / {output:,.0f}",
                   "you" if prompt_tokens is not None or output_tokens is not None else
                   "default: a short question with context and a paragraph answer"),
        Assumption("extra prompt tokens for prompt engineering", PE_EXTRA_TOKENS,
                   "default: few-shot examples and structured context a tuned model no longer needs; "
                   f"{d.ARTICLE}: 'Just feed it structured context in your prompts'"),
        Assumption("training tokens per example", prompt + output, "default: one request plus its answer"),
        Assumption("epochs", DEFAULT_EPOCHS, "default: 3, the usual starting point for supervised fine-tuning"),
        eng_assumption,
    ]
    case = _Case(int(horizon_value), requests, prompt, output, have, quality, changes, budget, target, on,
                 (eng, eng_low, eng_high), kind, entry, deployment, tuned_open, serving, gpu, corpus_tokens,
                 engineer_month_usd, assumptions)
    if kind == "api" and entry.retires_date and entry.retires_date.isoformat() <= on:
        case.warnings.append(f"{entry.id} was retired on {entry.retires_date.isoformat()}: its API no longer "
                             "answers; pick a current model")
    return case


def _prompting(case: _Case) -> _Path:
    path = _Path("prompt_engineering", f"{case.serving} ({case.deployment})")
    inference = case.infer(case.serving, case.deployment, PE_EXTRA_TOKENS, False)
    case.collected.append((path.name, inference))
    path.setup["engineering"] = case.people(SETUP_MONTHS["prompt_engineering"])
    path.monthly["inference"] = _mlh(inference, "monthly_cost_usd")
    path.monthly["prompt_upkeep"] = case.people(PE_UPKEEP_FTE)
    case.assumptions += [
        Assumption("prompt engineering set-up (engineer-months)", SETUP_MONTHS["prompt_engineering"][1],
                   "default: structured prompt, few-shot set and an eval set; range 0.25-1"),
        Assumption("prompt upkeep (FTE)", PE_UPKEEP_FTE[1], "default: keeping prompts and evals current; "
                   "range 0.02-0.1")]
    return path


def _rag(case: _Case) -> _Path:
    path = _Path("rag", f"{case.serving} ({case.deployment})")
    retrieval = estimate_rag(model=case.serving, deployment=case.deployment, requests_per_month=case.requests,
                             prompt_tokens=case.prompt, output_tokens=case.output, knowledge_changes=case.changes,
                             corpus_tokens=case.corpus_tokens, engineer_month_usd=case.engineer_month_usd,
                             gpu=case.gpu if case.deployment == "dedicated" else None)
    inference = case.infer(case.serving, case.deployment, 0, False)
    case.collected += [(path.name, retrieval), (path.name, inference)]
    path.setup["engineering_and_embedding"] = (retrieval.setup_usd, retrieval.setup_low_usd, retrieval.setup_high_usd)
    path.monthly["inference"] = _mlh(inference, "monthly_cost_usd")
    path.monthly["retrieval"] = _mlh(retrieval, "monthly_cost_usd")
    return path


def _tuning(case: _Case, name: str) -> _Path:
    """A LoRA ("lora") or full fine-tune: engineering, data, the first run, serving and
    upkeep. A LoRA of a hosted model uses its provider while it accepts jobs."""
    entry = case.entry
    hosted = name == "lora" and case.kind == "api" and case.deployment == "api"
    if hosted and not get_catalog().availability(entry.provider, d.parse_date(case.on)).accepts_new_jobs:
        hosted = False
        case.warnings.append(f"lora: {entry.provider} accepts no new fine-tuning jobs on {case.on}, so this path "
                             f"tunes {case.tuned_open} with LoRA on your own GPUs instead")
    tuned_model = entry.id if hosted else case.tuned_open
    path = _Path(name, f"fine-tuned {tuned_model} ({'api' if hosted else 'dedicated'})")
    n_examples = case.target if case.target is not None else max(float(TARGET_EXAMPLES[name]), case.have)
    tokens_per_example = case.prompt + case.output
    data = estimate_data_prep(examples=n_examples, labeled_examples=case.have, data_quality=case.quality,
                              engineer_month_usd=case.engineer_month_usd)
    if hosted:
        train = estimate_api_finetune(model=entry.id, examples=n_examples, tokens_per_example=tokens_per_example,
                                      epochs=DEFAULT_EPOCHS, date=case.on)
    else:
        kwargs = dict(model=case.tuned_open, method="lora" if name == "lora" else "full",
                      examples=int(round(n_examples)), tokens_per_example=tokens_per_example, epochs=DEFAULT_EPOCHS)
        if case.gpu is not None:
            kwargs["gpu"] = case.gpu
        train = estimate_training(**kwargs)
    inference = case.infer(tuned_model, "api" if hosted else "dedicated", 0, True)
    upkeep = estimate_maintenance(knowledge_changes=case.changes, retrain_cost_usd=train.cost_usd,
                                  engineer_month_usd=case.engineer_month_usd)
    case.collected += [(name, data), (name, train), (name, inference), (name, upkeep)]
    path.setup["engineering"] = case.people(SETUP_MONTHS[name])
    path.setup["data_preparation"] = _mlh(data)
    path.setup["first_training_run"] = _mlh(train)
    path.monthly["inference"] = _mlh(inference, "monthly_cost_usd")
    # Retraining cost scales with the run's own range; the rest of maintenance is people.
    rel_low, _, rel_high = RELEASES_PER_YEAR
    m_low = upkeep.low - (upkeep.retrains_per_year + rel_low) * (train.cost_usd - train.low) / 12
    m_high = upkeep.high + (upkeep.retrains_per_year + rel_high) * (train.high - train.cost_usd) / 12
    path.monthly["maintenance"] = (upkeep.monthly_cost_usd, max(0.0, m_low), m_high)
    case.assumptions.append(Assumption(f"{name} set-up (engineer-months)", SETUP_MONTHS[name][1],
                                       "default: training pipeline, evals, deployment; range "
                                       f"{SETUP_MONTHS[name][0]:g}-{SETUP_MONTHS[name][2]:g}"))
    case.assumptions.append(Assumption(f"{name} training examples", n_examples,
                                       "you (--examples)" if case.target is not None else
                                       f"default: {TARGET_EXAMPLES[name]:,} (or the labelled examples you have, "
                                       "if more)"))
    return path


def _break_evens(strategies: dict[str, dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every pair's break-even month, and the main one: the cheaper fine-tune against the
    cheaper alternative."""
    pairs = []
    for a in STRATEGIES:
        for b in STRATEGIES:
            sa, sb = strategies[a], strategies[b]
            if sa["setup_usd"] > sb["setup_usd"]:
                pairs.append({"strategy": a, "versus": b,
                              "month": d.first_month_at_or_below(sa["monthly"], sb["monthly"])})
    ft_path = min(("lora", "full_fine_tune"), key=lambda s: strategies[s]["total_usd"])
    alternative = min(("prompt_engineering", "rag"), key=lambda s: strategies[s]["total_usd"])
    month = d.first_month_at_or_below(strategies[ft_path]["monthly"], strategies[alternative]["monthly"])
    main = {"strategy": ft_path, "versus": alternative, "month": month,
            "definition": "first month (1-based) in which the cumulative cost of the cheaper fine-tuning path is at "
                          "or below that of the cheaper alternative; null if not within the horizon"}
    return pairs, main


def _within_budget(case: _Case, strategies: dict[str, dict[str, Any]]) -> list[str] | None:
    if case.budget is None:
        return None
    within = [s for s in STRATEGIES if strategies[s]["total_usd"] <= case.budget]
    for s in STRATEGIES:
        if s not in within:
            case.warnings.append(f"{s} costs {strategies[s]['total_usd']:,.0f} USD over {case.horizon} months, "
                                 f"above the budget of {case.budget:,.0f} USD")
    return within


def _merge_parts(case: _Case) -> None:
    """Every assumption the parts used, once; and their warnings, once each."""
    seen = {(a.name, str(a.value)) for a in case.assumptions}
    said: set[str] = set()
    # A name that carries different values in different parts (LoRA's MFU beside full
    # fine-tuning's) is labelled with the part each value belongs to.
    values: dict[str, set[str]] = {}
    for a in case.assumptions + [a for _, est in case.collected for a in est.assumptions]:
        values.setdefault(a.name, set()).add(str(a.value))
    for label, est in case.collected:
        for a in est.assumptions:
            key = (a.name, str(a.value))
            if key not in seen and not a.source.startswith("you"):
                seen.add(key)
                if len(values[a.name]) > 1:
                    a = Assumption(f"{a.name} ({label})", a.value, a.source)
                case.assumptions.append(a)
        for w in est.warnings:
            if w not in said:  # the same provider or model warning from two parts: once
                said.add(w)
                case.warnings.append(f"{label}: {w}")


def compare_strategies(*, model: str | None = None, requests_per_month: Any = None,
                       prompt_tokens: Any = None, output_tokens: Any = None, labeled_examples: Any = None,
                       examples: Any = None, data_quality: str | None = None,
                       knowledge_changes: str | None = None, horizon_months: Any = None,
                       budget_usd: Any = None, deployment: str | None = None, open_model: str | None = None,
                       gpu: str | None = None, corpus_tokens: Any = None, engineer_month_usd: Any = None,
                       date: str | None = None) -> CompareEstimate:
    """Month-by-month cumulative cost of prompt engineering, RAG, LoRA and full
    fine-tuning for one case. Every argument may be None (a profile fills up slowly)."""
    case = _read_case(model, requests_per_month, prompt_tokens, output_tokens, labeled_examples, examples,
                      data_quality, knowledge_changes, horizon_months, budget_usd, deployment, open_model, gpu,
                      corpus_tokens, engineer_month_usd, date)
    paths = {"prompt_engineering": _prompting(case), "rag": _rag(case)}
    for name in ("lora", "full_fine_tune"):
        paths[name] = _tuning(case, name)
    strategies = {name: paths[name].to_dict(case.horizon) for name in STRATEGIES}
    break_evens, break_even = _break_evens(strategies)
    cheapest = min(STRATEGIES, key=lambda s: strategies[s]["total_usd"])
    within = _within_budget(case, strategies)
    _merge_parts(case)
    best = strategies[cheapest]
    return CompareEstimate(
        horizon_months=case.horizon, model=case.entry.id, requests_per_month=case.requests, strategies=strategies,
        cheapest=cheapest, cheapest_total_usd=best["total_usd"], break_even_month=break_even["month"],
        break_even=break_even, break_evens=break_evens, within_budget=within,
        low=best["low"], high=best["high"], assumptions=case.assumptions, warnings=case.warnings,
        headline="cheapest_total_usd")


_SCHEMA: dict[str, Any] = schema(
    model=param("model", "the model the case uses: hosted (gpt-4o-mini, gpt-4o, gpt-4.1...) or open-weight "
                         "(llama-3.1-8b...) (default gpt-4o-mini)"),
    requests_per_month=param("requests_per_month", "requests per month (default 10k)"),
    prompt_tokens=param("prompt_tokens", "prompt tokens per request without few-shot or retrieved context "
                                         "(default 500)"),
    output_tokens=param("output_tokens", "output tokens per request (default 200)"),
    labeled_examples={"type": "number", "minimum": 0, "maximum": 1e10,
                      "description": "labelled examples the team already has (default 0)"},
    examples=param("examples", "training set size for both tuning paths (default 1,000 for LoRA, 10,000 for full)"),
    data_quality={"type": "string", "enum": ["low", "medium", "high"],
                  "description": "quality of the existing data (default medium)"},
    knowledge_changes={"type": "string", "enum": list(d.KNOWLEDGE_CHANGES),
                       "description": "how fast the domain knowledge changes (default monthly)"},
    horizon_months={"type": "integer", "minimum": 1, "maximum": 120, "description": "months to compare over (default 12)"},
    budget_usd={"type": "number", "minimum": 0, "maximum": 1e12,
                "description": "budget over the horizon; strategies above it are flagged"},
    deployment={"type": "string", "enum": ["api", "dedicated"],
                "description": "serve through the hosted API or on your own GPUs (default api for hosted models)"},
    open_model=param("model", "open-weight model for the self-hosted tuning path when model is hosted "
                              "(default: same size class)"),
    gpu=param("gpu", "GPU for training and dedicated serving (e.g. h100)"),
    corpus_tokens={"type": "number", "exclusiveMinimum": 0, "maximum": 1e14,
                   "description": "RAG knowledge-base size in tokens (default 10M)"},
    engineer_month_usd=param("engineer_month_usd", "fully loaded cost of one engineer-month (default $15,000)"),
    date=param("date", "ISO date for provider availability (default today)"),
)

TOOL = register(Tool(
    name="estimate_compare",
    cli_name="compare",
    description=(
        "Total cost of ownership over a horizon for the same case under four strategies: "
        "prompt_engineering, rag, lora and full_fine_tune. Set-up (engineering, data preparation, first "
        "training run) plus monthly costs (inference, retraining/monitoring, RAG upkeep), month by month.\n"
        "Returns strategies {name: {setup_usd, monthly_usd, monthly: cumulative USD per month, total_usd, "
        "low, high}}, cheapest, break_even_month (first month the cheaper fine-tuning path is cumulatively "
        "no dearer than the cheaper alternative, null if never within the horizon) and all pairs in "
        "break_evens. Use it whenever the user asks whether fine-tuning pays off."),
    schema=_SCHEMA,
    func=compare_strategies,
))
