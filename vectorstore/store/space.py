"""Disk space: ingest stops before the disk is full, not when it is.

Why stop early: once Chroma cannot apply its write-ahead log, the store cannot even be *read*
until space is freed. So every document is checked before it is written: storing it must leave
`RESERVE_BYTES` free, estimating `CHUNK_BYTES` per chunk plus four times the text. Server mode
skips the check: the server owns its disk.
"""

from __future__ import annotations

from ..config import StoreConfig
from ..errors import StoreFull, format_size, free_bytes
from ..types import Document

RESERVE_BYTES = 2 * 2**20  # ingest stops with StoreFull rather than leave less free than this
CHUNK_BYTES = 24 * 2**10  # disk one chunk takes in Chroma (vector, text, metadata, log, index), rounded up


def check_space(config: StoreConfig, document: Document, n_chunks: int) -> None:
    """Refuse a write that would leave less than `RESERVE_BYTES` free (embedded mode)."""
    if config.chroma_url:
        return
    free = free_bytes(config.store)
    if free is None:
        return
    need = n_chunks * CHUNK_BYTES + 4 * len(document.text.encode("utf-8", "replace")) + RESERVE_BYTES
    if free < need:
        raise StoreFull(
            f"The disk holding {config.location} is full: {format_size(free)} free, and storing "
            f"{document.source} needs about {format_size(need - RESERVE_BYTES)} plus {format_size(RESERVE_BYTES)} "
            f"kept free; {document.source} and the files after it were not stored.",
            "Free some space and run the ingest again; what was stored before is intact.",
        )
