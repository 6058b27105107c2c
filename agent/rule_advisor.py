"""The offline rule-only advisor: an interview that needs no model. It only interviews:
the profile merge and the decision are in agent/case.py, the Markdown of decisions and
costs in agent/presentation.py.

It asks for the case in the user's own words, reads the facts out of the text with
deterministic parsing (agent/parsing.py), says what it understood, then asks the one
question the decision says could change the answer most (`Decision.missing`), until
enough is known or the user asks for the recommendation. The recommendation comes from
tools.decision.decide with its reasons, warnings and a cost comparison from tools.estimators.compare.

Its state (stage, pending question, skipped fields) lives in `consultation.state`
under "interview", so a saved consultation resumes mid-interview. The fixed texts live
in prompts/offline/*.md. Never imports litellm.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from string import Template
from typing import Any, AsyncIterator, Iterable

from agent.case import decide, field_type, set_profile
from agent.consultation import Consultation
from agent.events import Event, ProfileChanged, Recommendation, TextDelta, TurnDone
from agent.parsing import RECOMMEND_WORDS, Answer, Extraction, clean, extract_facts, find_model, parse_answer
from agent.presentation import (assumed_fields, assumed_items, field_label, render_change, render_recommendation,
                                render_update, show_value, understood)
from tools.decision.decide import compare_for
from tools.decision.profile import FIELDS, PROFILE_FIELDS, PROFILE_SCHEMA
from tools.decision.vocabulary import STRATEGY_TERMS
from tools.errors import InputError

#: After this many questions the interview recommends even if facts are still missing.
MAX_QUESTIONS = 8
#: An unreadable answer is re-asked once; the second time the question is left open.
MAX_REASKS = 2
STATE_KEY = "interview"
_USE_CASE_CHARS = 500
_LANGUAGES = {"es": "Spanish", "fr": "French", "de": "German", "it": "Italian", "pt": "Portuguese", "nl": "Dutch",
              "ru": "Russian", "pl": "Polish", "tr": "Turkish", "zh": "Chinese", "ja": "Japanese", "ko": "Korean",
              "ar": "Arabic", "hi": "Hindi", "sv": "Swedish", "da": "Danish", "no": "Norwegian", "fi": "Finnish"}

# Names other modules still import from here until they move to their homes: the merge
# (`apply_updates`, `field_type`) is in agent/case.py, the labels in the vocabulary.
STRATEGY_LABELS = {k: t.title for k, t in STRATEGY_TERMS.items()}


# --------------------------------------------------------------------------- texts

@lru_cache(maxsize=None)
def _raw_text(name: str) -> str:
    return resources.files("prompts").joinpath("offline", f"{name}.md").read_text(encoding="utf-8").strip()


def text(name: str, **values: Any) -> str:
    """A fixed text from prompts/offline/NAME.md with $placeholders filled."""
    return Template(_raw_text(name)).safe_substitute({k: str(v) for k, v in values.items()})


def open_questions(decision: dict[str, Any], consultation_id: str, limit: int = 4) -> str:
    """The facts that could still change the answer, as a list (for a one-shot answer,
    where nobody is there to reply to a question)."""
    missing = [m for m in decision.get("missing") or [] if isinstance(m, dict) and m.get("question")]
    if not missing:
        return text("no_more_questions")
    lines = ["### What could still change this", ""]
    lines += [f"- {m['question']} (`{m.get('field')}`)" for m in missing[:limit]]
    lines += ["", f"Answer them in a conversation: `ft-advisor chat --resume {consultation_id}`, "
                  "or state them in your question (for example *\"we have 20k labelled examples and a $50k "
                  "budget\"*)."]
    return "\n".join(lines)


def _words(extraction: Extraction) -> dict[str, str]:
    """Field -> the words it was read from (goals joined)."""
    words: dict[str, list[str]] = {}
    for fact in extraction.facts:
        if fact.text and fact.text not in words.setdefault(fact.field, []):
            words[fact.field].append(fact.text)
    return {k: "”, “".join(v) for k, v in words.items()}


def reading(consultation: Consultation) -> dict[str, Any]:
    """The last message's reading (facts with their words, unread numbers,
    contradictions, language) and the decisive inputs the costs assumed."""
    kept = (consultation.state.get(STATE_KEY) or {}).get("reading") or {}
    return {"facts": list(kept.get("facts") or []), "unread": list(kept.get("unread") or []),
            "contradictions": list(kept.get("contradictions") or []), "language": kept.get("language", "en"),
            "assumed": list(kept.get("assumed") or [])}


def _rules(decision: dict[str, Any]) -> list[str]:
    return [str(item.get("rule")) for key in ("reasons", "warnings") for item in decision.get(key) or []
            if isinstance(item, dict) and item.get("rule")]


# --------------------------------------------------------------------------- questions

def render_question(question: dict[str, Any], number: int | None = None) -> str:
    head = f"**Question {number}.** " if number else ""
    lines = [head + str(question.get("question", ""))]
    choices = question.get("choices") or []
    if choices:
        lines.append("")
        lines += [f"{i}. {c.get('label', c.get('value'))}" for i, c in enumerate(choices, 1)]
    lines += ["", text("question_footer")]
    return "\n".join(lines)


def _pending_question(decision: dict[str, Any], profile: dict[str, Any], state: dict[str, Any],
                      *, strategy_only: bool = False) -> dict[str, Any] | None:
    """The most decisive open question not skipped; with `strategy_only`, only one whose
    answer could change the strategy (not merely refine the costs)."""
    skipped = set(state.get("skipped", []))
    missing = [m for m in decision.get("missing") or [] if isinstance(m, dict)]
    for item in missing:
        name = item.get("field")
        if not name or name in skipped:
            continue
        if name == "data_quality":
            # "How clean are those examples?" comes after "how many examples do you
            # have" (decide() drops it when there are none).
            if "labeled_examples" not in profile and "labeled_examples" not in skipped:
                first = next((m for m in missing if m.get("field") == "labeled_examples"), None)
                if first is not None and not (strategy_only and first.get("impact", "strategy") != "strategy"):
                    item = first
                    name = "labeled_examples"
        if strategy_only and item.get("impact", "strategy") != "strategy":
            continue
        if name in profile and name not in ("goals", "tried"):
            continue
        if name in ("goals", "tried") and profile.get(name) and name in state.get("asked", []):
            continue
        return {k: item.get(k) for k in ("field", "question", "choices", "why", "impact", "multiple")}
    return None


# --------------------------------------------------------------------------- the advisor

_HELP = re.compile(r"^(?:help|\?|commands|how does this work)\W*$")
_WHY = re.compile(r"^(?:why|why\?|why (?:does|do) (?:it|that) matter|why do you ask)\W*$")
_QUESTIONS = re.compile(r"^(?:questions?|continue|ask me|next question|more questions)\W*$")


class RuleAdvisor:
    mode = "offline"
    label = "offline rule-only"

    def __init__(self, *, one_shot: bool = False) -> None:
        #: `ft-advisor ask`: no one will answer a question, so the first message gets the
        #: recommendation at once, with the open questions listed instead of asked.
        self.one_shot = one_shot

    # -- protocol ---------------------------------------------------------------
    async def opening(self, consultation: Consultation) -> AsyncIterator[Event]:
        state = self._state(consultation)
        if consultation.messages and state.get("stage") != "describe":
            body = self.resume_text(consultation)
        else:
            state.clear()
            state.update(self._fresh())
            body = text("greeting")
        yield TextDelta(body)
        consultation.messages.append({"role": "assistant", "content": body})
        yield TurnDone()

    async def respond(self, consultation: Consultation, user_text: str) -> AsyncIterator[Event]:
        consultation.messages.append({"role": "user", "content": user_text})
        parts, events = self.turn(consultation, user_text)
        for event in events:
            if isinstance(event, ProfileChanged):
                yield event
        body = "\n\n".join(p for p in parts if p)
        yield TextDelta(body)
        # Appended after the text, so the session sees a completed message.
        consultation.messages.append({"role": "assistant", "content": body})
        for event in events:
            if not isinstance(event, ProfileChanged):
                yield event
        yield TurnDone()

    # -- state ------------------------------------------------------------------
    @staticmethod
    def _fresh() -> dict[str, Any]:
        return {"stage": "describe", "pending": None, "skipped": [], "asked": [], "reasks": 0,
                "last_strategy": None, "shown_rules": []}

    def _state(self, consultation: Consultation) -> dict[str, Any]:
        state = consultation.state.get(STATE_KEY)
        if not isinstance(state, dict):
            state = self._fresh()
            consultation.state[STATE_KEY] = state
        for key, value in self._fresh().items():
            state.setdefault(key, value)
        return state

    def reset(self, consultation: Consultation) -> None:
        consultation.state[STATE_KEY] = self._fresh()

    # -- one turn (synchronous: no I/O but the tools) ----------------------------
    def turn(self, consultation: Consultation, user_text: str) -> tuple[list[str], list[Event]]:
        state = self._state(consultation)
        cleaned, _ = clean(user_text)
        line = cleaned.strip()
        lowered = line.lower()
        parts: list[str] = []
        events: list[Event] = []

        if not line:
            pending = state.get("pending")
            if state["stage"] == "describe" or not pending:
                return [text("empty")], events
            return [render_question(pending)], events
        if _HELP.match(lowered):
            return [self.help_text()], events
        if _WHY.match(lowered) and state.get("pending"):
            why = state["pending"].get("why") or "It is one of the facts the decision rules depend on."
            return [f"_Why it matters:_ {why}", render_question(state["pending"])], events

        if state["stage"] == "describe":
            return self._describe(consultation, state, cleaned)
        if _QUESTIONS.match(lowered) and state["stage"] == "advising":
            state["stage"] = "questions"
            state["skipped"] = []
            return self._next(consultation, state, parts, events)
        pending = state.get("pending")
        if pending:
            return self._answer(consultation, state, cleaned, pending)
        return self._free_text(consultation, state, cleaned)

    def _describe(self, c: Consultation, state: dict[str, Any], cleaned: str) -> tuple[list[str], list[Event]]:
        parts: list[str] = []
        events: list[Event] = []
        state["stage"] = "questions"
        if RECOMMEND_WORDS.match(cleaned.strip().lower()):
            return self._recommend(c, state, parts, events)
        extraction = extract_facts(cleaned)
        updates = dict(extraction.updates)
        if "use_case" not in c.profile:
            summary = " ".join(cleaned.split())[:_USE_CASE_CHARS]
            if summary:
                updates["use_case"] = summary
        change = set_profile(c, updates, extraction.removed_goals)
        if change:
            events.append(change)
        facts = understood(change.changed, [*extraction.notes, *change.notes], _words(extraction)) if change else ""
        doubts = self._doubts(state, extraction)
        if facts.strip():
            parts.append(text("understood", facts=facts))
        elif not self.one_shot and not doubts:
            parts.append(text("understood_nothing"))
        parts += doubts
        if self.one_shot:
            return self._recommend(c, state, parts, events)
        if extraction.contradictions:
            return self._ask_contradiction(state, parts, events, extraction)
        return self._next(c, state, parts, events)

    def _doubts(self, state: dict[str, Any], extraction: Extraction) -> list[str]:
        """What the reader could not settle, in words: another language, numbers it could
        not attribute, fields stated twice; and the reading kept for `ask --json`."""
        state["reading"] = {**extraction.to_dict(), "assumed": []}
        parts = []
        if extraction.language != "en":
            parts.append(text("other_language", language=_LANGUAGES.get(extraction.language, extraction.language)))
        for words in extraction.unread:
            number = re.match(r"\$?([\d.,]+\s?(?:k|m|million|thousand|b)?)", words.lower())
            parts.append(text("unread", words=words, number=(number[1].strip() if number else "N")))
        for k in extraction.contradictions:
            first, second = (f"{show_value(k.field, v)} (*“{w}”*)" for v, w in zip(k.values[:2], k.texts[:2]))
            parts.append(text("contradiction", first=first, second=second, label=field_label(k.field)))
        return parts

    def _ask_contradiction(self, state: dict[str, Any], parts: list[str], events: list[Event],
                           extraction: Extraction) -> tuple[list[str], list[Event]]:
        """Ask which of two values given in one message is right, as the next question."""
        k = extraction.contradictions[0]
        info = FIELDS.get(k.field)
        shown = " or ".join(show_value(k.field, v) for v in dict.fromkeys(k.values))
        question = {"field": k.field, "question": f"Which is right for *{field_label(k.field)}*: {shown}?",
                    "choices": info.choices_dicts() if info else [], "impact": "strategy",
                    "why": "You gave two values in one message; the rules need one.", "multiple": False}
        state["pending"] = question
        state["reasks"] = 0
        state.setdefault("asked", []).append(k.field)
        parts.append(render_question(question, len(state["asked"])))
        return parts, events

    def _answer(self, c: Consultation, state: dict[str, Any], cleaned: str,
                pending: dict[str, Any]) -> tuple[list[str], list[Event]]:
        parts: list[str] = []
        events: list[Event] = []
        name = pending.get("field", "")
        answer = parse_answer(cleaned, pending, field_type=field_type)
        answer = self._free_text_field(answer, name, cleaned)
        if answer.kind == "recommend":
            self._apply(c, answer.extraction.updates, answer.extraction.removed_goals, parts, events,
                        answer.extraction)
            state["pending"] = None
            return self._recommend(c, state, parts, events)
        if answer.kind == "skip":
            state["skipped"].append(name)
            state["pending"] = None
            state["reasks"] = 0
            parts.append(f"Skipped: I'll leave *{field_label(name)}* open.")
            return self._after_answer(c, state, parts, events)
        if answer.kind == "value":
            updates = dict(answer.extraction.updates)
            updates[name] = answer.value
            # Picking goals from the list replaces the list only when the question asked for it.
            self._apply(c, updates, answer.extraction.removed_goals, parts, events, answer.extraction)
            if name in c.profile or name in ("goals", "tried"):
                state["pending"] = None
                state["reasks"] = 0
                return self._after_answer(c, state, parts, events)
        if answer.kind == "facts":
            self._apply(c, answer.extraction.updates, answer.extraction.removed_goals, parts, events,
                        answer.extraction)
            parts += self._doubts(state, answer.extraction)
            if answer.extraction.contradictions and state["stage"] != "advising":
                return self._ask_contradiction(state, parts, events, answer.extraction)
            if name in c.profile or state["stage"] == "advising":
                # After the recommendation, new facts update it (the open question is offered again).
                state["pending"] = None
                state["reasks"] = 0
                return self._after_answer(c, state, parts, events)
            parts.append("Still open:")
            parts.append(render_question(pending))
            return parts, events
        # Unreadable: a short re-ask, and after MAX_REASKS the question is left open.
        state["reasks"] = state.get("reasks", 0) + 1
        if state["reasks"] >= MAX_REASKS:
            state["skipped"].append(name)
            state["pending"] = None
            state["reasks"] = 0
            parts.append(text("gave_up", label=field_label(name), field=name))
            return self._after_answer(c, state, parts, events)
        choices = pending.get("choices") or []
        numbers = "1 or 2" if len(choices) == 2 else f"a number from 1 to {len(choices)}"
        parts.append(text("reask", numbers=numbers, count=len(choices)) if choices else text("reask_free"))
        parts.append(render_question(pending))
        return parts, events

    def _free_text_field(self, answer: Answer, name: str, cleaned: str) -> Answer:
        """Fields answered in the user's own words: the model (by catalog name) and the
        free-text fields."""
        if answer.kind in ("value", "skip", "recommend"):
            return answer
        if name == "model":
            found = find_model(cleaned)
            if found:
                return Answer("value", found, answer.extraction)
            candidate = cleaned.strip()
            if candidate and len(candidate) <= 80 and " " not in candidate.strip():
                return Answer("value", candidate, answer.extraction)  # validated (with suggestions) on apply
        if name in ("use_case", "output_format_example"):
            limit = PROFILE_SCHEMA["properties"].get(name, {}).get("maxLength", 4000)
            return Answer("value", cleaned.strip()[:limit], answer.extraction)
        return answer

    def _free_text(self, c: Consultation, state: dict[str, Any], cleaned: str) -> tuple[list[str], list[Event]]:
        parts: list[str] = []
        events: list[Event] = []
        if RECOMMEND_WORDS.match(cleaned.strip().lower()):
            return self._recommend(c, state, parts, events)
        extraction = extract_facts(cleaned)
        doubts = self._doubts(state, extraction)
        if extraction.contradictions:
            self._apply(c, extraction.updates, extraction.removed_goals, parts, events, extraction)
            return self._ask_contradiction(state, parts + doubts, events, extraction)
        if not extraction:
            parts += doubts or [text("advising_no_facts") if state["stage"] == "advising" else text("understood_nothing")]
            if state["stage"] != "advising":
                return self._next(c, state, parts, events)
            return parts, events
        self._apply(c, extraction.updates, extraction.removed_goals, parts, events, extraction)
        parts += doubts
        return self._after_answer(c, state, parts, events)

    def _apply(self, c: Consultation, updates: dict[str, Any], removed: Iterable[str], parts: list[str],
               events: list[Event], extraction: Extraction | None = None) -> None:
        change = set_profile(c, updates, removed)
        if change is None:
            return
        events.append(change)
        notes = extraction.notes if extraction else []
        summary = understood(change.changed, [*notes, *change.notes], _words(extraction) if extraction else None)
        if summary:
            parts.append("Noted:\n" + summary)

    def _after_answer(self, c: Consultation, state: dict[str, Any], parts: list[str],
                      events: list[Event]) -> tuple[list[str], list[Event]]:
        if state["stage"] == "advising":
            return self._recommend(c, state, parts, events, update=True)
        return self._next(c, state, parts, events)

    def _next(self, c: Consultation, state: dict[str, Any], parts: list[str],
              events: list[Event]) -> tuple[list[str], list[Event]]:
        """Ask the most decisive open question, or recommend when none is left."""
        decision = decide(c.profile)
        question = _pending_question(decision, c.profile, state, strategy_only=True)
        if question is None or len(state.get("asked", [])) >= MAX_QUESTIONS:
            return self._recommend(c, state, parts, events, decision=decision)
        state["pending"] = question
        state["reasks"] = 0
        state.setdefault("asked", []).append(question["field"])
        parts.append(render_question(question, len(state["asked"])))
        return parts, events

    def _recommend(self, c: Consultation, state: dict[str, Any], parts: list[str], events: list[Event],
                   *, decision: dict[str, Any] | None = None, update: bool = False) -> tuple[list[str], list[Event]]:
        decision = decision or decide(c.profile)
        previous = state.get("last_strategy")
        strategy = decision.get("strategy")
        try:
            assumed = assumed_fields(c.profile, compare_for(c.profile))
        except InputError:
            assumed = {}  # the cost table says why it is missing
        state.setdefault("reading", {})["assumed"] = list(assumed)
        if assumed:
            parts.append(text("assumed", items=assumed_items(assumed)))
        if update and previous == strategy:
            # Same answer: say so briefly, with what is new, not the whole text again.
            parts.append(render_update(decision, c.profile, state.get("shown_rules") or []))
        else:
            if update and previous:
                parts.append(render_change(previous, strategy))
            parts.append(render_recommendation(decision, c.profile))
        state["shown_rules"] = sorted(set(state.get("shown_rules") or []) | set(_rules(decision)))
        c.recommendation = decision
        state["last_strategy"] = strategy
        state["stage"] = "advising"
        events.append(Recommendation(decision))
        if self.one_shot:
            state["pending"] = None
            parts.append(open_questions(decision, c.id))
            return parts, events
        follow = _pending_question(decision, c.profile, state)
        state["pending"] = follow
        state["reasks"] = 0
        if follow:
            state.setdefault("asked", []).append(follow["field"])
            parts.append(text("follow_up"))
            parts.append(render_question(follow))
        return parts, events

    def resume_text(self, consultation: Consultation) -> str:
        """Where a resumed consultation stands: the pending question, if any."""
        state = self._state(consultation)
        if state.get("stage") == "describe":
            return text("greeting")
        pending = state.get("pending")
        if not pending and state.get("stage") == "advising" and consultation.recommendation:
            # e.g. after `ft-advisor ask`, which listed the open questions without asking:
            # ask the most decisive one now.
            pending = _pending_question(consultation.recommendation, consultation.profile, state)
            if pending:
                state["pending"] = pending
                state["reasks"] = 0
                state.setdefault("asked", []).append(pending["field"])
        return text("resume", title=consultation.title) + "\n\n" + (
            render_question(pending) if pending else text("no_more_questions"))

    # -- shared with the commands -------------------------------------------------
    @staticmethod
    def help_text() -> str:
        return text("help", fields=", ".join(f"`{f}`" for f in PROFILE_FIELDS))

    def after_profile_edit(self, consultation: Consultation) -> list[str]:
        """After `/set` or `/reset`: the next question, or the updated recommendation,
        as Markdown parts (and the state moves on accordingly)."""
        state = self._state(consultation)
        if state["stage"] == "describe":
            return []
        pending = state.get("pending")
        if pending and pending.get("field") in consultation.profile and pending.get("field") not in ("goals", "tried"):
            state["pending"] = None
        parts: list[str] = []
        events: list[Event] = []
        if state["stage"] == "advising":
            parts, _ = self._recommend(consultation, state, parts, events, update=True)
        elif not state.get("pending"):
            parts, _ = self._next(consultation, state, parts, events)
        return parts

