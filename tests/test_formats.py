"""PDF, Word and saved web pages: text, pages, metadata, bad files, and citations by page.

Every file is built here from the seed articles (tests/docfactory.py). The unit tests use the
hash embedder; the last test (marker `integration`) ingests a PDF, a DOCX and a web page with
the real MiniLM and checks page-numbered, exact citations from each.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from conftest import SEEDS, run_cli
from docfactory import (
    BOILERPLATE,
    NAV,
    make_docx,
    make_image_pdf,
    make_news_page,
    make_pdf,
    make_zip_bomb_docx,
    paragraphs,
)

from vectorstore.documents import load_document, page_of
from vectorstore.errors import LoadError
from vectorstore.ingest import ADDED, FAILED, ingest
from vectorstore.store import Store

ARTICLE_0 = paragraphs((SEEDS / "000_93fb345e8f737034.txt").read_text(encoding="utf-8"))
ARTICLE_2 = paragraphs((SEEDS / "002_98d33dd27db1be93.txt").read_text(encoding="utf-8"))
ARTICLE_3 = paragraphs((SEEDS / "003_8936ec7665105f93.txt").read_text(encoding="utf-8"))
PAGE_2_ANSWER = "Kim was accompanied by senior government officials, including military personnel."
FURNITURE = BOILERPLATE + NAV


def two_page_pdf(path: Path, **meta) -> Path:
    """Article 000 over two pages; who accompanied Kim is said on page 2."""
    assert PAGE_2_ANSWER in ARTICLE_0[6]
    return make_pdf(path, ["\n\n".join(ARTICLE_0[:5]), "\n\n".join(ARTICLE_0[5:])], **meta)


def news_page(path: Path, **kw) -> Path:
    kw.setdefault("author", "Ann Writer")
    kw.setdefault("published", "2023-09-12")
    return make_news_page(path, ARTICLE_3[0], ARTICLE_3[1:], **kw)


# -- PDF -----------------------------------------------------------------------------------


def test_pdf_pages_text_and_metadata(tmp_path: Path):
    pdf = two_page_pdf(tmp_path / "report.pdf", title="Summit report", author="Jo Analyst", created="2023-09-13")
    doc = load_document(pdf)
    assert doc.format == "pdf" and len(doc.pages) == 2 and doc.pages[0] == 0
    for para in ARTICLE_0:  # every paragraph comes back whole: lines are joined into paragraphs
        assert para in [b.strip() for b in doc.text.split("\n\n")]
    at = doc.text.index(PAGE_2_ANSWER)
    assert doc.page_of(at) == page_of(doc.pages, at) == 2
    assert doc.page_of(doc.text.index(ARTICLE_0[4])) == 1
    assert "Page 1" not in doc.text and "Page 2" not in doc.text  # running footers are dropped
    assert (doc.title, doc.author, doc.published) == ("Summit report", "Jo Analyst", "2023-09-13")


def test_pdf_without_metadata_uses_the_text(tmp_path: Path):
    pages = ["\n\n".join(ARTICLE_2[:8]), "\n\n".join(ARTICLE_2[8:])]
    doc = load_document(make_pdf(tmp_path / "a.pdf", pages, title="Microsoft Word - draft3.docx"))
    assert doc.title.startswith("THE Kremlin confirmed this Monday")  # not the byline, not the photo caption
    assert doc.author == "Chris King"
    assert doc.published == "2023-09-12"  # stated in the article, preferred to the file's creation time


def test_a_sentence_running_on_to_the_next_page(tmp_path: Path):
    words = ARTICLE_0[0].split()
    half = len(words) // 2
    doc = load_document(make_pdf(tmp_path / "a.pdf", [" ".join(words[:half]), " ".join(words[half:])]))
    assert ARTICLE_0[0] in doc.text  # joined with a space, not cut into two paragraphs
    assert doc.page_of(doc.text.index(words[half], doc.pages[1] - 1)) == 2


# -- Word -------------------------------------------------------------------------------------


def test_docx_paragraphs_headings_tables_and_properties(tmp_path: Path):
    table = [["Day", "Event"], ["Monday", "Train leaves the capital"], ["Tuesday", "Talks at the forum"]]
    f = make_docx(
        tmp_path / "brief.docx", ARTICLE_2[2:], heading="Talks on the way", table=table, author="Ann Writer",
        created="2023-09-11",
    )  # fmt: skip
    doc = load_document(f)
    assert doc.format == "docx" and doc.pages == ()
    blocks = doc.text.split("\n\n")
    assert blocks[0] == "Talks on the way"
    assert all(p in blocks for p in ARTICLE_2[2:])
    assert "Monday | Train leaves the capital\nTuesday | Talks at the forum" in doc.text
    assert (doc.title, doc.author, doc.published) == ("Talks on the way", "Ann Writer", "2023-09-11")


def test_docx_core_title_wins_and_placeholder_author_is_ignored(tmp_path: Path):
    f = make_docx(tmp_path / "b.docx", ARTICLE_3[1:], title="Core title", created="2023-09-12")
    doc = load_document(f)  # python-docx's template says author "python-docx": no person
    assert doc.title == "Core title" and doc.author is None


# -- web pages --------------------------------------------------------------------------------


def test_news_page_keeps_the_article_and_drops_the_furniture(tmp_path: Path):
    doc = load_document(news_page(tmp_path / "story.html"))
    assert doc.format == "html"
    for para in ARTICLE_3[1:]:
        assert para in doc.text
    leaked = [f for f in FURNITURE if f in doc.text]
    assert leaked == []
    assert (doc.title, doc.author, doc.published) == (ARTICLE_3[0], "Ann Writer", "2023-09-12")


def test_news_page_metadata_without_json_ld(tmp_path: Path):
    doc = load_document(news_page(tmp_path / "story.html", jsonld=False, author=None, published="2023-09-10"))
    assert doc.title == ARTICLE_3[0]  # the <h1>, not "<title> | The Daily Example"
    assert doc.published == "2023-09-10"  # article:published_time
    assert doc.author is None


# -- text rules ---------------------------------------------------------------------------------


def test_seed_titles_are_headlines_not_bylines():
    docs = {f.name: load_document(f) for f in sorted(SEEDS.glob("*.txt"))}
    assert docs["003_8936ec7665105f93.txt"].title == ARTICLE_3[0]
    assert docs["000_93fb345e8f737034.txt"].title == ARTICLE_0[0].split(". ")[0] + "."  # first sentence only
    d2 = docs["002_98d33dd27db1be93.txt"]
    assert not d2.title.startswith("By") and "Credit" not in d2.title
    assert d2.title.startswith("THE Kremlin confirmed") and d2.author == "Chris King"
    assert all(len(d.title) <= 121 for d in docs.values())


@pytest.mark.parametrize(
    ("text", "title", "author"),
    [
        ("By Jane Doe • 12 March 2021\n\nThe bridge opened today. Crowds came.\n", "The bridge opened today.",
         "Jane Doe"),
        ("Harbour Reopens After Storm\nBy Max Mustermann, Staff Reporter\n\nBoats returned.",
         "Harbour Reopens After Storm", "Max Mustermann"),
        ("Photo: a crane at dusk. Credit: Example Agency\nAuthor: Li Wei\nCranes Return To The Old Port\n",
         "Cranes Return To The Old Port", "Li Wei"),
        ("Mr. Smith went to the market on Friday morning. He bought bread.\n",
         "Mr. Smith went to the market on Friday morning.", None),
        ("Published: 3 May 2022\nByways of the north are quiet\n", "Byways of the north are quiet", None),
    ],
)  # fmt: skip
def test_title_and_byline_rules(tmp_path: Path, text: str, title: str, author: str | None):
    f = tmp_path / "a.txt"
    f.write_text(text, encoding="utf-8")
    doc = load_document(f)
    assert (doc.title, doc.author) == (title, author)


# -- bad files --------------------------------------------------------------------------------


def _bad_files(folder: Path) -> dict[str, str]:
    """file name -> the reason its line must give."""
    folder.mkdir(exist_ok=True)
    good = make_pdf(folder.parent / "whole.pdf", ["\n\n".join(ARTICLE_0)])
    data = good.read_bytes()
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 2])
    (folder / "garbage.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    make_pdf(folder / "locked.pdf", ["\n\n".join(ARTICLE_0)], password="secret")
    make_image_pdf(folder / "scan.pdf")
    docx = make_docx(folder.parent / "whole.docx", ARTICLE_2).read_bytes()
    (folder / "truncated.docx").write_bytes(docx[: len(docx) // 2])
    make_zip_bomb_docx(folder / "bomb.docx", megabytes=64)
    news_page(folder / "nobody.html", with_body=False)
    return {
        "truncated.pdf": "corrupt or truncated PDF",
        "garbage.pdf": "corrupt or truncated PDF",
        "locked.pdf": "encrypted PDF",
        "scan.pdf": "no text layer: scanned pages need OCR, which sourced does not do",
        "truncated.docx": "corrupt or truncated Word file",
        "bomb.docx": "zip bomb",
        "nobody.html": "no article body",
    }


def test_each_bad_file_gets_its_reason(tmp_path: Path):
    expected = _bad_files(tmp_path / "bad")
    for name, reason in expected.items():
        with pytest.raises(LoadError) as e:
            load_document(tmp_path / "bad" / name, max_bytes=2 * 2**20)
        assert reason in e.value.reason and name in str(e.value)


def test_extracted_text_obeys_the_size_limit(tmp_path: Path):
    f = make_docx(tmp_path / "long.docx", [" ".join(ARTICLE_2) * 40])  # 146,000 characters
    assert f.stat().st_size < 100_000
    with pytest.raises(LoadError, match="extracted text too large"):
        load_document(f, max_bytes=100_000)
    from vectorstore.formats.pdf import read_pdf

    pdf = make_pdf(tmp_path / "long.pdf", ["\n\n".join(ARTICLE_2[:6])] * 10)
    assert len(read_pdf(pdf.read_bytes(), "long.pdf", 10**6).text) > 5_000
    with pytest.raises(LoadError, match="extracted text too large"):
        read_pdf(pdf.read_bytes(), "long.pdf", max_chars=5_000)


def test_ingest_goes_on_past_bad_files_and_keeps_the_store(tmp_path: Path, store_config, fake_embedder):
    folder = tmp_path / "in"
    folder.mkdir()
    two_page_pdf(folder / "summit.pdf")
    make_docx(
        folder / "brief.docx", ARTICLE_2[2:], heading="Talks on the way", author="Ann Writer", created="2023-09-11"
    )
    news_page(folder / "story.html")
    first = ingest([folder], store_config, embedder=fake_embedder)
    assert first.ok and first.count(ADDED) == 3
    store = Store.open(store_config)
    before = store.records()

    expected = _bad_files(tmp_path / "bad")
    cfg = dataclasses.replace(store_config, max_file_mb=2)
    report = ingest([folder, tmp_path / "bad"], cfg, embedder=fake_embedder)
    assert not report.ok
    failed = {Path(o.path).name: o.reason for o in report.outcomes if o.status == FAILED}
    assert set(failed) == set(expected)
    for name, reason in expected.items():
        assert reason in failed[name]
    after = Store.open(store_config).records()
    assert after == before  # nothing stored was lost or changed

    pdf = after["summit.pdf"]
    assert (pdf.format, len(pdf.pages)) == ("pdf", 2)
    assert after["brief.docx"].author == "Ann Writer" and after["story.html"].published == "2023-09-12"
    for chunk in store.all_chunks():  # offsets point into the stored extracted text
        assert store.document_text(chunk.source)[chunk.start : chunk.end] == chunk.text
    stored = " ".join(store.document_text(s) for s in after)
    assert [f for f in FURNITURE if f in stored] == []
    assert store.document_pages("summit.pdf") == pdf.pages


def test_cited_page_in_answers_and_json(tmp_path: Path, store_config, fake_embedder):
    from qa import Assistant
    from ui.terminal import answer_as_text

    folder = tmp_path / "in"
    folder.mkdir()
    two_page_pdf(folder / "summit.pdf")
    assert ingest([folder], store_config, embedder=fake_embedder).ok
    assistant = Assistant.open(store=store_config.store, generator="extractive", embedder=fake_embedder)
    answer = assistant.ask("Who accompanied Kim?")
    assert answer.answerable
    text = assistant.document_text("summit.pdf")
    cited = {c.quote: c for c in answer.citations}
    assert any(PAGE_2_ANSWER in q for q in cited), list(cited)
    for c in answer.citations:
        assert text[c.start : c.end] == c.quote
        assert c.page == page_of(Store.open(store_config).document_pages(c.source), c.start)
    c = next(c for q, c in cited.items() if PAGE_2_ANSWER in q)
    assert c.page == 2
    assert json.loads(json.dumps(answer.to_dict()))["citations"][c.n - 1]["page"] == 2
    assert f"[{c.n}] " in answer_as_text(answer) and "summit.pdf, p. 2" in answer_as_text(answer)


def test_cli_ingest_and_status_json(tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    two_page_pdf(folder / "summit.pdf", author="Jo Analyst")
    news_page(folder / "story.html")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj")
    store = tmp_path / "store"
    out = run_cli("ingest", str(folder), "--store", str(store), "--embedder", "hash")
    assert out.returncode == 1
    assert "broken.pdf: corrupt or truncated PDF" in out.stderr
    assert "2 added" in out.stdout and "1 failed" in out.stdout
    status = json.loads(run_cli("status", "--store", str(store), "--json").stdout)
    docs = {d["source"]: d for d in status["documents"]}
    assert docs["summit.pdf"]["format"] == "pdf" and docs["summit.pdf"]["pages"] == 2
    assert docs["summit.pdf"]["author"] == "Jo Analyst"
    assert docs["story.html"]["title"] == ARTICLE_3[0] and docs["story.html"]["published"] == "2023-09-12"
    assert docs["story.html"]["pages"] is None and docs["story.html"]["author"] == "Ann Writer"


def test_uploads_accept_pdf_and_docx_by_content(tmp_path: Path):
    from vectorstore.uploads import save_upload

    pdf = two_page_pdf(tmp_path / "summit.pdf")
    docx = make_docx(tmp_path / "brief.docx", ARTICLE_2)
    folder = tmp_path / "uploads"
    assert save_upload("../summit.pdf", pdf, folder).name == "summit.pdf"
    assert save_upload("brief.docx", docx.read_bytes(), folder).name == "brief.docx"
    for name, data in [("fake.pdf", b"just text, not a PDF at all"), ("fake.docx", b"plain words")]:
        with pytest.raises(LoadError, match="not a"):
            save_upload(name, data, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["brief.docx", "summit.pdf"]


# -- with the real embedder --------------------------------------------------------------------


@pytest.mark.integration
def test_pdf_docx_and_web_page_answer_with_exact_page_numbered_citations(tmp_path: Path):
    from qa import Assistant
    from vectorstore.config import StoreConfig

    folder = tmp_path / "in"
    folder.mkdir()
    two_page_pdf(folder / "summit.pdf", title="Summit report", created="2023-09-12")
    make_docx(folder / "brief.docx", ARTICLE_2, author="Ann Writer", created="2023-09-13")
    news_page(folder / "story.html")
    config = StoreConfig(store=tmp_path / "store")
    assert ingest([folder], config).ok
    assistant = Assistant.open(store=config.store, generator="extractive")
    records = {d.source: d for d in assistant.documents()}
    assert records["summit.pdf"].title == "Summit report" and records["story.html"].title == ARTICLE_3[0]
    assert records["brief.docx"].published == "2023-09-12"  # the byline's date beats the file's creation time

    for question, source, needle, page in [
        ("Which officials, including military personnel, accompanied Kim?", "summit.pdf", PAGE_2_ANSWER, 2),
        ("Which TV channel reported that Kim had left Pyongyang?", "brief.docx", "YTN", None),
        ("Which news agency verified that Kim was in Russia?", "story.html", "Interfax", None),
    ]:
        answer = assistant.ask(question)
        assert answer.answerable, question
        for c in answer.citations:
            assert assistant.document_text(c.source)[c.start : c.end] == c.quote
            assert (c.page is not None) == (c.source == "summit.pdf")
        hit = [c for c in answer.citations if c.source == source and needle in c.quote]
        assert hit, (question, [(c.source, c.quote) for c in answer.citations])
        assert hit[0].page == page
    stored = " ".join(assistant.document_text(s) or "" for s in records)
    assert [f for f in FURNITURE if f in stored] == []


def test_new_metadata_for_the_same_text_updates_the_record_without_embedding(tmp_path: Path, store_config):
    from vectorstore.embedding import HashEmbedding
    from vectorstore.ingest import UNCHANGED, UPDATED

    folder = tmp_path / "in"
    folder.mkdir()
    two_page_pdf(folder / "summit.pdf", title="Draft title")
    assert ingest([folder], store_config, embedder=HashEmbedding()).ok
    again = ingest([folder], store_config, embedder=HashEmbedding())
    assert again.outcomes[0].status == UNCHANGED
    two_page_pdf(folder / "summit.pdf", title="Final title")  # same text, new document information
    embedder = HashEmbedding()
    report = ingest([folder], store_config, embedder=embedder)
    assert report.outcomes[0].status == UPDATED and report.chunks_embedded == 0
    store = Store.open(store_config)
    assert store.records()["summit.pdf"].title == "Final title"
    assert {c.title for c in store.all_chunks()} == {"Final title"}


def test_llama_index_reader_interface(tmp_path: Path):
    from llama_index.core import SimpleDirectoryReader

    from vectorstore.formats.reader import SourcedReader

    two_page_pdf(tmp_path / "summit.pdf", title="Summit report")
    news_page(tmp_path / "story.html")
    reader = SourcedReader()
    docs = SimpleDirectoryReader(str(tmp_path), file_extractor={".pdf": reader, ".html": reader}).load_data()
    by_source = {d.metadata["source"]: d for d in docs}
    assert by_source["summit.pdf"].text == load_document(tmp_path / "summit.pdf").text
    assert by_source["summit.pdf"].metadata["title"] == "Summit report"
    assert len(by_source["summit.pdf"].metadata["page_starts"].split(",")) == 2
    assert by_source["story.html"].metadata["published"] == "2023-09-12"
