"""Language models behind HTTP: OpenAI-compatible servers and Ollama, through llama-index's integrations.

The integrations are imported on first use, so a lean install without them still imports ``qa``.

A streamed answer counts only when the server finishes it (a chunk with ``finish_reason``): a
server that dies mid-answer may close the connection in a way that reads as a normal end of the
stream (an HTTP/1.0 server, or one that does not chunk its events), and half an answer must not be
taken for the whole. ``IncompleteStream`` is raised instead, and the caller keeps its own answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from . import ModelUnavailable

DEFAULT_N_CTX = 4096
DEFAULT_MAX_TOKENS = 512
_CHECKED: dict[str, type] = {}


class IncompleteStream(RuntimeError):
    """The server ended a streamed answer without finishing it."""


def _finished(raw: Any) -> bool:
    return any(getattr(c, "finish_reason", None) for c in (getattr(raw, "choices", None) or []))


def _until_finished(chunks: Iterator[Any]) -> Iterator[Any]:
    finished = False
    try:
        for chunk in chunks:
            finished = finished or _finished(getattr(chunk, "raw", None))
            yield chunk
    finally:
        close = getattr(chunks, "close", None)
        if close:
            close()
    if not finished:
        raise IncompleteStream("the server ended the answer stream before finishing it (was it stopped?)")


def _checked_openai_like() -> type:
    """llama-index's ``OpenAILike`` whose ``stream_chat`` raises IncompleteStream for unfinished streams."""
    if "cls" not in _CHECKED:
        from llama_index.llms.openai_like import OpenAILike

        class CheckedOpenAILike(OpenAILike):
            @classmethod
            def class_name(cls) -> str:
                return "sourced_openai_like"

            def stream_chat(self, messages: Any, **kwargs: Any) -> Any:
                return _until_finished(super().stream_chat(messages, **kwargs))

        _CHECKED["cls"] = CheckedOpenAILike
    return _CHECKED["cls"]


def openai_compatible_llm(
    url: str,
    model: str,
    api_key: str | None = None,
    timeout_s: float = 120.0,
    *,
    context_window: int = DEFAULT_N_CTX,
    max_tokens: int | None = DEFAULT_MAX_TOKENS,
    temperature: float = 0.0,
) -> Any:
    """An OpenAI-compatible chat endpoint (llama-server, vLLM, LM Studio, OpenAI ...) at ``url`` (…/v1)."""
    try:
        openai_like = _checked_openai_like()
    except ImportError as exc:
        raise ModelUnavailable(
            "The OpenAI-compatible backend is not installed.",
            "Run `pip install llama-index-llms-openai-like`.",
        ) from exc
    # api_key / api_base / api_version are all passed explicitly so nothing is read from OPENAI_* env vars.
    return openai_like(
        model=model,
        api_base=url,
        api_key=api_key or "not-needed",
        api_version="",
        is_chat_model=True,
        timeout=timeout_s,
        max_retries=1,  # the answer has a time limit; a server that is down should fail fast
        context_window=context_window,
        max_tokens=max_tokens,
        temperature=temperature,
    )


def ollama_llm(
    model: str,
    host: str,
    timeout_s: float = 120.0,
    *,
    context_window: int = DEFAULT_N_CTX,
    temperature: float = 0.0,
) -> Any:
    """A model served by Ollama at ``host`` (e.g. http://localhost:11434)."""
    try:
        from llama_index.llms.ollama import Ollama
    except ImportError as exc:
        raise ModelUnavailable(
            "The Ollama backend is not installed.", "Run `pip install llama-index-llms-ollama`."
        ) from exc
    return Ollama(
        model=model,
        base_url=host,
        request_timeout=timeout_s,
        context_window=context_window,
        temperature=temperature,
    )
