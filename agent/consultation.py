"""The state of one consultation: the case profile, the chat messages, the tool calls
made and the usage of the model. Storage lives in agent/storage.py."""
from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

SCHEMA_VERSION = 1


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    #: None when the model is not in litellm's price map (tokens are still counted).
    cost_usd: float | None = None


@dataclass
class Consultation:
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    title: str = "New consultation"
    created: str = field(default_factory=_now)
    updated: str = field(default_factory=_now)
    #: The case profile (see tools/decision/profile.py for its schema).
    profile: dict[str, Any] = field(default_factory=dict)
    #: Chat history in OpenAI message format: {"role", "content", ...}. Rule-only turns
    #: use plain user/assistant messages; LLM turns add tool calls and tool messages.
    messages: list[dict[str, Any]] = field(default_factory=list)
    #: Every tool call made: {"id", "name", "arguments", "result" | "error"}.
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    #: The last recommendation (Decision.to_dict()), if one was given.
    recommendation: dict[str, Any] | None = None
    #: Advisor-private state that must survive a restart (e.g. the offline
    #: interview's pending question).
    state: dict[str, Any] = field(default_factory=dict)
    #: Which version of the file this object was read from or last wrote (inode, size,
    #: mtime), so the store notices another process's write in between. Not stored.
    on_disk: tuple[int, int, int] | None = field(default=None, repr=False, compare=False)

    def touch(self) -> None:
        self.updated = _now()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("on_disk", None)
        return {"schema_version": SCHEMA_VERSION, **data}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Consultation":
        data = dict(data)
        data.pop("schema_version", None)
        usage = Usage(**data.pop("usage", {}) or {})
        known = {f for f in cls.__dataclass_fields__} - {"on_disk"}
        return cls(usage=usage, **{k: v for k, v in data.items() if k in known})
