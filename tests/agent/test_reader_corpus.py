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
