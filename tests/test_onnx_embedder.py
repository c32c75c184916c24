"""The int8 MiniLM embedder: its build, its vectors against fp32, the store's record of it, the fallback."""

from __future__ import annotations

import json
import shutil
import warnings

import pytest

from vectorstore import int8_model
from vectorstore.config import DEFAULT_EMBEDDER, StoreConfig
from vectorstore.embedding import HashEmbedding
from vectorstore.errors import SourcedError, StoreIncompatible
from vectorstore.int8_model import MINILM, MINILM_INT8, RECORD_FILE
from vectorstore.store import Store

SENTENCES = [
    "The harbour ferry leaves at seven every morning and returns after dark.",
    "A committee of four engineers reviewed the bridge design in March.",
    "Rainfall in the valley doubled over the last decade, the survey found.",
    "She founded the bakery with two friends after leaving the orchestra.",
    "The museum's new wing holds maps drawn by sailors of the northern coast.",
]


# -- unit: no model needed --------------------------------------------------------------------------


def test_default_embedder_for_new_collections_is_int8():
    assert DEFAULT_EMBEDDER == MINILM_INT8


def test_store_records_its_embedder_and_keeps_it(tmp_path):
    """A collection made with fp32 is read with fp32, whatever the default for new collections."""
    cache = tmp_path / "models"
    Store.open(StoreConfig(store=tmp_path / "fp32", embedder=MINILM, model_cache=cache), create=True)
    assert Store.open(StoreConfig(store=tmp_path / "fp32", model_cache=cache)).embedder_name == MINILM
    with pytest.raises(StoreIncompatible):
        Store.open(StoreConfig(store=tmp_path / "fp32", embedder=MINILM_INT8, model_cache=cache))


def test_new_collection_without_a_choice_records_int8(tmp_path, monkeypatch):
    monkeypatch.setattr(int8_model, "missing_build_packages", lambda: [])
    config = StoreConfig(store=tmp_path / "store", model_cache=tmp_path / "models")
    assert Store.open(config, create=True).embedder_name == MINILM_INT8


def test_ingest_asks_for_the_stores_embedder_and_cache(tmp_path, seeds_dir, monkeypatch):
    """The ingest embeds with the embedder the collection records, built in the configured cache."""
    import vectorstore.ingest as vi

    cache = tmp_path / "models"
    Store.open(StoreConfig(store=tmp_path / "s", embedder=MINILM, model_cache=cache), create=True)
    asked = []

    def fake_load(name, cache_dir=None):
        asked.append((name, cache_dir))
        return HashEmbedding()

    monkeypatch.setattr(vi, "load_embedder", fake_load)
    report = vi.ingest([seeds_dir], StoreConfig(store=tmp_path / "s", model_cache=cache))
    assert report.chunks_written > 0
    assert asked == [(MINILM, cache)]


def test_fallback_to_fp32_when_int8_cannot_be_built(tmp_path, monkeypatch):
    monkeypatch.setattr(int8_model, "missing_build_packages", lambda: ["onnx"])
    cache = tmp_path / "models"
    with pytest.warns(UserWarning, match="cannot be built"):
        assert int8_model.new_collection_embedder(cache) == MINILM
    with pytest.warns(UserWarning):
        store = Store.open(StoreConfig(store=tmp_path / "store", model_cache=cache), create=True)
    assert store.embedder_name == MINILM
    with pytest.raises(SourcedError) as err:
        int8_model.ensure_int8_model(cache)
    assert "onnx" in str(err.value) and err.value.hint


def test_a_built_model_is_used_even_without_the_build_packages(tmp_path, monkeypatch):
    """Once built, int8 needs only onnxruntime and tokenizers: no fallback, no warning."""
    monkeypatch.setattr(int8_model, "missing_build_packages", lambda: ["torch"])
    folder = int8_model.model_dir(tmp_path)
    folder.mkdir(parents=True)
    (folder / RECORD_FILE).write_text("{}")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert int8_model.new_collection_embedder(tmp_path) == MINILM_INT8


# -- integration: the real model --------------------------------------------------------------------


@pytest.fixture(scope="session")
def int8_folder(tmp_path_factory):
    """One real build per test session, in a private cache (about 15-30 s on two cores)."""
    if int8_model.missing_build_packages():
        pytest.skip(f"cannot build the int8 model: {int8_model.missing_build_packages()} missing")
    return int8_model.build_int8_model(tmp_path_factory.mktemp("models"))


def _cos(a, b) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


@pytest.mark.integration
def test_int8_vectors_match_fp32(int8_folder):
    from vectorstore.embedding import load_embedder
    from vectorstore.onnx_embedder import OnnxMiniLMEmbedding

    int8 = OnnxMiniLMEmbedding(int8_folder)
    fp32 = load_embedder(MINILM)
    a = int8.get_text_embedding_batch(SENTENCES)
    b = fp32.get_text_embedding_batch(SENTENCES)
    assert all(len(v) == 384 for v in a)
    assert all(abs(_cos(v, v) - 1.0) < 1e-4 for v in a), "vectors are normalised"
    assert min(_cos(x, y) for x, y in zip(a, b, strict=True)) > 0.97
    q = int8.get_query_embedding("When does the ferry leave?")
    assert _cos(q, a[0]) > max(_cos(q, v) for v in a[1:]), "the question is nearest its own sentence"


@pytest.mark.integration
def test_int8_batch_order_and_length_cut(int8_folder):
    """Length sorting inside a batch must not reorder the output; texts past 256 word pieces are cut."""
    from vectorstore.onnx_embedder import MICRO_BATCH, OnnxMiniLMEmbedding

    emb = OnnxMiniLMEmbedding(int8_folder)
    base = [i % len(SENTENCES) for i in range(MICRO_BATCH * 2 + 3)]  # more than one micro-batch, mixed lengths
    texts = [SENTENCES[b] * (1 + i % 3) for i, b in enumerate(base)]
    batch = emb.get_text_embedding_batch(texts)
    alone = [emb.get_text_embedding(t) for t in SENTENCES]
    for b, v in zip(base, batch, strict=True):
        own = _cos(v, alone[b])
        assert own > 0.9, "a repeated sentence stays near the sentence"
        assert own > max(_cos(v, w) for k, w in enumerate(alone) if k != b), "the output order is the input order"
    # int8 activation scales are computed per call, so batch-mates move a vector a little, never far
    assert min(_cos(v, alone[b]) for b, v, t in zip(base, batch, texts, strict=True) if t in SENTENCES) > 0.98
    long_a, long_b = emb.get_text_embedding_batch(["word " * 300, "word " * 2000])
    assert _cos(long_a, long_b) > 0.999, "both are cut to the same 256 word pieces"


@pytest.mark.integration
def test_build_is_verified_and_rebuilt_when_damaged(int8_folder, tmp_path):
    cache = tmp_path / "models"
    shutil.copytree(int8_folder, int8_model.model_dir(cache))
    assert int8_model.is_built(cache)
    record = json.loads((int8_model.model_dir(cache) / RECORD_FILE).read_text())
    assert record["recipe"] == int8_model.RECIPE and set(record["files"]) == {"model.onnx", "tokenizer.json"}
    with (int8_model.model_dir(cache) / "model.onnx").open("r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00damaged\x00")
    assert not int8_model.is_built(cache)
    notes = []
    folder = int8_model.ensure_int8_model(cache, notes.append)
    assert int8_model.is_built(cache) and notes, "rebuilt, with a progress line"
    assert not [p for p in cache.glob(".all-MiniLM-L6-v2-int8.*") if p.is_dir()], "no temporary folder left"
    assert folder == int8_model.model_dir(cache)


@pytest.mark.integration
def test_a_cached_sentence_vector_does_not_depend_on_its_batch_mates(int8_folder):
    """The question path's sentence cache embeds with `embed_alone`: a sentence first embedded beside
    other questions' sentences gets the vector it gets on its own, so an answer cannot depend on the
    questions asked before it (int8 scales activations per call, so `embed` may move it a little)."""
    from qa.rerank import SentenceCache
    from qa.types import Passage
    from vectorstore.onnx_embedder import OnnxMiniLMEmbedding

    emb = OnnxMiniLMEmbedding(int8_folder)
    alone = emb.embed_alone(SENTENCES)
    assert alone == [emb.embed_alone([t])[0] for t in SENTENCES]
    passages = [Passage(f"p{i}", "a.txt", "A", None, text, 0, len(text)) for i, text in enumerate(SENTENCES)]
    together = SentenceCache(emb).get(passages)
    first = SentenceCache(emb).get(passages[-1:])
    last = passages[-1].id
    assert (together[last][1] == first[last][1]).all()
