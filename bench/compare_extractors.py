"""Which PDF, DOCX and web-page extractors sourced uses, and why: fidelity and speed, measured.

    .venv/bin/python bench/compare_extractors.py [--rounds 5]

PDF: the seed articles are written as two-page PDFs (fpdf2, DejaVu Sans, no running footer) and
read back by each library; fidelity is difflib's ratio between the extracted words and the
article's words (1.0 = every word, in order), plus whether the curly quotes survived.
Web pages: each seed article is wrapped in a news page with a cookie banner, navigation, an ad,
a related-stories list, a newsletter box and a footer (tests/docfactory.py); we count the
article's paragraphs recovered verbatim (recall) and the furniture lines that leaked (should be
0). Times are the median per file over the rounds, on this machine, in one process.
"""

from __future__ import annotations

import argparse
import difflib
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from docfactory import BOILERPLATE, NAV, make_docx, make_news_page, make_pdf, paragraphs  # noqa: E402


def words(text: str) -> list[str]:
    return re.findall(r"\S+", text)


def timed(fn: Callable[[Path], str], files: list[Path], rounds: int) -> tuple[list[str], float]:
    try:
        fn(files[0])
    except Exception as e:  # a reader that fails is reported, not fatal
        print(f"  ({fn.__name__} failed: {type(e).__name__}: {e})")
        return ["" for _ in files], float("nan")
    out: list[str] = []
    per_round = []
    for r in range(rounds):
        t = time.perf_counter()
        got = [fn(f) for f in files]
        per_round.append((time.perf_counter() - t) / len(files))
        if r == 0:
            out = got
    return out, statistics.median(per_round)


# -- PDF readers ----------------------------------------------------------------------


def pdf_pypdf(p: Path) -> str:
    import pypdf

    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(p).pages)


def pdf_pdfminer(p: Path) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(str(p))


def pdf_pdfplumber(p: Path) -> str:
    import pdfplumber

    with pdfplumber.open(p) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def pdf_pypdfium2(p: Path) -> str:
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(p))
    try:
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def pdf_sourced(p: Path) -> str:
    from vectorstore.documents import load_document

    return load_document(p).text


# -- web page extractors --------------------------------------------------------------


def html_stdlib(p: Path) -> str:
    from vectorstore.documents import html_to_text

    return html_to_text(p.read_text())[0]


def html_trafilatura(p: Path) -> str:
    import trafilatura

    return trafilatura.extract(p.read_text(), include_comments=False, include_tables=True) or ""


def html_readability(p: Path) -> str:
    from readability import Document

    from vectorstore.documents import html_to_text

    return html_to_text(Document(p.read_text()).summary())[0]


def html_sourced(p: Path) -> str:
    from vectorstore.documents import load_document

    return load_document(p).text


def docx_python_docx(p: Path) -> str:
    import docx

    return "\n".join(par.text for par in docx.Document(str(p)).paragraphs)


def docx_sourced(p: Path) -> str:
    from vectorstore.documents import load_document

    return load_document(p).text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    articles = [s.read_text(encoding="utf-8") for s in seeds]
    tmp = Path(tempfile.mkdtemp(prefix="sourced-extractors-"))

    pdfs = []
    for i, text in enumerate(articles):
        paras = paragraphs(text)
        half = len(paras) // 2
        pages = ["\n\n".join(paras[:half]), "\n\n".join(paras[half:])]
        pdfs.append(make_pdf(tmp / f"a{i}.pdf", pages, footer=False))
    print("PDF readers (5 two-page articles)")
    print(f"{'reader':12s} {'word fidelity':>13s} {'curly quotes':>12s} {'ms/file':>8s}")
    for name, fn in [
        ("pypdf", pdf_pypdf),
        ("pdfminer.six", pdf_pdfminer),
        ("pdfplumber", pdf_pdfplumber),
        ("pypdfium2", pdf_pypdfium2),
        ("sourced", pdf_sourced),
    ]:
        got, sec = timed(fn, pdfs, args.rounds)
        ratios = [
            difflib.SequenceMatcher(None, words(g), words(a), autojunk=False).ratio()
            for g, a in zip(got, articles, strict=True)
        ]
        quotes = all(("’" in g) == ("’" in a) for g, a in zip(got, articles, strict=True))
        print(f"{name:12s} {statistics.mean(ratios):13.4f} {str(quotes):>12s} {sec * 1000:8.1f}")

    pages = []
    for i, text in enumerate(articles):
        paras = paragraphs(text)
        pages.append(
            (
                make_news_page(
                    tmp / f"a{i}.html", paras[0][:80], paras[1:], author="Ann Writer", published="2031-05-04"
                ),
                paras[1:],
            )
        )
    furniture = BOILERPLATE + NAV
    print("\nWeb-page extractors (5 news pages with nav, ads, cookie notice, related list, footer)")
    print(f"{'extractor':12s} {'paragraphs kept':>15s} {'furniture leaked':>16s} {'ms/file':>8s}")
    for name, fn in [
        ("stdlib", html_stdlib),
        ("trafilatura", html_trafilatura),
        ("readability", html_readability),
        ("sourced", html_sourced),
    ]:
        got, sec = timed(fn, [p for p, _ in pages], args.rounds)
        kept = sum(
            sum(1 for para in paras if para in " ".join(g.split())) for g, (_, paras) in zip(got, pages, strict=True)
        )
        total = sum(len(paras) for _, paras in pages)
        lines = {" ".join(line.split()) for g in got for line in g.splitlines()}
        leaked = sum(1 for f in furniture if any(f in line for line in lines))
        print(f"{name:12s} {kept:>8d}/{total:<6d} {leaked:>9d}/{len(furniture):<6d} {sec * 1000:8.1f}")

    docs = [make_docx(tmp / f"a{i}.docx", paragraphs(t)) for i, t in enumerate(articles)]
    print("\nDOCX readers (5 articles)")
    for name, fn in [("python-docx", docx_python_docx), ("sourced", docx_sourced)]:
        got, sec = timed(fn, docs, args.rounds)
        ratios = [
            difflib.SequenceMatcher(None, words(g), words(a), autojunk=False).ratio()
            for g, a in zip(got, articles, strict=True)
        ]
        print(f"{name:12s} fidelity {statistics.mean(ratios):.4f}  {sec * 1000:.1f} ms/file")


if __name__ == "__main__":
    main()
