"""Numbers as people write them ("7b", "50k", "$1.5M", "3e9") and back again."""
from __future__ import annotations

import math
import re

from tools.errors import InputError

_SUFFIX = {
    "": 1.0,
    "k": 1e3, "thousand": 1e3,
    "m": 1e6, "mm": 1e6, "mn": 1e6, "million": 1e6, "mil": 1e6,
    "b": 1e9, "bn": 1e9, "g": 1e9, "billion": 1e9,
    "t": 1e12, "tn": 1e12, "trillion": 1e12,
}
_NUMBER = re.compile(
    r"^\s*(?P<neg>-)?\s*\$?\s*(?P<num>(?:\d[\d,_]*)?\.?\d+(?:[eE][-+]?\d+)?)\s*"
    r"(?P<suffix>[a-zA-Z]*)\s*(?:usd|\$)?\s*$",
    re.IGNORECASE,
)


def parse_quantity(text: str | int | float, field: str = "value") -> float:
    """Parse "7b", "70B", "2T", "50k", "1.5M", "3e9", "$30k", "1,000" into a float.

    Raises InputError naming `field` for anything else, including NaN and infinity.
    """
    if isinstance(text, bool):
        raise InputError(field, "a number", text)
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        match = _NUMBER.match(str(text))
        if not match:
            raise InputError(field, "a number such as 7b, 50k, 1.5M or 3e9", text)
        suffix = match["suffix"].lower()
        if suffix not in _SUFFIX:
            raise InputError(field, "a number with a suffix k, M, B or T", text)
        value = float(match["num"].replace(",", "").replace("_", "")) * _SUFFIX[suffix]
        if match["neg"]:
            value = -value
    if not math.isfinite(value):
        raise InputError(field, "a finite number", text)
    return value


def fmt_count(value: float, digits: int = 3) -> str:
    """1234567 -> '1.23M'; used for tokens, parameters, requests."""
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.{digits}g}{suffix}"
    return f"{value:.{digits}g}"


def fmt_usd(value: float) -> str:
    """Dollars rounded for reading: $0.0042, $0.60, $3.50, $1,234, $1.20M."""
    if abs(value) >= 1e6:
        return f"${value / 1e6:,.2f}M"
    if abs(value) >= 100:
        return f"${value:,.0f}"
    if abs(value) >= 1:
        return f"${value:,.2f}"
    if value == 0:
        return "$0"
    if abs(value) >= 0.01:
        return f"${value:.2f}"  # cents, as prices are written ($0.60, not $0.6)
    return f"${value:.2g}"


def fmt_assumption(name: str, value: object) -> str:
    """An assumption's value as a reader writes it, judged by its name: $15,000 not
    1.5e+04, 500,000 not 5e+05, 50% for a utilisation or a share."""
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, (int, float)):
        return str(value)
    words = name.lower().replace("_", " ")
    if any(w in words for w in ("price", "cost", "usd", "budget")) and "fte" not in words:
        return fmt_usd(value)
    if words.startswith(("mfu", "target utilisation", "prefill utilisation", "share of")):
        return f"{value:.1%}" if 0 < value < 0.1 else f"{value:.0%}"
    if abs(value) >= 1e6:
        return fmt_count(value)
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.4g}"
