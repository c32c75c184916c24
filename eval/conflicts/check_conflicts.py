"""Validate the conflict/corroboration benchmark (questions.jsonl against articles/).

Usage: python eval/conflicts/check_conflicts.py [--dir eval/conflicts]

Checks: every set's articles exist and are 120-300 words with a headline, a "By ..." line, a
publication-date line and a blank line; every value is a verbatim span of its article; conflict sets
have at least two different values and agreement sets are marked ``conflict: false``; ``copy_of``
points inside the set and the copy shares most of its words with the original; ``published`` matches
the date line; every (kind, value_type) is split half dev, half test; no article belongs to two sets.
Prints counts by kind, value_type and split; exits 1 on any problem. Standard library only.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

DATE_FORMATS = ("%B %d, %Y", "Published %d %B %Y", "%d %B %Y", "Published: %Y-%m-%d", "%A %d %B %Y")
VALUE_TYPES = {"count", "amount", "percent", "name", "place", "date"}


def parse_date(line: str) -> str | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(line, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def check(root: Path) -> int:
    errors: list[str] = []
    seen: set[str] = set()
    counts: Counter[tuple[str, str, str]] = Counter()
    lines = (root / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines, 1):
        q = json.loads(line)
        where = f"line {n} ({q.get('id')})"
        if q.get("value_type") not in VALUE_TYPES:
            errors.append(f"{where}: value_type {q.get('value_type')!r}")
        texts = {}
        for name in q["articles"]:
            if name in seen:
                errors.append(f"{where}: {name} is in two sets")
            seen.add(name)
            path = root / "articles" / name
            if not path.exists():
                errors.append(f"{where}: missing {name}")
                continue
            text = texts[name] = path.read_text(encoding="utf-8")
            head = text.split("\n")
            words = len(text.split())
            if not 120 <= words <= 300:
                errors.append(f"{where}: {name} has {words} words")
            if len(head) < 5 or not head[1].startswith("By ") or head[3] != "":
                errors.append(f"{where}: {name} lacks headline/byline/date/blank header")
            elif parse_date(head[2]) != q.get("published", {}).get(name):
                errors.append(f"{where}: {name} date line {head[2]!r} != published")
        if set(q["values"]) != set(q["articles"]):
            errors.append(f"{where}: values must name every article")
        for name, value in q["values"].items():
            if name in texts and value not in texts[name]:
                errors.append(f"{where}: {value!r} not verbatim in {name}")
        distinct = {v.lower() for v in q["values"].values()}
        if q["conflict"] and len(distinct) < 2:
            errors.append(f"{where}: conflict set with one value")
        if q["conflict"] != (q["kind"] == "conflict"):
            errors.append(f"{where}: kind and conflict disagree")
        for copy, original in (q.get("copy_of") or {}).items():
            if copy not in texts or original not in texts:
                errors.append(f"{where}: copy_of outside the set")
                continue
            ratio = difflib.SequenceMatcher(None, texts[original].split(), texts[copy].split(), autojunk=False).ratio()
            if ratio < 0.8:
                errors.append(f"{where}: {copy} shares only {ratio:.2f} of {original}")
        counts[(q["kind"], q["value_type"], q.get("split", "?"))] += 1
    for kind in sorted({k for k, _, _ in counts}):
        for vt in sorted(VALUE_TYPES):
            dev, test = counts[(kind, vt, "dev")], counts[(kind, vt, "test")]
            print(f"  {kind:<10} {vt:<8} dev {dev}  test {test}")
            if dev != test or dev == 0:
                errors.append(f"{kind}/{vt}: split dev {dev} / test {test}")
    print(f"{len(lines)} sets, {len(seen)} articles")
    for err in errors:
        print(f"ERROR: {err}")
    print("OK" if not errors else f"{len(errors)} problem(s)")
    return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, default=Path(__file__).resolve().parent)
    return check(ap.parse_args(argv).dir)


if __name__ == "__main__":
    sys.exit(main())
