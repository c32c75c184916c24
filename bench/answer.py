"""Answer latency and memory per generator on the seed questions: what a chat user waits for.

For each question it records, from the moment the question is asked:

* `draft`: the sources and the extractive answer ready (what the chat shows at once),
* `first token`: the language model's first token,
* `total`: the verified final answer,
* the model's decode speed (tokens/s over the tokens after the first) and the process's peak RSS.

Model load time is measured once (the model loads once per process). The extractive generator
runs over the same questions in the same process for the side-by-side line, and the accuracy of
both on the same questions (answer contains a gold answer; refusals on unanswerable ones) is
reported so speed is never read without quality.

    .venv/bin/python bench/answer.py [--store DIR] [--limit N] [--generators extractive,local] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, SEED_QUESTIONS, SEEDS, log, machine, machine_line, peak_rss_mib, percentile, setup_env

setup_env()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--store", default=str(OUT / "answer-store"), help="store built from seeds/ if missing")
    p.add_argument("--questions", default=str(SEED_QUESTIONS))
    p.add_argument("--limit", type=int, default=0, help="only the first N questions (0: all)")
    p.add_argument("--generators", default="extractive,local")
    p.add_argument("--json", default=str(OUT / "answer.json"))
    args = p.parse_args()

    from qa import Assistant
    from qa.config import Config
    from qa.text import normalize_answer
    from qa.writers.choose import make_generator
    from vectorstore.config import StoreConfig
    from vectorstore.ingest import ingest

    store = Path(args.store)
    if not (store / "chroma.sqlite3").exists():
        log(f"building {store} from {SEEDS}")
        ingest([SEEDS], StoreConfig(store=store))
    questions = [json.loads(line) for line in Path(args.questions).read_text().splitlines() if line.strip()]
    if args.limit:
        questions = questions[: args.limit]
    base = Assistant.open(store=store, generator="extractive")
    base.ask("Who accompanied Kim?")  # warm the indexes and caches: we measure answering, not start-up

    results: dict[str, dict] = {}
    for name in args.generators.split(","):
        config = Config.from_env(store_config=base.config.store, generator=name)
        t0 = time.perf_counter()
        generator = make_generator(config)
        if hasattr(generator, "warm_up"):
            generator.warm_up()
        load_s = time.perf_counter() - t0
        a = Assistant(config, base.store, base.embedder, generator, base.retriever, base.reranker)
        rows = []
        for i, q in enumerate(questions, 1):
            started = time.perf_counter()
            stream = a.stream(q["question"], q.get("history"))
            draft_s = time.perf_counter() - started
            first = None
            for _ in stream:
                if first is None:
                    first = time.perf_counter() - started
            total = time.perf_counter() - started
            ans = stream.answer
            llm_stats = getattr(getattr(generator, "llm", None), "last_stats", {}) if stream.live else {}
            gold = q.get("answerable", True)
            text = normalize_answer(ans.text)
            correct = (
                (ans.answerable and any(normalize_answer(x) in text for x in q.get("answers", [])))
                if gold
                else not ans.answerable
            )
            rows.append(
                {
                    "id": q["id"],
                    "draft_s": draft_s,
                    "first_token_s": first if stream.live else None,
                    "total_s": total,
                    "live": stream.live,
                    "generator": ans.generator,
                    "correct": correct,
                    "notices": ans.notices,
                    "decode_tok_s": llm_stats.get("decode_tok_s"),
                    "prompt_tokens": llm_stats.get("prompt_tokens"),
                    "text": ans.text,
                }
            )
            log(f"{name} {i}/{len(questions)} {q['id']} total {total:.2f}s {'ok' if correct else 'WRONG'}")
        results[name] = {"load_s": load_s, "rows": rows, "peak_rss_mib": peak_rss_mib()}

    summary = {"machine": machine(), "questions": len(questions), "generators": {}}
    lines = [
        machine_line(summary["machine"]),
        "",
        "| generator | load s | draft p50 / p95 s | first token p50 / p95 s | total p50 / p95 s | "
        "decode tok/s (median) | accuracy | peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        rows = r["rows"]
        live = [x for x in rows if x["live"]]
        drafts = [x["draft_s"] for x in rows]
        firsts = [x["first_token_s"] for x in live if x["first_token_s"] is not None]
        totals = [x["total_s"] for x in rows]
        decode = sorted(x["decode_tok_s"] for x in live if x.get("decode_tok_s"))
        acc = sum(x["correct"] for x in rows) / len(rows)
        s = {
            "load_s": r["load_s"],
            "draft_p50": percentile(drafts, 50),
            "draft_p95": percentile(drafts, 95),
            "first_p50": percentile(firsts, 50) if firsts else None,
            "first_p95": percentile(firsts, 95) if firsts else None,
            "total_p50": percentile(totals, 50),
            "total_p95": percentile(totals, 95),
            "decode_tok_s": decode[len(decode) // 2] if decode else None,
            "accuracy": acc,
            "peak_rss_mib": r["peak_rss_mib"],
            "live_answers": len(live),
        }
        summary["generators"][name] = s

        def f(v: float | None) -> str:
            return "–" if v is None else f"{v:.2f}"

        lines.append(
            f"| {name} | {f(s['load_s'])} | {f(s['draft_p50'])} / {f(s['draft_p95'])} | "
            f"{f(s['first_p50'])} / {f(s['first_p95'])} | {f(s['total_p50'])} / {f(s['total_p95'])} | "
            f"{f(s['decode_tok_s'])} | {acc:.2f} | {s['peak_rss_mib']:.0f} |"
        )
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"summary": summary, "results": results}, indent=2, default=str))
    print("\n".join(lines))
    print(f"\n(per-question rows in {out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
