"""Uploads: `vectorstore.uploads.save_upload` (safe names, allowed types, a size limit, no
overwriting, duplicates by content) and what the chat's web server does with a hostile upload.

The helper is independent of the UI; the last test drives Gradio's own upload route (the one
`ui.chat` uses) with hostile names and an oversized file.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from conftest import SEED_FILES, free_port

from vectorstore.embedding import HashEmbedding
from vectorstore.errors import LoadError
from vectorstore.ingest import ADDED, SKIPPED, ingest
from vectorstore.uploads import NAME_MAX_CHARS, safe_name, save_upload

ARTICLE = b"Quillhaven opened a new harbour on Tuesday. The mayor cut the ribbon.\n"


@pytest.mark.parametrize(
    ("sent", "saved"),
    [
        ("../../x.txt", "x.txt"),
        ("/etc/cron.d/job.txt", "job.txt"),
        ("..\\..\\windows\\x.md", "x.md"),
        ("a/b/../c.html", "c.html"),
        ("..txt", "upload.txt"),
        (".hidden.txt", "hidden.txt"),
        ("....evil.txt", "evil.txt"),
        ("nul\x00byte.txt", "nulbyte.txt"),
        ("bell\x07\x1b[31m.txt", "bell[31m.txt"),
        ("invoice\u202egnp.txt", "invoicegnp.txt"),
        ("zero\u200bwidth.md", "zerowidth.md"),
        ('what?<is>:"this"|*.txt', "what__is___this___.txt"),
        ("  spaced   out  .txt ", "spaced out.txt"),
        ("CON.txt", "_CON.txt"),
        ("Ünïcödé — Korean 기사.TXT", "Ünïcödé — Korean 기사.TXT"),
        ("notes.markdown", "notes.markdown"),
    ],
)
def test_names_are_made_safe(sent: str, saved: str, tmp_path: Path):
    assert safe_name(sent) == saved
    folder = tmp_path / "uploads"
    path = save_upload(sent, ARTICLE + f"Case {sent!r}.".encode("utf-8", "replace"), folder)
    assert path.parent == folder and path.name == saved
    assert path.resolve().parent == folder.resolve()
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [saved], "written outside the folder"


def test_long_names_are_cut_keeping_the_suffix():
    name = safe_name("a" * 500 + ".html")
    assert len(name) <= NAME_MAX_CHARS and name.endswith(".html")


@pytest.mark.parametrize("sent", ["report.odt", "tool.exe", "archive.txt.exe", "noext", "photo.PNG", "", "   ", "../"])
def test_other_types_are_refused(sent: str, tmp_path: Path):
    with pytest.raises(LoadError, match="unsupported file type"):
        save_upload(sent, ARTICLE, tmp_path / "uploads")
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").iterdir())


def test_binary_and_empty_content_are_refused(tmp_path: Path):
    folder = tmp_path / "uploads"
    with pytest.raises(LoadError, match="binary"):
        save_upload("looks_like_text.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), folder)
    with pytest.raises(LoadError, match="empty"):
        save_upload("blank.md", b" \n\t\n", folder)
    assert not folder.exists() or not any(folder.iterdir())


def test_size_limit_from_bytes_and_from_a_file(tmp_path: Path):
    folder = tmp_path / "uploads"
    limit = 1000
    assert save_upload("exact.txt", b"x. " * 333 + b"y", folder, max_bytes=limit).stat().st_size == limit
    with pytest.raises(LoadError, match="too large"):
        save_upload("over.txt", b"x" * (limit + 1), folder, max_bytes=limit)
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * 100_000)
    with pytest.raises(LoadError, match="too large"):
        save_upload("big.txt", big, folder, max_bytes=limit)
    assert sorted(p.name for p in folder.iterdir()) == ["exact.txt"]


def test_same_name_never_overwrites_and_same_content_is_saved_once(tmp_path: Path):
    folder = tmp_path / "uploads"
    first = save_upload("story.txt", ARTICLE, folder)
    other = save_upload("story.txt", ARTICLE + b"A different second version.\n", folder)
    assert (first.name, other.name) == ("story.txt", "story (2).txt")
    assert first.read_bytes() == ARTICLE, "an upload replaced an existing file"
    assert save_upload("copy of story.txt", ARTICLE, folder) == first  # same content, any name
    src = tmp_path / "from_disk.txt"
    src.write_bytes(ARTICLE)
    assert save_upload("again.txt", str(src), folder) == first  # a temporary file's path works too
    assert sorted(p.name for p in folder.iterdir()) == ["story (2).txt", "story.txt"]


def test_a_planted_symlink_is_not_written_through(tmp_path: Path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("do not touch\n")
    (folder / "target.txt").symlink_to(outside)
    (folder / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    a = save_upload("target.txt", ARTICLE, folder)
    b = save_upload("dangling.txt", ARTICLE + b"Other.\n", folder)
    assert outside.read_text() == "do not touch\n" and not (tmp_path / "nowhere.txt").exists()
    assert a.name == "target (2).txt" and b.name == "dangling (2).txt"
    assert not a.is_symlink() and not b.is_symlink()


def test_concurrent_uploads_of_one_name_all_land(tmp_path: Path):
    folder = tmp_path / "uploads"
    results: list[Path] = []
    errors: list[BaseException] = []

    def upload(i: int) -> None:
        try:
            results.append(save_upload("same.txt", ARTICLE + f"Version {i}.\n".encode(), folder))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(set(results)) == 8
    assert sorted(p.read_bytes() for p in results) == sorted(ARTICLE + f"Version {i}.\n".encode() for i in range(8))
    assert not [p for p in folder.iterdir() if p.name.startswith(".upload-")], "temporary files left behind"


def test_saved_uploads_ingest_and_duplicates_of_stored_articles_are_skipped(store_config, tmp_path: Path):
    ingest(SEED_FILES, store_config, embedder=HashEmbedding())
    folder = tmp_path / "uploads"
    seed = SEED_FILES[0]
    paths = [
        save_upload("../../" + seed.name.upper().replace(".TXT", ".txt"), seed.read_bytes(), folder),  # a seed again
        save_upload("quillhaven.txt", ARTICLE, folder),
    ]
    report = ingest(paths, store_config, embedder=HashEmbedding())
    status = {o.source: (o.status, o.reason) for o in report.outcomes}
    assert status["quillhaven.txt"][0] == ADDED
    dup = status[paths[0].name]
    assert dup[0] == SKIPPED and f"same content as {seed.name}" in dup[1]


def test_gradio_upload_route_keeps_hostile_names_in_its_cache_and_enforces_the_limit(tmp_path: Path):
    """What `ui.chat` gets from Gradio: names reduced to a file inside Gradio's cache; a size limit."""
    import httpx

    from qa.assistant import Assistant
    from qa.config import Config
    from ui.chat import build_app, serve
    from vectorstore.config import StoreConfig

    config = StoreConfig(store=tmp_path / "store", embedder="hash")
    ingest(SEED_FILES[:1], config, embedder=HashEmbedding())
    assistant = Assistant.open(config=Config(store=config, generator="extractive"), embedder=HashEmbedding())
    app = build_app(assistant)
    url = serve(app, "127.0.0.1", free_port(), block=False, max_upload_bytes=2000).rstrip("/")
    try:
        for name in ("../../escape.txt", "/etc/escape.txt", "..\\..\\escape.txt"):
            r = httpx.post(f"{url}/gradio_api/upload", files={"files": (name, ARTICLE, "text/plain")}, timeout=60)
            assert r.status_code == 200, r.text
            (saved,) = r.json()
            cache = Path(saved).parent
            assert Path(saved).resolve().parent == cache.resolve() and "escape.txt" in Path(saved).name
            assert not (tmp_path / "escape.txt").exists() and not Path("/etc/escape.txt").exists()
        r = httpx.post(f"{url}/gradio_api/upload", files={"files": ("big.txt", b"x" * 5000, "text/plain")}, timeout=60)
        assert r.status_code == 413
    finally:
        app.close()
    assert os.path.exists(saved)  # Gradio keeps uploads in its temporary cache (see docs/RELIABILITY.md)


def test_chat_upload_handler_keeps_uploads_in_the_store_and_refuses_bad_files(tmp_path: Path):
    """`ui.chat`'s handler: hostile names saved sanitized under the store's uploads folder, a binary
    file refused by name while the others land, and an ingest with --prune keeps the uploads."""
    from qa.assistant import Assistant
    from qa.config import Config
    from ui.chat import ChatUI
    from vectorstore.config import StoreConfig

    config = StoreConfig(store=tmp_path / "store", embedder="hash")
    ingest(SEED_FILES[:1], config, embedder=HashEmbedding())
    assistant = Assistant.open(config=Config(store=config, generator="extractive"), embedder=HashEmbedding())
    cache = tmp_path / "gradio-cache"
    cache.mkdir()
    good = cache / "..quillhaven.txt"  # what a framework might keep: a dotted name
    good.write_bytes(ARTICLE)
    binary = cache / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)))

    report_html, docs_html, cleared = ChatUI(assistant).upload([str(good), str(binary)], progress=lambda *a, **k: None)

    assert cleared is None
    saved = config.uploads / "quillhaven.txt"
    assert saved.read_bytes() == ARTICLE
    assert "photo.txt" in report_html and "binary" in report_html.lower()
    assert "quillhaven.txt" in docs_html
    good.unlink()  # the framework cleans its cache; the saved copy must stay searchable
    top = assistant.retrieve("Who cut the ribbon at the Quillhaven harbour?")[0]
    assert top.source == "quillhaven.txt" and "ribbon" in top.text
    report = ingest([saved.parent, *SEED_FILES[:1]], config, prune=True, embedder=HashEmbedding())
    assert report.count("pruned") == 0
