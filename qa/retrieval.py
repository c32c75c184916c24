"""Hybrid retrieval: dense (Chroma + MiniLM) and lexical (BM25) fused by reciprocal rank.

Both retrievers are llama-index's own: `VectorIndexRetriever` over our Chroma collection and
`BM25Retriever` (bm25s + PyStemmer) over the same chunks (built from the very metadata Chroma
returns), fused by reciprocal rank on the chunk id.

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
from dataclasses import dataclass

import numpy as np
from llama_index.core.schema import NodeWithScore, QueryBundle

from vectorstore.store import Store

from .text import content_terms
from .types import Passage

MODES = ("dense", "bm25", "hybrid")
CHECK_EVERY_S = 2.0  # on a Chroma server, another process's ingest shows up within this


@dataclass
class LexicalStats:
    """Document frequencies of stemmed content terms over all chunks (for idf weights)."""

    df: Counter
    n: int

    def idf(self, term: str) -> float:
        return math.log((self.n + 1) / (self.df.get(term, 0) + 0.5))


class Retriever:
    def __init__(self, store: Store, embedder, candidates: int = 20) -> None:
        self.store = store
        self.embedder = embedder
        self.candidates = candidates
        self._lock = threading.Lock()
        self._fingerprint: frozenset | None = None
        self._bm25 = None
        self._dense = None
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
            from llama_index.core import VectorStoreIndex
            from llama_index.retrievers.bm25 import BM25Retriever

            nodes = self.store.nodes()
            self._versions = {r.version for r in records.values()}
            self.size = len(nodes)
            self._dense = VectorStoreIndex.from_vector_store(
                self.store.vector_store(), embed_model=self.embedder
            ).as_retriever(similarity_top_k=self.candidates)
            self._bm25 = (
                BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=min(self.candidates, len(nodes)))
                if nodes
                else None
            )
            df: Counter = Counter()
            for node in nodes:
                df.update(set(content_terms(node.get_content())))
            self.stats = LexicalStats(df, len(nodes))
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
        bundle = QueryBundle(query_str=question, embedding=query_embedding)
        dense = self._dense_results(bundle) if mode != "bm25" else []
        lexical = self._bm25.retrieve(bundle) if mode != "dense" and self._bm25 else []
        if mode == "dense":
            fused = dense
        elif mode == "bm25":
            fused = lexical
        else:
            fused = _rrf({"dense": dense, "bm25": lexical})
        dense_score = {n.node.node_id: n.score for n in dense}
        lexical_score = {n.node.node_id: n.score for n in lexical}
        passages = [
            _passage(n, dense_score.get(n.node.node_id), lexical_score.get(n.node.node_id)) for n in fused[:top_k]
        ]
        # BM25-only hits get their cosine too, from the stored vectors (the reranker uses it)
        missing = [p for p in passages if p.dense is None]
        if missing and query_embedding is not None:
            vectors = self.store.embeddings([p.id for p in missing])
            q = np.asarray(query_embedding, dtype=np.float32)
            for p in missing:
                if p.id in vectors:
                    p.dense = float(np.asarray(vectors[p.id], dtype=np.float32) @ q)
        return passages

    def _dense_results(self, bundle: QueryBundle) -> list[NodeWithScore]:
        results = self._dense.retrieve(bundle)
        return [n for n in results if n.node.node_id.split("-", 1)[0] in self._versions]


def _rrf(results: dict[str, list[NodeWithScore]], k: float = 60.0) -> list[NodeWithScore]:
    """Reciprocal rank fusion (Cormack et al. 2009, k=60), keyed by chunk id.

    The same formula as llama-index's `QueryFusionRetriever` in reciprocal-rank mode; we run
    the two retrievers ourselves because the reranker needs each one's own score, which the
    fusion retriever discards, and we key on the chunk id rather than the node hash.
    """
    scores: dict[str, float] = {}
    nodes: dict[str, NodeWithScore] = {}
    for ranked in results.values():
        for rank, n in enumerate(ranked):
            nid = n.node.node_id
            nodes.setdefault(nid, n)
            scores[nid] = scores.get(nid, 0.0) + 1.0 / (k + rank + 1)
    order = sorted(scores, key=lambda i: -scores[i])
    return [NodeWithScore(node=nodes[i].node, score=scores[i]) for i in order]


def _passage(n: NodeWithScore, dense: float | None, lexical: float | None) -> Passage:
    meta = n.node.metadata
    return Passage(
        id=n.node.node_id,
        source=meta["source"],
        title=meta.get("title", ""),
        published=meta.get("published") or None,
        text=n.node.get_content(),
        start=int(meta["start"]),
        end=int(meta["end"]),
        score=float(n.score or 0.0),
        dense=dense,
        lexical=lexical,
    )
