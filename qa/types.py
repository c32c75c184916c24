"""The answering layer's types: what each stage hands the next, and what an answer holds.

The stages, in the order `qa.assistant` runs them, and what each one produces here:

    question analysis (question.py)       -> QuestionInfo
    retrieval (retrieval.py)              -> Passage (ranked chunks with their scores), LexicalStats
    rerank (rerank.py)                    -> ScoredSentence per sentence of the top passages
    evidence and answerability            -> Quote (a citable span), Evidence (quotes + the decision)
    conflicts (conflicts.py)              -> Found (a disagreement between quotes), its Side each
    the writers (writers/)                <- Draft (all of the above); they write text with [n]
    citation check (citations.py)         -> Verified (the text kept, its Citations)
    and the result                        -> Answer, with Citation, Conflict, EvidenceRow (to_dict: JSON)

A `Citation` is the exact sentence(s) an answer relies on, quoted verbatim from the source at
`start:end`; a `Conflict` is a `Found` as the answer shows it, its sides pointing at citation numbers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from vectorstore.types import page_of

# -- what the stages hand each other, in pipeline order (qa.assistant runs them) ------------------


@dataclass
class QuestionInfo:
    text: str
    kind: str
    terms: list[str] = field(default_factory=list)  # stemmed content terms, in order
    counted: str | None = None  # stem of the noun in "how many <noun>": the value must count it
    original: str = ""  # the question as asked, before a follow-up's context was added

    @property
    def term_set(self) -> set[str]:
        return set(self.terms)

    @property
    def is_follow_up(self) -> bool:
        """Was a follow-up's context added to the question as asked?"""
        return bool(self.original) and self.original != self.text


@dataclass
class LexicalStats:
    """Document frequencies of stemmed content terms over all chunks (for idf weights)."""

    df: Counter
    n: int

    def idf(self, term: str) -> float:
        return math.log((self.n + 1) / (self.df.get(term, 0) + 0.5))


@dataclass
class ScoredSentence:
    passage_id: str
    source: str
    start: int  # offsets into the source document
    end: int
    text: str
    similarity: float  # cosine with the question
    coverage: float  # idf-weighted share of question terms
    cue: bool  # holds a value of the expected answer type
    score: float = 0.0
    terms: set[str] = field(default_factory=set)
    prob: float = 0.0  # the learned scorer's probability that this sentence answers (qa.answerability)


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
    prob: float = 0.0  # the scorer's probability that this sentence answers the question


@dataclass
class Evidence:
    quotes: list[Quote]  # best first
    answerable: bool
    reason: str  # why (not) answerable, for debugging and the eval report
    confidence: float = 0.0  # the scorer's probability that the articles answer


@dataclass
class Side:
    """One value of a disagreement, and the quote that states it."""

    value: str
    quote: Quote


@dataclass
class Found:
    """A disagreement among the evidence quotes on what the question asks (`topic`: "date", ...)."""

    topic: str
    sides: list[Side]


@dataclass
class Draft:
    question: str
    standalone: str
    info: QuestionInfo
    evidence: Evidence
    conflicts: list[Found] = field(default_factory=list)


@dataclass
class Verified:
    text: str
    citations: list[Citation]
    order: list[int] = field(default_factory=list)  # quote index of each citation, in order
    removed: list[str] = field(default_factory=list)  # unsupported sentences taken out


# -- what an answer holds -------------------------------------------------------------------------


@dataclass
class Location:
    """Where else a (near-)identical passage or quote appears."""

    source: str
    start: int
    end: int
    title: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Passage:
    id: str
    source: str
    title: str
    published: str | None
    text: str
    start: int
    end: int
    score: float = 0.0
    dense: float | None = None  # cosine similarity of the chunk to the question
    lexical: float | None = None  # BM25 score
    also_in: list[Location] = field(default_factory=list)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["score"] = round(self.score, 4)
        return d


@dataclass
class Citation:
    n: int
    source: str
    title: str
    quote: str  # == source text[start:end], checked by code
    start: int
    end: int
    score: float = 0.0
    published: str | None = None
    passage_start: int = 0  # the surrounding passage, for context in the UI
    passage_end: int = 0
    also_in: list[Location] = field(default_factory=list)
    page: int | None = None  # 1-based page of `start` in a paged document (PDF), else None
    # issue 15: the independent articles that state this (its source first; copies of another counted once)
    reported_by: list[str] = field(default_factory=list)
    copies: dict[str, str] = field(default_factory=dict)  # an article that copies another -> the one it copies

    @property
    def sources(self) -> list[str]:
        return [self.source] + [loc.source for loc in self.also_in if loc.source != self.source]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["score"] = round(self.score, 4)
        return d


def set_pages(citations: list[Citation], pages: Callable[[str], Sequence[int]]) -> list[Citation]:
    """Give each citation the page its quote starts on; `pages(source)` returns page start offsets."""
    for c in citations:
        c.page = page_of(pages(c.source), c.start)
    return citations


@dataclass
class ConflictSide:
    value: str  # what this side says, e.g. "September 12"
    citation: int  # the [n] that says it
    sources: list[str]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Conflict:
    topic: str  # e.g. "date", "duration", "time of day"
    sides: list[ConflictSide]

    def to_dict(self) -> dict:
        return {"topic": self.topic, "sides": [s.to_dict() for s in self.sides]}


@dataclass
class EvidenceRow:
    """One claim of an answer with the quote behind it and what the other articles say (issue 15)."""

    claim: str  # the answer's sentence, without markers
    citation: int
    source: str
    title: str
    published: str | None
    quote: str
    supports: list[str] = field(default_factory=list)  # other articles that state the same
    contradicts: list[str] = field(default_factory=list)  # articles that give another value

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    question: str
    standalone_question: str
    text: str
    answerable: bool
    citations: list[Citation] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    retrieved: list[Passage] = field(default_factory=list)
    related: list[Passage] = field(default_factory=list)  # closest passages when refusing
    generator: str = "extractive"
    notices: list[str] = field(default_factory=list)  # e.g. "question trimmed", "model timed out"
    timings: dict[str, float] = field(default_factory=dict)
    evidence_table: list[EvidenceRow] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "standalone_question": self.standalone_question,
            "text": self.text,
            "answerable": self.answerable,
            "citations": [c.to_dict() for c in self.citations],
            "conflicts": [c.to_dict() for c in self.conflicts],
            "retrieved": [p.to_dict() for p in self.retrieved],
            "related": [p.to_dict() for p in self.related],
            "generator": self.generator,
            "notices": list(self.notices),
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "evidence_table": [r.to_dict() for r in self.evidence_table],
        }
