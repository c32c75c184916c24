"""Language-model backends, as the rest of ``qa`` imports them, and follow-up rewriting.

The backends live in ``qa.backends`` (the bundled file, the cyllama engines, ``LocalLLM``, HTTP
backends, the model server); this module re-exports the names used elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, MessageRole

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
    "REWRITE_SYSTEM_PROMPT",
    "bundled_model_path",
    "gguf_llm",
    "join_model_parts",
    "local_llm",
    "ollama_llm",
    "openai_compatible_llm",
    "part_paths_from_packages",
    "release_local_models",
    "rewrite_followup",
    "rewrite_messages",
]


# --------------------------------------------------------------------------------------------------
# Follow-up rewriting
# --------------------------------------------------------------------------------------------------

REWRITE_SYSTEM_PROMPT = (
    "You turn a follow-up question from a conversation into a standalone question. Do not answer the "
    "question. Keep its meaning and wording, but replace pronouns and vague references (that, it, he, she, "
    "they, there, the talks) with the specific names and facts from the conversation. If the follow-up is "
    "already self-contained, return it unchanged. Reply with the question only."
)


def rewrite_messages(history: Sequence[tuple[str, str]], question: str) -> list[ChatMessage]:
    """Chat messages asking a model to rewrite ``question`` given ``history`` of (role, text) turns."""
    convo = "\n".join(f"{'User' if role == 'user' else 'Assistant'}: {text}" for role, text in history)
    return [
        ChatMessage(role=MessageRole.SYSTEM, content=REWRITE_SYSTEM_PROMPT),
        ChatMessage(
            role=MessageRole.USER,
            content=f"Conversation:\n{convo}\n\nFollow-up question: {question}\n\n"
            "Rewrite the follow-up question as a standalone question.",
        ),
    ]


def rewrite_followup(llm: Any, history: Sequence[tuple[str, str]], question: str, max_tokens: int = 48) -> str:
    """Rewrite a follow-up ``question`` into a standalone one using ``history`` [(role, text), ...].

    Works with any llama-index LLM. Falls back to ``question`` unchanged when there is no history or
    the model's output does not look like a single question (empty, no "?", far too long, citations).
    """
    if not history:
        return question
    kwargs: dict[str, Any] = {"max_tokens": max_tokens, "stop": ["\n"]} if isinstance(llm, LocalLLM) else {}
    text = (llm.chat(rewrite_messages(history, question), **kwargs).message.content or "").strip()
    text = text.splitlines()[0].strip().strip('"').strip() if text else ""
    if not text.endswith("?") or len(text) > 4 * len(question) + 200 or "[" in text:
        return question
    return text

