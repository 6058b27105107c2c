"""The one error type for bad input anywhere in the domain.

It names the field (an argument name such as ``tokens_per_example`` or a JSON path
such as ``$.goals[1]``) and what was expected, so the CLI, the agent and the TUI can
each render it their own way: ``--tokens-per-example`` on the command line, a tool
error for the model, a notice in the app.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class InputError(ValueError):
    field: str
    expected: str
    got: object = None
    suggestions: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        ValueError.__init__(self, self.message())

    def message(self, field_label: str | None = None) -> str:
        label = field_label or self.field
        text = f"{label}: expected {self.expected}"
        if self.got is not None:
            text += f", got {_show(self.got)}"
        if self.suggestions:
            text += f" (did you mean {', '.join(self.suggestions)}?)"
        return text

    def __str__(self) -> str:
        return self.message()


def _show(got: object) -> str:
    """The offending value as the user would write it: parsed numbers such as 7e9 or
    -5.0 read back as 7,000,000,000 and -5, not as Python float reprs."""
    if isinstance(got, float) and got == got and abs(got) != float("inf"):
        if got.is_integer() and abs(got) < 1e15:
            return f"{int(got):,}"
        return f"{got:g}"
    return repr(got)
