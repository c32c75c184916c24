"""The trust benchmark: every question set, on its dev or test split, one table.

Usage:
    python eval/squad.py                                          # once: writes eval/squad/
    sourced ingest eval/squad/articles --store STORE_SQUAD        # once
    sourced ingest seeds --store STORE_SEEDS                      # once
    python eval/benchmark.py --squad-store STORE_SQUAD --seed-store STORE_SEEDS --split test \
        [--generator extractive|local] [--answerable 200] [--out eval/out/bench-test]

Sets (docs/EVALUATION.md describes each and how it was written):

| set | store | measure |
|---|---|---|
| eval/sets/squad_unanswerable.jsonl | SQuAD | share refused |
| SQuAD answerable (sampled from eval/squad/questions.jsonl) | SQuAD | answer holds gold, false refusals, hit@5 |
| eval/sets/squad_followups.jsonl | SQuAD | answer holds gold |
| eval/sets/squad_multifact.jsonl | SQuAD | answer holds every required fact |
| eval/sets/seed_reworded.jsonl | seeds | answer holds gold, refusals |
| eval/seed_questions.jsonl | seeds | answers with a conflict on questions that have none |

The split of each line is its `"split"` field, else eval/splits.py's rule (by article for SQuAD,
by question id for the seeds). Result lines go to `--out`/<set>.jsonl and the table to
`--out`/summary.md and .json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from splits import seed_split, squad_article_split  # noqa: E402

from qa.evaluation import Question, evaluate, load_questions, percentile  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT / "eval" / "sets"


def split_of(q: Question, articles: dict[str, str]) -> str:
    if q.extra.get("split"):
        return q.extra["split"]
    if q.sources and q.sources[0] in articles:
        return articles[q.sources[0]]
    return seed_split(q.extra.get("of") or q.id)


def answerable_sample(split: str, articles: dict[str, str], n: int, seed: int = 0) -> list[Question]:
    rows = [json.loads(line) for line in (ROOT / "eval" / "squad" / "questions.jsonl").open(encoding="utf-8")]
    rows = [r for r in rows if articles.get(r["sources"][0]) == split]
    rows = random.Random(seed).sample(rows, min(n, len(rows)))
    return [
        Question(id=r["id"], question=r["question"], answers=r["answers"], sources=r["sources"], extra={"split": split})
        for r in rows
    ]


def summarize(name: str, results: list[dict]) -> dict:
    scores = [r["scores"] for r in results]
    answerable = [s for s, r in zip(scores, results, strict=True) if r["gold"].get("answerable", True)]
    unanswerable = [s for s, r in zip(scores, results, strict=True) if not r["gold"].get("answerable", True)]
    latencies = [r["latency_ms"] for r in results if r.get("latency_ms") is not None]
    row = {"set": name, "n": len(results)}
    if answerable:
        row["correct"] = sum(bool(s["correct"]) for s in answerable) / len(answerable)
        row["false_refusals"] = sum(bool(s["false_refusal"]) for s in answerable) / len(answerable)
        row["hit@5"] = sum(bool(s["hit@k"]) for s in answerable) / len(answerable)
        row["answerable_n"] = len(answerable)
        direct = [s for s in answerable if s.get("direct")]
        if direct:  # of the answers that open with a phrase, the share whose phrase holds the gold
            row["direct_correct"] = sum(bool(s["direct_correct"]) for s in direct) / len(direct)
            row["direct_n"] = len(direct)
    if unanswerable:
        row["refused"] = sum(bool(s["refusal_correct"]) for s in unanswerable) / len(unanswerable)
        row["unanswerable_n"] = len(unanswerable)
        row["stated_unanswerable"] = sum(bool(s.get("direct")) for s in unanswerable)  # a phrase said: wrong
    row["p50_ms"] = percentile(latencies, 50)
    row["errors"] = sum(bool(r.get("error")) for r in results)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--squad-store", required=True)
    ap.add_argument("--seed-store", required=True)
    ap.add_argument("--split", choices=["dev", "test"], required=True)
    ap.add_argument("--generator", default="extractive")
    ap.add_argument("--answerable", type=int, default=200, help="SQuAD answerable questions sampled per split")
    ap.add_argument("--sets", default="all", help="comma-separated subset of: unanswerable,answerable,followups,"
                    "multifact,reworded,seeds")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)

    from qa import Assistant

    articles = squad_article_split()
    out = Path(args.out or ROOT / "eval" / "out" / f"bench-{args.split}-{args.generator}")
    out.mkdir(parents=True, exist_ok=True)
    wanted = set(args.sets.split(",")) if args.sets != "all" else None

    def pick(path: Path) -> list[Question]:
        return [q for q in load_questions(path) if split_of(q, articles) == args.split]

    plan = [
        ("unanswerable", "squad", lambda: pick(SETS / "squad_unanswerable.jsonl")),
        ("answerable", "squad", lambda: answerable_sample(args.split, articles, args.answerable)),
        ("followups", "squad", lambda: pick(SETS / "squad_followups.jsonl")),
        ("multifact", "squad", lambda: pick(SETS / "squad_multifact.jsonl")),
        ("reworded", "seeds", lambda: pick(SETS / "seed_reworded.jsonl")),
        ("seeds", "seeds", lambda: load_questions(ROOT / "eval" / "seed_questions.jsonl")),
    ]
    assistants = {}
    rows = []
    for name, store, questions in plan:
        if wanted and name not in wanted:
            continue
        if store not in assistants:
            path = args.squad_store if store == "squad" else args.seed_store
            assistants[store] = Assistant.open(store=path, generator=args.generator)
        qs = questions()
        results, _ = evaluate(assistants[store], qs, progress=sys.stderr.isatty(), desc=name)
        with (out / f"{name}.jsonl").open("w", encoding="utf-8") as f:
            for r in results:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        row = summarize(name, results)
        # The seeds' conflict questions are marked; the SQuAD articles are about distinct subjects and
        # never contradict each other, so any disagreement reported there is a false one.
        no_conflict = [r for r in results if r.get("extra", {}).get("kind") != "conflict"]
        row["false_conflicts"] = sum(bool(r.get("conflicts")) for r in no_conflict)
        row["no_conflict_n"] = len(no_conflict)
        rows.append(row)
        print(json.dumps(row), flush=True)
    (out / "summary.json").write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    lines = [
        "| set | n | correct | refused (unanswerable) | false refusals | hit@5 | phrase holds gold "
        "| false disagreements | p50 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def pct(row: dict, key: str) -> str:
        return f"{100 * row[key]:.1f}%" if key in row else ""

    for r in rows:
        p50 = f"{r['p50_ms']:.0f}" if r.get("p50_ms") is not None else ""
        direct = f"{pct(r, 'direct_correct')} of {r['direct_n']}" if "direct_n" in r else ""
        if r.get("stated_unanswerable"):  # phrases said as the answer where the articles give none
            direct = "; ".join(x for x in (direct, f"{r['stated_unanswerable']} stated where none answers") if x)
        lines.append(
            f"| {r['set']} | {r['n']} | {pct(r, 'correct')} | {pct(r, 'refused')} | {pct(r, 'false_refusals')} "
            f"| {pct(r, 'hit@5')} | {direct} | {r['false_conflicts']}/{r['no_conflict_n']} | {p50} |"
        )
    (out / "summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
