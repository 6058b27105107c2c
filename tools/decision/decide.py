"""`decide(profile)`: the article's rules applied to one case.

The strategy comes from the rules in tools/decision/data/rules.json (see tools/decision/rules.py):

1. The *alternative* (what to do instead of fine-tuning) is RAG when any firing rule
   points to retrieval (accuracy, hallucinations, private knowledge), else better
   prompting.
2. Fine-tuning is *justified* when one of the article's four cases fires and is not
   discounted (knowledge that drifts weekly belongs in RAG) and no prerequisite blocks
   it (labelled data, data quality, an ML team, a budget that covers it).
3. Justified fine-tuning is a LoRA; full fine-tuning only when a LoRA was tried, every
   prerequisite is known and none blocks it ("lighter tuning methods like LoRA" first).

A fact that is unknown never fires a rule. `missing` lists the unknown facts whose
answer could still change the strategy, found by trying each of the field's choices;
the more choices that would change it, the more decisive the question and the lower
the confidence.
"""
from __future__ import annotations

import inspect
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from tools.errors import InputError
from tools.decision.profile import FIELDS, PROFILE_SCHEMA, validate_profile
from tools.contract import Tool, register
from tools.decision.rules import RuleBook, fired, load_rules

FINE_TUNE = ("lora", "full_fine_tune")
#: Profile fields the cost comparison reads; the rest only steer the rules.
COST_FIELDS = ("model", "requests_per_month", "prompt_tokens", "output_tokens", "horizon_months",
               "knowledge_changes", "labeled_examples", "data_quality")
#: Fields never asked as multiple-choice questions in `missing`.
_NOT_ASKED = ("use_case", "output_format_example")
#: Ties between equally decisive questions: ask the one a person answers most easily.
_ASK_ORDER = ("goals", "proprietary_data", "labeled_examples", "data_quality", "ml_team",
              "knowledge_changes", "requests_per_month", "budget_usd", "tried", "model",
              "horizon_months", "prompt_tokens", "output_tokens")
#: The best confidence the rules allow: they are heuristics from one article.
MAX_CONFIDENCE = 0.95
DEFAULT_HORIZON_MONTHS = 12
_LABELS = {"prompt_engineering": "better prompting", "rag": "RAG", "lora": "a LoRA",
           "full_fine_tune": "full fine-tuning"}


@dataclass(frozen=True)
class Note:
    """One reason or warning, with the rule that produced it."""

    rule: str
    text: str


@dataclass(frozen=True)
class Question:
    """A fact that could still change the answer, and how to ask for it."""

    field: str
    question: str
    choices: list[dict[str, Any]]
    why: str
    #: "strategy": some answers change the recommended strategy; "costs": they only
    #: refine the cost comparison.
    impact: str = "strategy"
    multiple: bool = False


@dataclass
class Decision:
    strategy: str
    fine_tune_justified: bool
    complements: list[str] = field(default_factory=list)
    reasons: list[Note] = field(default_factory=list)
    warnings: list[Note] = field(default_factory=list)
    missing: list[Question] = field(default_factory=list)
    confidence: float = 0.0
    costs: dict[str, Any] = field(default_factory=dict)
    #: The main alternative whose costs sit beside the recommendation's.
    alternative: str = "lora"
    #: Every rule that fired, in rules.json order.
    rules: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(asdict(self), default=str))


# --- facts --------------------------------------------------------------------------

def _compare_function() -> Any | None:
    try:
        from tools.estimators.compare import compare_strategies
    except ModuleNotFoundError as exc:
        if exc.name == "tools.estimators.compare":
            return None  # partial install: decide without costs, and say so
        raise
    return compare_strategies


def _compare_args(profile: dict[str, Any], func: Any, today: date) -> dict[str, Any]:
    """The profile fields compare_strategies accepts (it names its arguments like the
    profile), with the horizon always set so that every figure covers the same span,
    and the decision's date so that provider availability agrees with the rules."""
    accepted = _parameters(func)
    args = {k: profile[k] for k in COST_FIELDS if k in profile and k in accepted}
    if "horizon_months" in accepted:
        args.setdefault("horizon_months", DEFAULT_HORIZON_MONTHS)
    if "date" in accepted:
        args["date"] = today.isoformat()
    return args


@lru_cache(maxsize=8)
def _parameters(func: Any) -> frozenset[str]:
    # inspect.signature costs ~80 µs and decide() prices up to ~60 what-if profiles.
    return frozenset(inspect.signature(func).parameters)


@lru_cache(maxsize=512)
def _compare_cached(frozen: str) -> dict[str, Any]:
    func = _compare_function()
    result = func(**json.loads(frozen))
    return result.to_dict() if hasattr(result, "to_dict") else dict(result)


def compare_for(profile: dict[str, Any], today: date | None = None) -> dict[str, Any] | None:
    """compare_strategies() for this profile as a dict, None if the cost models are not
    installed. InputError propagates (the caller reports it as a warning)."""
    func = _compare_function()
    if func is None:
        return None
    return _compare_cached(json.dumps(_compare_args(profile, func, today or date.today()), sort_keys=True))


@dataclass
class _Facts:
    facts: dict[str, Any]
    comparison: dict[str, Any] | None
    cost_error: str | None
    availability: Any | None


def _provider_facts(model: str | None, today: date) -> tuple[dict[str, Any], Any | None]:
    """Provider and availability for an API model (OpenAI's fine-tuning wind-down)."""
    if not model:
        return {}, None
    try:
        from tools.catalog.catalog import get_catalog

        offer = get_catalog().api_offer(model)
    except (ModuleNotFoundError, InputError):
        return {"provider": "self_hosted"}, None  # an open-weight model
    try:
        availability = get_catalog().availability(offer.provider, today)
    except InputError:  # a provider without a published availability record
        return {"provider": offer.provider}, None
    text = availability.warning or availability.status
    retires = getattr(offer, "retires", None)
    if retires:
        text += (f" Models fine-tuned on {offer.id} stopped working when it was retired on {retires}."
                 if str(retires) <= today.isoformat() else
                 f" Models fine-tuned on {offer.id} stop working when it is retired ({retires}).")
    return {
        "provider": offer.provider,
        "provider_accepts_new_jobs": availability.accepts_new_jobs,
        "provider_warning": availability.warning,
        "provider_status_text": text,
    }, availability


def _gather(profile: dict[str, Any], book: RuleBook, today: date) -> _Facts:
    facts: dict[str, Any] = dict(book.params)
    facts.update({k: v for k, v in profile.items()})
    comparison, error = None, None
    try:
        comparison = compare_for(profile, today)
    except InputError as exc:
        error = str(exc)
    if comparison:
        for name, figures in (comparison.get("strategies") or {}).items():
            for key in ("total_usd", "setup_usd", "monthly_usd"):
                if isinstance(figures.get(key), (int, float)):
                    facts[f"cost_{name}_{key}"] = figures[key]
    # The model the user named, else the one the cost comparison priced.
    model = profile.get("model") or (comparison or {}).get("model")
    provider, availability = _provider_facts(model, today)
    facts.update(provider)
    return _Facts(facts, comparison, error, availability)


# --- the core: facts -> strategy -----------------------------------------------------

@dataclass
class _Core:
    strategy: str
    justified: bool
    alternative: str
    cases: list[str]
    before: list[Any]
    allow_full: bool
    blocks_ft: list[str]
    blocks_full: list[str]


def _choose(facts: dict[str, Any], book: RuleBook) -> _Core:
    before = fired(book.rules, facts, book.params, "before")
    discounted = {r.effect["discount"] for r in before if "discount" in r.effect}
    cases = [r.id for r in before if r.effect.get("justify") and r.id not in discounted]
    alternatives = {r.effect["alternative"] for r in before if "alternative" in r.effect}
    # RAG carries a good prompt with it, so it wins when any rule asks for retrieval.
    alternative = "rag" if "rag" in alternatives else "prompt_engineering"
    blocks_ft = [r.id for r in before if r.effect.get("block") == "fine_tune"]
    blocks_full = [r.id for r in before if r.effect.get("block") == "full_fine_tune"]
    allow_full = any(r.effect.get("allow_full") for r in before)
    justified = bool(cases) and not blocks_ft
    if not justified:
        strategy = alternative
    elif allow_full and not blocks_full:
        strategy = "full_fine_tune"
    else:
        strategy = "lora"
    return _Core(strategy, justified, alternative, cases, before, allow_full, blocks_ft, blocks_full)


def _relevant(rule: Any, core: _Core) -> bool:
    """Whether a fired rule helps explain this decision: one of its effects mattered (a
    block that changed nothing, for instance, would only add noise)."""
    effect = rule.effect
    if rule.phase == "after" or effect.get("warn") or not effect:
        return True
    if rule.kind == "justified" and not effect.get("justify"):
        return True  # says why a goal is not one of the four cases: always worth knowing
    mattered = [
        effect.get("justify") and rule.id in core.cases,
        effect.get("block") == "fine_tune" and bool(core.cases),
        effect.get("block") == "full_fine_tune" and core.allow_full and core.strategy == "lora",
        effect.get("allow_full") and core.strategy == "full_fine_tune",
        "discount" in effect and any(r.id == effect["discount"] for r in core.before),
        "alternative" in effect and (core.strategy == effect["alternative"] or not core.justified),
        "complement" in effect and core.strategy in FINE_TUNE,
    ]
    return any(mattered)


# --- missing facts and confidence ----------------------------------------------------

def _variants(name: str) -> list[Any]:
    info = FIELDS[name]
    return [[c.value] if info.multiple else c.value for c in info.choices]


def _missing(profile: dict[str, Any], core: _Core, book: RuleBook, today: date,
             costs_known: bool) -> tuple[list[Question], float]:
    scored: list[tuple[float, float, int, Question]] = []
    confidence = MAX_CONFIDENCE
    for name in FIELDS:
        if name in profile or name in _NOT_ASKED:
            continue
        if name == "data_quality" and profile.get("labeled_examples") == 0:
            continue  # the quality of examples a team does not have is not a question
        variants = _variants(name)
        changed_strategy = changed_justified = 0
        for value in variants:
            trial = {**profile, name: value}
            # compare_for is cached on its arguments, so only cost fields pay for a new run.
            other = _choose(_gather(trial, book, today).facts, book)
            changed_strategy += other.strategy != core.strategy
            changed_justified += other.justified != core.justified
        share = changed_strategy / len(variants)
        info = FIELDS[name]
        if share > 0:
            confidence *= 1 - share
            why = (f"{changed_strategy} of {len(variants)} possible answers would change the "
                   f"recommendation from {core.strategy}")
            impact = "strategy"
        elif changed_justified:
            why = "some answers would change whether fine-tuning is justified"
            impact = "strategy"
            share = 0.01 * changed_justified / len(variants)
        elif name in COST_FIELDS and costs_known:
            why = "refines the cost comparison; the recommendation stays the same"
            impact = "costs"
        else:
            continue
        order = _ASK_ORDER.index(name) if name in _ASK_ORDER else len(_ASK_ORDER)
        question = Question(name, info.question, info.choices_dicts(), why, impact, info.multiple)
        scored.append((-share, -changed_justified, order, question))
    scored.sort(key=lambda item: item[:3])
    return [q for *_, q in scored], max(0.05, min(MAX_CONFIDENCE, confidence))


# --- costs ---------------------------------------------------------------------------

def _strategy_costs(comparison: dict[str, Any], name: str) -> dict[str, Any] | None:
    figures = (comparison.get("strategies") or {}).get(name)
    if not figures:
        return None
    keep = ("setup_usd", "monthly_usd", "total_usd", "low", "high")
    return {"strategy": name, **{k: figures[k] for k in keep if k in figures}}


def _costs(gathered: _Facts, strategy: str, alternative: str, profile: dict[str, Any]) -> dict[str, Any]:
    if gathered.comparison is None:
        reason = gathered.cost_error or "the cost models (tools.estimators.compare) are not installed"
        return {"error": reason}
    comparison = gathered.comparison
    return {
        "horizon_months": profile.get("horizon_months", comparison.get("horizon_months", DEFAULT_HORIZON_MONTHS)),
        "recommended": _strategy_costs(comparison, strategy),
        "alternative": _strategy_costs(comparison, alternative),
        "break_even_month": comparison.get("break_even_month"),
        "source": "tools.estimators.compare.compare_strategies (ft-advisor estimate compare)",
    }


# --- decide --------------------------------------------------------------------------

def decide(profile: dict[str, Any], *, today: date | None = None) -> Decision:
    """The recommendation for a case profile (validated here; InputError if invalid)."""
    profile = validate_profile(profile)
    today = today or date.today()
    book = load_rules()
    gathered = _gather(profile, book, today)
    core = _choose(gathered.facts, book)
    alternative = core.alternative if core.strategy in FINE_TUNE else "lora"
    facts = {**gathered.facts, "strategy": core.strategy,
             "cost_recommended_total_usd": gathered.facts.get(f"cost_{core.strategy}_total_usd"),
             "cost_alternative_total_usd": gathered.facts.get(f"cost_{alternative}_total_usd"),
             "alternative_label": _LABELS[alternative]}
    facts.setdefault("horizon_months", DEFAULT_HORIZON_MONTHS)
    after = fired(book.rules, facts, book.params, "after")

    reasons: list[Note] = []
    warnings: list[Note] = []
    complements: list[str] = []
    for rule in core.before + after:
        if not _relevant(rule, core):
            continue
        note = Note(rule.id, rule.render(facts))
        (warnings if rule.effect.get("warn") else reasons).append(note)
        extra = rule.effect.get("complement")
        if extra and extra != core.strategy and extra not in complements and (
                core.strategy in FINE_TUNE or extra == "prompt_engineering" and core.strategy == "rag"):
            complements.append(extra)
    if gathered.cost_error:
        warnings.append(Note("costs", f"No cost comparison: {gathered.cost_error}"))

    missing, confidence = _missing(profile, core, book, today, gathered.comparison is not None)
    return Decision(
        strategy=core.strategy,
        fine_tune_justified=core.justified,
        complements=complements,
        reasons=reasons,
        warnings=warnings,
        missing=missing,
        confidence=round(confidence, 3),
        costs=_costs(gathered, core.strategy, alternative, profile),
        alternative=alternative,
        rules=[r.id for r in core.before + after],
    )


def _decide_tool(**profile: Any) -> Decision:
    return decide(profile)


TOOL = register(Tool(
    name="decide",
    description=(
        "Apply the source article's rules to the user's case profile and return the recommended "
        "strategy (prompt_engineering, rag, lora or full_fine_tune), whether fine-tuning is justified, "
        "strategies to combine, the reasons and warnings (each with the rule id and article passage it "
        "comes from), the facts still missing with the next question to ask, a confidence from 0 to 1 "
        "and the costs of the recommendation and its main alternative. Pass every fact known so far; "
        "omit unknown fields. Call it again whenever the profile changes."
    ),
    # The profile schema itself; "$schema" dropped because some providers reject it.
    schema={k: v for k, v in PROFILE_SCHEMA.items() if k != "$schema"},
    func=_decide_tool,
    cli_name=None,
))
