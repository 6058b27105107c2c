"""What every estimator returns: its figures, the assumptions behind them, a low-high
range for the headline figure, and warnings. Subclasses add the figures."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Assumption:
    """One input the estimate relied on, and where it came from.

    `source` is free text: "catalog: NVIDIA H100 datasheet (2023-03-21)",
    "default: calibrated on Alpaca-7B, see docs", "you (--mfu)".
    """

    name: str
    value: Any
    source: str = ""


@dataclass(kw_only=True)
class Estimate:
    low: float
    high: float
    assumptions: list[Assumption] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    #: The field that `low` and `high` bracket (for the human table and the agent).
    headline: str = field(default="cost_usd", repr=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: every field, assumptions as objects."""
        out = dataclasses.asdict(self)
        return out
