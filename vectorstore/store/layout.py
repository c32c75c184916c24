"""What a corpus looks like inside Chroma: collection names, the schema mark, the metadata codec.

Kept apart from the code that talks to Chroma so that the on-disk format is readable in one
place: change anything here and `SCHEMA` must change with it, because stores written by an
older version are refused by that number (`check_compatible`), never silently misread.

A corpus is two collections (cosine space):

* `<name>` holds the chunks: id `version-position-chunkhash`, embedding, text, and metadata in
  llama-index's node format (written with `node_to_metadata_dict`), so `ChromaVectorStore` and
  `VectorStoreIndex` read it as their own; plus flat keys `source`, `start`, `end`, `position`,
  `chunk_hash`...
* `<name>__docs` holds one record per document: its full text (what citations are checked
  against), title, date, path, hash and `version`. Its embedding is the mean of its chunks'.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from ..config import StoreConfig
from ..errors import StoreError, StoreIncompatible
from ..int8_model import new_collection_embedder
from ..types import Chunk, DocumentRecord

SCHEMA = 1
DOCS_SUFFIX = "__docs"


def check_collection_name(name: str) -> None:
    """Chroma's own naming rule, checked up front so the user gets a hint instead of its error."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{1,56}[A-Za-z0-9]", name) or ".." in name:
        raise StoreError(
            f"Invalid collection name '{name}'.",
            "Use 3-58 letters, digits, '.', '_' or '-', starting and ending with a letter or digit.",
        )


def create_collections(client, config: StoreConfig) -> tuple:
    """The record collection, then the chunk collection (a reader that finds the chunks finds the records)."""
    embedder = config.embedder or new_collection_embedder(config.model_cache)  # int8 unless it can't be built
    meta = {"sourced_schema": SCHEMA, "embedder": embedder, "created": now()}
    docs = client.get_or_create_collection(
        config.collection + DOCS_SUFFIX,
        metadata=meta,
        configuration={"hnsw": {"space": "cosine"}},
        embedding_function=None,
    )
    chunks = client.get_or_create_collection(
        config.collection, metadata=meta, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
    )
    return docs, chunks


def check_compatible(config: StoreConfig, docs_metadata: dict | None) -> None:
    """Refuse a store of another format, or embedded with another model than the one asked for."""
    meta = docs_metadata or {}
    schema = meta.get("sourced_schema")
    if schema != SCHEMA:
        raise StoreIncompatible(
            f"The store at {config.location} has format {schema}; this version reads format {SCHEMA}.",
            "Re-ingest into a new --store (your article files are not touched).",
        )
    if config.embedder and meta.get("embedder") != config.embedder:
        raise StoreIncompatible(
            f"The collection '{config.collection}' was embedded with '{meta.get('embedder')}', "
            f"not '{config.embedder}'.",
            "Use the same embedder (--embedder / SOURCED_EMBEDDER) or ingest into a new --collection.",
        )


def chunk_version(chunk_id: str) -> str:
    """The document version a chunk id starts with (what commits vouch for)."""
    return chunk_id.split("-", 1)[0]


# -- metadata <-> types ------------------------------------------------------------------


def chunk_metadata(chunk: Chunk) -> dict:
    """Flat Chroma metadata for a chunk, in llama-index's node format plus our own keys."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
    from llama_index.core.vector_stores.utils import node_to_metadata_dict

    meta = {
        "source": chunk.source,
        "title": chunk.title,
        "published": chunk.published or "",
        "start": chunk.start,
        "end": chunk.end,
        "position": chunk.position,
        "doc_hash": chunk.doc_hash,
        "version": chunk.version,
        "chunk_hash": chunk.chunk_hash,
    }
    node = TextNode(
        id_=chunk.id,
        text=chunk.text,
        metadata=meta,
        start_char_idx=chunk.start,
        end_char_idx=chunk.end,
        excluded_embed_metadata_keys=list(meta),
        excluded_llm_metadata_keys=list(meta),
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=chunk.source)},
    )
    return node_to_metadata_dict(node, remove_text=True, flat_metadata=True)


def chunk_from_metadata(text: str, meta: dict) -> Chunk:
    return Chunk(
        source=meta["source"],
        position=int(meta["position"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=text,
        doc_hash=meta["doc_hash"],
        version=meta["version"],
        title=meta.get("title", ""),
        published=meta.get("published") or None,
    )


def record_metadata(r: DocumentRecord) -> dict:
    # Chroma metadata holds scalars only: page start offsets travel as "0,1834,3920".
    meta = {k: v for k, v in r.to_dict().items() if v is not None and k != "page_starts"}
    meta["pages"] = ",".join(str(p) for p in r.pages)
    return meta


def record_from_metadata(meta: dict) -> DocumentRecord:
    return DocumentRecord(
        source=meta["source"],
        title=meta.get("title", ""),
        published=meta.get("published") or None,
        path=meta.get("path", ""),
        doc_hash=meta["doc_hash"],
        version=meta["version"],
        chunks=int(meta.get("chunks", 0)),
        chars=int(meta.get("chars", 0)),
        format=meta.get("format", ""),
        ingested_at=meta.get("ingested_at", ""),
        author=meta.get("author") or None,
        pages=tuple(int(p) for p in str(meta.get("pages") or "").split(",") if p),
    )


def mean_vector(vectors: Sequence[Sequence[float]]) -> list[float]:
    """The record's embedding: the normalised mean of its chunks' (a unit vector for an empty document)."""
    if not vectors:
        return [1.0] + [0.0] * 383
    n = len(vectors[0])
    mean = [sum(v[i] for v in vectors) / len(vectors) for i in range(n)]
    norm = sum(x * x for x in mean) ** 0.5 or 1.0
    return [x / norm for x in mean]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
