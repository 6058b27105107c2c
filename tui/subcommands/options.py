"""The options every consultation command shares (the app, chat, ask): the model to
use, or none. Here, not in tui/cli.py, so that the sub-commands need not import the
command line that imports them."""
from __future__ import annotations

import argparse


def add_model_options(parser: argparse.ArgumentParser, *, on_subcommand: bool = False) -> None:
    """On a sub-command they default to SUPPRESS, so `ft-advisor --offline chat` and
    `ft-advisor chat --offline` both work: a sub-parser's own defaults would otherwise
    overwrite what the main parser read."""
    default = {"default": argparse.SUPPRESS} if on_subcommand else {}
    group = parser.add_argument_group("model")
    group.add_argument("--model", metavar="MODEL", **default,
                       help="any litellm model string, e.g. openai/gpt-4o-mini, anthropic/claude-sonnet-4-5, "
                            "ollama_chat/llama3.1 (default: from the config file; none = offline rule-only)")
    group.add_argument("--api-base", metavar="URL", dest="api_base", **default,
                       help="base URL of a local server or a LiteLLM proxy")
    group.add_argument("--offline", action="store_true", **default, help="rule-only consultation, no model")
    group.add_argument("--mock", action="store_true", **default,
                       help="run the built-in scripted demonstration of the LLM path (no network)")
