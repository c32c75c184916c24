"""Making a follow-up question standalone, so retrieval sees what it is about.

"Which agency reported that?" after "At which station did the train enter Russia?" means
nothing to a retriever on its own. With a language model configured, the model rewrites it
(`LLM_PROMPT`); otherwise this rule-based rewrite applies: a question that leans on the
conversation (a pronoun or demonstrative such as "he", "it", "that", "there"; an opening
"and"/"what about"; or too few words of its own) gets the previous question and the gist of
the previous answer appended as context. That is enough for BM25 and MiniLM to find the same
passages again, and it is shown to the user as the standalone question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .text import content_terms

_ANAPHORA = re.compile(
    r"\b(he|him|his|she|her|hers|it|its|they|them|their|theirs|that|this|those|these|there|then|such|"
    r"the same|the former|the latter)\b",
    re.I,
)
_OPENING = re.compile(r"^\s*(and|but|so|also|what about|how about|why|and why|which one)\b", re.I)
_CITATIONS = re.compile(r"\s*\[\d+(?:\s*[,;]\s*\d+)*\]")

LLM_PROMPT = (
    "Rewrite the last question so it can be understood without the conversation. Keep its meaning, "
    "replace pronouns with what they refer to, and reply with the question only.\n\n{conversation}\n"
    "Last question: {question}\nStandalone question:"
)


def needs_context(question: str) -> bool:
    return bool(_ANAPHORA.search(question) or _OPENING.search(question) or len(content_terms(question)) < 2)


def _last(history: Sequence[dict], role: str) -> str:
    for turn in reversed(history):
        if turn.get("role") == role and str(turn.get("content") or "").strip():
            return str(turn["content"])
    return ""


def gist(answer: str, max_words: int = 25) -> str:
    """The first sentence of an answer, without citation markers or a sources block."""
    text = _CITATIONS.sub("", answer.split("\n\n")[0]).strip()
    first = re.split(r"(?<=[.!?])\s+", text)[0]
    words = first.split()
    return " ".join(words[:max_words]) + ("…" if len(words) > max_words else "")


def rule_rewrite(question: str, history: Sequence[dict] | None) -> str:
    """The question made standalone by appending context from the last turn, if it needs it."""
    if not history or not needs_context(question):
        return question
    previous = _last(history, "user").strip()
    answer = gist(_last(history, "assistant"))
    if not previous and not answer:
        return question
    context = " — ".join(x for x in (previous, answer) if x)
    return f"{question.strip()} (following up on: {context})"


def conversation_text(history: Sequence[dict], turns: int = 4) -> str:
    lines = []
    for turn in list(history)[-turns:]:
        role = "User" if turn.get("role") == "user" else "Assistant"
        lines.append(
            f"{role}: {gist(str(turn.get('content') or ''), 40) if role == 'Assistant' else turn.get('content')}"
        )
    return "\n".join(lines)
