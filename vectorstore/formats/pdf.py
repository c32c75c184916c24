"""PDF: the text layer, page by page, through pypdfium2 (PDFium, the PDF engine of Chromium).

Chosen by bench/compare_extractors.py: every reader tried (pypdf, pdfminer.six, pdfplumber,
pypdfium2) got every word of the test PDFs back in order, and PDFium was the fastest by 6x or
more (docs/FORMATS.md). PDF text comes as layout lines; they are joined back into paragraphs,
because sentence splitting works line by line: a line ends a paragraph when the gap below it
is clearly wider than the page's line pitch (its tightest spacing), or when it stops well short of the right
margin (positions from PDFium's character boxes); a hyphen at a line's end joins without a
space. Page numbers and running headers/footers repeated on most pages are dropped. Pages
are joined by a blank line, or by a space when a sentence runs on to the next page, and each
page's start offset is recorded.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from ..errors import LoadError
from . import Extracted, check_length, check_size, clean_author, iso_date

NO_TEXT = "no text layer: scanned pages need OCR, which sourced does not do"
_PAGE_NO = re.compile(r"(?i)^\W*(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\W*$")
_ENDS_SENTENCE = re.compile(r"[.!?:;\"”’)\]]$")
_FILE_TITLE = re.compile(r"(?i)(\.(docx?|pdf|odt|rtf|txt|html?|indd|pptx?)\b|^untitled\b|^microsoft (word|powerpoint))")


_PDFIUM = threading.Lock()  # PDFium is not thread-safe; the chat ingests uploads in a worker thread


def read_pdf(data: bytes, name: str, max_chars: int) -> Extracted:
    with _PDFIUM:
        return _read_pdf(data, name, max_chars)


def _read_pdf(data: bytes, name: str, max_chars: int) -> Extracted:
    import pypdfium2

    try:
        doc = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as e:
        if "password" in str(e).lower():
            raise LoadError(
                name, "encrypted PDF (needs a password)", "Save an unprotected copy and ingest that."
            ) from None
        raise LoadError(
            name, "corrupt or truncated PDF (cannot be opened)", "Re-export or re-download the file."
        ) from None
    try:
        pages: list[list[Line]] = []
        total = 0
        for i in range(len(doc)):
            try:
                page = doc[i]
                textpage = page.get_textpage()
                lines = _page_lines(textpage)
                textpage.close()
                page.close()
            except pypdfium2.PdfiumError:
                raise LoadError(name, f"corrupt PDF (page {i + 1} cannot be read)") from None
            total += sum(len(line.text) for line in lines)
            check_length(total, name, max_chars)  # early: a flate bomb would otherwise fill memory
            pages.append(lines)
        meta = doc.get_metadata_dict(skip_empty=True)
    finally:
        doc.close()
    if not pages:
        raise LoadError(name, "PDF has no pages")
    pages = _drop_furniture(pages)
    if not any(line.text for lines in pages for line in lines):
        raise LoadError(name, NO_TEXT)
    text, starts = _join_pages([_paragraphs(lines) for lines in pages])
    title = " ".join(str(meta.get("Title", "")).split())
    if _FILE_TITLE.search(title):
        title = ""
    return Extracted(
        text=check_size(text, name, max_chars),
        title=title,
        author=clean_author(meta.get("Author")),
        created=iso_date(meta.get("CreationDate")),
        pages=tuple(starts),
    )


@dataclass
class Line:
    text: str
    top: float
    bottom: float
    right: float


def _page_lines(textpage) -> list[Line]:
    """The page's text lines with their geometry; PDFium's text indexes are its character indexes."""
    raw = textpage.get_text_range()
    lines: list[Line] = []
    i = 0
    for part in re.split(r"(\r\n|\n|\r)", raw):
        if part in ("\r\n", "\n", "\r") or not part:
            i += len(part)
            continue
        # PDFium marks soft hyphens, form feeds and unmapped glyphs with control characters.
        text = " ".join(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", part).split())
        if text:
            first = i + len(part) - len(part.lstrip())
            last = i + len(part.rstrip()) - 1
            _, bottom, _, top = textpage.get_charbox(first)
            right = textpage.get_charbox(last)[2]
            lines.append(Line(text, top, bottom, right))
        i += len(part)
    return lines


def _drop_furniture(pages: list[list[Line]]) -> list[list[Line]]:
    """Drop page numbers and the header/footer lines that repeat (digits aside) on most pages."""

    def edges(lines: list[Line]) -> list[int]:
        n = len(lines)
        return sorted({0, 1, n - 2, n - 1} & set(range(n)))

    def key(line: Line) -> str:
        return re.sub(r"\d+", "#", line.text.lower())

    counts: dict[str, int] = {}
    for lines in pages:
        for k in {key(lines[i]) for i in edges(lines)}:
            counts[k] = counts.get(k, 0) + 1
    repeated = {k for k, n in counts.items() if len(pages) >= 3 and n >= max(3, len(pages) * 0.6)}
    out = []
    for lines in pages:
        drop = {i for i in edges(lines) if _PAGE_NO.match(lines[i].text) or key(lines[i]) in repeated}
        out.append([line for i, line in enumerate(lines) if i not in drop])
    return out


def _paragraphs(lines: list[Line]) -> list[str]:
    """Layout lines back into paragraphs (see the module docstring)."""
    if not lines:
        return []
    pitches = [a.top - b.top for a, b in zip(lines, lines[1:], strict=False) if a.top - b.top > 0]
    # Lines inside a paragraph sit closest together; most gaps may be paragraph gaps (one-line
    # paragraphs), so the usual pitch is a low percentile, not the median.
    pitch = sorted(pitches)[len(pitches) // 10] if pitches else 0.0
    rights = sorted(line.right for line in lines)
    full = rights[int(len(rights) * 0.8)] if len(rights) >= 4 else rights[-1]
    paras: list[str] = []
    current = ""
    for n, line in enumerate(lines):
        if not current:
            current = line.text
        elif current.endswith("-") and len(current) > 1 and current[-2].isalpha() and line.text[:1].islower():
            current += line.text
        else:
            current += " " + line.text
        nxt = lines[n + 1] if n + 1 < len(lines) else None
        gap = line.top - nxt.top if nxt is not None else 0.0
        wide_gap = nxt is not None and (gap > 1.25 * pitch or gap < 0)  # gap < 0: a new column
        short = line.right < full - 0.15 * max(full, 1.0)
        if nxt is None or wide_gap or short:
            paras.append(current)
            current = ""
    return paras


def _join_pages(pages: list[list[str]]) -> tuple[str, list[int]]:
    text = ""
    starts: list[int] = []
    for paras in pages:
        body = "\n\n".join(paras)
        if text and body:
            # a sentence cut by the page break; a short unpunctuated last line is a heading
            last = text.rstrip().rsplit("\n", 1)[-1]
            runs_on = not _ENDS_SENTENCE.search(last) and (body[:1].islower() or len(last.split()) >= 6)
            text += " " if runs_on else "\n\n"
        starts.append(len(text))
        text += body
    return text + "\n", starts
