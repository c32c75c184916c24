"""Conflict detection and corroboration measured on the conflict benchmark (eval/conflicts/).

Each question set (the 2-3 short articles a question names) is ingested into its own small
store, so an answer can only draw on that event's articles; each question is asked through
`qa.Assistant` with the extractive generator. Then, per split:

* conflict precision: of the answers that report a disagreement, the share whose articles do
  disagree (`"conflict": true`); recall: of the questions whose articles disagree, the share
  answered with a disagreement whose sides cite at least two of the set's articles;
* corroboration recall: of the questions whose articles agree (`"conflict": false`), the share
  where one citation lists every article that states the fact (`also_in`), and, for sets with a
  near-identical copy (`copy_of`), the share where that copy is flagged (`Citation.copies`);
* with `--seeds`: answers that report a conflict on the seed questions that have none.

    python eval/conflicts_eval.py                       # both splits, MiniLM, stores cached in eval/out/
    python eval/conflicts_eval.py --split dev -v        # the tuning split, with every miss printed
    python eval/conflicts_eval.py --seeds               # also the seed questions (false conflicts)

Tune only on `dev`; `test` is the held-out half. Writes eval/out/conflicts_eval.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

for _k, _v in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
}.items():
    os.environ.setdefault(_k, _v)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa import Assistant  # noqa: E402
from vectorstore.config import StoreConfig  # noqa: E402
from vectorstore.ingest import ingest  # noqa: E402


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def open_store(files: list[Path], out: Path, embedder_name: str | None, embedder) -> Assistant:
    key = hashlib.sha256(
        ("|".join(f.name + hashlib.sha256(f.read_bytes()).hexdigest() for f in files) + str(embedder_name)).encode()
    ).hexdigest()[:16]
    config = StoreConfig(store=out / "stores" / key, embedder=embedder_name)
    report = ingest(files, config, embedder=embedder)
    if not report.ok:
        raise SystemExit(f"ingest failed for {[f.name for f in files]}: {report.summary()}")
    return Assistant.open(store=config.store, generator="extractive", embedder=embedder)


def _in(name: str, sources: list[str]) -> bool:
    return any(s == name or s.startswith(name.removesuffix(".txt")) for s in sources)


def judge(q: dict, answer) -> dict:
    """What this answer shows for the question: a conflict (and its sides), the corroboration."""
    articles = list(q.get("articles") or [])
    sides = [s.sources for c in answer.conflicts for s in c.sides]
    side_articles = {a for a in articles if any(_in(a, s) for s in sides)}
    copy_of = q.get("copy_of") or {}
    if isinstance(copy_of, str):
        copy_of = {copy_of: ""}
    stating = [a for a in articles if a not in copy_of] if not q.get("conflict") else articles
    best = max(answer.citations, key=lambda c: sum(_in(a, c.sources) for a in articles), default=None)
    covered = best is not None and all(_in(a, best.sources) for a in articles)
    # the pair must be flagged; which of two same-day articles is "the copy" is not for the answer to know
    copies_flagged = best is not None and all(
        any((_in(k, [x]) and _in(v, [y])) or (_in(v, [x]) and _in(k, [y])) for x, y in best.copies.items())
        if v
        else any(_in(k, [x]) or _in(k, [y]) for x, y in best.copies.items())
        for k, v in copy_of.items()
    )
    return {
        "id": q["id"],
        "split": q.get("split"),
        "gold_conflict": bool(q.get("conflict")),
        "conflict": bool(answer.conflicts),
        "sides_ok": len(side_articles) >= 2,
        "corroborated": covered,
        "stating": stating,
        "copy_of": copy_of,
        "copies_flagged": copies_flagged if copy_of else None,
        "text": answer.text,
        "conflicts": [c.to_dict() for c in answer.conflicts],
        "citations": [{"n": c.n, "sources": c.sources, "copies": c.copies} for c in answer.citations],
    }


def rate(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None


def metrics(rows: list[dict]) -> dict:
    predicted = [r for r in rows if r["conflict"]]
    gold = [r for r in rows if r["gold_conflict"]]
    agree = [r for r in rows if not r["gold_conflict"]]
    copies = [r for r in agree if r["copy_of"]]
    tp = [r for r in predicted if r["gold_conflict"]]
    return {
        "questions": len(rows),
        "conflict_questions": len(gold),
        "conflict_precision": rate(len(tp), len(predicted)),
        "conflict_recall": rate(sum(r["conflict"] and r["sides_ok"] for r in gold), len(gold)),
        "false_conflicts_on_agreeing": sum(r["conflict"] for r in agree),
        "agreeing_questions": len(agree),
        "corroboration_recall": rate(sum(r["corroborated"] for r in agree), len(agree)),
        "copy_sets": len(copies),
        "copies_flagged": rate(sum(bool(r["copies_flagged"]) for r in copies), len(copies)),
    }


def seed_check(out: Path, embedder_name: str | None, embedder, verbose: bool) -> dict:
    files = sorted((ROOT / "seeds").glob("*.txt"))
    assistant = open_store(files, out, embedder_name, embedder)
    qs = load(ROOT / "eval" / "seed_questions.jsonl")
    false, found, total_conflict = [], 0, 0
    for q in qs:
        a = assistant.ask(q["question"], q.get("history"))
        if q.get("conflict") or q.get("kind") == "conflict":
            total_conflict += 1
            found += bool(a.conflicts)
        elif a.conflicts:
            false.append({"id": q["id"], "question": q["question"], "conflicts": [c.to_dict() for c in a.conflicts]})
            if verbose:
                print("  seed false conflict:", q["id"], q["question"], [c.to_dict() for c in a.conflicts])
    return {
        "questions": len(qs),
        "without_conflict": len(qs) - total_conflict,
        "false_conflicts": len(false),
        "false": false,
        "conflict_questions": total_conflict,
        "conflicts_found": found,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", type=Path, default=ROOT / "eval" / "conflicts")
    ap.add_argument("--split", choices=["dev", "test", "all"], default="all")
    ap.add_argument("--embedder", default=None, help="store embedder: default MiniLM; 'hash' for a quick trial")
    ap.add_argument("--seeds", action="store_true", help="also count false conflicts on the seed questions")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "out")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every miss")
    args = ap.parse_args(argv)

    from vectorstore.embedding import DEFAULT_EMBEDDER, load_embedder

    started = time.perf_counter()
    embedder = load_embedder(args.embedder or DEFAULT_EMBEDDER)
    questions = load(args.bench / "questions.jsonl")
    if args.split != "all":
        questions = [q for q in questions if q.get("split") == args.split]
    sets: dict[tuple[str, ...], list[dict]] = {}
    for q in questions:
        sets.setdefault(tuple(sorted(q["articles"])), []).append(q)
    rows = []
    for names, qs in sets.items():
        assistant = open_store([args.bench / "articles" / n for n in names], args.out, args.embedder, embedder)
        for q in qs:
            r = judge(q, assistant.ask(q["question"]))
            r["question"] = q["question"]
            rows.append(r)
            miss = (r["conflict"] != r["gold_conflict"]) or (r["gold_conflict"] and not r["sides_ok"])
            miss = miss or (not r["gold_conflict"] and not r["corroborated"])
            if args.verbose and miss:
                print(f"MISS {q['id']} [{q.get('value_type')}] gold={r['gold_conflict']} got={r['conflict']} "
                      f"corroborated={r['corroborated']}: {q['question']}")  # fmt: skip
                print(f"     {r['text'][:300]}")
                print(f"     citations={r['citations']}")
    report = {
        "settings": {"embedder": args.embedder or DEFAULT_EMBEDDER, "split": args.split, "generator": "extractive"},
        "splits": {
            s: metrics([r for r in rows if r["split"] == s])
            for s in ("dev", "test")
            if any(r["split"] == s for r in rows)
        },
        "by_value_type": {},
    }
    for vt in sorted({q.get("value_type") or "?" for q in questions}):
        ids = {q["id"] for q in questions if (q.get("value_type") or "?") == vt}
        report["by_value_type"][vt] = metrics([r for r in rows if r["id"] in ids])
    if args.seeds:
        report["seeds"] = seed_check(args.out, args.embedder, embedder, args.verbose)
    report["seconds"] = round(time.perf_counter() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "conflicts_eval.json").write_text(json.dumps({**report, "rows": rows}, indent=2), encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
