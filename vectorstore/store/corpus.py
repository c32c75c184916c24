"""`Store`: one corpus, opened; what the rest of sourced reads from and writes to.

Opening never creates anything unless asked (`create=True`, which only ingest passes): a
missing store or collection is `StoreNotFound`, a store of another format or embedder
`StoreIncompatible`. The read API returns only what committed records vouch for (see
`commit.py`, whose write methods `Store` inherits).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..config import DEFAULT_EMBEDDER, StoreConfig
from ..errors import StoreIncompatible, StoreNotFound, StoreReadOnly
from ..types import Chunk, DocumentRecord
from .collection import Collection
from .commit import Commits
from .connection import Connection, connect
from .folder import create_embedded, database, open_lock, prepare_folder
from .layout import (
    DOCS_SUFFIX,
    check_collection_name,
    check_compatible,
    chunk_from_metadata,
    chunk_version,
    create_collections,
    record_from_metadata,
)
from .locks import writer_lock


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


class Store(Commits):
    """One corpus in Chroma: its chunk collection and its document-record collection."""

    def __init__(self, config: StoreConfig, conn: Connection, chunks, docs) -> None:
        self.config = config
        self._conn = conn
        self.chunks = chunks if isinstance(chunks, Collection) else Collection(conn, chunks)
        self.docs = docs if isinstance(docs, Collection) else Collection(conn, docs)

    @property
    def client(self):
        """The underlying Chroma client (after a reopen, the new one). Shared: don't close it."""
        return self._conn.client

    @property
    def read_only(self) -> bool:
        """Opened from a temporary copy of a store that cannot be written."""
        return self._conn.snapshot is not None

    def generation(self) -> str | None:
        """A cheap marker that changes whenever a write session starts or ends (embedded mode):
        readers compare it instead of listing every record per question. Starts with "w" while a
        write is in progress (not settled yet). None on a Chroma server, which keeps no marker."""
        if not self._conn.embedded:
            return None
        if self.read_only:
            return "read-only"  # a private copy: nothing else writes it
        return self._conn.generation()

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def open(cls, config: StoreConfig, create: bool = False) -> Store:
        """Open the corpus `config.collection`; with `create`, make it if it is missing.

        Reading never creates anything: a missing store or collection is `StoreNotFound`.
        """
        check_collection_name(config.collection)
        if not config.chroma_url and create:
            prepare_folder(config)  # the folder first: the open lock lives in it
        elif not config.chroma_url and not database(config.store).exists():
            raise StoreNotFound(
                f"No store at {config.store}.",
                "Ingest articles first: `sourced ingest seeds/` (or pass --store DIR).",
            )
        with open_lock(config, exclusive=create):
            if create and not config.chroma_url and not database(config.store).exists():
                create_embedded(config)
            conn = connect(config, create)
            store = conn.call("open", lambda: cls._open(config, conn, create), write=create)
        check_compatible(config, store.docs.metadata)
        return store

    @classmethod
    def _open(cls, config: StoreConfig, conn: Connection, create: bool) -> Store:
        client = conn.client
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
            if conn.snapshot is not None:
                raise StoreReadOnly(f"The store at {config.location} is read-only.", "Choose another --store.")
            docs, chunks = create_collections(client, config)
        else:
            chunks = client.get_collection(config.collection, embedding_function=None)
            docs = client.get_collection(docs_name, embedding_function=None)
        return cls(config, conn, chunks, docs)

    @property
    def embedder_name(self) -> str:
        return (self.docs.metadata or {}).get("embedder") or self.config.embedder or DEFAULT_EMBEDDER

    def writer(self, wait_s: float = 0.0) -> contextlib.AbstractContextManager[None]:
        """Exclusive write access (`locks.py`): `StoreBusy` if another writer holds it past `wait_s` seconds."""
        return writer_lock(self.config, self._conn, wait_s)

    # -- reading -----------------------------------------------------------------------

    def records(self) -> dict[str, DocumentRecord]:
        """Committed document records by source."""
        got = self.docs.get(include=["metadatas"])
        return {m["source"]: record_from_metadata(m) for m in got["metadatas"] or []}

    def valid_versions(self) -> set[str]:
        return {r.version for r in self.records().values()}

    def document_text(self, source: str) -> str | None:
        got = self.docs.get(ids=[source], include=["documents"])
        docs = got.get("documents") or []
        return docs[0] if docs else None

    def document_pages(self, source: str) -> tuple[int, ...]:
        """Start offsets of the document's pages in its text (empty when unpaged or unknown)."""
        got = self.docs.get(ids=[source], include=["metadatas"])
        metas = got.get("metadatas") or []
        return record_from_metadata(metas[0]).pages if metas else ()

    def chunk_ids(self) -> list[str]:
        return list(self.chunks.get(include=[])["ids"])

    def stale_ids(self, versions: set[str] | None = None) -> list[str]:
        versions = self.valid_versions() if versions is None else versions
        return [i for i in self.chunk_ids() if chunk_version(i) not in versions]

    def count(self) -> int:
        """Chunks that belong to committed documents."""
        versions = self.valid_versions()
        return sum(1 for i in self.chunk_ids() if chunk_version(i) in versions)

    def _valid_rows(self, batch: int) -> Iterator[tuple[str, dict]]:
        """(text, metadata) of every chunk a committed record vouches for, read in batches."""
        versions = self.valid_versions()
        total = self.chunks.count()
        for offset in range(0, total, batch):
            got = self.chunks.get(include=["documents", "metadatas"], limit=batch, offset=offset)
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                if chunk_version(cid) in versions:
                    yield text, meta

    def all_chunks(self, batch: int = 5000) -> list[Chunk]:
        """Every valid chunk (for the lexical index), in (source, position) order."""
        out = [chunk_from_metadata(text, meta) for text, meta in self._valid_rows(batch)]
        out.sort(key=lambda c: (c.source, c.position))
        return out

    def nearest(self, embedding: Sequence[float], n: int) -> list[tuple[Chunk, float]]:
        """The `n` chunks nearest `embedding`, best first, each with Chroma's cosine distance
        (1 - cosine). Uncommitted chunks are included: the caller filters by the versions it holds,
        which is cheaper than listing the records on every question."""
        got = self.chunks.query(
            query_embeddings=[list(embedding)], n_results=n, include=["documents", "metadatas", "distances"]
        )
        return [
            (chunk_from_metadata(text, meta), float(distance))
            for text, meta, distance in zip(got["documents"][0], got["metadatas"][0], got["distances"][0], strict=True)
        ]

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
        valid = sum(1 for i in ids if chunk_version(i) in versions)
        return StoreStatus(
            self.config.location, self.config.collection, self.embedder_name, records, valid, len(ids) - valid
        )

    def vector_store(self):
        """This corpus as a llama-index `ChromaVectorStore` (for `VectorStoreIndex`)."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.chunks)
