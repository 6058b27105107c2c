"""Typos in the words that carry facts ("requets", "budjet", "halucinates"), put right
before the offline reader reads a message, with rapidfuzz's edit distance.

Only words the reader's phrasings rely on are targets, only longer words are corrected
(one edit from 6 letters, two from 9), the first letter must agree (people rarely
mistype it), and a few real words one edit away from a target are never touched."""
from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

#: The words the reader's patterns are written with, in the forms people use.
TARGETS = tuple(sorted(set(
    "requests request queries query monthly weekly daily yearly annually budget budgeted labelled labeled "
    "unlabelled unlabeled examples example annotated hallucinates hallucinate hallucinating hallucinations "
    "hallucination accurate accuracy inaccurate proprietary engineers engineer million millions thousand "
    "thousands hundred hundreds documents document conversations tickets customers structured terminology "
    "reasoning business knowledge quality premises jargon format schema tokens transcripts messages "
    "wrong answers responses confidential internal private training dataset datasets invented "
    "outputs output template formatted consistently someone nobody nothing".split())))
_TARGET_SET = frozenset(TARGETS)
_FIRST_LETTERS = frozenset(t[0] for t in TARGETS)
#: Real words one edit away from a target: never "corrected".
_KEEP = frozenset(
    "formal formats scheme schemes queried required premise requester quantity someones annotate "
    "thousandth hundredth millionth business's documented dailies weeklies monthlies answered "
    "response outputted internally privately formatting structure structures engineered budgeting".split())
_WORDS = re.compile(r"[a-z]{6,}")
#: Misspellings the edit-distance rule cannot reach (too short, like "promt", or one word
#: for two, like "finetuning"): put right as listed.
KNOWN = {"promt": "prompt", "promts": "prompts", "propmt": "prompt", "propmts": "prompts", "prmopt": "prompt",
         "tokesn": "tokens", "toekns": "tokens", "tokns": "tokens", "requets": "requests", "reqeusts": "requests",
         "bugdet": "budget", "budegt": "budget", "finetuning": "fine-tuning", "finetuned": "fine-tuned"}
_KNOWN = re.compile(r"\b(?:" + "|".join(KNOWN) + r")\b")


@lru_cache(maxsize=4096)
def correction(word: str) -> str | None:
    """The target `word` is a typo of, or None."""
    if word in _TARGET_SET or word in _KEEP or word[0] not in _FIRST_LETTERS:
        return None
    limit = 2 if len(word) >= 9 else 1
    found = process.extractOne(word, TARGETS, scorer=OSA.distance, score_cutoff=limit)
    if found is None or found[0][0] != word[0]:
        return None
    return found[0]


def fix_typos(text: str) -> tuple[str, list[tuple[str, str]]]:
    """`text` (lower case) with typos of fact words put right, and the (typo, word) pairs."""
    fixed: list[tuple[str, str]] = []

    def repl(m: re.Match[str]) -> str:
        word = correction(m[0])
        if word is None:
            return m[0]
        if (m[0], word) not in fixed:
            fixed.append((m[0], word))
        return word

    def known(m: re.Match[str]) -> str:
        if (m[0], KNOWN[m[0]]) not in fixed:
            fixed.append((m[0], KNOWN[m[0]]))
        return KNOWN[m[0]]

    text = _KNOWN.sub(known, text)
    text = _WORDS.sub(repl, text)
    # "alot" is one word short of two: "hallucinates alot".
    text = re.sub(r"\balot\b", "a lot", text)
    return text, fixed
