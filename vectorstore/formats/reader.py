"""sourced's loader as a llama-index reader, for code built on `SimpleDirectoryReader`.

    SimpleDirectoryReader(folder, file_extractor={".pdf": SourcedReader(), ".docx": SourcedReader()})

yields one llama-index `Document` per file whose text is exactly what sourced stores (so offsets
agree), with title, author, published, format and page starts in its metadata. A file that
cannot be read raises `LoadError`, as `load_document` does.
"""

from __future__ import annotations

from pathlib import Path

from llama_index.core.readers.base import BaseReader
from llama_index.core.schema import Document as LlamaDocument


class SourcedReader(BaseReader):
    def __init__(self, max_bytes: int = 20 * 2**20) -> None:
        self.max_bytes = max_bytes

    def load_data(self, file: Path | str, extra_info: dict | None = None, **_: object) -> list[LlamaDocument]:
        from ..documents import load_document

        doc = load_document(file, self.max_bytes)
        meta = {
            "source": doc.source,
            "title": doc.title,
            "author": doc.author or "",
            "published": doc.published or "",
            "format": doc.format,
            "page_starts": ",".join(str(p) for p in doc.pages),
        }
        return [LlamaDocument(text=doc.text, metadata=meta | (extra_info or {}))]
