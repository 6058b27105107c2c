"""The case: the one merge of new facts into the profile ("a later answer wins"),
validated, and the decision kept current. Every advisor uses it: the offline interview,
the LLM's update_profile tool and the slash commands."""
from __future__ import annotations

from typing import Any, Iterable

from agent.consultation import Consultation
from agent.events import ProfileChanged
from agent.presentation import field_label, show_value
from tools.decision.decide import decide as run_decision
from tools.decision.profile import PROFILE_SCHEMA, validate_profile
from tools.errors import InputError


def field_type(name: str) -> str:
    """'array', 'boolean', 'integer', 'number' or 'string' (enums are strings)."""
    spec = PROFILE_SCHEMA["properties"].get(name, {})
    kind = spec.get("type", "string")
    return kind if isinstance(kind, str) else "string"


def apply_updates(profile: dict[str, Any], updates: dict[str, Any], removed_goals: Iterable[str] = (),
                  *, replace_lists: bool = False,
                  strict: bool = False) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Merge `updates` into a copy of `profile`, validated. The one merge every advisor
    uses (the LLM's update_profile tool too).

    Lists (goals, tried) grow unless `replace_lists`; scalar fields take the new value,
    and a note says which earlier answer it replaces (the later answer wins). An update
    that does not validate is dropped with a note naming the field and what was
    expected; with `strict`, the InputError is raised instead (a model gets it back as
    an error to fix). Returns (new profile, changed fields, notes)."""
    new = dict(profile)
    changed: dict[str, Any] = {}
    notes: list[str] = []
    for key, value in updates.items():
        old = new.get(key)
        if value is None:
            if key in new:
                del new[key]
                changed[key] = None
                notes.append(f"{field_label(key)}: cleared")
            continue
        if isinstance(value, list) and not replace_lists and isinstance(old, list):
            merged = list(dict.fromkeys([*old, *value]))
            if merged != old:
                new[key] = merged
                changed[key] = merged
            continue
        if old == value:
            continue
        new[key] = value
        changed[key] = value
        if old is not None and key != "use_case":
            notes.append(f"{field_label(key)}: {show_value(key, value)} replaces "
                         f"{show_value(key, old)} (later answer wins)")
    for goal in removed_goals:
        goals = new.get("goals") or []
        if goal in goals:
            new["goals"] = [g for g in goals if g != goal]
            changed["goals"] = new["goals"]
            notes.append(f"goals: removed {goal.replace('_', ' ')} (you ruled it out)")
    # Drop what does not validate, one field at a time, so one bad value never loses
    # the rest of the message.
    for _ in range(len(changed) + 1):
        try:
            new = validate_profile(new)
            break
        except InputError as exc:
            bad = exc.field.removeprefix("$.").split("[")[0].split(".")[0]
            if strict or bad not in changed or bad not in new:
                raise
            notes.append(f"ignored {exc.message()}")
            if bad in profile:
                new[bad] = profile[bad]
            else:
                del new[bad]
            changed.pop(bad, None)
    changed = {k: new.get(k) for k in changed}
    return new, changed, notes


def set_profile(consultation: Consultation, updates: dict[str, Any], removed_goals: Iterable[str] = (),
                *, replace_lists: bool = False) -> ProfileChanged | None:
    """Apply `updates` to the consultation's profile; the event to announce, or None."""
    new, changed, notes = apply_updates(consultation.profile, updates, removed_goals, replace_lists=replace_lists)
    if not changed and not notes:
        return None
    consultation.profile = new
    return ProfileChanged(profile=dict(new), changed=changed, notes=tuple(notes))


def decide(profile: dict[str, Any]) -> dict[str, Any]:
    """The decision for `profile`, as the JSON-ready dict events and consultations carry."""
    return run_decision(profile).to_dict()


def recommend(consultation: Consultation) -> dict[str, Any]:
    """Decide on the consultation's profile and keep the result as its recommendation."""
    decision = decide(consultation.profile)
    consultation.recommendation = decision
    return decision
