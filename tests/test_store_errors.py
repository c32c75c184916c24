"""`vectorstore.errors` maps failed store calls to user-facing errors by exception type, not wording."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import chromadb.errors
import httpx
import pytest

from vectorstore.config import StoreConfig
from vectorstore.errors import (
    StoreBusy,
    StoreError,
    StoreFull,
    StoreNotFound,
    StoreReadOnly,
    StoreUnavailable,
    chroma_error,
    open_error,
    write_error,
)


@pytest.fixture
def embedded(tmp_path: Path) -> StoreConfig:
    return StoreConfig(store=tmp_path / "store", embedder="hash")


@pytest.fixture
def server(tmp_path: Path) -> StoreConfig:
    return StoreConfig(store=tmp_path / "unused", chroma_url="http://127.0.0.1:9", embedder="hash")


def test_os_errors_by_errno(embedded):
    assert isinstance(write_error(embedded, OSError(errno.ENOSPC, "No space left on device")), StoreFull)
    assert isinstance(write_error(embedded, OSError(errno.EDQUOT, "Disk quota exceeded")), StoreFull)
    assert isinstance(write_error(embedded, PermissionError(errno.EACCES, "Permission denied")), StoreReadOnly)
    assert isinstance(write_error(embedded, OSError(errno.EROFS, "Read-only file system")), StoreReadOnly)


def test_sqlite_result_codes(embedded):
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = 13  # what sqlite3 sets for SQLITE_FULL
    assert isinstance(write_error(embedded, full), StoreFull)
    # Chroma's embedded database reports SQLite failures as a generic InternalError carrying the code
    read_only = chromadb.errors.InternalError("error returned from database: (code: 8) attempt to write a readonly db")
    assert isinstance(open_error(embedded, read_only), StoreReadOnly)
    moved = chromadb.errors.InternalError("error returned from database: (code: 1032) attempt to write a readonly db")
    assert isinstance(chroma_error(embedded, moved, write=False), StoreReadOnly)  # an extended code of 8
    busy = chromadb.errors.InternalError("error returned from database: (code: 5) database is locked")
    assert isinstance(open_error(embedded, busy), StoreBusy)


def test_the_wording_alone_decides_nothing(embedded):
    """With the disk far from full, a generic exception that merely says "no space left" or
    "read-only" is a plain StoreError: the mapping does not read messages."""
    for text in ("No space left on device", "attempt to write a readonly database", "database is locked"):
        for err in (write_error(embedded, RuntimeError(text)), open_error(embedded, RuntimeError(text))):
            assert type(err) is StoreError, (text, err)
    assert type(chroma_error(embedded, RuntimeError("permission denied"), write=False)) is StoreError


def test_server_failures_by_class(server):
    lost = chroma_error(server, httpx.ConnectError("refused"), write=False)
    assert isinstance(lost, StoreUnavailable) and "reconnects by itself" in str(lost)
    gone = chroma_error(server, chromadb.errors.NotFoundError("Collection [x] does not exist"), write=False)
    assert isinstance(gone, StoreNotFound)
    assert isinstance(write_error(server, httpx.ReadTimeout("timed out")), StoreUnavailable)
    assert isinstance(chroma_error(server, chromadb.errors.ChromaError("boom"), write=False), StoreUnavailable)
    assert isinstance(chroma_error(server, OSError(errno.ENOSPC, "full"), write=False), StoreUnavailable)


def test_messages_keep_a_remedy(embedded):
    err = write_error(embedded, OSError(errno.ENOSPC, "No space left on device"))
    assert err.hint and "Free some space" in str(err) and str(embedded.store) in str(err)
