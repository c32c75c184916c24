"""The contract every embedder meets: texts in, unit vectors out, under llama-index's method names.

Why our own base rather than llama-index's `BaseEmbedding`: importing anything from `llama_index.core`
runs its package `__init__` (indices, chat engines, memory, workflows: ~2.3 s on two cores), more than
a third of a cold `sourced ask` that needs none of it. An `Embedder` imports nothing, and keeps the
method names of `BaseEmbedding` (`get_text_embedding_batch`, `get_query_embedding`, ...), so the fp32
embedder, which is llama-index's `HuggingFaceEmbedding`, serves every caller unchanged, and
`vectorstore.embedding.as_llama_index` wraps the others where llama-index itself wants one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

BATCH_SIZE = 256  # texts per embedder call: the unit of length sorting, and of progress in an ingest


class Embedder(ABC):
    model_name: str = ""

    @abstractmethod
    def embed(self, texts: list[str]) -> list[list[float]]:
        """One unit vector per text, in order."""

    def get_text_embedding_batch(self, texts: list[str], show_progress: bool = False) -> list[list[float]]:
        """`embed` in calls of `BATCH_SIZE` texts, as `BaseEmbedding` does with `embed_batch_size`."""
        out: list[list[float]] = []
        for i in range(0, len(texts), BATCH_SIZE):
            out.extend(self.embed(list(texts[i : i + BATCH_SIZE])))
        return out

    def embed_alone(self, texts: list[str]) -> list[list[float]]:
        """One unit vector per text, each as if embedded on its own: what a cache needs, whose vectors
        must not depend on which texts happened to be embedded beside them. The default is the batch,
        right for an embedder whose vectors do not depend on their batch-mates."""
        return self.get_text_embedding_batch(texts)

    def get_text_embedding(self, text: str) -> list[float]:
        return self.embed([text])[0]

    def get_query_embedding(self, query: str) -> list[float]:
        return self.embed([query])[0]
