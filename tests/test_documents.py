"""Loading articles: formats, metadata, and every kind of bad file."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEED_FILES

from vectorstore.documents import discover, find_published, html_to_text, load_document
from vectorstore.errors import LoadError


def test_seed_metadata():
    docs = {d.source: d for d in (load_document(f) for f in SEED_FILES)}
    assert set(docs) == {f.name for f in SEED_FILES}
    d = docs["003_8936ec7665105f93.txt"]
    assert d.title == "Kim Jong Un Set For Key Discussions With Putin in Russia"
    assert d.published is None
    assert docs["004_fad78fe2e95b0eb2.txt"].published == "2023-09-12"
    assert docs["002_98d33dd27db1be93.txt"].published == "2023-09-12"
    assert docs["000_93fb345e8f737034.txt"].published is None  # story dates are not publication dates
    assert len(d.content_hash) == 64
    assert d.text == SEED_FILES[3].read_text(encoding="utf-8")


def test_markdown_title_and_html_text(tmp_path: Path):
    md = tmp_path / "a.md"
    md.write_text("\n\n# Summit in Vladivostok\n\nPutin met Kim.\n", encoding="utf-8")
    assert load_document(md).title == "Summit in Vladivostok"

    page = tmp_path / "b.html"
    page.write_text(
        "<html><head><title>Train &amp; talks | Example News</title><script>alert('x')</script>"
        "<style>p{}</style></head><body><p>Kim&#8217;s train reached <b>Khasan</b> on Tuesday morning, "
        "officials said.</p><p>The second paragraph says that the talks were expected to last for two days "
        "and to cover trade.</p></body></html>",
        encoding="utf-8",
    )
    doc = load_document(page)
    assert doc.title == "Train & talks"  # <title> without the site's name, when there is no <h1>
    assert "alert" not in doc.text and "p{}" not in doc.text and "<" not in doc.text
    assert "Kim’s train reached Khasan on Tuesday morning, officials said." in doc.text
    assert doc.format == "html"


def test_html_blocks_become_lines():
    text, title = html_to_text("<div>One</div><div>Two<br>Three</div>")
    assert [line for line in text.splitlines() if line] == ["One", "Two", "Three"]
    assert title == ""


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("date 2023-09-12 Some text", "2023-09-12"),
        ("Published: 14 March 2024\nBody", "2024-03-14"),
        ("Title\nPublished: March 4, 2024\n", "2024-03-04"),
        ("By Chris King • 12 September 2023 • 1:36", "2023-09-12"),
        ("Kim left on Sunday, September 10, 2023, night.", None),
    ],
)
def test_published(head: str, expected: str | None):
    assert find_published(head) == expected


def test_latin1_fallback(tmp_path: Path):
    f = tmp_path / "latin.txt"
    f.write_bytes("Café in Pyongyang served crêpes.".encode("latin-1"))
    doc = load_document(f)
    assert doc.text == "Café in Pyongyang served crêpes."
    assert doc.encoding in ("cp1252", "latin-1")


def test_crlf_normalised(tmp_path: Path):
    f = tmp_path / "win.txt"
    f.write_bytes(b"Line one.\r\nLine two.\r\n")
    assert load_document(f).text == "Line one.\nLine two.\n"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"   \n\n\t  \n", "empty"),
        ("binary.txt", bytes(range(256)) * 4, "binary"),
        ("controls.txt", b"\x01\x02\x03\x04\x05\x06" * 100, "binary"),
        ("empty.html", b"<html><script>var a = 1;</script></html>", "empty"),
    ],
)
def test_bad_files(tmp_path: Path, name: str, content: bytes, reason: str):
    f = tmp_path / name
    f.write_bytes(content)
    with pytest.raises(LoadError) as e:
        load_document(f)
    assert reason in e.value.reason
    assert name in str(e.value)


def test_too_large(tmp_path: Path):
    f = tmp_path / "big.txt"
    f.write_text("Kim met Putin. " * 1000)
    with pytest.raises(LoadError, match="too large"):
        load_document(f, max_bytes=1000)
    assert load_document(f, max_bytes=10**6).text.startswith("Kim met Putin.")


def test_discover(tmp_path: Path):
    (tmp_path / "a.txt").write_text("A.")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("B.")
    (tmp_path / "sub" / "c.odt").write_bytes(b"PK")
    (tmp_path / "sub" / "e.pdf").write_bytes(b"%PDF")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "d.txt").write_text("D.")
    odt = tmp_path / "sub" / "c.odt"
    found = discover([tmp_path, tmp_path / "a.txt", odt, tmp_path / "missing.txt"])
    assert [f.name for f in found.files] == ["a.txt", "b.md", "e.pdf"]  # a PDF is read (and checked) now
    reasons = {Path(e.path).name: e.reason for e in found.errors}
    assert "unsupported" in reasons["c.odt"]
    assert "no such file" in reasons["missing.txt"]
