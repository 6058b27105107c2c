"""Every tool, registered where it is defined (tools.contract's `@tool` decorator): a
name, a description written for an LLM, a JSON Schema for its arguments built from shared
fragments, and the function. `call` is the one path from arguments to a result for the
LLM, the slash commands and the CLI, so validation and error messages are the same
everywhere."""
from __future__ import annotations

import argparse
import difflib
import importlib
from typing import Any, Callable

from tools.contract import REGISTRY, Tool
from tools.errors import InputError
from tools.units import parse_quantity

__all__ = ["Tool", "all_tools", "get_tool", "by_cli_name", "validate_args", "call", "flag", "add_flags",
           "args_from_flags"]

#: What to import so that every tool has registered itself: the estimators package (each
#: module registers its tool) and the decision. Imported on first use, not at the top:
#: they import tools.contract to register, and `ft-advisor --help` needs none of them.
_TOOL_MODULES = ("tools.estimators", "tools.decision.decide")


#: The order tools are listed in (the CLI's KINDs, /estimate, the model's tool list):
#: the cost of building first, then of running, then the sums and the decision.
CLI_ORDER = ("training", "memory", "api-finetune", "inference", "data", "maintenance", "rag", "compare")


def all_tools() -> dict[str, Tool]:
    """Every registered tool, in CLI_ORDER (tools without a CLI name last)."""
    for module in _TOOL_MODULES:
        importlib.import_module(module)  # a no-op after the first call
    rank = {name: i for i, name in enumerate(CLI_ORDER)}
    return dict(sorted(REGISTRY.items(), key=lambda kv: rank.get(kv[1].cli_name or "", len(rank))))


def get_tool(name: str) -> Tool:
    tools = all_tools()
    if name not in tools:
        raise InputError("tool", f"one of {', '.join(sorted(tools))}", name,
                         tuple(difflib.get_close_matches(name, tools, n=3)))
    return tools[name]


def by_cli_name(cli_name: str) -> Tool | None:
    return next((t for t in all_tools().values() if t.cli_name == cli_name), None)


def _coerce(schema: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
    """Turn "7b"-style strings into numbers where the schema wants a number, so a model
    (or a person) may write sizes the way people do."""
    props = schema.get("properties", {})
    out = dict(args)
    for key, value in args.items():
        types = props.get(key, {}).get("type")
        types = types if isinstance(types, list) else [types]
        if isinstance(value, str) and ("number" in types or "integer" in types) and "string" not in types:
            number = parse_quantity(value, key)
            out[key] = int(number) if "integer" in types and number.is_integer() else number
    return out


#: JSON Schema types in words a person (or a model) reads at once.
_TYPE_WORDS = {"integer": "a whole number", "number": "a number such as 7b, 50k or 3e9",
               "boolean": "true or false", "string": "a name (text)", "array": "a list",
               "object": "a JSON object"}


def _describe(error: Any) -> InputError:
    """One jsonschema error as an InputError naming the argument."""
    path = list(error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return InputError(missing, "a value (this argument is required)")
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = error.message.split("'")[1] if "'" in error.message else "?"
        return InputError(extra, f"a known argument ({', '.join(allowed)})", None,
                          tuple(difflib.get_close_matches(extra, allowed, n=2)))
    field = ".".join(str(p) for p in path) or "arguments"
    schema = error.schema
    if error.validator == "enum":
        return InputError(field, f"one of {', '.join(map(str, schema['enum']))}", error.instance)
    if error.validator in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        bounds = []
        if "minimum" in schema:
            bounds.append(f">= {schema['minimum']:g}")
        if "exclusiveMinimum" in schema:
            bounds.append(f"> {schema['exclusiveMinimum']:g}")
        if "maximum" in schema:
            bounds.append(f"<= {schema['maximum']:g}")
        if "exclusiveMaximum" in schema:
            bounds.append(f"< {schema['exclusiveMaximum']:g}")
        return InputError(field, "a number " + " and ".join(bounds), error.instance)
    if error.validator == "pattern":
        # The only patterns in the schemas are ISO dates; say so in words, not as a regex.
        expected = ("an ISO date such as 2026-12-31" if schema.get("pattern") == r"^\d{4}-\d{2}-\d{2}$"
                    else f"text matching {schema.get('pattern')}")
        return InputError(field, expected, error.instance)
    if error.validator == "type":
        return InputError(field, _TYPE_WORDS.get(str(schema["type"]), f"a value of type {schema['type']}"),
                          error.instance)
    return InputError(field, error.message)


def validate_args(tool: Tool, args: dict[str, Any]) -> dict[str, Any]:
    """Coerce and validate `args` against the tool's schema; raise InputError naming the
    first bad argument."""
    if not isinstance(args, dict):
        raise InputError("arguments", "a JSON object", args)
    from jsonschema import Draft202012Validator  # deferred: ~40 ms, only when a tool runs

    args = _coerce(tool.schema, args)
    errors = sorted(Draft202012Validator(tool.schema).iter_errors(args), key=lambda e: list(e.absolute_path))
    if errors:
        raise _describe(errors[0])
    return args


def call(name: str, args: dict[str, Any]) -> dict[str, Any]:
    """Validate and run a tool; return its result as a JSON-ready dict."""
    tool = get_tool(name)
    result = tool.func(**validate_args(tool, args))
    return result.to_dict() if hasattr(result, "to_dict") else result


# --------------------------------------------------------------------------- flags
# `ft-advisor estimate` and the chat's /estimate both take a tool's arguments as flags;
# these generate them from the schema so the two can never disagree.


def flag(name: str) -> str:
    """An argument's flag: tokens_per_example -> --tokens-per-example."""
    return "--" + name.replace("_", "-")


def add_flags(parser: Any, tool: Tool, describe: Callable[[str, dict[str, Any]], str] | None = None) -> None:
    """One flag per schema property on an argparse parser: booleans as --x/--no-x,
    everything else as a string the registry coerces later ("7b", "50k")."""
    for prop, spec in tool.schema.get("properties", {}).items():
        kwargs: dict[str, Any] = {"dest": prop}
        if describe is not None:
            kwargs["help"] = describe(prop, spec)
        if spec.get("type") == "boolean":
            kwargs["action"] = argparse.BooleanOptionalAction
            kwargs["default"] = None
        elif describe is not None:
            kwargs["metavar"] = "|".join(map(str, spec["enum"])) if "enum" in spec else prop.upper()
        parser.add_argument(flag(prop), **kwargs)


def args_from_flags(tool: Tool, namespace: Any) -> dict[str, Any]:
    """The flags that were given, as tool arguments (comma lists split for arrays)."""
    out: dict[str, Any] = {}
    for prop, spec in tool.schema.get("properties", {}).items():
        value = getattr(namespace, prop, None)
        if value is None:
            continue
        types = spec.get("type")
        types = types if isinstance(types, list) else [types]
        if "array" in types and isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        out[prop] = value
    return out
