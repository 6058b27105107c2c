"""The LLM bounds from the config file: `[llm] max_tokens` and `turn_deadline`, with
their defaults, bad values named, and handed to the advisor."""
from __future__ import annotations

import os

import pytest

from agent.bounds import DEFAULT_MAX_TOKENS, DEFAULT_TURN_DEADLINE
from agent.llm import LLMAdvisor
from agent.settings import resolve
from tools.errors import InputError


def _config(text: str) -> None:
    with open(os.environ["FT_ADVISOR_CONFIG"], "w") as fh:
        fh.write(text)


def test_defaults_and_config_values_reach_the_advisor():
    s = resolve(model="openai/m")
    assert (s.max_tokens, s.turn_deadline) == (DEFAULT_MAX_TOKENS, DEFAULT_TURN_DEADLINE) == (1500, 120.0)
    _config('[llm]\nmodel = "openai/m"\nmax_tokens = 400\nturn_deadline = 600\n')
    advisor = LLMAdvisor.from_settings(resolve())
    assert advisor.limits.max_tokens == 400 and advisor.limits.turn_deadline == 600.0
    assert advisor.provider.max_tokens == 400


@pytest.mark.parametrize("line,field", [
    ("max_tokens = 0", "llm.max_tokens"),
    ("max_tokens = 12.5", "llm.max_tokens"),
    ('max_tokens = "lots"', "llm.max_tokens"),
    ("turn_deadline = -1", "llm.turn_deadline"),
    ("turn_deadline = true", "llm.turn_deadline"),
])
def test_bad_values_are_named(line, field):
    _config(f'[llm]\nmodel = "openai/m"\n{line}\n')
    with pytest.raises(InputError) as info:
        resolve()
    assert info.value.field == field
