"""Settings of the storage layer: where the store is and how articles become chunks.

`StoreConfig` is a plain dataclass; `qa.config.Config` nests it and is the only place that
reads flags and `SOURCED_*` environment variables, so no module here reads the environment.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from .int8_model import MINILM_INT8

DEFAULT_STORE = Path(".sourced/store")
DEFAULT_COLLECTION = "articles"
# New collections: int8 MiniLM (ONNX Runtime), as good for retrieval as fp32 and faster (docs/BENCHMARKS.md).
# A collection keeps the embedder that built it; fp32 stays available as --embedder all-MiniLM-L6-v2.
DEFAULT_EMBEDDER = MINILM_INT8
DEFAULT_MAX_FILE_MB = 20.0


@dataclass
class ChunkingConfig:
    """Chunks are runs of whole sentences.

    MiniLM reads at most 256 word pieces, so a chunk is kept well under that: 4 sentences
    or `max_chars` characters (~170 word pieces for news English), whichever comes first,
    and consecutive chunks share `overlap` sentences so an answer split across a chunk
    boundary is still whole in one chunk.
    """

    sentences: int = 4
    overlap: int = 1
    max_chars: int = 800

    def __post_init__(self) -> None:
        if self.sentences < 1:
            raise ValueError("chunk size must be at least one sentence")
        if not 0 <= self.overlap < self.sentences:
            raise ValueError("chunk overlap must be smaller than the chunk size")
        if self.max_chars < 50:
            raise ValueError("max_chars must be at least 50")


@dataclass
class StoreConfig:
    store: Path = DEFAULT_STORE
    collection: str = DEFAULT_COLLECTION
    chroma_url: str | None = None
    embedder: str | None = None  # None: the collection's own, or DEFAULT_EMBEDDER for a new one
    model_cache: Path | None = None  # where the int8 embedder is built; None: ~/.cache/sourced/models
    max_file_mb: float = DEFAULT_MAX_FILE_MB
    chunking: ChunkingConfig = field(default_factory=ChunkingConfig)

    def __post_init__(self) -> None:
        self.store = Path(self.store)

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def uploads(self) -> Path:
        """Where uploaded articles are kept: inside the store folder, so they move with it and
        `--prune` keeps them (a web framework's temporary files would be cleaned away)."""
        return self.store / "uploads"

    @property
    def location(self) -> str:
        """Where the data lives, for messages: a folder or a server URL."""
        return self.chroma_url or str(self.store)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["store"] = str(self.store)
        d["model_cache"] = str(self.model_cache) if self.model_cache else None
        return d
