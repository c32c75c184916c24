"""Chunking: whole sentences, exact offsets, bounded size, overlap; fuzzed with hypothesis."""

from __future__ import annotations

from conftest import SEED_FILES
from hypothesis import given, settings
from hypothesis import strategies as st

from vectorstore.chunking import chunk_document, group_sentences, split_sentences
from vectorstore.config import ChunkingConfig
from vectorstore.documents import load_document
from vectorstore.types import Document


def _doc(text: str) -> Document:
    return Document(source="t.txt", path="/t.txt", text=text, title="t", published=None, format="txt")


def test_seed_offsets_exact_and_sentence_aligned():
    for f in SEED_FILES:
        original = f.read_text(encoding="utf-8")
        doc = load_document(f)
        sentences = split_sentences(doc.text)
        starts = {s for s, _ in sentences}
        ends = {e for _, e in sentences}
        chunks = chunk_document(doc)
        assert chunks, f
        for c in chunks:
            assert c.text == original[c.start : c.end]
            assert c.start in starts and c.end in ends, "chunk boundary inside a sentence"
            assert len(c.text) <= ChunkingConfig().max_chars
        # together the chunks cover every sentence
        covered = [(s, e) for s, e in sentences if any(c.start <= s and e <= c.end for c in chunks)]
        assert covered == sentences


def test_lines_end_sentences():
    text = "Matthew Miller\nMiller described Putin as desperate. He said more.\n"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["Matthew Miller", "Miller described Putin as desperate.", "He said more."]


def test_abbreviations_do_not_split():
    text = "U.S. officials said Mr. Kim arrived. Prof. Easley disagreed."
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "U.S. officials said Mr. Kim arrived.",
        "Prof. Easley disagreed.",
    ]


def test_brackets_and_titles_do_not_split():
    text = "Vel was born on 10 July [O.S. 28 June] 1856 at Mt. Orla under Gen. Brin. It rained (see p. 4). Next."
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "Vel was born on 10 July [O.S. 28 June] 1856 at Mt. Orla under Gen. Brin.",
        "It rained (see p. 4).",
        "Next.",
    ]
    # a bracket that no later sentence closes joins nothing
    text = "It rose (see below. It fell. Then more."
    assert [text[s:e] for s, e in split_sentences(text)] == ["It rose (see below.", "It fell.", "Then more."]


def test_group_size_and_overlap():
    spans = [(i * 10, i * 10 + 9) for i in range(10)]
    chunks = group_sentences(spans, ChunkingConfig(sentences=4, overlap=1, max_chars=1000))
    assert chunks[0] == (0, 39)
    assert chunks[1][0] == 30  # one sentence shared
    assert chunks[-1][1] == 99


def test_long_sentence_is_cut_at_whitespace():
    text = ("word " * 400).strip() + "."
    chunks = chunk_document(_doc(text), ChunkingConfig(max_chars=300))
    assert len(chunks) > 1
    assert all(len(c.text) <= 300 and c.text == text[c.start : c.end] for c in chunks)
    assert all(not c.text.startswith(" ") and not c.text.endswith(" ") for c in chunks)


def test_ids_are_content_derived():
    a = chunk_document(_doc("One. Two. Three. Four. Five. Six."))
    b = chunk_document(_doc("One. Two. Three. Four. Five. Six."))
    c = chunk_document(_doc("One. Two. Three. Four. Five. Seven."))
    assert [x.id for x in a] == [x.id for x in b]
    assert a[0].id != c[0].id  # the document version changed
    assert len({x.id for x in a}) == len(a)


_pieces = st.sampled_from(list("abc XYZ.,!?;:\n\t'\"“”’-0123é…\u00a0\r") + ["Mr. ", "U.S. ", "Kim. ", "\n\n"])
_texts = st.lists(_pieces, max_size=300).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=_texts, sentences=st.integers(1, 6), overlap=st.integers(0, 5), max_chars=st.integers(50, 400))
def test_fuzz_offsets_always_exact(text: str, sentences: int, overlap: int, max_chars: int):
    overlap = min(overlap, sentences - 1)
    config = ChunkingConfig(sentences=sentences, overlap=overlap, max_chars=max_chars)
    chunks = chunk_document(_doc(text), config)
    for c in chunks:
        assert 0 <= c.start < c.end <= len(text)
        assert c.text == text[c.start : c.end]
        assert c.text == c.text.strip()
        assert len(c.text) <= max_chars
    assert [c.position for c in chunks] == list(range(len(chunks)))
    if text.strip():
        assert chunks
