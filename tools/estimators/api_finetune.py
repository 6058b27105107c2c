"""Cost of one hosted fine-tuning job (OpenAI, Together AI): training tokens x epochs x
the provider's price per 1M training tokens, with warnings when the provider no longer
accepts jobs on that date or the base model is being retired."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from tools.catalog import defaults as d
from tools.catalog.catalog import get_catalog
from tools.errors import InputError
from tools.contract import Tool, param, tool
from tools.result import Assumption, Estimate

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_EPOCHS = 3
DEFAULT_TOKENS_PER_EXAMPLE = 500
#: Warn this many days ahead of a retirement or a provider shutting fine-tuning down.
SOON_DAYS = 180


@dataclass(kw_only=True)
class ApiFinetuneEstimate(Estimate):
    provider: str
    model: str
    method: str
    tokens_per_epoch: float
    epochs: float
    billed_tokens: float
    training_price_per_1m: float
    cost_usd: float
    accepts_new_jobs: bool
    availability: str
    base_model_retires: str | None
    date: str


def _as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def training_tokens(*, tokens: Any, examples: Any, tokens_per_example: Any) -> tuple[float, float, float, list[Assumption]]:
    """(tokens per epoch, low, high, assumptions) from --tokens or --examples x
    --tokens-per-example; shared with compare and maintenance."""
    if tokens is not None and examples is not None:
        raise InputError("tokens", "either tokens or examples (with tokens_per_example), not both", tokens)
    if tokens is not None:
        value = float(tokens)
        return value, value, value, [Assumption("training tokens per epoch", value, "you (--tokens)")]
    if examples is None:
        raise InputError("tokens", "a token count (--tokens), or --examples with --tokens-per-example")
    n = float(examples)
    if tokens_per_example is not None:
        per = float(tokens_per_example)
        return n * per, n * per, n * per, [
            Assumption("examples", n, "you (--examples)"),
            Assumption("tokens per example", per, "you (--tokens-per-example)")]
    per = DEFAULT_TOKENS_PER_EXAMPLE
    return n * per, n * 150, n * 2000, [
        Assumption("examples", n, "you (--examples)"),
        Assumption("tokens per example", per,
                   "default: a prompt plus answer of a few paragraphs; range 150 (Alpaca-style "
                   "instructions) to 2,000 (documents); give --tokens-per-example")]


_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "model": param("model", 'hosted model to fine-tune (gpt-4o-mini, gpt-4o, gpt-4.1, gpt-4.1-mini, '
                       'gpt-4.1-nano, gpt-3.5-turbo) or, with provider together, an open-weight model id '
                       'such as llama-3.1-8b', default='gpt-4o-mini'),
        "provider": {"type": "string", "enum": ["openai", "together"],
                     "description": "hosting provider (default: the model's own; together for open models)"},
        "params": param("params", 'parameter count for a Together AI job when the model is not in the catalog (e.g. '
                        '8b)'),
        "method": {"type": "string", "enum": ["lora", "full"],
                   "description": "Together AI only: LoRA or full fine-tuning (default lora)"},
        "tokens": {"type": "number", "exclusiveMinimum": 0, "maximum": 1e13,
                   "description": "training tokens in the file, per epoch (e.g. 2M)"},
        "examples": param("examples", 'training examples (instead of tokens)'),
        "tokens_per_example": param("tokens_per_example", 'average tokens per example, prompt plus answer (default 500)'),
        "epochs": param("epochs", 'passes over the data (default 3)', maximum=100),
        "date": param("date", 'ISO date of the job, for provider availability (default today)'),
    },
}


@tool(
    name="estimate_api_finetune",
    cli_name="api-finetune",
    description=(
        "Cost of one hosted fine-tuning job: training tokens x epochs x the provider's price per 1M "
        "training tokens (OpenAI models, or Together AI LoRA/full tiers by model size).\n"
        "Returns cost_usd with a low-high range, and warnings when the provider no longer accepts new "
        "jobs (or will stop soon) on the given date, or when the base model retires (fine-tuned models "
        "stop working then). Give tokens, or examples with tokens_per_example."),
    schema=_SCHEMA,
)
def estimate_api_finetune(*, model: str = DEFAULT_MODEL, provider: str | None = None,
                          params: Any = None, method: str | None = None, tokens: Any = None,
                          examples: Any = None, tokens_per_example: Any = None,
                          epochs: Any = None, date: str | None = None) -> ApiFinetuneEstimate:
    """Price one fine-tuning job at a hosted provider on a given date."""
    cat = get_catalog()
    on = d.parse_date(date)
    per_epoch, tok_low, tok_high, assumptions = training_tokens(
        tokens=tokens, examples=examples, tokens_per_example=tokens_per_example)
    if epochs is None:
        n_epochs, ep_low, ep_high = float(DEFAULT_EPOCHS), 2.0, 4.0
        assumptions.append(Assumption("epochs", DEFAULT_EPOCHS,
                                      "default: 3, OpenAI's usual default for small datasets (its 'auto' "
                                      "setting picks by dataset size); range 2-4"))
    else:
        n_epochs = ep_low = ep_high = float(epochs)
        assumptions.append(Assumption("epochs", n_epochs, "you (--epochs)"))

    warnings: list[str] = []
    retires: date | None = None
    if provider is None:
        # An open-weight model (or a bare parameter count) can only be tuned at Together.
        provider = "together" if params is not None or d.resolve_model(model)[0] == "open" else None
    if provider == "together":
        method = method or "lora"
        model_label, price = _together_price(cat, model, params, method, assumptions)
    else:
        offer = cat.api_offer(model, field="model")
        provider = str(offer.provider).lower()
        if method not in (None, "lora"):
            # OpenAI does not say how it tunes; there is one price whatever you call it.
            warnings.append(f"{offer.provider} offers one fine-tuning method (undisclosed); "
                            f"--method {method} does not change its price")
        method = "undisclosed"  # the provider's own; it publishes one price
        model_label = offer.id
        price = float(offer.training_per_1m)
        source = getattr(offer, "training_source", "") or offer.source
        as_of = getattr(offer, "training_as_of", "") or offer.as_of
        assumptions.append(Assumption(f"{offer.id} training price per 1M tokens", price, f"catalog: {source} ({as_of})"))
        retires = _as_date(getattr(offer, "retires", None))

    accepts, status = _availability(cat, provider, on, retires, model_label, assumptions, warnings)

    billed = per_epoch * n_epochs
    cost = billed * price / 1e6
    return ApiFinetuneEstimate(
        provider=provider, model=model_label, method=method, tokens_per_epoch=per_epoch,
        epochs=n_epochs, billed_tokens=billed, training_price_per_1m=price, cost_usd=cost,
        accepts_new_jobs=accepts, availability=status,
        base_model_retires=retires.isoformat() if retires else None, date=on.isoformat(),
        low=tok_low * ep_low * price / 1e6, high=tok_high * ep_high * price / 1e6,
        assumptions=assumptions, warnings=warnings)


def _together_price(cat: Any, model: str, params: Any, method: str,
                    assumptions: list[Assumption]) -> tuple[str, float]:
    """(model label, USD per 1M training tokens) at Together AI, by the model's size tier."""
    if params is not None:
        n_params = float(params)
        model_label = model if model != DEFAULT_MODEL else f"{n_params / 1e9:.3g}B model"
        assumptions.append(Assumption("parameters", n_params, "you (--params)"))
    else:
        spec = cat.model(model, field="model")
        n_params, model_label = float(spec.params), spec.id
        assumptions.append(Assumption("parameters", n_params, d.catalog_source(spec)))
    tier = cat.together_tier(n_params)
    price = float(tier.lora_per_1m if method == "lora" else tier.full_per_1m)
    assumptions.append(Assumption(f"Together {tier.name} {method} price per 1M tokens", price,
                                  d.catalog_source(tier)))
    return model_label, price


def _availability(cat: Any, provider: str, on: Any, retires: Any, model_label: str,
                  assumptions: list[Assumption], warnings: list[str]) -> tuple[bool, str]:
    """(accepts new jobs, status) on the date, warning when the provider or the base model
    is closing or closed."""
    availability = cat.availability(provider, on)
    accepts = bool(availability.accepts_new_jobs)
    if availability.warning:
        warnings.append(availability.warning)
    elif not accepts:
        warnings.append(f"{provider} does not accept new fine-tuning jobs on {on.isoformat()} "
                        f"({availability.status})")
    assumptions.append(Assumption(f"{provider} fine-tuning availability on {on.isoformat()}",
                                  availability.status, f"catalog: {availability.source}"))
    if retires is not None:
        days = (retires - on).days
        if days <= 0:
            warnings.append(f"base model {model_label} was retired on {retires.isoformat()}: "
                            "models fine-tuned on it no longer work")
        elif days <= SOON_DAYS:
            warnings.append(f"base model {model_label} retires on {retires.isoformat()} ({days} days "
                            "after this date): models fine-tuned on it stop working then")
    return accepts, str(availability.status)


TOOL: Tool = estimate_api_finetune.tool  # type: ignore[attr-defined]
