"""The store against corrupt files, stuck profiles, unwritable folders, concurrent
writers and copied files: nothing lost, nothing blocked, nothing overwritten."""
from __future__ import annotations

import asyncio
import json
import os
import stat

import pytest

from agent.consultation import SCHEMA_VERSION, Consultation
from agent.events import Notice, TextDelta
from agent.session import Session
from agent.storage import ConsultationStore
from tools.errors import InputError


def _consultation(title: str = "Support bot", **kw) -> Consultation:
    c = Consultation(title=title, **kw)
    c.messages = [{"role": "user", "content": "we have 50k examples"},
                  {"role": "assistant", "content": "noted"}]
    c.profile = {"labeled_examples": 50000}
    return c


def _events(agen) -> list:
    async def collect():
        return [e async for e in agen]
    return asyncio.run(collect())


#: Files that are valid JSON but not a consultation the advisors could read.
CORRUPT = {
    "state_is_text": {"schema_version": 1, "state": "x", "messages": []},
    "messages_not_objects": {"schema_version": 1, "messages": [1, "two", None]},
    "role_missing": {"schema_version": 1, "messages": [{"content": "hi"}]},
    "content_number": {"schema_version": 1, "messages": [{"role": "user", "content": 3}]},
    "usage_text": {"schema_version": 1, "usage": "lots"},
    "usage_unknown_key": {"schema_version": 1, "usage": {"dollars": 3}},
    "title_list": {"schema_version": 1, "title": ["a"]},
    "profile_list": {"schema_version": 1, "profile": []},
    "tool_calls_text": {"schema_version": 1, "tool_calls": "none"},
    "version_bool": {"schema_version": True},
}
RAW = {
    "deep": "[" * 100_000 + "]" * 100_000,
    "deep_in_field": '{"schema_version":1,"state":' + '{"a":' * 5000 + "1" + "}" * 5000 + "}",
    "digits": '{"schema_version":1,"usage":{"prompt_tokens":' + "9" * 5000 + "}}",
    "binary": "\udcff",  # written as bytes below
    "empty": "",
}


def _plant(directory, name: str, content) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    if name == "binary":
        path.write_bytes(b"\xff\xfe\x00\x01garbage")
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content))


@pytest.mark.parametrize("name", sorted(CORRUPT) + sorted(RAW))
def test_one_bad_file_blocks_nothing(tmp_path, name):
    store = ConsultationStore()
    good = _consultation()
    store.save(good)
    _plant(tmp_path / "data", name, CORRUPT.get(name, RAW.get(name)))
    before = (tmp_path / "data" / f"{name}.json").read_bytes()
    items = store.list()
    assert [s.id for s in items] == [good.id]
    [problem] = store.problems
    assert problem.startswith(f"{name}.json: ") and "\n" not in problem
    listed = {s.id: s for s in store.list(include_unreadable=True)}
    assert listed[name].error and not listed[good.id].error
    with pytest.raises(InputError):
        store.load(name)
    # --resume last resumes the good one, and says which file it skipped.
    session = Session.start(offline=True, resume="last", store=store)
    assert session.consultation.id == good.id
    # Never overwritten.
    assert (tmp_path / "data" / f"{name}.json").read_bytes() == before


def test_an_unreadable_latest_file_is_named_not_silently_replaced(tmp_path):
    store = ConsultationStore()
    old = _consultation("old", updated="2020-01-01T00:00:00+00:00")
    store.save(old)
    _plant(tmp_path / "data", "newest", {"schema_version": 1, "messages": [1]})
    session = Session.start(offline=True, resume="last", store=store)
    assert session.consultation.id == old.id
    notices = [e.text for e in _events(session.opening()) if isinstance(e, Notice)]
    assert any("newest.json" in n and f"resumed {old.id}" in n for n in notices)


def test_only_unreadable_files_say_a_new_consultation_starts(tmp_path):
    store = ConsultationStore()
    _plant(tmp_path / "data", "only", "{broken")
    session = Session.start(offline=True, resume="last", store=store)
    assert session.consultation.messages == []
    notices = [e.text for e in _events(session.opening()) if isinstance(e, Notice)]
    assert any("only.json" in n and "started a new consultation" in n for n in notices)


@pytest.mark.parametrize("field, bad", [
    ("labeled_examples", "NaN"), ("labeled_examples", "Infinity"), ("labeled_examples", "-Infinity"),
    ("use_case", '"evil\\u001b]52;c;aGk=\\u0007"'), ("model", '"no-such-model-anywhere"'),
    ("goals", '["accuracy", "telepathy"]'), ("bogus_field", "1"),
])
def test_a_bad_profile_field_is_dropped_with_a_notice_never_stuck(tmp_path, field, bad):
    store = ConsultationStore()
    c = _consultation()
    c.profile = {"horizon_months": 24}
    store.save(c)
    path = store.path(c.id)
    data = json.loads(path.read_text())
    data["profile"][field] = "PLACEHOLDER"
    path.write_text(json.dumps(data).replace('"PLACEHOLDER"', bad))
    back = store.load(c.id)
    assert field not in back.profile and back.profile["horizon_months"] == 24
    [notice] = store.take_notices()
    assert field in notice and "dropped" in notice
    # The consultation goes on: the next message is answered, not an internal error.
    session = Session(back, Session.start(offline=True).advisor, store)
    events = _events(session.send("We have 2,000 labeled examples."))
    assert not any("internal error" in getattr(e, "text", "") for e in events)
    assert any(isinstance(e, TextDelta) for e in events)


def test_two_writers_never_lose_each_others_turns(tmp_path):
    first = ConsultationStore()
    c = _consultation()
    first.save(c)
    second = ConsultationStore()  # another process
    a, b = first.load(c.id), second.load(c.id)
    a.messages.append({"role": "user", "content": "turn from A"})
    b.messages.append({"role": "user", "content": "turn from B"})
    assert first.save(a) == first.path(c.id)
    assert first.take_notices() == []
    path_b = second.save(b)
    assert path_b != first.path(c.id) and b.id != c.id
    [notice] = second.take_notices()
    assert c.id in notice and b.id in notice
    assert any(m["content"] == "turn from A" for m in first.load(c.id).messages)
    assert any(m["content"] == "turn from B" for m in second.load(b.id).messages)
    # Each goes on saving to its own file, without further notices.
    b.messages.append({"role": "user", "content": "B again"})
    assert second.save(b) == path_b and second.take_notices() == []


def test_a_copied_file_is_saved_under_its_own_name(tmp_path):
    store = ConsultationStore()
    c = _consultation()
    store.save(c)
    original = store.path(c.id).read_bytes()
    backup = store.directory / "backup.json"
    backup.write_bytes(original)
    resumed = store.load("backup")
    assert resumed.id == "backup"
    resumed.messages.append({"role": "user", "content": "a new turn"})
    assert store.save(resumed) == backup
    assert store.path(c.id).read_bytes() == original


@pytest.mark.parametrize("how", ["store_is_a_file", "parent_is_a_file", "readonly"])
def test_an_unwritable_store_gives_one_notice_and_goes_on(tmp_path, monkeypatch, how):
    target = tmp_path / "data"
    if how == "store_is_a_file":
        target.write_text("not a folder")
    elif how == "parent_is_a_file":
        (tmp_path / "home").write_text("a file")
        target = tmp_path / "home" / "share" / "consultations"
    else:
        # Root ignores permission bits: simulate the read-only folder's refusal.
        def refuse(*a, **k):
            raise PermissionError(13, "Permission denied")
        monkeypatch.setattr("tools.files.tempfile.mkstemp", refuse)
    store = ConsultationStore(target)
    session = Session.start(offline=True, store=store)
    events = _events(session.send("We want a support bot for our product docs."))
    events += _events(session.send("We have 20,000 labeled tickets."))
    notices = [e.text for e in events if isinstance(e, Notice) and "cannot be saved" in e.text]
    assert len(notices) == 1 and "in memory" in notices[0]
    assert sum(1 for m in session.consultation.messages if m["role"] == "user") == 2
    if how == "readonly":
        assert not any(target.glob("*.json"))


def test_saved_files_are_private_and_keep_their_mode(tmp_path):
    store = ConsultationStore()
    c = _consultation()
    path = store.save(c)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    os.chmod(path, 0o640)
    c.on_disk = (path.stat().st_ino, path.stat().st_size, path.stat().st_mtime_ns)
    store.save(c)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_schema_version_and_shape_checks_name_the_field(tmp_path):
    store = ConsultationStore()
    _plant(tmp_path / "data", "x", {"schema_version": SCHEMA_VERSION, "messages": [{"role": "user", "content": 3}]})
    with pytest.raises(InputError) as err:
        store.load("x")
    assert "messages[0].content" in str(err.value)


def test_a_file_with_an_odd_name_is_listed_unreadable_and_can_be_deleted(tmp_path):
    store = ConsultationStore()
    c = _consultation()
    store.save(c)
    odd = store.directory / "my copy (2).json"
    odd.write_bytes(store.path(c.id).read_bytes())
    [row] = [s for s in store.list(include_unreadable=True) if s.error]
    assert row.id == "my copy (2)" and "letters, digits" in row.error
    assert store.delete(row.id) is True and not odd.exists()
    for outside in ("../outside", "../" + c.id):  # never a path outside the store
        with pytest.raises(InputError):
            store.delete(outside)
        with pytest.raises(InputError):
            store.load(outside)
