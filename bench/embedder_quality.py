"""Retrieval quality of the embedders and of the chunk overlap, on SQuAD questions: fp32 vs int8 MiniLM.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/embedder_quality.py [--questions 1000] [--overlaps 1 0]
        [--embedders all-MiniLM-L6-v2 all-MiniLM-L6-v2-int8] [--squad PATH]

The SQuAD half is converted by eval/squad.py (24 articles). Every article is cut into sourced's sentence
chunks (`vectorstore.chunking.chunk_document`, 4 sentences / 800 characters, overlap as given); every
chunk and every question is embedded by each embedder (`vectorstore.embedding.load_embedder`, the same
objects an ingest and a query use). For a fixed random sample of questions (`random.Random(0)`):

* dense: the chunks ranked by cosine to the question;
* hybrid: that top 20 fused with llama-index's `BM25Retriever` top 20 by reciprocal rank (k = 60), as
  `qa.retrieval` does before its rerank.

A hit is a top-k chunk from the question's article containing a gold answer (`qa.evaluation.hit_rank`,
the same rule as `sourced eval`). Also printed: how far int8 vectors are from fp32 (cosine of the two
vectors of each chunk and question: mean, 1st percentile, minimum) and the chunks and word pieces each
overlap embeds.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, ROOT, log, machine, machine_line, setup_env, squad_corpus, squad_data, table  # noqa: E402

setup_env()
sys.path.insert(0, str(ROOT))

from qa.evaluation import hit_rank  # noqa: E402
from vectorstore.chunking import chunk_document  # noqa: E402
from vectorstore.config import ChunkingConfig  # noqa: E402
from vectorstore.documents import load_document  # noqa: E402
from vectorstore.embedding import load_embedder  # noqa: E402
from vectorstore.int8_model import MINILM, MINILM_INT8  # noqa: E402

CANDIDATES = 20


def chunks_for(articles: Path, overlap: int) -> list[dict]:
    config = ChunkingConfig(overlap=overlap)
    out = []
    for path in sorted(articles.glob("*.txt")):
        doc = load_document(path)
        out += [{"source": path.name, "text": c.text} for c in chunk_document(doc, config)]
    return out


def embed(name: str, texts: list[str], memo: dict[tuple[str, str], np.ndarray]) -> tuple[np.ndarray, float]:
    """Vectors of `texts` (each distinct text embedded once per embedder); seconds spent embedding."""
    todo = sorted({t for t in texts if (name, t) not in memo})
    t0 = time.perf_counter()
    if todo:
        model = load_embedder(name)
        for i in range(0, len(todo), 256):
            part = todo[i : i + 256]
            for t, v in zip(part, model.get_text_embedding_batch(part), strict=True):
                memo[(name, t)] = np.asarray(v, dtype=np.float32)
    return np.stack([memo[(name, t)] for t in texts]), time.perf_counter() - t0


def bm25_rankings(chunks: list[dict], questions: list[dict]) -> list[list[int]]:
    from llama_index.core.schema import TextNode
    from llama_index.retrievers.bm25 import BM25Retriever

    nodes = [TextNode(id_=str(i), text=c["text"]) for i, c in enumerate(chunks)]
    retriever = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=CANDIDATES)
    return [[int(n.node.node_id) for n in retriever.retrieve(q["question"])] for q in questions]


def rrf(*rankings: list[int], k: float = 60.0) -> list[int]:
    score: dict[int, float] = {}
    for ranking in rankings:
        for rank, i in enumerate(ranking, start=1):
            score[i] = score.get(i, 0.0) + 1.0 / (k + rank)
    return sorted(score, key=lambda i: -score[i])


def metrics(rankings: list[list[int]], chunks: list[dict], questions: list[dict]) -> dict[str, float]:
    pairs = zip(rankings, questions, strict=True)
    ranks = [hit_rank([chunks[i] for i in r[:5]], q["answers"], q["sources"]) for r, q in pairs]
    n = len(ranks)
    return {"hit@1": sum(r == 1 for r in ranks) / n, "hit@5": sum(r > 0 for r in ranks) / n}


def word_pieces(texts: list[str]) -> int:
    from tokenizers import Tokenizer

    from vectorstore.int8_model import TOKENIZER_FILE, ensure_int8_model

    tok = Tokenizer.from_file(str(ensure_int8_model(None) / TOKENIZER_FILE))
    tok.no_padding()
    tok.enable_truncation(256)
    return sum(len(e.ids) for e in tok.encode_batch(texts))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--questions", type=int, default=1000, help="questions sampled (default 1000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--overlaps", type=int, nargs="+", default=[1, 0], help="chunk overlaps to compare")
    ap.add_argument("--embedders", nargs="+", default=[MINILM, MINILM_INT8])
    ap.add_argument("--squad", help="SQuAD v1.1 JSON (default ../shared/data/squad-public-half.json)")
    ap.add_argument("--json-out", type=Path, default=OUT / "embedder_quality.json")
    args = ap.parse_args(argv)

    info = machine()
    log(machine_line(info))
    corpus = squad_corpus(squad_data(args.squad))
    articles = Path(corpus["articles_dir"])
    questions = [json.loads(line) for line in Path(corpus["questions_path"]).read_text(encoding="utf-8").splitlines()]
    questions = random.Random(args.seed).sample(questions, min(args.questions, len(questions)))
    memo: dict[tuple[str, str], np.ndarray] = {}
    rows, agreement, results = [], [], {"machine": info, "command": " ".join(sys.argv), "runs": []}
    qvec = {}
    for name in args.embedders:
        qvec[name], _ = embed(name, [q["question"] for q in questions], memo)
    for overlap in args.overlaps:
        chunks = chunks_for(articles, overlap)
        texts = [c["text"] for c in chunks]
        pieces = word_pieces(texts)
        log(f"overlap {overlap}: {len(chunks)} chunks, {pieces} word pieces")
        lexical = bm25_rankings(chunks, questions)
        vectors = {}
        for name in args.embedders:
            vectors[name], seconds = embed(name, texts, memo)
            dense = [list(np.argsort(-(vectors[name] @ q))[:CANDIDATES]) for q in qvec[name]]
            hybrid = [rrf(d, b) for d, b in zip(dense, lexical, strict=True)]
            m = {"dense": metrics(dense, chunks, questions), "hybrid": metrics(hybrid, chunks, questions)}
            results["runs"].append({"overlap": overlap, "embedder": name, "chunks": len(chunks),
                                    "word_pieces": pieces, "embed_s": seconds, **m})  # fmt: skip
            cells = [f"{100 * m[mode][k]:.1f}" for mode in ("dense", "hybrid") for k in ("hit@1", "hit@5")]
            rows.append([overlap, f"`{name}`", len(chunks), pieces, *cells])
            log(f"  {name}: {m}")
        if len(args.embedders) == 2:
            a, b = (vectors[n] for n in args.embedders)
            qa_, qb = (qvec[n] for n in args.embedders)
            cos = np.concatenate([(a * b).sum(1), (qa_ * qb).sum(1)])
            agreement.append([overlap, len(cos), *(f"{x:.4f}" for x in (cos.mean(), np.percentile(cos, 1), cos.min()))])
            results.setdefault("agreement", []).append(
                {"overlap": overlap, "n": len(cos), "mean": float(cos.mean()), "min": float(cos.min())}
            )
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(results, indent=1))
    print(f"Machine: {machine_line(info)}\n")
    print(f"Command: `.venv/bin/python bench/embedder_quality.py {' '.join(sys.argv[1:])}`".replace("  ", " "))
    n_articles = len(list(articles.glob("*.txt")))
    print(f"\n{len(questions)} SQuAD questions (random.Random({args.seed}) sample), {n_articles} articles\n")
    print(table(["overlap", "embedder", "chunks", "word pieces", "dense hit@1", "dense hit@5", "hybrid hit@1",
                 "hybrid hit@5"], rows))  # fmt: skip
    if agreement:
        print(f"\nCosine between {args.embedders[1]} and {args.embedders[0]} vectors (chunks and questions):\n")
        print(table(["overlap", "vectors", "mean", "1st percentile", "min"], agreement))
    return 0


if __name__ == "__main__":
    sys.exit(main())
