"""Runs the citation check over eval/claims/corrupted.jsonl and prints, per split, the share of corrupted
answers it rejects and of correct ones it keeps, by corruption kind.

Each claim goes through `qa.citations.verify` as a generated answer would: one sentence citing [1], the
quote being the exact slice of its article. A claim is kept when verify keeps it with its citation.
In ALCE's terms, "correct kept" is citation recall on supported claims and "corrupted rejected" is the
share of unsupported claims whose citation is refused (1 - the false-support rate).

    python eval/claims/run.py [--split dev|test] [--shared-words-only] [--show]

Rows marked "fresh" (written after the check was tuned) are also reported on their own.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from qa import citations  # noqa: E402
from qa.types import Quote  # noqa: E402


def kept(row: dict, claims: bool) -> bool:
    doc = (ROOT / row["source"]).read_text(encoding="utf-8")
    start = doc.index(row["quote"])
    quote = Quote(row["source"], row["source"], None, start, start + len(row["quote"]), row["quote"],
                  1.0, 1.0, 1.0, True, start, start + len(row["quote"]))
    if claims:
        result = citations.verify(row["claim"], [quote], {row["source"]: doc}.get)
        return bool(result.citations) and not result.removed
    return citations.supports(citations.split_answer(row["claim"])[0][0].text, [row["quote"]], claims=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", default=str(Path(__file__).with_name("corrupted.jsonl")))
    ap.add_argument("--split", choices=["dev", "test"], action="append")
    ap.add_argument("--shared-words-only", action="store_true", help="the check before claim-level checking")
    ap.add_argument("--show", action="store_true", help="print every claim the check gets wrong")
    args = ap.parse_args(argv)
    rows = [json.loads(line) for line in Path(args.file).read_text(encoding="utf-8").splitlines() if line.strip()]
    groups = [(split, [r for r in rows if r["split"] == split]) for split in args.split or ["dev", "test"]]
    for round_ in (1, 2, 3):
        groups += [(f"{split}, written after tuning (set {round_})", [r for r in part if r.get("fresh") == round_])
                   for split, part in list(groups[:2]) if any(r.get("fresh") == round_ for r in part)]
    for split, part in groups:
        tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # kind -> [right, total]
        for r in part:
            ok = kept(r, not args.shared_words_only)
            right = ok if r["label"] == "supported" else not ok
            for kind in ("correct kept" if r["label"] == "supported" else "corrupted rejected",
                         *([f"  {r['corruption']}"] if r["corruption"] else [])):
                tally[kind][0] += right
                tally[kind][1] += 1
            if args.show and not right and "tuning" not in split:
                print(f"  WRONG {r['id']} ({r['corruption'] or 'correct'}): {r['claim']}\n      quote: {r['quote']}")
        print(f"{split}: {len(part)} claims" + (" (shared words only)" if args.shared_words_only else ""))
        for kind in ["correct kept", "corrupted rejected"] + sorted(k for k in tally if k.startswith("  ")):
            a, n = tally[kind]
            print(f"  {kind:<22} {a:>3}/{n:<3} {100 * a / n:5.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
