"""Which articles back each claim, which contradict it, and which are copies of one another.

* **Corroboration across wording.** `corroborate` adds to a cited quote's `also_in` the other
  articles whose own quote gives the same value for the same subject in other words ("nine
  people died" and "the toll stands at 9"), so the answer shows "reported by 2 of 3 articles".
  (Near-identical sentences are merged earlier, by `qa.evidence.collect`.)
* **Copies.** Two articles that are near-identical as a whole (one wire story run twice) are
  one report: `mark_copies` keeps them both in `also_in` but counts them once in `reported_by`
  and records the copy in `Citation.copies`.
* **The announcement.** `announce` writes the answer's first sentence when the articles
  disagree, naming and citing each side and, where the articles' dates differ, which is later,
  without choosing between them.
* **The evidence table.** `evidence_table`: each claim, its quote, article, date, and the
  articles that support or contradict it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .citations import split_answer
from .conflicts import (
    DATE,
    LENGTH,
    NAME,
    PLACE_VALUE,
    Reading,
    agree,
    asked_words,
    event_terms,
    reading_in,
    same_subject,
    value_type,
)
from .text import words
from .times import time_conflict, time_value
from .tuning import COPY_CONTAINMENT, LOOSELY_RELEVANT, RELEVANT
from .types import Answer, Citation, Conflict, EvidenceRow, Location, QuestionInfo, Quote
from .values import durations, format_published, names, places, quantities


def corroborate(
    info: QuestionInfo,
    cited: list[Quote],
    pool: list[Quote],
    stats=None,
    min_similarity: float = RELEVANT,
    loose_similarity: float = LOOSELY_RELEVANT,
) -> None:
    """Add to each cited quote's `also_in` the other articles that state its value for the same subject.

    Each article speaks through its best quote that gives a value (as the conflict rules read it),
    so an article that gives another figure elsewhere is not counted as agreeing."""
    kind = value_type(info)
    if kind is None:
        return
    events = _events(info, stats)
    best: dict[str, tuple[Quote, object]] = {}
    for q in pool:
        if q.similarity < min_similarity or q.source in best:
            continue
        r = _reading(kind, info, q, events, pool)
        if r is not None:
            best[q.source] = (q, r)
    for q in cited:
        mine = _reading(kind, info, q, events, pool)
        if mine is None:
            continue
        have = {q.source} | {loc.source for loc in q.also_in}
        for source, (other, theirs) in best.items():
            if source in have or not _agrees(kind, mine, theirs) or not same_subject(info, q, other, stats):
                continue
            q.also_in.append(Location(other.source, other.start, other.end, other.title))
            have.add(source)
        # An article whose quotes give no single reading (two names, two figures) still backs the
        # claim when one of its on-topic quotes states the same value, unless its reading differs.
        for other in pool:
            if other.source in have or other.source in best or other.similarity < loose_similarity:
                continue
            if any(_agrees(kind, mine, v) for v in _all_values(kind, info, other)) and same_subject(
                info, q, other, stats, close=loose_similarity
            ):
                q.also_in.append(Location(other.source, other.start, other.end, other.title))
                have.add(other.source)


def _all_values(kind: str, info: QuestionInfo, q: Quote) -> list:
    """Each value of `kind` in a quote, one reading apiece (for the looser corroboration check)."""
    if kind in (DATE, LENGTH):
        r = _reading(kind, info, q, info.term_set, [])
        return [r] if r is not None else []
    if kind in (NAME, PLACE_VALUE):
        found = (names if kind == NAME else places)(q.text, asked_words(info))
        return [Reading(q, [n], "") for n in found]
    return [Reading(q, [x], x.text, True) for x in quantities(q.text)]


def _events(info: QuestionInfo, stats) -> set[str]:
    return event_terms(info, stats) | info.term_set


def _reading(kind: str, info: QuestionInfo, q: Quote, events: set[str], pool: list[Quote]):
    if kind == DATE:
        v = time_value(q.text, q.published, events)
        return v if v.dates else None
    if kind == LENGTH:
        return durations(q.text) or None
    return reading_in(kind, info, q, pool, events)


def _agrees(kind: str, a, b) -> bool:
    if kind == DATE:
        return bool(a.dates & b.dates) and time_conflict(a, b) is None
    if kind == LENGTH:
        return bool(a & b)
    return agree(kind, a, b)


# -- copies ------------------------------------------------------------------------------------


def _shingles(text: str) -> set[tuple[str, ...]]:
    ws = words(text)
    return {tuple(ws[i : i + 3]) for i in range(max(0, len(ws) - 2))}


def is_copy(a: str, b: str, threshold: float = COPY_CONTAINMENT) -> bool:
    """Is one text a (lightly edited) copy of the other? Word 3-gram containment of the shorter."""
    sa, sb = _shingles(a), _shingles(b)
    if not sa or not sb:
        return False
    return len(sa & sb) / min(len(sa), len(sb)) >= threshold


def mark_copies(citations: list[Citation], document_text: Callable[[str], str | None]) -> None:
    """Set each citation's `copies` and `reported_by` (its articles, a copy counted once)."""
    texts: dict[str, str] = {}
    for c in citations:
        originals: list[str] = []
        c.copies = {}
        for s in c.sources:
            if s not in texts:
                texts[s] = document_text(s) or ""
            twin = next((o for o in originals if is_copy(texts[o], texts[s])), None)
            if twin is None:
                originals.append(s)
            else:
                c.copies[s] = twin
        c.reported_by = originals


def copies_notice(citations: list[Citation]) -> list[str]:
    """ "2 articles, one a copy of the other" for each cited claim that copies inflate."""
    out = []
    for c in citations:
        if not c.copies:
            continue
        n = len(c.sources)
        if n == 2:
            copy, original = next(iter(c.copies.items()))
            out.append(f"[{c.n}] is in 2 articles, one a copy of the other ({copy} repeats {original}).")
        else:
            pairs = ", ".join(f"{k} repeats {v}" for k, v in c.copies.items())
            out.append(
                f"[{c.n}] is in {n} articles, {len(c.copies)} of them copies ({pairs}): "
                f"{len(c.reported_by)} independent reports."
            )
    return out


# -- the announcement --------------------------------------------------------------------------

_COMPOSED = re.compile(r"^The articles disagree on the [^:.]*(?::\s*they give .*?”\.|\.)(?=\s|$)\s*")
_LOWER = re.compile(r"^(At|More|Over|Nearly|Almost|About|Around|Some|Roughly|Approximately|Up|Fewer|Less|Under|An)\b")


def _shown(value: str) -> str:
    return _LOWER.sub(lambda m: m.group(0).lower(), value)


def announce(conflicts: list[Conflict], citations: list[Citation]) -> str:
    """'The articles disagree on the number of deaths: 9 deaths [1], 12 deaths [2]; the later
    report, of 5 March 2024, gives 12 deaths.' ('' without a conflict)."""
    if not conflicts:
        return ""
    c = conflicts[0]
    by_n = {x.n: x for x in citations}
    sides = ", ".join(f"{_shown(s.value)} [{s.citation}]" for s in c.sides)
    text = f"The articles disagree on the {c.topic}: {sides}"
    dated = [(by_n[s.citation].published, s) for s in c.sides if s.citation in by_n and by_n[s.citation].published]
    days = {d[:10] for d, _ in dated}
    if len(dated) == len(c.sides) and len(days) == len(c.sides):
        latest, side = max(dated, key=lambda x: x[0][:10])
        text += f"; the later report, of {format_published(latest)}, gives {_shown(side.value)} [{side.citation}]"
    return text + "."


def with_announcement(text: str, conflicts: list[Conflict], citations: list[Citation]) -> str:
    """The answer text with its disagreement sentence written out with both sides' markers."""
    sentence = announce(conflicts, citations)
    if not sentence or text.startswith(sentence):
        return text
    return f"{sentence} {_COMPOSED.sub('', text, count=1)}".strip()


# -- the evidence table ------------------------------------------------------------------------

_MARK = re.compile(r"\s*\[\d+\]")


def evidence_table(answer: Answer) -> list[EvidenceRow]:
    """One row per citation: the answer sentence that uses it, the quote, and who agrees or not."""
    claims: dict[int, str] = {}
    for clauses in split_answer(answer.text):
        sentence = "".join(c.text + c.tail for c in clauses).strip()
        if sentence.startswith("The articles disagree"):
            continue
        for c in clauses:
            for n in c.numbers:
                claims.setdefault(n, _MARK.sub("", sentence).strip())
    side_of: dict[int, int] = {}
    for ci, conflict in enumerate(answer.conflicts):
        for s in conflict.sides:
            side_of[s.citation] = ci
    rows = []
    for c in answer.citations:
        contradicts: list[str] = []
        if c.n in side_of:
            conflict = answer.conflicts[side_of[c.n]]
            for s in conflict.sides:
                if s.citation != c.n:
                    contradicts += [x for x in s.sources if x not in contradicts and x not in c.sources]
        rows.append(
            EvidenceRow(
                claim=claims.get(c.n, c.quote),
                citation=c.n,
                source=c.source,
                title=c.title,
                published=c.published,
                quote=c.quote,
                supports=[s for s in c.sources if s != c.source],
                contradicts=contradicts,
            )
        )
    return rows


def complete(answer: Answer, document_text: Callable[[str], str | None]) -> Answer:
    """Finish an answer's issue-15 parts: the disagreement sentence, copies, the evidence table."""
    if not answer.citations:
        return answer
    answer.text = with_announcement(answer.text, answer.conflicts, answer.citations)
    mark_copies(answer.citations, document_text)
    for line in copies_notice(answer.citations):
        if line not in answer.notices:
            answer.notices.append(line)
    answer.evidence_table = evidence_table(answer)
    return answer
