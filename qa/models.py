"""Language-model backends, as the rest of ``qa`` imports them.

The backends live in ``qa.backends`` (the bundled file, the cyllama engines, ``LocalLLM``, HTTP
backends, the model server); this module re-exports the names used elsewhere.
"""

from __future__ import annotations

from .backends import INSTALL_HINT, ModelUnavailable
from .backends.bundled import (
    BUNDLED_MODEL_FILENAME,
    BUNDLED_MODEL_PARTS,
    BUNDLED_MODEL_SHA256_PREFIX,
    BUNDLED_PART_MODULE,
    ProgressCallback,
    bundled_model_path,
    join_model_parts,
    part_paths_from_packages,
)
from .backends.engine import DEFAULT_MAX_TOKENS, DEFAULT_N_CTX, DEFAULT_THREADS
from .backends.local import LocalLLM, gguf_llm, local_llm, release_local_models
from .backends.remote import ollama_llm, openai_compatible_llm

__all__ = [
    "BUNDLED_MODEL_FILENAME",
    "BUNDLED_MODEL_PARTS",
    "BUNDLED_MODEL_SHA256_PREFIX",
    "BUNDLED_PART_MODULE",
    "DEFAULT_MAX_TOKENS",
    "DEFAULT_N_CTX",
    "DEFAULT_THREADS",
    "INSTALL_HINT",
    "LocalLLM",
    "ModelUnavailable",
    "ProgressCallback",
    "bundled_model_path",
    "gguf_llm",
    "join_model_parts",
    "local_llm",
    "ollama_llm",
    "openai_compatible_llm",
    "part_paths_from_packages",
    "release_local_models",
]
