"""Loading articles from disk: files or folders in, `Document`s (or one clear error each) out.

Reading is strict about what it accepts, because everything downstream cites exact offsets
into `Document.text`. Text files (.txt, .md) must be text (no NUL bytes, few control
characters), non-empty, under the size limit, and decodable (UTF-8, then a Windows-1252/Latin-1
fallback, which can decode any byte string, so the control-character check is what catches
binaries there). PDF, Word and web pages go through `vectorstore.formats`: the text they yield
(PDF text layer, DOCX paragraphs and tables, the article body of a page) is what offsets refer
to, and the store keeps it alongside the chunks. Title, author and date come from the file's
own metadata where it has any, else from the general text rules below (`find_title`,
`find_author`, `find_published`); a file's creation time (PDF, DOCX) is only the last resort
for the date, after a date the article's head states, since it says when the file was made.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from .errors import LoadError
from .formats import Extracted
from .types import Document
from .types import page_of as _page_of

SUPPORTED = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
TITLE_MAX = 120


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)


def discover(paths: Iterable[str | Path]) -> Discovery:
    """Expand files and folders into the supported files under them, sorted, deduplicated.

    A folder contributes its supported files recursively (hidden files and folders skipped);
    a file named explicitly with an unsupported suffix, or a path that does not exist, is an
    error, reported and skipped.
    """
    found = Discovery()
    seen: set[Path] = set()

    def add(p: Path) -> None:
        rp = p.resolve()
        if rp not in seen:
            seen.add(rp)
            found.files.append(p)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if f.is_file() and f.suffix.lower() in SUPPORTED and not any(s.startswith(".") for s in rel):
                    add(f)
        elif p.is_file():
            if p.suffix.lower() in SUPPORTED:
                add(p)
            else:
                found.errors.append(
                    LoadError(
                        str(p),
                        f"unsupported file type '{p.suffix or '(none)'}'",
                        "Supported: " + ", ".join(sorted(SUPPORTED)) + ".",
                    )
                )
        else:
            found.errors.append(LoadError(str(p), "no such file or folder"))
    return found


def load_document(path: str | Path, max_bytes: int = 20 * 1024 * 1024) -> Document:
    """Read one article, or raise `LoadError` naming the file and the reason."""
    p = Path(path)
    fmt = SUPPORTED.get(p.suffix.lower())
    if fmt is None:
        raise LoadError(str(p), f"unsupported file type '{p.suffix or '(none)'}'")
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise LoadError(
                str(p),
                f"file too large ({size / 2**20:.1f} MB > {max_bytes / 2**20:.0f} MB limit)",
                "Raise the limit with --max-file-mb.",
            )
        data = p.read_bytes()
    except FileNotFoundError:
        raise LoadError(str(p), "no such file") from None
    except IsADirectoryError:
        raise LoadError(str(p), "is a folder, not a file") from None
    except PermissionError:
        raise LoadError(str(p), "permission denied") from None
    name = str(p)
    if fmt == "pdf":
        from .formats.pdf import read_pdf

        got, encoding = read_pdf(data, name, max_bytes), ""
    elif fmt == "docx":
        from .formats.docx import read_docx

        got, encoding = read_docx(data, name, max_bytes, max_bytes), ""
    else:
        text, encoding = decode(data, name)
        if fmt == "html":
            from .formats.web import read_html

            got = read_html(text, name, max_bytes)
        else:
            got = Extracted(text)
    text = got.text
    if not text.strip():
        raise LoadError(name, "empty file (no text)")
    return Document(
        source=p.name,
        path=str(p.resolve()),
        text=text,
        title=shorten(got.title) or find_title(text, fmt) or p.name,
        published=got.published or find_published(text) or got.created,
        format=fmt,
        encoding=encoding,
        author=got.author or find_author(text),
        pages=got.pages,
    )


def page_of(pages: tuple[int, ...] | list[int], offset: int) -> int | None:
    """The 1-based page of character `offset` given the pages' start offsets (None when unpaged)."""
    return _page_of(pages, offset)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def decode(data: bytes, name: str) -> tuple[str, str]:
    """UTF-8 (BOM stripped), else Windows-1252, else Latin-1; refuse binaries."""
    if b"\x00" in data[:8192]:
        raise LoadError(name, "binary file (contains NUL bytes)", "Only text articles can be ingested.")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Normalise line ends so offsets mean the same on every platform.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        sample = text[:8192]
        if sample and len(_CONTROL.findall(sample)) / len(sample) > 0.05:
            raise LoadError(name, "binary file (mostly control characters)", "Only text articles can be ingested.")
        return text, "utf-8" if encoding == "utf-8-sig" else encoding
    raise LoadError(name, "cannot decode as UTF-8 or Latin-1")  # unreachable: latin-1 decodes anything


# The standard-library visible-text dump that read HTML before trafilatura; kept as the baseline
# that bench/compare_extractors.py measures trafilatura against (it lets page furniture through).
class _TextExtractor(HTMLParser):
    """Visible text of an HTML page: no script/style, block elements become line breaks."""

    BLOCK = {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "header",
        "footer",
        "blockquote",
        "pre",
        "table",
        "ul",
        "ol",
        "title",
    }
    HIDDEN = {"script", "style", "noscript", "template", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._hidden = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in self.HIDDEN:
            self._hidden += 1
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self.HIDDEN and self._hidden:
            self._hidden -= 1
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._hidden:
            self.parts.append(data)


def html_to_text(markup: str) -> tuple[str, str]:
    """(visible text, <title>) of an HTML document; whitespace tidied line by line."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    lines = [re.sub(r"[ \t\f\v]+", " ", line).strip() for line in "".join(parser.parts).split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
    return text, html.unescape(" ".join("".join(parser.title).split()))


_STAMP = re.compile(r"^\s*date\s+\d{4}-\d{2}-\d{2}\s*", re.I)  # a leading "date 2023-09-12" stamp
_NAME = r"[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|der|da|del|la|le|al|bin|ibn)){0,4}"
_BYLINE = re.compile(rf"^\s*(?:[Ww]ritten\s+)?[Bb][Yy]:?\s+({_NAME})(?=\s*(?:$|[•|·,;–—(-]|\d|and\b|[Ii]n\b))")
_AUTHOR_LINE = re.compile(rf"^\s*(?:[Aa]uthor|[Ww]riter|[Rr]eporter)s?\s*:\s*({_NAME})")
_DATELINE = re.compile(r"(?i)^\s*(?:published|posted|updated|date)\b\s*:?")
# Photo captions and credits sit above the text in saved articles; they are not headlines.
_CAPTION = re.compile(
    r"(?i)^\s*(?:image|photo|picture|photograph|caption|file photo)s?\s*(?:of\b|:)|\b(?:credit|photo)s?\s*:|©"
)
_SENTENCE = re.compile(r"[.!?](?=[\"”’')\]]*(?:\s+[\"“‘'(\[]?[A-Z0-9]|\s*$))")
HEADLINE_WORDS = 20
HEAD_LINES = 8  # title, author and date are looked for in the first lines only


def _head(text: str, fmt: str) -> list[str]:
    out = []
    for line in text.splitlines():
        line = line.strip()
        if fmt == "md":
            line = line.lstrip("#").strip()
        line = _STAMP.sub("", line).strip()
        if line:
            out.append(line)
            if len(out) == HEAD_LINES:
                break
    return out


def is_byline(line: str) -> bool:
    return bool(_BYLINE.match(line) or _AUTHOR_LINE.match(line))


def find_title(text: str, fmt: str) -> str:
    """The headline: the first line near the top that is not a byline, a dateline or a photo
    caption. A headline-like line (no closing full stop, at most HEADLINE_WORDS words) is taken
    whole; a paragraph gives its first sentence. Shortened to TITLE_MAX characters."""
    head = _head(text, fmt)
    candidates = [
        line for line in head if not (is_byline(line) or _CAPTION.search(line) or _DATELINE.match(line))
    ] or head
    if not candidates:
        return ""
    line = candidates[0]
    if line.endswith((".", "!", "?")) or len(line.split()) > HEADLINE_WORDS:
        for m in _SENTENCE.finditer(line):
            if len(line[: m.end()].split()) >= 4:  # "Mr." or "U.S." do not end a headline
                line = line[: m.end()]
                break
    return shorten(line)


def shorten(title: str) -> str:
    title = " ".join(title.split())
    if len(title) > TITLE_MAX:
        title = title[:TITLE_MAX].rsplit(" ", 1)[0] + "…"
    return title


def find_author(text: str) -> str | None:
    """The name in a byline near the top ("By Jane Doe • 12 March 2021", "Author: Jane Doe")."""
    for line in _head(text, "md"):
        m = _BYLINE.match(line) or _AUTHOR_LINE.match(line)
        if m:
            return m.group(1).strip()
    return None


MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")  # fmt: skip
MONTH_NUMBERS = {m: i for i, m in enumerate(MONTHS, start=1)}
_MONTH_RE = "(" + "|".join(MONTH_NUMBERS) + ")"
_PUBLISHED_PATTERNS = [
    # "date 2023-09-12", "Published: 2023-09-12", "Date: 2023-09-12"
    (re.compile(r"(?im)^\s*(?:date|published|posted|updated)\s*:?\s*(\d{4})-(\d{2})-(\d{2})\b"), "ymd"),
    # "Published: 12 September 2023", "By Jane Doe • 12 March 2021"
    (
        re.compile(
            rf"(?im)^\s*(?:published|posted|date|by\b[^\n]*?[•|·-])\s*:?\s*(\d{{1,2}})\s+{_MONTH_RE}\s+(\d{{4}})"
        ),
        "dmy",
    ),
    # "Published: September 12, 2023"
    (re.compile(rf"(?im)^\s*(?:published|posted|date)\s*:?\s*{_MONTH_RE}\s+(\d{{1,2}}),?\s+(\d{{4}})"), "mdy"),
]


def find_published(text: str) -> str | None:
    """The publication date as YYYY-MM-DD when the article's head states one, else None.

    Only explicit markers near the top count ("date 2023-09-12", "Published: ...", a
    byline with a date): a date in the story itself is an event, not a publication date.
    """
    head = text[:600]
    for pattern, order in _PUBLISHED_PATTERNS:
        m = pattern.search(head)
        if not m:
            continue
        a, b, c = m.groups()
        if order == "ymd":
            y, mo, d = int(a), int(b), int(c)
        elif order == "dmy":
            d, mo, y = int(a), MONTH_NUMBERS[b.lower()], int(c)
        else:
            mo, d, y = MONTH_NUMBERS[a.lower()], int(b), int(c)
        if 1 <= mo <= 12 and 1 <= d <= 31:
            return f"{y:04d}-{mo:02d}-{d:02d}"
    return None
