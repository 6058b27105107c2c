"""A model's hostile tool-call arguments (nested, huge numbers, NaN, too big) go back
to the model as an error to fix; the turn goes on."""
from __future__ import annotations

import pytest

from agent.consultation import Consultation
from agent.events import ToolResult
from tests.agent.fake_openai import text, tool_calls
from tests.agent.test_llm_fake_server import make, respond, server  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow  # imports litellm


@pytest.mark.parametrize("raw, expected", [
    ("[" * 100_000 + "]" * 100_000, "nested at most"),
    ('{"labeled_examples": ' + "9" * 5000 + "}", "digits"),
    ('{"labeled_examples": NaN}', "finite numbers"),
    ('{"use_case": "' + "x" * 2_000_000 + '"}', "at most 1 MB"),
])
def test_hostile_arguments_go_back_to_the_model(server, raw, expected):  # noqa: F811
    server.script(tool_calls(("update_profile", raw)),
                  tool_calls(("update_profile", {"labeled_examples": 20000})),
                  text("Recorded."))
    c = Consultation()
    events = respond(make(server), c, "20k examples")
    results = [e for e in events if isinstance(e, ToolResult)]
    assert expected in results[0].error and results[1].error is None
    sent_back = [m for m in server.requests[1]["messages"] if m["role"] == "tool"]
    assert expected in sent_back[0]["content"]
    assert c.profile == {"labeled_examples": 20000}
