"""The storage layer's domain types: a loaded `Document` and the `Chunk`s cut from it."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass


def content_hash(text: str) -> str:
    """sha256 of the text: the identity of a document's or a chunk's content."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Document:
    """An article as read from disk.

    `text` is what offsets refer to: the decoded file for .txt/.md, the visible text for
    .html. `source` (the file name) is the document's identity within a collection.
    """

    source: str
    path: str
    text: str
    title: str
    published: str | None
    format: str
    encoding: str = "utf-8"

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)

    def to_dict(self) -> dict:
        return asdict(self) | {"content_hash": self.content_hash}


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences: `text == document.text[start:end]`, always."""

    source: str
    position: int
    start: int
    end: int
    text: str
    doc_hash: str
    version: str
    title: str = ""
    published: str | None = None

    @property
    def chunk_hash(self) -> str:
        return content_hash(self.text)

    @property
    def id(self) -> str:
        """Derived from content only (document version, position, chunk text), so re-ingesting
        the same file yields the same ids and an upsert never duplicates."""
        return f"{self.version}-{self.position:05d}-{self.chunk_hash[:16]}"

    def to_dict(self) -> dict:
        return asdict(self) | {"id": self.id, "chunk_hash": self.chunk_hash}


@dataclass(frozen=True)
class DocumentRecord:
    """What the store knows about an ingested document (its full text is fetched on demand).

    `version` identifies the document's content *and* how it was processed (chunking
    settings, embedder); it is the prefix of every chunk id of that document, so a chunk
    whose id does not start with a committed record's version is stale.
    """

    source: str
    title: str
    published: str | None
    path: str
    doc_hash: str
    version: str
    chunks: int
    chars: int
    format: str
    ingested_at: str

    def to_dict(self) -> dict:
        return asdict(self)
