"""The plan for a recommended option: ordered steps, each with the measured result
(the gate) that decides whether to go on. A consultant's plan starts with what is
forced (a model that retires), measures a baseline, tries the cheap technique before
the expensive one and says which number decides."""
from __future__ import annotations

from typing import Any

from tools.catalog.catalog import get_catalog
from tools.decision.options import Option, current_model, describe, user_model_retires
from tools.decision.vocabulary import SERVING_TERMS, strategy_label

EVAL_SET_EXAMPLES = 200


def _step(step: str, gate: str) -> dict[str, str]:
    return {"step": step, "gate": gate}


def _target(profile: dict[str, Any]) -> str:
    target = profile.get("target_failure_rate")
    return f"{target:.1%}" if target is not None else "your target"


def _fallback(ev: Any, rec: Option) -> str:
    """What to do when the smaller model fails its eval: stay on today's model if it
    may be used, else try the next larger model that meets the constraints."""
    mine = current_model(ev.case)
    if any(o.model == mine and o.meets_constraints for o in ev.options):
        return f"stay on {mine}"
    larger = sorted({o.model for o in ev.options if o.meets_constraints and o.model != rec.model
                     and o.strategy == rec.strategy})
    return f"try {larger[0]}" if larger else "try a larger model that runs where you need it"


def build_plan(ev: Any, profile: dict[str, Any], alternative: Option | None) -> list[dict[str, str]]:
    rec: Option | None = ev.recommended
    if rec is None:
        return []
    case = ev.case
    steps: list[dict[str, str]] = []
    when = user_model_retires(case)
    successor = (get_catalog().successor(case.model) or "a current model") if when is not None else None
    if when is not None and rec.model in (case.model, successor):
        steps.append(_step(f"Migrate before {when.isoformat()}: build an eval set of {EVAL_SET_EXAMPLES} examples "
                           f"from your own cases and move from {case.model} to {successor}.",
                           f"{successor} scores at least as well as {case.model} on the eval set"))
    elif not case.model_given:
        steps.append(_step(f"Build a held-out eval set of {EVAL_SET_EXAMPLES} real cases and measure {rec.model} "
                           "with a plain prompt.", "baseline quality and failure rate measured"))
    else:
        before = f" before it retires on {when.isoformat()}" if when is not None and when > case.today else ""
        steps.append(_step(f"Build a held-out eval set of {EVAL_SET_EXAMPLES} real cases and measure today's "
                           f"{case.model}{before}.", "baseline quality and failure rate measured"))
    techniques = rec.techniques
    if "structured_outputs" in techniques:
        how = ("turn on structured outputs with a JSON Schema" if rec.serving == "api" else
               "use grammar-constrained decoding with your JSON Schema")
        steps.append(_step(f"Enforce the output format: {how}.",
                           f"failure rate on the eval set at or below {_target(profile)}; if not, a LoRA for the "
                           "format is next"))
    if "tool_use" in techniques:
        steps.append(_step("Give the model tools for calculations, code and live data (a calculator, a code runner, "
                           "a live lookup).", "the eval set's calculation and fresh-data cases answered correctly"))
    if "retrieval" in techniques:
        steps.append(_step("Index your documents and retrieve the relevant passages into each prompt (RAG).",
                           "answers cite retrieved sources and beat the baseline on the eval set"))
    if rec.teacher:
        steps.append(_step(f"Collect {rec.examples_used:,} checked outputs of {rec.teacher} and LoRA-tune "
                           f"{rec.model} on them (distillation); read {rec.teacher}'s vendor terms first.",
                           f"if it scores within your tolerance of {rec.teacher} on the held-out set, switch; "
                           f"otherwise stay on {rec.teacher}"))
    elif "smaller_model" in techniques:
        steps.append(_step(f"Run the eval set on {rec.model} with the same prompt.",
                           f"if it scores within your tolerance on the held-out set, switch to {rec.model}; "
                           f"otherwise {_fallback(ev, rec)}"))
    if rec.strategy in ("lora", "full_fine_tune") and not rec.teacher:
        have = int(profile.get("labeled_examples") or 0)
        use = rec.examples_used or 0
        data = (f"{use:,} of your {have:,} labelled examples (keep the rest as the held-out set)" if have > use
                else f"{use:,} labelled examples")
        steps.append(_step(f"Measure the best prompt on the eval set first; then train "
                           f"{strategy_label(rec.strategy, 'label')} on {rec.model} with {data}.",
                           "the tuned model beats the prompt baseline on the held-out set by enough to pay "
                           f"for the difference (about ${(rec.total_usd - alternative.total_usd):,.0f} over "
                           f"{case.horizon} months)" if alternative and rec.total_usd > alternative.total_usd else
                           "the tuned model beats the prompt baseline on the held-out set"))
    steps.append(_step(f"Run {describe(rec, short=True)} on {SERVING_TERMS[rec.serving].label} and watch quality "
                       "and cost every month.",
                       f"monthly cost near ${rec.monthly_usd:,.0f} and eval scores holding; re-check the plan when "
                       "volume or the model changes"))
    return steps
