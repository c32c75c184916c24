"""Ingestion into Chroma: idempotent, replaces changed files exactly, prunes, survives bad input.

Every test runs against the embedded store and against a real Chroma server.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from conftest import run_cli

from vectorstore.config import StoreConfig
from vectorstore.embedding import HashEmbedding
from vectorstore.errors import StoreBusy, StoreNotFound
from vectorstore.ingest import ADDED, FAILED, PRUNED, SKIPPED, UNCHANGED, UPDATED, ingest
from vectorstore.store import Store


def _by_status(report) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for o in report.outcomes:
        out.setdefault(o.status, []).append(o.source)
    return out


def test_reingest_adds_nothing_and_embeds_nothing(any_store_config, seeds_dir: Path):
    emb = HashEmbedding()
    first = ingest([seeds_dir], any_store_config, embedder=emb)
    assert first.count(ADDED) == 5 and first.ok
    store = Store.open(any_store_config)
    ids = sorted(store.chunk_ids())
    assert len(ids) == first.chunks_written == store.count() > 20
    embedded = emb.texts_embedded

    second = ingest([seeds_dir], any_store_config, embedder=emb)
    assert second.count(UNCHANGED) == 5
    assert second.chunks_written == 0
    assert emb.texts_embedded == embedded, "unchanged content was embedded again"
    assert sorted(Store.open(any_store_config).chunk_ids()) == ids


def test_offsets_stored_exactly(any_store_config, seeds_dir: Path):
    ingest([seeds_dir], any_store_config, embedder=HashEmbedding())
    store = Store.open(any_store_config)
    for chunk in store.all_chunks():
        original = (seeds_dir / chunk.source).read_text(encoding="utf-8")
        assert chunk.text == original[chunk.start : chunk.end]
        assert store.document_text(chunk.source)[chunk.start : chunk.end] == chunk.text


def test_modified_file_replaces_exactly_its_chunks(any_store_config, seeds_dir: Path):
    emb = HashEmbedding()
    ingest([seeds_dir], any_store_config, embedder=emb)
    store = Store.open(any_store_config)
    before = {c.id: c for c in store.all_chunks()}
    target = seeds_dir / "003_8936ec7665105f93.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\nA new closing sentence was added.\n", encoding="utf-8")
    embedded = emb.texts_embedded

    report = ingest([seeds_dir], any_store_config, embedder=emb)
    assert _by_status(report)[UPDATED] == [target.name]
    assert report.count(UNCHANGED) == 4
    after = {c.id: c for c in Store.open(any_store_config).all_chunks()}
    untouched = {i for i, c in before.items() if c.source != target.name}
    assert untouched <= set(after), "other documents' chunks changed"
    new = [c for c in after.values() if c.source == target.name]
    assert any("new closing sentence" in c.text for c in new)
    assert not any(i in after for i, c in before.items() if c.source == target.name), "old version left behind"
    # only the chunks whose text changed were embedded again (the rest reused their vectors)
    assert 0 < emb.texts_embedded - embedded < len(new)


def test_prune_removes_documents_whose_files_are_gone(any_store_config, seeds_dir: Path):
    ingest([seeds_dir], any_store_config, embedder=HashEmbedding())
    (seeds_dir / "000_93fb345e8f737034.txt").unlink()
    kept = ingest([seeds_dir], any_store_config, embedder=HashEmbedding())
    assert "000_93fb345e8f737034.txt" in Store.open(any_store_config).records(), "pruned without --prune"
    assert kept.count(PRUNED) == 0
    report = ingest([seeds_dir], any_store_config, embedder=HashEmbedding(), prune=True)
    assert _by_status(report)[PRUNED] == ["000_93fb345e8f737034.txt"]
    store = Store.open(any_store_config)
    assert set(store.records()) == {f.name for f in seeds_dir.iterdir()}
    assert all(c.source != "000_93fb345e8f737034.txt" for c in store.all_chunks())
    assert store.status().stale_chunks == 0


def test_bad_files_are_reported_and_the_rest_goes_on(any_store_config, seeds_dir: Path, tmp_path: Path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("")
    (bad / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (bad / "big.txt").write_text("Kim. " * 300_000)  # 1.5 MB > the 1 MB limit set below
    (bad / "latin.txt").write_bytes("Kim visited a café in Vladivostok.".encode("latin-1"))
    any_store_config.max_file_mb = 1
    report = ingest([seeds_dir, bad, tmp_path / "missing.txt"], any_store_config, embedder=HashEmbedding())
    status = _by_status(report)
    assert sorted(status[FAILED]) == ["big.txt", "binary.txt", "empty.txt", "missing.txt"]
    assert "latin.txt" in status[ADDED]
    assert not report.ok
    reasons = {o.source: o.reason for o in report.outcomes if o.status == FAILED}
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["binary.txt"]
    assert "too large" in reasons["big.txt"] and "no such file" in reasons["missing.txt"]
    assert len(Store.open(any_store_config).records()) == 6


def test_bad_input_never_loses_stored_documents(any_store_config, seeds_dir: Path, tmp_path: Path):
    ingest([seeds_dir], any_store_config, embedder=HashEmbedding())
    ids = sorted(Store.open(any_store_config).chunk_ids())
    # the same names, now broken: reported, and the stored versions stay
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "000_93fb345e8f737034.txt").write_text("")
    (broken / "001_b601bfb4ae3c3ca1.txt").write_bytes(b"\x00" * 50)
    report = ingest([broken], any_store_config, embedder=HashEmbedding(), prune=True)
    assert report.count(FAILED) == 2
    assert sorted(Store.open(any_store_config).chunk_ids()) == ids


def test_duplicate_content_under_another_name_is_skipped(any_store_config, seeds_dir: Path, tmp_path: Path):
    ingest([seeds_dir], any_store_config, embedder=HashEmbedding())
    twin = tmp_path / "copy_of_004.txt"
    shutil.copy(seeds_dir / "004_fad78fe2e95b0eb2.txt", twin)
    report = ingest([twin], any_store_config, embedder=HashEmbedding())
    assert _by_status(report)[SKIPPED] == ["copy_of_004.txt"]
    assert "same content as 004_fad78fe2e95b0eb2.txt" in report.outcomes[0].reason


def test_reading_a_missing_store_creates_nothing(tmp_path: Path, store_config):
    with pytest.raises(StoreNotFound, match="sourced ingest"):
        Store.open(store_config)
    assert not store_config.store.exists()


def test_second_writer_gets_store_busy(store_config, seeds_dir: Path):
    ingest([seeds_dir], store_config, embedder=HashEmbedding())
    store = Store.open(store_config)
    with store.writer(), pytest.raises(StoreBusy, match="busy"):
        ingest([seeds_dir], store_config, embedder=HashEmbedding())


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_store_folder(store_config, seeds_dir: Path):
    from vectorstore.errors import StoreReadOnly

    store_config.store.mkdir(parents=True)
    store_config.store.chmod(0o500)
    try:
        with pytest.raises(StoreReadOnly):
            ingest([seeds_dir], store_config, embedder=HashEmbedding())
    finally:
        store_config.store.chmod(0o700)


@pytest.mark.server
def test_server_mode_writers_in_two_processes_are_serialized(chroma_server, seeds_dir: Path, tmp_path: Path):
    """On a Chroma server the lock is a collection: another process gets "busy" naming the holder;
    a lease whose holder died (expired) is taken over."""
    from vectorstore import store as store_module

    config = StoreConfig(store=tmp_path / "unused", collection="serialized", chroma_url=chroma_server, embedder="hash")
    ingest([seeds_dir], config, embedder=HashEmbedding())
    args = ("ingest", str(seeds_dir), "--chroma-url", chroma_server, "--collection", "serialized")
    with Store.open(config).writer():
        out = run_cli(*args)
        assert out.returncode == 1 and "busy" in out.stderr and f"pid {os.getpid()}" in out.stderr, out.stderr
    assert run_cli(*args).returncode == 0  # released

    client = Store.open(config).client
    client.create_collection(  # a lock left by a writer killed three minutes ago
        "serialized" + store_module.LOCK_SUFFIX,
        metadata={"token": "dead", "pid": 1, "host": "gone", "since": "then", "expires": time.time() - 60},
        embedding_function=None,
    )
    out = run_cli(*args)
    assert out.returncode == 0, out.stderr
    assert "serialized" + store_module.LOCK_SUFFIX not in {getattr(c, "name", c) for c in client.list_collections()}
    status = Store.open(config).status()
    assert len(status.documents) == len(list(seeds_dir.iterdir())) and status.stale_chunks == 0
