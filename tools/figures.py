"""How a figure reads, judged by its JSON name: `cost_usd` as dollars, `total_gb` in GB,
`mfu` as a percentage, and names as table labels. One place for the CLI tables, the
app's sidebar and the chat's Markdown tables, so they never disagree."""
from __future__ import annotations

import re
from typing import Any

from tools.units import fmt_count, fmt_usd

#: Keys of an estimate's dict that are not figures to list.
NON_FIGURES = frozenset({"assumptions", "warnings", "low", "high", "headline"})


def fmt_value(key: str, value: Any) -> str:
    """Format a figure by what its name says it holds."""
    if isinstance(value, bool) or value is None:
        return {True: "yes", False: "no", None: "—"}[value]
    if isinstance(value, (int, float)):
        # "gpu_hours_low" is formatted like "gpu_hours".
        key = re.sub(r"_(low|high)$", "", key)
        if key.endswith("usd") or "_usd_" in key or any(w in key for w in ("cost", "price")):
            return fmt_usd(value)
        if key.endswith("_gb"):
            return f"{value:,.1f} GB"
        if key.endswith("hours"):
            return f"{value:,.1f} h"
        if key.endswith("months"):
            return f"{value:,.0f} months" if float(value).is_integer() else f"{value:,.1f} months"
        if key in ("mfu", "confidence", "utilisation", "utilization") or "fraction" in key:
            return f"{value:.0%}" if value >= 0.01 or value == 0 else f"{value:.2%}"
        if key.endswith(("multiplier", "_factor")):
            return f"{value:,.2f}×"
        if key == "flops":
            return f"{value:.3g}"
        if isinstance(value, float) and not value.is_integer():
            return f"{value:,.3g}" if abs(value) < 1000 else fmt_count(value)
        return fmt_count(value) if abs(value) >= 10_000 else f"{value:,.0f}"
    return str(value)


#: How the words of a figure's name read in a table.
_WORDS = {"gpu": "GPU", "gpus": "GPUs", "mfu": "MFU", "flops": "FLOPs", "tflops": "TFLOPS", "kv": "KV",
          "ft": "fine-tuned", "api": "API", "rag": "RAG", "lora": "LoRA", "qlora": "QLoRA",
          "1m": "1M tokens", "setup": "set-up"}


def label(key: str) -> str:
    """A figure's JSON name as a table label: "cost_per_1k_requests_usd" -> "cost per 1k
    requests". The units its value already shows ($, GB) are dropped from the name."""
    words = [w for w in key.split("_") if w != "usd"] or ["usd"]
    if len(words) > 1 and words[-1] == "gb":
        words = words[:-1]
    return " ".join(_WORDS.get(w, w) for w in words).replace("fine tuned", "fine-tuned")
