"""The Chroma store: chunks with their embeddings, and one record per document.

Layout. A corpus is two Chroma collections (cosine space):

* `<name>` holds the chunks: id, embedding, text, and metadata in llama-index's node format
  (written with `node_to_metadata_dict`), so `ChromaVectorStore` and `VectorStoreIndex` read
  it as their own; plus flat keys `source`, `start`, `end`, `position`, `chunk_hash`...
* `<name>__docs` holds one record per document: its full text (what citations are checked
  against), title, date, path, hash and `version`. Its embedding is the mean of its chunks'.

Why our own writer instead of llama-index's `IngestionPipeline` + docstore: the docstore is a
second file beside Chroma that a killed ingest can leave out of step with it, and it does not
exist in server mode; we also need content-derived chunk ids and exact offsets. Here the
document record *is* the commit: chunks are upserted first (ids derive from content, so an
upsert never duplicates), then the record, then the previous version's chunks are deleted.
Readers trust only chunks whose id starts with a committed record's `version`, so a store
killed at any point reads as either the old or the new version of a document, never both, and
`sweep()` (run by every ingest) deletes whatever a killed run left behind.

Writers hold an exclusive lock file in the store folder (embedded mode), so two ingests into
one store are serialized with a clear "store is busy" message instead of interleaving.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlparse

from .config import DEFAULT_EMBEDDER, StoreConfig
from .errors import StoreBusy, StoreError, StoreIncompatible, StoreNotFound, StoreReadOnly, StoreUnavailable
from .types import Chunk, Document, DocumentRecord

SCHEMA = 1
DOCS_SUFFIX = "__docs"
LOCK_NAME = "sourced.lock"
_process_locks: dict[str, threading.Lock] = {}
_process_locks_guard = threading.Lock()


@dataclass
class StoreStatus:
    location: str
    collection: str
    embedder: str
    documents: list[DocumentRecord]
    chunks: int
    stale_chunks: int

    def to_dict(self) -> dict:
        return {
            "location": self.location,
            "collection": self.collection,
            "embedder": self.embedder,
            "documents": [d.to_dict() for d in self.documents],
            "chunks": self.chunks,
            "stale_chunks": self.stale_chunks,
        }


def make_client(config: StoreConfig, create: bool):
    """A Chroma client: `HttpClient` for a server URL, `PersistentClient` for a folder."""
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False, allow_reset=False)
    if config.chroma_url:
        url = urlparse(config.chroma_url if "://" in config.chroma_url else f"http://{config.chroma_url}")
        try:
            client = chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=settings,
            )
            client.heartbeat()
        except Exception as e:  # chromadb raises several kinds for a server that is down
            raise StoreUnavailable(
                f"Cannot reach the Chroma server at {config.chroma_url} ({type(e).__name__}).",
                "Start it with `chroma run --host 127.0.0.1 --port PORT --path DIR`, or drop --chroma-url.",
            ) from e
        return client
    path = config.store
    if not create and not (path / "chroma.sqlite3").exists():
        raise StoreNotFound(
            f"No store at {path}.", "Ingest articles first: `sourced ingest seeds/` (or pass --store DIR)."
        )
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreReadOnly(
                f"Cannot create the store folder {path}: {e.strerror}.", "Choose another folder with --store."
            ) from e
        if not os.access(path, os.W_OK):
            raise StoreReadOnly(
                f"The store folder {path} is not writable.",
                "Fix its permissions or choose another folder with --store.",
            )
    try:
        return chromadb.PersistentClient(path=str(path), settings=settings)
    except Exception as e:
        raise StoreError(
            f"Cannot open the store at {path}: {e}.",
            "If it was made by another program, point --store at a new folder.",
        ) from e


class Store:
    """One corpus in Chroma: its chunk collection and its document-record collection."""

    def __init__(self, config: StoreConfig, client, chunks, docs) -> None:
        self.config = config
        self.client = client
        self.chunks = chunks
        self.docs = docs

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def open(cls, config: StoreConfig, create: bool = False) -> Store:
        """Open the corpus `config.collection`; with `create`, make it if it is missing.

        Reading never creates anything: a missing store or collection is `StoreNotFound`.
        """
        _check_collection_name(config.collection)
        client = make_client(config, create)
        names = {getattr(c, "name", c) for c in client.list_collections()}
        docs_name = config.collection + DOCS_SUFFIX
        if config.collection in names and docs_name not in names:
            raise StoreIncompatible(
                f"Collection '{config.collection}' at {config.location} was not written by sourced "
                f"(or by an older version).",
                "Ingest into a new --store or --collection.",
            )
        if config.collection not in names:
            if not create:
                raise StoreNotFound(
                    f"The store at {config.location} has no collection '{config.collection}'.",
                    f"Ingest articles first: `sourced ingest seeds/ --collection {config.collection}`.",
                )
            meta = {"sourced_schema": SCHEMA, "embedder": config.embedder or DEFAULT_EMBEDDER, "created": _now()}
            try:
                chunks = client.get_or_create_collection(
                    config.collection,
                    metadata=meta,
                    configuration={"hnsw": {"space": "cosine"}},
                    embedding_function=None,
                )
                docs = client.get_or_create_collection(
                    docs_name,
                    metadata=meta,
                    configuration={"hnsw": {"space": "cosine"}},
                    embedding_function=None,
                )
            except Exception as e:
                raise _write_error(config, e) from e
        else:
            chunks = client.get_collection(config.collection, embedding_function=None)
            docs = client.get_collection(docs_name, embedding_function=None)
        store = cls(config, client, chunks, docs)
        store._check_compatible()
        return store

    def _check_compatible(self) -> None:
        meta = self.docs.metadata or {}
        schema = meta.get("sourced_schema")
        if schema != SCHEMA:
            raise StoreIncompatible(
                f"The store at {self.config.location} has format {schema}; this version reads format {SCHEMA}.",
                "Re-ingest into a new --store (your article files are not touched).",
            )
        if self.config.embedder and meta.get("embedder") != self.config.embedder:
            raise StoreIncompatible(
                f"The collection '{self.config.collection}' was embedded with '{meta.get('embedder')}', "
                f"not '{self.config.embedder}'.",
                "Use the same embedder (--embedder / SOURCED_EMBEDDER) or ingest into a new --collection.",
            )

    @property
    def embedder_name(self) -> str:
        return (self.docs.metadata or {}).get("embedder") or self.config.embedder or DEFAULT_EMBEDDER

    # -- locking -----------------------------------------------------------------------

    @contextlib.contextmanager
    def writer(self, wait_s: float = 0.0) -> Iterator[None]:
        """Exclusive write access: a thread lock, and in embedded mode a lock file.

        Raises `StoreBusy` if another writer holds it for longer than `wait_s` seconds.
        """
        key = self.config.location + "|" + self.config.collection
        with _process_locks_guard:
            tlock = _process_locks.setdefault(key, threading.Lock())
        acquired = tlock.acquire(timeout=wait_s) if wait_s > 0 else tlock.acquire(blocking=False)
        if not acquired:
            raise StoreBusy(
                f"The store at {self.config.location} is busy: another ingest in this process is writing to it.",
                "Try again when it has finished.",
            )
        try:
            if self.config.chroma_url:
                yield
                return
            lock_path = self.config.store / LOCK_NAME
            try:
                fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as e:
                raise _write_error(self.config, e) from e
            try:
                deadline = time.monotonic() + wait_s
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() >= deadline:
                            holder = _read_holder(fd)
                            raise StoreBusy(
                                f"The store at {self.config.location} is busy: another ingest{holder} is writing.",
                                "Wait for it to finish, then run this again.",
                            ) from None
                        time.sleep(0.1)
                os.ftruncate(fd, 0)
                os.write(fd, json.dumps({"pid": os.getpid(), "since": _now()}).encode())
                yield
            finally:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)
                os.close(fd)  # closing releases the flock
        finally:
            tlock.release()

    # -- reading -----------------------------------------------------------------------

    def records(self) -> dict[str, DocumentRecord]:
        """Committed document records by source."""
        got = self.docs.get(include=["metadatas"])
        return {m["source"]: _record(m) for m in got["metadatas"] or []}

    def valid_versions(self) -> set[str]:
        return {r.version for r in self.records().values()}

    def document_text(self, source: str) -> str | None:
        got = self.docs.get(ids=[source], include=["documents"])
        docs = got.get("documents") or []
        return docs[0] if docs else None

    def chunk_ids(self) -> list[str]:
        return list(self.chunks.get(include=[])["ids"])

    def stale_ids(self, versions: set[str] | None = None) -> list[str]:
        versions = self.valid_versions() if versions is None else versions
        return [i for i in self.chunk_ids() if i.split("-", 1)[0] not in versions]

    def count(self) -> int:
        """Chunks that belong to committed documents."""
        versions = self.valid_versions()
        return sum(1 for i in self.chunk_ids() if i.split("-", 1)[0] in versions)

    def all_chunks(self, batch: int = 5000) -> list[Chunk]:
        """Every valid chunk (for the lexical index), in (source, position) order."""
        versions = self.valid_versions()
        out: list[Chunk] = []
        total = self.chunks.count()
        for offset in range(0, total, batch):
            got = self.chunks.get(include=["documents", "metadatas"], limit=batch, offset=offset)
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                if cid.split("-", 1)[0] in versions:
                    out.append(chunk_from_metadata(text, meta))
        out.sort(key=lambda c: (c.source, c.position))
        return out

    def nodes(self, batch: int = 5000) -> list:
        """Every valid chunk as the llama-index `TextNode` that `ChromaVectorStore` would return."""
        from llama_index.core.vector_stores.utils import metadata_dict_to_node

        versions = self.valid_versions()
        out = []
        total = self.chunks.count()
        for offset in range(0, total, batch):
            got = self.chunks.get(include=["documents", "metadatas"], limit=batch, offset=offset)
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                if cid.split("-", 1)[0] in versions:
                    out.append(metadata_dict_to_node(meta, text=text))
        return out

    def embeddings(self, ids: Sequence[str]) -> dict[str, list[float]]:
        if not ids:
            return {}
        got = self.chunks.get(ids=list(ids), include=["embeddings"])
        return {i: e for i, e in zip(got["ids"], got["embeddings"], strict=True)}

    def embeddings_by_chunk_hash(self, hashes: Sequence[str]) -> dict[str, list[float]]:
        """Stored embeddings of chunks whose text hash is in `hashes` (to skip re-embedding)."""
        found: dict[str, list[float]] = {}
        unique = list(dict.fromkeys(hashes))
        for i in range(0, len(unique), 500):
            got = self.chunks.get(
                where={"chunk_hash": {"$in": unique[i : i + 500]}}, include=["embeddings", "metadatas"]
            )
            for emb, meta in zip(got["embeddings"], got["metadatas"], strict=True):
                found[meta["chunk_hash"]] = [float(x) for x in emb]
        return found

    def status(self) -> StoreStatus:
        records = sorted(self.records().values(), key=lambda r: r.source)
        ids = self.chunk_ids()
        versions = {r.version for r in records}
        valid = sum(1 for i in ids if i.split("-", 1)[0] in versions)
        return StoreStatus(
            self.config.location, self.config.collection, self.embedder_name, records, valid, len(ids) - valid
        )

    def vector_store(self):
        """This corpus as a llama-index `ChromaVectorStore` (for `VectorStoreIndex`)."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.chunks)

    # -- writing (call inside `with store.writer():`) -------------------------------------

    def put_document(
        self,
        document: Document,
        chunks: Sequence[Chunk],
        embeddings: Sequence[Sequence[float]],
        previous: DocumentRecord | None = None,
    ) -> DocumentRecord:
        """Write a document's chunks, then commit its record, then drop its previous version."""
        assert len(chunks) == len(embeddings)
        version = chunks[0].version if chunks else ""
        try:
            step = max(1, min(self.client.get_max_batch_size(), 1000))
            for i in range(0, len(chunks), step):
                part = chunks[i : i + step]
                self.chunks.upsert(
                    ids=[c.id for c in part],
                    embeddings=[list(e) for e in embeddings[i : i + step]],
                    documents=[c.text for c in part],
                    metadatas=[chunk_metadata(c) for c in part],
                )
            record = DocumentRecord(
                source=document.source,
                title=document.title,
                published=document.published,
                path=document.path,
                doc_hash=document.content_hash,
                version=version,
                chunks=len(chunks),
                chars=len(document.text),
                format=document.format,
                ingested_at=_now(),
            )
            self.docs.upsert(
                ids=[document.source],
                embeddings=[_mean(embeddings)],
                documents=[document.text],
                metadatas=[_record_metadata(record)],
            )
            if previous is not None and previous.version != version:
                self._delete_version(previous.version)
        except StoreError:
            raise
        except Exception as e:
            raise _write_error(self.config, e) from e
        return record

    def delete_document(self, record: DocumentRecord) -> None:
        """Remove a document: its record first (so its chunks stop counting), then its chunks."""
        try:
            self.docs.delete(ids=[record.source])
            self._delete_version(record.version)
        except Exception as e:
            raise _write_error(self.config, e) from e

    def sweep(self) -> int:
        """Delete chunks no committed record vouches for (left by a killed ingest)."""
        stale = self.stale_ids()
        for i in range(0, len(stale), 1000):
            self.chunks.delete(ids=stale[i : i + 1000])
        return len(stale)

    def _delete_version(self, version: str) -> None:
        ids = [i for i in self.chunk_ids() if i.split("-", 1)[0] == version]
        for i in range(0, len(ids), 1000):
            self.chunks.delete(ids=ids[i : i + 1000])


# -- metadata <-> types ------------------------------------------------------------------


def chunk_metadata(chunk: Chunk) -> dict:
    """Flat Chroma metadata for a chunk, in llama-index's node format plus our own keys."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
    from llama_index.core.vector_stores.utils import node_to_metadata_dict

    meta = {
        "source": chunk.source,
        "title": chunk.title,
        "published": chunk.published or "",
        "start": chunk.start,
        "end": chunk.end,
        "position": chunk.position,
        "doc_hash": chunk.doc_hash,
        "version": chunk.version,
        "chunk_hash": chunk.chunk_hash,
    }
    node = TextNode(
        id_=chunk.id,
        text=chunk.text,
        metadata=meta,
        start_char_idx=chunk.start,
        end_char_idx=chunk.end,
        excluded_embed_metadata_keys=list(meta),
        excluded_llm_metadata_keys=list(meta),
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=chunk.source)},
    )
    return node_to_metadata_dict(node, remove_text=True, flat_metadata=True)


def chunk_from_metadata(text: str, meta: dict) -> Chunk:
    return Chunk(
        source=meta["source"],
        position=int(meta["position"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=text,
        doc_hash=meta["doc_hash"],
        version=meta["version"],
        title=meta.get("title", ""),
        published=meta.get("published") or None,
    )


def _record_metadata(r: DocumentRecord) -> dict:
    return {k: v for k, v in r.to_dict().items() if v is not None}


def _record(meta: dict) -> DocumentRecord:
    return DocumentRecord(
        source=meta["source"],
        title=meta.get("title", ""),
        published=meta.get("published") or None,
        path=meta.get("path", ""),
        doc_hash=meta["doc_hash"],
        version=meta["version"],
        chunks=int(meta.get("chunks", 0)),
        chars=int(meta.get("chars", 0)),
        format=meta.get("format", ""),
        ingested_at=meta.get("ingested_at", ""),
    )


def _mean(vectors: Sequence[Sequence[float]]) -> list[float]:
    if not vectors:
        return [1.0] + [0.0] * 383
    n = len(vectors[0])
    mean = [sum(v[i] for v in vectors) / len(vectors) for i in range(n)]
    norm = sum(x * x for x in mean) ** 0.5 or 1.0
    return [x / norm for x in mean]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _read_holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 200, 0) or b"{}")
        return f" (pid {info['pid']}, since {info['since']})" if "pid" in info else ""
    except (OSError, ValueError):
        return ""


def _write_error(config: StoreConfig, e: Exception) -> StoreError:
    text = str(e)
    if isinstance(e, OSError) and e.errno == 28 or "No space left" in text or "disk is full" in text:
        return StoreError(
            f"The disk holding {config.location} is full; the write was not completed.",
            "Free some space and run the ingest again; what was stored before is intact.",
        )
    if (
        isinstance(e, PermissionError)
        or "readonly" in text.lower()
        or "read-only" in text.lower()
        or "permission denied" in text.lower()
    ):
        return StoreReadOnly(
            f"The store at {config.location} cannot be written ({text.strip()[:120]}).",
            "Fix its permissions or choose another folder with --store.",
        )
    if config.chroma_url:
        return StoreUnavailable(
            f"The Chroma server at {config.chroma_url} failed: {text[:200]}.",
            "Check that it is running, then try again.",
        )
    return StoreError(
        f"Writing to the store at {config.location} failed: {text[:200]}.",
        "Run the ingest again; what was stored before is intact.",
    )


def _check_collection_name(name: str) -> None:
    import re

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{1,56}[A-Za-z0-9]", name) or ".." in name:
        raise StoreError(
            f"Invalid collection name '{name}'.",
            "Use 3-58 letters, digits, '.', '_' or '-', starting and ending with a letter or digit.",
        )
