"""When a sentence says something happens, and when two such readings cannot both be true.

`time_value` reads a sentence's dates, weekdays, years and parts of the day ("late on Sunday
night"), optionally only from the clauses that hold the question's event words; `time_conflict`
says how two readings disagree: another date, or the same day but another part of it. A weekday
and a date agree when the date falls on that weekday in the year the article gives. Used by the
conflict rules (`qa.conflicts`) and by corroboration (`qa.corroboration`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .lexicon import MONTHS, WEEKDAYS
from .text import stem, words
from .values import WEEKDAY, YEAR, dates

_WEEKDAYS = list(WEEKDAYS)
_PART = re.compile(r"\b(morning|afternoon|evening|night|midnight|noon)\b", re.I)


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


_BREAK = re.compile(
    r";|\s(?:and|but) (?:will|would|was|were|is|has|had)\s|\s(?:that|after|before|while)\s|,\s(?=which|where|who)"
    # ", the council said on Thursday": when it was said is not when it happens
    r"|,\s(?=[^,;]{0,50}\b(?:said|says|told|announced|reported|confirmed|added)\s+(?:on\s+)?"
    rf"(?:{'|'.join(WEEKDAYS)}|yesterday|today|late|earlier)\b)",
    re.I,
)


def segments(text: str) -> list[tuple[int, int]]:
    """Clause-like spans of a sentence, cut before "that", "after", ", which", "; " and the like."""
    cuts = [0] + [m.start() for m in _BREAK.finditer(text)] + [len(text)]
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def time_value(text: str, published: str | None = None, near: set[str] | None = None) -> TimeValue:
    """The time expressions of a sentence; with `near`, only those in a clause that holds a word
    whose stem is in `near` (the question's event: "left", "meeting", "end")."""
    spans = [(0, len(text))]
    if near is not None:
        cut = segments(text)
        spans = []
        for i, (a, b) in enumerate(cut):
            ws = words(text[a:b])
            if any(stem(w) in near for w in ws):
                spans.append((a, b))
                # "..., a meeting with his counterpart, which could take place around September 13":
                # a relative clause right after the event word describes it
                if i + 1 < len(cut) and any(stem(w) in near for w in ws[-5:]):
                    nxt = text[cut[i + 1][0] : cut[i + 1][1]].lstrip(", ").lower()
                    if nxt.startswith(("which", "where", "who")):
                        spans.append(cut[i + 1])
    v = TimeValue(text=text)
    for a, b in spans:
        part = text[a:b]
        v.dates |= dates(part)
        v.weekdays |= {w.lower() for w in WEEKDAY.findall(part)}
        v.parts |= {p.lower().replace("midnight", "night") for p in _PART.findall(part)}
        v.years |= {int(y) for y in YEAR.findall(part)}
    years = YEAR.findall(text)
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


def describe_time(v: TimeValue) -> str:
    runs: list[list[tuple[int, int]]] = []
    for m, d in sorted(v.dates):  # a range reads as one: "September 10 to 13"
        if runs and runs[-1][-1] == (m, d - 1):
            runs[-1].append((m, d))
        else:
            runs.append([(m, d)])

    def run_text(run: list[tuple[int, int]]) -> str:
        month = MONTHS[run[0][0] - 1].capitalize()
        if len(run) > 2:
            return f"{month} {run[0][1]} to {run[-1][1]}"
        return ", ".join(f"{month} {d}" for _, d in run)

    parts = [", ".join(run_text(r) for r in runs)] if runs else []
    parts += sorted(w.capitalize() for w in v.weekdays)
    parts += sorted(v.parts)
    return " ".join(p for p in parts if p)
