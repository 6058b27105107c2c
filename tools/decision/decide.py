"""`decide(profile)`: the article's rules applied to one case, over concrete options.

1. The options (tools/decision/options.py) are priced: a strategy, a model, a way of
   serving it and techniques, each with its set-up, monthly and total cost, whether it
   fits the budget and meets the constraints (where the model may run, retirements,
   provider availability).
2. The rules (tools/decision/data/rules.json, see tools/decision/rules.py) read the
   profile and the options' cost facts: the *alternative* is RAG when a rule points to
   retrieval, else better prompting; fine-tuning is *justified* when one of the article's
   four cases fires and nothing blocks it; a deferred case (a format that enforcement
   may fix) keeps `fine_tune_justified` but does not make a fine-tune the answer.
3. The recommended option is the cheapest that works: of the strategy the rules call
   for, meeting the constraints and the budget (a distilled small model when it is
   cheaper even at the top of its range; when nothing fits, the cheapest, said plainly).
4. Tipping points, robustness (the `confidence`), sensitivity and break-even by volume
   say what the answer depends on; `missing` asks first what is nearest to a flip.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from tools.catalog.catalog import get_catalog
from tools.catalog.defaults import ENGINEER_MONTH_USD
from tools.decision.options import (Case, Knobs, Option, cheapest, current_model, describe, fits, options_for,
                                    own_time, user_model_retires, with_budget)
from tools.decision.plan import build_plan
from tools.decision.profile import FIELDS, PROFILE_SCHEMA, validate_profile
from tools.decision.robustness import break_even_volume, robustness, sensitivity
from tools.contract import Tool, register
from tools.decision.rules import RuleBook, fired, load_rules
from tools.decision.tipping import tipping_points
from tools.decision.vocabulary import DEPLOYMENT_TERMS, STRATEGIES, strategy_label, technique_label
from tools.errors import InputError
from tools.estimators.compare import compare_strategies

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
DEFAULT_HORIZON_MONTHS = 12



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
    #: The priced options, cheapest first, and the recommended one's id, model, serving
    #: and techniques.
    options: list[dict[str, Any]] = field(default_factory=list)
    recommended: str | None = None
    model: str | None = None
    serving: str | None = None
    techniques: list[str] = field(default_factory=list)
    #: Ordered steps, each with the measured result that decides the next.
    plan: list[dict[str, str]] = field(default_factory=list)
    tipping_points: list[dict[str, Any]] = field(default_factory=list)
    robustness: dict[str, Any] = field(default_factory=dict)
    sensitivity: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    break_even_requests_per_month: dict[str, float | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(asdict(self), default=str))


# --- the four strategies' month-by-month costs (the report's cumulative table) ----------

def _compare_args(profile: dict[str, Any], today: date) -> dict[str, Any]:
    """The profile fields compare_strategies accepts (it names its arguments like the
    profile), with the horizon always set and the decision's date."""
    args = {k: profile[k] for k in COST_FIELDS if k in profile}
    args.setdefault("horizon_months", DEFAULT_HORIZON_MONTHS)
    args["date"] = today.isoformat()
    return args


@lru_cache(maxsize=64)
def _compare_cached(frozen: str) -> dict[str, Any]:
    return compare_strategies(**json.loads(frozen)).to_dict()


def compare_for(profile: dict[str, Any], today: date | None = None) -> dict[str, Any]:
    """compare_strategies() for this profile as a dict. InputError propagates."""
    return _compare_cached(json.dumps(_compare_args(profile, today or date.today()), sort_keys=True))


# --- facts -----------------------------------------------------------------------------

@lru_cache(maxsize=256)
def _provider_facts(model: str | None, today: date) -> dict[str, Any]:
    """Provider and availability for an API model (OpenAI's fine-tuning wind-down).
    Cached per model and day; callers copy it into their facts."""
    if not model:
        return {}
    catalog = get_catalog()
    if model not in catalog.api_specs:
        return {"provider": "self_hosted"}  # an open-weight model (or a vendor model without tuning)
    offer = catalog.api_offer(model)
    try:
        availability = catalog.availability(offer.provider, today)
    except InputError:  # a provider without a published availability record
        return {"provider": offer.provider}
    text = availability.warning or availability.status
    retires = offer.retires_date
    if retires:
        text += (f" Models fine-tuned on {offer.id} stopped working when it was retired on {retires.isoformat()}."
                 if retires <= today else
                 f" Models fine-tuned on {offer.id} stop working when it is retired ({retires.isoformat()}).")
    return {
        "provider": offer.provider,
        "provider_accepts_new_jobs": availability.accepts_new_jobs,
        "provider_warning": availability.warning,
        "provider_status_text": text,
    }


def _format_facts(profile: dict[str, Any]) -> dict[str, Any]:
    """Whether enforcing the format was tried and still fails (None: unknown)."""
    tried = profile.get("tried")
    current, target = profile.get("current_failure_rate"), profile.get("target_failure_rate")
    if tried is None:
        fails = None
    elif "structured_outputs" not in tried:
        fails = False
    elif current is not None and target is not None:
        fails = current > target
    else:
        fails = True  # `tried` lists what was tried and found not good enough
    text = (f"({current:.1%} of outputs against a target of {target:.1%})" if current is not None and
            target is not None else "(you say it was not good enough)")
    return {"format_enforcement_fails": fails, "failure_text": text}


def _cost_facts(options: list[Option]) -> dict[str, Any]:
    """The cheapest usable option of each strategy, as the facts the rules read."""
    facts: dict[str, Any] = {}
    for strategy in STRATEGIES:
        best = cheapest([o for o in options if not o.teacher], strategy)
        if best is not None:
            facts[f"cost_{strategy}_total_usd"] = best.total_usd
            facts[f"cost_{strategy}_monthly_usd"] = best.monthly_usd
            facts[f"cost_{strategy}_setup_usd"] = best.setup_usd
    lora, pe = facts.get("cost_lora_total_usd"), facts.get("cost_prompt_engineering_total_usd")
    facts["lora_cheaper_than_prompting"] = None if lora is None or pe is None else lora < pe
    return facts


@dataclass
class _Eval:
    """One deterministic evaluation: the facts, the rules' core, the priced options and
    the recommended option."""

    case: Case
    options: list[Option]
    facts: dict[str, Any]
    core: "_Core"
    recommended: Option | None
    #: Why the recommended option differs from the rules' strategy, if it does: (rule, text).
    selection: list[tuple[str, str]]
    none_fits: bool


def _evaluate(profile: dict[str, Any], book: RuleBook, today: date, knobs: Knobs = Knobs()) -> _Eval:
    """Price the options and apply the rules; no text is rendered here (what-ifs call it
    hundreds of times)."""
    case = Case.from_profile(profile, today)
    options = options_for(case, knobs)
    facts: dict[str, Any] = dict(book.params)
    facts.update(profile)
    facts.update(_cost_facts(options))
    facts.update(_format_facts(profile))
    facts.update(_provider_facts(current_model(case) if profile.get("model") else None, today))
    core = _choose(facts, book)
    _keep_fine_tune_over_budget(core, profile)
    rec, selection, none_fits = _select(core, options, profile, case.budget)
    if rec is not None and rec.strategy != core.strategy:
        core.strategy = rec.strategy
    return _Eval(case, options, facts, core, rec, selection, none_fits)


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
    techniques: list[str] = field(default_factory=list)


def _choose(facts: dict[str, Any], book: RuleBook) -> _Core:
    before = fired(book.rules, facts, book.params, "before")
    discounted = {r.effect["discount"] for r in before if "discount" in r.effect}
    deferred = {r.effect["defer"] for r in before if "defer" in r.effect}
    cases = [r.id for r in before if r.effect.get("justify") and r.id not in discounted]
    alternatives = {r.effect["alternative"] for r in before if "alternative" in r.effect}
    # RAG carries a good prompt with it, so it wins when any rule asks for retrieval.
    alternative = "rag" if "rag" in alternatives else "prompt_engineering"
    blocks_ft = [r.id for r in before if r.effect.get("block") == "fine_tune"]
    blocks_full = [r.id for r in before if r.effect.get("block") == "full_fine_tune"]
    allow_full = any(r.effect.get("allow_full") for r in before)
    justified = bool(cases) and not blocks_ft
    # A deferred case (a format that enforcement may fix) counts for `justified` but does
    # not make a fine-tune the recommendation on its own.
    effective = [c for c in cases if c not in deferred]
    if not justified or not effective:
        strategy = alternative
    elif allow_full and not blocks_full:
        strategy = "full_fine_tune"
    else:
        strategy = "lora"
    techniques = [r.effect["technique"] for r in before if "technique" in r.effect]
    return _Core(strategy, justified, alternative, cases, before, allow_full, blocks_ft, blocks_full, techniques)


def _usable(option: Option, tried: list[str]) -> bool:
    """Meets the constraints, and is not a technique the client already tried and found
    not good enough."""
    if not option.meets_constraints:
        return False
    return not any(t in tried for t in option.techniques if t in ("smaller_model", "distillation"))


def _failed(tried: list[str] | tuple[str, ...]) -> set[str]:
    """The strategies the client tried and found wanting (a technique counts for the
    strategy it belongs to: structured outputs and few-shot are prompting)."""
    failed = set(tried)
    if {"structured_outputs", "few_shot"} & failed:
        failed.add("prompt_engineering")
    if "retrieval" in failed:
        failed.add("rag")
    return failed


def _keep_fine_tune_over_budget(core: _Core, profile: dict[str, Any]) -> None:
    """A fine-tune the case needs, blocked only by the budget, while its alternative is
    what the client already tried and found wanting: the fine-tune stays the
    recommendation and the budget warning says plainly that it does not fit
    (recommending what already failed would not be advice)."""
    if not core.cases or not core.blocks_ft or core.strategy in FINE_TUNE:
        return
    if not all(block.startswith("prereq.budget") for block in core.blocks_ft):
        return
    # Only on measured evidence: a failure rate above the target after trying it.
    current, target = profile.get("current_failure_rate"), profile.get("target_failure_rate")
    if current is None or target is None or current <= target:
        return
    if core.alternative in _failed(profile.get("tried") or []):
        core.strategy, core.justified = "lora", True


def _workable(core: _Core, tried: list[str]) -> set[str]:
    """The paths that still serve the case when the one the rules call for does not fit
    the budget: a fine-tune's alternative (RAG or prompting), a LoRA for a full fine-tune;
    never a path the client tried and found wanting, and never plain prompting when the
    case needs retrieval (private or changing knowledge cannot come from a prompt)."""
    failed = _failed(tried)
    paths = {core.strategy}
    if core.strategy in FINE_TUNE:
        paths.add(core.alternative)
        if core.strategy == "full_fine_tune":
            paths.add("lora")
    return {p for p in paths if p == core.strategy or p not in failed}


def _select(core: _Core, options: list[Option], profile: dict[str, Any],
            budget: float | None) -> tuple[Option | None, list[tuple[str, str]], bool]:
    """The cheapest option that works: of the strategy the rules call for, meeting the
    constraints and the budget; a distilled small model when it is cheaper even at the
    top of its range; and when nothing of that strategy fits the budget, the cheapest
    option that does."""
    tried = profile.get("tried") or []
    notes: list[tuple[str, str]] = []
    usable = [o for o in options if _usable(o, tried)]
    candidates = [o for o in usable if o.strategy == core.strategy and not o.teacher]
    can_tune = profile.get("ml_team") != "none" and profile.get("data_quality") != "low"
    best = min(candidates, key=lambda o: o.total_usd) if candidates else None
    if can_tune and best is not None and core.strategy != "full_fine_tune":
        distilled = [o for o in usable if o.teacher and o.high < best.total_usd]
        if distilled:
            candidates += distilled
    fitting = [o for o in candidates if fits(o, budget) is not False]
    if fitting:
        return min(fitting, key=lambda o: o.total_usd), notes, False
    if candidates:
        # Nothing of the strategy fits: the cheapest option of another path that still works.
        allowed = _workable(core, tried)
        others = [o for o in usable if o.strategy in allowed and fits(o, budget) and not o.teacher]
        if others:
            pick = min(others, key=lambda o: o.total_usd)
            notes.append(("budget.fallback", f"Nothing for {strategy_label(core.strategy, 'label')} fits your budget "
                                             f"(the cheapest costs ${best.total_usd:,.0f}); the cheapest option that "
                                             f"does is {describe(pick)}."))
            return pick, notes, False
        return min(candidates, key=lambda o: o.total_usd), notes, True
    if usable:
        pick = min((o for o in usable if not o.teacher), key=lambda o: o.total_usd, default=None) or usable[0]
        notes.append(("constraints.fallback", f"No option for {strategy_label(core.strategy, 'label')} meets your "
                                              f"constraints; the cheapest that does is {describe(pick)}."))
        return pick, notes, fits(pick, budget) is False
    return (min(options, key=lambda o: o.total_usd) if options else None), notes, True


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
        "defer" in effect and effect["defer"] in core.cases,
        "technique" in effect,
        "alternative" in effect and (core.strategy == effect["alternative"] or not core.justified),
        "complement" in effect and core.strategy in FINE_TUNE,
    ]
    return any(mattered)


# --- missing facts ---------------------------------------------------------------------

def _variants(name: str) -> list[tuple[str, Any]]:
    info = FIELDS[name]
    return [(c.label, [c.value] if info.multiple else c.value) for c in info.choices]


def _outcome(ev: _Eval) -> tuple[str | None, str]:
    return (ev.recommended.id if ev.recommended else None), ev.core.strategy


def _missing(profile: dict[str, Any], base: _Eval, book: RuleBook, today: date,
             nearness: dict[str, float]) -> list[Question]:
    """Unknown facts whose answer could change the recommendation, nearest to a tipping
    point first; each `why` says in words what would change."""
    scored: list[tuple[Any, ...]] = []
    for name in FIELDS:
        if name in profile or name in _NOT_ASKED:
            continue
        if name == "data_quality" and profile.get("labeled_examples") == 0:
            continue  # the quality of examples a team does not have is not a question
        if name in ("current_failure_rate", "target_failure_rate") and "output_format" not in (profile.get("goals") or []):
            continue
        if name == "engineer_month_usd" and profile.get("ml_team") != "none":
            continue  # a team's rate is the default's business; a founder's own time is not
        variants = _variants(name)
        flips: list[tuple[str, _Eval]] = []
        option_changes = 0
        for label, value in variants:
            other = _evaluate({**profile, name: value}, book, today)
            if other.core.strategy != base.core.strategy or other.core.justified != base.core.justified:
                flips.append((label, other))
            elif _outcome(other) != _outcome(base):
                option_changes += 1
        info = FIELDS[name]
        if flips:
            label, other = flips[0]
            change = (f"the recommendation becomes {describe(other.recommended)}" if other.recommended and
                      other.core.strategy != base.core.strategy else
                      "fine-tuning becomes " + ("justified" if other.core.justified else "unjustified"))
            why = f"If the answer is \u201c{label.lower()}\u201d, {change}"
            if len(flips) > 1:
                why += f" ({len(flips)} of {len(variants)} answers change it)"
            impact, share = "strategy", len(flips) / len(variants)
        elif option_changes:
            why = "Some answers change which model or serving is cheapest; the strategy stays the same"
            impact, share = "costs", 0.0
        elif name in COST_FIELDS:
            why = "It refines the cost figures; the recommendation stays the same"
            impact, share = "costs", 0.0
        else:
            continue
        order = _ASK_ORDER.index(name) if name in _ASK_ORDER else len(_ASK_ORDER)
        question = Question(name, info.question, info.choices_dicts(), why + ".", impact, info.multiple)
        scored.append((impact != "strategy", -share, nearness.get(name, math.inf), -option_changes, order, question))
    scored.sort(key=lambda item: item[:5])
    return [item[-1] for item in scored]


# --- costs ---------------------------------------------------------------------------

def _option_costs(option: Option | None, strategy: str) -> dict[str, Any] | None:
    if option is None:
        return None
    return {"strategy": strategy, "option": option.id, "setup_usd": round(option.setup_usd, 2),
            "monthly_usd": round(option.monthly_usd, 2), "total_usd": round(option.total_usd, 2),
            "low": round(option.low, 2), "high": round(option.high, 2)}


def _break_even_month(a: Option | None, b: Option | None, horizon: int) -> int | None:
    """First month in which `a` (more set-up) is cumulatively no dearer than `b`."""
    if a is None or b is None:
        return None
    for month in range(1, horizon + 1):
        if a.setup_usd + a.monthly_usd * month <= b.setup_usd + b.monthly_usd * month + 1e-9:
            return month
    return None


def _costs(ev: _Eval, alternative: Option | None, alternative_strategy: str) -> dict[str, Any]:
    rec = ev.recommended
    ft, other = (rec, alternative) if rec and rec.strategy in FINE_TUNE else (alternative, rec)
    return {
        "horizon_months": ev.case.horizon,
        "recommended": _option_costs(rec, rec.strategy) if rec else None,
        "alternative": _option_costs(alternative, alternative_strategy),
        "break_even_month": _break_even_month(ft, other, ev.case.horizon),
        "source": "tools.decision.options (priced with tools.estimators)",
    }


# --- decide --------------------------------------------------------------------------

def _render_facts(ev: _Eval, alternative: str, alt_option: Option | None, profile: dict[str, Any],
                  book: RuleBook, today: date) -> dict[str, Any]:
    rec = ev.recommended
    facts = {**ev.facts, "strategy": ev.core.strategy,
             "cost_recommended_total_usd": rec.total_usd if rec else None,
             "cost_recommended_monthly_usd": rec.monthly_usd if rec else None,
             "cost_alternative_total_usd": alt_option.total_usd if alt_option else None,
             "cost_alternative_monthly_usd": alt_option.monthly_usd if alt_option else None,
             "alternative_label": strategy_label(alternative, "label"),
             "deployment_label": DEPLOYMENT_TERMS[profile.get("deployment", "any")].label}
    facts.setdefault("horizon_months", ev.case.horizon)
    if "style" in (profile.get("goals") or []):
        facts["style_scale_requests"] = style_scale(profile, book, today)
    return facts


def style_scale(profile: dict[str, Any], book: RuleBook, today: date) -> int | None:
    """Requests a month from which the cheapest LoRA costs less over the horizon than the
    cheapest prompting option with its style examples in every prompt (None: never
    within 10 billion)."""
    def lora_wins(requests: float) -> bool:
        facts = _cost_facts(options_for(Case.from_profile({**profile, "requests_per_month": requests}, today)))
        return bool(facts.get("lora_cheaper_than_prompting"))

    low, high = 100.0, 1e10
    if lora_wins(low):
        return int(low)
    if not lora_wins(high):
        return None
    for _ in range(40):
        mid = math.sqrt(low * high)
        low, high = (low, mid) if lora_wins(mid) else (mid, high)
        if high / low < 1.01:
            break
    return int(round(high, -int(math.floor(math.log10(high))) + 1))


def _engine_notes(ev: _Eval, profile: dict[str, Any], today: date) -> tuple[list[Note], list[Note]]:
    """Reasons and warnings about the options: what is recommended and the cheapest
    option it beat, retirements, budgets and vendor terms."""
    reasons: list[Note] = []
    warnings: list[Note] = []
    rec = ev.recommended
    case = ev.case
    if rec is None:
        return reasons, warnings
    reasons.append(Note("options.recommended", f"The cheapest option that works for this case: {describe(rec)}, "
                                               f"about ${rec.total_usd:,.0f} over {case.horizon} months "
                                               f"(${rec.setup_usd:,.0f} to set up, ${rec.monthly_usd:,.0f} a month)."))
    for rule, text in ev.selection:
        reasons.append(Note(rule, text))
    cheaper = [o for o in ev.options if o.total_usd < rec.total_usd and o.id != rec.id]
    if cheaper:
        o = cheaper[0]
        reasons.append(Note("options.rejected", f"Cheaper but not recommended: {describe(o)} "
                                                f"(${o.total_usd:,.0f}), because {rejection(o, ev, profile)}."))
    when = user_model_retires(case)
    if when is not None:
        successor = get_catalog().successor(case.model) or "a current model"
        verb = "was retired on" if when <= today else "retires on"
        move = (f"build an eval set from your examples and move to {successor} first"
                if rec.model in (case.model, successor) else
                f"the recommended option moves you to {rec.model}, which settles it; measure {case.model} on an "
                "eval set from your examples before then")
        warnings.append(Note("availability.retirement",
                             f"{case.model} {verb} {when.isoformat()}, within your {case.horizon}-month horizon: "
                             f"{move}. No option is priced on {case.model} past that date; the move is in every "
                             "total."))
    if ev.none_fits and case.budget is not None:
        warnings.append(Note("budget.none_fits",
                             f"No option fits your budget of ${case.budget:,.0f} over {case.horizon} months: the "
                             f"cheapest way to do {strategy_label(rec.strategy, 'label')} that meets your constraints is {describe(rec)} "
                             f"at about ${rec.total_usd:,.0f}."))
    if rec.teacher and _is_vendor_model(rec.teacher):
        warnings.append(Note("terms.distillation",
                             f"Training a model on {rec.teacher}'s outputs: read the vendor's terms first; some "
                             "forbid using outputs to develop competing models."))
    if own_time(profile):
        warnings.append(Note("costs.own_time",
                             "You have no ML team and a budget below one hired engineer-month, so the work is "
                             "counted as your own time, not cash; set engineer_month_usd to put a price on it."))
    elif (profile.get("ml_team") == "none" and "engineer_month_usd" not in profile
            and rec.setup_parts.get("engineering", (0.0,))[0] > (case.budget or math.inf) / 4):
        warnings.append(Note("costs.own_time",
                             "Engineering time is priced at a hired engineer's rate "
                             f"(${ENGINEER_MONTH_USD:,.0f} a month); if the work is your own time, set "
                             "engineer_month_usd to what it is worth to you."))
    return reasons, warnings


def _is_vendor_model(model: str) -> bool:
    catalog = get_catalog()
    return model in catalog.api_specs or catalog.vendor_model(model) is not None


def rejection(option: Option, ev: _Eval, profile: dict[str, Any]) -> str:
    """Why a cheaper option was not recommended, in words."""
    if not option.meets_constraints:
        return option.excluded_because[0] if option.excluded_because else "it does not meet your constraints"
    tried = [t for t in option.techniques if t in (profile.get("tried") or []) and t in ("smaller_model", "distillation")]
    if tried:
        return f"you tried {technique_label(tried[0])} and found it not good enough"
    if option.teacher:
        if ev.core.strategy == "full_fine_tune":
            return "the case calls for full fine-tuning"
        return "its cost range overlaps the recommendation's, so the saving is not sure enough to bet a distillation on"
    if option.within_budget is False:
        return "it does not fit your budget"
    if option.strategy != ev.core.strategy:
        return f"the rules call for {strategy_label(ev.core.strategy, 'label')} here, not {strategy_label(option.strategy, 'label')}"
    return "it costs more"


def decide(profile: dict[str, Any], *, today: date | None = None, analyse: bool = True) -> Decision:
    """The recommendation for a case profile (validated here; InputError if invalid).
    `analyse=False` skips tipping points, robustness and sensitivity (what-ifs only)."""
    profile = validate_profile(profile)
    today = today or date.today()
    book = load_rules()
    ev = _evaluate(profile, book, today)
    ev.options = with_budget(ev.options, ev.case.budget)
    if ev.recommended is not None:
        ev.recommended = next(o for o in ev.options if o.id == ev.recommended.id)
    core = ev.core
    alternative = core.alternative if core.strategy in FINE_TUNE else "lora"
    alt_option = cheapest([o for o in ev.options if not o.teacher], alternative)
    facts = _render_facts(ev, alternative, alt_option, profile, book, today)
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
    more_reasons, more_warnings = _engine_notes(ev, profile, today)
    reasons += more_reasons
    warnings += more_warnings

    tipping: list[dict[str, Any]] = []
    robust: dict[str, Any] = {"share": 1.0, "variations": 0, "most_flips": None}
    sens: dict[str, list[dict[str, Any]]] = {}
    volume: dict[str, float | None] = {}
    if analyse and ev.recommended is not None:
        evaluate = lambda p, knobs=Knobs(): _evaluate(p, book, today, knobs)  # noqa: E731
        tipping = tipping_points(profile, ev, evaluate)
        robust = robustness(profile, ev, evaluate)
        sens = sensitivity(ev)
        volume = break_even_volume(ev, evaluate, profile)
    nearness = {t["field"]: abs(math.log(max(t["flips_at"], 1e-9) / max(t["current"], 1e-9)))
                for t in tipping if isinstance(t.get("current"), (int, float)) and
                isinstance(t.get("flips_at"), (int, float)) and t["current"] > 0}
    missing = _missing(profile, ev, book, today, nearness)
    rec = ev.recommended
    return Decision(
        strategy=core.strategy,
        fine_tune_justified=core.justified,
        complements=complements,
        reasons=reasons,
        warnings=warnings,
        missing=missing,
        confidence=round(robust["share"], 3),
        costs=_costs(ev, alt_option, alternative),
        alternative=alternative,
        rules=[r.id for r in core.before + after],
        options=[o.to_dict() for o in ev.options],
        recommended=rec.id if rec else None,
        model=rec.model if rec else None,
        serving=rec.serving if rec else None,
        techniques=list(rec.techniques) if rec else [],
        plan=build_plan(ev, profile, alt_option),
        tipping_points=tipping,
        robustness=robust,
        sensitivity=sens,
        break_even_requests_per_month=volume,
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
