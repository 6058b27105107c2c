"""The article's rules, loaded from `tools/decision/data/rules.json` and evaluated over the facts
of a case.

Evaluation is three-valued: a condition is True, False or None (unknown), because a
profile fills up as the consultation goes on. A rule fires only when its condition is
True, so an unknown fact never fires one; the decision then asks for that fact.

The condition language (documented in docs/decision.md):
  {"all": [c, ...]}  {"any": [c, ...]}  {"not": c}  {"not_true": c}
  {"field": NAME, "op": OP, "value": V}  with OP one of eq ne lt le gt ge in contains known
  where V may be a literal, {"param": NAME} or {"field": NAME}.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

KINDS = ("justified", "myth", "prerequisite", "order", "availability", "constraint")
EFFECT_KEYS = {"justify", "alternative", "block", "allow_full", "discount", "complement", "warn", "defer", "technique"}
OPS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "contains", "known")
STRATEGY_VALUES = ("prompt_engineering", "rag", "lora", "full_fine_tune")


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    passage: str
    when: dict[str, Any]
    effect: dict[str, Any]
    text: str
    #: "before": decides the strategy; "after": evaluated once the strategy is known.
    phase: str = "before"

    def render(self, facts: dict[str, Any]) -> str:
        """The rule's text with the case's facts filled in."""
        return render_text(self.text, facts)


@dataclass(frozen=True)
class RuleBook:
    rules: tuple[Rule, ...]
    params: dict[str, Any]
    param_sources: dict[str, str]
    source: str
    by_id: dict[str, Rule] = field(default_factory=dict)

    def get(self, rule_id: str) -> Rule:
        return self.by_id[rule_id]


class RuleDataError(ValueError):
    """rules.json is malformed: a bug in the data, caught at load time and by tests."""


def _check_condition(cond: Any, rule_id: str, params: dict[str, Any]) -> set[str]:
    """Validate a condition's shape; return the fields it reads."""
    if not isinstance(cond, dict) or len(cond) == 0:
        raise RuleDataError(f"{rule_id}: a condition must be a non-empty object, got {cond!r}")
    if "all" in cond or "any" in cond:
        key = "all" if "all" in cond else "any"
        if not isinstance(cond[key], list) or not cond[key]:
            raise RuleDataError(f"{rule_id}: '{key}' needs a non-empty list")
        return set().union(*(_check_condition(c, rule_id, params) for c in cond[key]))
    if "not" in cond or "not_true" in cond:
        return _check_condition(cond.get("not", cond.get("not_true")), rule_id, params)
    if "field" not in cond or cond.get("op") not in OPS:
        raise RuleDataError(f"{rule_id}: unknown condition {cond!r} (ops: {', '.join(OPS)})")
    fields = {cond["field"]}
    value = cond.get("value")
    if isinstance(value, dict):
        if "param" in value and value["param"] not in params:
            raise RuleDataError(f"{rule_id}: unknown param {value['param']!r}")
        if "field" in value:
            fields.add(value["field"])
    elif cond["op"] != "known" and "value" not in cond:
        raise RuleDataError(f"{rule_id}: op {cond['op']} needs a value")
    return fields


def parse_rulebook(data: dict[str, Any]) -> RuleBook:
    params = {k: v["value"] for k, v in data.get("params", {}).items()}
    sources = {k: v.get("source", "") for k, v in data.get("params", {}).items()}
    rules = []
    seen: set[str] = set()
    for raw in data["rules"]:
        rule_id = raw.get("id", "?")
        if rule_id in seen:
            raise RuleDataError(f"duplicate rule id {rule_id}")
        seen.add(rule_id)
        if raw.get("kind") not in KINDS:
            raise RuleDataError(f"{rule_id}: kind must be one of {KINDS}")
        for key in ("passage", "text"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise RuleDataError(f"{rule_id}: needs a non-empty {key}")
        effect = raw.get("effect", {})
        if set(effect) - EFFECT_KEYS:
            raise RuleDataError(f"{rule_id}: unknown effect {sorted(set(effect) - EFFECT_KEYS)}")
        for key in ("alternative", "complement"):
            if key in effect and effect[key] not in STRATEGY_VALUES:
                raise RuleDataError(f"{rule_id}: {key} must be a strategy")
        if "block" in effect and effect["block"] not in ("fine_tune", "full_fine_tune"):
            raise RuleDataError(f"{rule_id}: block must be fine_tune or full_fine_tune")
        phase = raw.get("phase", "before")
        reads = _check_condition(raw["when"], rule_id, params)
        if "strategy" in reads and phase != "after":
            raise RuleDataError(f"{rule_id}: only phase 'after' rules may test the strategy")
        rules.append(Rule(rule_id, raw["kind"], raw["passage"], raw["when"], effect, raw["text"], phase))
    for rule in rules:
        for key in ("discount", "defer"):
            target = rule.effect.get(key)
            if target is not None and target not in seen:
                raise RuleDataError(f"{rule.id}: {key}s unknown rule {target}")
    book = RuleBook(tuple(rules), params, sources, data.get("source", ""), {r.id: r for r in rules})
    return book


@lru_cache(maxsize=1)
def load_rules() -> RuleBook:
    text = resources.files("tools.decision").joinpath("data/rules.json").read_text(encoding="utf-8")
    return parse_rulebook(json.loads(text))


# --- evaluation -------------------------------------------------------------------

Truth = bool | None


def _value(spec: Any, facts: dict[str, Any], params: dict[str, Any]) -> Any:
    if isinstance(spec, dict):
        if "param" in spec:
            return params[spec["param"]]
        if "field" in spec:
            return facts.get(spec["field"])
    return spec


def evaluate(cond: dict[str, Any], facts: dict[str, Any], params: dict[str, Any]) -> Truth:
    """True, False, or None when a fact the answer depends on is unknown (Kleene logic)."""
    if "all" in cond:
        results = [evaluate(c, facts, params) for c in cond["all"]]
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True
    if "any" in cond:
        results = [evaluate(c, facts, params) for c in cond["any"]]
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False
    if "not" in cond:
        inner = evaluate(cond["not"], facts, params)
        return None if inner is None else not inner
    if "not_true" in cond:
        # "Unless known to be true": for advice that applies until the user confirms.
        return evaluate(cond["not_true"], facts, params) is not True
    actual = facts.get(cond["field"])
    op = cond["op"]
    if op == "known":
        return actual is not None
    expected = _value(cond.get("value"), facts, params)
    if actual is None or expected is None:
        return None
    if op == "eq":
        return actual == expected
    if op == "ne":
        return actual != expected
    if op == "in":
        return actual in expected
    if op == "contains":
        return expected in actual
    return {"lt": actual < expected, "le": actual <= expected,
            "gt": actual > expected, "ge": actual >= expected}[op]


def fired(rules: tuple[Rule, ...] | list[Rule], facts: dict[str, Any], params: dict[str, Any],
          phase: str) -> list[Rule]:
    """The rules of `phase` whose condition is True for these facts, in file order."""
    return [r for r in rules if r.phase == phase and evaluate(r.when, facts, params) is True]


class _Facts(dict):
    """format_map source that leaves unknown placeholders readable instead of failing."""

    def __missing__(self, key: str) -> str:
        return "an unknown " + key.replace("_", " ")


def render_text(text: str, facts: dict[str, Any]) -> str:
    try:
        return text.format_map(_Facts(facts))
    except (ValueError, TypeError):
        # A format spec such as {x:,} applied to an unknown value: drop the specs.
        import re

        return re.sub(r"\{(\w+):[^}]*\}", r"{\1}", text).format_map(_Facts(facts))
