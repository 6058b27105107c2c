"""The offline reader on the corpus of client phrasings (tests/agent/corpus.py): each
phrasing yields exactly the listed profile updates and nothing else, lists the numbers
it could not attribute, asks about contradictions and names the language."""
from __future__ import annotations

import pytest

from agent.parsing import extract_facts
from tests.agent.corpus import CORPUS


def test_the_corpus_is_broad():
    assert len(CORPUS) >= 80
    assert {extra.get("language") for _, _, extra in CORPUS} >= {"es", "fr", "de"}


@pytest.mark.parametrize("text, updates, extra", CORPUS, ids=[c[0][:50] for c in CORPUS])
def test_reads_exactly_the_stated_facts(text, updates, extra):
    out = extract_facts(text)
    got = dict(out.updates)
    assert got == pytest.approx(updates) if not any(isinstance(v, (list, str)) for v in updates.values()) \
        else got == updates
    # Every fact read names the words it came from, and they are in the message.
    for fact in out.facts:
        assert fact.text, fact
    assert sorted(c.field for c in out.contradictions) == sorted(extra.get("contradictions", []))
    for phrase in extra.get("unread", []):
        assert any(phrase.lower() in u.lower() for u in out.unread), (phrase, out.unread)
    assert out.language == extra.get("language", "en")


# --------------------------------------------------------------------------- properties

from hypothesis import given, strategies as st  # noqa: E402


def _grouped(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


@given(st.integers(min_value=1_000, max_value=9_999_999), st.sampled_from([",", ".", " ", "'"]))
def test_digit_groups_are_one_number_however_they_are_written(n, sep):
    assert extract_facts(f"we have {_grouped(n, sep)} labelled examples").updates == {"labeled_examples": n}


@given(st.integers(min_value=1, max_value=999), st.sampled_from(["k", "K", " thousand"]),
       st.sampled_from(["documents", "clinical notes", "emails", "invoices", "chats", "search queries"]),
       st.sampled_from([("a day", 30.0), ("per week", 52 / 12), ("a month", 1.0), ("monthly", 1.0),
                        ("per year", 1 / 12)]))
def test_a_rate_in_any_noun_is_read_per_month(n, scale, noun, period):
    words, factor = period
    got = extract_facts(f"we process {n}{scale} {noun} {words}").updates
    assert got == {"requests_per_month": round(n * 1_000 * factor)}


@given(st.integers(min_value=1, max_value=999), st.sampled_from(["tickets", "documents", "call recordings"]))
def test_a_stock_is_never_a_rate(n, noun):
    out = extract_facts(f"we have {n}k {noun}")
    assert "requests_per_month" not in out.updates and out.unread
