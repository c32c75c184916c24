"""Hybrid retrieval: dense (Chroma + MiniLM) and lexical (BM25) fused by reciprocal rank.

The two retrievers compute what llama-index's `VectorIndexRetriever` over `ChromaVectorStore` and its
`BM25Retriever` compute: Chroma's nearest chunks scored exp(-cosine distance), and bm25s with an
English Snowball stemmer over the chunk texts (English stop words dropped, tokens of two or more
word characters). Why not those classes themselves: importing any
of llama-index's core runs its package `__init__` (~2.3 s on two cores), more than a third of a
cold `sourced ask`, and the chat, the CLI and the evaluation all need this path. Fused by
reciprocal rank on the chunk id.

The lexical index lives in memory and is kept in sync with the store: every query compares the
store's committed (source, version) set with the one the index was built from and rebuilds on
change (an upload, another process's ingest). Chunks that no committed record vouches for (left
by a killed ingest) are dropped from dense results too.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter

import numpy as np

from vectorstore.store import Store
from vectorstore.types import Chunk

from .text import content_terms
from .types import LexicalStats, Passage

MODES = ("dense", "bm25", "hybrid")
CHECK_EVERY_S = 2.0  # on a Chroma server, another process's ingest shows up within this


class Retriever:
    def __init__(self, store: Store, embedder, candidates: int = 20) -> None:
        self.store = store
        self.embedder = embedder
        self.candidates = candidates
        self._lock = threading.Lock()
        self._fingerprint: frozenset | None = None
        self._lexical: Lexical | None = None
        self._versions: set[str] = set()
        self._marker: str | None = None  # the store's generation when last listed
        self._checked = 0.0
        self.stats = LexicalStats(Counter(), 0)
        self.size = 0

    # -- keeping in sync ---------------------------------------------------------------

    def refresh(self, force: bool = False, check: bool = False) -> bool:
        """Rebuild the indexes if the store changed; returns whether it did.

        Listing every document record costs ~0.1 s per 1,000 documents, too much for every
        question, so the store's generation marker decides when to look (embedded mode); on a
        server, or while a write is in progress, the records are listed at most every
        `CHECK_EVERY_S` unless `check` (after this process's own ingest) or `force`.
        """
        marker = self.store.generation()
        if not (force or check or self._fingerprint is None):
            if marker is not None and not marker.startswith("w") and marker == self._marker:
                return False
            if (marker is None or marker.startswith("w")) and time.monotonic() - self._checked < CHECK_EVERY_S:
                return False
        records = self.store.records()
        fingerprint = frozenset((r.source, r.version) for r in records.values())
        self._marker, self._checked = marker, time.monotonic()
        with self._lock:
            if not force and fingerprint == self._fingerprint:
                return False
            chunks = self.store.all_chunks()
            self._versions = {r.version for r in records.values()}
            self.size = len(chunks)
            self._lexical = Lexical(chunks) if chunks else None
            df: Counter = Counter()
            for chunk in chunks:
                df.update(set(content_terms(chunk.text)))
            self.stats = LexicalStats(df, len(chunks))
            self._fingerprint = fingerprint
            return True

    # -- querying ----------------------------------------------------------------------

    def retrieve(
        self, question: str, mode: str = "hybrid", query_embedding: list[float] | None = None, top_k: int | None = None
    ) -> list[Passage]:
        """Ranked passages for the question (best first), at most `top_k` (default: candidates)."""
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}")
        self.refresh()
        if self.size == 0:
            return []
        top_k = top_k or self.candidates
        if query_embedding is None and mode != "bm25":
            query_embedding = self.embedder.get_query_embedding(question)
        dense = self._dense_results(query_embedding) if mode != "bm25" else []
        lexical = self._lexical.search(question, self.candidates) if mode != "dense" and self._lexical else []
        if mode == "dense":
            fused = dense
        elif mode == "bm25":
            fused = lexical
        else:
            fused = _rrf([dense, lexical])
        dense_score = {c.id: score for c, score in dense}
        lexical_score = {c.id: score for c, score in lexical}
        passages = [_passage(c, score, dense_score.get(c.id), lexical_score.get(c.id)) for c, score in fused[:top_k]]
        # BM25-only hits get their cosine too, from the stored vectors (the reranker uses it)
        missing = [p for p in passages if p.dense is None]
        if missing and query_embedding is not None:
            vectors = self.store.embeddings([p.id for p in missing])
            q = np.asarray(query_embedding, dtype=np.float32)
            for p in missing:
                if p.id in vectors:
                    p.dense = float(np.asarray(vectors[p.id], dtype=np.float32) @ q)
        return passages

    def _dense_results(self, query_embedding: list[float]) -> list[tuple[Chunk, float]]:
        found = self.store.nearest(query_embedding, self.candidates)
        # the score llama-index's ChromaVectorStore gives, on which the answerability scorer was trained
        return [(c, math.exp(-distance)) for c, distance in found if c.version in self._versions]


class Lexical:
    """BM25 over chunk texts, as llama-index's `BM25Retriever` builds it (module docstring)."""

    TOKENS = r"(?u)\b\w\w+\b"

    def __init__(self, chunks: list[Chunk]) -> None:
        import bm25s
        import Stemmer

        self._bm25s = bm25s
        self.stemmer = Stemmer.Stemmer("english")
        self.chunks = chunks
        self.index = bm25s.BM25()
        tokens = bm25s.tokenize(
            [c.text for c in chunks], stopwords="en", stemmer=self.stemmer, token_pattern=self.TOKENS,
            show_progress=False,
        )
        self.index.index(tokens, show_progress=False)

    def search(self, question: str, k: int) -> list[tuple[Chunk, float]]:
        tokens = self._bm25s.tokenize(question, stemmer=self.stemmer, token_pattern=self.TOKENS, show_progress=False)
        # bm25s's default stop words ("english") apply to the question, as in BM25Retriever
        indexes, scores = self.index.retrieve(tokens, k=min(k, len(self.chunks)), show_progress=False)
        return [(self.chunks[int(i)], float(s)) for i, s in zip(indexes[0], scores[0], strict=True)]


def _rrf(results: list[list[tuple[Chunk, float]]], k: float = 60.0) -> list[tuple[Chunk, float]]:
    """Reciprocal rank fusion (Cormack et al. 2009, k=60), keyed by chunk id.

    The same formula as llama-index's `QueryFusionRetriever` in reciprocal-rank mode; we run
    the two retrievers ourselves because the reranker needs each one's own score, which the
    fusion retriever discards, and we key on the chunk id rather than the node hash.
    """
    scores: dict[str, float] = {}
    chunks: dict[str, Chunk] = {}
    for ranked in results:
        for rank, (chunk, _) in enumerate(ranked):
            chunks.setdefault(chunk.id, chunk)
            scores[chunk.id] = scores.get(chunk.id, 0.0) + 1.0 / (k + rank + 1)
    order = sorted(scores, key=lambda i: -scores[i])
    return [(chunks[i], scores[i]) for i in order]


def _passage(c: Chunk, score: float, dense: float | None, lexical: float | None) -> Passage:
    return Passage(
        id=c.id,
        source=c.source,
        title=c.title,
        published=c.published,
        text=c.text,
        start=c.start,
        end=c.end,
        score=float(score or 0.0),
        dense=dense,
        lexical=lexical,
    )
