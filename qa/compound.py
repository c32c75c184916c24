"""Questions with several parts: "Where was she born, and what did her father do?"

One retrieval for the whole question finds the sentences of one part and the answer states one
fact. So a question whose parts each start with their own question word is split there, each
part is answered on its own (a later part is read against the first part's question, like a
follow-up: "her" is the person the first part names), and the answers are joined into one,
citations numbered once. `split` only cuts before a question word that opens a part of three words or more, after
a comma, "and" or a semicolon, so "Who founded it and when?" and "When did Ana and Edo meet?"
stay whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from .types import Answer, Citation
from .writers.extractive import REFUSAL

_WH = r"(?:who|whom|whose|what|when|where|which|why|how)"
_PREP = (
    r"(?:in|on|at|for|from|into|until|till|since|by|to|with|of|during|after|before|under|through|over|about|"
    r"against|among|between|within|without|as)"
)
_OPENS = rf"(?:{_PREP}\s+)?{_WH}\b"
_AND = re.compile(rf"(?:\s*[,;]\s*(?:and|but|also)\s+|\s*;\s*|\s+and\s+)(?={_OPENS})", re.I)
_COMMA = re.compile(rf"\s*,\s*(?={_OPENS})", re.I)
_AUX = (
    r"(?:did|does|do|was|were|is|are|will|would|can|could|has|have|had|should|may|might|must|shall|"
    r"didn't|doesn't|don't|wasn't|weren't|isn't|aren't|won't|can't|couldn't)"
)
# "When did ...", "How many ships were ...": a question; "When the war ended, ..." is a clause of one
_ASKS = re.compile(
    rf"^(?:{_PREP}\s+)?(?:(?:who|whom|whose|what|which)\b|(?:when|where|why)\s+{_AUX}\b|how(?:\s+\S+){{0,3}}?\s+{_AUX}\b)",
    re.I,
)
_MIN_WORDS = 3
_MAX_PARTS = 4
_MARKER = re.compile(r"\[(\d+)\]")


def split(question: str) -> list[str]:
    """The parts of a question that asks several things, each ending in "?"; else `[question]`.

    Cuts before a question word after "and", "; " or ", and"; after a bare comma only in a list
    that ends with "and" ("A, B, and C"), so a relative clause (", whose roof ...") stays whole.
    """
    text = question.strip()
    ands = [m for m in _AND.finditer(text)]
    if not ands:
        return [question]
    commas = [m for m in _COMMA.finditer(text) if m.start() < ands[-1].start()]
    cuts = sorted({(m.start(), m.end()) for m in [*ands, *commas]})
    bounds = [(0, 0), *cuts, (len(text), len(text))]
    parts = [text[a[1] : b[0]].strip(" ,;?") for a, b in zip(bounds, bounds[1:], strict=False)]
    if len(parts) > _MAX_PARTS or any(len(p.split()) < _MIN_WORDS or not _ASKS.match(p) for p in parts):
        return [question]
    return [p[0].upper() + p[1:] + "?" for p in parts]


def combine(question: str, parts: Sequence[str], answers: Sequence[Answer], k: int) -> Answer:
    """One answer from the answers to each part: their texts in order, each citation numbered once
    (a sentence cited by two parts keeps one number), a part the articles don't answer said so."""
    numbers: dict[tuple[str, int, int], int] = {}
    citations: list[Citation] = []
    texts, conflicts, rows, notices = [], [], [], []
    for part, answer in zip(parts, answers, strict=True):
        if not answer.answerable:
            texts.append(f"{REFUSAL.rstrip('.')}: “{part}”")
            continue
        renumber: dict[int, int] = {}
        for c in answer.citations:
            key = (c.source, c.start, c.end)
            if key not in numbers:
                numbers[key] = len(numbers) + 1
                citations.append(replace(c, n=numbers[key]))
            renumber[c.n] = numbers[key]
        texts.append(_MARKER.sub(lambda m, r=renumber: f"[{r.get(int(m.group(1)), int(m.group(1)))}]", answer.text))
        conflicts += [
            replace(x, sides=[replace(s, citation=renumber.get(s.citation, s.citation)) for s in x.sides])
            for x in answer.conflicts
        ]
        rows += [replace(r, citation=renumber.get(r.citation, r.citation)) for r in answer.evidence_table]
        notices += [n for n in answer.notices if n not in notices]
    first = answers[0]
    answerable = any(a.answerable for a in answers)
    timings: dict[str, float] = {}
    for a in answers:
        for key, value in a.timings.items():
            timings[key] = timings.get(key, 0.0) + value
    return Answer(
        question=question,
        standalone_question=" ".join(a.standalone_question for a in answers),
        text=" ".join(texts) if answerable else first.text,
        answerable=answerable,
        citations=citations,
        conflicts=conflicts,
        retrieved=_interleave([a.retrieved for a in answers], k),
        related=[] if answerable else _interleave([a.related for a in answers], 3),
        generator=first.generator,
        notices=notices,
        timings=timings,
        evidence_table=rows,
    )


def _interleave(lists: Sequence[Sequence], n: int) -> list:
    """The first item of each list, then the second of each, ... without repeats, at most `n`."""
    out, seen = [], set()
    for i in range(max((len(x) for x in lists), default=0)):
        for x in lists:
            if i < len(x) and x[i].id not in seen:
                seen.add(x[i].id)
                out.append(x[i])
    return out[:n]
