"""Messages written blind by other sessions (tests/agent/independent_sets.py), read
exactly: the phrasing classes they revealed stay fixed. Lists compare as sets."""
from __future__ import annotations

from typing import Any

import pytest

from agent.parsing import extract_facts
from tests.agent.independent_sets import SET_A, SET_B


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, float):
        return isinstance(got, (int, float)) and abs(got - want) <= 1e-6 * max(1, abs(want))
    if isinstance(want, list):
        return isinstance(got, list) and sorted(got) == sorted(want)
    return bool(got == want)


@pytest.mark.parametrize("text,want", SET_A + SET_B,
                         ids=[f"A{i}" for i in range(len(SET_A))] + [f"B{i}" for i in range(len(SET_B))])
def test_blind_sets_are_read_exactly(text, want):
    got = extract_facts(text).updates
    assert set(got) == set(want), (got, want)
    assert all(_same(got[k], v) for k, v in want.items()), (got, want)
