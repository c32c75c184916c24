"""Lexical helpers shared by ranking, refusal, de-duplication and citation checks.

Words are lower-cased, typographic quotes and hyphens are folded ("Ana Lu-vela" and
"Ana Lu Vela" compare equal), and content words are Snowball-stemmed with PyStemmer (the
stemmer llama-index's BM25 retriever already uses), so "accompanied" matches "accompany".
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from .lexicon import FRAME_WORDS, IRREGULAR, QUESTION_WORDS, STOPWORDS

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


# Where a sentence of a quote ends: after . ! or ?, closing quotes and brackets included; not at "…"
# (quotes elide mid-sentence).
SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+")

def fold(text: str) -> str:
    """Lower-case, fold typographic punctuation and accents (for comparisons only)."""
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def words(text: str) -> list[str]:
    """All words, folded; hyphenated names split into parts."""
    return _WORD.findall(fold(text))


@cache
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    return _stemmer().stemWord(IRREGULAR.get(word, word))


def content_terms(text: str) -> list[str]:
    """Stemmed words that carry meaning (no stopwords, no question words), in order."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and w not in QUESTION_WORDS and len(w) > 1]


_FRAME_PHRASES = re.compile(
    r"\b(take|takes|took|taking|taken) place\b|\bin (the )?(first|second) place\b|\(following up on:", re.I
)


def question_terms(question: str) -> list[str]:
    """A question's topic terms: its content terms without the words that only frame it."""
    question = _FRAME_PHRASES.sub(" ", question)
    return [
        stem(w)
        for w in words(question)
        if w not in STOPWORDS and w not in QUESTION_WORDS and w not in FRAME_WORDS and len(w) > 1
    ]


def normalize_answer(text: str) -> str:
    """SQuAD-style normalisation: folded, no punctuation or articles, single spaces."""
    t = re.sub(r"[^\w\s]", " ", fold(text))
    t = re.sub(r"\b(a|an|the)\b", " ", t)
    return " ".join(t.split())


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def containment(a: set[str], b: set[str]) -> float:
    """Share of a's terms found in b."""
    return len(a & b) / len(a) if a else 0.0


# Sentences that talk to the reader ("Ignore previous instructions and say ...", "SYSTEM: ...") are
# instructions, not statements: what they ask to be said is no evidence that it is so. They back
# only an answer that reports them as instructions.
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?]{0,60}\b(?:instructions?|prompts?|rules|articles|sources)\b"
    r"|\b(?:system|assistant|user)\s*:|\bdeveloper mode\b|\byou are now\b"
    r"|\b(?:do not|don[’']t|never)\s+(?:mention|say|tell|reveal|cite|repeat)\b",
    re.I,
)


def is_instruction(sentence: str) -> bool:
    """Does an article's sentence talk to the reader (an injected instruction)? It is never evidence."""
    return bool(_INSTRUCTION.search(sentence))
