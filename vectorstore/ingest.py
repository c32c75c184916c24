"""Ingestion: files in, chunks and embeddings in the store, idempotently.

The model is simonw/llm's `embed_multi`: hash first, embed only what is new. A document whose
record already carries the same `version` (content + chunking + embedder) is skipped without
reading the store's chunks; a changed document is re-chunked, and any chunk whose text is
already stored (same chunk hash, same collection, so same embedder) reuses its stored vector,
so editing one paragraph re-embeds about one chunk. Embedding is batched across documents
(MiniLM through sentence-transformers, `BATCH_SIZE` texts a call), and documents are written
as soon as their chunks are embedded, so a killed run loses at most one batch of work.

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

from .chunking import chunk_document, document_version
from .config import StoreConfig
from .documents import discover, load_document
from .embedding import BATCH_SIZE, load_embedder
from .errors import LoadError
from .store import Store
from .types import Chunk, Document, DocumentRecord

ADDED, UPDATED, UNCHANGED, SKIPPED, FAILED, PRUNED = "added", "updated", "unchanged", "skipped", "failed", "pruned"

Progress = Callable[[str, int, int], None]  # (stage, done, total); stages "files", "chunks"


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
        embed_model = embedder or load_embedder(store.embedder_name)
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
        chunk_bar = _bar(show_progress, total, "chunks")
        done = 0
        group: list[_Pending] = []
        for item in pending + [None]:  # None flushes the last group
            if item is not None:
                group.append(item)
                if sum(len(p.chunks) for p in group) < 4 * BATCH_SIZE:
                    continue
            if not group:
                continue
            embedded = _embed_group(group, store, embed_model)
            report.chunks_embedded += embedded
            for p in group:
                store.put_document(p.document, p.chunks, p.embeddings, previous=p.previous)
                p.outcome.chunks = len(p.chunks)
                report.chunks_written += len(p.chunks)
                done += len(p.chunks)
                chunk_bar.update(len(p.chunks))
                if on_progress:
                    on_progress("chunks", done, total)
            group = []
        chunk_bar.close()

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
    if previous is not None and previous.version == version:
        return FileOutcome(str(path), doc.source, UNCHANGED, chunks=previous.chunks)
    twin = by_hash.get(doc_hash)
    if twin is not None and twin != doc.source:
        return FileOutcome(str(path), doc.source, SKIPPED, f"same content as {twin}, already stored")
    by_hash[doc_hash] = doc.source
    chunks = chunk_document(doc, config.chunking, embedder)
    outcome = FileOutcome(str(path), doc.source, UPDATED if previous else ADDED)
    pending.append(_Pending(doc, chunks, previous, outcome))
    return outcome


def _embed_group(group: list[_Pending], store: Store, embed_model) -> int:
    """Attach embeddings to every pending document; returns how many texts were embedded."""
    hashes = [c.chunk_hash for p in group for c in p.chunks]
    known = store.embeddings_by_chunk_hash(hashes)
    todo: dict[str, str] = {}
    for p in group:
        for c in p.chunks:
            if c.chunk_hash not in known:
                todo.setdefault(c.chunk_hash, c.text)
    if todo:
        vectors = embed_model.get_text_embedding_batch(list(todo.values()))
        known.update(zip(todo.keys(), vectors, strict=True))
    for p in group:
        p.embeddings = [known[c.chunk_hash] for c in p.chunks]
    return len(todo)


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
