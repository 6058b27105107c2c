"""Typed events an advisor yields for one user message. The TUI, the plain line mode
and `ft-advisor ask` consume only these."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class TextDelta:
    """A piece of the advisor's answer, in Markdown, to append to the current message."""

    text: str


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ToolResult:
    id: str
    name: str
    result: dict[str, Any] | None = None
    #: Set instead of `result` when the call failed (bad arguments, unknown tool, ...).
    error: str | None = None


@dataclass(frozen=True)
class ProfileChanged:
    profile: dict[str, Any]
    #: field -> new value, for the fields this change touched.
    changed: dict[str, Any] = field(default_factory=dict)
    #: Human notes such as "requests_per_month: 2M replaces 500k (later answer wins)".
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recommendation:
    """The decision as a JSON-ready dict (tools.decision.decide.Decision.to_dict())."""

    decision: dict[str, Any]


@dataclass(frozen=True)
class Notice:
    text: str
    kind: Literal["info", "retry", "mode", "warning"] = "info"
    #: For kind="mode": the mode now in force ("offline", "llm", "mock").
    mode: str | None = None


@dataclass(frozen=True)
class Error:
    text: str
    #: False when the consultation cannot go on in this mode (the session switches offline).
    recoverable: bool = True


@dataclass(frozen=True)
class FiguresChecked:
    """The figures of the answer just given, checked against the engine's context
    block, the tool results and the user's own words (agent/grounding.py). Comes once
    per LLM turn, before TurnDone. Front ends mark the unverified ones: they came from
    the model, not from the cost models."""

    #: How many figures the answer quoted.
    checked: int
    #: The ones nothing backs: {"text": "$12k", "value": 12000.0}, in answer order.
    unverified: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class TurnDone:
    #: True when the answer was cut short (cancelled, or the provider failed mid-stream).
    interrupted: bool = False


Event = (TextDelta | ToolCall | ToolResult | ProfileChanged | Recommendation | Notice | Error | FiguresChecked
         | TurnDone)
