"""Features of a (question, candidate sentence) pair, for the learned answerability scorer.

Every feature is something any corpus has: how close the sentence is to the question (MiniLM
cosine), how much of the question's vocabulary the sentence, its neighbours and its whole
article contain (idf-weighted, so rare words count most), whether the question's *specifics*
(numbers, years, capitalised names) appear there, and whether the sentence holds a value of the
kind the question asks for that the question does not already hold. No word list of any corpus
is involved; the weights are learned (`eval/train_scorer.py`) and read by `qa.answerability`.

Whether a question has specifics at all is deliberately not a feature: the swapped questions the
scorer learns refusals from always have one, so it would learn "no specifics, answerable".

The specifics are what near-miss unanswerable questions change: "When did the bridge open in
1990?" over an article that dates the opening 1932 shares every content word with the right
sentence but one, and that one is the year. So a specific that is missing from the sentence's
neighbourhood, or from the whole article, is its own feature rather than one term among many.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .lexicon import STOPWORDS
from .phrase import answer_phrase
from .question import DURATION, NUMBER, OTHER, TIME, asks_future, only_past
from .text import content_terms, fold, stem, words
from .types import LexicalStats, QuestionInfo

NAMES: tuple[str, ...] = (
    "bias",
    "sim",
    "sim_gap",
    "dense",
    "cov_sentence",
    "cov_context",
    "cov_document",
    "missing_idf",
    "unknown_share",
    "spec_missing_context",
    "spec_missing_document",
    "typed",
    "cue",
    "typed_no_cue",
    "value_kind_no_cue",
    "context_cue_only",
    "rank",
    "length",
)

# Question-level features: the best sentences' scores and what the best one lacks.
QUESTION_NAMES: tuple[str, ...] = (
    "bias",
    "second_prob",
    "best_logit",
    "best_spec_missing_context",
    "top3_min_spec_missing_context",
    "best_cov_context",
    "max_cov_context",
    "best_sim",
    "max_sim",
    "best_missing_idf",
    "best_typed_no_cue",
    "top3_value_kind_no_cue",
    "unknown_share",
    "max_cov_document",
    "best_spec_missing_document",
)

# The sign each weight may take, from what the feature means (+1: more of it means more likely
# answered; -1: less; 0: either). `eval/train_scorer.py` drops a feature whose fitted weight has the
# wrong sign and refits, so a correlation of the training data cannot reverse a feature's meaning.
SIGNS: dict[str, int] = {
    "sim": 1, "sim_gap": -1, "dense": 1, "cov_sentence": 1, "cov_context": 1, "cov_document": 1,
    "missing_idf": -1, "unknown_share": -1, "spec_missing_context": -1, "spec_missing_document": -1,
    "cue": 1, "typed_no_cue": -1, "value_kind_no_cue": -1, "rank": 1,
    "second_prob": 1, "best_logit": 1, "best_spec_missing_context": -1,
    "top3_min_spec_missing_context": -1, "best_cov_context": 1, "max_cov_context": 1, "best_sim": 1, "max_sim": 1,
    "best_missing_idf": -1, "best_typed_no_cue": -1, "top3_value_kind_no_cue": -1, "max_cov_document": 1,
    "best_spec_missing_document": -1,
}  # fmt: skip

_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_CAPITAL = re.compile(r"\b[A-Z][\w'’-]*")
_QUOTED = re.compile(r"[\"“]([^\"”]{2,60})[\"”]")


def specifics(question: str) -> list[str]:
    """The question's numbers and capitalised words (not its first word), folded and stemmed.

    >>> specifics("When did the Amberly Bridge open to traffic in 1932?")
    ['amber', 'bridg', '1932']
    """
    out: list[str] = []
    body = question.strip()
    first = re.match(r"\W*\w+", body)
    skip = first.end() if first else 0
    for m in _CAPITAL.finditer(body):
        if m.start() < skip:
            continue
        for w in words(m.group(0)):
            if w not in STOPWORDS and len(w) > 1:
                out.append(stem(w))
    for m in _QUOTED.finditer(body):
        out += [stem(w) for w in words(m.group(1)) if w not in STOPWORDS]
    out += [n.replace(",", "") for n in _NUMBER.findall(body)]
    return list(dict.fromkeys(out))


def word_set(text: str) -> set[str]:
    """Stemmed words and bare numbers of a text, for looking specifics up."""
    ws = set()
    for w in words(text):
        ws.add(stem(w))
    ws |= {n.replace(",", "") for n in _NUMBER.findall(text)}
    return ws


@dataclass
class Candidate:
    """What the scorer needs of one sentence (a `ScoredSentence` and its surroundings)."""

    text: str
    source: str
    similarity: float
    dense: float
    terms: set[str]
    context: str  # the sentence with its neighbours in the passage
    published: str | None = None  # the article's publication date, when known


class FeatureBuilder:
    """Builds the feature matrix for one question's candidates. Article-level word sets are cached
    per source by the caller-supplied `document_words`."""

    def __init__(self, stats: LexicalStats, document_words: Callable[[str], tuple[set[str], set[str]]]) -> None:
        self.stats = stats
        self.document_words = document_words

    def build(self, info: QuestionInfo, candidates: Sequence[Candidate]) -> np.ndarray:
        stats = self.stats
        idf = {t: max(stats.idf(t), 0.0) for t in info.term_set}
        total = sum(idf.values()) or 1.0
        top_idf = math.log(stats.n + 1) or 1.0
        unknown = sum(w for t, w in idf.items() if stats.df.get(t, 0) == 0) / total
        spec = specifics(info.original or info.text)  # a follow-up's context adds terms, not specifics
        typed = info.kind != OTHER
        best_sim = max((c.similarity for c in candidates), default=0.0)
        order = sorted(range(len(candidates)), key=lambda i: -(candidates[i].similarity))
        rank = {i: r for r, i in enumerate(order, start=1)}
        future = info.kind == TIME and asks_future(info.original or info.text)
        valued = info.kind in (TIME, NUMBER, DURATION)  # kinds whose values a pattern finds reliably
        rows = []
        for i, c in enumerate(candidates):
            # a value of the kind asked for that the question does not already hold (qa.phrase)
            cue = typed and answer_phrase(info, c.text) is not None
            if cue and future and only_past(c.text, getattr(c, "published", None)):
                cue = False  # "When will they meet?" is not answered by "they last met in 2019"
            context_cue = typed and (cue or answer_phrase(info, c.context) is not None)
            ctx_terms = set(content_terms(c.context)) | c.terms
            doc_terms, doc_words = self.document_words(c.source)
            cov_s = sum(idf[t] for t in info.term_set & c.terms) / total
            cov_c = sum(idf[t] for t in info.term_set & ctx_terms) / total
            cov_d = sum(idf[t] for t in info.term_set & (doc_terms | ctx_terms)) / total
            missing = [idf[t] for t in info.term_set - ctx_terms]
            ctx_words = word_set(c.context)
            spec_ctx = sum(s not in ctx_words for s in spec) / len(spec) if spec else 0.0
            spec_doc = sum(s not in doc_words and s not in ctx_words for s in spec) / len(spec) if spec else 0.0
            rows.append(
                [
                    1.0,
                    c.similarity,
                    best_sim - c.similarity,
                    c.dense,
                    cov_s,
                    cov_c,
                    cov_d,
                    (max(missing) / top_idf) if missing else 0.0,
                    unknown,
                    spec_ctx,
                    spec_doc,
                    1.0 if typed else 0.0,
                    1.0 if cue else 0.0,
                    1.0 if (typed and not cue) else 0.0,
                    1.0 if (valued and not cue) else 0.0,
                    1.0 if (context_cue and not cue) else 0.0,
                    1.0 / rank[i],
                    min(len(c.text.split()), 80) / 80.0,
                ]
            )
        return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(NAMES))


def question_features(x: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """One row of `QUESTION_NAMES` from a question's candidate features `x` and their probabilities."""
    f = NAMES.index
    if len(probs) == 0:
        return np.zeros(len(QUESTION_NAMES))
    order = np.argsort(-probs)
    best, top3 = x[order[0]], x[order[:3]]
    p = float(np.clip(probs[order[0]], 1e-6, 1 - 1e-6))
    return np.array(
        [
            1.0,
            float(probs[order[1]]) if len(probs) > 1 else 0.0,
            math.log(p / (1 - p)),
            best[f("spec_missing_context")],
            top3[:, f("spec_missing_context")].min(),
            best[f("cov_context")],
            x[:, f("cov_context")].max(),
            best[f("sim")],
            x[:, f("sim")].max(),
            best[f("missing_idf")],
            best[f("typed_no_cue")],
            top3[:, f("value_kind_no_cue")].min(),
            best[f("unknown_share")],
            x[:, f("cov_document")].max(),
            best[f("spec_missing_document")],
        ]
    )


def document_word_sets(text: str) -> tuple[set[str], set[str]]:
    """(content terms, stemmed words and numbers) of a whole document."""
    return set(content_terms(text)), word_set(fold(text))
