"""Detecting when the articles disagree on the value asked for.

For "when" and "how long" questions, each relevant quote's values are read with rules (a date,
a weekday, a part of the day; a duration in months), and two quotes from different articles
conflict when their values cannot both be true: different dates, the same day but a different
part of it ("late on Sunday night" vs "the afternoon of September 10"), or different durations
("four years" vs "three years"). A weekday and a date agree when the date falls on that
weekday in the year the article gives. Values are only compared between quotes about the same
thing: each must be among the best-scoring evidence for the question.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .evidence import Quote
from .question import DURATION, TIME, QuestionInfo
from .text import stem

_MONTHS = {
    m: i
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_MD = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:\s*(?:to|-|–|and|through)\s*(\d{{1,2}})\b)?\b", re.I)
_DM = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?:\s*(?:to|-|–)\s*(\d{{1,2}}))?\s+(?:of\s+)?{_MONTH}", re.I)
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAY = re.compile(r"\b(" + "|".join(_WEEKDAYS) + r")\b", re.I)
_PART = re.compile(r"\b(morning|afternoon|evening|night|midnight|noon)\b", re.I)
_NUM = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "a": 1,
    "an": 1,
}
_DURATION = re.compile(
    r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a|an)[- ]"
    r"(years?|months?|weeks?|days?)\b",
    re.I,
)
_UNIT_MONTHS = {"year": 12.0, "month": 1.0, "week": 12 / 52, "day": 12 / 365}


@dataclass
class TimeValue:
    dates: set[tuple[int, int]] = field(default_factory=set)
    weekdays: set[str] = field(default_factory=set)
    parts: set[str] = field(default_factory=set)
    year: int | None = None
    text: str = ""
    years: set[int] = field(default_factory=set)  # years stated in the clauses read

    def __bool__(self) -> bool:
        return bool(self.dates or self.weekdays or self.parts or self.years)


@dataclass
class Side:
    value: str
    quote: Quote


@dataclass
class Found:
    topic: str
    sides: list[Side]


_BREAK = re.compile(
    r";|\s(?:and|but) (?:will|would|was|were|is|has|had)\s|\s(?:that|after|before|while)\s|,\s(?=which|where|who)", re.I
)


def _segments(text: str) -> list[tuple[int, int]]:
    """Clause-like spans of a sentence, cut before "that", "after", ", which", "; " and the like."""
    cuts = [0] + [m.start() for m in _BREAK.finditer(text)] + [len(text)]
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def time_value(text: str, published: str | None = None, near: set[str] | None = None) -> TimeValue:
    """The time expressions of a sentence; with `near`, only those in a clause that holds a word
    whose stem is in `near` (the question's event: "left", "meeting", "end")."""
    from .text import words

    spans = [(0, len(text))]
    if near is not None:
        segments = _segments(text)
        spans = []
        for i, (a, b) in enumerate(segments):
            ws = words(text[a:b])
            if any(stem(w) in near for w in ws):
                spans.append((a, b))
                # "..., a meeting with his counterpart, which could take place around September 13":
                # a relative clause right after the event word describes it
                if i + 1 < len(segments) and any(stem(w) in near for w in ws[-5:]):
                    nxt = text[segments[i + 1][0] : segments[i + 1][1]].lstrip(", ").lower()
                    if nxt.startswith(("which", "where", "who")):
                        spans.append(segments[i + 1])
    v = TimeValue(text=text)
    for a, b in spans:
        part = text[a:b]
        for m in _MD.finditer(part):
            month = _MONTHS[m.group(1)[:3].lower()]
            v.dates.update((month, int(d)) for d in (m.group(2), m.group(3)) if d)
        for m in _DM.finditer(part):
            month = _MONTHS[m.group(3)[:3].lower()]
            v.dates.update((month, int(d)) for d in (m.group(1), m.group(2)) if d)
        v.weekdays |= {w.lower() for w in _WEEKDAY.findall(part)}
        v.parts |= {p.lower().replace("midnight", "night") for p in _PART.findall(part)}
        v.years |= {int(y) for y in _YEAR.findall(part)}
    years = _YEAR.findall(text)
    v.year = int(years[0]) if years else (int(published[:4]) if published else None)
    return v


def _day_agrees(a: TimeValue, b: TimeValue) -> bool:
    """Can a and b be about the same day?"""
    if a.dates and b.dates:
        return bool(a.dates & b.dates)
    if a.weekdays and b.weekdays:
        return bool(a.weekdays & b.weekdays)
    dated, named = (a, b) if a.dates else (b, a)
    if dated.dates and named.weekdays:
        year = dated.year or named.year
        if year is None:
            return True
        days = set()
        for month, day in dated.dates:
            try:
                days.add(_WEEKDAYS[dt.date(year, month, day).weekday()])
            except ValueError:
                continue
        return bool(days & named.weekdays) if days else True
    return True


def time_conflict(a: TimeValue, b: TimeValue) -> str | None:
    """The kind of disagreement between two time claims, or None."""
    if not (a and b):
        return None
    if not _day_agrees(a, b):
        return "date"
    if a.parts and b.parts and not (a.parts & b.parts):
        return "time of day"
    return None


def durations(text: str) -> set[float]:
    out = set()
    for n, unit in _DURATION.findall(text):
        count = float(n) if n.isdigit() else _NUM[n.lower()]
        out.add(round(count * _UNIT_MONTHS[unit.lower().rstrip("s")], 1))
    return out


def _describe_time(v: TimeValue) -> str:
    month_names = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    parts = [", ".join(f"{month_names[m - 1]} {d}" for m, d in sorted(v.dates))] if v.dates else []
    parts += sorted(w.capitalize() for w in v.weekdays)
    parts += sorted(v.parts)
    return " ".join(p for p in parts if p)


def _describe_duration(months: set[float]) -> str:
    def one(m: float) -> str:
        if m >= 12 and m % 12 == 0:
            return f"{int(m // 12)} years"
        return f"{m:g} months"

    return ", ".join(one(m) for m in sorted(months))


def event_terms(info: QuestionInfo, stats=None) -> set[str]:
    """The question's event words: its terms minus names and the words that are everywhere.

    "arrive" in "When did Putin arrive in Vladivostok?" (not "Putin", not "Kim" in a corpus about Kim).
    """
    common = {t for t in info.term_set if stats is not None and stats.n and stats.df.get(t, 0) / stats.n > 0.6}
    names = {stem(w.lower()) for w in re.findall(r"(?<=\s)[A-Z][a-z]+", info.text)}
    return info.term_set - common - names or info.term_set - common or info.term_set


def detect(info: QuestionInfo, quotes: list[Quote], stats=None, min_similarity: float = 0.45) -> list[Found]:
    """Disagreements between quotes of different articles on the value asked for.

    Dates are read next to the question's event words that both quotes contain (so "arrived on
    Monday ... the forum, which runs from September 10" gives Monday, not the forum's dates);
    durations are read from the whole sentence.
    """
    if info.kind not in (TIME, DURATION) or len(quotes) < 2:
        return []
    relevant = [q for q in quotes if q.similarity >= min_similarity]
    events = event_terms(info, stats)
    weight = {t: (stats.idf(t) if stats is not None else 1.0) for t in events}

    def same_event(a: Quote, b: Quote) -> set[str]:
        """The event words both quotes use, if they carry most of the question's event."""
        shared = events & a.terms & b.terms
        return shared if sum(weight[t] for t in shared) >= 0.5 * sum(weight.values()) else set()

    if info.kind == DURATION:
        for i, qa_ in enumerate(relevant):
            for qb in relevant[i + 1 :]:
                if qa_.source == qb.source or not same_event(qa_, qb):
                    continue
                va, vb = durations(qa_.text), durations(qb.text)
                if va and vb and not (va & vb):
                    return [Found("duration", [Side(_describe_duration(va), qa_), Side(_describe_duration(vb), qb)])]
        return []
    for i, qa_ in enumerate(relevant):
        for qb in relevant[i + 1 :]:
            if qa_.source == qb.source or any(loc.source == qb.source for loc in qa_.also_in):
                continue
            shared = same_event(qa_, qb)
            if not shared:
                continue
            va, vb = time_value(qa_.text, qa_.published, shared), time_value(qb.text, qb.published, shared)
            topic = time_conflict(va, vb)
            if topic:
                return [Found(topic, [Side(_describe_time(va), qa_), Side(_describe_time(vb), qb)])]
    return []
