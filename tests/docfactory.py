"""Builders of real PDF, DOCX and saved-web-page files for the tests and benchmarks.

Everything is generated on the spot from given text (the seed articles, in the tests), so no
binary fixture is committed and each test states what the file holds. PDFs are written with
fpdf2 in DejaVu Sans (shipped by matplotlib, a dependency), so curly quotes and bullets survive;
DOCX files with python-docx.
"""

from __future__ import annotations

import html
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

import matplotlib

FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def make_pdf(
    path: Path,
    pages: Sequence[str],
    *,
    title: str | None = None,
    author: str | None = None,
    created: str | None = None,
    password: str | None = None,
    footer: bool = True,
) -> Path:
    """A PDF with one page per item of `pages` (paragraphs split on blank lines), text layer included.

    `created` is an ISO date (YYYY-MM-DD) for the document information's CreationDate; a page
    footer "Page n" is drawn unless `footer` is false; `password` encrypts the file (AES-128).
    """
    from datetime import UTC, datetime

    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.set_font("DejaVu", size=11)
    pdf.set_auto_page_break(auto=False)
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    if created:
        pdf.set_creation_date(datetime.fromisoformat(created).replace(tzinfo=UTC))
    for text in pages:
        pdf.add_page()
        for para in text.split("\n\n"):
            para = " ".join(para.split())
            if para:
                pdf.multi_cell(0, 6, para)
                pdf.ln(3)
        if footer:
            pdf.set_y(-15)
            pdf.cell(0, 8, f"Page {pdf.page_no()}", align="C")
    if password:
        from fpdf.enums import EncryptionMethod

        pdf.set_encryption(owner_password=password, user_password=password, encryption_method=EncryptionMethod.AES_128)
    pdf.output(str(path))
    return path


def make_image_pdf(path: Path) -> Path:
    """A PDF whose only page is a drawing: no text layer at all (what a scan looks like)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    for i in range(20):
        pdf.rect(10 + i * 5, 10 + i * 5, 50, 30)
    pdf.output(str(path))
    return path


def make_docx(
    path: Path,
    paragraphs: Sequence[str],
    *,
    heading: str | None = None,
    table: Sequence[Sequence[str]] | None = None,
    title: str | None = None,
    author: str | None = None,
    created: str | None = None,
) -> Path:
    """A Word file: optional heading, the paragraphs, an optional table, and core properties."""
    from datetime import datetime

    import docx

    d = docx.Document()
    if heading:
        d.add_heading(heading, level=1)
    for p in paragraphs:
        d.add_paragraph(p)
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                t.cell(r, c).text = cell
    props = d.core_properties
    if title:
        props.title = title
    if author:
        props.author = author
    if created:
        props.created = datetime.fromisoformat(created)
    d.save(str(path))
    return path


def make_zip_bomb_docx(path: Path, megabytes: int = 64) -> Path:
    """A valid-looking .docx whose document.xml inflates to `megabytes` MB of text (a few KB on disk)."""
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    chunk = "<w:p><w:r><w:t>" + "a" * 1_000_000 + "</w:t></w:r></w:p>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            if item.filename == "word/document.xml":
                xml = src.read(item).decode()
                head, tail = xml.split("<w:body>", 1)
                with out.open(item.filename, "w") as f:
                    f.write((head + "<w:body>").encode())
                    for _ in range(megabytes):
                        f.write(chunk.encode())
                    f.write(tail.encode())
            else:
                out.writestr(item, src.read(item))
    return path


NAV = ["Home", "World", "Business", "Sport", "Culture", "Opinion", "Subscribe"]
RELATED = [
    "Ten gadgets that will change your kitchen forever",
    "Why everyone is talking about the new bakery downtown",
    "Weekend weather: sunny spells and scattered showers",
]
BOILERPLATE = [
    "We use cookies to improve your experience. By continuing you accept our cookie policy.",
    "ADVERTISEMENT Buy two mattresses and get a third free at Comfy Beds today",
    "Copyright 2031 The Daily Example. All rights reserved. Privacy policy Terms of use",
    "Sign up for our newsletter and never miss a story",
    *RELATED,
]


def make_news_page(
    path: Path,
    headline: str,
    paragraphs: Sequence[str],
    *,
    author: str | None = None,
    published: str | None = None,
    jsonld: bool = True,
    with_body: bool = True,
) -> Path:
    """A saved news page: cookie banner, navigation, an ad, the article, related links, footer.

    The article has its <h1>, a byline, `article:published_time` and (if `jsonld`) a JSON-LD
    NewsArchive block; `with_body=False` leaves only the page furniture (no article at all).
    """
    e = html.escape
    nav = "".join(f'<li><a href="/{n.lower()}">{e(n)}</a></li>' for n in NAV)
    related = "".join(f'<li><a href="/r{i}">{e(t)}</a></li>' for i, t in enumerate(RELATED))
    meta = ""
    if published:
        meta += f'<meta property="article:published_time" content="{published}T08:30:00Z">'
    if author:
        meta += f'<meta name="author" content="{e(author)}">'
    if jsonld and (author or published):
        import json

        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": headline}
        if author:
            ld["author"] = {"@type": "Person", "name": author}
        if published:
            ld["datePublished"] = published
        meta += f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    body = ""
    if with_body:
        byline = f'<p class="byline">By {e(author)}</p>' if author else ""
        paras = "".join(f"<p>{e(p)}</p>" for p in paragraphs)
        body = f"<article><h1>{e(headline)}</h1>{byline}{paras}</article>"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(headline)} | The Daily Example</title>{meta}
<style>.ad {{ border: 1px solid }}</style><script>window.dataLayer = [];</script></head>
<body>
<div id="cookie-banner" class="cookie-notice"><p>{e(BOILERPLATE[0])}</p><button>Accept</button></div>
<header><a href="/">The Daily Example</a><nav><ul>{nav}</ul></nav></header>
<div class="ad advertisement"><p>{e(BOILERPLATE[1])}</p></div>
<main>{body}
<aside class="related"><h2>Related stories</h2><ul>{related}</ul></aside>
<div class="newsletter"><p>{e(BOILERPLATE[3])}</p></div>
</main>
<footer><p>{e(BOILERPLATE[2])}</p><ul><li><a href="/about">About us</a></li><li><a href="/jobs">Jobs</a></li></ul>
</footer></body></html>"""
    path.write_text(page, encoding="utf-8")
    return path


def paragraphs(text: str) -> list[str]:
    """The non-empty lines of an article (each seed line is one paragraph)."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]
