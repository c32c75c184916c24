"""Ingestion: files in, chunks and embeddings in the store, idempotently.

The model is simonw/llm's `embed_multi`: hash first, embed only what is new. A document whose
record already carries the same `version` (content + chunking + embedder) is skipped without
reading the store's chunks; a changed document is re-chunked, and any chunk whose text is
already stored (same chunk hash, same collection, so same embedder) reuses its stored vector,
so editing one paragraph re-embeds about one chunk. Embedding is batched across documents
(MiniLM through sentence-transformers, `BATCH_SIZE` texts a call, which the embedder sorts by
length and spreads over the cores), and documents are written as soon as their chunks are
embedded, so a killed run loses at most one group of `BATCH_SIZE` chunks.

No redundant work (measured in bench/ingest.py): the model is loaded only when something needs
embedding, so re-ingesting unchanged files never imports torch; a chunk text is embedded at most
once per run, and vectors seen in this run are kept (as float32, up to `RUN_CACHE` of them) so
repeated texts neither reach the model nor query the store again.

A file with the same content as a stored document under another name is skipped as a
duplicate: a chunk id derives from content, and the same article twice would only repeat
every citation.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .chunking import chunk_document, document_version
from .config import StoreConfig
from .documents import discover, load_document
from .embedding import BATCH_SIZE, load_embedder
from .errors import LoadError
from .store import Store
from .types import Chunk, Document, DocumentRecord

ADDED, UPDATED, UNCHANGED, SKIPPED, FAILED, PRUNED = "added", "updated", "unchanged", "skipped", "failed", "pruned"

Progress = Callable[[str, int, int], None]  # (stage, done, total); stages "files", "chunks"
RUN_CACHE = 20_000  # vectors kept per run for reuse by chunk hash (~1.5 KB each)


@dataclass
class FileOutcome:
    path: str
    source: str
    status: str
    reason: str = ""
    chunks: int = 0

    def line(self) -> str:
        detail = f": {self.reason}" if self.reason else ""
        return f"{self.status:9s} {self.path}{detail}"


@dataclass
class IngestReport:
    location: str
    collection: str
    outcomes: list[FileOutcome] = field(default_factory=list)
    chunks_written: int = 0
    chunks_embedded: int = 0
    swept: int = 0
    seconds: float = 0.0
    total_chunks: int = 0
    total_documents: int = 0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def ok(self) -> bool:
        return self.count(FAILED) == 0

    def summary(self) -> str:
        parts = [
            f"{self.count(s)} {s}"
            for s in (ADDED, UPDATED, UNCHANGED, SKIPPED, FAILED, PRUNED)
            if self.count(s) or s in (ADDED, UPDATED, UNCHANGED)
        ]
        return (
            f"documents: {', '.join(parts)}; chunks written: {self.chunks_written} "
            f"(embedded {self.chunks_embedded}); store now holds {self.total_documents} documents, "
            f"{self.total_chunks} chunks; {self.seconds:.1f} s"
        )

    def to_dict(self) -> dict:
        return {
            "location": self.location,
            "collection": self.collection,
            "outcomes": [o.__dict__ for o in self.outcomes],
            "counts": {s: self.count(s) for s in (ADDED, UPDATED, UNCHANGED, SKIPPED, FAILED, PRUNED)},
            "chunks_written": self.chunks_written,
            "chunks_embedded": self.chunks_embedded,
            "swept": self.swept,
            "seconds": round(self.seconds, 3),
            "total_chunks": self.total_chunks,
            "total_documents": self.total_documents,
        }


@dataclass
class _Pending:
    document: Document
    chunks: list[Chunk]
    previous: DocumentRecord | None
    outcome: FileOutcome
    embeddings: list[list[float]] = field(default_factory=list)


def ingest(
    paths: Iterable[str | Path],
    config: StoreConfig,
    *,
    prune: bool = False,
    embedder=None,
    show_progress: bool = False,
    on_progress: Progress | None = None,
    wait_s: float = 0.0,
) -> IngestReport:
    """Ingest files and folders into the store `config` names; see the module docstring.

    Bad files are reported in the outcomes and skipped; store-level problems (busy, read-only,
    unreachable) raise a `StoreError` before anything is written.
    """
    started = time.perf_counter()
    report = IngestReport(config.location, config.collection)
    found = discover(paths)
    for err in found.errors:
        report.outcomes.append(FileOutcome(err.path, Path(err.path).name, FAILED, err.reason + _hint(err)))

    store = Store.open(config, create=True)
    with store.writer(wait_s=wait_s):
        vectors = _Vectors(store, embedder)
        records = store.records()
        by_hash = {r.doc_hash: r.source for r in records.values()}
        pending: list[_Pending] = []
        seen_sources: dict[str, str] = {}

        file_bar = _bar(show_progress, len(found.files), "files")
        for n, path in enumerate(found.files, start=1):
            outcome = _prepare(path, config, store.embedder_name, records, by_hash, seen_sources, pending)
            report.outcomes.append(outcome)
            file_bar.update(1)
            if on_progress:
                on_progress("files", n, len(found.files))
        file_bar.close()

        total = sum(len(p.chunks) for p in pending)
        progress = _ChunkProgress(_bar(show_progress, total, "chunks"), on_progress, total)
        group: list[_Pending] = []
        size = 0
        for item in pending + [None]:  # None flushes the last group
            if item is not None:
                group.append(item)
                size += len(item.chunks)
                if size < BATCH_SIZE:
                    continue
            if not group:
                continue
            written = report.chunks_written
            report.chunks_embedded += vectors.attach(
                group, lambda share, w=written, n=size: progress.show(w + n * share)
            )
            for p in group:
                store.put_document(p.document, p.chunks, p.embeddings, previous=p.previous)
                p.outcome.chunks = len(p.chunks)
                report.chunks_written += len(p.chunks)
                progress.show(report.chunks_written)
            group, size = [], 0
        progress.close()

        if prune:
            for record in store.records().values():
                if record.source not in seen_sources and record.path and not Path(record.path).exists():
                    store.delete_document(record)
                    report.outcomes.append(FileOutcome(record.path, record.source, PRUNED, "file is gone"))
        report.swept = store.sweep()
        status = store.status()
        report.total_chunks, report.total_documents = status.chunks, len(status.documents)
    report.seconds = time.perf_counter() - started
    return report


def _prepare(
    path: Path,
    config: StoreConfig,
    embedder: str,
    records: dict[str, DocumentRecord],
    by_hash: dict[str, str],
    seen_sources: dict[str, str],
    pending: list[_Pending],
) -> FileOutcome:
    """Load and classify one file; queue it for embedding if it is new or changed."""
    try:
        doc = load_document(path, config.max_file_bytes)
    except LoadError as e:
        return FileOutcome(str(path), path.name, FAILED, e.reason + _hint(e))
    if doc.source in seen_sources:
        return FileOutcome(
            str(path),
            doc.source,
            SKIPPED,
            f"another file named {doc.source} ({seen_sources[doc.source]}) was ingested in this run",
        )
    seen_sources[doc.source] = str(path)
    doc_hash = doc.content_hash
    version = document_version(doc_hash, config.chunking, embedder)
    previous = records.get(doc.source)
    # Same text but a new title/author/date/pages (a newer reader) falls through: the record is
    # rewritten and every vector is reused by chunk hash, so nothing is re-embedded.
    if previous is not None and previous.version == version and _metadata(previous) == _metadata(doc):
        return FileOutcome(str(path), doc.source, UNCHANGED, chunks=previous.chunks)
    twin = by_hash.get(doc_hash)
    if twin is not None and twin != doc.source:
        return FileOutcome(str(path), doc.source, SKIPPED, f"same content as {twin}, already stored")
    by_hash[doc_hash] = doc.source
    chunks = chunk_document(doc, config.chunking, embedder)
    outcome = FileOutcome(str(path), doc.source, UPDATED if previous else ADDED)
    pending.append(_Pending(doc, chunks, previous, outcome))
    return outcome


class _Vectors:
    """The vectors of chunk texts for one ingest run: from this run, else the store, else the model.

    The model is loaded on the first text that needs it (never, when nothing changed).
    """

    def __init__(self, store: Store, embedder=None) -> None:
        self.store = store
        self.embedder = embedder
        self.seen: dict[str, np.ndarray] = {}  # chunk hash -> float32 vector (lossless: models emit float32)

    def attach(self, group: list[_Pending], on_share: Callable[[float], None]) -> int:
        """Set `embeddings` of every pending document in the group; returns how many texts were embedded."""
        hashes = [[c.chunk_hash for c in p.chunks] for p in group]  # sha256 of each text, once
        texts = {h: c.text for p, hs in zip(group, hashes, strict=True) for h, c in zip(hs, p.chunks, strict=True)}
        known: dict[str, list[float]] = {h: self.seen[h].tolist() for h in texts if h in self.seen}
        if len(known) < len(texts):
            known.update(self.store.embeddings_by_chunk_hash([h for h in texts if h not in known]))
        todo = [h for h in texts if h not in known]
        if todo:
            store = self.store
            model = self.embedder = self.embedder or load_embedder(store.embedder_name, store.config.model_cache)
            new: list[list[float]] = []
            for i in range(0, len(todo), BATCH_SIZE):
                new += model.get_text_embedding_batch([texts[h] for h in todo[i : i + BATCH_SIZE]])
                on_share(len(new) / len(todo))
            known.update(zip(todo, new, strict=True))
        for p, hs in zip(group, hashes, strict=True):
            p.embeddings = [known[h] for h in hs]
        for h in texts:
            if h not in self.seen:
                if len(self.seen) >= RUN_CACHE:
                    del self.seen[next(iter(self.seen))]  # oldest first
                self.seen[h] = np.asarray(known[h], dtype=np.float32)
        return len(todo)


class _ChunkProgress:
    """The chunk bar and callback, advanced while a group embeds and as its documents are written."""

    def __init__(self, bar, on_progress: Progress | None, total: int) -> None:
        self.bar, self.on_progress, self.total, self.shown = bar, on_progress, total, 0

    def show(self, done: float) -> None:
        done = min(int(done), self.total)
        if done > self.shown:
            self.bar.update(done - self.shown)
            self.shown = done
            if self.on_progress:
                self.on_progress("chunks", done, self.total)

    def close(self) -> None:
        self.bar.close()


def _metadata(d: Document | DocumentRecord) -> tuple:
    return (d.title, d.author, d.published, d.format, tuple(d.pages))


def _hint(err: LoadError) -> str:
    return f" ({err.hint})" if err.hint else ""


class _NoBar:
    def update(self, n: int) -> None: ...
    def close(self) -> None: ...


def _bar(show: bool, total: int, unit: str):
    if not show or total == 0:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit=f" {unit}", desc=f"{unit:>6}", file=sys.stderr, dynamic_ncols=True, leave=False)
