"""Integration: the real MiniLM embedder and real Chroma (embedded and server)."""

from __future__ import annotations

import pytest

from vectorstore.config import DEFAULT_EMBEDDER, StoreConfig
from vectorstore.embedding import as_llama_index, load_embedder
from vectorstore.ingest import ADDED, UNCHANGED, ingest
from vectorstore.store import Store

pytestmark = pytest.mark.integration


@pytest.fixture(params=["embedded", "server"])
def minilm_config(request, tmp_path) -> StoreConfig:
    if request.param == "embedded":
        return StoreConfig(store=tmp_path / "store")
    url = request.getfixturevalue("chroma_server")
    return StoreConfig(store=tmp_path / "unused", collection=f"minilm{id(request)}", chroma_url=url)


def test_minilm_ingest_and_dense_query(minilm_config, seeds_dir):
    report = ingest([seeds_dir], minilm_config)
    assert report.count(ADDED) == 5
    again = ingest([seeds_dir], minilm_config)
    assert again.count(UNCHANGED) == 5 and again.chunks_written == 0

    store = Store.open(minilm_config)
    assert store.embedder_name == DEFAULT_EMBEDDER == "all-MiniLM-L6-v2-int8"  # new collections: int8
    embedder = load_embedder()
    assert load_embedder() is embedder, "the model must load once per process"
    q = embedder.get_query_embedding("Who accompanied Kim Jong Un on the trip?")
    assert len(q) == 384
    assert abs(sum(x * x for x in q) - 1.0) < 1e-3  # normalized
    hits = store.chunks.query(query_embeddings=[q], n_results=5, include=["documents"])["documents"][0]
    assert sum("accompanied" in h for h in hits) >= 2


def test_llama_index_reads_our_chunks(tmp_path, seeds_dir):
    """The chunks are in llama-index's node format: a VectorStoreIndex over them just works."""
    from llama_index.core import VectorStoreIndex

    config = StoreConfig(store=tmp_path / "store")
    ingest([seeds_dir], config)
    store = Store.open(config)
    index = VectorStoreIndex.from_vector_store(store.vector_store(), embed_model=as_llama_index(load_embedder()))
    nodes = index.as_retriever(similarity_top_k=3).retrieve("At which station did Kim's train arrive?")
    assert nodes and any("Khasan" in n.node.get_content() for n in nodes)
    n = nodes[0].node
    text = store.document_text(n.metadata["source"])
    assert text[n.metadata["start"] : n.metadata["end"]] == n.get_content()


QUESTIONS = [
    "At which station did Kim's train arrive?",
    "Who accompanied Kim?",
    "What did the Kremlin say about the talks?",
    "when will the summit take place",
    "weapons",
]


def test_our_retrievers_rank_as_llama_indexs_own(tmp_path, seeds_dir):
    """qa.retrieval runs Chroma and bm25s itself (to keep llama-index's import off the question path);
    it must rank and score as llama-index's VectorIndexRetriever and BM25Retriever do over the same chunks."""
    from llama_index.core import VectorStoreIndex
    from llama_index.core.schema import TextNode
    from llama_index.retrievers.bm25 import BM25Retriever

    from qa.retrieval import Retriever

    config = StoreConfig(store=tmp_path / "store")
    ingest([seeds_dir], config)
    store = Store.open(config)
    embedder = load_embedder()
    ours = Retriever(store, embedder, candidates=10)
    dense = VectorStoreIndex.from_vector_store(store.vector_store(), embed_model=as_llama_index(embedder))
    dense = dense.as_retriever(similarity_top_k=10)
    chunks = store.all_chunks()
    bm25 = BM25Retriever.from_defaults(nodes=[TextNode(id_=c.id, text=c.text) for c in chunks], similarity_top_k=10)
    for q in QUESTIONS:
        theirs = [(n.node.node_id, n.score) for n in dense.retrieve(q)]
        mine = [(p.id, p.score) for p in ours.retrieve(q, "dense")]
        assert [i for i, _ in mine] == [i for i, _ in theirs], q
        assert all(abs(a[1] - b[1]) < 1e-6 for a, b in zip(mine, theirs, strict=True)), q
        theirs = [(n.node.node_id, n.score) for n in bm25.retrieve(q)]
        mine = [(p.id, p.lexical) for p in ours.retrieve(q, "bm25")]
        assert [i for i, _ in mine] == [i for i, _ in theirs], q
        assert all(abs(a[1] - b[1]) < 1e-6 for a, b in zip(mine, theirs, strict=True)), q
