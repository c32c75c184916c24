"""Several processes on one embedded store: what goes wrong without a reopen, and what the reopen costs.

    .venv/bin/python bench/cross_process.py                      # 30 + 60 + 20 articles, 20 reopen timings
    .venv/bin/python bench/cross_process.py --out docs/bench/cross-process.json

The situation is the chat (a long-lived process with the store open) while `sourced ingest`
writes from another process, then the chat taking an upload. Two ways of keeping the store open
in the long-lived process are compared, on synthetic articles with the instant `hash` embedder:

* `raw`: a plain `chromadb.PersistentClient`, kept open as Chroma's docs suggest;
* `sourced`: `vectorstore.store.Store` (generation token; reopen with `Client.close()` and a new
  `PersistentClient`, the public API only).

For each, after the other process's ingest: how many of its chunks the long-lived process finds
by their own vector (nearest distance < 1e-4); then, after the long-lived process writes, how
many chunks a fresh process still finds in the vector index. Then the cost: a reopen on a store
of that size (closing, opening, and the first query, which loads the index), and the freshness
check made before every call when nothing changed.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vectorstore.config import StoreConfig  # noqa: E402
from vectorstore.embedding import HashEmbedding  # noqa: E402
from vectorstore.ingest import ingest  # noqa: E402
from vectorstore.store import Store, release  # noqa: E402

SOURCED = Path(sys.executable).parent / "sourced"
WORDS = ["amber", "basalt", "cobalt", "delta", "ember", "fjord", "garnet", "harbor", "indigo", "juniper", "kestrel"]


def corpus(folder: Path, n: int, start: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        rng = random.Random(i)
        sentences = [" ".join(rng.choices(WORDS, k=12)).capitalize() + f" number {i}-{j}." for j in range(40)]
        (folder / f"article_{i:03d}.txt").write_text(f"Article {i}\n\n{' '.join(sentences)}\n", encoding="utf-8")
    return folder


def fresh_read(store: Path, ids: list[str] | None = None) -> dict:
    """In a new process: chunk ids and how many chunks find their own vector in the index."""
    code = textwrap.dedent(
        f"""
        import json, chromadb
        c = chromadb.PersistentClient(path={str(store)!r}).get_collection("articles")
        got = c.get(ids={ids!r}, include=["embeddings"])
        ids, embs = got["ids"], [list(map(float, e)) for e in got["embeddings"]]
        found = 0
        for i in range(0, len(ids), 200):
            try:
                q = c.query(query_embeddings=embs[i:i + 200], n_results=1, include=["distances"])
                found += sum(1 for d in q["distances"] if d and d[0] < 1e-4)
            except Exception as e:
                print("query failed:", type(e).__name__, str(e)[:200])
        print(json.dumps({{"ids": ids, "embeddings": embs, "found": found}}))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def found_by(query, embeddings: list[list[float]]) -> int:
    found = 0
    for i in range(0, len(embeddings), 200):
        q = query(query_embeddings=embeddings[i : i + 200], n_results=1, include=["distances"])
        found += sum(1 for d in q["distances"] if d and d[0] < 1e-4)
    return found


def scenario(mode: str, work: Path, args: argparse.Namespace) -> dict:
    import chromadb

    first = corpus(work / "a", args.articles, 0)
    others = corpus(work / "b", args.others, args.articles)
    uploads = corpus(work / "c", args.uploads, args.articles + args.others)
    config = StoreConfig(store=work / "store", embedder="hash")
    emb = HashEmbedding()
    ingest([first], config, embedder=emb)
    release(config)  # `raw` must be the only client in this process; `sourced` opens its own
    if mode == "raw":
        client = chromadb.PersistentClient(path=str(config.store))
        chunks = client.get_collection("articles")
    else:
        store = Store.open(config)
        chunks = store.chunks
    chunks.count()  # the index is loaded and held from here on

    before = set(fresh_read(config.store)["ids"])
    out = subprocess.run(
        [str(SOURCED), "ingest", str(others), "--store", str(config.store), "-q"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    theirs = fresh_read(config.store)
    new = [(i, e) for i, e in zip(theirs["ids"], theirs["embeddings"], strict=True) if i not in before]
    seen = found_by(chunks.query, [e for _, e in new])

    error = ""
    try:  # the long-lived process writes (the chat takes an upload)
        if mode == "raw":
            rng = random.Random(0)
            for k in range(args.uploads):
                vec = [rng.random() for _ in range(384)]
                chunks.upsert(ids=[f"upload-{k}"], embeddings=[vec], documents=[f"upload {k}"])
            client.close()
        else:
            ingest([uploads], config, embedder=emb)
            release(config)
    except Exception as e:  # noqa: BLE001 - recorded: it is the measurement
        error = f"{type(e).__name__}: {str(e)[:200]}"
    after = fresh_read(config.store)
    return {
        "mode": mode,
        "other_process_chunks": len(new),
        "found_by_long_lived_process": seen,
        "write_error": error,
        "chunks_after_write": len(after["ids"]),
        "indexed_after_write": after["found"],
    }


def costs(work: Path, rounds: int) -> dict:
    config = StoreConfig(store=work / "store", embedder="hash")
    store = Store.open(config)
    conn = store._conn  # noqa: SLF001 - the bench times the connection's own steps
    chunks = store.chunk_ids()
    reopen = []
    for _ in range(rounds):
        t = time.perf_counter()
        with conn.lock.exclusive():  # as `Connection.sync` does
            conn.reopen()
        store.chunks.query(query_embeddings=[[1.0] + [0.0] * 383], n_results=1)  # loads the index again
        reopen.append(time.perf_counter() - t)
    t = time.perf_counter()
    for _ in range(1000):
        conn.sync()
    check_us = (time.perf_counter() - t) / 1000 * 1e6
    t = time.perf_counter()
    store.chunks.query(query_embeddings=[[1.0] + [0.0] * 383], n_results=1)
    query_ms = (time.perf_counter() - t) * 1000
    release(config)
    return {
        "chunks": len(chunks),
        "reopen_ms_median": round(statistics.median(reopen) * 1000, 1),
        "reopen_ms_max": round(max(reopen) * 1000, 1),
        "freshness_check_us": round(check_us, 1),
        "one_query_ms": round(query_ms, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--others", type=int, default=60)
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    report: dict = {"args": {k: str(v) for k, v in vars(args).items()}, "scenarios": []}
    with tempfile.TemporaryDirectory(prefix="sourced-xproc-") as tmp:
        for mode in ("raw", "sourced"):
            report["scenarios"].append(scenario(mode, Path(tmp) / mode, args))
        report["costs"] = costs(Path(tmp) / "sourced", args.rounds)
    print("| mode | other process's chunks | found by the long-lived process | write error | chunks after its write | of them in the vector index |")  # noqa: E501
    print("|---|---|---|---|---|---|")
    for s in report["scenarios"]:
        print(f"| {s['mode']} | {s['other_process_chunks']} | {s['found_by_long_lived_process']} | "
              f"{s['write_error'] or 'none'} | {s['chunks_after_write']} | {s['indexed_after_write']} |")  # fmt: skip
    c = report["costs"]
    print(f"\nreopen + first query on {c['chunks']} chunks: median {c['reopen_ms_median']} ms", end="")
    print(f", max {c['reopen_ms_max']} ms")
    print(f"freshness check when nothing changed: {c['freshness_check_us']} µs; one query: {c['one_query_ms']} ms")
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
