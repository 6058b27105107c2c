"""Which language a message is written in (ISO 639-1), for the offline reader, which
reads English phrasings only and says so for anything else.

Most messages are plainly English: a few English function words decide that without a
model. Otherwise py3langid (a small Naive Bayes model, deterministic) decides; it loads
once, on the first message that needs it (about half a second)."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_WORD = re.compile(r"[^\W\d_]+")
# Words that are common in English and rare in the other languages clients write in.
_ENGLISH = frozenset(
    "the we our a an and is are was were have has had of to for with our it its this that they them "
    "you your my me i on in at by from not no but what which how should would could can do does did "
    "want need be been will there their about per each month week day year".split())
#: Below this the model's guess is not trusted and the text is read as English; the
#: guess must also be far likelier than English.
_MIN_CONFIDENCE = 0.5
_OVER_ENGLISH = 5.0
#: The languages clients write in: fewer candidates, steadier guesses on short texts.
_CANDIDATES = ("en es fr de it pt nl pl ru zh ja ko ar tr sv da no fi hi cs uk el he id vi").split()


@lru_cache(maxsize=1)
def _identifier() -> Any:
    # deferred: the model takes ~0.6 s to load, and most messages never need it
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(_CANDIDATES)
    return identifier


def detect_language(text: str) -> str:
    """The ISO 639-1 code of `text`'s language; "en" when it is English or too short to tell."""
    words = [w.lower() for w in _WORD.findall(text[:4000])]
    if len(words) < 3:
        return "en"
    english = sum(w in _ENGLISH for w in words)
    if english >= 2 and english * 6 >= len(words):
        return "en"
    ranked = _identifier().rank(text[:4000])
    language, confidence = ranked[0]
    english = dict(ranked).get("en", 0.0)
    if language == "en" or confidence < _MIN_CONFIDENCE or confidence < _OVER_ENGLISH * english:
        return "en"
    return str(language)
