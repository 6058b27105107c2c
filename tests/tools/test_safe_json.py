"""The bounded JSON reader: size, depth, digits, NaN, streams."""
from __future__ import annotations

import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.errors import InputError
from tools.safe_json import MAX_DEPTH, loads, read_file, read_line, read_stream


@pytest.mark.parametrize("text, expected", [
    ("[" * 100_000 + "]" * 100_000, "nested at most"),
    ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "nested at most"),
    ('{"a":' * 500 + "1" + "}" * 500, "nested at most"),
    ("9" * 5000, "digits"),
    ("-" + "9" * 100, "digits"),
    ("1." + "9" * 10_000, "digits"),
    ("NaN", "finite numbers"),
    ("[Infinity]", "finite numbers"),
    ("", "empty"),
    ("{", "valid JSON"),
])
def test_hostile_json_is_one_input_error_naming_the_source(text, expected):
    with pytest.raises(InputError) as err:
        loads(text, "--profile x.json")
    assert err.value.field == "--profile x.json" and expected in str(err.value)
    assert "\n" not in str(err.value)


def test_depth_at_the_limit_and_nan_when_allowed_are_fine():
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH, "x") is not None
    assert loads("[NaN]", "x", allow_nan=True)[0] != 0


def test_size_cap(monkeypatch):
    with pytest.raises(InputError) as err:
        loads(" " * 11 + "{}", "x", max_bytes=10)
    assert "at most 10 bytes" in str(err.value)
    monkeypatch.setenv("FT_ADVISOR_MAX_INPUT_BYTES", "10")
    with pytest.raises(InputError):
        loads(" " * 11 + "{}", "x")


@given(st.recursive(st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats(allow_nan=False) | st.text(),
                    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(), kids, max_size=4),
                    max_leaves=30))
def test_ordinary_json_reads_back_as_json_would(value):
    assert loads(json.dumps(value) or "null", "x") == json.loads(json.dumps(value))


def test_streams_are_read_up_to_the_cap_only():
    stream = io.BytesIO(b"x" * 10_000)
    with pytest.raises(InputError):
        read_stream(stream, "stdin", limit=100)
    assert stream.tell() == 101
    assert read_stream(io.StringIO("hello"), "stdin", limit=100) == "hello"
    with pytest.raises(InputError) as err:
        read_stream(io.BytesIO(b"\xff\xfe"), "stdin")
    assert "UTF-8" in str(err.value)


def test_a_line_without_newline_stops_at_the_cap():
    stream = io.StringIO("a" * 1000)
    with pytest.raises(InputError):
        read_line(stream, "input line", limit=100)
    assert read_line(io.StringIO("ok\nrest"), "line", limit=100) == "ok\n"
    assert read_line(io.StringIO(""), "line") == ""


def test_read_file_refuses_directories_and_missing_files(tmp_path):
    for path, expected in ((tmp_path, "not a directory"), (tmp_path / "none.json", "an existing JSON file")):
        with pytest.raises(InputError) as err:
            read_file(path, "--profile", kind="JSON file")
        assert expected in str(err.value)
