"""Deterministic reading of what a user writes: facts for the case profile from free
text, and answers to the offline interview's questions.

Everything here is linear in the length of the text: the input is cleaned and capped
first, every pattern is a flat alternation with bounded repeats (no nested quantifiers
that could backtrack catastrophically), and model names are found with plain substring
search. Only English phrasings are recognised; in another language (agent/language.py)
only language-neutral facts are read: figures with units or period words, currency
amounts, model names. Typos in fact words are put right first (agent/typos.py).

Nothing is guessed silently: every fact carries the words it came from (`Fact.text`),
a number no field claims is listed (`Extraction.unread`), and a field stated twice with
different values is left out and listed (`Extraction.contradictions`).
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from agent.language import detect_language
from agent.typos import fix_typos
from rapidfuzz import fuzz
from tools.catalog.catalog import get_catalog
from tools.decision.vocabulary import GOALS
from tools.units import fmt_count

#: Text beyond this is ignored (a note says so): bounds the work on a huge paste.
MAX_CHARS = 200_000



@dataclass(frozen=True)
class Fact:
    """One fact read, with the words it came from."""

    field: str
    value: Any
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "value": self.value, "text": self.text}


@dataclass(frozen=True)
class Contradiction:
    """One field given different values in one message (and no "sorry, I mean" between)."""

    field: str
    values: tuple[Any, ...]
    texts: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "values": list(self.values)}


@dataclass
class Extraction:
    #: Profile field -> value, only for what the text states. `goals` lists goals added.
    updates: dict[str, Any] = field(default_factory=dict)
    #: Human notes: assumptions made ("assumed per month") and facts found.
    notes: list[str] = field(default_factory=list)
    #: Goals the text explicitly rules out ("we don't care about tone").
    removed_goals: list[str] = field(default_factory=list)
    truncated: bool = False
    #: Every fact in `updates` (a goal each), with its words.
    facts: list[Fact] = field(default_factory=list)
    #: Phrases with a number that no field could claim ("20k support tickets").
    unread: list[str] = field(default_factory=list)
    #: Fields stated twice with different values: left out of `updates`, to ask about.
    contradictions: list[Contradiction] = field(default_factory=list)
    #: The message's language (ISO 639-1); only English phrasings are read.
    language: str = "en"
    #: Typos put right before reading: (as written, as read).
    corrections: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.updates or self.removed_goals)

    def to_dict(self) -> dict[str, Any]:
        """The reading as `ft-advisor ask --json` reports it."""
        return {"facts": [f.to_dict() for f in self.facts], "unread": list(self.unread),
                "contradictions": [c.to_dict() for c in self.contradictions], "language": self.language}


# --------------------------------------------------------------------------- cleaning

_ANSI = re.compile(r"\x1b\[[0-9;?]{0,32}[ -/]{0,4}[@-~]|\x1b[@-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                         "\u2014": "-", "\u00a0": " "})


def clean(text: str) -> tuple[str, bool]:
    """Control characters and terminal escapes out, Unicode normalised, quotes made
    ASCII, capped at MAX_CHARS. Returns (text, truncated)."""
    if not isinstance(text, str):
        text = str(text)
    truncated = len(text) > MAX_CHARS
    text = text[:MAX_CHARS]
    text = _ANSI.sub(" ", text)
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text).translate(_QUOTES)
    return text, truncated


# How people group digits: 5,000 / 5.000 / 5 000 / 5'000 (and 2,5M for 2.5M).
_DOT_GROUPS = re.compile(r"(?<![\w.,'])\d{1,3}(?:\.\d{3})+(?![\d.,]\d)(?!\.\d)")
_DECIMAL_DOT = re.compile(r"(?<![\w.,'-])\d+\.(?:\d{1,2}|\d{4,})(?![\d])")
_VERSION_BEFORE = re.compile(r"(?:llama|qwen|mistral|gpt|phi|gemma|claude|gemini|mixtral|version|v|python)[ -]?$")
_COMMA_GROUPS = re.compile(r"(?<![\w.,])\d{1,3}(?:,\d{3})+(?![\d,]\d)(?!,\d)")
_APOSTROPHE_GROUPS = re.compile(r"(?<![\w'])\d{1,3}(?:'\d{3})+(?!\d)")
_SPACE_GROUPS = re.compile(r"(?<![\w.,])\d{1,3}(?: \d{3})+(?![\d.,]\d)(?! \d)")
_DECIMAL_COMMA = re.compile(r"(?<![\w.,])(\d{1,3}),(\d{1,2})(?=\s?(?:k|m|mm|mio|mil|millones|millions?|milliards?"
                            r"|milionen|millionen|mln|bn)\b)")


def plain_numbers(text: str) -> str:
    """Digit groups as plain digits: "5.000" -> "5000", "5'000" -> "5000". A dot before
    exactly three digits groups thousands unless the text writes decimal dots elsewhere
    ("1.5M", "0.25"); version numbers ("Llama 3.1") do not count as decimals."""
    decimals = any(not _VERSION_BEFORE.search(text[max(0, m.start() - 12): m.start()].lower())
                   for m in _DECIMAL_DOT.finditer(text))
    text = _DECIMAL_COMMA.sub(r"\1.\2", text)
    text = _COMMA_GROUPS.sub(lambda m: m[0].replace(",", ""), text)
    text = _APOSTROPHE_GROUPS.sub(lambda m: m[0].replace("'", ""), text)
    text = _SPACE_GROUPS.sub(lambda m: m[0].replace(" ", ""), text)
    return _DOT_GROUPS.sub(lambda m: m[0] if decimals and m[0].count(".") == 1 else m[0].replace(".", ""), text)


def _normalise(text: str) -> str:
    """Lower case, digit groups plain, spelling variants unified so patterns stay short."""
    text = plain_numbers(text).lower()
    text = re.sub(r"\blabell?ed\b", "labeled", text)
    text = re.sub(r"\bunlabell?ed\b", "unlabeled", text)
    text = re.sub(r"\bspeciali[sz]ed\b", "specialized", text)
    text = re.sub(r"\b(can|do|does|is|are|was|were|did|have|has|wo|would|should)n't\b",
                  lambda m: m[1] + " not", text)
    text = re.sub(r"\bcan't\b|\bcannot\b", "can not", text)
    text = re.sub(r"\b(it|that|this|there|data|everything)'s\b", r"\1 is", text)
    text = re.sub(r"\b(we|they|you)'re\b", r"\1 are", text)
    return text


# Approximate quantities in words, replaced by digits before numbers are read.
_WORD_NUMBERS = (
    (re.compile(r"\b(?:half a|a half) million\b"), "500000"),
    (re.compile(r"\b(?:half a|a half) billion\b"), "500000000"),
    (re.compile(r"\btens of thousands\b"), "30000"),
    (re.compile(r"\bhundreds of thousands\b"), "300000"),
    (re.compile(r"\b(?:a couple|couple)(?: of)? thousands?\b"), "2000"),
    (re.compile(r"\b(?:a couple|couple)(?: of)? hundreds?\b"), "200"),
    (re.compile(r"\b(?:a few|several|few) thousands?\b|\bthousands\b"), "3000"),
    (re.compile(r"\b(?:a few|several|few) hundreds?\b|\bhundreds\b"), "300"),
    (re.compile(r"\b(?:a|one) hundred thousand\b"), "100000"),
    (re.compile(r"\b(?:a|one) thousand\b"), "1000"),
    (re.compile(r"\b(?:a|one) hundred\b"), "100"),
    (re.compile(r"\b(?:a|one) million\b"), "1000000"),
    (re.compile(r"\b(?:a|one) billion\b"), "1000000000"),
    (re.compile(r"\bten thousand\b"), "10000"),
    (re.compile(r"\bdozens\b|\ba few dozen\b"), "40"),
)

_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TENS, *_SCALES], key=len, reverse=True))
# A run of number words ("fifty thousand", "two hundred and fifty", "twenty-five"),
# bounded so it stays linear.
_NUMBER_WORDS = re.compile(rf"(?<![0-9] )(?<![0-9])\b(?:{_NUMBER_WORD})(?:(?:[ -]|\s+and\s+)(?:{_NUMBER_WORD})){{0,12}}\b")
_ANY_NUMBER_WORD = re.compile(r"\b(?:" + _NUMBER_WORD + r"|thousands|hundreds|dozens?|half)\b")
_NUMBER_WORDS_SET = frozenset([*_UNITS, *_TENS, *_SCALES, "half", "couple", "few", "several", "dozen", "dozens"])
_HALF = re.compile(r"\b(?:half a|a half) (million|billion|thousand)\b")


def _word_value(words: list[str]) -> int:
    total = current = 0
    for word in words:
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        else:
            total += max(current, 1) * _SCALES[word]
            current = 0
    return total + current


def numbers_in_words(text: str) -> str:
    """Vague quantities ("a few hundred") then exact ones ("fifty thousand") as digits."""
    if not _ANY_NUMBER_WORD.search(text):
        return text
    for pattern, digits in _WORD_NUMBERS:
        text = pattern.sub(digits, text)
    return words_to_numbers(text)


def words_to_numbers(text: str) -> str:
    """Numbers written in words as digits: "fifty thousand" -> "50000", "two million"
    -> "2000000", "half a million" -> "500000". A lone "one" stays a word ("no one",
    "the one we use"); a lone "zero" too (the negation patterns read it)."""
    text = _HALF.sub(lambda m: str(_SCALES[m[1]] // 2), text)

    def convert(m: re.Match[str]) -> str:
        # "and" joins one number only after a scale ("two hundred and fifty"); else it
        # separates two ("between ten and twenty thousand").
        groups: list[list[str]] = [[]]
        for word in re.split(r"[ -]+", m[0]):
            if word == "and":
                if not groups[-1] or groups[-1][-1] not in _SCALES:
                    groups.append([])
            elif word:
                groups[-1].append(word)
        return " and ".join(" ".join(g) if g in (["one"], ["zero"]) else str(_word_value(g))
                            for g in groups if g)

    return _NUMBER_WORDS.sub(convert, text)


_CLAUSE_SPLIT = re.compile(r"[.!?;\n]+(?=\s|$)|[;\n]|\b(?:but|however|whereas|although)\b")


def clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_SPLIT.split(text) if c and c.strip()]


# --------------------------------------------------------------------------- negation

_NEGATORS = frozenset({"no", "not", "never", "without", "none", "nor", "neither", "zero", "lack", "nobody",
                       "lacking", "nothing", "hardly"})
_NOT_REALLY_NEGATING = re.compile(r"\bnot (?:just|only|merely|simply)(?: [a-z]+){0,2}\s*$")


# A negated wish governs the rest of its phrase: "we don't need it to follow a format".
_NEGATED_WISH = re.compile(r"\b(?:not|never|no longer) (?:really |actually |even )?"
                           r"(?:need|want|require|care|expect|ask)\w*\b[^,:]{0,60}$")


_PHRASE_BREAK = re.compile(r",|:|\b(?:and|so|while|because|since|plus|also|then)\b")


def _negated(prefix: str) -> bool:
    """Whether the few words before a match negate it ("we don't need a strict format")."""
    if _NOT_REALLY_NEGATING.search(prefix):
        return False
    # A negation belongs to its own phrase: in "we have no labelled data and answers are
    # often wrong" the "no" does not reach "wrong".
    prefix = _PHRASE_BREAK.split(prefix[-120:])[-1]
    if _NEGATED_WISH.search(prefix):
        return True
    words = re.findall(r"[a-z']+", prefix[-60:])[-4:]
    return any(w in _NEGATORS for w in words)


# --------------------------------------------------------------------------- goals

# Each goal's phrasings: `strong` ones state a need or a complaint on their own ("it makes
# things up", "sound like our founder"); `weak` ones name a thing ("JSON", "contracts",
# "personas", "tone") and become a goal only beside words of wanting or suffering
# (_NEED): a task name alone is not a goal.
_GOAL_STRONG: dict[str, str] = {
    "accuracy": r"not (?:very |always |really )?(?:accurate|correct|right)|inaccura\w*"
                r"|(?:answers?|responses?|outputs?|results?|replies) (?:are|is|were|come out|seem) "
                r"(?:\w+ ){0,2}(?:wrong|incorrect|off|bad|poor|unreliable)"
                r"|wrong answers?|incorrect answers?|more (?:correct|accurate)|gets? (?:\w+ )?wrong"
                r"|better answers|(?:answer|response) quality|quality of (?:the |its )?(?:answers|responses)",
    "hallucinations": r"hallucinat\w*|mak(?:e|es|ing) (?:\w+ ){0,2}up\b|made[- ]up|invent(?:s|ing)? "
                      r"(?:\w+ ){0,2}?(?:facts|answers|things|stuff|citations|sources|numbers|references|products?"
                      r"|features?|people|names|quotes|laws|cases|statistics|figures|prices|policies|details|urls"
                      r"|links|apis?|functions|studies|papers|dates|events|customers|orders|sku\w*)"
                      r"|fabricat\w*|confabulat\w*|false (?:facts|information|claims|statements)"
                      r"|non-?existent (?:\w+ )?(?:sources|citations|references|products|policies)",
    "business_context": r"understand(?:s|ing)? (?:\w+ ){0,2}(?:business|company|domain|products?|customers"
                        r"|organi[sz]ation|processes|context|policies)|(?:our|my) business better"
                        # "it doesn't get how our business works", "no idea how our company operates"
                        r"|(?:get|gets|grasp|grasps|understand|understands|learn|learns|(?:no|little) (?:idea|clue"
                        r"|sense|understanding)) (?:of )?how (?:our|my|the) (?:\w+ )?(?:business|company|products?|processes|industry|teams?"
                        r"|organi[sz]ation|customers|shop|firm|store|operations) (?:works?|operates?|runs?|does|do|is run)"
                        r"|know(?:s)? "
                        r"(?:about )?(?:our|my) (?:business|company|products?|policies|processes|customers)",
    "reasoning": r"reasoning|reason(?:s)? (?:better|through|about|well)|better reason\w*"
                 r"|think(?:s|ing)? (?:step by step|more clearly|better|through|logically)"
                 r"|chain[- ]of[- ]thought|smarter|draws? conclusions",
    "domain_knowledge": r"domain[- ](?:specific )?knowledge|specialized knowledge"
                        r"|(?:absent|missing) from (?:public|general|base|open|existing) models?"
                        r"|not in (?:any )?(?:public|general|base|existing) models?"
                        # "data no public model has seen", "public models were never trained on it"
                        r"|(?:no|not any) (?:public|general|base|existing|off-the-shelf|open|other) (?:\w+ )?models? "
                        r"(?:has |have |had |was |were |would |could |will )?(?:ever )?(?:seen|trained on|learned|knows?)"
                        r"|(?:public|general|base|existing|off-the-shelf|open) models? (?:have|has|were|was) never "
                        r"(?:seen|been trained on|trained on|learned)"
                        r"|teach (?:it|the model|them) (?:about )?(?:our |the |all |this )?(?:[\w-]+ ){0,3}"
                        r"(?:knowledge|facts|data|research|domain|expertise|science|know-how)\b"
                        r"|(?:public|general|base|existing|off-the-shelf) models? (?:do not|does not|can not) "
                        r"(?:know|have (?:this|that|the|our|such) (?:knowledge|information))",
    "output_format": r"valid json|(?:strict|exact|fixed|specific|consistent|rigid|precise|required) "
                     r"(?:output )?(?:format\w*|structure|schema|template|layout)|output format\w*"
                     r"|format(?:ted)? (?:output|correctly|exactly|consistently)"
                     r"|(?:json|output|format|schema|xml|yaml) (?:breaks|is broken|is invalid|fails)",
    "jargon": r"jargon|terminology|(?:specialized|technical|domain|industry|scientific|medical|legal) "
              r"(?:vocabulary|terms|language|lingo)|non-?standard (?:language|usage|terms|words|vocabulary)|lingo",
    "style": r"sound(?:s|ing)? (?:\w+ ){0,2}like|write(?:s)? like|talk(?:s)? like|speak(?:s)? like|imitat\w*"
             # a tone described: "in a formal, legal-sounding tone", "with a warm, playful voice"
             r"|(?:in|with|use|using|adopt|keep|strike) (?:a|an|the|our|that) (?!same|usual|current|existing|right)"
             r"(?:[\w-]+,? (?:and )?){1,3}"
             r"(?:tone|voice|register|style of writing)\b|\w+-sounding (?:tone|voice|language|prose|replies|answers)"
             r"|mimic\w*|in the (?:words|manner) of|brand voice",
}
_GOAL_WEAK: dict[str, str] = {
    "accuracy": r"accura(?:te|cy)|correctness|precision|more precise",
    "business_context": r"company[- ](?:context|specific)|business (?:context|knowledge|logic|rules)"
                        r"|internal (?:processes|policies|procedures)",
    "reasoning": r"logic(?:al)?|multi-?step|math(?:s|ematical)? (?:problems|questions|reasoning)"
                 r"|solv(?:e|es|ing) (?:\w+ )?problems",
    "domain_knowledge": r"industry[- ]specific|medical diagnos\w*|diagnostic|niche (?:domain|field|knowledge)"
                        r"|expert knowledge|(?:knowledge|facts) (?:about|of) (?:our|a|the) (?:niche|field|domain|industry)",
    "output_format": r"json|schema|xml|yaml|legal contracts?|contracts?|compliance (?:documents?|reports?|forms?"
                     r"|filings?)|template\w*|structured (?:output|data|format|fields)",
    "jargon": r"acronyms|abbreviations|protein[- ]folding|financial risk model\w*"
              # insiders' words: "the shorthand our radiologists use", "our reps' slang"
              r"|shorthand|slang|insider (?:terms|language|speak)|in-?house (?:terms|codes|vocabulary)",
    "style": r"tone|style|voice|persona|personality",
}
_GOAL_PATTERNS: dict[str, re.Pattern[str]] = {
    goal: re.compile(r"\b(?:" + "|".join(p for p in (_GOAL_STRONG.get(goal), _GOAL_WEAK.get(goal)) if p) + ")")
    for goal in GOALS}
_GOAL_WEAK_ONLY: dict[str, re.Pattern[str]] = {goal: re.compile(r"\b(?:" + p + r")\b") for goal, p in _GOAL_WEAK.items()}
_GOAL_STRONG_RE: dict[str, re.Pattern[str]] = {goal: re.compile(r"\b(?:" + p + ")") for goal, p in _GOAL_STRONG.items()}
# Words of wanting or suffering that make a named thing a goal, looked for in the
# thing's own phrase.
_NEED = re.compile(
    r"\b(?:want\w*|need\w*|must|should|has to|have to|had to|require\w*|expect\w*|hope\w*|wish\w*|would like"
    r"|goal|so that|make it|get it to|keep\w*|strict|exact\w*|valid|consistent\w*|fail\w*|break\w*|broken"
    r"|invalid|wrong|bad|poor|problem\w*|issue\w*|struggl\w*|garbl\w*|mangl\w*|mess\w*|can not|does not"
    r"|do not|did not|never|unacceptable|important|critical|follow\w*|match\w*|stick|improv\w*|better"
    r"|more|lack\w*|miss\w*|confus\w*|misunderst\w*|misread\w*|misinterpret\w*|trips? (?:up|over)|afford|care|prefer\w*|like|not just|not only)\b")


# After the named thing, only words that say it must be so or fails: "contracts must
# follow our template", "the JSON breaks"; not "contracts need review".
_NEED_AFTER = re.compile(
    r"\b(?:must|should|has to|have to|needs? to (?:be|follow|match|look|sound)|follow\w*|match\w*|break\w*"
    r"|broken|fail\w*|invalid|wrong|consistent\w*|exact\w*|strict\w*|unacceptable|garbl\w*|mangl\w*|off|bad"
    r"|is not (?:right|valid|consistent)|does not (?:parse|validate|match))\b")


def _expressed(goal: str, clause: str, match: re.Match[str]) -> bool:
    """Whether a match is a need: a strong phrasing, or a weak one beside a need word."""
    if _GOAL_STRONG_RE.get(goal) and _GOAL_STRONG_RE[goal].match(clause, match.start()):
        return True
    start, end = match.start(), match.end()
    before = _PHRASE_BREAK.split(clause[max(0, start - 60): start])[-1]
    after = re.split(r",|;|:|\b(?:and|but|so|while|because|since)\b", clause[end: end + 60])[0]
    return bool(_NEED.search(before) or _NEED_AFTER.search(after))


# "The bot does not understand our products", "it doesn't sound like us": a negation
# right before a verb of the model's behaviour is the complaint, so the goal is stated.
# A negated wish ("we don't need it to sound like us") still rules the goal out.
_COMPLAINT = re.compile(r"\b(?:does|do|did|can|could|will|would|is|are|still|often|always) not "
                        r"(?:always |really |quite |fully |even |yet |reliably |consistently )?$")
_BEHAVIOUR = re.compile(r"(?:understand|know|follow|sound|reason|think|write|talk|speak|handle|use|get|stick)")
_COMPLAINT_VERB = re.compile(r"\b(?:does|do|did|can|could|will|would|still|often|always) not "
                             r"(?:always |really |quite |fully |even |yet |reliably |consistently )?"
                             r"(?:understand|know|follow|sound|reason|think|write|talk|speak|handle|use|get|stick"
                             r"|respect|match|keep|produce|output|return)\w* (?:[a-z']+ ){0,3}$")


# The article's own output-format case: "legal contracts, compliance documents where
# hallucinations are unacceptable". There the hallucinations are why the format must be
# strict, not a hope that fine-tuning will fix them (a myth with its own warning).
_HALLUCINATION_CONSTRAINT = re.compile(
    r"hallucinat\w* (?:are|is|would be) (?:\w+ )?(?:unacceptable|not acceptable|not an option|not allowed"
    r"|not tolerated)|(?:can not|cannot) (?:afford|accept|tolerate) (?:any )?hallucinat\w*"
    r"|(?:zero|no) tolerance for (?:any )?hallucinat\w*|no room for (?:any )?hallucinat\w*")


def _find_goals(clause: str) -> tuple[list[str], list[str], dict[str, str]]:
    """Goals stated in the clause, goals ruled out, and the words of each stated one."""
    added: list[str] = []
    removed: list[str] = []
    words: dict[str, str] = {}
    for goal, pattern in _GOAL_PATTERNS.items():
        for match in pattern.finditer(clause):
            if goal == "hallucinations" and _HALLUCINATION_CONSTRAINT.search(
                    clause[max(0, match.start() - 40): match.end() + 40]):
                continue  # decided in extract_facts, once the other goals are known
            if not _expressed(goal, clause, match):
                continue
            prefix = clause[: match.start()]
            tail = prefix[-80:]
            complaint = bool((_COMPLAINT.search(tail) and _BEHAVIOUR.match(match[0]))
                             or _COMPLAINT_VERB.search(tail)) \
                and not _NEGATED_WISH.search(_PHRASE_BREAK.split(tail)[-1])
            if not complaint and _negated(prefix):
                if goal not in removed:
                    removed.append(goal)
            else:
                if goal not in added:
                    added.append(goal)
                    # The phrase and the words that finish it ("sound like" + "our founder").
                    more = re.match(r"(?: [a-z']+){0,2}", clause[match.end():])
                    words[goal] = _snippet(clause, match.start(), match.end() + (more.end() if more else 0))
                break
    # A goal both stated and ruled out in one clause counts as stated.
    return added, [g for g in removed if g not in added], words


# --------------------------------------------------------------------------- simple facts

def _matcher(pattern: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + pattern + r")")


# (pattern, value) pairs per field, checked clause by clause; a negated match of a
# positive phrase is handled by the entries written for the negative form.
# Said to exist nowhere else: "exist nowhere outside the company", "is not published
# anywhere"; the knowledge "is internal-only".
_NOT_ANYWHERE = (r"(?:exists? nowhere (?:outside|beyond|but)|only exists? (?:inside|within|in)|exists? only (?:inside"
                 r"|within|in)) (?:the |our )?(?:company|firm|building|organi[sz]ation|team|walls|house|intranet)"
                 r"|exists? nowhere else|(?:is|are) not (?:published|public"
                 r"|available|documented) anywhere")
_INTERNAL_ONLY = r"internal[- ]only|(?:is|are) (?:purely |strictly )?internal\b"
# Documents a company writes for itself: "our own sales playbooks", "in-house chip design knowledge".
_OWN_DOCUMENTS = (r"(?:data|dataset|datasets|records|documents|docs|documentation|knowledge|corpus|wiki|playbooks?"
                  r"|manuals?|handbooks?|runbooks?|guidelines|specs|specifications|know-how|research|notes|sops)\b")
# Knowledge public models lack. Privacy ("customer data", "patient records") is not that:
# it says where the model may run (`deployment`), read below.
_PROPRIETARY_TRUE = _matcher(
    r"proprietary|(?:internal|private|confidential|in-?house|our own|non-?public|closed"
    r"|company) (?:[\w-]+ ){0,2}?" + _OWN_DOCUMENTS +
    r"|not (?:publicly )?available|not public|" + _NOT_ANYWHERE + "|" + _INTERNAL_ONLY)
# The same, said only of knowledge (never of privacy), so it may stand beside a hosting rule.
_PROPRIETARY_KNOWLEDGE = _matcher(r"proprietary (?:knowledge|research|methods?|protocols?|formulas?|know-how)"
                                  r"|not (?:publicly )?available (?:anywhere|online|on the web)"
                                  r"|not (?:public|published) (?:anywhere|online|on the web)"
                                  r"|(?:never|not) (?:been )?published"
                                  r"|(?:knowledge(?: base)?|wiki|docs|documentation|playbooks?|manuals?|handbooks?|research)"
                                  r" (?:is|are) (?:purely |strictly )?internal(?:[- ]only)?\b|" + _NOT_ANYWHERE)
_PROPRIETARY_FALSE = _matcher(
    r"public(?:ly available)? (?:data|information|knowledge|sources|datasets)|general knowledge"
    r"|common knowledge|(?:data|knowledge|information|it) is (?:all )?public")

# "No data" is no examples unless "data" names a rule or a role: "no data restrictions",
# "no data scientists", "no data may leave", "no data protection concerns".
_DATA_NOT_EXAMPLES = (r"scien\w*|team|engineer\w*|leav\w*|can|may|must|should|go\w*|is sent|will|to|protection"
                      r"|privacy|residency|cent\w*|retention|restrict\w*|constraints?|concerns?|polic\w*|rules?"
                      r"|limits?|limitations?|requirements?|governance|sovereignty|compliance|issues?|regulations?"
                      r"|security|sensitivity|access|sharing|transfers?|leaks?|handling|agreements?|contracts?")
_LABELS_NONE = _matcher(
    r"(?:no|zero|not any|without|without any|not have any|not have) (?:\w+ )?(?:labeled|training|annotated) "
    r"(?:data|examples|dataset|samples|pairs)|only (?:have )?unlabeled|nothing (?:is )?(?:labeled|annotated)"
    r"|(?:no|zero|not any|not have any|without any|none of the) (?:usable |real |historical |good )?"
    r"(?:data|examples?|dataset|samples|labels)\b(?! (?:" + _DATA_NOT_EXAMPLES + r")\b)"
    r"|(?:have|got) none(?: yet)?$|not labeled (?:anything|any of it)")

# Training a model, the skill an ML team has: "trained a model", "fine-tuned anything",
# "knows ML".
_ML_SKILL = (r"(?:(?:trained|train|fine-?tuned|fine-?tune|built|deployed)(?: \w+){0,2}? (?:models?|llms?|networks?"
             r"|anything|classifiers?)|fine-?tun\w*|(?:knows?|does|did|understands?|done|worked with|experience with)"
             r" (?:\w+ )?(?:ml|machine learning|ai|model training|fine-?tuning))\b")
# A team that trains and ships its own models is a strong one: "our ML platform team
# trains and ships its own models", "we fine-tune our own models in-house".
_TEAM_STRONG = (r"(?:train|fine-?tune|build)s? (?:and (?:ships?|deploys?|serves?|runs?|maintains?) )?(?:its|their|our)"
                r" own (?:\w+ )?models|(?:ship|deploy)\w* (?:\w+ ){0,2}(?:trained|fine-?tuned) models"
                r"|(?:ml|ai|machine learning|research) (?:platform|infra\w*|research|engineering) (?:team|group|org)"
                # training as routine work: "3 ML engineers who fine-tune models regularly"
                r"|(?:train|fine-?tune|ship)s? (?:\w+ ){0,2}?models? (?:regularly|routinely|all the time|constantly|daily"
                r"|weekly|every (?:week|month|day|sprint)|for a living|day to day|in production)"
                r"|(?:regularly|routinely|constantly) (?:train|fine-?tune|ship)s? ")
# Some ML: "two of our engineers know some ML", "one data scientist who has played with it".
_TEAM_SOME = (r"(?:[0-9]+|one|a few|some|a couple) of (?:our|us|the) (?:\w+ )?(?:engineers|devs|developers|people|folks)"
              r"(?: \w+){0,2}? (?:know|knows|have|has|did|with) (?:some |a bit of |basic |a little )?"
              r"(?:ml|machine learning|ai|fine-?tuning)|(?:some|a bit of|a little|limited|basic) (?:ml|machine learning"
              r"|fine-?tuning) (?:experience|knowledge|background|skills)"
              # a course taken, a model tuned once: "have done an ML course", "fine-tuned a BERT once"
              r"|(?:done|did|taken|took|completed|followed|finished|attended) (?:an?|some|the|one|two|a couple of) "
              r"(?:online |intro\w* |short |basic )?(?:ml|machine learning|ai|deep learning|fine-?tuning|data science"
              r"|llm|nlp)\b (?:course|class|bootcamp|workshop|tutorial|certificate|training)s?"
              r"|(?:trained|fine-?tuned|built) (?:an?|one) (?:[\w.-]+ ){0,2}?(?:model )?(?:once|before|a while ago"
              r"|in the past|years ago|at university|in school|as a side project|for fun)")

_TEAM = (
    (_matcher(r"(?:nobody|no one|none of us|not one of us)(?: \w+){0,4}? (?:has |have |had |ever |really |actually )*"
              + _ML_SKILL + r"|we(?:'ve| have| had)? never (?:\w+ )?" + _ML_SKILL
              + r"|we are (?:all|just|only) (?:web|frontend|front-end|backend|full-?stack|software|app|mobile)"
              r" (?:devs|developers|engineers)"
              r"|(?:no|not have an?|not have any|without an?|without any|lack an?) (?:in-?house )?"
              r"(?:ml|ai|data science|machine learning|data)(?: \w+)? (?:team|engineers?|people|staff|expertise"
              r"|experience|scientists?)|no (?:data scientists|ml engineers|ml people)"
              r"|(?:nobody|no one|none of us)(?: \w+){0,4} (?:knows?|does|has|understands?) (?:\w+ )?"
              r"(?:ml|machine learning|ai|model training|fine-?tuning)\b"
              r"|(?:^|\bit is |\bteam is |\bteam of )(?:just|only) (?:me|myself|one (?:developer|person|dev))\b"
              r"|\b(?:just|only) me\b|\bsolo (?:developer|founder|dev)|\bby myself\b|\bon my own\b"
              r"|\bone-?(?:person|man|woman) (?:team|shop|company)"), "none"),
    (_matcher(r"(?:strong|dedicated|large|big|experienced|full|solid|mature|world-?class|research) "
              r"(?:ml|ai|data science|machine learning|research) (?:team|group|org)|" + _TEAM_STRONG), "strong"),
    (_matcher(r"(?:an?|one|two|a few|some|small|couple of|junior|single) (?:\w+ )?(?:ml|ai|machine learning) "
              r"(?:engineers?|people|team|person|folks|developer)|data scientists?|ml (?:team|engineers?)|"
              + _TEAM_SOME), "some"),
)

# Data held inside a jurisdiction ("nothing may leave the EU", "must stay in Europe",
# "EU-only hosting"): not a third-party API anywhere, so the client's own cloud region.
_REGIONS = (r"(?:the )?(?:eu|european union|europe|eea|uk|united kingdom|us|usa|united states|country|region"
            r"|jurisdiction|germany|france|switzerland|canada|australia|india|japan)\b")
# "Nothing may leave", "no data can leave", "it must not leave": said of a place.
_MAY_NOT_LEAVE = (r"(?:(?:nothing|no data|none of (?:it|this|the data)|no \w+ data)(?: \w+){0,2}? (?:may|can|must"
                  r"|should|is allowed to|will)|(?:can not|must not|may not|should not|not allowed to|never))"
                  r" (?:ever )?leave ")
_REGION_BOUND = (_MAY_NOT_LEAVE + _REGIONS
                 + r"|(?:stay|stays|remain|remains|kept|stored|hosted|processed) (?:in|within|inside) " + _REGIONS
                 + r"|(?:eu|europe|uk|us)[- ](?:only|based) (?:hosting|servers|data ?cent\w*|regions?)"
                 r"|(?:eu|uk|us) data residency")

# Who may see the data, and words of consenting to it, for "any" deployment.
_PROVIDER = (r"(?:openai|anthropic|google|azure openai|mistral|cohere|third[- ]part(?:y|ies)(?: \w+)?|external (?:apis?"
             r"|providers?|vendors?|services)|hosted (?:apis?|models?|providers?)|(?:an? |any )?apis?|cloud (?:apis?|providers?)"
             r"|vendors?|providers?|the cloud)\b")
_CONSENT = r"(?:fine|ok|okay|happy|comfortable|allowed|no problem|not a problem|acceptable)"
# Where the model may run, most constrained last: the strictest phrase read wins.
_DEPLOYMENT = (
    ("any", _matcher(r"(?:third[- ]party|external|hosted|vendor|openai|cloud) (?:apis?|providers?|models?) "
                     r"(?:is|are) (?:fine|ok|okay|allowed|acceptable)|(?:any|a) (?:hosted |third[- ]party )?api "
                     r"is fine|no (?:privacy|data) (?:privacy |protection |residency )?(?:constraints|restrictions|concerns)"
                     # consent to a provider: "we're fine sending data to OpenAI", "happy to use a hosted API"
                     r"|" + _CONSENT + r" (?:with |to )?(?:send(?:ing)?|shar(?:e|ing)|us(?:e|ing)|call(?:ing)?|go(?:ing)? (?:with|through))"
                     r" (?:\w+ ){0,3}?(?:to |with |through )?(?:the |an? )?" + _PROVIDER +
                     r"|(?:sending|sharing) (?:\w+ ){0,3}?(?:to|with) (?:the |an? )?" + _PROVIDER
                     + r" (?:is|would be|are) (?:(?!not\b)\w+ )?" + _CONSENT)),
    ("own_cloud", _matcher(r"hipaa|gdpr|soc ?2|(?:our|own) (?:\w+ )?(?:cloud account|vpc|tenant|aws|azure|gcp)\b"
                           r"|in our (?:own )?(?:cloud|vpc|tenant|aws account|azure tenant)"
                           r"|(?:can not|must not|may not|should not|not allowed to|never) (?:be )?(?:leave|go|sent|shared"
                           r"|send) (?:\w+ )?(?:to )?(?:a |any )?(?:third[- ]part\w*|external|outside (?:vendors?|providers?)"
                           r"|openai|vendors?)|no third[- ]party (?:apis?|providers?|services|vendors)"
                           r"|data residency|" + _REGION_BOUND)),
    ("on_prem", _matcher(r"on[- ]?prem\w*|on (?:our|its) (?:own )?(?:servers|hardware|premises|machines|gpus)"
                         r"|(?:our|own) (?:data ?cent(?:re|er)s?|servers|hardware)"
                         r"|air[- ]?gapped|(?:(?:can not|must not|may not|never|not allowed to) (?:\w+ )?leave |"
                         + _MAY_NOT_LEAVE + r")(?:our|the) (?:building|premises|network|servers|data ?cent(?:re|er)"
                         r"|firewall)|self[- ]hosted")),
    ("on_device", _matcher(r"on[- ]device|on (?:the |their |users'? |a |our )?(?:phones?|devices?|laptops?|mobiles?"
                           r"|smartphones?|tablets?)|runs? (?:locally|offline) on|in the (?:app|browser) offline"
                           r"|edge devices?")),
)
# Cheap first looks: most clauses name no hosting and no technique tried.
_DEPLOYMENT_HINT = re.compile(r"prem|device|phone|laptop|mobile|tablet|hipaa|gdpr|soc ?2|cloud|vpc|aws|azure|gcp"
                              r"|tenant|leave|third|external|vendor|openai|anthropic|residency|stay|remain|gapped|self|server"
                              r"|hardware|cent(?:re|er)|api|edge|offline|locally|privacy|restriction|constraint"
                              r"|concern|stor|host|process|kept|eu\b|uk\b|us\b")
_DEPLOYMENT_RANK = {value: rank for rank, (value, _) in enumerate(_DEPLOYMENT)}

# "our JSON breaks 3% of the time", "1 in 20 answers is wrong", "we need under 1%".
_FAILURE_WORDS = re.compile(r"\b(?:break\w*|broken|fail\w*|invalid|wrong|incorrect|malformed|errors?|erroneous"
                            r"|bad|hallucinat\w*|mistakes?|off|unusable|rejected|garbled|unpars\w*|made[- ]up"
                            r"|mak(?:e|es|ing) (?:\w+ ){0,2}up|invent\w*|fabricat\w*"
                            r"|not (?:parse|validate|compile|load|work|match|pass))\b")
_TARGET_WORDS = re.compile(r"\b(?:target|goal|need (?:it |that )?(?:to be |to get |to go )?(?:below|under|down to|to)"
                           r"|below|under|at most|less than|down to|no more than|want (?:it |that )?(?:below|under|to)"
                           r"|accept\w*|tolerat\w*|live with|aim (?:for|at)|max(?:imum)?"
                           # a bound or contentment: "fewer than 0.5% malformed", "we'd be happy with 3%"
                           r"|fewer than|lower than|not more than|no higher than|no worse than|(?:happy|fine|ok|okay"
                           r"|satisfied|content|good) with|settle for|would be (?:fine|ok|okay|great|good|acceptable))\b")
# A target said after its figure ("1% would be fine", "2% or less"), and a rate said to be
# today's whatever words surround it ("the 2% we get today").
_TARGET_AFTER = re.compile(r"^\W{0,3}(?:(?:failure |error )?rate )?(?:would be|is|will be|'d be) (?:fine|ok|okay|acceptable"
                           r"|good enough|tolerable|our target|the target|the goal)\b|^\W{0,3}or (?:less|fewer|lower|better)\b")
_NOW_AFTER = re.compile(r"\b(?:today|currently|right now|at the moment|now|we (?:have|get|see|are at))\b")
_PERCENT = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d{1,3})?) ?(?:%|percent\b|per cent\b)")
_ONE_IN = re.compile(r"\b(\d{1,3}|one) (?:in|out of) (?:every )?(\d{1,6})\b")
# A target stated in a clause of its own, after the failure rate it lowers: "we'd like
# that under 5%", "we'd accept one in two hundred", "the goal is 1%".
_TARGET_WISH = re.compile(r"\b(?:like|want|need|accept\w*|tolerat\w*|live with|aim\w*|target|goal|get|bring|push"
                          r"|should|must|has to|have to|ok|okay|fine)\b")

_TEAM_HINT = re.compile(r"\b(?:ml|ai|machine|data|nobody|no one|none|just|only|solo|myself|my own|one-?(?:person|man"
                        r"|woman)|research|never|devs|developers|engineers|own|once|course|bootcamp|regularly|routinely"
                        r"|fine-?tun\w*|train\w*)\b")

# How the labels were checked says their quality: "every one reviewed by our experts"
# (high), "we spot-checked a sample" (medium), "unchecked", "nobody has checked them" (low).
_CHECKED = r"(?:reviewed|checked|verified|validated|vetted|approved|proofread|corrected)"
_QUALITY_LOW_CHECK = (r"(?:not|never) (?:been )?" + _CHECKED + r"|(?:nobody|no one) (?:has |ever )*(?:check|review|verifi)\w*"
                      r"|full of (?:errors|mistakes|typos)")
_QUALITY_MEDIUM_CHECK = r"spot[- ]?check\w*|checked (?:a |some )?(?:sample|subset|few)|(?:partly|partially) " + _CHECKED
_QUALITY_HIGH_CHECK = (r"(?:every|each|all)(?: one| single one| of them| \w+s?)? (?:was |were |is |are |has been |have been )?"
                       r"(?:\w+ )?" + _CHECKED + r"|(?:manually|hand|human|double|expert|individually|carefully)[- ]"
                       + _CHECKED + r"|" + _CHECKED + r" (?:one by one|by hand|manually|individually)")

# Checking is said of many things ("every answer is checked", "we reviewed the
# proposal"): it tells the data's quality only in a clause about the data or "them".
_QUALITY_CHECKS = (
    (_matcher(_QUALITY_LOW_CHECK), "low"),
    (_matcher(_QUALITY_MEDIUM_CHECK), "medium"),
    (_matcher(_QUALITY_HIGH_CHECK), "high"),
)
_DATA_REFERENCE = re.compile(r"\b(?:them|they|those|these)\b")
_QUALITY = (
    (_matcher(r"unchecked|unreviewed|unverified|unvalidated"), "low"),
    (_matcher(r"(?:noisy|messy|dirty|low[- ]quality|poor(?: quality)?|inconsistent|unclean|unreliable) "
              r"(?:\w+ )?(?:data|dataset|examples|labels|annotations)|(?:data|labels) (?:is|are) "
              r"(?:\w+ )?(?:messy|noisy|dirty|poor|bad|inconsistent|a mess)"), "low"),
    (_matcher(r"(?:decent|ok|okay|mixed|average|reasonable|medium|moderate)[- ](?:quality )?"
              r"(?:data|dataset|labels|examples)|(?:data|labels) (?:is|are) (?:\w+ )?(?:decent|ok|okay|mixed)"), "medium"),
    (_matcher(r"(?:high[- ]quality|clean|curated|well[- ]labeled|expert[- ]labeled|gold|verified|reviewed"
              r"|carefully labeled) (?:\w+ )?(?:data|dataset|examples|labels|annotations|pairs)"
              r"|(?:data|labels) (?:is|are) (?:\w+ )?(?:clean|high[- ]quality|good|excellent|curated)"
              r"|(?:reviewed|checked|labeled|annotated|verified|curated|written) by (?:\w+ ){0,2}(?:experts?|clinicians"
              r"|doctors|lawyers|specialists|professionals|scientists|researchers|annotators|reviewers|linguists"
              r"|pharmacists|engineers|editors)\b"), "high"),
)
# A bare quality word ("40k examples, high quality") counts when the clause is about data.
_QUALITY_BARE = (
    (_matcher(r"(?:noisy|messy|dirty|low[- ]quality|poor quality|inconsistent|unreliable)\b"), "low"),
    (_matcher(r"(?:decent|ok|okay|mixed|average|medium)[- ]quality\b|mostly (?:right|correct|accurate|clean|good|fine)"
              r"|(?:some|a few|occasional) (?:errors|mistakes|wrong labels)"), "medium"),
    (_matcher(r"(?:high[- ]quality|clean|curated|gold[- ]standard|expert[- ]reviewed)\b"), "high"),
)
_DATA_WORDS = _matcher(r"data|dataset|examples?|labels?|annotations|pairs|samples|emails|replies|transcripts"
                       r"|documents|records")

_CHANGE_VERB = _matcher(
    r"chang\w*|updat\w*|evolv\w*|drift\w*|refresh\w*|revis\w*|new (?:\w+ )?(?:arrive|come|appear|every|each)"
    r"|add (?:new|more)|releases?|publish\w*|moves? fast|outdated|stale")
_CHANGE_STATIC = _matcher(
    r"(?:not|never|rarely|seldom|hardly ever|barely) (?:\w+ )?(?:chang\w*|updat\w*|evolv\w*)"
    r"|(?:stable|static|fixed|frozen) (?:knowledge|data|content|docs|documents)|(?:is|are) (?:very |pretty |fairly )?"
    r"(?:stable|static)")
_FREQUENCIES = (
    (_matcher(r"daily|every day|each day|hourly|every hour|constantly|continuously|real[- ]time|all the time"
              r"|several times a day|by the minute|every few hours|many times a day"), "daily"),
    (_matcher(r"weekly|every week|each week|every few days|twice a week|bi-?weekly|fortnightly"
              r"|every other week|a week|per week"), "weekly"),
    (_matcher(r"monthly|every month|each month|every few weeks|a month|per month"), "monthly"),
    (_matcher(r"quarterly|every quarter|yearly|annually|every year|each year|rarely|seldom|hardly ever"
              r"|once a year|every few months|every few years"), "rarely"),
)
_EVERY_N = re.compile(r"\bevery ([0-9]{1,3}) (hours?|days?|weeks?|months?|years?)\b")
_PERIOD_DAYS = {"hour": 1 / 24, "day": 1, "week": 7, "month": 30, "year": 365}


def _bucket(days: float) -> str:
    if days < 2:
        return "daily"
    if days < 14:
        return "weekly"
    if days < 60:
        return "monthly"
    return "rarely"


def _knowledge_changes(clause: str) -> tuple[str, int, int] | None:
    """How often the facts change, and where the clause says so."""
    if m := _CHANGE_STATIC.search(clause):
        return "rarely", m.start(), m.end()
    verb = _CHANGE_VERB.search(clause)
    if not verb:
        return None
    every = _EVERY_N.search(clause)
    if every:
        return _bucket(int(every[1]) * _PERIOD_DAYS[every[2].rstrip("s")]), verb.start(), every.end()
    for pattern, value in _FREQUENCIES:
        if m := pattern.search(clause):
            return value, min(verb.start(), m.start()), max(verb.end(), m.end())
    return None


# --------------------------------------------------------------------------- numbers

_NUMBER = re.compile(
    r"(?<![\w.])(?P<cur>\$|usd ?|us\$|eur ?|€|£)?(?P<num>[0-9]{1,3}(?: [0-9]{3}){1,4}(?![0-9.,])"
    r"|[0-9]{1,15}(?:[,_][0-9]{3}){0,5}(?:\.[0-9]{1,6})?)"
    r"(?:(?: ?|-)(?P<word>hundred|thousand|grand|millions?|billions?|trillion|millones|millionen|milliards?|mio|mil)"
    r"|(?P<suf>k|mm|mn|m|bn|b|t)"
    r"|(?P<pct>%))?(?![a-z0-9])")
_MULT = {"hundred": 1e2, "thousand": 1e3, "grand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "k": 1e3,
         "m": 1e6, "mm": 1e6, "mn": 1e6, "b": 1e9, "bn": 1e9, "t": 1e12,
         # as other languages write them ("2 millions de requêtes", "20 mil consultas")
         "millions": 1e6, "billions": 1e9, "millones": 1e6, "millionen": 1e6, "milliard": 1e9, "milliards": 1e9,
         "mio": 1e6, "mil": 1e3}

# Written examples that are not called examples: "40k of his emails and replies",
# "12k transcripts". Read as examples only without a period ("12k emails a month" is traffic).
_LOOSE_EXAMPLES = re.compile(r"^\W{0,3}(?:of (?:his|her|their|our|the|my) )?(?:[a-z]+ ){0,2}?"
                             r"(?:emails|replies|transcripts|letters|articles|posts|write-?ups)\b")
_EXAMPLE_WORDS = re.compile(r"^\W{0,3}(?:[a-z]+\W{1,3}){0,3}?(?:labeled|annotated|training|gold)? ?"
                            r"(?:examples?|samples?|pairs|annotations|demonstrations|labeled)\b")
_EXAMPLE_BEFORE = re.compile(r"(?:labeled|annotated|training) (?:examples?|data|samples?|pairs)"
                             r"(?: (?:of|is|are|about|around|roughly|approximately|approx|maybe|only|just))?\W{0,3}$"
                             r"|examples?\W{0,3}$")
_REQUEST_WORDS = re.compile(r"^\W{0,3}(?:[a-z]+\W{1,3}){0,2}?(?:requests?|queries|calls|messages|conversations|chats"
                            r"|sessions|completions|questions|tickets|inferences|prompts|generations)\b")
_MONEY_WORDS = re.compile(r"^\W{0,3}(?:usd|dollars?|bucks|eur|euros?|€|\$)(?![a-z])")
# Traffic nouns that are a monthly volume even without a period ("1.5M API calls"), unless
# the text says it holds them ("we have 20k tickets" is a stock, not a rate).
_TRAFFIC_WORDS = re.compile(r"^\W{0,3}(?:[a-z]+\W{1,3}){0,2}?(?:requests?|queries|api calls|calls|completions"
                            r"|inferences|generations)\b")
_STOCK_BEFORE = re.compile(r"\b(?:have|had|has|got|there are|sitting on|archive of|backlog of|database of|history of"
                           r"|collected|stored|total of)\b[^,]{0,30}$")
# A rate in any noun: "20 million documents a month", "2M clinical notes per month",
# "500k emails monthly", "20.000 consultas al mes".
_RATE = re.compile(
    r"^\W{0,3}(?P<noun>(?:[^\W\d][\w'-]*(?:\s+|(?=/))){0,4}?)(?:(?:a|an|per|each|every|/)\s?"
    r"(?P<p>day|week|month|year|hour|minute|second|mo|yr)s?\b|(?P<adv>daily|weekly|monthly|yearly|annually|hourly)\b"
    r"|(?:al|por|par|pro|im|am|au|ao|per|a la|à la|par an|chaque|cada|jede[nr]?|ogni) ?"
    r"(?P<f>mes|mois|monat|mese|mês|día|dia|jour|tag|giorno|semana|semaine|woche|settimana|año|ano|an|jahr|anno)\b)")
_RATE_FACTOR = {"day": 30.0, "week": 52 / 12, "month": 1.0, "mo": 1.0, "year": 1 / 12, "yr": 1 / 12, "hour": 720.0,
                "minute": 43_200.0, "second": 2_592_000.0, "daily": 30.0, "weekly": 52 / 12, "monthly": 1.0,
                "yearly": 1 / 12, "annually": 1 / 12, "hourly": 720.0, "mes": 1.0, "mois": 1.0, "monat": 1.0,
                "mese": 1.0, "mês": 1.0, "día": 30.0, "dia": 30.0, "jour": 30.0, "tag": 30.0, "giorno": 30.0,
                "semana": 52 / 12, "semaine": 52 / 12, "woche": 52 / 12, "settimana": 52 / 12, "año": 1 / 12,
                "ano": 1 / 12, "an": 1 / 12, "jahr": 1 / 12, "anno": 1 / 12}
# Counted things that are not traffic, whatever their period ("3 releases a year").
_NOT_TRAFFIC = re.compile(
    r"\b(?:times?|releases?|updates?|changes?|versions?|deploy\w*|hires?|engineers?|people|employees|hours?|days?"
    r"|weeks?|months?|years?|tokens?|dollars?|euros?|usd|bucks|examples?|labels?|labeled|annotations?|samples?|pairs?"
    r"|errors?|failures?|incidents?|meetings?|complaints?|escalations?|bugs?|users?|customers?|seats?|gpus?|runs?"
    r"|epochs?|percent|new|more|of|the|and|or|to|in|on|for)$")
# "500 users making 20 requests a day each"
_PER_USER = re.compile(
    r"^\W{0,3}(?:[a-z]+ ){0,2}?(?:users|employees|agents|customers|people|staff|members|seats|clients|doctors|lawyers"
    r"|students|patients|analysts|reps)\b(?P<mid>[^0-9;]{0,40}?)(?P<n>[0-9]+(?:\.[0-9]+)?)(?P<suf>k|m)?\s"
    r"(?P<rest>(?:[a-z]+\s){0,3}?(?:a|per|each|every|/)\s?(?P<p>day|week|month|year)s?\b(?P<each> each| per (?:user"
    r"|person|head|seat)| apiece)?)")
# A stock that is probably examples once the text says it was kept: "20k logged tickets".
_LOGGED = re.compile(r"^\W{0,3}(?:[a-z]+ ){0,1}(?:logged|historical|past|archived|resolved|answered|closed)\b"
                     r"|^[^.;,]{0,30}\b(?:logged|archived|on file|in our logs|with (?:their|the) (?:answers|replies"
                     r"|resolutions))\b")
_CORRECTION = re.compile(r"^\W*(?:sorry|actually|i mean|correction|rather|make that|scratch that|no wait|wait"
                         r"|to be precise|update|oops)\b")
_PER = (
    (re.compile(r"\b(?:a|per|each|every|/) ?(?:month|mo)\b|\bmonthly\b|/mo\b"), 1.0),
    (re.compile(r"\b(?:a|per|each|every|/) ?day\b|\bdaily\b|/d\b"), 30.0),
    (re.compile(r"\b(?:a|per|each|every|/) ?week\b|\bweekly\b"), 52 / 12),
    (re.compile(r"\b(?:a|per|each|every|/) ?(?:year|yr)\b|\byearly\b|\bannually\b"), 1 / 12),
    (re.compile(r"\b(?:a|per|each|every|/) ?hour\b|\bhourly\b"), 720.0),
    (re.compile(r"\b(?:a|per|each|every|/) ?(?:minute|min)\b"), 43_200.0),
    (re.compile(r"\b(?:a|per|each|every|/) ?(?:second|sec|s)\b|\bqps\b|\brps\b"), 2_592_000.0),
)
_HORIZON = re.compile(r"^[- ]?(?P<unit>months?|mo|years?|yrs?)\b")
_HORIZON_CONTEXT = re.compile(r"\b(?:horizon|over|for|next|plan\w*|within|period|span|run it|keep it|lifetime)\b")
_PARAMS_WORDS = re.compile(r"^\W{0,3}(?:param\w*|model|llm|weights)\b")
_TEAM_WORDS = re.compile(r"^\W{0,2}(?:\w+ )?(?:ml|ai|machine learning|data) (?:engineers?|engs?|scientists?|researchers?|people)")
_TOKEN_WORDS = re.compile(r"^\W{0,3}(\w+ )?tokens?\b")
# What a token count is of, by the words near it: what comes back ("gets back 400
# tokens", "writes about 300") is the output; what is sent ("sends ~6k tokens of
# context", "we feed it 2k") is the prompt.
_OUTPUT_CONTEXT = re.compile(r"\b(?:output|outputs|answers?|responses?|completions?|replies|generat\w*"
                             r"|gets? back|got back|comes? back|returns?|returned|writes|produces?|spits out)\b")
_PROMPT_CONTEXT = re.compile(r"\b(?:prompts?|inputs?|context|questions?|requests?|queries|sends?|sent|sending"
                             r"|feeds?|feeding|pass(?:es)?|stuff\w*)\b")
# What was tried: a verb of doing, then the techniques it names up to the end of its
# phrase ("spent weeks on prompt engineering and few-shot examples", "tried routing ...,
# swapping in a smaller model, and distillation"). A verb that is itself the technique
# ("we distilled", "we routed") opens its own scope.
_TRIED_VERB = re.compile(
    r"\b(?:tried|tested|using|use|used|built|did|ran|trained|added|enabled|experimented with|experimenting with"
    r"|iterated on|played with|attempted|implemented|integrated|deployed|rolled out|introduced|turned on"
    r"|switched on|switched to|moved|migrated|wired up|hooked up|set up|plugged in|swapped in|spent (?:\w+ ){0,3}?on"
    r"|distilled|distilling|routed|cached|batched"
    # the technique's own verb in the present ("we route easy questions to ..., cache the prompt")
    r"|route|routes|cache|caches|distill|distills|push|pushes|send|sends|run|runs|pipe|pipes)\b")
# A wish or a plan is not an attempt: "we want to use RAG", "we'd like to cache prompts".
_WISH_BEFORE = re.compile(r"\b(?:want|wants|wanted|plan|plans|planning|hope|hoping|like|need|needs|going|intend\w*"
                          r"|consider\w*|thinking (?:of|about)|might|could|should|will|may|would|let us)"
                          r" (?:to )?(?:also |maybe |probably |then |first )?$")
# A technique named afterwards as already in place: "grammar-constrained decoding is
# already on", "prompt caching is enabled", "RAG has been in use for a year".
_IN_PLACE_AFTER = re.compile(r"[^,;:]{0,30}?\b(?:is|are|was|were|has been|have been|got)(?: (?!not\b|never\b)\w+)?? (?:already |also )?"
                             r"(?:on|enabled|in place|in use|live|running|turned on|switched on|set up|deployed"
                             r"|implemented|tried|tested|used|active|wired up)\b")
# Back-references to techniques just named: "just prompts, and we've iterated on those a lot".
_TRIED_ANAPHORA = re.compile(r"\s*(?:those|them|these|that|it)\b")
# A model named as the one in use is not a move to a smaller model ("right now we use
# gpt-4o-mini"); only a change to it is ("we switched to gpt-4o-mini").
_IN_USE_VERB = re.compile(r"^(?:use|using|used|run|runs|ran|send|sends|push|pushes|pipe|pipes)$")
_NAMED_SMALL_MODEL = re.compile(r"(?:gpt-4o|4o)[- ]mini")
# (Patterns used with match(text, pos) carry no "^": it would not match at pos.)
# A prompt that is only measured or handled is no prompt work: "prompts around 800
# tokens", "a 2k-token prompt", "cache the system prompt", "prompt caching".
_PROMPT_INCIDENTAL_AFTER = re.compile(r"\W{0,2}(?:(?:are|is|of|at|around|about|roughly|approx\w*|average\w*|usually"
                                      r"|typically|run|runs|take|takes|use|uses|stay|come in)\W{1,2}){0,3}[~<>]?\d"
                                      r"|\W{0,2}(?:caching|cache|cached)\b")
_PROMPT_INCIDENTAL_BEFORE = re.compile(r"(?:\btokens?[- ]|\bcach\w* (?:the |our |a |every |each )?(?:\w+ )?)$")
# The target of a route is part of routing: "route easy questions to a cheaper model".
_ROUTED_TO = re.compile(r"\brout\w*(?: [\w-]+){0,4} (?:to|between|across|among) (?:\w+ )?$")
# Where such a phrase ends: a new subject, a reason or an intention ("... and it failed",
# "so we want", "used 20k examples to train a LoRA").
_TRIED_SCOPE_END = re.compile(r"\b(?:so|because|since|while|which|that|still|though|although|want\w*|plan\w*"
                              r"|consider\w*|hope|would|might|next|instead|now|it|its|they|need\w*"
                              r"|to (?:[a-z]+ )?(?:train|build|try|test|use|do|make|fine-?tune|run|start|see))\b")
_TRIED_SCOPE_CHARS = 140
# "We haven't tried RAG, only a quick LoRA experiment": after a negated verb, what
# follows "only" or "except" was tried.
_TRIED_EXCEPT = re.compile(r"\b(?:only|just|except|apart from|other than|besides|beyond|but for)\b")
_TRIED = tuple((_matcher(words + r")\b(?:"), value) for words, value in (
    (r"rag|retrieval|vector (?:search|database|db)|embeddings? search", "rag"),
    (r"prompt (?:engineering|tuning|tweaking|iterations?|work)|prompting|better prompts|prompts|system prompts?",
     "prompt_engineering"),
    (r"few-?shot|in-context examples|examples in the prompt", "few_shot"),
    (r"lora|qlora|peft|adapters?", "lora"),
    (r"full fine-?tun\w*", "full_fine_tune"),
    (r"structured outputs?|json mode|json schema mode|response_format|constrained decoding|grammars?"
     r"|strict mode", "structured_outputs"),
    (r"tool (?:use|calling)|function calling|tools|calculator|code interpreter"
     r"|(?:lookup|search|api|web|sql|database|price|pricing|booking|weather|live)[- ]?(?:[a-z]+[- ])?tool", "tool_use"),
    (r"(?:a )?smaller models?|a cheaper model|(?:gpt-4o|4o)[- ]mini", "smaller_model"),
    (r"distill\w*", "distillation"),
    (r"(?:prompt )?caching|(?:a |the )?cache|cached", "caching"),
    (r"batch(?:ing| api| jobs?| endpoint| mode)|batched", "batch_api"),
    (r"rout(?:ing|er|ed|es?)", "routing"),
))
# A figure the text calls the budget without a currency sign: "budget of 30k", "our
# budget is about 50,000", "budget: 30k", "a 30k budget", "we can spend up to 40k".
_BUDGET_BEFORE = re.compile(r"(?:\bbudget(?:ed)?|\b(?:can|could|able to|willing to|happy to|prepared to|ready to)"
                            r" (?:spend|afford|invest|put|commit|allocate|set aside|throw|dedicate))"
                            r"(?: (?:is|of|at|around|about|roughly|approximately|approx|maybe|up to|max|maximum"
                            r"|at most|no more than|under|below|only|just|total|overall|of about|of around))*"
                            r"[ :=~-]{0,4}$")
_BUDGET_AFTER = re.compile(r"^[ -]{0,2}(?:usd |dollars? |euros? )?(?:(?:total |overall |all-in )?budget\b"
                           r"|(?:in total |all in |overall )?(?:to (?:spend|invest|play with|work with)|available for"
                           r"|set aside|earmarked)\b)")
# Examples that happen to be tickets, chats or conversations: "50k labelled support
# tickets", "20k conversations annotated with the right answer".
_LABELED_AFTER = re.compile(r"^\W{0,3}(?:[a-z]+ ){0,1}(?:labeled|annotated|hand-labeled|curated|gold)\b"
                            r"|^[^.;]{0,40}\b(?:labeled|annotated|tagged) (?:with|by)\b"
                            r"|^[^.;]{0,40}\bwith (?:the )?(?:ideal|correct|right|expected|gold|reference|good) "
                            r"(?:answers?|responses?|outputs?|replies|labels)\b")
# What one engineer costs a month: "$10k per engineer-month", "an engineer-month is
# about $12k", "she costs us about $9,500 a month", "we pay our ML engineer $150k a year",
# "$14k a month, fully loaded". A person's cost per period is not a budget.
_PERSON = (r"(?:engineers?|developers?|devs?|data scientists?|scientists?|contractors?|consultants?|freelancers?"
           r"|hires?|ftes?|she|he|they|i|me|each (?:one|of them))")
_PERSON_MONTH = r"(?:engineer|person|man|developer|dev|fte|staff)[- ]months?"
_ENGINEER_COST_AFTER = re.compile(r"^\W{0,3}(?:usd |dollars? )?(?:a|an|per|/|each) ?" + _PERSON_MONTH + r"\b")
_ENGINEER_COST_BEFORE = re.compile(
    _PERSON_MONTH + r" (?:costs?|is|are|runs?|at|of|=|:)(?: [a-z]+){0,2}\W{0,3}$"
    r"|\b" + _PERSON + r"(?: [a-z]+){0,2}? (?:costs?|is|are|runs?|earns?|makes?|charges?|bills?|paid)\b[^,;]{0,20}$"
    r"|\b(?:pay|paying|paid) (?:our |an? |the |each |every |one )?(?:[a-z]+ )?" + _PERSON + r"\b[^,;]{0,20}$"
    r"|\b(?:salary|salaries|fully[- ]loaded(?: cost)?)\b[^,;]{0,30}$"
    # the client's own hours as the engineering: "it would be my own time, roughly $6k a month"
    r"|\b(?:my|our|his|her|their) (?:own )?(?:time|hours|salary|rate)(?: is| would be| costs?(?: us)?| is worth)?"
    r"(?:,? (?:roughly|about|around|approx\w*|say|maybe|at|worth|call it))*[ :=~-]{0,4}$")
_FULLY_LOADED_AFTER = re.compile(r"^[^,;.]{0,30}\bfully[- ]loaded\b")
# The period of such a cost: a month, or a year (divided by twelve).
_COST_PERIOD = re.compile(r"^\W{0,3}(?:usd |dollars? )?(?:(?:a|per|/|each|every) ?(?P<p>month|mo|year|yr)\b"
                          r"|(?P<adv>monthly|yearly|annually)\b)")
_BUDGET_SKIP = re.compile(r"^\W{0,3}(?:\w+ )?(?:a|per|/|each|every) ?(?:month|year|day|week|run|request|hour)\b|^\W{0,3}(?:monthly|yearly|annually)\b")


@dataclass(frozen=True)
class Quantity:
    value: float
    currency: bool
    scaled: bool  # written with k/M/B or a word multiplier
    suffix: str
    start: int
    end: int


def quantities(text: str) -> list[Quantity]:
    out = []
    for m in _NUMBER.finditer(text):
        if m["pct"]:
            continue
        try:
            value = float(m["num"].replace(",", "").replace("_", "").replace(" ", ""))
        except ValueError:
            continue
        suffix = m["word"] or m["suf"] or ""
        value *= _MULT.get(suffix, 1.0)
        if not math.isfinite(value):
            continue
        out.append(Quantity(value, bool(m["cur"]), bool(suffix), suffix, m.start(), m.end()))
    return out


def _fmt(value: float) -> str:
    return fmt_count(value)


def _snippet(text: str, start: int, end: int) -> str:
    """The words of text[start:end], widened to whole words, tidied."""
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return " ".join(text[start:end].split()).strip(" ,.;:-")[:120]


class _Clause:
    """What one clause says: field -> (value, words), and the numbers it used."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.found: dict[str, tuple[Any, str]] = {}
        self.used: list[tuple[int, int]] = []
        self.notes: list[str] = []

    def put(self, name: str, value: Any, start: int, end: int) -> None:
        self.found[name] = (value, _snippet(self.text, start, end))

    def use(self, start: int, end: int) -> None:
        self.used.append((start, end))

    def is_used(self, q: "Quantity") -> bool:
        return any(a <= q.start < b or q.start <= a < q.end for a, b in self.used)


def _period_factor(m: re.Match[str]) -> float:
    word = m["p"] or m["adv"] or m["f"]
    return _RATE_FACTOR.get(word, 1.0)


_AMBIGUOUS_DOT = re.compile(r"[$€£]?\d{1,3}\.\d{3}")


def _numbers(c: _Clause, sizes: list[float]) -> None:
    clause = c.text
    for q in quantities(clause):
        if c.is_used(q) or (not q.suffix and _AMBIGUOUS_DOT.fullmatch(clause[q.start:q.end])):
            continue  # "1.500" in a text that writes decimal dots: 1.5 or 1500? Listed as unread.
        after = clause[q.end: q.end + 80]
        before = clause[max(0, q.start - 60): q.start]
        if _engineer_cost(c, q, before, after):
            continue
        if q.currency or _MONEY_WORDS.match(after) or _BUDGET_BEFORE.search(before) or _BUDGET_AFTER.match(after):
            if _BUDGET_SKIP.match(after):
                continue  # a run rate ("$5k a month"), not the budget: left unread
            start = q.start - len(before) + (m.start() if (m := _BUDGET_BEFORE.search(before)) else len(before))
            c.put("budget_usd", q.value, start, q.end + (len(m[0]) if (m := _BUDGET_AFTER.match(after)) else 0))
            c.use(q.start, q.end)
            continue
        if _LABELED_AFTER.match(after) and not _RATE.match(after):
            words = _EXAMPLE_WORDS.match(after) or _LABELED_AFTER.match(after)
            c.put("labeled_examples", int(q.value), q.start, q.end + words.end())
            c.use(q.start, q.end)
            continue
        per_user = _PER_USER.match(after)
        if per_user and (per_user["each"] or re.search(r"\b(?:each|every one|per user|apiece)\b", per_user["mid"])):
            each = float(per_user["n"]) * _MULT.get(per_user["suf"] or "", 1.0)
            factor = _RATE_FACTOR[per_user["p"]]
            c.put("requests_per_month", int(round(q.value * each * factor)), q.start, q.end + per_user.end())
            c.use(q.start, q.end + per_user.end())
            continue
        rate = _RATE.match(after)
        if rate and rate["noun"].strip() and not _NOT_TRAFFIC.search(rate["noun"].strip()):
            c.put("requests_per_month", int(round(q.value * _period_factor(rate))), q.start, q.end + rate.end())
            c.use(q.start, q.end)
            continue
        if _TRAFFIC_WORDS.match(after) and not _STOCK_BEFORE.search(before):
            words = _TRAFFIC_WORDS.match(after)
            c.put("requests_per_month", int(round(q.value)), q.start, q.end + words.end())
            c.notes.append(f"requests_per_month: read {_fmt(q.value)} as per month (no period given)")
            c.use(q.start, q.end)
            continue
        if _TOKEN_WORDS.match(after):
            _tokens(c, q, before, after)
            continue
        team = _TEAM_WORDS.match(after)
        if team:
            if "ml_team" not in c.found:  # what the team does says more than its head count
                c.put("ml_team", "strong" if q.value >= 5 else ("none" if q.value == 0 else "some"),
                      q.start, q.end + team.end())
            c.use(q.start, q.end)
            continue
        examples = _EXAMPLE_WORDS.match(after)
        if examples or (_EXAMPLE_BEFORE.search(before) and q.suffix not in ("b", "bn", "t")):
            c.put("labeled_examples", int(q.value), q.start, q.end + (examples.end() if examples else 0))
            c.use(q.start, q.end)
            continue
        # Written examples that are not called examples ("40k of his emails and
        # replies", "12k call transcripts"), or a kept stock ("20k logged tickets"):
        # examples, said to be an assumption.
        loose = _LOOSE_EXAMPLES.match(after) or _LOGGED.match(after)
        if loose and not _RATE.match(after):
            c.put("labeled_examples", int(q.value), q.start, q.end + loose.end())
            words = re.match(r"^\W{0,3}(?:[\w'-]+\W{1,2}){0,3}", after)
            c.notes.append(f"labeled_examples: assumed the {_snippet(clause, q.start, q.end + words.end())} "
                           "are examples of the output you want (say if they are not)")
            c.use(q.start, q.end)
            continue
        unit = _HORIZON.match(after)
        if unit and _HORIZON_CONTEXT.search(before[-30:] + " " + after[:30]) and q.value <= 600:
            months = q.value * (12 if unit["unit"].startswith("y") else 1)
            c.put("horizon_months", int(round(months)), q.start, q.end + unit.end())
            c.use(q.start, q.end)
            continue
        if q.suffix in ("b", "bn", "billion", "t") and (_PARAMS_WORDS.match(after) or q.suffix in ("b", "bn")):
            if 1e8 <= q.value <= 5e12:
                sizes.append(q.value)
                c.use(q.start, q.end)


def _engineer_cost(c: _Clause, q: "Quantity", before: str, after: str) -> bool:
    """An engineer-month's cost ("$10k per engineer-month", "she costs us $9.5k a month",
    "$150k a year salary" per month); True when the figure was one."""
    if m := _ENGINEER_COST_AFTER.match(after):
        c.put("engineer_month_usd", q.value, q.start, q.end + m.end())
        c.use(q.start, q.end)
        return True
    period = _COST_PERIOD.match(after)
    if m := _ENGINEER_COST_BEFORE.search(before):
        if not (period or _PERSON_MONTH_RE.search(m[0])):
            return False
    elif not (period and _FULLY_LOADED_AFTER.match(after)):
        return False
    yearly = bool(period and ((period["p"] or "").startswith("y") or period["adv"] in ("yearly", "annually")))
    c.put("engineer_month_usd", round(q.value / 12, 2) if yearly else q.value,
          q.start - len(before) + (m.start() if m else len(before)), q.end + (period.end() if period else 0))
    c.use(q.start, q.end)
    return True


_PERSON_MONTH_RE = re.compile(_PERSON_MONTH)


def _tokens(c: _Clause, q: "Quantity", before: str, after: str) -> None:
    """A token count: of the prompt or of the answer, by the nearest context word before
    the number, else the first after it."""
    tokens = _TOKEN_WORDS.match(after)
    # The word that qualifies the count: "300 output tokens", "a 2k token prompt",
    # "6k tokens of context", "300 tokens per answer".
    following = re.match(r" (?:(?:of|per|for|in) (?:the |each |every |an? )?)?([a-z]+)", after[tokens.end():])
    qualifier = (tokens[1] or "") + " " + (following[1] if following else "")
    near = [(1000, "output_tokens")] if _OUTPUT_CONTEXT.search(qualifier) else []
    near += [(999, "prompt_tokens")] if _PROMPT_CONTEXT.search(qualifier) else []
    near += [(m.end(), "output_tokens") for m in _OUTPUT_CONTEXT.finditer(before[-40:])]
    near += [(m.end(), "prompt_tokens") for m in _PROMPT_CONTEXT.finditer(before[-40:])]
    if not near:
        near = [(-m.start(), "output_tokens") for m in _OUTPUT_CONTEXT.finditer(after[:40])]
        near += [(-m.start(), "prompt_tokens") for m in _PROMPT_CONTEXT.finditer(after[:40])]
    if near and not _RATE.match(after):
        c.put(max(near)[1], max(1, int(q.value)), q.start, q.end + tokens.end())
        c.use(q.start, q.end)


def _failure_rates(c: _Clause, after_failure: bool = False) -> None:
    """Failure shares: "our JSON breaks 3% of the time" (today), "we need under 1%" (target).
    `after_failure`: an earlier clause gave today's rate, so a wished-for share in this
    one is its target ("...; we'd like that under 5%")."""
    clause = c.text
    for m in [*_PERCENT.finditer(clause), *_ONE_IN.finditer(clause)]:
        count = 1.0 if m[1] == "one" else float(m[1])
        share = count / 100 if m.re is _PERCENT else count / max(float(m[2]), 1.0)
        if not 0 <= share <= 1:
            continue
        window = _PHRASE_BREAK.split(clause[max(0, m.start() - 60): m.start()])[-1]
        tail = _PHRASE_BREAK.split(clause[m.end(): m.end() + 50])[0]
        target = (bool(_TARGET_WORDS.search(window)) or bool(_TARGET_AFTER.match(clause[m.end():])))\
            and not _NOW_AFTER.search(tail)
        # A target may sit in its own phrase ("... and we need it under 1%"): the
        # clause's failure words tell what it is a share of.
        if not (_FAILURE_WORDS.search(window) or _FAILURE_WORDS.search(tail)
                or (target and _FAILURE_WORDS.search(clause))
                or (target and after_failure and _TARGET_WISH.search(window))):
            continue
        name = "target_failure_rate" if target else "current_failure_rate"
        c.put(name, round(share, 6), m.start() - len(window), m.end() + len(tail))
        c.use(m.start(), m.end())


_VERSION_NUMBER = re.compile(r"(?:llama|qwen|mistral|gpt|phi|gemma|claude|gemini|mixtral|version|v|python|step"
                             r"|option|question|#|no\.|top)[ -]?$")


def _unread(c: _Clause) -> list[str]:
    """Phrases with a number the clause used for nothing (years and versions aside)."""
    out: list[str] = []
    found = quantities(c.text)
    for index, q in enumerate(found):
        if c.is_used(q) or _VERSION_NUMBER.search(c.text[max(0, q.start - 10): q.start]):
            continue
        if not q.suffix and float(q.value).is_integer() and 1900 <= q.value <= 2100 and \
                re.search(r"\b(?:in|since|by|from|until|till|before|after|of|during|early|late|mid|fy|q[1-4])\W{0,2}$",
                          c.text[max(0, q.start - 12): q.start]):
            continue  # a year
        nxt = found[index + 1] if index + 1 < len(found) else None
        if nxt is not None and c.is_used(nxt) and re.fullmatch(r"\s*(?:-|to|and|or)\s*", c.text[q.end: nxt.start]):
            continue  # the low end of a range whose other end was read ("10 to 20k examples")
        words = re.match(r"^\W{0,3}(?:[\w'-]+\W{1,2}){0,3}", c.text[q.end: q.end + 50])
        out.append(_snippet(c.text, max(0, q.start - 1 if c.text[q.start - 1: q.start] == "$" else q.start),
                            q.end + (words.end() if words else 0)))
    for m in _PERCENT.finditer(c.text):
        if not c.is_used(Quantity(0, False, False, "", m.start(), m.end())):
            words = re.match(r"^\W{0,3}(?:[\w'-]+\W{1,2}){0,3}", c.text[m.end(): m.end() + 50])
            out.append(_snippet(c.text, m.start(), m.end() + (words.end() if words else 0)))
    return out


# --------------------------------------------------------------------------- models

@dataclass(frozen=True)
class _ModelName:
    model_id: str
    needle: str  # normalised, padded with spaces
    params: float | None


def _norm_name(text: str) -> str:
    text = text.lower()
    text = re.sub(r"(?<![0-9])\.|\.(?![0-9])", " ", text)
    return re.sub(r"[^a-z0-9.]+", " ", text).strip()


_MODEL_CACHE: dict[int, list[_ModelName]] = {}


def _catalog_models() -> list[Any]:
    """The catalog's models, or [] when the catalog cannot be read (then no model
    names are recognised, and sizes are not mapped)."""
    try:
        catalog = get_catalog()
    except Exception:  # a broken user config is reported by the commands that need it
        return []
    models = getattr(catalog, "models", None)
    if callable(models):
        models = models()
    if isinstance(models, dict):
        models = list(models.values())
    # API offers (gpt-4o-mini, ...) are models a profile may name too; they have no size.
    offers = catalog.all_api_offers() if hasattr(catalog, "all_api_offers") else []
    return list(models or []) + list(offers)


def _model_names() -> list[_ModelName]:
    models = _catalog_models()
    key = id(models[0]) if models else 0
    if key in _MODEL_CACHE:
        return _MODEL_CACHE[key]
    names: list[_ModelName] = []
    for spec in models:
        model_id = getattr(spec, "id", None)
        if not model_id:
            continue
        params = getattr(spec, "params", None)
        for raw in {model_id, getattr(spec, "name", "") or "", *(getattr(spec, "aliases", ()) or ())}:
            needle = _norm_name(str(raw))
            # Bare family words ("llama") or sizes ("7b") are too vague to name a model.
            if len(needle) >= 4 and re.search(r"[0-9]", needle):
                names.append(_ModelName(model_id, f" {needle} ", params))
    names.sort(key=lambda n: -len(n.needle))
    _MODEL_CACHE.clear()
    _MODEL_CACHE[key] = names
    return names


def find_model(text: str) -> str | None:
    """The catalog id of the model the text names (the last one named wins)."""
    padded = f" {_norm_name(text)} "
    best: tuple[int, int, str] | None = None  # (position, length, id)
    for name in _model_names():
        pos = padded.rfind(name.needle)
        if pos >= 0 and (best is None or pos > best[0] or (pos == best[0] and len(name.needle) > best[1])):
            best = (pos, len(name.needle), name.model_id)
    return best[2] if best else None


def nearest_model(params: float, family: str | None = None) -> str | None:
    """The catalog model whose size is closest (in ratio) to `params`."""
    candidates = [(spec.id, float(spec.params)) for spec in _catalog_models()
                  if getattr(spec, "params", None)]
    if family:
        same = [c for c in candidates if family in c[0].lower()]
        candidates = same or candidates
    if not candidates:
        return None
    return min(candidates, key=lambda c: (abs(math.log(c[1] / params)), c[0]))[0]


_FAMILY = re.compile(r"\b(llama|mistral|mixtral|qwen|gemma|phi|falcon|deepseek|gpt|command|olmo|yi)\b")


# --------------------------------------------------------------------------- output examples

# An example of the output after a colon that introduces it: "exactly this shape: {...}",
# "use this template:\nSUBJECT: <subject>\n...", "like this: ```json ...```". The words
# before the colon must be about the output's form; the example must look like one (JSON,
# a fenced block, or lines with placeholders or "KEY:" fields). It is kept verbatim and
# taken out of the text before the rest is read.
_EXAMPLE_INTRO = re.compile(r"\b(?:format|template|shape|structure|schema|layout|looks? like|like this|as follows"
                            r"|json|output|outputs|reply|replies|response|responses|answers?)\b[^.!?\n:]{0,40}:[ \t]*"
                            r"(?=\n|\{|\[|```)", re.IGNORECASE)
_FENCE = re.compile(r"\s*```[a-z]*\n(.{1,20000}?)\n?```", re.DOTALL)
_PLACEHOLDER = re.compile(r"<[^<>\n]{1,40}>|\{[^{}\n]{1,40}\}|\[[^\[\]\n]{1,40}\]")
_FIELD_LINE = re.compile(r"^\s*[A-Za-z][\w -]{0,30}:", re.MULTILINE)
_EXAMPLE_MAX = 20_000


def _balanced(text: str, start: int) -> int:
    """The end of the JSON value opening at text[start] ({ or [), or -1."""
    depth, in_string, escaped = 0, False, False
    for i in range(start, min(len(text), start + _EXAMPLE_MAX)):
        ch = text[i]
        if in_string:
            escaped, in_string = (not escaped and ch == "\\"), in_string and (escaped or ch != '"')
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return i + 1
    return -1


def output_example(text: str) -> tuple[str, int, int, int] | None:
    """(example, intro start, example start, example end) for an output example in
    `text`, or None."""
    for intro in _EXAMPLE_INTRO.finditer(text[:MAX_CHARS]):
        pos = intro.end()
        if fence := _FENCE.match(text, pos):
            return fence[1].strip(), intro.start(), pos, fence.end()
        body = text[pos:].lstrip()
        start = len(text) - len(body)
        if body[:1] in ("{", "["):
            end = _balanced(text, start)
            if end > 0:
                return text[start:end], intro.start(), start, end
            continue
        # A text template: the lines after the colon, up to a blank line.
        block = re.match(r"(?:[^\n]*\S[^\n]*(?:\n|$)){1,200}", body)
        lines = block[0].rstrip() if block else ""
        if lines and ("\n" in lines and (_PLACEHOLDER.search(lines) or len(_FIELD_LINE.findall(lines)) >= 2)):
            return lines[:_EXAMPLE_MAX], intro.start(), start, start + len(lines)
    return None


# --------------------------------------------------------------------------- facts

def extract_facts(text: str) -> Extraction:
    """Facts for the case profile that `text` states, each with its words; numbers no
    field claims; fields stated twice differently (left out, to be asked about); the
    language. A later statement wins over an earlier one only when it corrects it
    ("sorry, 2M a month")."""
    raw, truncated = clean(text)
    out = Extraction(truncated=truncated)
    if truncated:
        out.notes.append(f"only the first {MAX_CHARS // 1000} KB of the message were read")
    example = output_example(raw)
    if example:
        # Read apart: the example's keys and figures are not facts about the case.
        raw = raw[: example[2]] + " . " + raw[example[3]:]
    out.language = detect_language(raw)
    text = _normalise(raw)
    if out.language == "en":
        text, out.corrections = fix_typos(text)
    text = numbers_in_words(text)
    goals: list[str] = []
    removed: list[str] = []
    sizes: list[float] = []
    goal_words: dict[str, str] = {}
    readings: dict[str, list[tuple[Any, str, bool]]] = {}
    for clause in clauses(text):
        added, ruled_out, words = _find_goals(clause)
        for goal in added:
            if goal in removed:
                removed.remove(goal)
            if goal not in goals:
                goals.append(goal)
                goal_words[goal] = words[goal]
        for goal in ruled_out:
            if goal in goals:
                goals.remove(goal)
            if goal not in removed:
                removed.append(goal)
        c = _Clause(clause)
        _simple_facts(c)
        _failure_rates(c, after_failure="current_failure_rate" in readings)
        _numbers(c, sizes)
        out.notes.extend(c.notes)
        out.unread.extend(_unread(c))
        correcting = bool(_CORRECTION.match(clause))
        for name, (value, words_) in c.found.items():
            readings.setdefault(name, []).append((value, words_, correcting))
    _settle(readings, out)
    if ("output_format" not in goals and "hallucinations" not in goals and "hallucinations" not in removed
            and (m := _HALLUCINATION_CONSTRAINT.search(text))):
        goals.append("hallucinations")  # no format case: they do hope to stop hallucinations
        goal_words["hallucinations"] = _snippet(text, m.start(), m.end())
    if example:
        out.updates["output_format_example"] = example[0]
        out.facts.append(Fact("output_format_example", example[0], _snippet(raw, example[1], example[2])))
        if "output_format" not in goals:
            goals.append("output_format")  # an exact example to follow is a strict format
            goal_words["output_format"] = _snippet(raw, example[1], example[2])
    if goals:
        out.updates["goals"] = goals
        out.facts += [Fact("goals", goal, goal_words.get(goal, "")) for goal in goals]
    out.removed_goals = removed
    model = find_model(raw)
    if model:
        out.updates["model"] = model
        out.facts.append(Fact("model", model, _model_words(raw, model)))
    elif sizes:
        family_match = _FAMILY.findall(text[-MAX_CHARS:])
        nearest = nearest_model(sizes[-1], family_match[-1] if family_match else None)
        if nearest:
            out.updates["model"] = nearest
            out.facts.append(Fact("model", nearest, f"{_fmt(sizes[-1])} parameters"))
            out.notes.append(f"model: {_fmt(sizes[-1])} parameters -> nearest catalog model {nearest}")
    if len(raw) <= _ALIGN_CHARS:
        out.facts = [Fact(f.field, f.value, as_written(f.text, raw)) for f in out.facts]
        out.unread = [as_written(u, raw) for u in out.unread]
        out.contradictions = [Contradiction(k.field, k.values, tuple(as_written(w, raw) for w in k.texts))
                              for k in out.contradictions]
    if out.language != "en":
        # Only the language-neutral facts were read (figures with units, model names).
        out.updates.pop("goals", None)
        out.facts = [f for f in out.facts if f.field != "goals"]
        out.removed_goals = []
    return out


def _settle(readings: dict[str, list[tuple[Any, str, bool]]], out: Extraction) -> None:
    """One value per field from its readings in the message, or a contradiction."""
    for name, items in readings.items():
        if name == "tried":
            values = list(dict.fromkeys(v for value, _, _ in items for v in value))
            out.updates[name] = values
            out.facts += [Fact(name, v, next(w for value, w, _ in items if v in value)) for v in values]
            continue
        distinct = list(dict.fromkeys(_key(value) for value, _, _ in items))
        if len(distinct) == 1:
            value, words, _ = items[-1]
        elif name == "deployment":
            value, words, _ = max(items, key=lambda item: _DEPLOYMENT_RANK[item[0]])
        elif any(correcting for _, _, correcting in items[1:]):
            value, words, _ = items[-1]
            out.notes.append(f"{name}: read the correction ({words})")
        else:
            out.contradictions.append(Contradiction(name, tuple(v for v, _, _ in items),
                                                    tuple(w for _, w, _ in items)))
            continue
        out.updates[name] = value
        out.facts.append(Fact(name, value, words))


#: Up to this length the words of a fact are shown as written (aligning costs O(n·m)).
_ALIGN_CHARS = 20_000


def as_written(words: str, raw: str) -> str:
    """`words` (read from the normalised text) as the client wrote them in `raw`:
    "5000 labeled examples" -> "5.000 labelled examples"."""
    if not words:
        return words
    lowered = raw.lower()
    # Align within a window around a word of the phrase found as written (alignment costs
    # O(n·m)); a phrase whose words were all rewritten is aligned against the whole text.
    offset, window = 0, lowered
    for anchor in sorted(set(words.split()), key=len, reverse=True):
        pos = lowered.find(anchor) if len(anchor) >= 3 else -1
        if pos >= 0:
            offset = max(0, pos - len(words) - 24)
            window = lowered[offset: pos + len(words) + 24]
            break
    found = fuzz.partial_ratio_alignment(words, window, score_cutoff=60)
    if found is None:
        return words
    start, end = found.dest_start + offset, found.dest_end + offset
    while start > 0 and (raw[start - 1].isalnum() or (raw[start - 1] in ".,' $€" and start > 1
                                                      and raw[start - 2].isdigit() and raw[start].isdigit())):
        start -= 1
    # As many words as were read (digit groups count as one word, as they were read).
    wanted = len(words.split())
    tail = re.match(r"(?:[^\s]*?(?:\d[ .,']\d{3})*[^\s]*\s*){1,%d}" % min(wanted, 40), raw[start:])
    end = max(end, start + len(tail[0].rstrip())) if tail else end
    while end < len(raw) and raw[end].isalnum():
        end += 1
    # Numbers written in words ("fifty thousand requests") align from the figure's scale word.
    head = raw[:start].rstrip()
    while True:
        word = re.search(r"([A-Za-z]+)[ -]?$", head)
        if not word or word[1].lower() not in _NUMBER_WORDS_SET:
            break
        start = word.start(1)
        head = raw[:start].rstrip()
    return " ".join(raw[start:end].split()).strip(" ,.;:-") or words


def _key(value: Any) -> str:
    return repr(value)


def _model_words(raw: str, model: str) -> str:
    """The words that named `model` in the text, or its id."""
    family = re.split(r"[-.]", model)[0]
    m = re.search(re.escape(family) + r"[\w .-]{0,24}", raw, re.IGNORECASE)
    return " ".join(m[0].split()) if m else model


def _simple_facts(c: _Clause) -> None:
    clause = c.text
    if m := _LABELS_NONE.search(clause):
        c.put("labeled_examples", 0, m.start(), m.end())
    deployment = None
    freedoms: list[tuple[int, int]] = []  # "no data residency restrictions": a rule waived
    for value, pattern in _DEPLOYMENT if _DEPLOYMENT_HINT.search(clause) else ():
        for m in pattern.finditer(clause):
            if value == "any":
                freedoms.append(m.span())
            if any(a <= m.start() < b for a, b in freedoms) and value != "any":
                continue
            if not _negated(clause[: m.start()]) or value != "any":
                deployment = (value, m)
    if deployment:
        c.put("deployment", deployment[0], deployment[1].start(), deployment[1].end())
        # Beside a hosting rule, only words about knowledge, in a phrase of their own:
        # "..., and the protocols it answers from aren't public anywhere".
        for m in _PROPRIETARY_KNOWLEDGE.finditer(clause):
            phrase_start = max((b.end() for b in _PHRASE_BREAK.finditer(clause, 0, m.start())), default=0)
            later = _PHRASE_BREAK.search(clause, m.end())
            phrase_end = later.start() if later else len(clause)
            if not (phrase_start <= deployment[1].start() < phrase_end) and not _negated(clause[: m.start()]):
                c.put("proprietary_data", True, m.start(), m.end())
    else:
        # Privacy phrases never say what the model must know.
        for m in _PROPRIETARY_TRUE.finditer(clause):
            c.put("proprietary_data", not _negated(clause[: m.start()]), m.start(), m.end())
        for m in _PROPRIETARY_FALSE.finditer(clause):
            if not _negated(clause[: m.start()]):
                c.put("proprietary_data", False, m.start(), m.end())
    for pattern, value in _TEAM if _TEAM_HINT.search(clause) else ():
        if (m := pattern.search(clause)) and not (value != "none" and _negated(clause[: m.start()])):
            c.put("ml_team", value, m.start(), m.end())
            break
    quality = None
    for pattern, value in _QUALITY:
        m = pattern.search(clause)
        if m and not _negated(clause[: m.start()]):
            quality = (value, m)
            break
    about_data = quality is None and bool(_DATA_WORDS.search(clause))
    for pattern, value in _QUALITY_CHECKS if quality is None and (
            about_data or _DATA_REFERENCE.search(clause)) else ():
        m = pattern.search(clause)
        if m and not _negated(clause[: m.start()]):
            quality = (value, m)
            break
    if quality is None and about_data:
        for pattern, value in _QUALITY_BARE:
            m = pattern.search(clause)
            if m and not _negated(clause[: m.start()]):
                quality = (value, m)
                break
    if quality:
        c.put("data_quality", quality[0], quality[1].start(), quality[1].end())
    tried, span = _tried(clause)
    if tried:
        c.put("tried", tried, *span)
    change = _knowledge_changes(clause)
    if change:
        c.put("knowledge_changes", change[0], change[1], change[2])
        for m in [*_EVERY_N.finditer(clause), *_TIMES_PER.finditer(clause)]:
            c.use(m.start(), m.end())


def _tried(clause: str) -> tuple[list[str], tuple[int, int]]:
    """The techniques the clause says were tried, and where it says so."""
    tried: list[str] = []
    span = (0, 0)
    for verb in _TRIED_VERB.finditer(clause):
        if _WISH_BEFORE.search(clause, 0, verb.start()):
            continue  # "we want to use RAG"
        end = min(len(clause), verb.end() + _TRIED_SCOPE_CHARS)
        if stop := _TRIED_SCOPE_END.search(clause, verb.end(), end):
            end = stop.start()
        negated = _negated(clause[: verb.start()])
        pivot = _TRIED_EXCEPT.search(clause, verb.end(), end) if negated else None
        for pattern, value in _TRIED:
            if value in tried or (negated and not pivot):
                continue
            m = _technique(clause, pattern, value, pivot.end() if pivot else verb.start(), end, verb[0])
            if not m:
                continue
            if _negated(clause[pivot.end() if pivot else verb.end(): m.start()]):
                continue  # "we tried prompting, not RAG"
            tried.append(value)
            if span == (0, 0):
                span = (verb.start(), m.end())
        if not negated and _TRIED_ANAPHORA.match(clause, verb.end()):
            # "just prompts, and we've iterated on those": the technique named last before.
            last = max(((m, value) for pattern, value in _TRIED
                        if (m := _last_technique(clause, pattern, value, verb.start()))),
                       key=lambda item: item[0].start(), default=None)
            if last and last[1] not in tried:
                tried.append(last[1])
                span = span if span != (0, 0) else (last[0].start(), verb.end())
    for pattern, value in _TRIED:
        # "grammar-constrained decoding is already on": the technique, then its state.
        for m in pattern.finditer(clause):
            if value not in tried and _IN_PLACE_AFTER.match(clause, m.end()) and not _negated(clause[: m.start()]) \
                    and not _incidental(clause, m, value, ""):
                tried.append(value)
                span = span if span != (0, 0) else (m.start(), m.end())
    return tried, span


def _incidental(clause: str, m: re.Match[str], value: str, verb: str) -> bool:
    """A technique's words that say something else: a model in use, a prompt measured or
    cached, the model a router sends to."""
    if value == "smaller_model":
        if _NAMED_SMALL_MODEL.fullmatch(m[0]) and _IN_USE_VERB.match(verb):
            return True
        return bool(_ROUTED_TO.search(clause, 0, m.start()))
    if value == "prompt_engineering":
        return bool(_PROMPT_INCIDENTAL_AFTER.match(clause, m.end())
                    or _PROMPT_INCIDENTAL_BEFORE.search(clause, 0, m.start()))
    return False


def _technique(clause: str, pattern: re.Pattern[str], value: str, start: int, end: int,
               verb: str) -> re.Match[str] | None:
    """The first mention of a technique in clause[start:end] that names an attempt."""
    for m in pattern.finditer(clause, start, end):
        if not _incidental(clause, m, value, verb):
            return m
    return None


def _last_technique(clause: str, pattern: re.Pattern[str], value: str, end: int) -> re.Match[str] | None:
    """The last mention of a technique before `end`, unless negated in its own phrase
    (what follows 'just'/'only' after a negation was done: "no RAG - just prompts")."""
    found = None
    for m in pattern.finditer(clause, 0, end):
        if _incidental(clause, m, value, ""):
            continue
        pivots = [p.end() for p in _TRIED_EXCEPT.finditer(clause, 0, m.start())]
        if not _negated(clause[pivots[-1] if pivots else 0: m.start()]):
            found = m
    return found


# --------------------------------------------------------------------------- answers

SKIP_WORDS = re.compile(
    r"^(?:skip|pass|next|n/?a|none of (?:these|them|the above)|don'?t know|do not know|dunno|not sure|no idea"
    r"|unknown|unsure|no clue|\?+|idk|i don'?t know|i do not know|i'?m not sure|can'?t say|hard to say)\W*$")
RECOMMEND_WORDS = re.compile(
    r"^(?:recommend\w*|done|finish\w*|that'?s (?:all|it)|enough|go|go ahead|just tell me|tell me"
    r"|what do you (?:recommend|suggest|think)|give me (?:the|a|your) (?:recommendation|answer|verdict)"
    r"|show (?:me )?(?:the )?(?:recommendation|result|results)|results?|verdict|decide)\W*$")
# Explicit yes/no words count at the start of any answer; the phrasings in _SHORT_* only
# when they are (nearly) the whole answer, so "we have 300 examples" is not a "yes".
_YES = re.compile(r"^(?:y|yes|yeah|yep|yup|sure|true|correct|indeed|absolutely|definitely|of course"
                  r"|affirmative)\b")
_NO = re.compile(r"^(?:n|no|nope|nah|false|not really|negative)\b")
_SHORT_YES = re.compile(r"^(?:it is|they are|we do|we have|it does|right|yes it is|mostly)\W*$")
_SHORT_NO = re.compile(r"^(?:none|zero|never|we do not|it is not|they are not|it does not|not at all"
                       r"|we have none|nothing)\W*$")
_NUMERIC_FIELDS = ("labeled_examples", "requests_per_month", "budget_usd", "horizon_months", "prompt_tokens",
                   "output_tokens")
_CHOICE_NUMBERS = re.compile(r"^(?:(?:option|choice|number|no\.?|#)\s*)?([0-9]{1,2})(?:\s*[).:]?\s*)"
                             r"(?:(?:,|and|&|\+|/|\s)\s*(?:(?:option|#)\s*)?[0-9]{1,2}\s*[).]?\s*){0,8}$")


_ORDINALS = {w: i for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth".split(), 1)}
_CHOICE_WORD = re.compile(r"^(?:(?:option|choice|number|answer|no\.?|#)\s*|the\s+)?"
                          r"(one|two|three|four|five|six|seven|eight|nine|ten|first|second|third|fourth|fifth"
                          r"|sixth|seventh|eighth|ninth|tenth|last)(?:\s+(?:one|option|choice))?\W*$")


def _choice_word(answer: str, count: int) -> str | None:
    """The choice numbers an answer names in words, as digits: "three" -> "3", "the
    second one" -> "2", "first and third" -> "1, 3", "last"; None if it names none."""
    numbers = []
    for part in re.split(r"\s*(?:,|&|\+|/|\band\b)\s*", answer.strip()):
        m = _CHOICE_WORD.match(part.strip())
        if not m:
            return None
        word = m[1]
        number = count if word == "last" else _ORDINALS.get(word) or _UNITS.get(word)
        if not number or not 1 <= number <= count:
            return None
        numbers.append(str(number))
    return ", ".join(numbers) or None


@dataclass
class Answer:
    #: "value": `value` answers the question; "skip"; "recommend"; "facts": no direct
    #: answer but other facts were found; "unknown": nothing readable.
    kind: str
    value: Any = None
    extraction: Extraction = field(default_factory=Extraction)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


_STOP = frozenset({"a", "an", "the", "of", "and", "or", "to", "is", "it", "we", "our", "i", "think", "maybe",
                   "probably", "its", "it's", "about", "say", "would", "be", "please", "us", "are", "have"})


def _match_choices(answer: str, choices: list[dict[str, Any]]) -> list[Any]:
    """Choices whose label or value the answer names, best first."""
    answer_words = _words(answer) - _STOP
    if not answer_words:
        return []
    scored: list[tuple[float, int, Any]] = []
    for index, choice in enumerate(choices):
        label = str(choice.get("label", "")).lower()
        value = str(choice.get("value", "")).lower().replace("_", " ")
        if answer in (label, value):
            scored.append((10.0, index, choice.get("value")))
            continue
        label_words = _words(label) | _words(value)
        common = answer_words & label_words
        # Most of what the user wrote must name this choice ("more purple elephants" does
        # not pick "More than 10 million").
        if common and len(common) * 2 >= len(answer_words):
            scored.append((len(common) / max(len(label_words), 1), index, choice.get("value")))
    scored.sort(key=lambda s: (-s[0], s[1]))
    if len(scored) > 1 and scored[0][0] == scored[1][0] and scored[0][0] < 10:
        return []  # ambiguous: both choices equally named
    return [s[2] for s in scored]


def parse_answer(text: str, question: dict[str, Any], *, field_type: Callable[[str], str] | None = None) -> Answer:
    """Read a reply to `question` ({field, question, choices:[{label, value}]}).

    Accepts the choice's number (or several, for a list field), the choice's words,
    yes/no for a yes/no question, a quantity for a numeric field ("50k", "$30k",
    "2 years"), free text with facts, "skip"/"don't know", and "recommend"/"done".
    """
    raw, _ = clean(text)
    answer = _normalise(raw).strip().strip("\"'` ")
    extraction = extract_facts(raw)
    if not answer:
        return Answer("unknown", extraction=extraction)
    if SKIP_WORDS.match(answer):
        return Answer("skip", extraction=extraction)
    if RECOMMEND_WORDS.match(answer):
        return Answer("recommend", extraction=extraction)
    fieldname = question.get("field", "")
    choices = list(question.get("choices") or [])
    kind = field_type(fieldname) if field_type else _guess_type(choices)
    direct = extraction.updates.get(fieldname)

    picked = _choice_word(answer, len(choices)) if choices else None
    if picked is not None:
        answer = picked
    else:
        answer = numbers_in_words(answer)
    if choices and _CHOICE_NUMBERS.match(answer):
        numbers = [int(n) for n in re.findall(r"[0-9]{1,2}", answer)]
        if all(1 <= n <= len(choices) for n in numbers):
            values = [choices[n - 1]["value"] for n in numbers]
            if kind == "array":
                flat: list[Any] = []
                for v in values:
                    flat.extend(v if isinstance(v, list) else [v])
                return Answer("value", flat, extraction)
            return Answer("value", values[-1], extraction)
    if kind == "array" and fieldname == "goals" and extraction.updates.get("goals"):
        return Answer("value", extraction.updates["goals"], extraction)
    if direct is not None and fieldname != "goals":
        return Answer("value", direct, extraction)
    if kind == "boolean":
        if _YES.match(answer) or _SHORT_YES.match(answer):
            return Answer("value", True, extraction)
        if _NO.match(answer) or _SHORT_NO.match(answer):
            return Answer("value", False, extraction)
    # A bare figure answers a numeric question, unless the text says it is something
    # else ("200k examples" while asked for the budget).
    claimed = any(k in extraction.updates for k in _NUMERIC_FIELDS if k != fieldname)
    if kind in ("integer", "number") and not claimed:
        found = quantities(answer)
        if found:
            q = found[-1]
            value = q.value
            if fieldname == "horizon_months" and re.search(r"\by(?:ea)?rs?\b", answer):
                value *= 12
            if fieldname == "requests_per_month":
                for pattern, factor in _PER:
                    if pattern.search(answer):
                        value *= factor
                        break
            if value >= 0:
                return Answer("value", int(round(value)) if kind == "integer" else value, extraction)
        # "no" / "none" is zero; "no, it's all public" answers another question.
        if ((_NO.match(answer) and len(answer.split()) <= 2) or _SHORT_NO.match(answer)) \
                and fieldname in ("labeled_examples", "budget_usd"):
            return Answer("value", 0, extraction)
    short = None if extraction else _short_answer(fieldname, answer, choices)
    if short is not None:
        return Answer("value", short, extraction)
    if choices:
        matched = _match_choices(answer, choices)
        if matched:
            if kind == "array":
                return Answer("value", [matched[0]] if not isinstance(matched[0], list) else matched[0], extraction)
            return Answer("value", matched[0], extraction)
    if extraction:
        return Answer("facts", None, extraction)
    return Answer("unknown", extraction=extraction)


# Short answers to one question, read in its context: "pretty clean" answers "how clean
# are those examples?", "every couple of weeks" answers "how often does it change?".
_ANSWER_WORDS: dict[str, tuple[tuple[re.Pattern[str], Any], ...]] = {
    # Checked in order: "not very clean" before "clean", "not bad" before "bad".
    "data_quality": (
        (re.compile(r"\bnot (?:very |that |so |really )?(?:clean|good|great)\b"), "low"),
        (re.compile(r"\b(?:not bad|mixed|so-?so|ok|okay|decent|average|medium|fair|reasonable"
                    r"|mostly (?:right|clean|good)|spot-?checked)\b"), "medium"),
        (re.compile(r"\b(?:a mess|messy|noisy|dirty|bad|poor|low|terrible|awful|unchecked|inconsistent)\b"),
         "low"),
        (re.compile(r"\b(?:clean|good|great|excellent|high|very good|reviewed|curated|verified|gold|pristine)\b"),
         "high"),
    ),
    "ml_team": (
        (re.compile(r"\b(?:nobody|no one|none|no team|zero)\b"), "none"),
        (re.compile(r"\b(?:big|large|strong|dedicated|experienced|full|research|mature|world-?class)\b"), "strong"),
        (re.compile(r"\b(?:one|two|a couple|a few|some (?:people|engineers?|folks"
                    r"|experience)|small|junior|single|an? (?:ml )?engineer|a person|people|part-?time)\b"), "some"),
    ),
    "proprietary_data": (
        (re.compile(r"\b(?:not public|non-?public|not (?:publicly )?available|not on the web)\b"), True),
        (re.compile(r"\b(?:mostly |all |entirely )?(?:public|open|general|common|on the web|published)\b"), False),
        (re.compile(r"\b(?:private|internal|proprietary|confidential|in-?house|our own|secret|non-?public"
                    r"|not public)\b"), True),
    ),
}
_STATIC_ANSWER = re.compile(r"^(?:never|rarely|seldom|not often|not much|hardly(?: ever)?|almost never"
                            r"|barely|(?:it|they) (?:does|do) not|static|stable)\b")
_COUPLE_OF = re.compile(r"\bevery (couple of|few) (hours?|days?|weeks?|months?|years?)\b")
_TIMES_PER = re.compile(r"\b(once|twice|[0-9]{1,2} times) (?:a|per|each|every) (day|week|month|year)\b")


def _short_answer(fieldname: str, answer: str, choices: list[dict[str, Any]]) -> Any:
    """A short answer read in the question's context, or None."""
    if fieldname == "knowledge_changes":
        if _STATIC_ANSWER.match(answer):
            return "rarely"
        every = _EVERY_N.search(answer) or _COUPLE_OF.search(answer)
        if every:
            count = int(every[1]) if every[1].isdigit() else 2 if every[1] == "couple of" else 3
            return _bucket(count * _PERIOD_DAYS[every[2].rstrip("s")])
        times = _TIMES_PER.search(answer)
        if times:
            n = {"once": 1, "twice": 2}.get(times[1]) or int(times[1].split()[0])
            return _bucket(_PERIOD_DAYS[times[2]] / max(n, 1))
        for pattern, value in _FREQUENCIES:
            if pattern.search(answer):
                return value
        return None
    if fieldname == "horizon_months":
        m = re.match(r"^(?:about |around |roughly )?(?:a|one) (year|month)\b", answer)
        if m:
            return 12 if m[1] == "year" else 1
        return None
    if fieldname == "goals" and re.match(r"^(?:all|all of (?:them|these|the above)|everything)\W*$", answer):
        return [c.get("value") for c in choices]
    # Only a short reply is read this way: a longer one is about more than this question.
    if len(answer.split()) > 8:
        return None
    for pattern, value in _ANSWER_WORDS.get(fieldname, ()):
        if pattern.search(answer):
            return value
    return None


def _guess_type(choices: Iterable[dict[str, Any]]) -> str:
    values = [c.get("value") for c in choices]
    if values and all(isinstance(v, bool) for v in values):
        return "boolean"
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "number"
    if values and all(isinstance(v, list) for v in values):
        return "array"
    return "string"
