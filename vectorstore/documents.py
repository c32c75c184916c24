"""Loading articles from disk: files or folders in, `Document`s (or one clear error each) out.

Reading is strict about what it accepts, because everything downstream cites exact offsets
into `Document.text`: a file must be text (no NUL bytes, few control characters), non-empty,
under the size limit, and decodable (UTF-8, then a Windows-1252/Latin-1 fallback, which can
decode any byte string, so the control-character check is what catches binaries there).
HTML is reduced to its visible text with the standard library's parser; offsets then refer to
that text, which the store keeps alongside the chunks.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from .errors import LoadError
from .types import Document

SUPPORTED = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
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
    text, encoding = decode(data, str(p))
    title = ""
    if fmt == "html":
        text, title = html_to_text(text)
    if not text.strip():
        raise LoadError(str(p), "empty file (no text)")
    return Document(
        source=p.name,
        path=str(p.resolve()),
        text=text,
        title=title or find_title(text, fmt) or p.name,
        published=find_published(text),
        format=fmt,
        encoding=encoding,
    )


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


def find_title(text: str, fmt: str) -> str:
    """First non-empty line (a Markdown heading's text), shortened to TITLE_MAX characters."""
    for line in text.splitlines():
        line = line.strip()
        if fmt == "md":
            line = line.lstrip("#").strip()
        # A leading "date 2023-09-12" stamp is metadata, not title.
        line = re.sub(r"^date\s+\d{4}-\d{2}-\d{2}\s*", "", line).strip()
        if line:
            if len(line) > TITLE_MAX:
                line = line[:TITLE_MAX].rsplit(" ", 1)[0] + "…"
            return line
    return ""


MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")  # fmt: skip
_MONTHS = {m: i for i, m in enumerate(MONTHS, start=1)}
_MONTH_RE = "(" + "|".join(_MONTHS) + ")"
_PUBLISHED_PATTERNS = [
    # "date 2023-09-12", "Published: 2023-09-12", "Date: 2023-09-12"
    (re.compile(r"(?im)^\s*(?:date|published|posted|updated)\s*:?\s*(\d{4})-(\d{2})-(\d{2})\b"), "ymd"),
    # "Published: 12 September 2023", "By Chris King • 12 September 2023"
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
            d, mo, y = int(a), _MONTHS[b.lower()], int(c)
        else:
            mo, d, y = _MONTHS[a.lower()], int(b), int(c)
        if 1 <= mo <= 12 and 1 <= d <= 31:
            return f"{y:04d}-{mo:02d}-{d:02d}"
    return None
