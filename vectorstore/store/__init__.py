"""The Chroma store: chunks with their embeddings, and one record per document.

One concept per module:

- `layout`:     collection names, the schema mark, the chunk/record metadata codec
- `corpus`:     `Store`: opening a corpus and its read API
- `commit`:     the write half of `Store`: chunks, then the record (the commit), then the old chunks
- `locks`:      the writer lock: a lock file in embedded mode, a renewed lease on a Chroma server
- `connection`: this process's Chroma client per store, reopened when another process wrote
- `collection`: a Chroma collection seen through that connection (refetched after a reopen)
- `folder`:     the store folder: atomic creation, the open lock, read-only stores read from a copy
- `space`:      stop ingesting before the disk is full

Failures come out as `vectorstore.errors.StoreError`s with a remedy (the mapping from Chroma's,
httpx's and the OS's exceptions is in `vectorstore/errors.py`), never as Chroma's exceptions.
"""

from .connection import release
from .corpus import Store, StoreStatus
from .folder import GENERATION_NAME, LOCK_NAME, OPEN_LOCK_NAME, SNAPSHOT_MAX_BYTES
from .layout import DOCS_SUFFIX, SCHEMA, chunk_from_metadata, chunk_metadata
from .locks import LEASE_RENEW_S, LEASE_S, LOCK_SUFFIX
from .space import CHUNK_BYTES, RESERVE_BYTES

__all__ = [
    "CHUNK_BYTES",
    "DOCS_SUFFIX",
    "GENERATION_NAME",
    "LEASE_RENEW_S",
    "LEASE_S",
    "LOCK_NAME",
    "LOCK_SUFFIX",
    "OPEN_LOCK_NAME",
    "RESERVE_BYTES",
    "SCHEMA",
    "SNAPSHOT_MAX_BYTES",
    "Store",
    "StoreStatus",
    "chunk_from_metadata",
    "chunk_metadata",
    "release",
]
