"""Making a follow-up question standalone, so retrieval sees what it is about.

"Which agency reported that?" after "At which port did the ferry dock?" means nothing to a
retriever on its own. A question that leans on the conversation (a pronoun or demonstrative
such as "he", "it", "that", "there"; an opening "and"/"what about"; or too few words of its
own) gets the question and the gist of the answer of an earlier exchange appended as context.
That is enough for BM25 and MiniLM to find the same passages again, and it is shown to the user
as the standalone question.

Which exchange? A follow-up usually leans on the last one, but not always ("And when did he
die?" after a side question). `candidates` offers one rewrite per recent exchange, most recent
first, plus a model's rewrite when a language model is configured; the assistant keeps the one
whose best evidence sentence the scorer rates highest, so the conversation is read against the
turn the articles can actually answer from.

With a language model, `model_rewrite` asks it for the standalone question (`rewrite_messages`);
the model-backed writer offers that reading beside the rule-based ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .text import content_terms

_ANAPHORA = re.compile(
    r"\b(he|him|his|she|her|hers|it|its|they|them|their|theirs|that|this|those|these|there|then|such|"
    r"the same|the former|the latter|you|your)\b",  # "the first one you mentioned" leans on the conversation
    re.I,
)
_OPENING = re.compile(r"^\s*(and|but|so|also|what about|how about|why|and why|which one)\b", re.I)
_CITATIONS = re.compile(r"\s*\[\d+(?:\s*[,;]\s*\d+)*\]")

def needs_context(question: str) -> bool:
    return bool(_ANAPHORA.search(question) or _OPENING.search(question) or len(content_terms(question)) < 2)


def exchanges(history: Sequence[dict]) -> list[tuple[str, str]]:
    """(user question, assistant answer) pairs of a conversation, most recent first."""
    out: list[tuple[str, str]] = []
    question, answer = "", ""
    for turn in reversed(list(history)):
        content = str(turn.get("content") or "").strip()
        if turn.get("role") == "assistant" and not answer and not question:
            answer = content
        elif turn.get("role") == "user" and content:
            out.append((content, answer))
            question, answer = "", ""
    return out


def gist(answer: str, max_words: int = 25) -> str:
    """The first sentence of an answer, without citation markers or a sources block."""
    from vectorstore.chunking import split_sentences  # Punkt: "St. Ana's Church" is not two sentences

    text = _CITATIONS.sub("", answer.split("\n\n")[0]).strip()
    spans = split_sentences(text, max_chars=100_000)
    first = text[spans[0][0] : spans[0][1]] if spans else text
    words = first.split()
    return " ".join(words[:max_words]) + ("…" if len(words) > max_words else "")


def with_context(question: str, previous: str, answer: str) -> str:
    context = " — ".join(x for x in (previous.strip(), gist(answer)) if x)
    return f"{question.strip()} (following up on: {context})" if context else question


def candidates(question: str, history: Sequence[dict] | None, depth: int = 2) -> list[str]:
    """Standalone readings of a follow-up, one per recent exchange (most recent first); just the
    question when it does not lean on the conversation."""
    if not history or not needs_context(question):
        return [question]
    out = [with_context(question, q, a) for q, a in exchanges(history)[:depth]]
    return list(dict.fromkeys(out)) or [question]


def rule_rewrite(question: str, history: Sequence[dict] | None) -> str:
    """The question read against the last exchange, if it needs context."""
    return candidates(question, history, depth=1)[0]


REWRITE_SYSTEM_PROMPT = (
    "You turn a follow-up question from a conversation into a standalone question. Do not answer the "
    "question. Keep its meaning and wording, but replace pronouns and vague references (that, it, he, she, "
    "they, there, the talks) with the specific names and facts from the conversation. If the follow-up is "
    "already self-contained, return it unchanged. Reply with the question only."
)


def rewrite_messages(history: Sequence[tuple[str, str]], question: str) -> list:
    """Chat messages asking a model to rewrite ``question`` given ``history`` of (role, text) turns."""
    # llama-index's core costs ~2.3 s to import; only a configured model pays it, not the question path
    from llama_index.core.base.llms.types import ChatMessage, MessageRole

    convo = "\n".join(f"{'User' if role == 'user' else 'Assistant'}: {text}" for role, text in history)
    return [
        ChatMessage(role=MessageRole.SYSTEM, content=REWRITE_SYSTEM_PROMPT),
        ChatMessage(
            role=MessageRole.USER,
            content=f"Conversation:\n{convo}\n\nFollow-up question: {question}\n\n"
            "Rewrite the follow-up question as a standalone question.",
        ),
    ]


def model_rewrite(llm: Any, history: Sequence[tuple[str, str]], question: str, **chat_kwargs: Any) -> str:
    """Rewrite a follow-up ``question`` into a standalone one with any llama-index LLM, given ``history``
    [(role, text), ...]; ``chat_kwargs`` go to ``llm.chat``.

    Falls back to ``question`` unchanged when there is no history or the model's output does not look
    like a single question (empty, no "?", far too long, citations).
    """
    if not history:
        return question
    text = (llm.chat(rewrite_messages(history, question), **chat_kwargs).message.content or "").strip()
    text = text.splitlines()[0].strip().strip('"').strip() if text else ""
    if not text.endswith("?") or len(text) > 4 * len(question) + 200 or "[" in text:
        return question
    return text
