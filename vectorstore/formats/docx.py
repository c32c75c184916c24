"""Word (.docx): paragraphs and headings in document order, tables as text, core properties.

python-docx reads the file (the only maintained pure-Python DOCX reader; markitdown and docling
call it or something heavier). A .docx is a zip: before parsing, the sizes its members declare
are checked against a limit, so a zip bomb is refused without inflating it (Python's zipfile
never inflates a member past its declared size), and the extracted
text obeys the same character limit as every format. Table rows become lines with their cells
joined by " | "; paragraphs are separated by a blank line, as in the plain-text articles.
"""

from __future__ import annotations

import io
import zipfile

from ..errors import LoadError
from . import Extracted, check_size, clean_author, iso_date

UNZIPPED_FACTOR = 5  # a .docx may expand to this many times the file-size limit, no more...
HEADING_WITHIN = 3  # a heading among the first blocks is the title (each lookup costs ~7 ms)
UNZIPPED_MIN = 32 * 2**20  # ...or to this, whichever is larger (an empty Word file unzips to ~1 MB)


def read_docx(data: bytes, name: str, max_chars: int, max_bytes: int) -> Extracted:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise LoadError(name, "corrupt or truncated Word file (not a valid .docx zip)") from None
    expanded = sum(m.file_size for m in members)
    limit = max(UNZIPPED_FACTOR * max_bytes, UNZIPPED_MIN)
    if expanded > limit:
        raise LoadError(
            name,
            f"Word file expands to {expanded / 2**20:.0f} MB when unzipped (limit {limit / 2**20:.0f} MB): "
            "refused as a possible zip bomb",
        )
    if "word/document.xml" not in {m.filename for m in members}:
        raise LoadError(name, "not a Word document (no word/document.xml inside)")

    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[str] = []
        heading = ""
        for item in document.iter_inner_content():
            if isinstance(item, Paragraph):
                text = " ".join(item.text.split())
                if text and not heading and len(blocks) < HEADING_WITHIN:  # style lookups are slow: near the top only
                    style = (item.style.name if item.style is not None else "") or ""
                    if style.startswith("Heading") or style == "Title":
                        heading = text
                if text:
                    blocks.append(text)
            elif isinstance(item, Table):
                rows = []
                for row in item.rows:
                    cells = list(dict.fromkeys(" ".join(c.text.split()) for c in row.cells))  # merged cells repeat
                    if any(cells):
                        rows.append(" | ".join(cells))
                if rows:
                    blocks.append("\n".join(rows))
        props = document.core_properties
    except LoadError:
        raise
    except Exception:  # python-docx raises KeyError, lxml errors, ValueError... on a damaged part
        raise LoadError(name, "corrupt Word file (its document part cannot be read)") from None
    text = "\n\n".join(blocks)
    return Extracted(
        text=check_size(text + "\n" if text else "", name, max_chars),
        title=" ".join((props.title or "").split()) or heading,
        author=clean_author(props.author),
        created=iso_date(props.created),
    )
