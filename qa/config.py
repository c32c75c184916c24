"""The one configuration object, read from flags and `SOURCED_*` environment variables.

Precedence: an explicit argument (a CLI flag, a keyword in `Config.from_env`) beats the
environment, which beats the default. This module is the only one that reads the
environment; everything else receives a `Config` (or the `StoreConfig` inside it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from vectorstore.config import ChunkingConfig, StoreConfig

GENERATORS = ("auto", "extractive", "local", "openai", "ollama", "gguf")
RETRIEVAL_MODES = ("hybrid+rerank", "hybrid", "dense", "bm25")


def default_model_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sourced" / "models"


@dataclass
class Config:
    store: StoreConfig = field(default_factory=StoreConfig)
    # Answering
    generator: str = "auto"  # auto = a configured model (llm_url, ollama_model, gguf), else extractive
    retrieval: str = "hybrid+rerank"
    k: int = 5  # passages handed to the generator / cited at most
    candidates: int = 20  # passages each retriever returns before fusion and rerank
    max_question_chars: int = 2000
    # Language models
    llm_url: str | None = None  # OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1
    llm_model: str | None = None
    llm_api_key: str | None = None
    ollama_model: str | None = None
    ollama_host: str = "http://127.0.0.1:11434"
    gguf: Path | None = None  # a user's own GGUF file
    model_cache: Path = field(default_factory=default_model_cache)
    llm_threads: int = 2
    llm_parallel: int = 4  # answers the local model generates at once (one model, batched decoding)
    llm_context: int = 2048
    answer_timeout_s: float = 30.0  # after this, the extractive answer is returned with a notice
    max_answer_tokens: int = 160

    def __post_init__(self) -> None:
        if self.generator not in GENERATORS:
            raise ValueError(f"unknown generator '{self.generator}'; choose one of {', '.join(GENERATORS)}")
        if self.retrieval not in RETRIEVAL_MODES:
            raise ValueError(f"unknown retrieval mode '{self.retrieval}'; choose one of {', '.join(RETRIEVAL_MODES)}")
        if self.k < 1 or self.candidates < self.k:
            raise ValueError("need 1 <= k <= candidates")
        if self.store.model_cache is None:  # the int8 embedder is built beside the bundled model
            self.store.model_cache = self.model_cache

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> Config:
        """Defaults, then `SOURCED_*` variables, then `overrides` whose value is not None.

        Store-level overrides (`store`, `collection`, `chroma_url`, `embedder`, `max_file_mb`,
        `chunk_sentences`, `chunk_overlap`) may be given flat, as the CLI does.
        """
        env = os.environ if env is None else env
        o = {k: v for k, v in overrides.items() if v is not None}

        def pick(key: str, var: str, cast=str, default=None):
            if key in o:
                return cast(o.pop(key))
            if env.get(var):
                try:
                    return cast(env[var])
                except ValueError:
                    raise ValueError(f"{var}={env[var]!r} is not a valid value") from None
            return default

        base = StoreConfig()
        chunking = ChunkingConfig(
            sentences=pick("chunk_sentences", "SOURCED_CHUNK_SENTENCES", int, ChunkingConfig.sentences),
            overlap=pick("chunk_overlap", "SOURCED_CHUNK_OVERLAP", int, ChunkingConfig.overlap),
        )
        store = o.pop("store_config", None) or StoreConfig(
            store=pick("store", "SOURCED_STORE", Path, base.store),
            collection=pick("collection", "SOURCED_COLLECTION", str, base.collection),
            chroma_url=pick("chroma_url", "SOURCED_CHROMA_URL", str, None),
            embedder=pick("embedder", "SOURCED_EMBEDDER", str, None),
            max_file_mb=pick("max_file_mb", "SOURCED_MAX_FILE_MB", float, base.max_file_mb),
            chunking=chunking,
        )
        d = cls.__dataclass_fields__
        values = dict(
            generator=pick("generator", "SOURCED_GENERATOR", str, d["generator"].default),
            retrieval=pick("retrieval", "SOURCED_RETRIEVAL", str, d["retrieval"].default),
            k=pick("k", "SOURCED_K", int, d["k"].default),
            candidates=pick("candidates", "SOURCED_CANDIDATES", int, d["candidates"].default),
            llm_url=pick("llm_url", "SOURCED_LLM_URL", str, None),
            llm_model=pick("llm_model", "SOURCED_LLM_MODEL", str, None),
            llm_api_key=pick("llm_api_key", "SOURCED_LLM_API_KEY", str, None),
            ollama_model=pick("ollama_model", "SOURCED_OLLAMA_MODEL", str, None),
            ollama_host=pick("ollama_host", "OLLAMA_HOST", _ollama_url, d["ollama_host"].default),
            gguf=pick("gguf", "SOURCED_GGUF", Path, None),
            model_cache=pick("model_cache", "SOURCED_MODEL_CACHE", Path, None) or default_model_cache(),
            llm_threads=pick("llm_threads", "SOURCED_LLM_THREADS", int, d["llm_threads"].default),
            llm_parallel=pick("llm_parallel", "SOURCED_LLM_PARALLEL", int, d["llm_parallel"].default),
            answer_timeout_s=pick("answer_timeout_s", "SOURCED_ANSWER_TIMEOUT", float, d["answer_timeout_s"].default),
        )
        known = {f.name for f in fields(cls)}
        for key in list(o):
            if key in known:
                values[key] = o.pop(key)
        if o:
            raise TypeError(f"unknown configuration keys: {', '.join(sorted(o))}")
        return cls(store=store, **values)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["store"] = self.store.to_dict()
        for key in ("gguf", "model_cache"):
            d[key] = str(d[key]) if d[key] is not None else None
        if d["llm_api_key"]:
            d["llm_api_key"] = "***"
        return d


def _ollama_url(value: str) -> str:
    """OLLAMA_HOST may be 'host', 'host:port' or a URL."""
    if "://" not in value:
        value = "http://" + value
    if value.count(":") < 2:
        value += ":11434"
    return value
