"""Readers for the binary and markup formats: PDF (`pdf`), Word (`docx`), saved web pages (`web`).

Each reader turns a file's bytes into an `Extracted`: the text that the store keeps and that
every citation's `start:end` points into, the page start offsets (PDF), and whatever title,
author and date the file's own metadata states. Text rules (`vectorstore.documents`) fill in
what the metadata leaves empty. A reader raises `LoadError` with one line naming the reason.
Which library each reader uses, and why, is in docs/FORMATS.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import LoadError


@dataclass
class Extracted:
    text: str
    title: str = ""
    author: str | None = None
    published: str | None = None  # a stated publication date (HTML meta, JSON-LD)
    pages: tuple[int, ...] = ()
    created: str | None = None  # when the file was made (PDF CreationDate, DOCX created): a fallback


# Values that document software writes into "author" fields by itself: they name no person.
PLACEHOLDER_AUTHORS = {"", "python-docx", "user", "admin", "administrator", "author", "unknown", "owner",
                       "microsoft office user", "windows user", "anonymous"}  # fmt: skip


def clean_author(value: object) -> str | None:
    """A person's name from a metadata field, or None for empty/placeholder values."""
    if not isinstance(value, str):
        return None
    name = " ".join(value.split())
    name = re.sub(r"(?i)^by\s+", "", name)
    return name[:120] if name.lower() not in PLACEHOLDER_AUTHORS else None


_ISO = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")


def iso_date(value: object) -> str | None:
    """YYYY-MM-DD from "2023-09-12T08:30:00Z", "D:20230912083000", a datetime, ...; else None."""
    if value is None:
        return None
    if hasattr(value, "year") and hasattr(value, "month"):
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    m = _ISO.search(str(value))
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    return f"{y:04d}-{mo:02d}-{d:02d}" if 1000 < y < 10000 and 1 <= mo <= 12 and 1 <= d <= 31 else None


def check_size(text: str, name: str, max_chars: int) -> str:
    """Refuse extracted text over the limit: a small file can expand (zip or flate bombs)."""
    check_length(len(text), name, max_chars)
    return text


def check_length(n: int, name: str, max_chars: int) -> None:
    if n > max_chars:
        raise LoadError(
            name,
            f"extracted text too large ({n / 2**20:.1f} M characters > {max_chars / 2**20:.0f} M limit)",
            "Raise the limit with --max-file-mb if the file is genuine.",
        )
