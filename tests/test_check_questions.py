"""eval/check_questions.py: the question-set validator (seed set, follow-ups, multi-fact, splits)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS

_spec = importlib.util.spec_from_file_location("check_questions", ROOT / "eval" / "check_questions.py")
assert _spec and _spec.loader
cq = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cq)

ARTICLES = {
    "Alpha_river.txt": "Alpha river\n\nThe Alpha river rises in Northmoor. It flows into the Grey Sea.\n\n"
    "The town of Bexley lies on the Alpha river. Bexley was founded in 1712 by Ann Cole.\n",
    "Beta_lake.txt": "Beta lake\n\nBeta lake is 40 km long. Its only island is Holm.\n",
}


@pytest.fixture()
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _split_of(name: str) -> str:
    """The article rule written out independently: sorted by sha256 of the title, even positions dev."""
    titles = {n: t.split("\n", 1)[0].replace(" ", "_") for n, t in ARTICLES.items()}
    order = sorted(titles, key=lambda n: hashlib.sha256(titles[n].encode()).hexdigest())
    return "dev" if order.index(name) % 2 == 0 else "test"


def _run(tmp_path: Path, articles: Path, rows: list[dict], capsys, rule: str = "article") -> tuple[int, str]:
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    rc = cq.main([str(path), "--seeds", str(articles), "--split-rule", rule])
    return rc, capsys.readouterr().out


def _history() -> list[dict]:
    return [
        {"role": "user", "content": "Which town lies on the Alpha river?"},
        {"role": "assistant", "content": "Bexley [1]."},
    ]


def test_seed_set_still_passes(capsys):
    assert cq.main([str(ROOT / "eval" / "seed_questions.jsonl"), "--seeds", str(SEEDS)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("OK")


def test_good_followup_and_multifact_pass(tmp_path, articles, capsys):
    split = _split_of("Alpha_river.txt")
    rows = [
        {"id": "f1", "question": "When was it founded?", "history": _history(), "answers": ["1712"],
         "sources": ["Alpha_river.txt"], "kind": "followup", "standalone": "When was Bexley founded?", "split": split},
        {"id": "m1", "question": "Where does the Alpha rise and who founded Bexley?",
         "answers": ["Northmoor", "Ann Cole"], "required": [["Northmoor"], ["Ann Cole", "Cole"]],
         "sources": ["Alpha_river.txt"], "kind": "multifact", "split": split},
    ]  # fmt: skip
    rc, out = _run(tmp_path, articles, rows, capsys)
    assert rc == 0, out
    assert f"[split {split}] 2" in out and "[with required] 1" in out


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"history": [{"role": "assistant", "content": "Bexley [1]."}]}, "starting with the user"),
        ({"history": [{"role": "user", "content": "Which town?"}]}, "must end with an assistant turn"),
        ({"history": [{"role": "user", "content": " "}, {"role": "assistant", "content": "x"}]}, "non-empty string"),
        ({"history": None}, "a follow-up needs a history"),
        ({"standalone": "When was it founded?"}, "standalone repeats the question"),
        ({"split": "train"}, "split must be 'dev' or 'test'"),
        ({"answers": ["1713"]}, "not found in listed sources"),
    ],
)
def test_followup_problems(tmp_path, articles, capsys, change, message):
    row = {"id": "f1", "question": "When was it founded?", "history": _history(), "answers": ["1712"],
           "sources": ["Alpha_river.txt"], "kind": "followup", "standalone": "When was Bexley founded?",
           "split": _split_of("Alpha_river.txt")}  # fmt: skip
    row.update(change)
    if row["history"] is None:
        del row["history"]
    rc, out = _run(tmp_path, articles, [row], capsys)
    assert rc == 1 and message in out, out


@pytest.mark.parametrize(
    ("required", "answers", "message"),
    [
        ([["Northmoor"], ["Ann Cole"]], ["Northmoor"], "first alternative of each required fact"),
        ([["Northmoor"], []], ["Northmoor"], "non-empty lists"),
        ([["Northmoor"]], ["Northmoor"], "at least two required facts"),
        ([["Northmoor"], ["Ann Smith"]], ["Northmoor", "Ann Smith"], "alternative 'Ann Smith' not found"),
        ([["Bexley"], ["1712"]], ["Bexley", "1712"], "every required fact is in one sentence"),
    ],
)
def test_multifact_problems(tmp_path, articles, capsys, required, answers, message):
    row = {"id": "m1", "question": "Q?", "answers": answers, "required": required, "sources": ["Alpha_river.txt"],
           "kind": "multifact", "split": _split_of("Alpha_river.txt")}  # fmt: skip
    rc, out = _run(tmp_path, articles, [row], capsys)
    assert rc == 1 and message in out, out


def test_article_split_rule(tmp_path, articles, capsys):
    assert _split_of("Alpha_river.txt") != _split_of("Beta_lake.txt")  # the made-up titles fall on both sides
    wrong = "test" if _split_of("Beta_lake.txt") == "dev" else "dev"
    row = {"id": "q1", "question": "What is the only island?", "answers": ["Holm"], "sources": ["Beta_lake.txt"],
           "kind": "what", "split": wrong}  # fmt: skip
    rc, out = _run(tmp_path, articles, [row], capsys)
    assert rc == 1 and "are in the other split" in out
    row["split"] = _split_of("Beta_lake.txt")
    assert _run(tmp_path, articles, [row], capsys)[0] == 0
    rc, out = _run(tmp_path, articles, [row, {k: v for k, v in row.items() if k != "split"} | {"id": "q2"}], capsys)
    assert rc == 1 and "1 line(s) without split" in out


def test_question_split_rule(tmp_path, articles, capsys):
    digit_even = int(hashlib.sha256(b"q7").hexdigest()[0], 16) % 2 == 0
    right, wrong = ("dev", "test") if digit_even else ("test", "dev")
    row = {"id": "q7r1", "of": "q7", "question": "How long is Beta lake?", "answers": ["40 km"],
           "sources": ["Beta_lake.txt"], "kind": "reworded"}  # fmt: skip
    assert _run(tmp_path, articles, [{**row, "split": right}], capsys, rule="question")[0] == 0
    rc, out = _run(tmp_path, articles, [{**row, "split": wrong}], capsys, rule="question")
    assert rc == 1 and "the seed rule gives" in out
