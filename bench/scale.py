"""Scale: retrieval latency, hit@5 and disk size as the store grows from the SQuAD half to 10k and 100k chunks.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/scale.py [--sizes 10000 100000] [--questions 200]
        [--time-limit 5400] [--reuse] [--plot docs/img/bench-scale.png]

Filler. The store starts with the 24 SQuAD articles (~2.1k chunks) and grows with copies of them under
new names, `cNNN_<article>.txt`, each with one line appended at its end, `(copy NNN)`, so that every
copy is a new document (a file with the same content as a stored one would be skipped as a duplicate).
Chunks are grouped greedily from the start of a file, so a change at the *end* alters only a copy's
last chunk: every other chunk is textually identical to the original's, and our ingest reuses the
stored vector of an identical chunk text (by chunk hash) instead of embedding it again. Growing to 100k
chunks therefore embeds ~1 new chunk per copied article (~1.1k in all) rather than 98k, which would take
hours with MiniLM on two cores. (A "copy N" header line instead shifts the grouping of some paragraphs:
measured, 404 of 2,079 chunks per copy of the corpus changed instead of 24.) The vectors of the copies
are therefore exact duplicates: nearest-neighbour search must rank among identical candidates, which
is the hardest case for "is the gold file in the top 5", and the cheapest for the embedder.

Questions. A fixed random sample of the SQuAD questions, whose gold source stays the *original* file.
Two hit@5 figures per mode: `strict`, as `sourced eval` scores it (a passage from the original file,
or merged with one via `also_in`, holding a gold answer), which falls as copies crowd the original out
of the top 5 by ties; and `any copy`, where a copy of the right article counts too: whether retrieval
still finds the answer-bearing text as the store grows.

Measured at each size: the ingest that grew the store (seconds, chunks embedded vs reused), the
lexical index build, retrieval p50/p95 per mode (`qa.evaluation.retrieve_ranked`: dense, bm25, hybrid,
hybrid+rerank; and the plain llama-index `VectorStoreIndex` retriever over the same Chroma collection),
the store's size on disk, and the process's peak RSS. Every step logs its progress; `--time-limit`
stops growing (between steps) once the run has taken that long, and the results so far are kept.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    OUT,
    ROOT,
    dir_size_mib,
    log,
    machine,
    machine_line,
    peak_rss_mib,
    percentile,
    setup_env,
    squad_corpus,
    squad_data,
    table,
    write_json,
)

setup_env()

MODES = ("dense", "bm25", "hybrid", "hybrid+rerank", "li-dense")
K = 5
_COPY = re.compile(r"^c\d{3}_")


def original_name(source: str) -> str:
    """`c007_Amazon_rainforest.txt` -> `Amazon_rainforest.txt` (the article a copy was made from)."""
    return _COPY.sub("", source)


def copy_text(text: str, n: int) -> str:
    return text.rstrip("\n") + f"\n\n(copy {n:03d})\n"


def grow(folder: Path, originals: list[Path], counts: dict[str, int], target: int) -> list[Path]:
    """The originals, then copies (article by article, copy after copy) until they hold >= target chunks.

    Copies are written when missing; `counts` caches each file's chunk count across steps.
    """
    from vectorstore.chunking import chunk_document
    from vectorstore.documents import load_document

    files: list[Path] = []
    total, n = 0, 0
    while True:
        for src in originals:
            if n and total >= target:
                return files
            dest = folder / (f"c{n:03d}_{src.name}" if n else src.name)
            if not dest.exists():
                text = src.read_text(encoding="utf-8")
                dest.write_text(copy_text(text, n) if n else text, encoding="utf-8")
            if dest.name not in counts:
                counts[dest.name] = len(chunk_document(load_document(dest, 1 << 30)))
            files.append(dest)
            total += counts[dest.name]
        if total >= target:
            return files
        n += 1


def measure(store_config, questions: list, top: int) -> dict[str, Any]:
    """Open the assistant on the store as it is now and time every mode on every question."""
    from llama_index.core import VectorStoreIndex

    from qa.assistant import Assistant
    from qa.evaluation import hit_rank, retrieve_ranked
    from vectorstore.embedding import as_llama_index

    t = time.perf_counter()
    assistant = Assistant.open(store=store_config.store, generator="extractive")
    assistant.retriever.refresh()
    index_s = time.perf_counter() - t
    li = VectorStoreIndex.from_vector_store(
        assistant.store.vector_store(), embed_model=as_llama_index(assistant.embedder)
    )
    li_retriever = li.as_retriever(similarity_top_k=K)
    log(f"  opened: {assistant.retriever.size} chunks, lexical index built in {index_s:.1f} s")

    def run(mode: str, q) -> list[dict]:
        if mode == "li-dense":
            return [
                {"source": n.node.metadata.get("source", ""), "text": n.node.get_content(), "also_in": []}
                for n in li_retriever.retrieve(q.question)
            ]
        return [
            {"source": p.source, "text": p.text, "also_in": [loc.source for loc in p.also_in]}
            for p in retrieve_ranked(assistant, q.question, mode)
        ]

    for q in questions[:3]:  # warm-up: first-call costs, not counted
        for mode in MODES:
            run(mode, q)
    lat: dict[str, list[float]] = {m: [] for m in MODES}
    strict: dict[str, list[bool]] = {m: [] for m in MODES}
    family: dict[str, list[bool]] = {m: [] for m in MODES}
    started = time.perf_counter()
    timed = questions[3 : 3 + top]
    for i, q in enumerate(timed, start=1):
        for mode in MODES if i % 2 else reversed(MODES):
            t = time.perf_counter()
            rows = run(mode, q)
            lat[mode].append(time.perf_counter() - t)
            strict[mode].append(hit_rank(rows, q.answers, q.sources, K) > 0)
            as_original = [
                {**r, "source": original_name(r["source"]), "also_in": [original_name(s) for s in r["also_in"]]}
                for r in rows
            ]
            family[mode].append(hit_rank(as_original, q.answers, q.sources, K) > 0)
        if i % 25 == 0 or i == len(timed):
            log(f"  {i}/{len(timed)} questions, {time.perf_counter() - started:.0f} s")
    return {
        "chunks": assistant.retriever.size,
        "index_build_s": index_s,
        "latency_s": lat,
        "hit@5_strict": {m: sum(v) / len(v) for m, v in strict.items()},
        "hit@5_any_copy": {m: sum(v) / len(v) for m, v in family.items()},
    }


def plot(steps: list[dict[str, Any]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [s["chunks"] for s in steps]
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8))
    ax = axes[0]
    for m in MODES:
        p50 = [percentile(s["latency_s"][m], 50) * 1000 for s in steps]
        p95 = [percentile(s["latency_s"][m], 95) * 1000 for s in steps]
        (line,) = ax.plot(xs, p50, marker="o", label=f"{m} p50")
        ax.plot(xs, p95, marker="x", linestyle="--", color=line.get_color(), alpha=0.6, label=f"{m} p95")
    ax.set(xscale="log", yscale="log", xlabel="chunks in the store", ylabel="retrieval latency (ms)")
    ax.set_title("Retrieval latency (p50 solid, p95 dashed)")
    ax.legend(fontsize=7, ncol=2)
    ax = axes[1]
    for m in MODES:
        (line,) = ax.plot(xs, [s["hit@5_any_copy"][m] for s in steps], marker="o", label=f"{m}, any copy")
        ax.plot(xs, [s["hit@5_strict"][m] for s in steps], marker="x", linestyle="--", color=line.get_color())
    ax.set(xscale="log", ylim=(0, 1), xlabel="chunks in the store", ylabel=f"hit@{K}")
    ax.set_title(f"hit@{K}: a copy counts (solid) / original file only (dashed)")
    ax.legend(fontsize=7)
    ax = axes[2]
    ax.plot(xs, [s["disk_mib"] for s in steps], marker="o", color="tab:blue", label="store on disk (MiB)")
    ax.set(xscale="log", yscale="log", xlabel="chunks in the store", ylabel="MiB on disk")
    ax2 = ax.twinx()
    ax2.plot(xs, [s["peak_rss_mib"] for s in steps], marker="s", color="tab:red", label="peak RSS (MiB)")
    ax2.set_ylabel("peak RSS of the process (MiB)")
    ax.set_title("Disk and memory")
    ax.legend(loc="upper left", fontsize=7)
    ax2.legend(loc="lower right", fontsize=7)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def summarize(steps: list[dict[str, Any]]) -> str:
    grow_rows = [
        [
            f"{s['chunks']:,}",
            s["documents"],
            f"{s['ingest_s']:.0f}",
            f"{s['embedded']:,}",
            f"{s['written'] - s['embedded']:,}",
            f"{s['index_build_s']:.1f}",
            f"{s['disk_mib']:.0f}",
            f"{s['disk_mib'] * 2**20 / s['chunks'] / 1024:.1f}",
            f"{s['peak_rss_mib']:.0f}",
        ]
        for s in steps
    ]
    out = [
        table(
            [
                "chunks",
                "documents",
                "ingest s (this step)",
                "embedded",
                "reused by hash",
                "lexical index build s",
                "disk MiB",
                "KiB/chunk",
                "peak RSS MiB",
            ],
            grow_rows,
        ),
        "",
    ]
    rows = []
    for s in steps:
        for m in MODES:
            xs = s["latency_s"][m]
            rows.append(
                [
                    f"{s['chunks']:,}",
                    f"`{m}`",
                    f"{percentile(xs, 50) * 1000:.1f}",
                    f"{percentile(xs, 95) * 1000:.1f}",
                    f"{s['hit@5_strict'][m]:.1%}",
                    f"{s['hit@5_any_copy'][m]:.1%}",
                ]
            )
    out.append(table(["chunks", "mode", "p50 ms", "p95 ms", f"hit@{K} strict", f"hit@{K} any copy"], rows))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000], help="chunk counts to grow to")
    ap.add_argument("--questions", type=int, default=200, help="timed questions per size (fixed random sample)")
    ap.add_argument("--squad", help="SQuAD v1.1 JSON (default ../shared/data/squad-public-half.json)")
    ap.add_argument("--work", type=Path, default=OUT / "scale", help="folder for the articles and the store")
    ap.add_argument("--reuse", action="store_true", help="keep the store of an earlier run (ingest only what is new)")
    ap.add_argument("--time-limit", type=float, default=5400, help="seconds after which no further size is started")
    ap.add_argument("--plot", type=Path, default=ROOT / "docs" / "img" / "bench-scale.png")
    ap.add_argument("--json-out", type=Path, default=OUT / "scale.json")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    from qa.evaluation import load_questions
    from vectorstore.config import StoreConfig
    from vectorstore.ingest import ingest

    started = time.perf_counter()
    info = machine()
    log(machine_line(info))
    conv = squad_corpus(squad_data(args.squad))
    articles = args.work / "articles"
    store = args.work / "store"
    if not args.reuse:
        shutil.rmtree(args.work, ignore_errors=True)
    articles.mkdir(parents=True, exist_ok=True)
    originals = sorted(Path(conv["articles_dir"]).glob("*.txt"))
    counts: dict[str, int] = {}
    questions = random.Random(args.seed).sample(load_questions(conv["questions_path"]), args.questions + 3)
    config = StoreConfig(store=store)

    steps: list[dict[str, Any]] = []
    results: dict[str, Any] = {"machine": info, "command": " ".join(sys.argv), "steps": steps}
    for target in [0, *sorted(args.sizes)]:  # 0: the originals alone
        if time.perf_counter() - started > args.time_limit:
            log(f"time limit reached ({args.time_limit:.0f} s): not growing to {target:,}")
            break
        wanted = grow(articles, originals, counts, target)
        corpus = sum(counts[f.name] for f in wanted)
        log(f"size {target:,}: {len(wanted)} documents, {corpus:,} chunks; ingesting")
        t = time.perf_counter()
        report = ingest(wanted, config, show_progress=True)
        ingest_s = time.perf_counter() - t
        log(f"  {report.summary()}")
        step = {
            "target": target,
            "documents": report.total_documents,
            "ingest_s": ingest_s,
            "embedded": report.chunks_embedded,
            "written": report.chunks_written,
            **measure(config, questions, args.questions),
        }
        step["disk_mib"] = dir_size_mib(store)
        step["peak_rss_mib"] = peak_rss_mib()
        steps.append(step)
        write_json(args.json_out, results)
        plot(steps, args.plot, f"sourced retrieval at scale - {machine_line(info)}")
        log(f"  done: {step['chunks']:,} chunks, {step['disk_mib']:.0f} MiB on disk; plot {args.plot}")
    print(f"Machine: {machine_line(info)}\n")
    print(f"Command: `{' '.join(['.venv/bin/python', 'bench/scale.py', *sys.argv[1:]])}`\n")
    print(summarize(steps))
    print(f"\nTotal {time.perf_counter() - started:.0f} s. Plot: {args.plot}; raw numbers: {args.json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
