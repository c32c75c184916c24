"""Reranking the fused candidates, and scoring their sentences.

There is no cross-encoder offline, so the reranker combines signals we already have:

* `dense`    – cosine of the question and the whole chunk (MiniLM),
* `sentence` – the best cosine of the question and one sentence of the chunk: a chunk of four
               sentences dilutes the one that answers, a sentence does not,
* `coverage` – the idf-weighted share of the question's content terms that the chunk contains
               (rare terms such as "Brimwater" weigh more than "said"),
* `cue`      – the best sentence holds a value of the kind asked for (a name for "who", a date
               for "when", a number for "how many"),
* `fusion`   – the reciprocal-rank-fusion score, normalised.

The weights were fitted on the SQuAD half and checked on the seed questions
(docs/EVALUATION.md). Sentence embeddings are cached per chunk, so a chunk's sentences are
embedded once per process however often it is retrieved.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from vectorstore.chunking import split_sentences

from .question import has_cue
from .text import content_terms
from .tuning import RerankWeights
from .types import LexicalStats, Passage, QuestionInfo, ScoredSentence


class SentenceCache:
    """Sentence spans and embeddings per chunk id (LRU, thread-safe)."""

    def __init__(self, embedder, capacity: int = 50_000) -> None:
        self.embedder = embedder
        self.capacity = capacity
        self._data: OrderedDict[str, tuple[list[tuple[int, int]], np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, passages: list[Passage]) -> dict[str, tuple[list[tuple[int, int]], np.ndarray]]:
        with self._lock:
            missing = [p for p in passages if p.id not in self._data]
        if missing:
            spans = {p.id: split_sentences(p.text) for p in missing}
            texts = [p.text[s:e] for p in missing for s, e in spans[p.id]]
            # `embed_alone`: an int8 embedder's vectors move with their batch-mates, and a cached
            # vector made beside another question's sentences would make this answer depend on it
            vectors = (
                np.asarray(_embed_alone(self.embedder, texts), dtype=np.float32)
                if texts
                else np.zeros((0, 1), dtype=np.float32)
            )
            i = 0
            with self._lock:
                for p in missing:
                    n = len(spans[p.id])
                    self._data[p.id] = (spans[p.id], vectors[i : i + n])
                    i += n
        with self._lock:
            out = {}
            for p in passages:
                self._data.move_to_end(p.id)
                out[p.id] = self._data[p.id]
            while len(self._data) > self.capacity:
                self._data.popitem(last=False)
            return out


def _embed_alone(embedder, texts: list[str]) -> list[list[float]]:
    """`Embedder.embed_alone`; llama-index's fp32 embedder has no such method, and needs none (its
    vectors do not depend on their batch-mates)."""
    alone = getattr(embedder, "embed_alone", None)
    return alone(texts) if alone is not None else embedder.get_text_embedding_batch(texts)


class Reranker:
    def __init__(self, embedder, weights: RerankWeights | None = None) -> None:
        self.weights = weights or RerankWeights()
        self.sentences = SentenceCache(embedder)

    def score_sentences(
        self, info: QuestionInfo, query: np.ndarray, passages: list[Passage], stats: LexicalStats
    ) -> dict[str, list[ScoredSentence]]:
        """Every sentence of every passage, scored against the question."""
        w = self.weights
        cached = self.sentences.get(passages)
        idf = {t: max(stats.idf(t), 0.0) for t in info.term_set}
        total = sum(idf.values()) or 1.0
        out: dict[str, list[ScoredSentence]] = {}
        for p in passages:
            spans, vectors = cached[p.id]
            sims = vectors @ query if len(spans) else np.zeros(0)
            scored = []
            for (s, e), sim in zip(spans, sims, strict=True):
                text = p.text[s:e]
                terms = set(content_terms(text))
                coverage = sum(idf[t] for t in info.term_set & terms) / total
                cue = has_cue(info.kind, text, info.text, info.counted, p.published)
                score = float(sim) + w.sentence_coverage * coverage + (w.sentence_cue if cue else 0.0)
                scored.append(
                    ScoredSentence(
                        p.id, p.source, p.start + s, p.start + e, text, float(sim), coverage, cue, score, terms
                    )
                )
            out[p.id] = scored
        return out

    def rerank(
        self, info: QuestionInfo, query_embedding: list[float], passages: list[Passage], stats: LexicalStats
    ) -> tuple[list[Passage], dict[str, list[ScoredSentence]]]:
        """Passages re-scored and re-ordered (best first), and their scored sentences."""
        if not passages:
            return [], {}
        w = self.weights
        query = np.asarray(query_embedding, dtype=np.float32)
        sentences = self.score_sentences(info, query, passages, stats)
        idf = {t: max(stats.idf(t), 0.0) for t in info.term_set}
        total = sum(idf.values()) or 1.0
        top_fusion = max(p.score for p in passages) or 1.0
        rescored = []
        for p in passages:
            sents = sentences[p.id]
            best = max(sents, key=lambda s: s.score) if sents else None
            chunk_terms = set().union(*(s.terms for s in sents)) if sents else set()
            coverage = sum(idf[t] for t in info.term_set & chunk_terms) / total
            score = (
                w.dense * (p.dense or 0.0)
                + w.sentence * (best.similarity if best else 0.0)
                + w.coverage * coverage
                + w.cue * (1.0 if best and best.cue else 0.0)
                + w.fusion * (p.score / top_fusion)
            )
            rescored.append((score, p))
        rescored.sort(key=lambda x: -x[0])
        out = []
        for score, p in rescored:
            p.score = score
            out.append(p)
        return out, sentences
