"""Errors a user can cause, each with a message that says what to do next.

Every exception sourced raises on purpose derives from `SourcedError`, so the CLI and the chat
can show `str(error)` (one line, with the remedy) instead of a stack trace. Upper layers
(`qa`) add their own subclasses; nothing here knows about answers.
"""

from __future__ import annotations


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
