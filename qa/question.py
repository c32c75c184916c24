"""What a question asks for: its expected answer type and its content terms.

The answer type ("person", "time", "place", "number", "duration") steers reranking and
sentence selection towards sentences that contain that kind of value, and tells the conflict
detector which values to compare. It is read from the question's wording by rules: there is no
question-classification model offline, and the wh-word carries most of the signal.
"""

from __future__ import annotations

import re

from .lexicon import COUNT_WORDS, MONTH_PATTERN, MONTHS, ORDINALS, WEEKDAYS
from .text import fold, question_terms, stem, words
from .types import QuestionInfo

PERSON, TIME, PLACE, NUMBER, DURATION, OTHER = "person", "time", "place", "number", "duration", "other"

_RULES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\bhow (long|many (years|months|weeks|days|hours))\b"), DURATION),
    (
        re.compile(
            r"\bhow (many|much|far|old|big|large|tall|fast|deep|high|wide|heavy)\b|\bwhat (percentage|number|amount)\b"
        ),
        NUMBER,
    ),
    (re.compile(r"\b(when|what (time|date|day|year|month)|which (day|date|year|month)|since when)\b"), TIME),
    (
        re.compile(
            r"\b(who|whom|whose)\b|\b(which|what) (person|people|official|officials|minister|leader|spokes\w*|"
            r"expert|analyst|journalist|president|director)\b"
        ),
        PERSON,
    ),
    (
        re.compile(
            r"\bwhere\b|\b(which|what) (city|country|place|station|port|region|location|town|venue|village|hamlet|"
            r"settlement|spot|site|area|district|county|province|island|street|road|suburb|neighbou?rhood|church|"
            r"building|airport|harbou?r|valley|mountain)\b"
        ),
        PLACE,
    ),
]

# "What was the date of the launch?" asks what "what date" asks: the noun after "what is the" is the
# answer's kind when "of", "when" or "that" follows it ("What is the country known for?" is no place).
_COPULA = re.compile(r"^(what|which) (?:is|was|are|were) the (?=\w+ (?:of|when|that)\b)")

_WH = re.compile(r"\b(what|which|who|whom|whose|when|where|why|how|since when)\b")

_WEEKDAYS = "|".join(WEEKDAYS)
CUES: dict[str, re.Pattern] = {
    TIME: re.compile(
        rf"\b({MONTH_PATTERN}|{_WEEKDAYS}|\d{{4}}|morning|afternoon|evening|night|tomorrow|yesterday|"
        r"today|\d{1,2}:\d{2}|early|late|earlier|later|after|before|since|until)\b",
        re.I,
    ),
    DURATION: re.compile(
        rf"\b(\d+|{COUNT_WORDS}|several|"
        r"a few)[- ](years?|months?|weeks?|days?|hours?|minutes?|decades?)\b",
        re.I,
    ),
    NUMBER: re.compile(
        rf"\b(\d[\d,.]*|{COUNT_WORDS}|"
        r"hundreds?|thousands?|millions?|billions?|dozens?)\b",
        re.I,
    ),
    PERSON: re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+\b|(?<=[a-z,;:] )[A-Z][a-z]{2,}\b"),
    PLACE: re.compile(
        r"\b(in|at|to|from|near|into)\s+(the\s+)?[A-Z][\w’'-]+|\b(city|station|port|capital|"
        r"border|region)\b"
    ),
}


def analyze(question: str, original: str | None = None) -> QuestionInfo:
    """Kind from the question as asked (`original`), terms from its standalone form."""
    q = fold(original or question)
    # The question's own wh-word decides: "What can steam not do when ..." asks "what", not "when".
    # An elliptical follow-up ("And in 1990?") has none: the standalone reading's (its context's) decides.
    if original and not _WH.search(q):
        q = fold(question)
    first = _WH.search(q)
    head = _COPULA.sub(r"\1 ", q[first.start() :] if first else q, count=1)
    kind = next((k for rule, k in _RULES if (m := rule.search(head)) and m.start() == 0), OTHER)
    m = re.search(r"\bhow many (\w+)", q)
    counted = stem(m.group(1)) if m and m.group(1) not in ("of", "times", "more", "other") else None
    return QuestionInfo(question, kind, question_terms(question), counted, original or question)


# Capitalised words that are not names: calendar words and the function words that open a sentence.
_NOT_NAMES = frozenset(
    [*MONTHS, *WEEKDAYS]
    + ["the", "a", "an", "in", "on", "at", "of", "and", "but", "as", "it", "its", "this", "that"]
    + ["he", "she", "they", "we", "i", "there", "these", "those", "his", "her", "their", "our", "when", "while"]
)


_ORDINALS = "|".join(ORDINALS[1:])
_COUNT = re.compile(
    rf"^(\d[\d,.]*|{COUNT_WORDS}|dozens?|"
    rf"hundreds?|thousands?|millions?|several|{_ORDINALS})$"
)


def counts(sentence: str, noun: str) -> bool:
    """Does a number (or ordinal) stand within three words before the counted noun?"""
    ws = words(sentence)
    return any(stem(w) == noun and any(_COUNT.match(x) for x in ws[max(0, i - 3) : i]) for i, w in enumerate(ws))


_FUTURE = re.compile(r"\b(will|shall|going to|(is|are) (expected|scheduled|due|set) to)\b", re.I)
_YEARS = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")


def asks_future(question: str) -> bool:
    """Does the question ask about something still to come ("When will the vote be held?")?"""
    return bool(_FUTURE.search(question))


_PAST_MARKERS = re.compile(r"\b(previous|previously|last|earlier|former|formerly|ago|once)\b", re.I)


def only_past(sentence: str, published: str | None) -> bool:
    """Does a sentence date only what is already past? Then a future event's date is not in it:
    "When will they meet?" is not answered by "they last met in 2019". Past means: every year it
    names is before its article's publication year, or (undated articles) it names a year next to
    a word that places it in the past ("previous", "earlier", "ago") and says nothing of the future."""
    years = [int(y) for y in _YEARS.findall(sentence)]
    if not years:
        return False
    if published and published[:4].isdigit():
        return max(years) < int(published[:4])
    return bool(_PAST_MARKERS.search(sentence)) and not _FUTURE.search(sentence)


def has_cue(
    kind: str, sentence: str, question: str = "", counted: str | None = None, published: str | None = None
) -> bool:
    """Does the sentence contain a value of the expected kind (not merely the question's own)?"""
    if counted and kind in (NUMBER, DURATION):
        return counts(sentence, counted)
    if kind == TIME and asks_future(question) and only_past(sentence, published):
        return False
    pattern = CUES.get(kind)
    if pattern is None:
        return False
    qwords = set(re.findall(r"\w+", fold(question)))
    for m in pattern.finditer(sentence):
        found = re.findall(r"\w+", fold(m.group(0)))
        if kind == PERSON:
            found = [w for w in found if w not in _NOT_NAMES]
            if not found or (len(found) < 2 and " " in m.group(0)):
                continue
        if any(w not in qwords for w in found):
            return True
    return False
