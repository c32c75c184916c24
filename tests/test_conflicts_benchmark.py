"""The made-up conflict/corroboration benchmark (eval/conflicts/) is well-formed and its names stay out of the code."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "eval" / "conflicts"
SQUAD = ROOT.parent / "shared" / "data" / "squad-public-half.json"
# Ordinary words the articles only capitalise (sentence starts, titles, nationalities).
GENERAL = {"english", "nobody", "canadian", "prosecutor", "sergeant", "grid", "institute", "swiss"}


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_passes_its_checker(capsys):
    checker = _load(BENCH / "check_conflicts.py", "check_conflicts")
    assert checker.check(BENCH) == 0, capsys.readouterr().out


def test_checker_rejects_a_value_that_is_not_in_its_article(tmp_path):
    checker = _load(BENCH / "check_conflicts.py", "check_conflicts")
    (tmp_path / "articles").mkdir()
    first = (BENCH / "questions.jsonl").read_text(encoding="utf-8").splitlines()[0]
    q = json.loads(first)
    for name in q["articles"]:
        (tmp_path / "articles" / name).write_text((BENCH / "articles" / name).read_text(encoding="utf-8"))
    q["values"][q["articles"][0]] = "a value no article states"
    (tmp_path / "questions.jsonl").write_text(json.dumps(q) + "\n", encoding="utf-8")
    assert checker.check(tmp_path) == 1


@pytest.mark.skipif(not SQUAD.exists(), reason="needs the SQuAD half to tell names from English words")
def test_no_benchmark_name_in_the_code():
    scan = _load(ROOT / "tests" / "test_no_corpus_words.py", "scan_names")
    data = json.loads(SQUAD.read_text(encoding="utf-8"))["data"]
    english = " ".join(p["context"] for a in data for p in a["paragraphs"])
    seeds = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "seeds").glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in sorted((BENCH / "articles").glob("*.txt"))]
    names = scan.corpus_names(texts, english + " " + seeds.lower()) - GENERAL
    assert len(names) > 300, "the made-up articles should yield many names"
    found = {}
    for path in scan.code_files():
        words = {w.lower() for w in re.findall(r"[A-Za-z][a-z]+", path.read_text(encoding="utf-8"))}
        if hits := sorted(words & names):
            found[str(path.relative_to(ROOT))] = hits
    assert not found, f"benchmark words in the code: {found}"
