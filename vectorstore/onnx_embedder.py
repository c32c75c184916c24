"""all-MiniLM-L6-v2 in int8 through ONNX Runtime: no torch (and no llama-index) at run time.

Why: on a small CPU, embedding is most of an ingest and importing torch is most of a cold `sourced ask`.
int8 does fewer, cheaper multiply-adds per word piece, and ONNX Runtime plus the `tokenizers` package
embed a text without importing torch, transformers or sentence-transformers (speed and retrieval quality
next to fp32: docs/BENCHMARKS.md). The model file is built by `vectorstore.int8_model`.

It computes what sentence-transformers computes for this model: word pieces cut at 256 (its
max_seq_length), mean pooling under the attention mask, L2 normalisation. Like the fp32 embedder it sorts
a batch by length, cuts it into micro-batches and runs them as single-threaded session calls, one per
core at a time (ONNX Runtime releases the GIL while it runs), which beats one multi-threaded call on
small CPUs.

Compromise: dynamic quantization scales the activations per call, over the whole micro-batch, so a
text's vector moves slightly with its batch-mates (cosine >= 0.98 to the same text embedded alone;
fp32 differs only by rounding). Retrieval quality was measured in these batches (docs/BENCHMARKS.md).
Where that matters, `embed_alone` gives each text a session call of its own: the question path's
sentence cache uses it, so an answer does not depend on the questions asked before it.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .embedder import Embedder
from .int8_model import MINILM_INT8, MODEL_FILE, TOKENIZER_FILE

MAX_WORD_PIECES = 256  # MiniLM's max_seq_length in sentence-transformers
MICRO_BATCH = 8  # texts per session call (8 beat 4, 16 and 32 on 2 cores: docs/BENCHMARKS.md)


class OnnxMiniLMEmbedding(Embedder):
    """all-MiniLM-L6-v2 int8 through ONNX Runtime (a plain `Embedder`: importing it imports neither
    torch nor llama-index; `vectorstore.embedding.as_llama_index` adapts it where llama-index wants one)."""

    model_name = MINILM_INT8

    def __init__(self, folder: Path, workers: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # parallelism comes from several calls at once (module docstring)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(
            str(Path(folder) / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )
        tokenizer = Tokenizer.from_file(str(Path(folder) / TOKENIZER_FILE))
        tokenizer.no_padding()
        tokenizer.enable_truncation(MAX_WORD_PIECES)
        self._tokenizer = tokenizer
        self._tokenizer_lock = threading.Lock()  # a tokenizer is not safe to call from two threads at once
        self._pool: ThreadPoolExecutor | None = None
        self._workers = workers or _cores()

    def _encode(self, ids: list[list[int]]) -> list[list[float]]:
        import numpy as np

        width = max(len(x) for x in ids)
        input_ids = np.zeros((len(ids), width), dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for row, x in enumerate(ids):
            input_ids[row, : len(x)] = x
            mask[row, : len(x)] = 1
        (hidden,) = self._session.run(
            None, {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(input_ids)}
        )
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return pooled.tolist()

    def embed(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts, MICRO_BATCH)

    def embed_alone(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts, 1)  # one text per call: its vector depends on it alone

    def _embed(self, texts: list[str], micro_batch: int) -> list[list[float]]:
        if not texts:
            return []
        with self._tokenizer_lock:
            ids = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(texts)), key=lambda i: -len(ids[i]))  # similar lengths share a batch
        batches = [order[k : k + micro_batch] for k in range(0, len(order), micro_batch)]

        def run(batch: list[int]) -> list[list[float]]:
            return self._encode([ids[i] for i in batch])

        if self._workers > 1 and len(batches) > 1:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="sourced-embed")
            results = self._pool.map(run, batches)
        else:
            results = map(run, batches)
        out: list[list[float]] = [[] for _ in texts]
        for batch, vectors in zip(batches, results, strict=True):
            for i, v in zip(batch, vectors, strict=True):
                out[i] = v
        return out


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)
