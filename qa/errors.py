"""Errors a question or a setting can cause, on top of the storage layer's."""

from __future__ import annotations

from vectorstore.errors import SourcedError, StoreNotFound


class QuestionError(SourcedError, ValueError):
    """The question cannot be answered as given (a `ValueError`, so callers can catch either)."""


class EmptyQuestion(QuestionError):
    pass


class QuestionTooLong(QuestionError):
    pass


class EmptyStore(StoreNotFound):
    """The store exists but holds no articles."""


class GeneratorUnavailable(SourcedError):
    """The chosen answer generator cannot run (model missing, server down)."""
