"""The in-process engines as a llama-index LLM (``LocalLLM``), their per-process registry, and factories.

Importing this module loads llama_index.core only; cyllama is imported when a model is loaded.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.bridge.pydantic import Field, PrivateAttr
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.custom import CustomLLM

from . import ModelUnavailable
from .batched import BatchedEngine
from .bundled import ProgressCallback, bundled_model_path
from .engine import DEFAULT_MAX_TOKENS, DEFAULT_N_CTX, DEFAULT_THREADS, Engine

_ENGINES: dict[tuple[str, int, int, int], Engine | BatchedEngine] = {}
_ENGINES_LOCK = threading.Lock()


def _engine_for(path: str, n_ctx: int, threads: int, parallel: int = 1) -> Engine | BatchedEngine:
    key = (str(Path(path).resolve()), n_ctx, threads, parallel)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            if parallel == 1:
                engine = Engine(key[0], n_ctx, threads)
            else:
                engine = BatchedEngine(key[0], n_ctx, threads, parallel)
            _ENGINES[key] = engine
        return engine


def release_local_models() -> None:
    """Forget every loaded local model (their memory is freed once no LocalLLM refers to them)."""
    with _ENGINES_LOCK:
        _ENGINES.clear()


def _as_dicts(messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
    out = []
    for m in messages:
        role = m.role.value if isinstance(m.role, MessageRole) else str(m.role)
        out.append({"role": "system" if role == "developer" else role, "content": m.content or ""})
    return out


class LocalLLM(CustomLLM):
    """A GGUF model run in-process by cyllama (llama.cpp), as a llama-index LLM.

    The model is loaded on first use (or by ``load()``) and shared by every LocalLLM with the same
    (path, n_ctx, threads, parallel) in this process. With ``parallel=1`` calls are serialized (a
    stream holds the model until it is exhausted or closed); with ``parallel=N`` up to N calls run
    at once in one context (``n_ctx`` tokens each) and the rest wait for a free sequence.
    ``complete()`` wraps a plain prompt in the model's chat template as a
    single user turn unless ``formatted=True``. Per-call overrides: ``max_tokens``, ``temperature``,
    ``stop``, ``seed``.
    """

    model_path: str = Field(description="Path of the GGUF file.")
    n_ctx: int = Field(default=DEFAULT_N_CTX, gt=0, description="Context window in tokens.")
    threads: int = Field(default=DEFAULT_THREADS, gt=0, description="CPU threads for prefill and decode.")
    max_tokens: int = Field(default=DEFAULT_MAX_TOKENS, ge=0, description="Most tokens to generate.")
    temperature: float = Field(default=0.0, ge=0.0, description="0 = greedy (deterministic).")
    stop: list[str] = Field(default_factory=list, description="Generation stops before any of these.")
    seed: int = Field(default=0, description="Sampling seed when temperature > 0.")
    reuse_prefix: bool = Field(default=True, description="Keep the KV cache of a shared prompt prefix.")
    parallel: int = Field(default=1, gt=0, description="Sequences served at once (continuous batching).")

    _engine: Engine | BatchedEngine | None = PrivateAttr(default=None)

    def __init__(self, model_path: str | Path, **kwargs: Any) -> None:
        path = Path(model_path).expanduser()
        if not path.is_file():
            raise ModelUnavailable(f"Model file not found: {path}.", "Check the path of the GGUF file.")
        super().__init__(model_path=str(path), **kwargs)

    @classmethod
    def class_name(cls) -> str:
        return "sourced_local_llm"

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(
            context_window=self.n_ctx,
            num_output=self.max_tokens,
            is_chat_model=True,
            model_name=Path(self.model_path).name,
        )

    def load(self) -> LocalLLM:
        """Load the model now (it is otherwise loaded on the first call); returns self."""
        if self._engine is None:
            self._engine = _engine_for(self.model_path, self.n_ctx, self.threads, self.parallel)
        return self

    @property
    def last_stats(self) -> dict[str, Any]:
        """Timings of the most recent call on this model (prefill_s, ttft_s, decode_tok_s, ...)."""
        return dict(self.load()._engine.last_stats)

    @property
    def load_seconds(self) -> float:
        return self.load()._engine.load_s

    def count_tokens(self, text: str) -> int:
        return self.load()._engine.count_tokens(text)

    def format_messages(self, messages: Sequence[ChatMessage]) -> str:
        """The prompt string the model sees for ``messages`` (its own chat template)."""
        return self.load()._engine.render(_as_dicts(messages))

    def _stream(self, prompt: str, kwargs: dict[str, Any]) -> Generator[str, None, None]:
        engine = self.load()._engine
        return engine.generate(
            prompt,
            max_tokens=int(kwargs.get("max_tokens", self.max_tokens)),
            temperature=float(kwargs.get("temperature", self.temperature)),
            stop=list(kwargs.get("stop", self.stop) or []),
            seed=int(kwargs.get("seed", self.seed)),
            reuse_prefix=self.reuse_prefix,
        )

    def _completion_prompt(self, prompt: str, formatted: bool) -> str:
        if formatted:
            return prompt
        return self.load()._engine.render([{"role": "user", "content": prompt}])

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        text = "".join(self._stream(self._completion_prompt(prompt, formatted), kwargs))
        return CompletionResponse(text=text, additional_kwargs=self.last_stats)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        pieces = self._stream(self._completion_prompt(prompt, formatted), kwargs)

        def gen() -> CompletionResponseGen:
            text = ""
            with contextlib.closing(pieces):  # closing the response stream frees the model at once
                for delta in pieces:
                    text += delta
                    yield CompletionResponse(text=text, delta=delta)

        return gen()

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        text = "".join(self._stream(self.format_messages(messages), kwargs))
        return ChatResponse(
            message=ChatMessage(role=MessageRole.ASSISTANT, content=text), additional_kwargs=self.last_stats
        )

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        pieces = self._stream(self.format_messages(messages), kwargs)

        def gen() -> ChatResponseGen:
            text = ""
            with contextlib.closing(pieces):
                for delta in pieces:
                    text += delta
                    yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=delta)

        return gen()


def local_llm(
    cache_dir: Path,
    *,
    threads: int = DEFAULT_THREADS,
    n_ctx: int = DEFAULT_N_CTX,
    progress: ProgressCallback | None = None,
    **kwargs: Any,
) -> LocalLLM:
    """The bundled model as a LocalLLM (joins the file on first use; loads the model lazily)."""
    return LocalLLM(bundled_model_path(cache_dir, progress), threads=threads, n_ctx=n_ctx, **kwargs)


def gguf_llm(path: Path | str, threads: int = DEFAULT_THREADS, n_ctx: int = DEFAULT_N_CTX, **kwargs: Any) -> LocalLLM:
    """A user's own GGUF file run in-process; the same class as the bundled model."""
    return LocalLLM(path, threads=threads, n_ctx=n_ctx, **kwargs)
