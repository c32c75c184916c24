"""The dev/test split of every benchmark set, defined once (docs/EVALUATION.md explains it).

SQuAD articles: the 24 articles sorted by sha256 of their title; even positions are dev, odd
positions test. Seed questions: by the first hex digit of sha256 of the original question id
(even: dev). A question set line may also carry its own `"split"` field, which wins.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT.parent / "shared" / "data" / "squad-public-half.json"


def squad_article_split(data_path: Path = SQUAD) -> dict[str, str]:
    """{article file name: "dev" | "test"} for the SQuAD half."""
    import re

    titles = [a["title"] for a in json.loads(data_path.read_text(encoding="utf-8"))["data"]]
    ordered = sorted(titles, key=lambda t: hashlib.sha256(t.encode("utf-8")).hexdigest())
    out = {}
    for i, title in enumerate(ordered):
        slug = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9_-]+", "_", title)).strip("_")
        out[f"{slug}.txt"] = "dev" if i % 2 == 0 else "test"
    return out


def seed_split(question_id: str) -> str:
    return "dev" if int(hashlib.sha256(question_id.encode("utf-8")).hexdigest()[0], 16) % 2 == 0 else "test"
