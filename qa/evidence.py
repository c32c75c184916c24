"""Choosing the evidence for an answer, and deciding whether there is any.

Evidence is sentence-level: an answer cites the sentence(s) that carry it, not a whole chunk.
From the top passages' scored sentences we

1. drop repeats of the same sentence (overlapping chunks share sentences),
2. merge near-identical sentences from different articles into one `Quote` whose `also_in`
   lists the others (the seeds repeat the same quotes; the user should see "reported by 3 of
   5 articles", not three copies),
3. keep the best quotes within `margin` of the top score, and, when the best sentence lacks
   the kind of value asked for ("who" -> a name), add its neighbour that has it ("Kim was
   accompanied by senior officials." + "The delegation ... includes Choe Sun-hui ...").

Whether the articles answer at all is decided from the same evidence: the best sentence must be
close enough to the question (cosine), must share enough of its rare terms (idf-weighted),
and must hold a value of the expected type. The thresholds were fitted on the seed question
set's answerable and unanswerable questions and checked against SQuAD's false refusals
(docs/EVALUATION.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .question import OTHER, TIME, QuestionInfo
from .rerank import ScoredSentence
from .retrieval import LexicalStats
from .text import jaccard
from .types import Location, Passage

NEAR_DUPLICATE = 0.6  # Jaccard of stemmed content terms above which two sentences are "the same"


@dataclass
class Quote:
    """One citable span: one or more adjacent sentences of one source."""

    source: str
    title: str
    published: str | None
    start: int
    end: int
    text: str
    score: float
    similarity: float
    coverage: float
    cue: bool
    passage_start: int
    passage_end: int
    terms: set[str] = field(default_factory=set)
    also_in: list[Location] = field(default_factory=list)


@dataclass
class Thresholds:
    min_similarity: float = 0.20  # below this cosine, the best sentence is about something else
    unknown: float = 0.44  # idf-weighted share of question terms that no article contains
    unknown_exempt: float = 0.65  # ... or a paraphrase: "attending" for "participate" leaves the cosine high
    cue_exempt: float = 0.65  # a sentence this close answers even without a value of the asked type
    margin: float = 0.15  # quotes within this of the best score join the evidence
    max_quotes: int = 3


@dataclass
class Evidence:
    quotes: list[Quote]  # best first
    answerable: bool
    reason: str  # why (not) answerable, for debugging and the eval report


def collect(passages: list[Passage], sentences: dict[str, list[ScoredSentence]], top: int = 5) -> list[Quote]:
    """Unique sentences of the top passages as quotes, near-duplicates merged, best first."""
    seen: dict[tuple[str, int], Quote] = {}
    for p in passages[:top]:
        for s in sentences.get(p.id, []):
            key = (s.source, s.start)
            if key in seen:
                continue
            seen[key] = Quote(
                s.source,
                p.title,
                p.published,
                s.start,
                s.end,
                s.text,
                s.score,
                s.similarity,
                s.coverage,
                s.cue,
                p.start,
                p.end,
                s.terms,
            )
    ranked = sorted(seen.values(), key=lambda q: -q.score)
    merged: list[Quote] = []
    for q in ranked:
        twin = next((m for m in merged if m.source != q.source and jaccard(m.terms, q.terms) >= NEAR_DUPLICATE), None)
        if twin is None:
            merged.append(q)
        elif all(loc.source != q.source for loc in twin.also_in):
            twin.also_in.append(Location(q.source, q.start, q.end, q.title))
    return merged


def select(
    info: QuestionInfo,
    quotes: list[Quote],
    sentences: dict[str, list[ScoredSentence]],
    stats: LexicalStats,
    t: Thresholds | None = None,
) -> Evidence:
    t = t or Thresholds()
    if not quotes:
        return Evidence([], False, "nothing retrieved")
    best = quotes[0]
    chosen = [best]
    for q in quotes[1:]:
        if len(chosen) >= t.max_quotes or q.score < best.score - t.margin:
            break
        if not _redundant(q, chosen):
            chosen.append(q)
    if info.kind != OTHER:
        # "Kim was accompanied by senior officials." is followed by "The delegation ... includes
        # Choe Sun-hui ...": a next sentence that continues the best ones and holds the value joins them.
        for q in list(chosen[:2]):
            n = _continuation(q, sentences, info)
            n = _lookup(quotes, n) if n is not None else None
            if n is not None and not _redundant(n, chosen):
                chosen.insert(chosen.index(q) + 1, n)
    answerable, reason = _decide(info, chosen, stats, t, quotes[:6], sentences)
    return Evidence(chosen[: t.max_quotes + 1], answerable, reason)


_CONTINUES = re.compile(r"^[“\"]?(the|this|these|that|those|he|she|they|it|his|her|their|its|also|such)\b", re.I)


def _lookup(quotes: list[Quote], q: Quote) -> Quote:
    """The collected quote for q's sentence (which carries its `also_in`), else q itself."""
    for c in quotes:
        if (c.source, c.start) == (q.source, q.start) or any(
            (loc.source, loc.start) == (q.source, q.start) for loc in c.also_in
        ):
            return c
    return q


def _continuation(q: Quote, sentences: dict[str, list[ScoredSentence]], info: QuestionInfo) -> Quote | None:
    """The sentence after q in its passage, if it continues q and holds the kind of value asked for."""
    for sents in sentences.values():
        for i, s in enumerate(sents):
            if s.source == q.source and s.start == q.start:
                if i + 1 < len(sents):
                    n = sents[i + 1]
                    if n.cue and _CONTINUES.match(n.text):
                        return Quote(
                            n.source,
                            q.title,
                            q.published,
                            n.start,
                            n.end,
                            n.text,
                            n.score,
                            n.similarity,
                            n.coverage,
                            n.cue,
                            q.passage_start,
                            q.passage_end,
                            n.terms,
                        )
                return None
    return None


def _redundant(q: Quote, chosen: list[Quote]) -> bool:
    return any(q.source == c.source and q.start < c.end and c.start < q.end for c in chosen) or any(
        jaccard(q.terms, c.terms) >= NEAR_DUPLICATE for c in chosen
    )


def _decide(
    info: QuestionInfo,
    chosen: list[Quote],
    stats: LexicalStats,
    t: Thresholds,
    pool: list[Quote] | None = None,
    sentences: dict[str, list[ScoredSentence]] | None = None,
) -> tuple[bool, str]:
    """Refuse when the evidence is off-topic, lacks the value asked for, or the question hinges on
    words that appear in no article ("breakfast", "population"); otherwise answer."""
    pool = pool or chosen
    best_sim = max(q.similarity for q in chosen)
    idf = {term: max(stats.idf(term), 0.0) for term in info.term_set}
    total = sum(idf.values()) or 1.0
    unknown = sorted(term for term in info.term_set if stats.df.get(term, 0) == 0)
    unknown_share = sum(idf[term] for term in unknown) / total
    if best_sim < t.min_similarity:
        return False, f"best sentence similarity {best_sim:.2f} < {t.min_similarity}"
    if info.kind != OTHER and not any(q.cue for q in chosen) and best_sim < t.cue_exempt:
        return False, f"no {info.kind} in the evidence"
    if info.kind == TIME and not _dated_event(info, pool, stats, sentences or {}):
        return False, "no date or time is given for the event asked about"
    if unknown_share >= t.unknown and best_sim < t.unknown_exempt:
        return False, f"the question's key terms are in no article: {', '.join(unknown)}"
    return True, f"similarity {best_sim:.2f}, unknown terms {unknown_share:.2f}"


def _dated_event(
    info: QuestionInfo, quotes: list[Quote], stats: LexicalStats, sentences: dict[str, list[ScoredSentence]]
) -> bool:
    """For a "when" question: does a passage that names the event give a date or time?

    "When will Kim return?" must not be answered by "In return, Kim could seek aid" plus some
    other passage's date. When no quote names the event (a paraphrase), the plain value check
    stands alone.
    """
    from .conflicts import event_terms, time_value

    events = event_terms(info, stats)
    naming = [q for q in quotes if events & q.terms]
    if not naming:
        return True
    for q in naming:
        around = [
            s.text
            for sents in sentences.values()
            for s in sents
            if s.source == q.source and q.passage_start <= s.start < q.passage_end
        ] or [q.text]
        if any(time_value(text) for text in around):
            return True
    return False


def merge_passages(passages: list[Passage]) -> list[Passage]:
    """Near-identical passages from different articles become one, with `also_in` (order kept)."""
    from .text import content_terms

    merged: list[tuple[Passage, set[str]]] = []
    for p in passages:
        terms = set(content_terms(p.text))
        twin = next((m for m, t in merged if m.source != p.source and jaccard(t, terms) >= NEAR_DUPLICATE), None)
        if twin is None:
            merged.append((p, terms))
        elif all(loc.source != p.source for loc in twin.also_in):
            twin.also_in.append(Location(p.source, p.start, p.end, p.title))
    return [p for p, _ in merged]
