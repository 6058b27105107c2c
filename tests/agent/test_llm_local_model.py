"""The thesis on a real small model: a 270M base model behind llama.cpp's server (no
tool support, no instruction following) still yields a bounded turn, the engine's
recommendation, and an answer whose figures are verified or listed as unverified.

Runs only where the `local-model` extra is installed (skipped otherwise; the rest of
the suite runs as usual):

    .venv/bin/pip install -e '.[local-model]'
    .venv/bin/python -m pytest -n 0 -m local_model
"""
from __future__ import annotations

import asyncio

import pytest

from agent.bounds import Limits
from agent.consultation import Consultation
from agent.events import FiguresChecked, Notice, TextDelta, TurnDone
from agent.grounding import figures_in
from agent.llm import LLMAdvisor
from tests.agent import local_server

pytestmark = [pytest.mark.slow, pytest.mark.local_model,
              pytest.mark.skipif(not local_server.available(), reason="the local-model extra is not installed")]


@pytest.fixture(scope="module")
def api_base(tmp_path_factory):
    with local_server.serve(cache=tmp_path_factory.mktemp("model")) as base:
        yield base


def test_a_real_small_model_gives_a_bounded_grounded_turn(api_base):
    # A generous deadline: on a shared 2-core machine the prompt alone takes minutes.
    limits = Limits(max_tokens=120, turn_deadline=600)
    advisor = LLMAdvisor(local_server.MODEL, api_base=api_base, timeout=600, limits=limits)
    c = Consultation()

    async def run():
        return [ev async for ev in advisor.respond(c, "We generate legal contracts in a strict format and have "
                                                      "5000 labelled examples and 200k requests a month")]

    events = asyncio.run(run())
    assert events[-1] == TurnDone()
    assert c.recommendation and c.recommendation["strategy"]  # the engine's, whatever the model did
    assert not advisor.native_tools  # the server refused tools; the turn went on without them
    assert any(isinstance(e, Notice) and "tool definitions" in e.text for e in events)
    answer = "".join(e.text for e in events if isinstance(e, TextDelta))
    checked = [e for e in events if isinstance(e, FiguresChecked)]
    assert len(checked) == 1
    listed = [f["text"] for f in checked[0].unverified]
    model_text = answer.split("_⚠ Not from the cost models")[0]
    assert checked[0].checked == len(figures_in(model_text))
    assert all(f in answer for f in listed)
    # Bounded: the model's part within the length cap (the engine's answer may follow).
    assert len(model_text) < limits.max_chars + 8000
