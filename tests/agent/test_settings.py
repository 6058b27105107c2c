"""Model settings: flags > environment > config [llm] > offline; bad config values
are named."""
from __future__ import annotations

import os

import pytest

from agent.settings import resolve
from tools.errors import InputError


def _config(text: str) -> None:
    with open(os.environ["FT_ADVISOR_CONFIG"], "w") as fh:
        fh.write(text)


def test_nothing_configured_is_offline():
    s = resolve()
    assert s.model is None and s.mode == "offline" and s.source == "none"


def test_precedence(monkeypatch):
    _config('[llm]\nmodel = "openai/from-config"\napi_base = "http://config/v1"\ntimeout = 30\n')
    s = resolve()
    assert (s.model, s.source, s.api_base, s.timeout, s.mode) == ("openai/from-config", "config", "http://config/v1",
                                                                 30.0, "llm")
    monkeypatch.setenv("FT_ADVISOR_MODEL", "openai/from-env")
    assert resolve().model == "openai/from-env" and resolve().source == "env"
    s = resolve(model="anthropic/from-flag", api_base="http://flag/v1")
    assert (s.model, s.source, s.api_base) == ("anthropic/from-flag", "flag", "http://flag/v1")
    assert resolve(model="x/y", offline=True).mode == "offline"
    assert resolve(mock=True).mode == "mock"


def test_config_offline_is_beaten_only_by_a_flag():
    _config('[llm]\nmodel = "openai/m"\noffline = true\n')
    assert resolve().mode == "offline"
    assert resolve(model="openai/m").mode == "llm"


def test_key_is_never_shown():
    _config('[llm]\nmodel = "openai/m"\napi_key = "sk-secret-value-123456789"\n')
    s = resolve()
    assert s.api_key == "sk-secret-value-123456789" and "sk-secret" not in repr(s)


@pytest.mark.parametrize("body, field", [
    ('[llm]\ntimeout = -1\n', "llm.timeout"),
    ('[llm]\noffline = "yes"\n', "llm.offline"),
    ('[llm]\nmodel = 3\n', "llm.model"),
])
def test_bad_values_are_named(body, field):
    _config(body)
    with pytest.raises(InputError) as err:
        resolve()
    assert err.value.field == field


def test_a_key_from_the_config_file_never_reaches_a_saved_consultation(tmp_path):
    # A proxy key need not look like any provider's: it is scrubbed because it is the key.
    from agent.consultation import Consultation
    from agent.storage import ConsultationStore

    _config('[llm]\nmodel = "openai/m"\napi_key = "proxy-key-0d5e8a"\n')
    resolve()
    c = Consultation()
    c.messages.append({"role": "user", "content": "key proxy-key-0d5e8a"})
    c.tool_calls.append({"name": "x", "arguments": {}, "error": "401 for proxy-key-0d5e8a"})
    text = ConsultationStore(tmp_path).save(c).read_text()
    assert "proxy-key-0d5e8a" not in text and "[redacted]" in text
