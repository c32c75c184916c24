"""Sentence-aware chunking with exact character offsets.

Sentences come from NLTK's Punkt model (the copy llama-index ships, so nothing is
downloaded), applied line by line: in these articles a line break always ends a unit (a
byline, a heading, a paragraph), and Punkt alone would glue "Ana Vel" to the next
paragraph. Two of Punkt's false breaks are undone (`_rejoin`): inside a bracket that the next
sentence closes, and after a title it does not know ("Mt.", "Gen."). Punkt's `span_tokenize`
gives offsets into the text, so every sentence, and every chunk built from whole sentences,
satisfies `text[start:end] == chunk.text` by construction.

Why not llama-index's `SentenceSplitter`: it measures chunks in tokens and re-joins split
pieces, so its `start_char_idx`/`end_char_idx` are not guaranteed to be exact and chunks can
start mid-sentence when a sentence is longer than the chunk; citations need exact spans.

A single "sentence" longer than `max_chars` (a list without full stops, a table) is the one
case where a chunk boundary falls inside a sentence: it is cut at whitespace into pieces of
at most `max_chars`, so the embedder, which reads only 256 word pieces, still sees all of it.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from functools import cache

from .config import ChunkingConfig
from .types import Chunk, Document, content_hash

Span = tuple[int, int]


@cache
def _punkt():
    # `import nltk` runs nltk's __init__, which imports scipy.stats and scikit-learn for features Punkt never
    # uses (seconds of a cold `sourced ask`). A None entry in sys.modules makes those imports fail fast,
    # which nltk tolerates; the entries are removed at once, so anyone may import them later.
    blocked = [name for name in ("scipy.stats", "sklearn") if name not in sys.modules]
    sys.modules.update(dict.fromkeys(blocked))
    try:
        import nltk
        from nltk.tokenize.punkt import PunktTokenizer
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]

    spec = importlib.util.find_spec("llama_index.core")
    if spec and spec.submodule_search_locations:
        cache_dir = os.path.join(list(spec.submodule_search_locations)[0], "_static", "nltk_cache")
        if cache_dir not in nltk.data.path:
            nltk.data.path.append(cache_dir)
    return PunktTokenizer("english")


_LINE = re.compile(r"[^\n]+")
BLOCK = 10_000  # Punkt's regexes slow down badly on very long lines; feed it blocks of this size


SPLITTER = 2  # bump when sentence boundaries change: a document's chunks are then rebuilt on its next ingest
# Titles Punkt's English model does not know as abbreviations ("met Gen. Ana Vel at Mt. Velm"): a
# sentence never ends on one when a capitalised word follows ("Jr." and "Sr." often do end one).
_TITLE_END = re.compile(r"\b(?:Mt|Ft|Gen|Col|Lt|Capt|Sgt|Gov|Sen|Rep|Prof|Rev|Fr|Mme|Mlle|Messrs)\.$")


def split_sentences(text: str, max_chars: int = 800) -> list[Span]:
    """(start, end) of every sentence in `text`, in order, trimmed of surrounding whitespace."""
    tokenizer = _punkt()
    spans: list[Span] = []
    for line in _LINE.finditer(text):
        for base, end in _blocks(text, line.start(), line.end()):
            found = [_trim(text, base + a, base + b) for a, b in tokenizer.span_tokenize(text[base:end])]
            for s, e in _rejoin(text, found):
                if e > s:
                    spans.extend(_cut_long(text, s, e, max_chars))
    return spans


def _rejoin(text: str, spans: list[Span]) -> list[Span]:
    """Punkt's sentences with two kinds of false break undone: inside brackets ("born on 10 July [O.S.
    28 June] 1856": a sentence that opens a bracket the next one closes continues into it), and
    after a title (`_TITLE_END`) followed by a capitalised word."""
    out: list[Span] = []
    for s, e in spans:
        if out:
            ps, pe = out[-1]
            prev, this = text[ps:pe], text[s:e]
            unclosed = any(prev.count(a) > prev.count(b) and this.count(b) > this.count(a) for a, b in ("()", "[]"))
            if unclosed or (_TITLE_END.search(prev) and text[s : s + 1].isupper()):
                out[-1] = (ps, e)
                continue
        out.append((s, e))
    return out


def _blocks(text: str, start: int, end: int) -> list[Span]:
    """Cut a very long line into blocks, preferably after a full stop and a space."""
    blocks: list[Span] = []
    while end - start > BLOCK:
        cut = text.rfind(". ", start, start + BLOCK)
        cut = cut + 2 if cut > start else (text.rfind(" ", start, start + BLOCK) + 1 or start + BLOCK)
        if cut <= start:
            cut = start + BLOCK
        blocks.append((start, cut))
        start = cut
    blocks.append((start, end))
    return blocks


def _trim(text: str, s: int, e: int) -> Span:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _cut_long(text: str, s: int, e: int, max_chars: int) -> list[Span]:
    """Split an over-long sentence at whitespace into pieces of at most max_chars."""
    pieces: list[Span] = []
    while e - s > max_chars:
        cut = text.rfind(" ", s + 1, s + max_chars)
        if cut <= s:
            cut = s + max_chars
        a, b = _trim(text, s, cut)
        if b > a:
            pieces.append((a, b))
        s, _ = _trim(text, cut, e)
    if e > s:
        pieces.append((s, e))
    return pieces


def group_sentences(sentences: list[Span], config: ChunkingConfig) -> list[Span]:
    """Greedy runs of up to `config.sentences` sentences within `max_chars`, overlapping."""
    chunks: list[Span] = []
    i = 0
    while i < len(sentences):
        j = i + 1  # sentences[i:j] is the chunk; always at least one sentence
        while j < len(sentences) and j - i < config.sentences and sentences[j][1] - sentences[i][0] <= config.max_chars:
            j += 1
        chunks.append((sentences[i][0], sentences[j - 1][1]))
        if j >= len(sentences):
            break
        i = max(j - config.overlap, i + 1)
    return chunks


def document_version(doc_hash: str, config: ChunkingConfig, embedder: str) -> str:
    """16 hex digits naming this content as processed with these settings."""
    key = f"{doc_hash}|{config.sentences}|{config.overlap}|{config.max_chars}|{embedder}|{SPLITTER}"
    return content_hash(key)[:16]


def chunk_document(document: Document, config: ChunkingConfig | None = None, embedder: str = "") -> list[Chunk]:
    """Cut a document into chunks of whole sentences with exact offsets."""
    config = config or ChunkingConfig()
    text = document.text
    doc_hash = document.content_hash
    version = document_version(doc_hash, config, embedder)
    spans = group_sentences(split_sentences(text, config.max_chars), config)
    return [
        Chunk(
            source=document.source,
            position=n,
            start=s,
            end=e,
            text=text[s:e],
            doc_hash=doc_hash,
            version=version,
            title=document.title,
            published=document.published,
        )
        for n, (s, e) in enumerate(spans)
    ]
