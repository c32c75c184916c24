"""Saved web pages: the article body through trafilatura, metadata from the page's own markup.

trafilatura was chosen over readability-lxml and the standard-library text dump by
bench/compare_extractors.py: on news pages wrapped in a cookie banner, navigation, an ad, a
related-stories list, a newsletter box and a footer, trafilatura and readability kept every
article paragraph and let no furniture through, the plain text dump let all of it through, and
trafilatura was the faster of the two and reads author and date as well (docs/FORMATS.md).

Metadata, most explicit first: JSON-LD (`headline`, `author`, `datePublished`), then
`<meta property="article:published_time">`, `<meta name="author">`, `og:title`, the first
`<h1>`, and `<title>` without its " | Site name" tail; then what trafilatura found.
A page whose extracted body has fewer than `MIN_BODY_WORDS` words has no article.
"""

from __future__ import annotations

import json
import re
from functools import cache

from ..errors import LoadError
from . import Extracted, check_size, clean_author, iso_date

MIN_BODY_WORDS = 25
NO_BODY = "no article body found: the page is empty or holds only navigation, ads and other page furniture"
_DATE_META = ("article:published_time", "datepublished", "date", "pubdate", "publishdate", "dc.date", "dc.date.issued")
_AUTHOR_META = ("author", "article:author", "dc.creator", "byl")
_SITE_TAIL = re.compile(r"\s+[|–—-]\s+[^|–—-]{1,60}$")


@cache
def _config():
    from trafilatura.settings import use_config

    cfg = use_config()
    cfg.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")  # short articles are articles; MIN_BODY_WORDS decides
    cfg.set("DEFAULT", "MAX_FILE_SIZE", str(2**40))  # the loader's own size limit applies
    cfg.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")  # a date in the story is not the publication date
    cfg.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # no signal-based timeout (not allowed off the main thread)
    return cfg


def read_html(markup: str, name: str, max_chars: int) -> Extracted:
    import trafilatura

    doc = trafilatura.bare_extraction(
        markup, config=_config(), with_metadata=True, include_comments=False, include_tables=True
    )
    text = (getattr(doc, "text", None) or "") if doc is not None else ""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    text = "\n".join(line for line in lines if line)
    if len(text.split()) < MIN_BODY_WORDS:
        raise LoadError(name, NO_BODY)
    meta = page_metadata(markup)
    return Extracted(
        text=check_size(text + "\n", name, max_chars),
        title=meta.get("title") or " ".join((getattr(doc, "title", None) or "").split()),
        author=meta.get("author") or clean_author(getattr(doc, "author", None)),
        published=meta.get("published") or iso_date(getattr(doc, "date", None)),
    )


def page_metadata(markup: str) -> dict[str, str]:
    """title/author/published as the page's markup states them (see the module docstring)."""
    import lxml.html

    try:
        root = lxml.html.fromstring(markup)
    except (ValueError, lxml.etree.ParserError):
        return {}
    out: dict[str, str] = {}
    for script in root.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for item in _ld_items(data):
            if "headline" in item or "Article" in str(item.get("@type", "")):
                _put(out, "title", " ".join(str(item.get("headline") or "").split()))
                _put(out, "author", _ld_author(item.get("author")))
                _put(out, "published", iso_date(item.get("datePublished")))
    for m in root.xpath("//meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").lower()
        value = m.get("content") or ""
        if key in _DATE_META:
            _put(out, "published", iso_date(value))
        elif key in _AUTHOR_META and not value.startswith("http"):
            _put(out, "author", clean_author(value))
        elif key == "og:title":
            _put(out, "title", " ".join(value.split()))
    for h1 in root.xpath("//h1")[:1]:
        _put(out, "title", " ".join(h1.text_content().split()))
    for t in root.xpath("//title")[:1]:
        _put(out, "title", _SITE_TAIL.sub("", " ".join(t.text_content().split())))
    return out


def _put(out: dict[str, str], key: str, value: str | None) -> None:
    if value and key not in out:
        out[key] = value


def _ld_items(data: object) -> list[dict]:
    if isinstance(data, list):
        return [i for d in data for i in _ld_items(d)]
    if isinstance(data, dict):
        return [data] + _ld_items(data.get("@graph", []))
    return []


def _ld_author(value: object) -> str | None:
    if isinstance(value, list):
        names = [_ld_author(v) for v in value]
        return ", ".join(n for n in names if n) or None
    if isinstance(value, dict):
        return clean_author(value.get("name"))
    return clean_author(value)
