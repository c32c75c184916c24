"""Errors a user can cause, each with a message that says what to do next.

Every exception sourced raises on purpose derives from `SourcedError`, so the CLI and the chat
can show `str(error)` (one line, with the remedy) instead of a stack trace. Upper layers
(`qa`) add their own subclasses; nothing here knows about answers. The second half maps a failed
Chroma call to one of these by the exception's type (see the note there).
"""

from __future__ import annotations

import errno
import re
import shutil
import sqlite3
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from .config import StoreConfig


class SourcedError(Exception):
    """Base class: `message` says what went wrong, `hint` what to do about it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class LoadError(SourcedError):
    """A file could not be read as an article (missing, empty, binary, too large...)."""

    def __init__(self, path: str, reason: str, hint: str = "") -> None:
        super().__init__(f"{path}: {reason}", hint)
        self.path = path
        self.reason = reason


class StoreError(SourcedError):
    """The Chroma store cannot be used as asked."""


class StoreNotFound(StoreError):
    """No store (or no collection) where one was expected."""


class StoreBusy(StoreError):
    """Another process holds the store's write lock."""


class StoreReadOnly(StoreError):
    """The store folder cannot be written."""


class StoreFull(StoreError):
    """The disk holding the store is full (or too full to write safely)."""


class StoreIncompatible(StoreError):
    """The store was written by another version of sourced or with another embedder."""


class StoreUnavailable(StoreError):
    """A Chroma server cannot be reached."""


# -- what a failed Chroma call means ------------------------------------------------------------
#
# Chroma's, httpx's and the OS's exceptions never reach the user: the store turns each into one
# of the classes above with a remedy. The mapping is keyed on exception types (and errno, and
# SQLite's result code), never on the wording of a message, which changes between versions.

LOW_SPACE_BYTES = 16 * 2**20  # a Chroma failure with less free than this is reported as a full disk

# SQLite primary result codes (sqlite3.h), which sqlite3 and Chroma's Rust layer both report
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_FULL = 3, 5, 6, 8, 13
# Chroma 1.x raises one generic `InternalError` for every failure of its embedded database; the
# only structured part is the "(code: N)" that sqlx puts in its text. That code is read, nothing else.
_SQLX_CODE = re.compile(r"\(code: (\d+)\)")


def format_size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 2**10:.0f} KB"


def _chroma_class(name: str) -> type | None:
    """One of chromadb's error classes, if chromadb is loaded (an exception of it can only come then)."""
    module = sys.modules.get("chromadb.errors")
    return getattr(module, name, None) if module is not None else None


def _sqlite_code(e: BaseException) -> int | None:
    """SQLite's primary result code behind `e`, if it has one."""
    if isinstance(e, sqlite3.Error):
        code = getattr(e, "sqlite_errorcode", None)
        return code & 0xFF if isinstance(code, int) else None
    chroma_error = _chroma_class("ChromaError")
    if chroma_error is not None and isinstance(e, chroma_error):
        found = _SQLX_CODE.search(str(e))
        return int(found.group(1)) & 0xFF if found else None
    return None


def _errno(e: BaseException) -> int | None:
    return e.errno if isinstance(e, OSError) else None


def is_transient(e: BaseException) -> bool:
    """A lost or refused connection (a Chroma server restarting): worth one retry."""
    httpx = sys.modules.get("httpx")  # chromadb's HTTP client; loaded whenever a server is used
    return isinstance(e, ConnectionError) or (httpx is not None and isinstance(e, httpx.TransportError))


def is_not_found(e: BaseException) -> bool:
    not_found = _chroma_class("NotFoundError")
    return not_found is not None and isinstance(e, not_found)


def _is_read_only(e: BaseException) -> bool:
    return (
        isinstance(e, PermissionError)
        or _errno(e) in (errno.EROFS, errno.EACCES, errno.EPERM)
        or _sqlite_code(e) in (_SQLITE_READONLY, _SQLITE_PERM)
    )


def _is_busy(e: BaseException) -> bool:
    return _sqlite_code(e) in (_SQLITE_BUSY, _SQLITE_LOCKED)


def free_bytes(path: Path) -> int | None:
    """Free space on the disk holding `path`, None if it cannot be read."""
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


def _disk_full(config: StoreConfig, e: BaseException) -> int | None:
    """Free bytes if `e` is a full disk (said so, or little space left), else None (embedded mode only).

    Free space counts too because Chroma's own failure when it cannot apply its log says neither
    ENOSPC nor SQLITE_FULL ("Failed to apply logs"), and it is a full disk all the same.
    """
    if config.chroma_url:
        return None
    free = free_bytes(config.store if config.store.exists() else config.store.parent)
    said = _errno(e) in (errno.ENOSPC, errno.EDQUOT) or _sqlite_code(e) == _SQLITE_FULL
    if said or (free is not None and free < LOW_SPACE_BYTES):
        return free if free is not None else 0
    return None


def _detail(e: BaseException, n: int) -> str:
    return " ".join(str(e).split())[:n]


def chroma_error(config: StoreConfig, e: BaseException, write: bool) -> StoreError:
    """A `StoreError` that says what happened to a Chroma call and what to do."""
    if isinstance(e, StoreError):
        return e
    if write:
        return write_error(config, e)
    if config.chroma_url:
        if is_transient(e):
            return StoreUnavailable(
                f"Lost the connection to the Chroma server at {config.chroma_url} ({type(e).__name__}).",
                "Check that it is running (`chroma run --path DIR --port PORT`); the next question reconnects by "
                "itself.",
            )
        if is_not_found(e):
            return StoreNotFound(
                f"The collection '{config.collection}' is no longer on the Chroma server at {config.chroma_url} "
                f"({_detail(e, 120)}).",
                "Was the server restarted with another --path? Ingest the articles again.",
            )
        return StoreUnavailable(
            f"The Chroma server at {config.chroma_url} failed: {_detail(e, 200)}.", "Check its log, then try again."
        )
    free = _disk_full(config, e)
    if free is not None:
        return StoreFull(
            f"The disk holding {config.location} is full ({format_size(free)} free): Chroma cannot finish applying "
            f"the last write, so the store cannot be read.",
            "Free some space, then try again; nothing stored is lost.",
        )
    if _is_read_only(e):
        return StoreReadOnly(
            f"The store at {config.location} cannot be written, and Chroma must write to read it "
            f"({_detail(e, 120)}).",
            f"Copy it to a writable folder (cp -r {config.location} DIR) and pass --store DIR.",
        )
    return StoreError(
        f"Reading the store at {config.location} failed: {type(e).__name__}: {_detail(e, 200)}.",
        "Try again; if it keeps failing, ingest into a new --store.",
    )


def open_error(config: StoreConfig, e: BaseException) -> StoreError:
    """Opening an embedded store failed."""
    if _disk_full(config, e) is not None:
        return write_error(config, e)
    if _is_read_only(e):
        return StoreReadOnly(
            f"The store at {config.location} cannot be opened: it cannot be written ({_detail(e, 120)}).",
            f"Copy it to a writable folder (cp -r {config.location} DIR) and pass --store DIR.",
        )
    if _is_busy(e):
        return StoreBusy(
            f"The store at {config.location} is busy: another program holds its database ({_detail(e, 120)}).",
            "Try again in a moment.",
        )
    return StoreError(
        f"Cannot open the store at {config.location}: {_detail(e, 200)}.",
        "If it was made by another program, point --store at a new folder.",
    )


def write_error(config: StoreConfig, e: BaseException) -> StoreError:
    """A write (or preparing to write) failed."""
    if isinstance(e, StoreError):
        return e
    if config.chroma_url and is_transient(e):
        return StoreUnavailable(
            f"Lost the connection to the Chroma server at {config.chroma_url} ({type(e).__name__}); "
            f"the write was not completed.",
            "Check that it is running, then run the ingest again; what was stored before is intact.",
        )
    free = _disk_full(config, e)
    if free is not None:
        return StoreFull(
            f"The disk holding {config.location} is full ({format_size(free)} free); the write was not completed.",
            "Free some space and run the ingest again; what was stored before is intact.",
        )
    if _is_read_only(e):
        return StoreReadOnly(
            f"The store at {config.location} cannot be written ({_detail(e, 120)}).",
            "Fix its permissions or choose another folder with --store.",
        )
    if config.chroma_url:
        return StoreUnavailable(
            f"The Chroma server at {config.chroma_url} failed: {_detail(e, 200)}.",
            "Check that it is running, then try again.",
        )
    return StoreError(
        f"Writing to the store at {config.location} failed: {type(e).__name__}: {_detail(e, 200)}.",
        "Run the ingest again; what was stored before is intact.",
    )
