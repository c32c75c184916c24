"""The storage layer's domain types: a loaded `Document` and the `Chunk`s cut from it."""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import asdict, dataclass


def content_hash(text: str) -> str:
    """sha256 of the text: the identity of a document's or a chunk's content."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Document:
    """An article as read from disk.

    `text` is what offsets refer to: the decoded file for .txt/.md, the article body for
    .html, the text layer for .pdf, the paragraphs and tables for .docx. `source` (the file
    name) is the document's identity within a collection. `pages` holds the offset in `text`
    where each page starts (empty for unpaged formats); `page_of` maps an offset to its page.
    """

    source: str
    path: str
    text: str
    title: str
    published: str | None
    format: str
    encoding: str = "utf-8"
    author: str | None = None
    pages: tuple[int, ...] = ()

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)

    def page_of(self, offset: int) -> int | None:
        return page_of(self.pages, offset)

    def to_dict(self) -> dict:
        return asdict(self) | {"content_hash": self.content_hash, "pages": list(self.pages)}


def page_of(pages: Sequence[int], offset: int) -> int | None:
    """The 1-based page holding character `offset`, given each page's start offset; None if unpaged."""
    if not pages:
        return None
    return max(1, bisect_right(pages, offset))


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
    author: str | None = None
    pages: tuple[int, ...] = ()

    def page_of(self, offset: int) -> int | None:
        return page_of(self.pages, offset)

    def to_dict(self) -> dict:
        # `pages`: how many (None when unpaged); `page_starts`: where each starts in the text
        return asdict(self) | {"pages": len(self.pages) or None, "page_starts": list(self.pages)}
