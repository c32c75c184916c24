"""What a question asks for: its expected answer type and its content terms.

The answer type ("person", "time", "place", "number", "duration") steers reranking and
sentence selection towards sentences that contain that kind of value, and tells the conflict
detector which values to compare. It is read from the question's wording by rules: there is no
question-classification model offline, and the wh-word carries most of the signal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vectorstore.documents import MONTHS

from .text import fold, question_terms, stem, words

PERSON, TIME, PLACE, NUMBER, DURATION, OTHER = "person", "time", "place", "number", "duration", "other"

_RULES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\bhow (long|many (years|months|weeks|days|hours))\b"), DURATION),
    (re.compile(r"\bhow (many|much|far|old|big|large|tall|fast)\b|\bwhat (percentage|number|amount)\b"), NUMBER),
    (re.compile(r"\b(when|what (time|date|day|year|month)|which (day|date|year|month)|since when)\b"), TIME),
    (
        re.compile(
            r"\b(who|whom|whose)\b|\b(which|what) (person|people|official|officials|minister|leader|spokes\w*|"
            r"expert|analyst|journalist|president|director)\b"
        ),
        PERSON,
    ),
    (re.compile(r"\bwhere\b|\b(which|what) (city|country|place|station|port|region|location|town|venue)\b"), PLACE),
]

_WH = re.compile(r"\b(what|which|who|whom|whose|when|where|why|how|since when)\b")

_MONTHS = "|".join(MONTHS) + "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
CUES: dict[str, re.Pattern] = {
    TIME: re.compile(
        rf"\b({_MONTHS}|{_WEEKDAYS}|\d{{4}}|morning|afternoon|evening|night|tomorrow|yesterday|"
        r"today|\d{1,2}:\d{2}|early|late|earlier|later|after|before|since|until)\b",
        re.I,
    ),
    DURATION: re.compile(
        r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|"
        r"a few)[- ](years?|months?|weeks?|days?|hours?|minutes?|decades?)\b",
        re.I,
    ),
    NUMBER: re.compile(
        r"\b(\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
        r"hundreds?|thousands?|millions?|billions?|dozens?)\b",
        re.I,
    ),
    PERSON: re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+\b|(?<=[a-z,;:] )[A-Z][a-z]{2,}\b"),
    PLACE: re.compile(
        r"\b(in|at|to|from|near|into)\s+(the\s+)?[A-Z][\w’'-]+|\b(city|station|port|capital|"
        r"border|region)\b"
    ),
}


@dataclass
class QuestionInfo:
    text: str
    kind: str
    terms: list[str] = field(default_factory=list)  # stemmed content terms, in order
    counted: str | None = None  # stem of the noun in "how many <noun>": the value must count it

    @property
    def term_set(self) -> set[str]:
        return set(self.terms)


def analyze(question: str, original: str | None = None) -> QuestionInfo:
    """Kind from the question as asked (`original`), terms from its standalone form."""
    q = fold(original or question)
    # The question's own wh-word decides: "What can steam not do when ..." asks "what", not "when".
    first = _WH.search(q)
    head = q[first.start() :] if first else q
    kind = next((k for rule, k in _RULES if (m := rule.search(head)) and m.start() == 0), OTHER)
    m = re.search(r"\bhow many (\w+)", q)
    counted = stem(m.group(1)) if m and m.group(1) not in ("of", "times", "more", "other") else None
    return QuestionInfo(question, kind, question_terms(question), counted)


# Capitalised words that make up places and institutions, not people's names.
_NOT_NAMES = frozenset(
    [
        "north",
        "south",
        "east",
        "west",
        "far",
        "korea",
        "korean",
        "koreans",
        "russia",
        "russian",
        "russians",
        "china",
        "chinese",
        "japan",
        "japanese",
        "united",
        "states",
        "nations",
        "security",
        "council",
        "communist",
        "party",
        "forum",
        "economic",
        "eastern",
        "white",
        "house",
        "state",
        "department",
        "ministry",
        "news",
        "agency",
        "times",
        "new",
        "york",
        "central",
        "national",
        "defence",
        "defense",
        "foreign",
        "kremlin",
        "washington",
        "moscow",
        "pyongyang",
        "vladivostok",
        "ukraine",
        "ukrainian",
        "democratic",
        "people",
        "republic",
        "the",
        "a",
        "in",
        "on",
        "at",
        "of",
        "and",
        "but",
        "as",
        "it",
        "its",
        "this",
        "that",
        "he",
        "she",
        "they",
        "we",
        "government",
        "military",
        "army",
        "navy",
        "air",
        "force",
        "university",
        "center",
        "centre",
        "institute",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        *MONTHS,
        "street",
        "city",
        "station",
        "tv",
        "radio",
        "press",
        "service",
        "office",
        "committee",
        "union",
        "european",
        "america",
        "american",
        "west",
        "western",
    ]
)


_ORDINALS = r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth"
_COUNT = re.compile(
    rf"^(\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|"
    rf"hundreds?|thousands?|millions?|several|{_ORDINALS})$"
)


def counts(sentence: str, noun: str) -> bool:
    """Does a number (or ordinal) stand within three words before the counted noun?"""
    ws = words(sentence)
    return any(stem(w) == noun and any(_COUNT.match(x) for x in ws[max(0, i - 3) : i]) for i, w in enumerate(ws))


def has_cue(kind: str, sentence: str, question: str = "", counted: str | None = None) -> bool:
    """Does the sentence contain a value of the expected kind (not merely the question's own)?"""
    if counted and kind in (NUMBER, DURATION):
        return counts(sentence, counted)
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
