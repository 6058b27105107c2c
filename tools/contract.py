"""One contract per tool: its parameters declared once, as JSON Schema built from shared
fragments, and the `@tool` decorator that registers the function where it is defined.

From that one declaration come the JSON Schema the model sees (Tool.spec), the flags of
`ft-advisor estimate` and `/estimate` (registry.add_flags), and the validation of every
call: registry.call validates with jsonschema for the model and the CLI, and the
decorator checks the same bounds on direct Python calls (compare and decide call the
estimators directly), so an estimator's body never re-checks what the schema says.

Shared parameters (model, gpu, date, engineer_month_usd, request volume, token counts,
training data sizes, prices) are fragments here, so the tools and the case profile
(tools/decision/profile.py) cannot drift apart: a prompt the profile accepts is a prompt
every estimator accepts.
"""
from __future__ import annotations

import copy
import difflib
import functools
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from tools.errors import InputError
from tools.units import parse_quantity

#: Prompt or answer tokens per request: the profile's bound, shared by every estimator.
MAX_TOKENS_PER_REQUEST = 10_000_000
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"

#: The shared parameter fragments: type and bounds (and a default description).
FRAGMENTS: dict[str, dict[str, Any]] = {
    "model": {"type": "string", "maxLength": 200,
              "description": "Model id from the catalog, e.g. llama-3.1-8b, mistral-7b or gpt-4o-mini."},
    "params": {"type": "number", "minimum": 1e6, "maximum": 1e13,
               "description": "Parameter count, e.g. 7e9 or \"7b\", for a model not in the catalog."},
    "gpu": {"type": "string", "maxLength": 100,
            "description": "GPU id from the catalog, e.g. a100-80gb, h100, l40s, rtx-4090."},
    "gpus": {"type": "integer", "minimum": 1, "maximum": 100_000, "description": "Number of GPUs."},
    "date": {"type": "string", "pattern": ISO_DATE, "description": "ISO date (default today)."},
    "engineer_month_usd": {"type": "number", "minimum": 0, "maximum": 1e7,
                           "description": "Fully loaded cost of one engineer-month in USD (0: your own time, no cash)."},
    "requests_per_month": {"type": "number", "minimum": 0, "maximum": 1e12,
                           "description": "Requests per month (e.g. 100k)."},
    "prompt_tokens": {"type": "number", "minimum": 0, "maximum": MAX_TOKENS_PER_REQUEST,
                      "description": "Average input tokens per request."},
    "output_tokens": {"type": "number", "minimum": 0, "maximum": MAX_TOKENS_PER_REQUEST,
                      "description": "Average output tokens per request."},
    "examples": {"type": "number", "exclusiveMinimum": 0, "maximum": 1e10,
                 "description": "Training examples."},
    # An example is a prompt and its answer: up to twice a request's bound.
    "tokens_per_example": {"type": "number", "exclusiveMinimum": 0, "maximum": 2 * MAX_TOKENS_PER_REQUEST,
                           "description": "Average tokens per example (prompt + answer)."},
    "epochs": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000, "description": "Passes over the data."},
    "price_per_gpu_hour": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000,
                           "description": "USD per GPU-hour override (default: the catalog's on-demand range)."},
    "lora_rank": {"type": "integer", "minimum": 1, "maximum": 4096, "description": "LoRA rank r (default 16)."},
    "seq_len": {"type": "integer", "minimum": 1, "maximum": 20_000_000, "description": "Sequence length in tokens."},
}


def param(name: str, description: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A shared fragment by name, with this tool's description (and, rarely, a narrower
    bound or a default)."""
    spec = copy.deepcopy(FRAGMENTS[name])
    if description is not None:
        spec["description"] = description
    spec.update(overrides)
    return spec


def schema(**properties: dict[str, Any]) -> dict[str, Any]:
    """A tool's argument schema: an object of exactly these properties."""
    return {"type": "object", "additionalProperties": False, "properties": properties}


# --------------------------------------------------------------------------- tools


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    schema: dict[str, Any]
    func: Callable[..., Any]
    #: Sub-command under `ft-advisor estimate`, or None for tools the CLI exposes elsewhere.
    cli_name: str | None = None

    def spec(self) -> dict[str, Any]:
        """The OpenAI-style function spec the agent hands to the model."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.schema},
        }


#: Every tool, by name, registered by the modules that define them.
REGISTRY: dict[str, Tool] = {}

F = TypeVar("F", bound=Callable[..., Any])


def register(entry: Tool) -> Tool:
    """Add a tool to the registry (the decorator does this; a module that builds its Tool
    by hand calls it directly). The same name twice from different functions is a bug."""
    previous = REGISTRY.get(entry.name)
    if previous is not None and previous.func.__qualname__ != entry.func.__qualname__:
        raise ValueError(f"two tools named {entry.name}")
    REGISTRY[entry.name] = entry
    return entry


def tool(*, name: str, description: str, schema: dict[str, Any], cli_name: str | None = None) -> Callable[[F], F]:
    """Register the decorated function as a tool, and check every keyword argument it is
    given against the schema (direct calls included). The function keeps its name and
    signature; its Tool is `func.tool`."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def checked(**kwargs: Any) -> Any:
            return func(**check_args(schema, kwargs))

        entry = register(Tool(name=name, description=description, schema=schema, func=checked,
                              cli_name=cli_name))
        checked.tool = entry  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return decorate


# --------------------------------------------------------------------------- checks


def _types(spec: dict[str, Any]) -> list[Any]:
    types = spec.get("type")
    return types if isinstance(types, list) else [types]


def check_args(schema: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Check keyword arguments against a tool's schema without jsonschema (microseconds):
    types, bounds, enums and unknown names, accepting "7b"-style strings for numbers as
    the registry does. Returns the values coerced (numbers parsed, enums lower-cased)."""
    props = schema["properties"]
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in props:
            raise InputError(name, f"a known argument ({', '.join(sorted(props))})", None,
                             tuple(difflib.get_close_matches(name, props, n=2)))
        out[name] = None if value is None else _check(name, props[name], value)
    return out


def _check(name: str, spec: dict[str, Any], value: Any) -> Any:
    types = _types(spec)
    if "boolean" in types:
        if not isinstance(value, bool):
            raise InputError(name, "true or false", value)
        return value
    if "integer" in types or "number" in types:
        if isinstance(value, bool):
            raise InputError(name, "a number", value)
        number = parse_quantity(value, name)
        if "integer" in types and not number.is_integer():
            raise InputError(name, "a whole number", value)
        _check_bounds(name, spec, number, value)
        if "enum" in spec and number not in spec["enum"]:
            raise InputError(name, f"one of {', '.join(map(str, spec['enum']))}", value)
        return int(number) if "integer" in types else number
    if "enum" in spec:
        text = value.strip().lower() if isinstance(value, str) else value
        if text not in spec["enum"]:
            raise InputError(name, f"one of {', '.join(map(str, spec['enum']))}", value,
                             tuple(difflib.get_close_matches(str(value), [str(e) for e in spec["enum"]], n=2)))
        return text
    if "string" in types and not isinstance(value, str):
        raise InputError(name, "a name (text)", value)
    return value


_BOUNDS = (("minimum", ">=", float.__lt__), ("exclusiveMinimum", ">", float.__le__),
           ("maximum", "<=", float.__gt__), ("exclusiveMaximum", "<", float.__ge__))


def _check_bounds(name: str, spec: dict[str, Any], number: float, value: Any) -> None:
    for key, _, bad in _BOUNDS:
        if key in spec and bad(float(number), float(spec[key])):
            bounds = [f"{sign} {spec[k]:g}" for k, sign, _ in _BOUNDS if k in spec]
            raise InputError(name, "a number " + " and ".join(bounds), value)
