"""Deterministic reading of what a user writes: facts for the case profile from free
text, and answers to the offline interview's questions.

Everything here is linear in the length of the text: the input is cleaned and capped
first, every pattern is a flat alternation with bounded repeats (no nested quantifiers
that could backtrack catastrophically), and model names are found with plain substring
search. Only English phrasings are recognised; anything else simply yields no facts.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

#: Text beyond this is ignored (a note says so): bounds the work on a huge paste.
MAX_CHARS = 200_000

GOALS = ("accuracy", "hallucinations", "business_context", "reasoning", "domain_knowledge",
         "output_format", "jargon", "style")


@dataclass
class Extraction:
    #: Profile field -> value, only for what the text states. `goals` lists goals added.
    updates: dict[str, Any] = field(default_factory=dict)
    #: Human notes: assumptions made ("assumed per month") and facts found.
    notes: list[str] = field(default_factory=list)
    #: Goals the text explicitly rules out ("we don't care about tone").
    removed_goals: list[str] = field(default_factory=list)
    truncated: bool = False

    def __bool__(self) -> bool:
        return bool(self.updates or self.removed_goals)


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


def _normalise(text: str) -> str:
    """Lower case, with spelling variants unified so patterns stay short."""
    text = text.lower()
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
    (re.compile(r"\b(?:a few|several|a couple(?: of)?|few) thousands?\b|\bthousands\b"), "3000"),
    (re.compile(r"\b(?:a few|several|a couple(?: of)?|few) hundreds?\b|\bhundreds\b"), "300"),
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


_CLAUSE_SPLIT = re.compile(r"[.!?;\n]+(?=\s|$)|[;\n]|\bbut\b|\bhowever\b|\bwhereas\b|\balthough\b")


def clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_SPLIT.split(text) if c and c.strip()]


# --------------------------------------------------------------------------- negation

_NEGATORS = frozenset({"no", "not", "never", "without", "none", "nor", "neither", "zero", "lack",
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

_GOAL_PATTERNS: dict[str, re.Pattern[str]] = {
    "accuracy": re.compile(
        r"\b(?:not (?:very |always |really )?(?:accurate|correct|right)|inaccura\w*|accura(?:te|cy)"
        r"|(?:answers?|responses?|outputs?|results?|replies) (?:are|is|were|come out|seem) "
        r"(?:\w+ ){0,2}(?:wrong|incorrect|off|bad|poor|unreliable)"
        r"|wrong answers?|incorrect answers?|more correct|correctness|gets? (?:\w+ )?wrong"
        r"|better answers|(?:answer|response) quality|quality of (?:the |its )?(?:answers|responses)"
        r"|more precise|precision)"),
    "hallucinations": re.compile(
        r"\b(?:hallucinat\w*|mak(?:e|es|ing) (?:\w+ ){0,2}up\b|made[- ]up|invent(?:s|ing)? "
        r"(?:\w+ )?(?:facts|answers|things|stuff|citations|sources|numbers|references)"
        r"|fabricat\w*|confabulat\w*|false (?:facts|information|claims|statements)"
        r"|non-?existent (?:\w+ )?(?:sources|citations|references|products|policies))"),
    "business_context": re.compile(
        r"\b(?:understand(?:s|ing)? (?:\w+ ){0,2}(?:business|company|domain|products?|customers|organi[sz]ation"
        r"|processes|context|policies)|(?:our|my) business better|know(?:s)? (?:about )?(?:our|my) "
        r"(?:business|company|products?|policies|processes|customers)|company[- ](?:context|specific)"
        r"|business (?:context|knowledge|logic|rules)|internal (?:processes|policies|procedures))"),
    "reasoning": re.compile(
        r"\b(?:reasoning|reason(?:s)? (?:better|through|about|well)|better reason\w*"
        r"|think(?:s|ing)? (?:step by step|more clearly|better|through|logically)|logic(?:al)?"
        r"|multi-?step|chain[- ]of[- ]thought|math(?:s|ematical)? (?:problems|questions|reasoning)"
        r"|solv(?:e|es|ing) (?:\w+ )?problems|smarter|draws? conclusions)"),
    "domain_knowledge": re.compile(
        r"\b(?:industry[- ]specific|domain[- ](?:specific )?knowledge|specialized knowledge"
        r"|(?:absent|missing) from (?:public|general|base|open|existing) models?"
        r"|not in (?:any )?(?:public|general|base|existing) models?"
        r"|(?:public|general|base|existing) models? (?:do not|does not|can not) know"
        r"|medical diagnos\w*|diagnostic|niche (?:domain|field|knowledge)|expert knowledge"
        r"|(?:knowledge|facts) (?:about|of) (?:our|a|the) (?:niche|field|domain|industry))"),
    "output_format": re.compile(
        r"\b(?:valid json|json|(?:strict|exact|fixed|specific|consistent|rigid|precise|required) "
        r"(?:output )?(?:format\w*|structure|schema|template|layout)|output format\w*"
        r"|format(?:ted)? (?:output|correctly|exactly|consistently)|structured (?:output|data|format|fields)"
        r"|schema|xml|yaml|legal contracts?|contracts?|compliance (?:documents?|reports?|forms?|filings?)"
        r"|template\w*)"),
    "jargon": re.compile(
        r"\b(?:jargon|terminology|(?:specialized|technical|domain|industry|scientific|medical|legal) "
        r"(?:vocabulary|terms|language|lingo)|non-?standard (?:language|usage|terms|words|vocabulary)"
        r"|acronyms|abbreviations|protein[- ]folding|financial risk model\w*|lingo)"),
    "style": re.compile(
        r"\b(?:tone|style|voice|sound(?:s|ing)? (?:\w+ )?like|write(?:s)? like|talk(?:s)? like"
        r"|speak(?:s)? like|imitat\w*|mimic\w*|persona|personality|in the (?:words|manner) of)"),
}


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


def _find_goals(clause: str) -> tuple[list[str], list[str]]:
    added: list[str] = []
    removed: list[str] = []
    for goal, pattern in _GOAL_PATTERNS.items():
        for match in pattern.finditer(clause):
            if goal == "hallucinations" and _HALLUCINATION_CONSTRAINT.search(
                    clause[max(0, match.start() - 40): match.end() + 40]):
                continue  # decided in extract_facts, once the other goals are known
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
                break
    # A goal both stated and ruled out in one clause counts as stated.
    return added, [g for g in removed if g not in added]


# --------------------------------------------------------------------------- simple facts

def _matcher(pattern: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + pattern + r")")


# (pattern, value) pairs per field, checked clause by clause; a negated match of a
# positive phrase is handled by the entries written for the negative form.
_PROPRIETARY_TRUE = _matcher(
    r"proprietary|(?:internal|private|confidential|in-?house|our own|non-?public|closed|patient|customer"
    r"|company) (?:\w+ )?(?:data|dataset|datasets|records|documents|docs|knowledge|corpus)"
    r"|not (?:publicly )?available|not public")
_PROPRIETARY_FALSE = _matcher(
    r"public(?:ly available)? (?:data|information|knowledge|sources|datasets)|general knowledge"
    r"|common knowledge|(?:data|knowledge|information|it) is (?:all )?public")

_LABELS_NONE = _matcher(
    r"(?:no|zero|not any|without|not have any|not have) (?:\w+ )?(?:labeled|training|annotated) "
    r"(?:data|examples|dataset|samples|pairs)|only (?:have )?unlabeled|nothing labeled")

_TEAM = (
    (_matcher(r"(?:no|not have an?|not have any|without an?|without any|lack an?) (?:in-?house )?"
              r"(?:ml|ai|data science|machine learning|data)(?: \w+)? (?:team|engineers?|people|staff|expertise"
              r"|experience|scientists?)|no (?:data scientists|ml engineers|ml people)"
              r"|(?:nobody|no one|none of us)(?: \w+){0,4} (?:knows?|does|has|understands?) (?:\w+ )?"
              r"(?:ml|machine learning|ai|model training|fine-?tuning)\b"), "none"),
    (_matcher(r"(?:strong|dedicated|large|big|experienced|full|solid|mature|world-?class|research) "
              r"(?:ml|ai|data science|machine learning|research) (?:team|group|org)"), "strong"),
    (_matcher(r"(?:an?|one|two|a few|some|small|couple of|junior|single) (?:\w+ )?(?:ml|ai|machine learning) "
              r"(?:engineers?|people|team|person|folks|developer)|data scientists?|ml (?:team|engineers?)"), "some"),
)

_QUALITY = (
    (_matcher(r"(?:noisy|messy|dirty|low[- ]quality|poor(?: quality)?|inconsistent|unclean|unreliable) "
              r"(?:\w+ )?(?:data|dataset|examples|labels|annotations)|(?:data|labels) (?:is|are) "
              r"(?:\w+ )?(?:messy|noisy|dirty|poor|bad|inconsistent|a mess)"), "low"),
    (_matcher(r"(?:decent|ok|okay|mixed|average|reasonable|medium|moderate)[- ](?:quality )?"
              r"(?:data|dataset|labels|examples)|(?:data|labels) (?:is|are) (?:\w+ )?(?:decent|ok|okay|mixed)"), "medium"),
    (_matcher(r"(?:high[- ]quality|clean|curated|well[- ]labeled|expert[- ]labeled|gold|verified|reviewed"
              r"|carefully labeled) (?:\w+ )?(?:data|dataset|examples|labels|annotations|pairs)"
              r"|(?:data|labels) (?:is|are) (?:\w+ )?(?:clean|high[- ]quality|good|excellent|curated)"
              r"|(?:reviewed|checked|labeled|annotated|verified|curated|written) by (?:\w+ )?(?:experts?|clinicians"
              r"|doctors|lawyers|specialists|professionals|domain experts|our experts|scientists|researchers)"), "high"),
)
# A bare quality word ("40k examples, high quality") counts when the clause is about data.
_QUALITY_BARE = (
    (_matcher(r"(?:noisy|messy|dirty|low[- ]quality|poor quality|inconsistent|unreliable)\b"), "low"),
    (_matcher(r"(?:decent|ok|okay|mixed|average|medium)[- ]quality\b"), "medium"),
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


def _knowledge_changes(clause: str) -> str | None:
    if _CHANGE_STATIC.search(clause):
        return "rarely"
    if not _CHANGE_VERB.search(clause):
        return None
    every = _EVERY_N.search(clause)
    if every:
        return _bucket(int(every[1]) * _PERIOD_DAYS[every[2].rstrip("s")])
    for pattern, value in _FREQUENCIES:
        if pattern.search(clause):
            return value
    return None


# --------------------------------------------------------------------------- numbers

_NUMBER = re.compile(
    r"(?<![\w.])(?P<cur>\$|usd ?|us\$|eur ?|€|£)?(?P<num>[0-9]{1,3}(?: [0-9]{3}){1,4}(?![0-9.,])"
    r"|[0-9]{1,15}(?:[,_][0-9]{3}){0,5}(?:\.[0-9]{1,6})?)"
    r"(?:(?: ?|-)(?P<word>hundred|thousand|grand|million|billion|trillion)|(?P<suf>k|mm|mn|m|bn|b|t)"
    r"|(?P<pct>%))?(?![a-z0-9])")
_MULT = {"hundred": 1e2, "thousand": 1e3, "grand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "k": 1e3, "m": 1e6, "mm": 1e6,
         "mn": 1e6, "b": 1e9, "bn": 1e9, "t": 1e12}

# Written examples that are not called examples: "40k of his emails and replies",
# "12k transcripts". Read as examples only without a period ("12k emails a month" is traffic).
_LOOSE_EXAMPLES = re.compile(r"^\W{0,3}(?:of (?:his|her|their|our|the|my) )?(?:[a-z]+ ){0,2}?"
                             r"(?:emails|replies|transcripts|letters|articles|posts|documents|write-?ups)\b")
_EXAMPLE_WORDS = re.compile(r"^\W{0,3}(?:[a-z]+\W{1,3}){0,3}?(?:labeled|annotated|training|gold)? ?"
                            r"(?:examples?|samples?|pairs|annotations|demonstrations|labeled)\b")
_EXAMPLE_BEFORE = re.compile(r"(?:labeled|annotated|training) (?:examples?|data|samples?|pairs)"
                             r"(?: (?:of|is|are|about|around|roughly|approximately|approx|maybe|only|just))?\W{0,3}$"
                             r"|examples?\W{0,3}$")
_REQUEST_WORDS = re.compile(r"^\W{0,3}(?:[a-z]+\W{1,3}){0,2}?(?:requests?|queries|calls|messages|conversations|chats"
                            r"|sessions|completions|questions|tickets|inferences|prompts|generations)\b")
_MONEY_WORDS = re.compile(r"^\W{0,3}(?:usd|dollars?|bucks|eur|euros?)\b")
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
_TEAM_WORDS = re.compile(r"^\W{0,2}(?:\w+ )?(?:ml|ai|machine learning|data) (?:engineers?|scientists?|researchers?|people)")
_TOKEN_WORDS = re.compile(r"^\W{0,3}(\w+ )?tokens?\b")
_OUTPUT_CONTEXT = re.compile(r"\b(?:output|outputs|answers?|responses?|completions?|replies|generat\w*)\b")
_PROMPT_CONTEXT = re.compile(r"\b(?:prompts?|inputs?|context|questions?|requests?|queries)\b")
_TRIED = (
    (_matcher(r"(?:tried|tested|using|use|used|built|did|experimented with) (?:\w+ ){0,3}?"
              r"(?:rag|retrieval|vector (?:search|database|db)|embeddings? search)"), "rag"),
    (_matcher(r"(?:tried|tested|using|use|used|did|experimented with|iterated on) (?:\w+ ){0,3}?"
              r"(?:prompt engineering|prompting|better prompts|prompts|few-?shot|system prompts?)"), "prompt_engineering"),
    (_matcher(r"(?:tried|tested|trained|did|ran|used|experimented with) (?:\w+ ){0,3}?(?:lora|qlora|peft|adapters?)"),
     "lora"),
)
# A figure the text calls the budget without a currency sign: "budget of 30k", "our
# budget is about 50,000", "budget: 30k", "a 30k budget", "we can spend up to 40k".
_BUDGET_BEFORE = re.compile(r"(?:\bbudget(?:ed)?|\bcan (?:spend|afford|invest)|\bwilling to (?:spend|invest))"
                            r"(?: (?:is|of|at|around|about|roughly|approximately|approx|maybe|up to|max|maximum"
                            r"|at most|no more than|under|below|only|just|total|overall|of about|of around))*"
                            r"[ :=~-]{0,4}$")
_BUDGET_AFTER = re.compile(r"^[ -]{0,2}(?:usd |dollars? |euros? )?(?:total |overall |all-in )?budget\b")
# Examples that happen to be tickets, chats or conversations: "50k labelled support
# tickets", "20k conversations annotated with the right answer".
_LABELED_AFTER = re.compile(r"^\W{0,3}(?:[a-z]+ ){0,1}(?:labeled|annotated|hand-labeled|curated|gold)\b"
                            r"|^[^.;]{0,40}\b(?:labeled|annotated|tagged) (?:with|by)\b"
                            r"|^[^.;]{0,40}\bwith (?:the )?(?:ideal|correct|right|expected|gold|reference|good) "
                            r"(?:answers?|responses?|outputs?|replies|labels)\b")
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
    from tools.units import fmt_count

    return fmt_count(value)


def _numbers(clause: str, updates: dict[str, Any], notes: list[str], sizes: list[float]) -> None:
    for q in quantities(clause):
        after = clause[q.end: q.end + 60]
        before = clause[max(0, q.start - 60): q.start]
        if q.currency or _MONEY_WORDS.match(after) or _BUDGET_BEFORE.search(before) or _BUDGET_AFTER.match(after):
            if _BUDGET_SKIP.match(after):
                continue  # a run rate ("$5k a month"), not the budget
            updates["budget_usd"] = q.value
            continue
        if _REQUEST_WORDS.match(after) and _LABELED_AFTER.match(after):
            updates["labeled_examples"] = int(q.value)
            continue
        if _REQUEST_WORDS.match(after):
            window = after[:80]
            factor = None
            for pattern, f in _PER:
                if pattern.search(window):
                    factor = f
                    break
            if factor is None:
                factor = 1.0
                notes.append(f"requests_per_month: read {_fmt(q.value)} as per month (no period given)")
            updates["requests_per_month"] = int(round(q.value * factor))
            continue
        tokens = _TOKEN_WORDS.match(after)
        if tokens:
            # The nearest context word before the number decides, else the first after it.
            qualifier = tokens[1] or ""
            near = [(1000, "output_tokens")] if _OUTPUT_CONTEXT.search(qualifier) else []
            near += [(999, "prompt_tokens")] if _PROMPT_CONTEXT.search(qualifier) else []
            near += [(m.end(), "output_tokens") for m in _OUTPUT_CONTEXT.finditer(before[-40:])]
            near += [(m.end(), "prompt_tokens") for m in _PROMPT_CONTEXT.finditer(before[-40:])]
            if not near:
                near = [(-m.start(), "output_tokens") for m in _OUTPUT_CONTEXT.finditer(after[:40])]
                near += [(-m.start(), "prompt_tokens") for m in _PROMPT_CONTEXT.finditer(after[:40])]
            if near:
                updates[max(near)[1]] = max(1, int(q.value))
            continue
        if _TEAM_WORDS.match(after):
            updates["ml_team"] = "strong" if q.value >= 5 else ("none" if q.value == 0 else "some")
            continue
        loose = _LOOSE_EXAMPLES.match(after) and not any(p.search(after[:50]) for p, _ in _PER)
        if _EXAMPLE_WORDS.match(after) or loose or (_EXAMPLE_BEFORE.search(before)
                                                   and q.suffix not in ("b", "bn", "t")):
            updates["labeled_examples"] = int(q.value)
            continue
        unit = _HORIZON.match(after)
        if unit and _HORIZON_CONTEXT.search(before[-30:] + " " + after[:30]) and q.value <= 600:
            months = q.value * (12 if unit["unit"].startswith("y") else 1)
            updates["horizon_months"] = int(round(months))
            continue
        if q.suffix in ("b", "bn", "billion", "t") and (_PARAMS_WORDS.match(after) or q.suffix in ("b", "bn")):
            if 1e8 <= q.value <= 5e12:
                sizes.append(q.value)


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
    """The catalog's models, or [] when the catalog is unavailable (then no model
    names are recognised, and sizes are not mapped)."""
    try:
        from tools.catalog.catalog import get_catalog
    except ModuleNotFoundError:
        return []
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


# --------------------------------------------------------------------------- facts

def extract_facts(text: str) -> Extraction:
    """Facts for the case profile that `text` states. Later statements win over
    earlier ones in the same text."""
    raw, truncated = clean(text)
    out = Extraction(truncated=truncated)
    if truncated:
        out.notes.append(f"only the first {MAX_CHARS // 1000} KB of the message were read")
    text = _normalise(raw)
    text = numbers_in_words(text)
    updates = out.updates
    goals: list[str] = []
    removed: list[str] = []
    sizes: list[float] = []
    for clause in clauses(text):
        added, ruled_out = _find_goals(clause)
        for goal in added:
            if goal in removed:
                removed.remove(goal)
            if goal not in goals:
                goals.append(goal)
        for goal in ruled_out:
            if goal in goals:
                goals.remove(goal)
            if goal not in removed:
                removed.append(goal)
        _simple_facts(clause, updates)
        _numbers(clause, updates, out.notes, sizes)
    if ("output_format" not in goals and "hallucinations" not in goals and "hallucinations" not in removed
            and _HALLUCINATION_CONSTRAINT.search(text)):
        goals.append("hallucinations")  # no format case: they do hope to stop hallucinations
    if goals:
        updates["goals"] = goals
    out.removed_goals = removed
    model = find_model(raw)
    if model:
        updates["model"] = model
    elif sizes:
        family_match = _FAMILY.findall(text[-MAX_CHARS:])
        nearest = nearest_model(sizes[-1], family_match[-1] if family_match else None)
        if nearest:
            updates["model"] = nearest
            out.notes.append(f"model: {_fmt(sizes[-1])} parameters -> nearest catalog model {nearest}")
    return out


def _simple_facts(clause: str, updates: dict[str, Any]) -> None:
    if _LABELS_NONE.search(clause):
        updates["labeled_examples"] = 0
    for m in _PROPRIETARY_TRUE.finditer(clause):
        updates["proprietary_data"] = not _negated(clause[: m.start()])
    for m in _PROPRIETARY_FALSE.finditer(clause):
        if not _negated(clause[: m.start()]):
            updates["proprietary_data"] = False
    for pattern, value in _TEAM:
        if pattern.search(clause):
            updates["ml_team"] = value
            break
    quality = None
    for pattern, value in _QUALITY:
        m = pattern.search(clause)
        if m and not _negated(clause[: m.start()]):
            quality = value
            break
    if quality is None and _DATA_WORDS.search(clause):
        for pattern, value in _QUALITY_BARE:
            m = pattern.search(clause)
            if m and not _negated(clause[: m.start()]):
                quality = value
                break
    if quality:
        updates["data_quality"] = quality
    for pattern, value in _TRIED:
        m = pattern.search(clause)
        if m and not _negated(clause[: m.start()]):
            tried = updates.setdefault("tried", [])
            if value not in tried:
                tried.append(value)
    change = _knowledge_changes(clause)
    if change:
        updates["knowledge_changes"] = change


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
        (re.compile(r"\b(?:just me|only me|me alone|myself|one|two|a couple|a few|some (?:people|engineers?|folks"
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
