"""Storage: atomic JSON files, listing that survives corrupt files, no secrets."""
from __future__ import annotations

import json
import os

import pytest

from agent.consultation import SCHEMA_VERSION, Consultation
from agent.storage import ConsultationStore, default_directory, scrub
from tools.secrets import REDACTED
from tools.errors import InputError


def _consultation(title: str = "Support bot", **kw) -> Consultation:
    c = Consultation(title=title, **kw)
    c.messages = [{"role": "user", "content": "we have 50k examples"},
                  {"role": "assistant", "content": "noted"}]
    c.profile = {"labeled_examples": 50000}
    return c


def test_default_directory_follows_env(tmp_path):
    assert default_directory() == tmp_path / "data"


def test_save_load_round_trip(tmp_path):
    store = ConsultationStore()
    c = _consultation()
    path = store.save(c)
    assert path.parent == tmp_path / "data"
    data = json.loads(path.read_text())
    assert data["schema_version"] == SCHEMA_VERSION
    back = store.load(c.id)
    assert back == c
    # No temporary files are left behind.
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_a_failed_write_keeps_the_old_file_and_goes_on_in_memory(tmp_path, monkeypatch):
    store = ConsultationStore(tmp_path / "x")
    c = _consultation()
    store.save(c)
    c.title = "changed"

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    assert store.save(c) is None
    [notice] = store.take_notices()
    assert "No space left on device" in notice and "in memory" in notice
    assert store.save(c) is None and store.take_notices() == []  # told once
    monkeypatch.undo()
    # The previous version is intact and the temporary file was removed.
    assert store.load(c.id).title == "Support bot"
    assert len(list((tmp_path / "x").iterdir())) == 1


def test_list_latest_delete():
    store = ConsultationStore()
    assert store.list() == [] and store.latest() is None
    a = _consultation("first", updated="2026-01-01T00:00:00+00:00")
    b = _consultation("second", updated="2026-02-01T00:00:00+00:00")
    a.state["advisor_mode"] = "llm"
    a.state["advisor_label"] = "openai/gpt-4o-mini"
    store.save(a)
    store.save(b)
    items = store.list()
    assert [s.title for s in items] == ["second", "first"]
    assert items[1].mode == "llm" and items[1].label == "openai/gpt-4o-mini"
    assert items[0].mode == "offline"
    assert items[0].messages == 2
    assert store.latest().id == b.id
    assert store.delete(b.id) is True
    assert store.delete(b.id) is False
    assert [s.id for s in store.list()] == [a.id]


def test_corrupt_files_are_reported_and_skipped(tmp_path):
    store = ConsultationStore()
    good = _consultation()
    store.save(good)
    d = tmp_path / "data"
    (d / "broken.json").write_text("{not json")
    (d / "list.json").write_text("[1, 2]")
    (d / "future.json").write_text(json.dumps({"schema_version": SCHEMA_VERSION + 1}))
    (d / "noversion.json").write_text(json.dumps({"id": "noversion"}))
    (d / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    items = store.list()
    assert [s.id for s in items] == [good.id]
    names = sorted(p.split(":")[0] for p in store.problems)
    assert names == ["binary.json", "broken.json", "future.json", "list.json", "noversion.json"]
    assert any("newer ft-advisor" in p for p in store.problems)
    assert store.latest().id == good.id
    with pytest.raises(InputError) as err:
        store.load("broken")
    assert "valid JSON" in str(err.value)


def test_unknown_and_unsafe_ids():
    store = ConsultationStore()
    c = _consultation()
    store.save(c)
    with pytest.raises(InputError) as err:
        store.load(c.id[:-1] + ("0" if c.id[-1] != "0" else "1"))
    assert err.value.field == "consultation"
    assert c.id in err.value.suggestions
    for bad in ("../etc/passwd", "a/b", "", ".hidden"):
        with pytest.raises(InputError):
            store.load(bad)


def test_secrets_never_reach_the_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("MYPROVIDER_API_KEY", "plain-secret-value-123")
    store = ConsultationStore()
    c = _consultation()
    c.messages.append({"role": "user", "content": "my key is sk-proj-abcdefghijklmnopqrstuvwx and "
                                                  "plain-secret-value-123, token Bearer abcdefghijklmnopqrstu"})
    c.state["api_key"] = "anything"
    c.tool_calls.append({"name": "x", "arguments": {"Authorization": "xyz"}, "result": {}})
    path = store.save(c)
    text = path.read_text()
    for secret in ("sk-proj-abcdefghijklmnopqrstuvwx", "plain-secret-value-123", "abcdefghijklmnopqrstu",
                   "anything", "xyz"):
        assert secret not in text
    assert REDACTED in text
    # The in-memory consultation is not modified by saving.
    assert c.state["api_key"] == "anything"


def test_scrub_leaves_ordinary_text_alone():
    value = {"content": "skip the sk- prefix; 50k examples at $2/1M tokens", "n": 3, "ok": None}
    assert scrub(value, []) == value


def test_a_secret_in_a_short_string_is_scrubbed_too(monkeypatch):
    monkeypatch.setenv("LOCAL_API_KEY", "abcd1234")
    assert scrub({"content": "k=abcd1234"}) == {"content": f"k={REDACTED}"}
