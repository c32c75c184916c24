"""sourced's storage layer: loading, chunking, embedding and storing articles in Chroma.

It knows nothing of questions or answers. Modules, one concept each:

- `documents`: files and folders -> `Document`s (text, title, published date), or a clear error
- `chunking`:  sentence spans and chunks with exact character offsets
- `embedding`: the MiniLM embedder (once per process) and a hashing one for tests
- `store/`:    the Chroma collections, the write lock, commit-by-record and sweeping (a package)
- `ingest`:    the idempotent ingest that ties them together
- `config`, `types`, `errors`: settings, dataclasses and user-facing exceptions

Importing this package is cheap; torch loads only when the real embedder is first asked for.
"""

from .config import ChunkingConfig, StoreConfig
from .errors import (
    LoadError,
    SourcedError,
    StoreBusy,
    StoreError,
    StoreIncompatible,
    StoreNotFound,
    StoreReadOnly,
    StoreUnavailable,
)
from .types import Chunk, Document, DocumentRecord

__all__ = [
    "Chunk",
    "ChunkingConfig",
    "Document",
    "DocumentRecord",
    "LoadError",
    "SourcedError",
    "StoreBusy",
    "StoreConfig",
    "StoreError",
    "StoreIncompatible",
    "StoreNotFound",
    "StoreReadOnly",
    "StoreUnavailable",
]
