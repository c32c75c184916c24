"""`qa.evaluation` and `sourced eval`: metric definitions on hand-made cases, the question-set loader,
the report, and one end-to-end run of the command on a few seed questions (hash embedder, extractive
generator, so it is fast and deterministic)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

from qa.evaluation import (
    QuestionSetError,
    Run,
    citation_supported,
    citation_valid,
    contains_answer,
    hit_rank,
    load_questions,
    load_results,
    metrics_from_results,
    opening_phrase,
    percentile,
    score_result,
    source_matches,
    table,
)

SEED_QUESTIONS = ROOT / "eval" / "seed_questions.jsonl"
A, B = "000_93fb345e8f737034.txt", "001_b601bfb4ae3c3ca1.txt"


# -- matching ----------------------------------------------------------------------------------


def test_contains_answer_ignores_case_punctuation_articles_and_markers():
    assert contains_answer("Kim was met by JO CHUN-RYONG [2].", ["Jo Chun Ryong"])
    assert contains_answer("the delegation includes Choe Sun-hui.", ["choe sun hui"])
    assert contains_answer("He arrived at Khasan [1] station.", ["Khasan station"])
    assert contains_answer("She said: “The interests of our two countries.”", ["interests of our two countries"])
    assert contains_answer("about 680km (425 miles) north", ["425 miles"])
    assert contains_answer("Reported by The Kyodo agency", ["the Kyodo agency"])


def test_contains_answer_needs_whole_words():
    assert not contains_answer("fourteen trips", ["four"])
    assert not contains_answer("Khasanovich", ["Khasan"])
    assert not contains_answer("anything", [""])  # an empty gold never matches
    assert not contains_answer("", ["Kyodo"])


def test_source_matches_by_name_or_prefix():
    assert source_matches([A], [A])
    assert source_matches([A], ["000"])
    assert not source_matches([B], ["000"])
    assert source_matches(["x.txt", B], ["001"])  # any of a merged passage's sources
    assert source_matches([B], [])  # no gold sources: any source


# -- retrieval ---------------------------------------------------------------------------------


def _p(source: str, text: str, also_in: list[str] | None = None) -> dict:
    return {"source": source, "text": text, "start": 0, "end": len(text), "score": 0.0, "also_in": also_in or []}


def test_hit_rank_needs_gold_source_and_gold_text():
    retrieved = [
        _p(B, "Kyodo reported it."),  # gold text, wrong source
        _p(A, "Nothing relevant here."),  # gold source, no gold text
        _p(A, "Japan's Kyodo news agency reported the arrival."),  # the hit
    ]
    assert hit_rank(retrieved, ["Kyodo"], ["000"]) == 3
    assert hit_rank(retrieved, ["Kyodo"], ["000"], k=2) == 0
    assert hit_rank(retrieved, ["Kyodo"], []) == 1  # no sources listed: any source
    assert hit_rank([_p(B, "Kyodo reported", also_in=[A])], ["Kyodo"], [A]) == 1  # a merged twin counts
    assert hit_rank([], ["Kyodo"], [A]) == 0


# -- citations ---------------------------------------------------------------------------------


def test_citation_precision_quote_passage_or_source():
    gold, sources = ["Khasan"], [A]
    assert citation_supported({"source": A, "quote": "unrelated"}, gold, sources)  # gold source
    assert citation_supported({"source": B, "quote": "at Khasan station"}, gold, sources)  # gold text
    assert citation_supported({"source": B, "quote": "It arrived.", "passage": "It arrived. At Khasan."}, gold, sources)
    assert not citation_supported({"source": B, "quote": "It arrived.", "passage": "It arrived."}, gold, sources)
    assert citation_supported({"source": B, "quote": "x", "also_in": [A]}, gold, sources)


def test_citation_validity_is_the_exact_file_slice():
    docs = {A: "Kim left Pyongyang. He arrived at Khasan."}
    text = docs.__getitem__
    good = {"source": A, "quote": "He arrived at Khasan.", "start": 20, "end": 41}
    assert citation_valid(good, docs.get)
    assert text(A)[20:41] == good["quote"]
    assert not citation_valid({**good, "start": 19}, docs.get)  # off by one
    assert not citation_valid({**good, "quote": "He arrived at Khasan station."}, docs.get)
    assert not citation_valid({**good, "source": B}, docs.get)  # unknown source
    assert not citation_valid({**good, "end": 999}, docs.get)


# -- scores and metrics --------------------------------------------------------------------------


def _result(qid, answer, answerable, gold_answers, gold_answerable=True, retrieved=(), citations=(), latency=100.0):
    return {
        "id": qid,
        "question": f"question {qid}?",
        "standalone_question": f"question {qid}?",
        "answer": answer,
        "answerable": answerable,
        "citations": list(citations),
        "retrieved": list(retrieved),
        "latency_ms": latency,
        "k": 5,
        "gold": {"answers": gold_answers, "sources": [A] if gold_answerable else [], "answerable": gold_answerable},
        "extra": {},
        "error": None,
    }


def _cite(source, quote, valid=True):
    return {"n": 1, "source": source, "quote": quote, "start": 0, "end": len(quote), "valid": valid}


@pytest.fixture
def results() -> list[dict]:
    hit = [_p(A, "Kim arrived at Khasan station.")]
    return [
        # right at rank 1, one good and one off-topic citation from another article (invalid, too)
        _result("a", "Khasan [1].", True, ["Khasan"], retrieved=hit + [_p(B, "x")],
                citations=[_cite(A, "Khasan"), _cite(B, "Peskov said.", valid=False)], latency=100),
        # the gold passage is second; the answer is wrong
        _result("b", "Vladivostok [1].", True, ["Kyodo"], retrieved=[_p(A, "no"), _p(A, "Kyodo said")],
                citations=[_cite(B, "Vladivostok")], latency=200),
        # a false refusal, the gold passage not retrieved at all
        _result("c", "The articles don't say.", False, ["Interfax"], retrieved=[_p(B, "Interfax")], latency=300),
        # unanswerable, refused: right
        _result("d", "The articles don't say.", False, [], gold_answerable=False, latency=400),
        # unanswerable, answered: wrong
        _result("e", "Breakfast was rice [1].", True, [], gold_answerable=False,
                citations=[_cite(B, "rice")], latency=500),
    ]


def test_score_result_per_question(results):
    a, b, c, d, e = (score_result(r) for r in results)
    assert (a["rank"], a["hit@1"], a["hit@k"], a["rr"], a["correct"]) == (1, True, True, 1.0, True)
    assert (b["rank"], b["hit@1"], b["hit@k"], b["rr"], b["correct"]) == (2, False, True, 0.5, False)
    assert (c["rank"], c["correct"], c["false_refusal"]) == (0, False, True)
    assert d["refusal_correct"] is True and d["correct"] is None and d["hit@1"] is None
    assert e["refusal_correct"] is False
    assert (a["citations"], a["citations_supported"], a["citations_valid"]) == (2, 1, 1)


def test_metrics_from_results(results):
    m = metrics_from_results(results)
    assert (m["questions"], m["answerable"], m["unanswerable"], m["errors"], m["k"]) == (5, 3, 2, 0, 5)
    assert m["hit@1"] == pytest.approx(1 / 3)
    assert m["hit@k"] == pytest.approx(2 / 3)
    assert m["mrr"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert m["accuracy"] == pytest.approx(1 / 3)
    assert m["false_refusal_rate"] == pytest.approx(1 / 3)
    assert m["refusal_accuracy"] == pytest.approx(1 / 2)
    # 4 citations: a's gold one supported; a's second, b's and e's are from another article without the answer
    assert m["citations"] == 4
    assert m["citation_precision"] == pytest.approx(1 / 4)
    assert m["citation_validity"] == pytest.approx(3 / 4)
    assert m["latency_p50_ms"] == pytest.approx(300)
    assert m["latency_p95_ms"] == pytest.approx(480)


def test_accuracy_normalises_and_refusal_is_never_right():
    r = _result("x", "Munitions chief JO CHUN-RYONG [1] travelled too.", True, ["Jo Chun Ryong"])
    assert score_result(r)["correct"] is True
    refused = _result("y", "The articles don't say (Jo Chun Ryong?).", False, ["Jo Chun Ryong"])
    assert score_result(refused)["correct"] is False


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        ("4 May 1932 [1]. The bridge opened on 4 May 1932. [1]", "4 May 1932"),
        ("Ana Vel and Edo Varn [1][2]. Both came.", "Ana Vel and Edo Varn"),
        ("The bridge opened in 1932. [1] It was painted. [2]", None),  # a quoted sentence, no phrase
        ("The articles don't say.", None),
    ],
)
def test_opening_phrase(answer: str, phrase: str | None):
    assert opening_phrase(answer) == phrase


def test_a_wrong_direct_phrase_is_scored_wrong_even_when_the_quote_holds_the_gold():
    right = _result("r", "Edo Varn [1]. The ferry was steered by Edo Varn from Quillport. [1]", True, ["Edo Varn"])
    wrong = _result("w", "Quillport [1]. The ferry was steered by Edo Varn from Quillport. [1]", True, ["Edo Varn"])
    plain = _result("p", "The ferry was steered by Edo Varn. [1]", True, ["Edo Varn"])
    assert score_result(right)["direct_correct"] is True
    assert score_result(wrong)["correct"] is True and score_result(wrong)["direct_correct"] is False
    assert score_result(plain)["direct"] is False and score_result(plain)["direct_correct"] is None


def test_a_phrase_stated_where_the_articles_give_no_answer_is_counted():
    stated = _result("s", "Quillport [1]. Tension with Quillport led to a siege. [1]", True, [], gold_answerable=False)
    quoted = _result("q", "Tension with Quillport led to a siege. [1]", True, [], gold_answerable=False)
    refused = _result("n", "The articles don't say.", False, [], gold_answerable=False)
    assert [score_result(r)["direct"] for r in (stated, quoted, refused)] == [True, False, False]
    assert score_result(stated)["refusal_correct"] is False and score_result(stated)["direct_correct"] is None


def test_errors_are_counted_not_scored(results):
    broken = {**results[0], "id": "z", "error": "RuntimeError: boom", "latency_ms": None}
    m = metrics_from_results([*results, broken])
    assert m["errors"] == 1 and m["answerable"] == 3 and m["questions"] == 6


def test_percentile():
    assert percentile([], 50) is None
    assert percentile([5.0], 95) == 5.0
    assert percentile([1, 2, 3, 4], 50) == pytest.approx(2.5)
    assert percentile(list(range(101)), 95) == pytest.approx(95)


# -- loading -------------------------------------------------------------------------------------


def test_load_questions_keeps_unknown_fields(tmp_path: Path):
    path = tmp_path / "q.jsonl"
    rows = [
        {"id": "q1", "question": "Who?", "answers": ["Kim"], "sources": ["000"], "kind": "who", "note": "n"},
        {"id": "q2", "question": "And then?", "history": [{"role": "user", "content": "Who?"}], "answers": "Putin"},
        {"id": "q3", "question": "Breakfast?", "answers": [], "answerable": False},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows[:2]) + "\n\n" + json.dumps(rows[2]) + "\n")
    qs = load_questions(path)
    assert [q.id for q in qs] == ["q1", "q2", "q3"]
    assert qs[0].extra == {"kind": "who", "note": "n"} and qs[0].sources == ["000"]
    assert qs[1].answers == ["Putin"] and qs[1].history[0]["content"] == "Who?" and qs[1].sources == []
    assert qs[2].answerable is False and qs[2].line == 4


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "q2", "question": "Who?", "answers": ["x"]', "line 2: not valid JSON"),
        ('["not", "an", "object"]', "line 2: expected a JSON object"),
        ('{"id": "q2", "answers": ["x"]}', "line 2: 'question' must be a non-empty string"),
        ('{"id": "q1", "question": "Again?", "answers": ["x"]}', "line 2: duplicate id 'q1'"),
        ('{"id": "q2", "question": "Who?", "answers": []}', "line 2: an answerable question needs"),
        ('{"id": "q2", "question": "Who?", "answers": ["x"], "history": "no"}', "line 2: 'history' must be"),
        ('{"id": "q2", "question": "Who?", "answers": [1]}', "line 2: 'answers' must be a list of strings"),
    ],
)
def test_load_questions_bad_line_names_it(tmp_path: Path, line: str, message: str):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "q1", "question": "Who?", "answers": ["Kim"]}\n' + line + "\n")
    with pytest.raises(QuestionSetError) as e:
        load_questions(path)
    assert message in str(e.value) and str(path) in str(e.value)
    assert isinstance(e.value, ValueError)


def test_load_questions_missing_or_empty(tmp_path: Path):
    with pytest.raises(QuestionSetError, match="No question set"):
        load_questions(tmp_path / "nope.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n\n")
    with pytest.raises(QuestionSetError, match="no questions"):
        load_questions(tmp_path / "empty.jsonl")


def test_the_seed_set_loads():
    qs = load_questions(SEED_QUESTIONS)
    assert len(qs) >= 40
    assert sum(not q.answerable for q in qs) >= 6
    assert any(q.history for q in qs)


def test_load_results_rejects_other_files(tmp_path: Path):
    (tmp_path / "q.jsonl").write_text('{"id": "q1", "question": "Who?", "answers": ["Kim"]}\n')
    with pytest.raises(QuestionSetError, match="not a result line"):
        load_results(tmp_path / "q.jsonl")


# -- presentation --------------------------------------------------------------------------------


def test_table_and_report(tmp_path: Path, results):
    from qa.report import write_report

    runs = [
        Run("one", {"generator": "extractive", "retrieval": "hybrid+rerank", "k": 5}, results,
            metrics_from_results(results)),
        Run("two", {"generator": "extractive", "retrieval": "dense", "k": 5}, results[:3],
            metrics_from_results(results[:3])),
    ]
    text = table(runs)
    assert "retrieval hit@5" in text and "one" in text and "two" in text and "33.3%" in text
    md, png = write_report(tmp_path / "sub" / "r.md", runs)
    body = md.read_text()
    assert png == tmp_path / "sub" / "r.png" and png.stat().st_size > 1000
    assert "![metrics and latency](r.png)" in body
    assert "| retrieval MRR@5 |" in body
    assert "### Wrong answers" in body and "**b**" in body  # the wrong answer, with its question
    assert "### False refusals" in body and "**c**" in body
    assert "Answered although the articles don't say" in body and "**e**" in body


# -- the command, end to end ----------------------------------------------------------------------


def _subset(path: Path, ids: list[str]) -> Path:
    rows = [json.loads(line) for line in SEED_QUESTIONS.read_text().splitlines() if line.strip()]
    picked = [r for r in rows if r["id"] in ids]
    picked[0]["my_field"] = {"kept": True}  # unknown fields are carried, not rejected
    path.write_text("".join(json.dumps(r) + "\n" for r in picked))
    return path


def test_sourced_eval_end_to_end(tmp_path: Path, seeds_dir: Path):
    from vectorstore.config import StoreConfig
    from vectorstore.ingest import ingest

    store = tmp_path / "store"
    assert ingest([seeds_dir], StoreConfig(store=store, embedder="hash")).ok
    questions = _subset(tmp_path / "q.jsonl", ["q01", "q11", "q37", "q57", "q66", "q67"])
    out, report = tmp_path / "out" / "results.jsonl", tmp_path / "out" / "r.md"
    flags = ["--store", str(store), "--generator", "extractive"]

    done = run_cli("eval", str(questions), *flags, "--out", str(out), "--report", str(report))
    assert done.returncode == 0, done.stderr
    assert "answer accuracy" in done.stdout and "refusal accuracy" in done.stdout
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in lines] == ["q01", "q11", "q37", "q57", "q66", "q67"]
    for r in lines:
        for key in ("question", "standalone_question", "answer", "answerable", "citations", "retrieved",
                    "latency_ms", "scores", "gold"):
            assert key in r, key
        assert r["latency_ms"] > 0 and len(r["retrieved"]) <= 5
        for c in r["citations"]:
            assert {"n", "source", "quote", "start", "end", "score"} <= set(c)
            assert c["valid"] is True
        for p in r["retrieved"]:
            assert {"source", "text", "start", "end", "score"} <= set(p)
    assert lines[0]["extra"]["my_field"] == {"kept": True} and lines[0]["extra"]["kind"] == "who"
    assert lines[3]["standalone_question"] != lines[3]["question"]  # the follow-up was rewritten
    assert lines[4]["scores"]["refusal_correct"] is not None and lines[4]["scores"]["correct"] is None
    assert report.is_file() and report.with_suffix(".png").is_file()
    assert "## Metrics" in report.read_text()

    # a threshold no run can meet turns into exit status 1; the table is still printed
    strict = run_cli("eval", str(questions), *flags, "--limit", "2", "--min-accuracy", "1.1")
    assert strict.returncode == 1
    assert "below --min-accuracy" in strict.stderr and "answer accuracy" in strict.stdout


def test_compare_and_usage_errors(tmp_path: Path, results, capsys):
    from ui.cli import _config, build_parser, main
    from ui.eval_cli import run_cli as eval_cli

    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("".join(json.dumps(r) + "\n" for r in results))
    b.write_text("".join(json.dumps({**r, "answer": "Kyodo", "answerable": True}) + "\n" for r in results))
    args = build_parser().parse_args(["eval", "--compare", str(a), str(b), "--report", str(tmp_path / "c.md")])
    assert eval_cli(args, _config) == 0
    printed = capsys.readouterr().out
    assert "a" in printed and "b" in printed and "1 question(s) now right" in printed
    assert (tmp_path / "c.png").is_file()

    assert main(["eval"]) == 2  # neither a question set nor --compare
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n")
    assert main(["eval", str(bad), "--store", str(tmp_path / "none")]) == 2
    assert "line 1: not valid JSON" in capsys.readouterr().err


# -- eval/squad_eval.py on a tiny SQuAD file ---------------------------------------------------------


def test_squad_eval_small(tmp_path: Path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("squad_eval", ROOT / "eval" / "squad_eval.py")
    squad_eval = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(squad_eval)

    def para(context: str, qas: list[tuple[str, str]]) -> dict:
        rows = [{"id": f"{context[:4]}{i}", "question": q, "answers": [{"text": a, "answer_start": context.find(a)}]}
                for i, (q, a) in enumerate(qas)]
        return {"context": context, "qas": rows}

    data = {"data": [
        {"title": "Rhine", "paragraphs": [
            para("The Rhine rises in the Swiss Alps. It flows into the North Sea near Rotterdam.",
                 [("Where does the Rhine rise?", "Swiss Alps"), ("Where does the Rhine end?", "North Sea")]),
        ]},
        {"title": "Steam_engine", "paragraphs": [
            para("James Watt improved the steam engine in 1776. His engines used a separate condenser.",
                 [("Who improved the steam engine?", "James Watt"), ("What did Watt's engines use?", "condenser")]),
        ]},
    ]}
    src = tmp_path / "squad.json"
    src.write_text(json.dumps(data))
    out = tmp_path / "out" / "table.md"
    argv = ["--data", str(src), "--work", str(tmp_path / "work"), "--out", str(out), "--embedder", "hash",
            "--sample", "2", "--answer-modes", "hybrid+rerank"]
    assert squad_eval.main(argv) == 0
    result = json.loads(out.with_suffix(".json").read_text())
    assert set(result["retrieval"]) == {"baseline", "bm25", "dense", "hybrid", "hybrid+rerank"}
    assert result["questions"] == 4 and result["sample"] == 2
    assert result["retrieval"]["bm25"]["hit@5"] == 1.0  # two tiny articles: everything is found
    assert result["answers"]["hybrid+rerank"]["questions"] == 2
    assert "| llama-index VectorStoreIndex (defaults) |" in out.read_text()
    assert out.with_suffix(".png").is_file()
    # a second run comes from the caches (same numbers, no recomputation)
    assert squad_eval.main(argv) == 0
    assert json.loads(out.with_suffix(".json").read_text())["retrieval"] == result["retrieval"]


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid", "hybrid+rerank"])
def test_retrieval_only_evaluation_gets_the_passages_an_answer_cites_from(tmp_path: Path, seeds_dir: Path, mode: str):
    """`retrieve_ranked` runs the assistant's own retrieval stage: the same passages, in the same
    order, as `Answer.retrieved` for a standalone question."""
    from qa.assistant import Assistant
    from qa.evaluation import retrieve_ranked
    from vectorstore.config import StoreConfig
    from vectorstore.embedding import HashEmbedding
    from vectorstore.ingest import ingest

    store = tmp_path / "store"
    assert ingest([seeds_dir], StoreConfig(store=store, embedder="hash")).ok
    assistant = Assistant.open(store=store, generator="extractive", embedder=HashEmbedding(), retrieval=mode)
    questions = [q.question for q in load_questions(SEED_QUESTIONS) if not q.history][:8]
    assert len(questions) == 8
    for question in questions:
        answer = assistant.ask(question)
        got = [(p.source, p.start, p.end) for p in retrieve_ranked(assistant, answer.standalone_question, mode)]
        assert got == [(p.source, p.start, p.end) for p in answer.retrieved], question
        assert got
