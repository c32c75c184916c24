"""Retrieval and answer evaluation at scale: the SQuAD half, and the same comparison on the seed questions.

Usage:
    python eval/squad_eval.py [--data ../shared/data/squad-public-half.json] [--work eval/squad]
                              [--out eval/out/squad_eval.md] [--modes baseline,bm25,dense,hybrid,hybrid+rerank]
                              [--answer-modes hybrid+rerank,...] [--limit N] [--fresh]
    python eval/squad_eval.py --seeds [--out eval/out/seed_retrieval.md]

SQuAD run (the default):

1. `eval/squad.py`'s `convert()` turns the SQuAD JSON into one article per title and the question set
   (all 5,609 questions, plus the fixed 500-question sample, seed 0) under `--work`.
2. The articles are ingested into `--work/store` with MiniLM (idempotent: an unchanged store is reused
   as is; the first ingest of the 24 articles takes a minute or two on 2 cores).
3. Retrieval hit@1 / hit@5 / MRR@5 on every question for five systems, in the same run, over the same
   articles and the same embedder:
   * `baseline`: plain llama-index, `VectorStoreIndex.from_documents(SimpleDirectoryReader(...))` with its
     defaults (SentenceSplitter, 1,024-token chunks, 200 overlap) into a ChromaVectorStore in a separate
     collection (`llamaindex_baseline`) of the same Chroma store, embed_model = the same MiniLM, top 5;
   * `bm25`, `dense`, `hybrid`, `hybrid+rerank`: our retrieval modes (`qa.evaluation.retrieve_ranked`,
     the retrieval half of `Assistant.ask`), top k=5 after merging near-duplicates.
   A hit is a top-5 passage from the question's article that contains a gold answer (`qa.evaluation`).
4. Answer accuracy, citation metrics and false refusals with the extractive generator on the fixed
   500-question sample, through the full `Assistant.ask`, for each of `--answer-modes`. The hybrid+rerank
   answer run doubles as a consistency check: its `Answer.retrieved` must equal `retrieve_ranked`'s.

Resumable and cached (all under `--work/cache`): question embeddings are computed once (one batch pass;
every mode reuses them), and every mode appends its per-question lines to a cache file as it goes, so an
interrupted run continues where it stopped. Cache keys include the questions, the store's documents, the
source of `qa/` and `vectorstore/` and the llama-index version, so a change to the pipeline invalidates
exactly what it affects. `--fresh` ignores the caches (and rebuilds the baseline index).

`--seeds` runs the comparison on `eval/seed_questions.jsonl` over `seeds/` (store in `--work`, default
`eval/out/seeds`): each of our modes through the full `Assistant.ask` (so follow-ups are rewritten first),
the llama-index baseline on the same standalone questions.

Writes a markdown table to `--out` and the numbers as JSON next to it (same name, `.json`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import numpy as np  # noqa: E402
from squad import DEFAULT_DATA, convert  # noqa: E402

from qa.evaluation import (  # noqa: E402
    Question,
    evaluate,
    hit_rank,
    load_questions,
    metrics_from_results,
    retrieve_ranked,
)

OURS = ("bm25", "dense", "hybrid", "hybrid+rerank")
MODES = ("baseline", *OURS)
LABELS = {
    "baseline": "llama-index VectorStoreIndex (defaults)",
    "bm25": "BM25 alone",
    "dense": "dense only (MiniLM)",
    "hybrid": "hybrid (dense + BM25, RRF)",
    "hybrid+rerank": "hybrid + rerank (default)",
}
BASELINE_COLLECTION = "llamaindex_baseline"
K = 5
WARM: dict[str, float] = {}  # the sentence-cache warm-up of this process
CODE: dict[str, str | None] = {}  # the code this process runs (taken at start: the tree may change meanwhile)


# -- caching -------------------------------------------------------------------------------------


def digest(*parts: Any) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:16]


def code_digest() -> str:
    """The source of the pipeline (qa/ and vectorstore/; of the evaluation only `retrieve_ranked`), for cache keys."""
    import inspect

    files = sorted((ROOT / "qa").glob("*.py")) + sorted((ROOT / "vectorstore").glob("*.py"))
    skip = {"report.py", "evaluation.py"}
    return digest(inspect.getsource(retrieve_ranked), *[f.read_bytes() for f in files if f.name not in skip])


def git_state() -> str | None:
    """The commit, and whether the pipeline's files differ from it (read-only git calls)."""
    import subprocess

    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "qa", "vectorstore"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head} (+ uncommitted changes in qa/ or vectorstore/)" if dirty else head or None


def questions_digest(questions: Sequence[Question]) -> str:
    return digest(*[f"{q.id}\t{q.question}" for q in questions])


def read_cache(path: Path) -> dict[str, dict]:
    """Lines already computed (by id); a torn last line (killed run) is ignored."""
    done: dict[str, dict] = {}
    if path.is_file():
        for raw in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(raw)
            except json.JSONDecodeError:
                continue
            done[row["id"]] = row
    return done


def question_embeddings(embedder, questions: Sequence[Question], cache: Path, fresh: bool) -> np.ndarray:
    """One query embedding per question, computed once in batches and kept in `cache` (.npy)."""
    from tqdm import tqdm

    if cache.is_file() and not fresh:
        vectors = np.load(cache)
        if len(vectors) == len(questions):
            return vectors
    texts = [q.question for q in questions]
    batch = 128
    out: list[np.ndarray] = []
    embed = getattr(embedder, "_embed", None)  # HuggingFaceEmbedding: batched, with the query prompt
    for i in tqdm(range(0, len(texts), batch), desc="embedding questions", unit="batch", file=sys.stderr):
        chunk = texts[i : i + batch]
        vecs = embed(chunk, prompt_name="query") if embed else [embedder.get_query_embedding(t) for t in chunk]
        out.append(np.asarray(vecs, dtype=np.float32))
    vectors = np.concatenate(out)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_name(cache.stem + ".tmp.npy")
    np.save(tmp, vectors)
    tmp.replace(cache)
    return vectors


# -- the llama-index baseline ----------------------------------------------------------------------


def baseline_retriever(client, articles: Path, embedder, fresh: bool = False, top_k: int = K):
    """A plain llama-index retriever over `articles`, built once into its own Chroma collection."""
    import llama_index.core
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from vectorstore.embedding import as_llama_index

    embedder = as_llama_index(embedder)

    files = sorted(articles.glob("*.txt"))
    fingerprint = digest(llama_index.core.__version__, *[f.name.encode() + f.read_bytes() for f in files])
    names = {getattr(c, "name", c) for c in client.list_collections()}
    collection = None
    if BASELINE_COLLECTION in names:
        collection = client.get_collection(BASELINE_COLLECTION)
        meta = collection.metadata or {}
        if fresh or meta.get("fingerprint") != fingerprint or not meta.get("complete") or collection.count() == 0:
            client.delete_collection(BASELINE_COLLECTION)
            collection = None
    if collection is None:
        started = time.perf_counter()
        collection = client.create_collection(BASELINE_COLLECTION, metadata={"fingerprint": fingerprint})
        store = ChromaVectorStore(chroma_collection=collection)
        docs = SimpleDirectoryReader(input_files=[str(f) for f in files]).load_data()
        VectorStoreIndex.from_documents(
            docs,
            storage_context=StorageContext.from_defaults(vector_store=store),
            embed_model=embedder,
            show_progress=True,
        )
        collection.modify(metadata={"fingerprint": fingerprint, "complete": True})
        print(f"baseline index: {collection.count()} chunks in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    index = VectorStoreIndex.from_vector_store(ChromaVectorStore(chroma_collection=collection), embed_model=embedder)
    return index.as_retriever(similarity_top_k=top_k)


def baseline_ranked(retriever, question: str, embedding: Sequence[float] | None) -> list[dict]:
    from llama_index.core.schema import QueryBundle

    vector = None if embedding is None else [float(x) for x in embedding]
    nodes = retriever.retrieve(QueryBundle(query_str=question, embedding=vector))
    return [
        {"source": n.node.metadata.get("file_name", ""), "text": n.node.get_content(), "score": float(n.score or 0)}
        for n in nodes
    ]


# -- retrieval at scale ------------------------------------------------------------------------------


def retrieval_run(
    mode: str,
    questions: Sequence[Question],
    rank: Callable[[int, Question], list[dict]],
    cache: Path,
    fresh: bool,
    prepare: Callable[[], None] | None = None,
) -> list[dict]:
    """Per-question retrieval lines for one mode (resumable: computed lines are read back from `cache`).

    `prepare` runs first, and only if something is left to compute (the sentence-cache warm-up).
    """
    from tqdm import tqdm

    done = {} if fresh else read_cache(cache)
    if fresh and cache.exists():
        cache.unlink()
    todo = [(i, q) for i, q in enumerate(questions) if q.id not in done]
    if todo:
        if prepare:
            prepare()
        cache.parent.mkdir(parents=True, exist_ok=True)
        with cache.open("a", encoding="utf-8") as f:
            for i, q in tqdm(todo, desc=f"retrieval {mode}", unit="q", file=sys.stderr, initial=len(done),
                             total=len(questions)):
                started = time.perf_counter()
                passages = rank(i, q)
                ms = (time.perf_counter() - started) * 1000.0
                row = {
                    "id": q.id,
                    "rank": hit_rank(passages, q.answers, q.sources, K),
                    "top": [[p["source"], p.get("start")] for p in passages],
                    "chars": sum(len(p["text"]) for p in passages),
                    "ms": round(ms, 2),
                }
                done[q.id] = row
                f.write(json.dumps(row) + "\n")
    return [done[q.id] for q in questions]


def retrieval_metrics(rows: Sequence[dict]) -> dict:
    n = len(rows) or 1
    ms = sorted(r["ms"] for r in rows)
    return {
        "questions": len(rows),
        "hit@1": sum(r["rank"] == 1 for r in rows) / n,
        "hit@5": sum(r["rank"] > 0 for r in rows) / n,
        "mrr": sum(1.0 / r["rank"] for r in rows if r["rank"]) / n,
        "mean_chars": sum(r["chars"] for r in rows) / n,
        "ms_p50": ms[len(ms) // 2] if ms else None,
    }


def _passage(p) -> dict:
    return {"source": p.source, "text": p.text, "start": p.start, "also_in": [loc.source for loc in p.also_in]}


# -- answers -----------------------------------------------------------------------------------------


def answer_run(assistant, mode: str, questions: Sequence[Question], cache: Path, fresh: bool) -> list[dict]:
    """Full `Assistant.ask` results for one retrieval mode (resumable through `cache`)."""
    done = {} if fresh else read_cache(cache)
    if fresh and cache.exists():
        cache.unlink()
    todo = [q for q in questions if q.id not in done]
    assistant.config.retrieval = mode
    if todo:
        ensure_warm(assistant, cache.parent)
        cache.parent.mkdir(parents=True, exist_ok=True)
        with cache.open("a", encoding="utf-8") as f:
            results, _ = evaluate(assistant, todo, K, out=f, desc=f"answers {mode}")
        done.update({r["id"]: r for r in results})
    return [done[q.id] for q in questions]


def answer_metrics(results: Sequence[dict]) -> dict:
    m = metrics_from_results(results, K)
    return {key: m[key] for key in ("questions", "hit@1", "hit@k", "mrr", "accuracy", "citation_precision",
                                    "citation_validity", "refusal_accuracy", "false_refusal_rate", "latency_p50_ms",
                                    "latency_p95_ms", "errors")}


# -- runs ------------------------------------------------------------------------------------------


def open_assistant(store_dir: Path, articles: Path, embedder_name: str):
    from qa.assistant import Assistant
    from qa.config import Config
    from vectorstore.ingest import ingest

    config = Config.from_env(env={}, store=store_dir, generator="extractive", retrieval="hybrid+rerank", k=K,
                             embedder=embedder_name)
    report = ingest([articles], config.store, prune=True, show_progress=True)
    print(f"store: {report.summary()}", file=sys.stderr)
    return Assistant.open(config=config)


def ensure_warm(assistant, cache_dir: Path | None) -> None:
    """Warm the sentence cache once per process; the cost is kept in `cache_dir/warm.json` for the report."""
    if WARM:
        return
    sentences, seconds = warm_sentence_cache(assistant)
    WARM.update(sentences=sentences, seconds=round(seconds, 1))
    print(f"sentence cache: {sentences:,} sentences embedded in {seconds:.0f} s (once per process)", file=sys.stderr)
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        (cache_dir / "warm.json").write_text(json.dumps(WARM), encoding="utf-8")


def last_warm(cache_dir: Path) -> dict:
    """This process's warm-up, or the last one recorded (when everything came from the caches)."""
    if WARM:
        return dict(WARM)
    path = cache_dir / "warm.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def warm_sentence_cache(assistant, batch: int = 128) -> tuple[int, float]:
    """Embed the sentences of every chunk into the reranker's cache before anything is timed.

    The reranker embeds a chunk's sentences the first time the chunk is retrieved and keeps them
    for the life of the process, as a long-running chat does; warming it up front keeps that
    one-off cost out of the per-question timings (it is reported separately).
    """
    from tqdm import tqdm

    from qa.types import Passage

    started = time.perf_counter()
    passages = [
        Passage(id=c.id, source=c.source, title="", published=None, text=c.text, start=c.start, end=c.end)
        for c in assistant.store.all_chunks()
    ]
    count = 0
    for i in tqdm(range(0, len(passages), batch), desc="sentence cache", unit="batch", file=sys.stderr):
        cached = assistant.reranker.sentences.get(passages[i : i + batch])
        count += sum(len(spans) for spans, _ in cached.values())
    return count, time.perf_counter() - started


def run_squad(args: argparse.Namespace) -> dict:
    work: Path = args.work
    info = convert(args.data, work, sample=args.sample, seed=0)
    articles = Path(info["articles_dir"])
    assistant = open_assistant(work / "store", articles, args.embedder)
    store_key = digest(*sorted(f"{r.source}:{r.version}" for r in assistant.store.records().values()))
    questions = load_questions(info["questions_path"])
    sample = load_questions(info["sample_path"])
    if args.limit:
        questions = questions[: args.limit]
        sample = sample[: args.limit]
    cache = work / "cache"
    qkey = questions_digest(questions)
    vectors = question_embeddings(assistant.embedder, questions,
                                  cache / f"questions-{assistant.store.embedder_name}-{qkey}.npy", args.fresh)
    ours_key = digest(qkey, store_key, code_digest(), K, assistant.config.candidates)
    retrieval: dict[str, dict] = {}
    rows_by_mode: dict[str, list[dict]] = {}
    for mode in args.modes:
        if mode == "baseline":
            retriever = baseline_retriever(assistant.store.client, articles, assistant.embedder, args.fresh)
            import llama_index.core

            key = digest(qkey, store_key, llama_index.core.__version__)

            def rank(i: int, q: Question, retriever=retriever) -> list[dict]:
                return baseline_ranked(retriever, q.question, vectors[i])
        else:
            key = ours_key

            def rank(i: int, q: Question, mode=mode) -> list[dict]:
                return [_passage(p) for p in retrieve_ranked(assistant, q.question, mode, vectors[i])]

        rows = retrieval_run(mode, questions, rank, cache / f"retrieval-{mode}-{key}.jsonl", args.fresh,
                             prepare=None if mode == "baseline" else lambda: ensure_warm(assistant, cache))
        rows_by_mode[mode] = rows
        retrieval[mode] = retrieval_metrics(rows)
        print(f"{mode}: {_fmt_retrieval(retrieval[mode])}", file=sys.stderr)

    answers: dict[str, dict] = {}
    consistency = None
    sample_key = digest(questions_digest(sample), store_key, code_digest())
    for mode in args.answer_modes:
        results = answer_run(assistant, mode, sample, cache / f"answers-{mode}-{sample_key}.jsonl", args.fresh)
        answers[mode] = answer_metrics(results)
        print(f"answers {mode}: accuracy {answers[mode]['accuracy']:.3f}", file=sys.stderr)
        if mode == "hybrid+rerank" and mode in rows_by_mode:
            consistency = _consistency(results, rows_by_mode[mode], questions)
    return {
        "dataset": "SQuAD v1.1 dev, public half",
        "data": str(args.data),
        "articles": info["articles"],
        "paragraphs": info["paragraphs"],
        "chunks": assistant.retriever.size,
        "questions": len(questions),
        "sample": len(sample),
        "warm_up": last_warm(cache),
        "retrieval": retrieval,
        "answers": answers,
        "consistency": consistency,
        "settings": _settings(assistant),
    }


def _consistency(results: Sequence[dict], rows: Sequence[dict], questions: Sequence[Question]) -> dict:
    """How many sample questions got the same top passages from `Assistant.ask` as from `retrieve_ranked`."""
    by_id = {r["id"]: r for r in rows}
    same = total = 0
    for r in results:
        row = by_id.get(r["id"])
        if row is None or r.get("error"):
            continue
        total += 1
        same += [[p["source"], p["start"]] for p in r["retrieved"]] == row["top"]
    return {"identical": same, "compared": total}


def run_seeds(args: argparse.Namespace) -> dict:
    work: Path = args.work
    articles = ROOT / "seeds"
    assistant = open_assistant(work / "store", articles, args.embedder)
    ensure_warm(assistant, None)
    questions = load_questions(args.questions)
    if args.limit:
        questions = questions[: args.limit]
    retrieval: dict[str, dict] = {}
    answers: dict[str, dict] = {}
    standalone: dict[str, str] = {}
    for mode in [m for m in args.modes if m != "baseline"]:
        assistant.config.retrieval = mode
        results, metrics = evaluate(assistant, questions, K, desc=mode)
        answers[mode] = answer_metrics(results)
        retrieval[mode] = {key: metrics[key] for key in ("hit@1", "hit@k", "mrr")}
        retrieval[mode]["hit@5"] = retrieval[mode].pop("hit@k")
        retrieval[mode]["mean_chars"] = _mean_chars(results)
        retrieval[mode]["questions"] = metrics["answerable"]
        retrieval[mode]["ms_p50"] = metrics["latency_p50_ms"]
        standalone.update({r["id"]: r["standalone_question"] for r in results if r.get("standalone_question")})
    if "baseline" in args.modes:
        retriever = baseline_retriever(assistant.store.client, articles, assistant.embedder, args.fresh)
        rows = []
        for q in questions:
            if not q.answerable:
                continue
            text = standalone.get(q.id, q.question)
            passages = baseline_ranked(retriever, text, assistant.embedder.get_query_embedding(text))
            rows.append({"rank": hit_rank(passages, q.answers, q.sources, K),
                         "chars": sum(len(p["text"]) for p in passages), "ms": 0.0})
        retrieval = {"baseline": retrieval_metrics(rows), **retrieval}
        retrieval["baseline"]["ms_p50"] = None
    return {
        "dataset": "seed questions",
        "questions": len(questions),
        "answerable": sum(q.answerable for q in questions),
        "chunks": assistant.retriever.size,
        "retrieval": retrieval,
        "answers": answers,
        "settings": _settings(assistant),
    }


def _mean_chars(results: Sequence[dict]) -> float:
    rows = [r for r in results if r["gold"]["answerable"]]
    return sum(sum(len(p["text"]) for p in r["retrieved"]) for r in rows) / (len(rows) or 1)


def _settings(assistant) -> dict:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    return {
        "store": str(assistant.config.store.location),
        "embedder": assistant.store.embedder_name,
        "k": K,
        "candidates": assistant.config.candidates,
        "generator": "extractive",
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {cores} cores, Python {platform.python_version()}",
        "command": " ".join(["python eval/squad_eval.py", *sys.argv[1:]]),
        **CODE,
    }


# -- output ----------------------------------------------------------------------------------------------


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.1f}%"


def _fmt_retrieval(m: dict) -> str:
    return f"hit@1 {_pct(m['hit@1'])}, hit@5 {_pct(m['hit@5'])}, MRR {m['mrr']:.3f}"


def markdown(result: dict) -> str:
    s = result["settings"]
    seeds = result["dataset"] == "seed questions"
    out = [f"# Retrieval comparison: {result['dataset']}", ""]
    if seeds:
        out.append(f"{result['questions']} questions ({result['answerable']} answerable; retrieval metrics over "
                   f"those), {result['chunks']} chunks in our store.")
    else:
        out.append(f"{result['articles']} articles, {result['paragraphs']} paragraphs, {result['chunks']} chunks in "
                   f"our store; retrieval over all {result['questions']:,} questions, answers over the fixed "
                   f"{result['sample']}-question sample (seed 0).")
    out += ["", f"`{s['command']}` — {s['date']}, {s['machine']}; embedder {s['embedder']}, k={s['k']}; "
                f"code at {s.get('git') or '?'} (pipeline digest {s.get('code', '?')}).", ""]
    answers = result["answers"]
    acc_label = "answer accuracy" + ("" if seeds else f" ({result['sample']})")
    speed = "answer ms p50" if seeds else "retrieval ms p50"
    header = ["system", "hit@1", "hit@5", "MRR@5", "chars in top 5", speed, acc_label, "false refusals"]
    if seeds:
        header.append("refusal accuracy")
    out += ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    for mode, m in result["retrieval"].items():
        a = answers.get(mode, {})
        cells = [LABELS.get(mode, mode), _pct(m["hit@1"]), _pct(m["hit@5"]), f"{m['mrr']:.3f}",
                 f"{m['mean_chars']:,.0f}", "–" if m.get("ms_p50") is None else f"{m['ms_p50']:.0f}",
                 _pct(a.get("accuracy")), _pct(a.get("false_refusal_rate"))]
        if seeds:
            cells.append(_pct(a.get("refusal_accuracy")))
        out.append("| " + " | ".join(cells) + " |")
    extra = [mode for mode in answers if mode not in result["retrieval"]]
    for mode in extra:
        a = answers[mode]
        out.append(f"| {LABELS.get(mode, mode)} (answers only) | | | | | | {_pct(a['accuracy'])} | "
                   f"{_pct(a['false_refusal_rate'])} |")
    w = result.get("warm_up")
    if w:
        out += ["", f"Before timing, the reranker's sentence cache was filled once ({w['sentences']:,} sentences "
                    f"embedded in {w['seconds']:.0f} s), as it fills over time in a long-running chat. "
                    "Retrieval ms is per question, retrieval only, with the question already embedded."]
    c = result.get("consistency")
    if c:
        out += ["", f"Consistency check: on the answer sample, `Assistant.ask` retrieved the same top {s['k']} "
                    f"passages as the retrieval-only path for {c['identical']} of {c['compared']} questions."]
    return "\n".join(out) + "\n"


def plot(result: dict, png: Path) -> Path:
    """Grouped bars: hit@1, hit@5 and MRR@5 per system (and answer accuracy where measured)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = list(result["retrieval"])
    metrics = [("hit@1", "hit@1"), ("hit@5", "hit@5"), ("mrr", "MRR@5")]
    if result["answers"]:
        metrics.append(("accuracy", "answer accuracy"))
    fig, ax = plt.subplots(figsize=(11, 3.8))
    width = 0.8 / len(systems)
    for i, mode in enumerate(systems):
        values = [
            (result["answers"].get(mode, {}).get(key) if key == "accuracy" else result["retrieval"][mode][key]) or 0.0
            for key, _ in metrics
        ]
        xs = [j + (i - (len(systems) - 1) / 2) * width for j in range(len(metrics))]
        bars = ax.bar(xs, values, width, label=LABELS.get(mode, mode))
        ax.bar_label(bars, labels=[f"{v:.2f}" if v else "" for v in values], fontsize=6, padding=1)
    ax.set_xticks(range(len(metrics)), [name for _, name in metrics])
    ax.set_ylim(0, 1.1)
    ax.set_title(f"Retrieval comparison: {result['dataset']}")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return png


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", action="store_true", help="run on the seed question set instead of SQuAD")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="SQuAD v1.1 JSON (default: the public half)")
    ap.add_argument("--questions", type=Path, default=ROOT / "eval" / "seed_questions.jsonl",
                    help="question set for --seeds")
    ap.add_argument("--work", type=Path, help="working folder (default eval/squad, or eval/out/seeds with --seeds)")
    ap.add_argument("--out", type=Path, help="markdown table (default eval/out/squad_eval.md or seed_retrieval.md)")
    ap.add_argument("--modes", default=",".join(MODES), help=f"retrieval systems (default {','.join(MODES)})")
    ap.add_argument("--answer-modes", default=",".join(OURS),
                    help="retrieval modes to measure answer accuracy with (SQuAD sample); empty for none")
    ap.add_argument("--sample", type=int, default=500, help="answer sample size (default 500)")
    ap.add_argument("--limit", type=int, help="only the first N questions (for a quick trial)")
    ap.add_argument("--embedder", default="all-MiniLM-L6-v2", help="embedder (default all-MiniLM-L6-v2)")
    ap.add_argument("--fresh", action="store_true", help="ignore cached results and rebuild the baseline index")
    args = ap.parse_args(argv)
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    args.answer_modes = [m.strip() for m in args.answer_modes.split(",") if m.strip()]
    bad = [m for m in args.modes + args.answer_modes if m not in MODES or (m == "baseline" and m in args.answer_modes)]
    if bad:
        ap.error(f"unknown mode(s): {', '.join(bad)}")
    name = "seed_retrieval" if args.seeds else "squad_eval"
    args.work = args.work or ROOT / "eval" / ("out/seeds" if args.seeds else "squad")
    args.out = args.out or ROOT / "eval" / "out" / f"{name}.md"
    if not args.seeds and not args.data.is_file():
        print(f"error: no SQuAD file at {args.data}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    CODE.update(code=code_digest(), git=git_state())
    result = run_seeds(args) if args.seeds else run_squad(args)
    result["seconds"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown(result), encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    png = plot(result, args.out.with_suffix(".png"))
    print(markdown(result))
    print(f"wrote {args.out}, {args.out.with_suffix('.json')} and {png} ({result['seconds']:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
