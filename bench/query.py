"""Query latency: retrieval p50/p95 per mode and answer p50/p95 (extractive), against plain llama-index, same run.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/query.py [--corpus seeds squad] [--squad-questions 200]

For each corpus (the seeds with eval/seed_questions.jsonl; the SQuAD half with a fixed random sample of
its questions) this builds, or reuses, two stores under bench/out/query/:

* ours: `sourced ingest` of the articles (our chunks, our Chroma layout);
* the plain baseline: `VectorStoreIndex.from_documents(SimpleDirectoryReader(folder).load_data(), ...)`
  into its own Chroma folder with llama-index's defaults (1024-token chunks) and the same MiniLM.

and then, question by question, times in turn (so that the machine's drift hits every system alike):

* `dense`, `bm25`, `hybrid`: `Retriever.retrieve(question, mode)` (the query embedding included);
* `hybrid+rerank`: hybrid retrieval and the reranker, as `Answer.retrieved` gets them
  (`qa.evaluation.retrieve_ranked`); the reranker embeds the sentences of candidate chunks it has not
  seen before, so its latency depends on how many questions came before (here: all earlier ones);
* `li-dense (own index)`: the plain baseline's `index.as_retriever(similarity_top_k=5).retrieve(question)`;
* `li-dense (our store)`: the same llama-index retriever over our store, to separate the cost of the
  framework from the cost of our chunking;
* `answer (extractive)`: `Assistant.ask(question, history)` with the extractive generator and the default
  hybrid+rerank retrieval, on a second `Assistant` whose sentence cache is not warmed by the runs above.

A few warm-up questions (model load, the lexical index, first-call costs) are not counted. hit@5 is
printed beside each retrieval mode (as `sourced eval` scores it: a passage from a gold source holding a
gold answer) so that a fast mode is not mistaken for a good one. The local LLM's latency is measured
separately (bench/llm_smoke.py, bench/answer.py).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    OUT,
    ROOT,
    SEED_QUESTIONS,
    SEEDS,
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

ANSWER = "answer (extractive)"
K = 5


def our_store(articles: Path, store: Path):
    """Ingest (idempotent: unchanged files are skipped) and return the StoreConfig."""
    from vectorstore.config import StoreConfig
    from vectorstore.ingest import ingest

    config = StoreConfig(store=store)
    report = ingest([articles], config, show_progress=True)
    log(f"  our store: {report.summary()}")
    return config


def baseline_index(articles: Path, folder: Path, embedder):
    """The plain llama-index VectorStoreIndex at its defaults, built once per folder and reused."""
    import chromadb
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    client = chromadb.PersistentClient(path=str(folder))
    collection = client.get_or_create_collection("baseline")
    vector_store = ChromaVectorStore(chroma_collection=collection)
    if collection.count() == 0:
        t = time.perf_counter()
        VectorStoreIndex.from_documents(
            SimpleDirectoryReader(str(articles)).load_data(),
            storage_context=StorageContext.from_defaults(vector_store=vector_store),
            embed_model=embedder,
        )
        log(f"  baseline index: {collection.count()} chunks in {time.perf_counter() - t:.0f} s")
    return VectorStoreIndex.from_vector_store(vector_store, embed_model=embedder), collection.count()


def hit(passages: list[Any], q) -> bool:
    """A passage among the first K from a gold source that holds a gold answer (qa.evaluation's rule)."""
    from qa.evaluation import hit_rank

    rows = []
    for p in passages[:K]:
        if hasattr(p, "node"):  # a llama-index NodeWithScore
            meta = p.node.metadata
            source = meta.get("source") or meta.get("file_name", "")
            rows.append({"source": source, "text": p.node.get_content(), "also_in": []})
        else:
            rows.append({"source": p.source, "text": p.text, "also_in": [loc.source for loc in p.also_in]})
    return hit_rank(rows, q.answers, q.sources, K) > 0


def bench_corpus(name: str, articles: Path, questions: list, warmup: int) -> dict[str, Any]:
    from llama_index.core import Settings
    from llama_index.core.llms import MockLLM

    from qa.assistant import Assistant
    from qa.evaluation import retrieve_ranked
    from vectorstore.embedding import as_llama_index

    work = OUT / "query" / name
    config = our_store(articles, work / "store")
    retrieval = Assistant.open(store=config.store, generator="extractive")
    answering = Assistant(retrieval.config, retrieval.store, retrieval.embedder, retrieval.generator)
    Settings.llm = MockLLM()
    embedder = retrieval.embedder
    own_index, baseline_chunks = baseline_index(articles, work / "baseline", as_llama_index(embedder))
    own = own_index.as_retriever(similarity_top_k=K)
    from llama_index.core import VectorStoreIndex

    ours_li = VectorStoreIndex.from_vector_store(
        retrieval.store.vector_store(), embed_model=as_llama_index(embedder)
    ).as_retriever(similarity_top_k=K)
    r = retrieval.retriever

    systems: dict[str, Callable[[Any], list]] = {
        "dense": lambda q: r.retrieve(q.question, "dense", top_k=K),
        "bm25": lambda q: r.retrieve(q.question, "bm25", top_k=K),
        "hybrid": lambda q: r.retrieve(q.question, "hybrid", top_k=K),
        "hybrid+rerank": lambda q: retrieve_ranked(retrieval, q.question, "hybrid+rerank"),
        "li-dense (own index)": lambda q: own.retrieve(q.question),
        "li-dense (our store)": lambda q: ours_li.retrieve(q.question),
        ANSWER: lambda q: answering.ask(q.question, q.history or None),
    }
    t = time.perf_counter()
    for q in questions[:warmup]:
        for fn in systems.values():
            fn(q)
    log(f"  warm-up ({warmup} questions): {time.perf_counter() - t:.1f} s")
    timed = questions[warmup:]
    lat: dict[str, list[float]] = {s: [] for s in systems}
    hits: dict[str, list[bool]] = {s: [] for s in systems}
    stages: dict[str, list[float]] = {"rewrite_s": [], "retrieve_s": [], "answer_s": []}
    started = time.perf_counter()
    for n, q in enumerate(timed, start=1):
        names = list(systems) if n % 2 else list(reversed(systems))  # alternate the order
        for s in names:
            t = time.perf_counter()
            out = systems[s](q)
            lat[s].append(time.perf_counter() - t)
            if s == ANSWER:
                for k in stages:
                    stages[k].append(out.timings.get(k, 0.0))
                out = out.retrieved
            if q.answerable and q.answers:
                hits[s].append(hit(out, q))
        if n % 25 == 0 or n == len(timed):
            log(f"  {n}/{len(timed)} questions, {time.perf_counter() - started:.0f} s")
    return {
        "questions": len(timed),
        "chunks": retrieval.retriever.size,
        "baseline_chunks": baseline_chunks,
        "latency_s": lat,
        "hit@5": {s: (sum(h) / len(h) if h else None) for s, h in hits.items()},
        "answered_hits": {s: len(h) for s, h in hits.items()},
        "answer_stages_s": stages,
        "peak_rss_mib": peak_rss_mib(),
    }


def summarize(name: str, res: dict[str, Any]) -> str:
    ms = 1000.0
    base = res["latency_s"]["li-dense (own index)"]
    b50 = percentile(base, 50)
    rows = []
    for s, xs in res["latency_s"].items():
        h = res["hit@5"][s]
        rows.append(
            [
                f"`{s}`",
                f"{percentile(xs, 50) * ms:.1f}",
                f"{percentile(xs, 95) * ms:.1f}",
                f"{percentile(xs, 50) / b50:.2f}x",
                f"{h:.1%}" if h is not None else "n/a",
            ]
        )
    st = res["answer_stages_s"]
    stage_line = ", ".join(f"{k[:-2]} p50 {percentile(v, 50) * ms:.1f} ms" for k, v in st.items())
    return (
        f"### {name}: {res['questions']} timed questions, our store {res['chunks']} chunks, "
        f"baseline index {res['baseline_chunks']} chunks\n\n"
        + table(["system", "p50 ms", "p95 ms", "p50 / baseline p50", f"hit@{K}"], rows)
        + f"\n\nInside `{ANSWER}` (Answer.timings): {stage_line}. Peak RSS of the process: "
        f"{res['peak_rss_mib']:.0f} MiB."
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--corpus", nargs="+", default=["seeds", "squad"], choices=["seeds", "squad"])
    ap.add_argument("--squad", help="SQuAD v1.1 JSON (default ../shared/data/squad-public-half.json)")
    ap.add_argument("--squad-questions", type=int, default=200, help="timed SQuAD questions (fixed random sample)")
    ap.add_argument("--warmup", type=int, default=3, help="questions run first and not counted")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json-out", type=Path, default=OUT / "query.json")
    args = ap.parse_args(argv)

    from qa.evaluation import load_questions

    info = machine()
    log(machine_line(info))
    results: dict[str, Any] = {"machine": info, "command": " ".join(sys.argv), "corpora": {}}
    sections = []
    for name in args.corpus:
        if name == "seeds":
            articles, questions = SEEDS, load_questions(SEED_QUESTIONS)
        else:
            conv = squad_corpus(squad_data(args.squad))
            articles = Path(conv["articles_dir"])
            pool = load_questions(conv["questions_path"])
            questions = random.Random(args.seed).sample(pool, min(len(pool), args.squad_questions + args.warmup))
        log(f"{name}: {len(questions) - args.warmup} timed questions (+{args.warmup} warm-up)")
        res = bench_corpus(name, articles, questions, args.warmup)
        results["corpora"][name] = res
        write_json(args.json_out, results)
        sections.append(summarize(name, res))
    print(f"Machine: {machine_line(info)}\n")
    print(f"Command: `{' '.join(['.venv/bin/python', 'bench/query.py', *sys.argv[1:]])}`\n")
    print("\n\n".join(sections))
    rel = args.json_out.relative_to(ROOT) if args.json_out.is_relative_to(ROOT) else args.json_out
    print(f"\n(raw numbers: {rel})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
