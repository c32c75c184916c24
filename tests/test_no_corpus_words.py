"""No word of a corpus (a name, place or institution) may live in the code: rules must be general.

The names are read from the seed articles and the SQuAD titles: capitalised words of four or more
letters that never appear in lower case in the seeds or in the SQuAD paragraphs (a large sample of
English, so "Meanwhile" or "Company" do not count). The
code of `vectorstore/`, `qa/` and `ui/` (docstrings and comments included) must contain none of them.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CALENDAR = {
    "january", "february", "march", "april", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
}  # fmt: skip
# General words that the scan cannot tell from names: common words the texts happen to capitalise,
# and currency and nationality words that rules about amounts rightly know.
GENERAL = {"tomorrow", "prof", "american", "yuan"}


SQUAD = ROOT.parent / "shared" / "data" / "squad-public-half.json"


def corpus_names(texts: list[str], english: str = "") -> set[str]:
    capital, lower = set(), set(re.findall(r"\b[a-z]+\b", english))
    for text in texts:
        for w in re.findall(r"[A-Za-z][a-z]+", text):
            (capital if w[0].isupper() else lower).add(w.lower())
    return {w for w in capital - lower - CALENDAR - GENERAL if len(w) >= 4}


def code_files() -> list[Path]:
    return [p for d in ("vectorstore", "qa", "ui") for p in (ROOT / d).rglob("*.py")]


def test_no_seed_or_squad_name_in_the_code():
    import json

    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    data = json.loads(SQUAD.read_text(encoding="utf-8"))["data"]
    texts += [a["title"].replace("_", " ") for a in data]
    english = " ".join(p["context"] for a in data for p in a["paragraphs"])
    names = corpus_names(texts, english)
    assert len(names) > 50, "the seed articles should yield many names"
    found = {}
    for path in code_files():
        words = {w.lower() for w in re.findall(r"[A-Za-z][a-z]+", path.read_text(encoding="utf-8"))}
        hits = sorted(words & names)
        if hits:
            found[str(path.relative_to(ROOT))] = hits
    assert not found, f"corpus words in the code: {found}"


def test_the_scan_finds_a_planted_name():
    names = corpus_names(["Ms Brimwater met the mayor. the mayor left."])
    assert "brimwater" in names and "mayor" not in names
