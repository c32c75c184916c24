"""Writing a corpus: the commit protocol that makes a killed ingest harmless.

Why our own writer instead of llama-index's `IngestionPipeline` + docstore: the docstore is a
second file beside Chroma that a killed ingest can leave out of step with it, and it does not
exist in server mode; we also need content-derived chunk ids and exact offsets.

Here the document record *is* the commit: chunks are upserted first (their ids derive from the
content, so an upsert never duplicates), then the record, then the previous version's chunks
are deleted. Readers trust only chunks whose id starts with a committed record's `version`, so
a store killed at any point reads as either the old or the new version of a document, never
both, and `sweep()` (run by every ingest) deletes whatever a killed run left behind.

`Store` inherits these methods; call them inside `with store.writer():`.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..config import StoreConfig
from ..errors import StoreError, write_error
from ..types import Chunk, Document, DocumentRecord
from .collection import Collection
from .connection import Connection
from .layout import chunk_metadata, chunk_version, mean_vector, now, record_metadata
from .space import check_space


class Commits:
    """The write half of `Store` (see the module docstring for the order and why)."""

    config: StoreConfig
    chunks: Collection
    docs: Collection
    _conn: Connection

    def stale_ids(self, versions: set[str] | None = None) -> list[str]:  # defined by Store
        raise NotImplementedError

    def chunk_ids(self) -> list[str]:  # defined by Store
        raise NotImplementedError

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
        check_space(self.config, document, len(chunks))
        self._conn.mark_writing()
        try:
            # through `call`: under the shared lock, so a reader's reopen never leaves `client` unset here
            limit = self._conn.call("get_max_batch_size", lambda: self._conn.client.get_max_batch_size())
            step = max(1, min(limit, 1000))
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
                ingested_at=now(),
                author=document.author,
                pages=tuple(document.pages),
            )
            self.docs.upsert(
                ids=[document.source],
                embeddings=[mean_vector(embeddings)],
                documents=[document.text],
                metadatas=[record_metadata(record)],
            )
            if previous is not None and previous.version != version:
                self._delete_version(previous.version)
        except StoreError:
            raise
        except Exception as e:
            raise write_error(self.config, e) from e
        return record

    def delete_document(self, record: DocumentRecord) -> None:
        """Remove a document: its record first (so its chunks stop counting), then its chunks."""
        self._conn.mark_writing()
        try:
            self.docs.delete(ids=[record.source])
            self._delete_version(record.version)
        except Exception as e:
            raise write_error(self.config, e) from e

    def sweep(self) -> int:
        """Delete chunks no committed record vouches for (left by a killed ingest)."""
        stale = self.stale_ids()
        if stale:
            self._conn.mark_writing()
        for i in range(0, len(stale), 1000):
            self.chunks.delete(ids=stale[i : i + 1000])
        return len(stale)

    def _delete_version(self, version: str) -> None:
        ids = [i for i in self.chunk_ids() if chunk_version(i) == version]
        for i in range(0, len(ids), 1000):
            self.chunks.delete(ids=ids[i : i + 1000])
