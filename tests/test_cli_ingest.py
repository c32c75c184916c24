"""The `sourced ingest` / `sourced status` commands, end to end in subprocesses, including kill -9."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from pathlib import Path

from conftest import SEED_FILES, VENV_BIN, run_cli

from vectorstore.config import StoreConfig
from vectorstore.store import Store


def _status(store: Path) -> dict:
    out = run_cli("status", "--store", str(store), "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_ingest_twice_same_count(tmp_path: Path, seeds_dir: Path):
    store = tmp_path / "store"
    first = run_cli("ingest", str(seeds_dir), "--store", str(store), "--embedder", "hash")
    assert first.returncode == 0, first.stderr
    assert "5 added" in first.stdout
    count = _status(store)["chunks"]
    second = run_cli("ingest", str(seeds_dir), "--store", str(store))
    assert second.returncode == 0, second.stderr
    assert "5 unchanged" in second.stdout and "chunks written: 0" in second.stdout
    assert _status(store)["chunks"] == count > 0


def test_status_lists_documents(tmp_path: Path, seeds_dir: Path):
    store = tmp_path / "store"
    run_cli("ingest", str(seeds_dir), "--store", str(store), "--embedder", "hash", "-q")
    out = run_cli("status", "--store", str(store))
    assert out.returncode == 0
    assert "documents:  5" in out.stdout
    for f in SEED_FILES:
        assert f.name in out.stdout
    assert "hash" in out.stdout  # the embedder


def test_exit_status_and_messages(tmp_path: Path, seeds_dir: Path):
    (seeds_dir / "empty.txt").write_text("")
    out = run_cli(
        "ingest", str(seeds_dir), str(tmp_path / "nope"), "--store", str(tmp_path / "s"), "--embedder", "hash"
    )
    assert out.returncode == 1
    assert "empty.txt: empty file" in out.stderr
    assert "nope: no such file or folder" in out.stderr
    assert "5 added" in out.stdout and "1 failed" not in out.stdout  # two failed
    assert "2 failed" in out.stdout

    missing = run_cli("status", "--store", str(tmp_path / "none"))
    assert missing.returncode == 1
    assert "No store at" in missing.stderr and "sourced ingest" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_env_selects_store(tmp_path: Path, seeds_dir: Path):
    store = tmp_path / "envstore"
    out = run_cli("ingest", str(seeds_dir), "--embedder", "hash", env={"SOURCED_STORE": str(store)})
    assert out.returncode == 0, out.stderr
    assert (store / "chroma.sqlite3").exists()


def _corpus(folder: Path, n: int) -> None:
    """n distinct articles made of the seeds' sentences in shuffled orders."""
    sentences = [s.strip() + "." for f in SEED_FILES for s in f.read_text(encoding="utf-8").split(".") if s.strip()]
    folder.mkdir()
    for i in range(n):
        rng = random.Random(i)
        body = " ".join(rng.sample(sentences, 40))
        (folder / f"article_{i:03d}.txt").write_text(f"Article {i}\n\n{body}\n", encoding="utf-8")


def test_kill_9_mid_ingest_then_rerun_matches_clean_ingest(tmp_path: Path):
    corpus = tmp_path / "corpus"
    _corpus(corpus, 80)
    store = tmp_path / "store"
    rng = random.Random(7)
    killed = 0
    for _ in range(5):
        proc = subprocess.Popen(
            [str(VENV_BIN / "sourced"), "ingest", str(corpus), "--store", str(store), "--embedder", "hash", "-q"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(1.5, 4.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait()
        if (store / "chroma.sqlite3").exists():
            st = Store.open(StoreConfig(store=store)).status()  # stays openable, counts consistent
            assert st.chunks == sum(d.chunks for d in st.documents)
    assert killed >= 1, "the ingest always finished before the kill; make the corpus bigger"

    rerun = run_cli("ingest", str(corpus), "--store", str(store), "--embedder", "hash", "-q")
    assert rerun.returncode == 0, rerun.stderr
    clean = run_cli("ingest", str(corpus), "--store", str(tmp_path / "clean"), "--embedder", "hash", "-q")
    assert clean.returncode == 0
    resumed = Store.open(StoreConfig(store=store))
    fresh = Store.open(StoreConfig(store=tmp_path / "clean"))
    assert sorted(resumed.chunk_ids()) == sorted(fresh.chunk_ids())
    assert resumed.status().stale_chunks == 0
    assert len(resumed.records()) == 80
