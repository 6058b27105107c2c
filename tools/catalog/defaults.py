"""Defaults and small helpers shared by the operating-cost estimators (API fine-tuning,
inference, data preparation, maintenance, RAG, compare).

Every default here is a documented guess with a source; docs/cost-models-operations.md
explains each one. Users override them through the estimators' arguments.
"""
from __future__ import annotations

import math
import weakref
from datetime import date
from typing import Any, Iterable

from tools.errors import InputError
from tools.result import Assumption
from tools.units import parse_quantity

# --- people -----------------------------------------------------------------------

#: Fully loaded cost of one ML/software engineer for one month (salary + ~35% benefits
#: and overhead). BLS OES May 2024: software developers (SOC 15-1252) median $133,080/yr,
#: 90th percentile $211,450; 133,080 x 1.35 / 12 = $14,970.
ENGINEER_MONTH_USD = 15_000.0
ENGINEER_MONTH_LOW = 11_000.0   # data-scientist median $112,590 x 1.2 / 12
ENGINEER_MONTH_HIGH = 24_000.0  # 90th percentile $211,450 x 1.35 / 12
ENGINEER_MONTH_SOURCE = ("default: fully loaded engineer = BLS OES May 2024 software developers "
                         "median $133,080/yr x 1.35 overhead / 12 (range: data-scientist median to "
                         "90th percentile)")
#: Working hours in one engineer-month (40 h x 4 weeks).
HOURS_PER_MONTH = 160.0

# --- how fast knowledge changes ---------------------------------------------------

KNOWLEDGE_CHANGES = ("rarely", "monthly", "weekly", "daily")

#: Retraining runs per year needed to keep a fine-tuned model current. "rarely" still
#: means one refresh a year: the article warns "data drift is real".
RETRAINS_PER_YEAR = {"rarely": 1, "monthly": 12, "weekly": 52, "daily": 365}

#: Share of a RAG corpus re-embedded each month (changed or new documents).
REEMBED_FRACTION = {"rarely": 0.02, "monthly": 0.10, "weekly": 0.25, "daily": 0.50}

ARTICLE = "article (The Real Costs of Fine-Tuning LLMs, 2024-08-11)"

#: Typical time in a calendar month, for always-on serving.
HOURS_IN_MONTH = 24 * 30


# --- argument checks (the registry validates tool calls with jsonschema; these guard
# --- direct Python calls such as compare_strategies(**profile)) -------------------

def number(field: str, value: Any, *, minimum: float | None = None, above: float | None = None,
           maximum: float | None = None) -> float:
    """A finite number within bounds, accepting "50k"-style strings; else InputError."""
    parsed = parse_quantity(value, field)
    bounds = []
    if minimum is not None:
        bounds.append(f">= {minimum:g}")
    if above is not None:
        bounds.append(f"> {above:g}")
    if maximum is not None:
        bounds.append(f"<= {maximum:g}")
    if ((minimum is not None and parsed < minimum) or (above is not None and parsed <= above)
            or (maximum is not None and parsed > maximum)):
        raise InputError(field, "a number " + " and ".join(bounds), value)
    return parsed


def optional_number(field: str, value: Any, **bounds: float) -> float | None:
    return None if value is None else number(field, value, **bounds)


def choice(field: str, value: Any, choices: Iterable[str]) -> str:
    options = tuple(choices)
    text = str(value).strip().lower() if isinstance(value, str) else value
    if text not in options:
        import difflib

        raise InputError(field, f"one of {', '.join(options)}", value,
                         tuple(difflib.get_close_matches(str(value), options, n=2)))
    return text


def parse_date(value: date | str | None, field: str = "date") -> date:
    """An ISO date (YYYY-MM-DD) or a date; None means today."""
    if value is None:
        return date.today()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(field, "an ISO date such as 2026-12-31", value) from None


def catalog_source(entry: Any) -> str:
    """'catalog: <source> (<as_of>)' for any catalog entry."""
    as_of = getattr(entry, "as_of", "") or ""
    return f"catalog: {getattr(entry, 'source', '')} ({as_of})" if as_of else f"catalog: {getattr(entry, 'source', '')}"


def price_source(gpu: Any) -> str:
    """GPU prices may carry their own source/date beside the datasheet's."""
    src = getattr(gpu, "price_source", None) or getattr(gpu, "source", "")
    as_of = getattr(gpu, "price_as_of", None) or getattr(gpu, "as_of", "")
    return f"catalog: {src} ({as_of})"


_NAMES: "weakref.WeakKeyDictionary[Any, dict[str, frozenset[str]]]" = weakref.WeakKeyDictionary()


def _names(cat: Any) -> dict[str, frozenset[str]]:
    """Every id and alias of API offers and open models, per catalog object."""
    if cat not in _NAMES:
        _NAMES[cat] = {kind: frozenset(cat.names(kind)) for kind in ("api", "model")}
    return _NAMES[cat]


def resolve_model(name: str, field: str = "model") -> tuple[str, Any]:
    """("api", ApiOffer) for a hosted fine-tunable model, ("open", ModelSpec) for an
    open-weight model; InputError with the nearest names of both kinds otherwise."""
    from tools.catalog.catalog import get_catalog

    cat = get_catalog()
    # Fast path: an exact id or alias of one kind (a failed lookup computes suggestions).
    key = "-".join(str(name).strip().lower().replace("_", "-").split()) if isinstance(name, str) else None
    names = _names(cat)
    if key in names["api"]:
        return "api", cat.api_offer(name, field=field)
    if key in names["model"]:
        return "open", cat.model(name, field=field)
    try:
        return "api", cat.api_offer(name, field=field)
    except InputError as api_error:
        try:
            return "open", cat.model(name, field=field)
        except InputError as open_error:
            suggestions = tuple(dict.fromkeys((*api_error.suggestions, *open_error.suggestions)))[:4]
            raise InputError(field, "an API model (e.g. gpt-4o-mini) or an open-weight model id "
                                    "(e.g. llama-3.1-8b)", name, suggestions) from None


def engineer_assumption(engineer_month_usd: float | None) -> tuple[float, float, float, Assumption]:
    """(mid, low, high, assumption) for the engineer-month cost, honouring an override."""
    if engineer_month_usd is not None:
        value = number("engineer_month_usd", engineer_month_usd, minimum=0)  # 0: own time, no cash
        return value, value, value, Assumption("engineer cost per month", value, "you (--engineer-month-usd)")
    return (ENGINEER_MONTH_USD, ENGINEER_MONTH_LOW, ENGINEER_MONTH_HIGH,
            Assumption("engineer cost per month", ENGINEER_MONTH_USD, ENGINEER_MONTH_SOURCE))


def first_month_at_or_below(a: list[float], b: list[float]) -> int | None:
    """1-based month in which series `a` is first <= series `b`; None if never."""
    for month, (x, y) in enumerate(zip(a, b), start=1):
        if x <= y + 1e-9:
            return month
    return None


def ceil_div(a: float, b: float) -> int:
    return max(1, math.ceil(a / b - 1e-12))
