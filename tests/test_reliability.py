"""Faults: concurrent writers, read-only and full disks, old stores, a Chroma server that restarts.

Each test provokes the fault for real (two `sourced ingest` processes, a tmpfs remounted
read-only or a few MB small, a killed `chroma run`) and checks three things: the message says
what happened and what to do (no traceback), the exit status says it failed, and the store is
still consistent: committed chunks match their records, nothing is duplicated, and what was
stored before still answers.

Mounting needs root; where it is not permitted the test skips with the reason (the read-only
test falls back to chmod when not root). Stores use the fast `hash` embedder unless a test needs
real answers, which need the real MiniLM (a module-scoped seed store, copied per test).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import SEED_FILES, VENV_BIN, _heartbeat, free_port, require, run_cli

from qa.assistant import Assistant
from qa.config import Config
from vectorstore.config import StoreConfig
from vectorstore.embedding import HashEmbedding
from vectorstore.errors import (
    StoreBusy,
    StoreError,
    StoreFull,
    StoreIncompatible,
    StoreReadOnly,
    StoreUnavailable,
)
from vectorstore.ingest import ADDED, UNCHANGED, ingest
from vectorstore.store import Store, release

QUESTION = "Who accompanied Kim?"
SEED_NAMES = {f.name for f in SEED_FILES}


# -- helpers ----------------------------------------------------------------------------------


def corpus(folder: Path, n: int, start: int = 0) -> Path:
    """n distinct articles made of the seeds' sentences in shuffled orders (as test_cli_ingest)."""
    sentences = [s.strip() + "." for f in SEED_FILES for s in f.read_text(encoding="utf-8").split(".") if s.strip()]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        rng = random.Random(i)
        body = " ".join(rng.sample(sentences, 40))
        (folder / f"article_{i:03d}.txt").write_text(f"Article {i}\n\n{body}\n", encoding="utf-8")
    return folder


def status(store: Path) -> dict:
    out = run_cli("status", "--store", str(store), "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def assert_consistent(store: Path, documents: int | None = None) -> list[str]:
    """Counts add up, no stale or duplicated chunks; returns the sorted chunk ids (read in a fresh process)."""
    code = textwrap.dedent(
        f"""
        import json
        from vectorstore.config import StoreConfig
        from vectorstore.store import Store
        s = Store.open(StoreConfig(store={str(store)!r}))
        st = s.status()
        print(json.dumps({{"ids": s.chunk_ids(), "chunks": st.chunks, "stale": st.stale_chunks,
                          "per_doc": sum(d.chunks for d in st.documents), "docs": len(st.documents)}}))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(got["ids"]) == len(set(got["ids"])), "duplicated chunk ids"
    assert got["stale"] == 0
    assert got["chunks"] == got["per_doc"] == len(got["ids"])
    if documents is not None:
        assert got["docs"] == documents
    return sorted(got["ids"])


def vectors_all_indexed(store: Path) -> tuple[int, int]:
    """(chunks whose own vector finds an identical one in the index, all chunks), in a fresh process.

    A store whose vector index lost entries fails here ("Error finding id") or finds fewer.
    """
    code = textwrap.dedent(
        f"""
        from vectorstore.config import StoreConfig
        from vectorstore.store import Store
        s = Store.open(StoreConfig(store={str(store)!r}))
        got = s.chunks.get(include=["embeddings"])
        ids, embs = got["ids"], [list(map(float, e)) for e in got["embeddings"]]
        found = 0
        for i in range(0, len(ids), 200):
            q = s.chunks.query(query_embeddings=embs[i:i + 200], n_results=1, include=["distances"])
            found += sum(1 for d in q["distances"] if d and d[0] < 1e-4)
        print(found, len(ids))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    found, total = map(int, out.stdout.split()[-2:])
    return found, total


def no_traceback(*outputs: str) -> None:
    for text in outputs:
        assert "Traceback" not in text, text[-3000:]


@pytest.fixture
def mount(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """mount(name, size) -> a fresh tmpfs folder; unmounted at teardown. Skips where mounting is not permitted."""
    mounted: list[Path] = []

    def do(name: str, size: str) -> Path:
        if os.geteuid() != 0:
            pytest.skip("mounting a tmpfs needs root")
        target = tmp_path / name
        target.mkdir()
        r = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)], capture_output=True, text=True
        )
        if r.returncode != 0:
            pytest.skip(f"mounting a tmpfs is not permitted here: {r.stderr.strip()}")
        mounted.append(target)
        return target

    yield do
    for target in mounted:
        release(StoreConfig(store=target / "store"))
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


def remount(target: Path, options: str) -> None:
    r = subprocess.run(["mount", "-o", f"remount,{options}", str(target)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"remounting is not permitted here: {r.stderr.strip()}")


@pytest.fixture(scope="module")
def minilm_seeds(tmp_path_factory) -> Path:
    """A store of the seeds with the real MiniLM (built once; copy it before changing it)."""
    path = tmp_path_factory.mktemp("minilm-seeds") / "store"
    report = ingest(SEED_FILES, StoreConfig(store=path))
    assert report.ok and report.total_documents == len(SEED_FILES)
    release(StoreConfig(store=path))
    return path


def copy_store(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.lock", "sourced.generation"))
    return dst


def ask_json(store: Path, question: str = QUESTION, *extra: str) -> tuple[subprocess.CompletedProcess, dict | None]:
    out = run_cli("ask", question, "--store", str(store), "--generator", "extractive", "--json", *extra)
    return out, (json.loads(out.stdout) if out.returncode == 0 else None)


def assert_cites_seeds(answer: dict, *more: Path) -> None:
    """Answered, with citations whose quotes are exact slices of the seeds (or of files in `more`)."""
    files = {f.name: f for f in SEED_FILES} | {f.name: f for folder in more for f in folder.iterdir()}
    assert answer["answerable"], answer["text"]
    assert answer["citations"], answer
    for c in answer["citations"]:
        assert c["source"] in files
        original = files[c["source"]].read_text(encoding="utf-8")
        assert original[c["start"] : c["end"]] == c["quote"]


# -- two writers ------------------------------------------------------------------------------


def test_two_ingest_processes_at_once_serialize_and_leave_one_clean_store(tmp_path: Path):
    articles = corpus(tmp_path / "corpus", 150)
    store = tmp_path / "store"
    cmd = [str(VENV_BIN / "sourced"), "ingest", str(articles), "--store", str(store), "--embedder", "hash", "-q"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(timeout=600), *p.communicate()) for p in procs]
    codes = sorted(r[0] for r in results)
    no_traceback(*(r[1] + r[2] for r in results))
    if codes == [0, 1]:  # the usual case: the second gets a clear message and a failing status
        loser = next(r for r in results if r[0] == 1)
        assert "is busy: another ingest (pid" in loser[2] and "Wait for it to finish" in loser[2], loser[2]
    else:  # the second started after the first had finished: it found everything unchanged
        assert codes == [0, 0], results
        assert any("0 added" in r[1] and "150 unchanged" in r[1] for r in results), results
    ids = assert_consistent(store, documents=150)
    clean = run_cli("ingest", str(articles), "--store", str(tmp_path / "clean"), "--embedder", "hash", "-q")
    assert clean.returncode == 0
    assert ids == assert_consistent(tmp_path / "clean", documents=150)


def test_kill_9_while_writing_then_rerun_matches_a_clean_ingest(tmp_path: Path):
    """SIGKILL at random points of the write phase (after the lock is taken, so every kill lands
    while chunks and records are being written), several times; then a re-run."""
    articles = corpus(tmp_path / "corpus", 120)
    store = tmp_path / "store"
    cmd = [str(VENV_BIN / "sourced"), "ingest", str(articles), "--store", str(store), "--embedder", "hash", "-q"]
    rng = random.Random(11)
    killed, seen = 0, []
    for _ in range(5):
        lock = store / "sourced.lock"
        if lock.exists():
            lock.write_bytes(b"")  # a killed holder leaves its pid behind
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            if lock.exists() and lock.stat().st_size > 0:  # the holder wrote its pid: writing has begun
                break
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 3.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait()
        st = Store.open(StoreConfig(store=store)).status()  # openable, and counts add up
        assert st.chunks == sum(d.chunks for d in st.documents)
        seen.append((len(st.documents), st.stale_chunks))
        release(StoreConfig(store=store))
    assert killed >= 3, f"the ingest finished before the kill too often: {seen}"
    rerun = run_cli("ingest", str(articles), "--store", str(store), "-q")
    assert rerun.returncode == 0, rerun.stderr
    clean = run_cli("ingest", str(articles), "--store", str(tmp_path / "clean"), "--embedder", "hash", "-q")
    assert clean.returncode == 0
    assert assert_consistent(store, documents=120) == assert_consistent(tmp_path / "clean", documents=120), seen
    found, total = vectors_all_indexed(store)
    assert found == total


def test_busy_store_names_the_holder_and_wait_gets_through(tmp_path: Path, seeds_dir: Path):
    store = tmp_path / "store"
    assert run_cli("ingest", str(seeds_dir), "--store", str(store), "--embedder", "hash", "-q").returncode == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\nfrom vectorstore.config import StoreConfig\nfrom vectorstore.store import Store\n"
            f"s = Store.open(StoreConfig(store={str(store)!r}))\n"
            "with s.writer():\n    print('locked', flush=True)\n    sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        more = corpus(tmp_path / "more", 3)
        busy = run_cli("ingest", str(more), "--store", str(store), "-q")
        assert busy.returncode == 1
        assert f"is busy: another ingest (pid {holder.pid}," in busy.stderr, busy.stderr
        no_traceback(busy.stderr)
        waiting = subprocess.Popen(
            [str(VENV_BIN / "sourced"), "ingest", str(more), "--store", str(store), "-q", "--wait", "300"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(3)
        assert waiting.poll() is None, "--wait gave up while the lock was held"
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    out, err = waiting.communicate(timeout=600)
    assert waiting.returncode == 0, err
    assert "3 added" in out
    assert_consistent(store, documents=8)


def test_in_process_writer_and_reader_threads_stay_out_of_each_others_way(store_config, seeds_dir: Path):
    ingest([seeds_dir], store_config, embedder=HashEmbedding())
    store = Store.open(store_config)
    with store.writer(), pytest.raises(StoreBusy, match="busy"):
        ingest([seeds_dir], store_config, embedder=HashEmbedding())
    assert len(store.records()) == 5  # reading while a writer holds the lock is fine


def test_reader_reopens_during_an_ingest_in_the_same_process_break_nothing(store_config, tmp_path: Path):
    """A reader thread that reopens the client again and again (as after another process's write)
    while this process ingests: every write lands, and the write session still ends with a 'done'
    token, so other processes learn that the store changed."""
    import threading

    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(12):
        (folder / f"note_{i}.txt").write_text(f"Note {i}\n\nThe lamp in room {i} was replaced on day {i}.\n")
    store = Store.open(store_config, create=True)
    conn = store._conn
    stop = threading.Event()
    reopened = []

    def reader() -> None:
        while not stop.is_set():
            conn.broken = True  # the next call reopens the client, as a foreign write would make it
            store.records()
            reopened.append(conn.epoch)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        report = ingest([folder], store_config, embedder=HashEmbedding())
    finally:
        stop.set()
        thread.join(30)
    assert report.ok and report.count(ADDED) == 12, report
    assert len(set(reopened)) > 3, "the reader did reopen during the ingest"
    assert conn.read_token().startswith("d"), "the write session was closed with a 'done' token"
    assert_consistent(store_config.store, documents=12)


_OPEN_AT = """
import sys, time
from vectorstore.config import StoreConfig
from vectorstore.store import Store
import chromadb  # loaded before the start line, so the processes really race
at = float(sys.argv[1])
while time.time() < at:
    pass
try:
    s = Store.open(StoreConfig(store=sys.argv[2], embedder="hash"), create=True)
    print("ok", s.chunks.id)
except BaseException as e:
    print("error", type(e).__name__, e)
"""


def test_processes_creating_one_store_at_once_all_open_the_same_store(tmp_path: Path):
    """Before the open lock: 'database is locked', 'table collections already exists', or a false
    'not written by sourced' from a process that saw the chunk collection before the record one."""
    for trial in range(3):
        store = tmp_path / f"store{trial}"
        at = time.time() + 15
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _OPEN_AT, str(at), str(store)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            for _ in range(4)
        ]
        lines = [p.communicate(timeout=300)[0].decode().strip().splitlines()[-1] for p in procs]
        assert all(line.startswith("ok ") for line in lines), lines
        assert len({line.split()[1] for line in lines}) == 1, lines


def test_a_process_that_keeps_the_store_open_sees_and_keeps_other_processes_writes(tmp_path: Path):
    """The chat keeps the store open; `sourced ingest` writes from another process; then the chat
    takes an upload. Chroma alone would search a stale vector index, then persist it over the
    other process's, losing vectors ("Error finding id")."""
    articles = corpus(tmp_path / "a", 30)
    others = corpus(tmp_path / "b", 60, start=30)
    uploads = corpus(tmp_path / "c", 20, start=90)
    config = StoreConfig(store=tmp_path / "store", embedder="hash")
    emb = HashEmbedding()
    ingest([articles], config, embedder=emb)  # this process: the chat with its own store open
    store = Store.open(config)
    assert len(store.records()) == 30

    out = run_cli("ingest", str(others), "--store", str(config.store), "-q")  # another process
    assert out.returncode == 0, out.stderr

    # dense search in the long-lived process finds the other process's article
    probe = others / "article_070.txt"
    hits = store.chunks.query(
        query_embeddings=[emb.get_query_embedding(probe.read_text(encoding="utf-8")[:400])],
        n_results=3,
        include=["metadatas"],
    )
    assert hits["metadatas"][0][0]["source"] == probe.name
    assert len(store.records()) == 90

    report = ingest([uploads], config, embedder=emb)  # the chat takes an upload
    assert report.count(ADDED) == 20
    ids = assert_consistent(config.store, documents=110)
    found, total = vectors_all_indexed(config.store)
    assert total == len(ids) and found == total, f"only {found} of {total} chunks are in the vector index"


# -- read-only, full, old ------------------------------------------------------------------------


def test_read_only_store_refuses_ingest_clearly_and_still_answers(mount, minilm_seeds: Path, tmp_path: Path):
    if os.geteuid() == 0:
        folder = mount("ro", "64m")
        store = copy_store(minilm_seeds, folder / "store")
        remount(folder, "ro")
        probe = folder / "probe"
        try:
            probe.touch()
            pytest.fail("the remount did not make the folder read-only")
        except OSError:
            pass
    else:
        store = copy_store(minilm_seeds, tmp_path / "store")
        for f in [store, *store.rglob("*")]:
            f.chmod(0o555 if f.is_dir() else 0o444)
    before = sorted(f.name for f in store.rglob("*"))

    out = run_cli("ingest", str(SEED_FILES[0]), "--store", str(store), "-q")
    assert out.returncode == 1
    assert "is not writable" in out.stderr and "--store" in out.stderr, out.stderr
    no_traceback(out.stderr)

    asked, answer = ask_json(store)
    assert asked.returncode == 0, asked.stderr
    assert_cites_seeds(answer)
    assert status(store)["chunks"] > 0

    assistant = Assistant.open(config=Config(store=StoreConfig(store=store), generator="extractive"))
    assert assistant.store.read_only
    assert assistant.ask(QUESTION).answerable
    with pytest.raises(StoreReadOnly):  # an upload in the chat
        assistant.ingest([SEED_FILES[0]])
    assert assistant.ask("When will the summit take place?").question  # still serving after the refusal
    assert sorted(f.name for f in store.rglob("*")) == before, "something was written to the read-only store"


def test_full_disk_stops_ingest_with_a_clear_message_and_the_store_still_answers(
    mount, minilm_seeds: Path, tmp_path: Path
):
    folder = mount("small", "4m")
    store = copy_store(minilm_seeds, folder / "store")
    before = {d["source"]: (d["version"], d["chunks"]) for d in status(store)["documents"]}
    big = corpus(tmp_path / "big", 40)  # ~560 chunks: ~10 MB in Chroma, on a 4 MB disk

    out = run_cli("ingest", str(big), "--store", str(store), "-q", timeout=900)
    assert out.returncode == 1, out.stdout
    assert "The disk holding" in out.stderr and "is full" in out.stderr and "Free some space" in out.stderr
    no_traceback(out.stderr)

    after = {d["source"]: (d["version"], d["chunks"]) for d in status(store)["documents"]}
    assert {s: after.get(s) for s in before} == before, "documents stored before the full disk changed"
    assert_consistent(store)
    asked, answer = ask_json(store)
    assert asked.returncode == 0, asked.stderr
    assert_cites_seeds(answer, big)  # the articles stored before the disk filled are the seeds' sentences

    remount(folder, "size=128m")  # space freed: the same command finishes the job
    again = run_cli("ingest", str(big), "--store", str(store), "-q", timeout=900)
    assert again.returncode == 0, again.stderr
    assert_consistent(store, documents=45)


def test_disk_full_inside_chroma_is_reported_and_nothing_is_lost(mount, seeds_dir: Path, tmp_path: Path, monkeypatch):
    """Without the reserve, Chroma itself runs out of space mid-write: every call says so (no
    hang, no traceback), and once space is freed the store reads, and re-ingests, as before."""
    from vectorstore.store import space

    folder = mount("tiny", "4m")
    config = StoreConfig(store=folder / "store", embedder="hash")
    ingest([seeds_dir], config, embedder=HashEmbedding())
    seed_ids = sorted(Store.open(config).chunk_ids())
    monkeypatch.setattr(space, "RESERVE_BYTES", 0)
    monkeypatch.setattr(space, "CHUNK_BYTES", 0)

    with pytest.raises(StoreFull, match="is full"):
        ingest([corpus(tmp_path / "big", 150)], config, embedder=HashEmbedding())
    for _ in range(2):  # reading while the disk is still full: either it works or it says why
        try:
            records = Store.open(config).records()
            assert set(records) >= SEED_NAMES
        except StoreFull as e:
            assert "Free some space" in str(e)

    remount(folder, "size=128m")
    store = Store.open(config)
    assert set(store.records()) >= SEED_NAMES
    assert set(seed_ids) <= set(store.chunk_ids()), "chunks stored before the full disk were lost"
    report = ingest([seeds_dir, tmp_path / "big"], config, embedder=HashEmbedding())
    assert report.ok and report.count(UNCHANGED) >= 5
    assert report.total_documents == 155
    release(config)
    ids = assert_consistent(config.store, documents=155)
    assert vectors_all_indexed(config.store) == (len(ids), len(ids))


_OLD_STORES = {
    "no-docs-collection": """
import chromadb
c = chromadb.PersistentClient(path={path!r})
col = c.create_collection("articles", metadata={{"hnsw:space": "cosine"}})
col.add(ids=["a"], embeddings=[[0.1] * 384], documents=["An article chunk from a plain llama-index store."])
""",
    "schema-0": """
import chromadb
c = chromadb.PersistentClient(path={path!r})
docs = c.get_collection("articles__docs")
docs.modify(metadata={{"sourced_schema": 0, "embedder": "hash"}})
""",
}


@pytest.mark.parametrize("kind", sorted(_OLD_STORES))
def test_store_from_an_older_version_is_refused_clearly_and_left_alone(kind: str, tmp_path: Path, seeds_dir: Path):
    store = tmp_path / "store"
    if kind == "schema-0":
        assert run_cli("ingest", str(seeds_dir), "--store", str(store), "--embedder", "hash", "-q").returncode == 0
    else:
        store.mkdir()
    made = subprocess.run([sys.executable, "-c", _OLD_STORES[kind].format(path=str(store))], capture_output=True)
    assert made.returncode == 0, made.stderr.decode()[-2000:]
    files = {f.name: f.stat().st_size for f in store.rglob("*") if f.is_file() and "lock" not in f.name}

    expected = "has format 0" if kind == "schema-0" else "was not written by sourced (or by an older version)"
    for args in (["status"], ["ask", QUESTION, "--generator", "extractive"], ["ingest", str(seeds_dir)]):
        out = run_cli(*args, "--store", str(store))
        assert out.returncode == 1, (args, out.stdout)
        assert expected in out.stderr and "new --store" in out.stderr, out.stderr
        no_traceback(out.stderr)
    with pytest.raises(StoreIncompatible, match="format 0" if kind == "schema-0" else "older version"):
        Assistant.open(config=Config(store=StoreConfig(store=store), generator="extractive"))
    assert {f.name: f.stat().st_size for f in store.rglob("*") if f.is_file() and "lock" not in f.name} == files


# -- Chroma server mode ------------------------------------------------------------------------


class ChromaServer:
    """A `chroma run` we can kill and start again on the same port and data folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        chroma = VENV_BIN / "chroma"
        if not chroma.exists():
            require("Chroma server", "SOURCED_TEST_REQUIRE_SERVER", "the `chroma` command is not installed")
        deadline = time.time() + 120
        while True:
            self.proc = subprocess.Popen(
                [str(chroma), "run", "--host", "127.0.0.1", "--port", str(self.port), "--path", str(self.path)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            while self.proc.poll() is None and not _heartbeat(self.url) and time.time() < deadline:
                time.sleep(0.3)
            if _heartbeat(self.url):
                return
            self.proc.kill()
            self.proc.wait()
            if time.time() > deadline:
                require("Chroma server", "SOURCED_TEST_REQUIRE_SERVER", "`chroma run` did not start")
            time.sleep(1)  # the port may still be held by the killed server

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path / "chroma-data")
    server.start()
    yield server
    server.kill()


@pytest.mark.server
def test_chroma_server_restart_during_a_session(chroma: ChromaServer, seeds_dir: Path, tmp_path: Path):
    config = StoreConfig(store=tmp_path / "unused", collection="restart", chroma_url=chroma.url, embedder="hash")
    emb = HashEmbedding()
    ingest([seeds_dir], config, embedder=emb)
    assistant = Assistant.open(config=Config(store=config, generator="extractive"), embedder=emb)
    before = [p.id for p in assistant.retrieve(QUESTION)]
    assert before

    chroma.kill()
    for _ in range(2):  # every question while it is down: a clear message, quickly, no crash loop
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as err:
            assistant.ask(QUESTION)
        assert time.monotonic() - started < 60
        assert f"Lost the connection to the Chroma server at {chroma.url}" in str(err.value)
        assert "reconnects" in str(err.value)
    down = run_cli("ask", QUESTION, "--chroma-url", chroma.url, "--collection", "restart")
    assert down.returncode == 1 and "Cannot reach the Chroma server" in down.stderr
    no_traceback(down.stderr)

    chroma.start()  # same port, same data: the next question reconnects by itself
    assert [p.id for p in assistant.retrieve(QUESTION)] == before
    assert assistant.ask(QUESTION).question == QUESTION

    chroma.kill()  # restarted between two questions, unseen: the retry covers the dead connection
    chroma.start()
    assert [p.id for p in assistant.retrieve(QUESTION)] == before

    with pytest.raises(StoreError):  # a write while it is down says so too
        chroma.kill()
        ingest([corpus(tmp_path / "more", 2)], config, embedder=emb)
