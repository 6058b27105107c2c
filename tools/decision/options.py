"""Concrete options for one case: a strategy, a model, a way of serving it and
techniques, each priced over the horizon with the estimators.

An option is what a consultant would actually propose ("prompt gpt-5.4-mini through
the API with structured outputs"), not only a strategy name. The set is built from the
user's model, the cheaper models of the same vendor, open-weight models of the same
class (served per token by an inference provider or on rented GPUs), and, when the
model may only run on the user's device, small models that fit there.

Pricing is split in two so that the decision can re-price hundreds of what-if cases
quickly (tipping points, robustness): the estimator calls are cached on their
arguments, and the assumptions varied by robustness (`Knobs`) are applied as
multipliers on the parts they move."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from tools.catalog import defaults as d
from tools.catalog import catalog as _catalog_module
from tools.errors import InputError
from tools.estimators.api_finetune import estimate_api_finetune
from tools.estimators.data_prep import LABEL_COST, estimate_data_prep
from tools.estimators.inference import DEFAULT_UTILISATION, estimate_inference
from tools.estimators.maintenance import estimate_maintenance
from tools.estimators.rag import estimate_rag
from tools.estimators.training import estimate_training
from tools.decision.vocabulary import FINE_TUNE_STRATEGIES, SERVING_TERMS, strategy_label, technique_label

_CURRENT: list[Any] = []


def _cat() -> Any:
    """The catalog for the pricing under way: looked up once per build_options (the
    lookup stats the config file, ~10 µs, and pricing asks thousands of times)."""
    return _CURRENT[0] if _CURRENT else _catalog_module.get_catalog()


DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_REQUESTS = 10_000
DEFAULT_PROMPT_TOKENS = 500
DEFAULT_OUTPUT_TOKENS = 200
DEFAULT_HORIZON = 12
EPOCHS = 3
#: Few-shot examples, style guide and structured context a prompted request carries and a
#: tuned model no longer needs (tokens).
PROMPT_EXTRA_TOKENS = 500
#: Retrieved context per request (three chunks of 500 tokens, as tools.estimators.rag).
RAG_CONTEXT_TOKENS = 1_500
#: Engineer-months (low, mid, high) to set a path up, beyond data and compute.
SETUP_MONTHS = {"prompt_engineering": (0.25, 0.5, 1.0), "lora": (0.5, 1.0, 2.0), "full_fine_tune": (1.0, 2.0, 4.0)}
#: Extra engineer-months per technique or serving choice (low, mid, high).
EXTRA_MONTHS = {
    "structured_outputs": (0.02, 0.05, 0.1),  # write the schema, turn enforcement on
    "tool_use": (0.1, 0.25, 0.5),             # wire a calculator / code runner / live lookup
    "smaller_model": (0.1, 0.25, 0.5),        # the eval run that gates the switch
    "self_hosting": (0.25, 0.5, 1.0),         # a serving stack on your own GPUs
    "on_device": (0.5, 1.0, 2.0),             # shipping a quantised model in the app
    "migration": (0.25, 0.5, 1.0),            # eval set + prompt port to a successor model
}
#: Engineer time keeping prompts, evals (and a self-hosted stack) current, as FTE.
UPKEEP_FTE = {"prompt": (0.02, 0.05, 0.1), "self_hosting": (0.02, 0.05, 0.1)}
#: Training examples each fine-tune uses by default: what it needs, not all you have.
EXAMPLES_NEEDED = {"lora": 1_000, "full_fine_tune": 20_000, "distillation": 2_000}
#: Memory a phone or laptop leaves a model, GB (int4 weights + runtime).
DEVICE_MEMORY_GB = 4.0
DEVICE_MODELS = ("llama-3.2-1b", "llama-3.2-3b", "phi-3-mini")
SMALL_OPEN = "llama-3.1-8b"
SERVINGS_SELF_HOSTED = ("dedicated", "on_device")
#: Days in an average month, to turn a retirement date into months of service.
DAYS_PER_MONTH = 30.44


@dataclass(frozen=True)
class Knobs:
    """Multipliers on the assumptions robustness and sensitivity vary (1.0 = default)."""

    gpu_price: float = 1.0
    utilisation: float = 1.0   # >1: busier replicas, fewer GPUs (cost / knob)
    label_cost: float = 1.0
    engineer: float = 1.0
    retrains: float = 1.0
    prompt_extra: float = 1.0  # few-shot examples and style guide carried by every prompted request


def knob_ranges() -> dict[str, tuple[float, float, str]]:
    """(low, high, what) per knob, from the documented ranges of each default."""
    gpu = _cat().gpu("h100")
    low_l, mid_l, high_l = LABEL_COST["vendor"]
    return {
        "gpu_price": (gpu.price_low / gpu.price_mid, gpu.price_high / gpu.price_mid,
                      f"GPU price per hour (${gpu.price_low:g}-{gpu.price_high:g} for an H100)"),
        "utilisation": (0.3 / DEFAULT_UTILISATION, 0.7 / DEFAULT_UTILISATION,
                        "utilisation of rented GPUs (30-70%)"),
        "label_cost": (low_l / mid_l, high_l / mid_l, f"labelling cost (${low_l:g}-{high_l:g} per example)"),
        "engineer": (d.ENGINEER_MONTH_LOW / d.ENGINEER_MONTH_USD, d.ENGINEER_MONTH_HIGH / d.ENGINEER_MONTH_USD,
                     f"engineer cost (${d.ENGINEER_MONTH_LOW:,.0f}-{d.ENGINEER_MONTH_HIGH:,.0f} a month)"),
        "retrains": (0.5, 2.0, "retrains a year (half to twice the default for how fast facts change)"),
        "prompt_extra": (0.5, 2.0, f"examples and context a prompt carries ({PROMPT_EXTRA_TOKENS // 2:,}-"
                                   f"{PROMPT_EXTRA_TOKENS * 2:,} tokens)"),
    }


@dataclass(frozen=True)
class Case:
    """The profile facts pricing reads, with defaults filled in."""

    model: str
    requests: float
    prompt: float
    output: float
    horizon: int
    labeled: float
    quality: str
    changes: str
    engineer: float | None
    goals: tuple[str, ...]
    tried: tuple[str, ...]
    deployment: str
    budget: float | None
    today: date
    #: False when the model is the default: a client who named no model has none to migrate.
    model_given: bool = True

    @staticmethod
    def from_profile(profile: dict[str, Any], today: date) -> "Case":
        horizon = int(profile.get("horizon_months", DEFAULT_HORIZON))
        return Case(
            model=profile.get("model") or default_model(today, horizon),
            requests=float(profile.get("requests_per_month", DEFAULT_REQUESTS)),
            prompt=float(profile.get("prompt_tokens", DEFAULT_PROMPT_TOKENS)),
            output=float(profile.get("output_tokens", DEFAULT_OUTPUT_TOKENS)),
            horizon=int(profile.get("horizon_months", DEFAULT_HORIZON)),
            labeled=float(profile.get("labeled_examples", 0)),
            quality=profile.get("data_quality", "medium"),
            changes=profile.get("knowledge_changes", "monthly"),
            engineer=engineer_rate(profile),
            goals=tuple(profile.get("goals", ())),
            tried=tuple(profile.get("tried", ())),
            deployment=profile.get("deployment", "any"),
            budget=profile.get("budget_usd"),
            today=today,
            model_given=bool(profile.get("model")),
        )


def default_model(today: date, horizon: int) -> str:
    """The model assumed when the client names none: the default, or its successor when
    the default retires within the horizon."""
    model = DEFAULT_MODEL
    for _ in range(5):  # a successor chain, bounded
        try:
            when, successor = _retires(model, "api"), _cat().successor(model)
        except InputError:  # a bad config file: the caller prices nothing and says why
            return model
        if when is None or months_until(today, when) >= horizon or not successor:
            break
        model = successor
    return model


def own_time(profile: dict[str, Any]) -> bool:
    """No ML team, no rate given and a budget below one hired engineer-month: the work
    is the client's own time, which their cash budget does not pay for."""
    budget = profile.get("budget_usd")
    return ("engineer_month_usd" not in profile and profile.get("ml_team") == "none"
            and budget is not None and budget < d.ENGINEER_MONTH_USD)


def engineer_rate(profile: dict[str, Any]) -> float | None:
    """The engineer-month price: the client's own, 0 for their own time, else the default
    range (None)."""
    if own_time(profile):
        return 0.0
    return profile.get("engineer_month_usd")




def _add(*parts: Triple) -> Triple:
    a = b = c = 0.0
    for x, y, z in parts:
        a += x
        b += y
        c += z
    return (a, b, c)


def _scale(t: Triple, k: float) -> Triple:
    return (t[0] * k, t[1] * k, t[2] * k)


Triple = tuple[float, float, float]  # (mid, low, high)


@dataclass
class Option:
    id: str
    strategy: str
    model: str
    serving: str
    techniques: list[str]
    setup_usd: float
    monthly_usd: float
    total_usd: float
    low: float
    high: float
    within_budget: bool | None
    meets_constraints: bool
    notes: list[str] = field(default_factory=list)
    #: Why the option does not meet the constraints, most decisive first (empty if it does).
    excluded_because: list[str] = field(default_factory=list)
    #: Training examples the option uses (fine-tunes), the teacher model (distillation),
    #: the model it moves to when its own retires, and its monthly cost by part.
    examples_used: int | None = None
    teacher: str | None = None
    successor: str | None = None
    retires: str | None = None
    #: (mid, low, high) USD by part.
    setup_parts: dict[str, Triple] = field(default_factory=dict)
    monthly_parts: dict[str, Triple] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in ("id", "strategy", "model", "serving", "techniques", "setup_usd",
                                              "monthly_usd", "total_usd", "low", "high", "within_budget",
                                              "meets_constraints", "notes", "excluded_because", "examples_used", "teacher",
                                              "successor", "retires")}
        for key in ("setup_usd", "monthly_usd", "total_usd", "low", "high"):
            out[key] = round(out[key], 2)
        out["label"] = describe(self)
        out["setup_parts"] = {k: round(v[0], 2) for k, v in self.setup_parts.items()}
        out["monthly_parts"] = {k: round(v[0], 2) for k, v in self.monthly_parts.items()}
        return out


def describe(option: Option | dict[str, Any], short: bool = False) -> str:
    """An option in words: 'prompting gpt-5.4-mini through the vendor's API, with structured outputs'."""
    get = option.get if isinstance(option, dict) else lambda k, default=None: getattr(option, k, default)
    strategy, model, serving = get("strategy"), get("model"), get("serving")
    techniques = [t for t in (get("techniques") or []) if t not in ("smaller_model",)]
    words = {"prompt_engineering": "prompting", "rag": "RAG on", "lora": "a LoRA on",
             "full_fine_tune": "full fine-tuning of"}[strategy]
    if "distillation" in techniques:
        words = "distilling into"
        techniques = [t for t in techniques if t != "distillation"]
    text = f"{words} {model}"
    if short:
        return text + f" ({SERVING_TERMS[serving].short})"
    text += f" on {SERVING_TERMS[serving].label}"
    extra = [technique_label(t) for t in techniques if t != "retrieval"]
    if extra:
        text += ", with " + " and ".join(extra)
    return text


# --- cached estimator calls ------------------------------------------------------------

#: The volume at which a replica's cost and capacity are read from the inference estimator.
REFERENCE_REQUESTS = 1_000_000.0


@lru_cache(maxsize=1024)
def _replica(model: str, prompt: float, output: float) -> tuple[Triple, float]:
    """One serving replica's monthly cost (mid, low, high) and the requests a month it
    carries at the target utilisation, from tools.estimators.inference."""
    est = estimate_inference(model=model, deployment="dedicated", requests_per_month=REFERENCE_REQUESTS,
                             prompt_tokens=prompt, output_tokens=output, fine_tuned=False)
    replicas = est.replicas or 1
    busy_hours = est.busy_fraction * replicas * est.hours_per_month
    capacity = REFERENCE_REQUESTS * est.hours_per_month * est.utilisation / busy_hours if busy_hours else math.inf
    return (est.monthly_cost_usd / replicas, est.low / replicas, est.high / replicas), capacity


def _dedicated(model: str, requests: float, prompt: float, output: float) -> Triple:
    """Monthly cost of always-on replicas for the load: whole replicas, at least one,
    so the cost never falls as the load grows (the estimator's own rounding)."""
    per_replica, capacity = _replica(model, prompt, output)
    replicas = max(1, math.ceil(requests / capacity - 1e-12)) if capacity != math.inf else 1
    return _scale(per_replica, replicas)


@lru_cache(maxsize=1024)
def _training(model: str, method: str, examples: int, tokens: float) -> Triple:
    est = estimate_training(model=model, method="full" if method == "full_fine_tune" else "lora",
                            examples=examples, tokens_per_example=tokens, epochs=EPOCHS)
    return (est.cost_usd, est.low, est.high)


@lru_cache(maxsize=1024)
def _api_training(model: str, examples: int, tokens: float, on: str) -> Triple:
    est = estimate_api_finetune(model=model, examples=examples, tokens_per_example=tokens, epochs=EPOCHS, date=on)
    return (est.cost_usd, est.low, est.high)


@lru_cache(maxsize=1024)
def _data(examples: int, have: float, quality: str, engineer: float | None) -> tuple[Triple, float]:
    est = estimate_data_prep(examples=examples, labeled_examples=min(have, examples), data_quality=quality,
                             engineer_month_usd=engineer)
    return (est.cost_usd, est.low, est.high), est.labeling_usd


@lru_cache(maxsize=256)
def _upkeep(changes: str, run_usd: float, engineer: float | None) -> dict[str, float]:
    est = estimate_maintenance(knowledge_changes=changes, retrain_cost_usd=run_usd, engineer_month_usd=engineer)
    return {"compute": est.compute_monthly_usd, "retrain_people": est.retrain_engineering_monthly_usd,
            "people": est.migration_monthly_usd + est.monitoring_monthly_usd,
            "low_ratio": est.low / est.monthly_cost_usd if est.monthly_cost_usd else 1.0,
            "high_ratio": est.high / est.monthly_cost_usd if est.monthly_cost_usd else 1.0}


@lru_cache(maxsize=64)
def _rag_fixed(changes: str, engineer: float | None) -> tuple[Triple, Triple]:
    """RAG's set-up and its monthly cost without the context tokens (priced per serving)."""
    est = estimate_rag(model="gpt-4o-mini", deployment="api", requests_per_month=1, knowledge_changes=changes,
                       engineer_month_usd=engineer)
    monthly = est.monthly_cost_usd - est.context_monthly_usd
    ratio_low, ratio_high = est.low / est.monthly_cost_usd, est.high / est.monthly_cost_usd
    return ((est.setup_usd, est.setup_low_usd, est.setup_high_usd),
            (monthly, monthly * ratio_low, monthly * ratio_high))


# --- the option space --------------------------------------------------------------------

@dataclass(frozen=True)
class Spec:
    strategy: str
    model: str
    serving: str
    techniques: tuple[str, ...]
    teacher: str | None = None


def _goal_techniques(case: Case, strategy: str) -> list[str]:
    out: list[str] = []
    if "output_format" in case.goals:
        out.append("structured_outputs")
    if strategy == "prompt_engineering" and {"style", "jargon"} & set(case.goals):
        out.append("few_shot")
    if strategy == "rag":
        out.append("retrieval")
    if "reasoning" in case.goals or case.changes == "daily":
        out.append("tool_use")  # calculations, code and live lookups, not more weights
    return out


def _is_hosted(model: str) -> bool:
    cat = _cat()
    return model in cat.api_specs or cat.vendor_model(model) is not None


def _open_class(case: Case) -> str:
    """The open-weight model of the user's class (theirs if open)."""
    if not _is_hosted(case.model):
        return case.model
    return _cat().open_equivalent(case.model) or SMALL_OPEN


def _smaller_vendor(case: Case) -> list[str]:
    """The vendor's current models cheaper than the user's (by blended price)."""
    cat = _cat()
    if not _is_hosted(case.model):
        return []
    mine = _price_pair(case.model, case)
    if mine is None:
        return []
    vendor = cat.vendor_model(case.model)
    provider = vendor.provider if vendor is not None else cat.api_offer(case.model).provider
    out = []
    for offer in cat.vendor_models(provider):
        blended = offer.input_per_1m * case.prompt + offer.output_per_1m * case.output
        if offer.id not in (case.model, current_model(case)) and blended < mine[0] * case.prompt + mine[1] * case.output:
            out.append(offer.id)
    return out


def user_model_retires(case: Case) -> date | None:
    """The date the user's hosted model retires, if within the horizon (or already past)
    and the client may use a third-party API at all."""
    if not case.model_given:
        return None
    return _user_retires(case.model, case.today, case.horizon, case.deployment)


@lru_cache(maxsize=1024)
def _user_retires(model: str, today: date, horizon: int, deployment: str) -> date | None:
    if deployment != "any" or not _is_hosted(model):
        return None
    when = _retires(model, "api")
    return when if when is not None and months_until(today, when) < horizon else None


def current_model(case: Case) -> str:
    """The user's model, or its successor once it is retired."""
    when = user_model_retires(case)
    if when is not None and when <= case.today:
        return _cat().successor(case.model) or case.model
    return case.model


def specs(case: Case) -> list[Spec]:
    """Every option worth pricing for this case."""
    out: list[Spec] = []
    hosted = _is_hosted(case.model)
    mine = current_model(case)
    open_model = _open_class(case)
    big = (_cat().tier(case.model) == "large") if hosted else (
        _cat().model(case.model).params > 20e9)
    pe = tuple(_goal_techniques(case, "prompt_engineering"))
    rag = tuple(_goal_techniques(case, "rag"))
    ft = tuple(t for t in _goal_techniques(case, "lora"))
    if case.deployment == "on_device":
        for m in DEVICE_MODELS:
            out.append(Spec("prompt_engineering", m, "on_device", pe + ("smaller_model",)))
            out.append(Spec("rag", m, "on_device", rag + ("smaller_model",)))
            out.append(Spec("lora", m, "on_device", ft + ("smaller_model",)))
        return out
    # Prompting and RAG: the user's model, the vendor's smaller models, the open class.
    if hosted:
        out.append(Spec("prompt_engineering", mine, "api", pe))
        out.append(Spec("rag", mine, "api", rag))
        for m in _smaller_vendor(case):
            out.append(Spec("prompt_engineering", m, "api", pe + ("smaller_model",)))
            out.append(Spec("rag", m, "api", rag + ("smaller_model",)))
    opens = [open_model] + ([SMALL_OPEN] if open_model != SMALL_OPEN and big else [])
    for m in opens:
        smaller = ("smaller_model",) if m != open_model else ()
        for serving in ("serverless", "dedicated"):
            out.append(Spec("prompt_engineering", m, serving, pe + smaller))
            out.append(Spec("rag", m, serving, rag + smaller))
    # LoRA: the vendor's fine-tuning (the user's model), the open class per token or on GPUs.
    if hosted and mine in _cat().api_specs:
        out.append(Spec("lora", mine, "api", ft))
    for serving in ("serverless", "dedicated"):
        out.append(Spec("lora", open_model, serving, ft))
    # Distillation: a small open model trained on a big model's checked outputs.
    if big:
        for serving in ("serverless", "dedicated"):
            out.append(Spec("lora", SMALL_OPEN, serving, ft + ("smaller_model", "distillation"), teacher=case.model))
    out.append(Spec("full_fine_tune", open_model, "dedicated", ft))
    return out


# --- pricing -----------------------------------------------------------------------------

def _api_offer(model: str) -> Any | None:
    """The catalog's fine-tuning offer for a hosted model id, without the error path
    (its close-match suggestions cost a millisecond)."""
    cat = _cat()
    return cat._api_resolved.get(model) or (cat.api_offer(model) if model in cat.api_specs else None)


def _price_pair(model: str, case: Case, tuned: bool = False) -> tuple[float, float] | None:
    """(input, output) USD per 1M tokens of a per-token model, None if not per-token."""
    cat = _cat()
    offer = _api_offer(model)
    if offer is not None:
        return ((offer.ft_input_per_1m, offer.ft_output_per_1m) if tuned else
                (offer.base_input_per_1m, offer.base_output_per_1m))
    vendor = cat.vendor_model(model)
    if vendor is not None and not tuned:
        return vendor.input_per_1m, vendor.output_per_1m
    return None


def _retires(model: str, serving: str) -> date | None:
    cat = _cat()
    if serving == "api":
        offer = _api_offer(model)
        if offer is not None:
            return offer.retires_date
        vendor = cat.vendor_model(model)
        return vendor.retires_date if vendor else None
    if serving == "serverless":
        offer = cat.serverless(model)
        return offer.retires_date if offer else None
    return None


@lru_cache(maxsize=64)
def _availability(provider: str, on: date) -> Any:
    return _cat().availability(provider, on)


def months_until(today: date, when: date) -> float:
    return max(0.0, (when - today).days / DAYS_PER_MONTH)


@lru_cache(maxsize=64)
def _rates(engineer: float | None) -> Triple:
    return d.engineer_assumption(engineer)[:3]


def _people(months: Triple, case: Case, knobs: Knobs) -> Triple:
    eng, eng_low, eng_high = _rates(case.engineer)
    k = knobs.engineer if case.engineer is None else 1.0
    return (months[1] * eng * k, months[0] * eng_low * k, months[2] * eng_high * k)


def _fte(fte: Triple, case: Case, knobs: Knobs) -> Triple:
    return _people(fte, case, knobs)


def _per_token_monthly(pair: tuple[float, float], case: Case, extra_prompt: float) -> float:
    return case.requests * ((case.prompt + extra_prompt) * pair[0] + case.output * pair[1]) / 1e6


def _serving(spec: Spec, case: Case, knobs: Knobs, extra_prompt: float, tuned: bool,
             notes: list[str]) -> tuple[Triple, bool]:
    """Monthly serving cost and whether the serving is available at all."""
    cat = _cat()
    if spec.serving == "on_device":
        return (0.0, 0.0, 0.0), True
    if spec.serving == "dedicated":
        cost = _dedicated(spec.model, case.requests, case.prompt + extra_prompt, case.output)
        return _scale(cost, knobs.gpu_price / knobs.utilisation), True
    if spec.serving == "serverless":
        offer = cat.serverless(spec.model)
        if offer is None:
            return (0.0, 0.0, 0.0), False
        pair = (offer.lora_input_per_1m, offer.lora_output_per_1m) if tuned else (offer.input_per_1m,
                                                                                   offer.output_per_1m)
        if pair[0] is None:
            notes.append(f"{offer.provider} does not serve LoRA adapters on {spec.model} per token")
            return (0.0, 0.0, 0.0), False
        m = _per_token_monthly(pair, case, extra_prompt)
        return (m, m, m), True
    pair = _price_pair(spec.model, case, tuned)
    if pair is None or pair[0] is None:
        return (0.0, 0.0, 0.0), False
    m = _per_token_monthly(pair, case, extra_prompt)
    return (m, m, m), True


@dataclass
class _Ledger:
    """One option's cost parts and verdict as pricing fills them in."""

    setup: dict[str, Triple] = field(default_factory=dict)
    monthly: dict[str, Triple] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)
    ok: bool = True
    examples_used: int | None = None


def _price_work(spec: Spec, case: Case, knobs: Knobs, led: _Ledger, tuned: bool, hosted_tune: bool) -> None:
    """Set-up people, techniques, self-hosting and retrieval; for a fine-tune its data,
    first training run and retraining."""
    led.setup["engineering"] = _people(SETUP_MONTHS["lora" if spec.strategy == "lora" else
                                                 spec.strategy if spec.strategy != "rag" else
                                                 "prompt_engineering"], case, knobs)
    for t in spec.techniques:
        if t in EXTRA_MONTHS:
            led.setup[t] = _people(EXTRA_MONTHS[t], case, knobs)
    if spec.model != current_model(case) and "smaller_model" not in spec.techniques and not tuned:
        # Any change of model is gated by the same eval run as a smaller one.
        led.setup["model_switch_eval"] = _people(EXTRA_MONTHS["smaller_model"], case, knobs)
    if spec.serving in SERVINGS_SELF_HOSTED:
        key = "on_device" if spec.serving == "on_device" else "self_hosting"
        led.setup[key] = _people(EXTRA_MONTHS[key], case, knobs)
        if not tuned:
            led.monthly["self_hosting_upkeep"] = _fte(UPKEEP_FTE["self_hosting"], case, knobs)
    if spec.strategy == "rag":
        rag_setup, rag_monthly = _rag_fixed(case.changes, case.engineer)
        led.setup["retrieval"] = _scale(rag_setup, knobs.engineer if case.engineer is None else 1.0)
        led.monthly["retrieval"] = rag_monthly
    if not tuned:
        led.monthly["prompt_upkeep"] = _fte(UPKEEP_FTE["prompt"], case, knobs)
    else:
        method = "distillation" if "distillation" in spec.techniques else spec.strategy
        needed = EXAMPLES_NEEDED[method]
        led.examples_used = needed
        tokens = case.prompt + case.output
        if method == "distillation":
            # The teacher writes the outputs; checked automatically and by sampling.
            pair = _price_pair(spec.teacher, case) if spec.teacher else None
            teacher = needed * (case.prompt * pair[0] + case.output * pair[1]) / 1e6 if pair else 0.0
            data, labelling = _data(needed, needed, "high", case.engineer)
            led.setup["teacher_outputs"] = (teacher, teacher, teacher)
            led.notes.append(f"trained on {needed:,} outputs of {spec.teacher}, checked before use")
        else:
            data, labelling = _data(needed, case.labeled, case.quality, case.engineer)
            if case.labeled > needed:
                led.notes.append(f"uses {needed:,} of your {case.labeled:,.0f} examples; the rest are the held-out set")
        led.setup["data_preparation"] = _add(data, (labelling * (knobs.label_cost - 1),) * 3)
        if hosted_tune:
            run = _api_training(spec.model, needed, tokens, case.today.isoformat())
        else:
            run = _scale(_training(spec.model, spec.strategy, needed, tokens), knobs.gpu_price)
        led.setup["first_training_run"] = run
        up = _upkeep(case.changes, round(run[0], 2), case.engineer)
        people_k = knobs.engineer if case.engineer is None else 1.0
        mid = up["compute"] * knobs.retrains + (up["retrain_people"] * knobs.retrains + up["people"]) * people_k
        led.monthly["maintenance"] = (mid, mid * up["low_ratio"], mid * up["high_ratio"])


def _check_constraints(spec: Spec, case: Case, led: _Ledger, hosted_tune: bool, available: bool) -> None:
    """Where it may run, whether it fits a device, whether the provider takes new jobs."""
    cat = _cat()
    if not available:
        led.blockers.append(led.notes[-1])
    if case.deployment in ("own_cloud", "on_prem") and spec.serving not in SERVINGS_SELF_HOSTED:
        led.ok = False
        led.blockers.insert(0, f"it sends data to a third party ({SERVING_TERMS[spec.serving].label}) and your "
                               f"data must stay {'in your own cloud' if case.deployment == 'own_cloud' else 'on your own servers'}")
        led.notes.append(f"sends data to a third party ({SERVING_TERMS[spec.serving].label}); your data must stay "
                         f"{'in your own cloud' if case.deployment == 'own_cloud' else 'on your own servers'}")
    if spec.serving == "on_device":
        spec_model = cat.model(spec.model)
        need_gb = spec_model.params * 0.5 / 1e9 * 1.2  # int4 weights + runtime overhead
        if need_gb > DEVICE_MEMORY_GB:
            led.ok = False
            led.blockers.append(f"it needs about {need_gb:.1f} GB, more than a device leaves a model")
            led.notes.append(f"needs about {need_gb:.1f} GB, more than the {DEVICE_MEMORY_GB:g} GB a device leaves a model")
    if hosted_tune:
        provider = cat.api_offer(spec.model).provider
        availability = _availability(provider, case.today)
        if not availability.accepts_new_jobs:
            led.ok = False
            led.blockers.append(f"{provider} accepts no new fine-tuning jobs on {case.today.isoformat()}")
            led.notes.append(f"{provider} accepts no new fine-tuning jobs on {case.today.isoformat()}")
        elif availability.warning:
            led.notes.append(availability.warning)


def _price_retirement(spec: Spec, case: Case, knobs: Knobs, led: _Ledger, hosted_tune: bool,
                      serving: Triple, extra: float) -> tuple[date | None, str | None]:
    """A model that retires within the horizon: excluded when its offer ends, else priced
    on its successor from then, with the migration. Returns (retires, successor)."""
    cat = _cat()
    if user_model_retires(case) is not None:
        # Every path leaves the retiring model: an eval set from your examples, then the move.
        led.setup["migration"] = _people(EXTRA_MONTHS["migration"], case, knobs)
    retires = _retires(spec.model, spec.serving)
    successor = None
    if retires is not None and months_until(case.today, retires) < case.horizon:
        left = months_until(case.today, retires)
        if hosted_tune or spec.serving == "serverless":
            led.ok = False
            what = f"fine-tuned {spec.model}" if hosted_tune else f"{spec.model} at its provider"
            led.notes.append(f"{what} stops working on {retires.isoformat()}, within your {case.horizon}-month horizon")
            led.blockers.append(led.notes[-1])
        else:
            successor = cat.successor(spec.model)
            succ_pair = _price_pair(successor, case) if successor else None
            if succ_pair is None:
                led.ok = False
                led.notes.append(f"{spec.model} retires on {retires.isoformat()} and the catalog names no successor")
                led.blockers.append(led.notes[-1])
            else:
                # Served by the model until it retires, then by its successor after a migration.
                led.setup.setdefault("migration", _people(EXTRA_MONTHS["migration"], case, knobs))
                after = _per_token_monthly(succ_pair, case, extra)
                blended = (serving[0] * min(left, case.horizon) + after * (case.horizon - left)) / case.horizon
                led.monthly["serving"] = (blended, blended, blended)
                led.notes.append(f"{spec.model} retires on {retires.isoformat()}: priced on {successor} from then, "
                                 "with the migration")
    return retires, successor


def price(spec: Spec, case: Case, knobs: Knobs = Knobs()) -> Option:
    """One option's set-up, monthly and total cost over the horizon (mid, low, high)."""
    led = _Ledger()
    tuned = spec.strategy in FINE_TUNE_STRATEGIES
    hosted_tune = tuned and spec.serving == "api"
    extra = {"prompt_engineering": PROMPT_EXTRA_TOKENS * knobs.prompt_extra,
             "rag": RAG_CONTEXT_TOKENS}.get(spec.strategy, 0.0)
    _price_work(spec, case, knobs, led, tuned, hosted_tune)
    said = len(led.notes)
    serving, available = _serving(spec, case, knobs, extra, tuned, led.notes)
    led.monthly["serving"] = serving
    led.ok = led.ok and available
    if not available and len(led.notes) == said:
        led.notes.append(f"no per-token price for {spec.model} in the catalog")
    _check_constraints(spec, case, led, hosted_tune, available)
    retires, successor = _price_retirement(spec, case, knobs, led, hosted_tune, serving, extra)
    setup, monthly, notes, ok, total_months = led.setup, led.monthly, led.notes, led.ok, case.horizon
    setup_t = _add(*setup.values())
    monthly_t = _add(*monthly.values())
    total = setup_t[0] + monthly_t[0] * total_months
    low = setup_t[1] + monthly_t[1] * total_months
    high = setup_t[2] + monthly_t[2] * total_months
    within = None if case.budget is None else total <= case.budget + 1e-6
    option_id = f"{spec.strategy}:{spec.model}:{spec.serving}" + (":distilled" if spec.teacher else "")
    return Option(option_id, spec.strategy, spec.model, spec.serving, list(spec.techniques), setup_t[0],
                  monthly_t[0], total, min(low, total), max(high, total), within, ok, notes,
                  excluded_because=led.blockers if not ok else [], examples_used=led.examples_used, teacher=spec.teacher, successor=successor,
                  retires=retires.isoformat() if retires else None,
                  setup_parts=setup, monthly_parts=monthly)


def build_options(case: Case, knobs: Knobs = Knobs()) -> list[Option]:
    """Every option for the case, cheapest first."""
    _CURRENT[:] = [_catalog_module.get_catalog()]
    try:
        options = [_priced(s, case, knobs) for s in specs(case)]
    finally:
        _CURRENT.clear()
    # Equal totals (on-device models carry no serving bill): the bigger model first.
    options.sort(key=lambda o: (round(o.total_usd, 2), -_params(o.model), o.id))
    return options


@lru_cache(maxsize=256)
def _params(model: str) -> float:
    cat = _cat()
    return float(cat.models[model].params) if model in cat.models else 0.0


def cheapest(options: list[Option], strategy: str | None = None, *, usable: bool = True) -> Option | None:
    pool = [o for o in options if (strategy is None or o.strategy == strategy) and (o.meets_constraints or not usable)]
    return min(pool, key=lambda o: o.total_usd) if pool else None


def label(strategy: str) -> str:
    return strategy_label(strategy, "label")


__all__ = ["Case", "Knobs", "Option", "Spec", "build_options", "cheapest", "current_model", "describe", "knob_ranges",
           "options_for", "price", "user_model_retires",
           "specs", "months_until", "math"]


_PRICES: dict[tuple[Any, ...], Option] = {}
_PRICES_MAX = 20_000


def _priced(spec: Spec, case: Case, knobs: Knobs) -> Option:
    """price(), cached on only the facts this option's price reads, so that what-ifs on
    other facts (labelled examples for a prompting option, say) reuse it."""
    tuned = spec.strategy in FINE_TUNE_STRATEGIES
    key = (spec, knobs, case.model, case.requests, case.prompt, case.output, case.horizon, case.engineer,
           case.deployment, case.today,
           case.labeled if tuned else None, case.quality if tuned else None,
           case.changes if tuned or spec.strategy == "rag" else None)
    found = _PRICES.get(key)
    if found is None:
        if len(_PRICES) >= _PRICES_MAX:
            _PRICES.clear()
        found = _PRICES[key] = price(spec, dataclasses.replace(case, budget=None), knobs)
    return found


@lru_cache(maxsize=4096)
def _options_cached(case: Case, knobs: Knobs) -> tuple[Option, ...]:
    return tuple(build_options(case, knobs))


_CATALOG_SEEN: list[Any] = [None]


def _caches_follow_the_catalog() -> None:
    """Drop every cached price when the catalog changes (the user edited the config):
    raises InputError, as get_catalog does, for a config that is invalid."""
    catalog = _catalog_module.get_catalog()
    if catalog is not _CATALOG_SEEN[0]:
        for cached in (_replica, _training, _api_training, _data, _upkeep, _rag_fixed, _user_retires,
                       _availability, _options_cached):
            cached.cache_clear()
        _PRICES.clear()
        _CATALOG_SEEN[0] = catalog


def options_for(case: Case, knobs: Knobs = Knobs()) -> list[Option]:
    """build_options, cached on the case without its budget (what-ifs re-ask often).
    The options are shared: read them, and judge the budget with `fits`; `with_budget`
    makes the copies a decision returns."""
    _caches_follow_the_catalog()
    return list(_options_cached(dataclasses.replace(case, budget=None) if case.budget is not None else case, knobs))


def fits(option: Option, budget: float | None) -> bool | None:
    """Whether an option's total over the horizon fits the budget (None: no budget)."""
    return None if budget is None else option.total_usd <= budget + 1e-6


def with_budget(options: list[Option], budget: float | None) -> list[Option]:
    return [dataclasses.replace(o, within_budget=fits(o, budget)) for o in options]
