"""The Advisor protocol: every advisor (LLM, rule-only, scripted mock) turns one user
message into a stream of events and updates the consultation it is given."""
from __future__ import annotations

from typing import TYPE_CHECKING, AsyncIterator, Literal, Protocol

if TYPE_CHECKING:
    from agent.consultation import Consultation
    from agent.events import Event

Mode = Literal["offline", "llm", "mock"]


class Advisor(Protocol):
    #: "offline" (rule-only), "llm" or "mock"; shown in the TUI header.
    mode: Mode
    #: Human label for the header: "offline rule-only", "openai/gpt-4o-mini", "mock".
    label: str

    def opening(self, consultation: "Consultation") -> AsyncIterator["Event"]:
        """Events for the first advisor message of a new consultation (a greeting and the
        first question)."""
        ...

    def respond(self, consultation: "Consultation", text: str) -> AsyncIterator["Event"]:
        """Handle one user message: yield events, append the user's and the advisor's
        messages to `consultation.messages`, update `consultation.profile`. Always ends
        with TurnDone. Must not raise for provider failures: yield Error/Notice instead."""
        ...
