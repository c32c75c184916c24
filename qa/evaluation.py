"""Evaluation: run a question set through the Assistant, score every answer, aggregate metrics.

The pieces, reusable by scripts and benchmarks:

* `load_questions(path)`: the JSONL question set (format in issue 6) as `Question`s. Unknown
  fields are kept in `Question.extra` (and copied to the results) but otherwise ignored; a bad
  line is a `QuestionSetError` naming the file and line number.
* `evaluate(assistant, questions, k)`: asks every question (with its history), returns one
  result dict per question (the same dicts `--out` writes as JSON lines) and the metrics.
* `score_result(result)` / `metrics_from_results(results)`: per-question scores and their
  aggregate, computed from a result line alone, so `--compare A.jsonl B.jsonl` recomputes the
  metrics of old runs with today's definitions instead of trusting stored numbers.
* `retrieve_ranked(assistant, question, mode)`: only the retrieval half of the pipeline, for
  retrieval-only comparisons at scale (eval/squad_eval.py).

Design choices:

* A result line is self-contained: it carries the gold (`gold.answers`, `gold.sources`,
  `gold.answerable`) next to what the assistant did. The one thing a line cannot recompute
  without the store is whether a citation's quote is really the file slice, so that check runs
  at evaluation time (`assistant.document_text`) and is stored per citation as `valid`,
  together with the text of the passage the citation came from (`passage`).
* Matching is SQuAD-style: `qa.text.normalize_answer` on both sides (case, accents, quotes,
  punctuation and articles folded) and the gold must occur on word boundaries, so "four" does
  not match "fourteen". Citation markers (`[1]`) are removed from answer text first.
* A retrieval hit is a passage from a listed source (a file name or a file-name prefix; a merged
  passage counts its `also_in` sources too) whose text contains a gold answer. A question that
  lists no sources accepts any source. Ranks beyond k do not count: MRR is MRR@k.
* Citation precision is micro-averaged (share of all citations, not a mean of per-answer
  shares): a citation is supported when its quote or its passage contains a gold answer or it
  comes from a gold source. Citation validity is the share whose quote equals text[start:end].
* A direct answer is the short phrase an answer opens with ("4 May 1932 [1]."); `direct_correct`
  says whether that phrase itself holds a gold answer (the quotes after it may hold it when the
  phrase does not: a wrong phrase is a wrong claim behind a valid citation). On a question the
  articles do not answer, `direct` says that a phrase was stated at all, which is always wrong.
* Retrieval, accuracy and false-refusal metrics are over answerable questions; refusal accuracy
  over unanswerable ones; latency over all. A question that raises is recorded with its `error`,
  left out of the metrics and makes `sourced eval` exit 1; low scores never change the exit
  status unless `--min-accuracy` asks for it.
* Latency is the wall time of `assistant.ask` in one process after a warm-up (model loaded,
  lexical index built, one throwaway retrieval); sentence embeddings are cached per chunk as in
  the chat, so the first question touching a chunk pays for embedding its sentences.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from vectorstore.errors import SourcedError

from .text import normalize_answer

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
_MARKER = re.compile(r"\[\d+\]")
RATE_METRICS = (
    "hit@1",
    "hit@k",
    "mrr",
    "accuracy",
    "citation_precision",
    "citation_validity",
    "refusal_accuracy",
    "false_refusal_rate",
)


class QuestionSetError(SourcedError, ValueError):
    """The question set (or a results file) cannot be read as given."""


# -- question sets ---------------------------------------------------------------------------


@dataclass
class Question:
    id: str
    question: str
    answers: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    answerable: bool = True
    history: list[dict] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # unknown fields, kept and ignored
    line: int = 0
    required: list[list[str]] = field(default_factory=list)  # every fact must be in the answer (multi-fact)


_KNOWN = {"id", "question", "answers", "sources", "answerable", "history", "required"}


def load_questions(path: str | Path) -> list[Question]:
    """The question set at `path` (JSONL); raises `QuestionSetError` with the line number on bad input."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise QuestionSetError(
            f"No question set at {path}.", "Give a JSONL file, e.g. eval/seed_questions.jsonl."
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise QuestionSetError(f"Cannot read the question set {path}: {e}.") from e
    questions: list[Question] = []
    seen: set[str] = set()
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        where = f"{path}, line {n}"
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as e:
            raise QuestionSetError(f"{where}: not valid JSON ({e.msg} at column {e.colno}).") from None
        q = _question(row, where, n)
        if q.id in seen:
            raise QuestionSetError(f"{where}: duplicate id {q.id!r}.")
        seen.add(q.id)
        questions.append(q)
    if not questions:
        raise QuestionSetError(f"The question set {path} holds no questions.")
    return questions


def _question(row: Any, where: str, n: int) -> Question:
    if not isinstance(row, dict):
        raise QuestionSetError(f"{where}: expected a JSON object, got {type(row).__name__}.")
    text = row.get("question")
    if not isinstance(text, str) or not text.strip():
        raise QuestionSetError(f"{where}: 'question' must be a non-empty string.")
    answers = _strings(row.get("answers", []), "answers", where)
    sources = _strings(row.get("sources", []), "sources", where)
    answerable = row.get("answerable", True)
    if not isinstance(answerable, bool):
        raise QuestionSetError(f"{where}: 'answerable' must be true or false.")
    if answerable and not any(normalize_answer(a) for a in answers):
        raise QuestionSetError(
            f"{where}: an answerable question needs at least one answer in 'answers'.",
            'Add the gold answers, or mark it "answerable": false.',
        )
    history = row.get("history") or []
    if not isinstance(history, list) or not all(
        isinstance(t, dict) and isinstance(t.get("content"), str) and t.get("role") in ("user", "assistant")
        for t in history
    ):
        raise QuestionSetError(f'{where}: \'history\' must be a list of {{"role": user|assistant, "content"}}.')
    required = row.get("required") or []
    if not isinstance(required, list) or not all(
        isinstance(fact, list) and fact and all(isinstance(a, str) for a in fact) for fact in required
    ):
        raise QuestionSetError(f"{where}: 'required' must be a list of non-empty lists of answer strings.")
    qid = row.get("id", f"line{n}")
    return Question(
        required=required,
        id=str(qid),
        question=text,
        answers=answers,
        sources=sources,
        answerable=answerable,
        history=history,
        extra={k: v for k, v in row.items() if k not in _KNOWN},
        line=n,
    )


def _strings(value: Any, name: str, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise QuestionSetError(f"{where}: '{name}' must be a list of strings.")
    return list(value)


# -- per-question scores -----------------------------------------------------------------------


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    """Whether `text` contains one of `answers`, normalised, on word boundaries."""
    haystack = f" {normalize_answer(_MARKER.sub(' ', text or ''))} "
    for a in answers:
        needle = normalize_answer(a)
        if needle and f" {needle} " in haystack:
            return True
    return False


def source_matches(sources: Iterable[str], gold: Sequence[str]) -> bool:
    """Whether one of `sources` is a gold source (same file name, or a name starting with a gold prefix)."""
    if not gold:
        return True
    return any(s and any(s == g or s.startswith(g) for g in gold) for s in sources)


def _sources_of(item: dict) -> list[str]:
    return [item.get("source", "")] + [s for s in item.get("also_in", []) if isinstance(s, str)]


def hit_rank(retrieved: Sequence[dict], answers: Sequence[str], sources: Sequence[str], k: int | None = None) -> int:
    """1-based rank of the first retrieved passage that is a hit within the top k; 0 if none."""
    for rank, p in enumerate(retrieved[:k] if k else retrieved, start=1):
        if source_matches(_sources_of(p), sources) and contains_answer(p.get("text", ""), answers):
            return rank
    return 0


def citation_supported(citation: dict, answers: Sequence[str], sources: Sequence[str]) -> bool:
    """A citation is supported when its quote or passage holds a gold answer, or it comes from a gold source.

    With no gold sources listed, only the text counts (any source would otherwise do).
    """
    if sources and source_matches(_sources_of(citation), sources):
        return True
    return contains_answer(citation.get("quote", ""), answers) or contains_answer(citation.get("passage", ""), answers)


def citation_valid(citation: dict, document_text: Callable[[str], str | None]) -> bool:
    """Whether the citation's quote is exactly its source's text[start:end]."""
    text = document_text(citation.get("source", ""))
    start, end = citation.get("start"), citation.get("end")
    if text is None or not isinstance(start, int) or not isinstance(end, int) or not 0 <= start <= end <= len(text):
        return False
    return text[start:end] == citation.get("quote")


# A direct answer opens with its phrase and the marker before the full stop: "4 May 1932 [1]. ..."
# (a quoted sentence ends with its stop before the marker: "... in 1932. [1]").
_OPENING_PHRASE = re.compile(r"^\s*(?P<phrase>[^\[\n]{1,200}?)\s*(?:\[\d+\])+\.(?:\s|$)")


def opening_phrase(answer: str) -> str | None:
    """The short phrase an answer opens with ("4 May 1932" of "4 May 1932 [1]. The bridge ..."), if any."""
    m = _OPENING_PHRASE.match(answer or "")
    return m.group("phrase") if m and not re.search(r"[.!?]\s", m.group("phrase")) else None


def score_result(result: dict, k: int | None = None) -> dict:
    """The per-question scores of one result line (None where a score does not apply)."""
    gold = result.get("gold", {})
    answers, sources = gold.get("answers", []), gold.get("sources", [])
    expected = gold.get("answerable", True)
    k = k or result.get("k") or len(result.get("retrieved", [])) or 1
    citations = result.get("citations", [])
    s: dict[str, Any] = {"error": bool(result.get("error"))}
    s["refused"] = not result.get("answerable", False)
    s["citations"] = len(citations)
    s["citations_supported"] = sum(citation_supported(c, answers, sources) for c in citations)
    s["citations_valid"] = sum(bool(c.get("valid")) for c in citations)
    if expected:
        rank = hit_rank(result.get("retrieved", []), answers, sources, k)
        s.update(
            rank=rank,
            **{"hit@1": rank == 1, "hit@k": rank > 0},
            rr=1.0 / rank if rank else 0.0,
            correct=(not s["refused"])
            and (
                all(contains_answer(result.get("answer", ""), fact) for fact in gold["required"])
                if gold.get("required")
                else contains_answer(result.get("answer", ""), answers)
            ),
            false_refusal=s["refused"],
            refusal_correct=None,
        )
        # the direct answer is a claim of its own: does the phrase the answer opens with hold the gold?
        phrase = None if s["refused"] or not answers else opening_phrase(result.get("answer", ""))
        s.update(direct=phrase is not None, direct_correct=contains_answer(phrase, answers) if phrase else None)
    else:
        s.update(
            rank=None,
            **{"hit@1": None, "hit@k": None},
            rr=None,
            correct=None,
            false_refusal=None,
            refusal_correct=s["refused"],
        )
        # a phrase said as the answer where the articles give none is a wrong claim, whatever it says
        s.update(direct=not s["refused"] and opening_phrase(result.get("answer", "")) is not None,
                 direct_correct=None)
    return s


# -- aggregation -------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation; None for no values."""
    xs = sorted(values)
    if not xs:
        return None
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _mean(values: Sequence[float | bool]) -> float | None:
    return sum(float(v) for v in values) / len(values) if values else None


def metrics_from_results(results: Sequence[dict], k: int | None = None) -> dict:
    """Aggregate metrics, recomputed from result lines (see the module docstring for definitions)."""
    scored = [(r, score_result(r, k)) for r in results]
    ok = [(r, s) for r, s in scored if not s["error"]]
    ans = [s for r, s in ok if r.get("gold", {}).get("answerable", True)]
    unans = [s for r, s in ok if not r.get("gold", {}).get("answerable", True)]
    cites = sum(s["citations"] for _, s in ok)
    latencies = [float(r["latency_ms"]) for r, _ in ok if r.get("latency_ms") is not None]
    ks = {r.get("k") for r in results if r.get("k")}
    return {
        "questions": len(results),
        "answerable": len(ans),
        "unanswerable": len(unans),
        "errors": len(scored) - len(ok),
        "k": k or (ks.pop() if len(ks) == 1 else None),
        "hit@1": _mean([s["hit@1"] for s in ans]),
        "hit@k": _mean([s["hit@k"] for s in ans]),
        "mrr": _mean([s["rr"] for s in ans]),
        "accuracy": _mean([s["correct"] for s in ans]),
        "citations": cites,
        "citation_precision": sum(s["citations_supported"] for _, s in ok) / cites if cites else None,
        "citation_validity": sum(s["citations_valid"] for _, s in ok) / cites if cites else None,
        "refusal_accuracy": _mean([s["refusal_correct"] for s in unans]),
        "false_refusal_rate": _mean([s["false_refusal"] for s in ans]),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        "latency_mean_ms": _mean(latencies),
    }


def metrics_by(results: Sequence[dict], key: str = "kind") -> dict[str, dict]:
    """Metrics per value of an extra field (the seed set's `kind`), for the report."""
    groups: dict[str, list[dict]] = {}
    for r in results:
        value = r.get("extra", {}).get(key)
        if value is not None:
            groups.setdefault(str(value), []).append(r)
    return {name: metrics_from_results(rows) for name, rows in sorted(groups.items())}


# -- running -----------------------------------------------------------------------------------


def warm_up(assistant) -> None:
    """Load what loads once per process (embedder, lexical index, sentence splitter, stemmer) before timing.

    One throwaway question goes through retrieval and evidence selection (not the generator), so the
    first timed question does not carry the process's start-up costs.
    """
    assistant.retriever.refresh()
    with contextlib.suppress(Exception):
        assistant.prepare("What do the articles report?", None)


def result_line(question: Question, answer, assistant, latency_ms: float, k: int) -> dict:
    """The JSON-serialisable result of one answered question, with its scores."""
    citations = []
    for c in answer.citations:
        text = assistant.document_text(c.source) or ""
        item = {
            "n": c.n,
            "source": c.source,
            "quote": c.quote,
            "start": c.start,
            "end": c.end,
            "score": round(float(c.score), 4),
            "also_in": [loc.source for loc in c.also_in],
            "passage": text[c.passage_start : c.passage_end] if c.passage_end > c.passage_start else "",
        }
        item["valid"] = citation_valid(item, assistant.document_text)
        citations.append(item)
    line = {
        "id": question.id,
        "question": question.question,
        "standalone_question": answer.standalone_question,
        "answer": answer.text,
        "answerable": answer.answerable,
        "citations": citations,
        "conflicts": [c.to_dict() for c in answer.conflicts],
        "retrieved": [_passage_dict(p) for p in answer.retrieved],
        "latency_ms": round(latency_ms, 2),
        "generator": answer.generator,
        "retrieval": assistant.config.retrieval,
        "k": k,
        "notices": list(answer.notices),
        "gold": _gold(question),
        "extra": question.extra,
        "error": None,
    }
    line["scores"] = score_result(line, k)
    return line


def error_line(question: Question, error: Exception, assistant, k: int) -> dict:
    line = {
        "id": question.id,
        "question": question.question,
        "standalone_question": None,
        "answer": "",
        "answerable": False,
        "citations": [],
        "retrieved": [],
        "latency_ms": None,
        "generator": getattr(assistant.generator, "name", None),
        "retrieval": assistant.config.retrieval,
        "k": k,
        "gold": _gold(question),
        "extra": question.extra,
        "error": f"{type(error).__name__}: {error}",
    }
    line["scores"] = score_result(line, k)
    return line


def _gold(q: Question) -> dict:
    gold = {"answers": q.answers, "sources": q.sources, "answerable": q.answerable}
    if q.required:
        gold["required"] = q.required
    return gold


def _passage_dict(p) -> dict:
    return {
        "source": p.source,
        "text": p.text,
        "start": p.start,
        "end": p.end,
        "score": round(float(p.score), 4),
        "also_in": [loc.source for loc in p.also_in],
    }


def evaluate(
    assistant,
    questions: Sequence[Question],
    k: int | None = None,
    *,
    out: TextIO | None = None,
    progress: bool = True,
    desc: str = "eval",
) -> tuple[list[dict], dict]:
    """Ask every question; returns (result lines, metrics). Lines are also written to `out` as they come."""
    from tqdm import tqdm

    from .errors import QuestionError

    k = k or assistant.config.k
    warm_up(assistant)
    results: list[dict] = []
    bar = tqdm(questions, desc=desc, unit="q", file=sys.stderr, disable=not progress, dynamic_ncols=True)
    for q in bar:
        started = time.perf_counter()
        try:
            answer = assistant.ask(q.question, q.history or None)
        except SourcedError as e:
            if not isinstance(e, QuestionError):
                raise  # the store or the generator is unusable: every question would fail the same way
            line = error_line(q, e, assistant, k)
        except Exception as e:  # a bug on one question is recorded (and fails the run) but does not stop it
            line = error_line(q, e, assistant, k)
        else:
            line = result_line(q, answer, assistant, (time.perf_counter() - started) * 1000.0, k)
        results.append(line)
        if out is not None:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            out.flush()
    bar.close()
    return results, metrics_from_results(results, k)


def retrieve_ranked(assistant, question: str, mode: str, query_embedding: Sequence[float] | None = None) -> list:
    """The passages `Answer.retrieved` would hold for `question` under retrieval `mode`, without answering.

    Runs the assistant's own retrieval stage (`Assistant.search`) and keeps k after merging
    near-duplicates, as `Assistant.prepare` does, so that retrieval can be compared over
    thousands of questions at a fraction of the cost of a full answer. `question` must be standalone.
    """
    from .evidence import merge_passages
    from .question import analyze

    if mode != "bm25" and query_embedding is None:
        query_embedding = assistant.embedder.get_query_embedding(question)
    query = None if mode == "bm25" else [float(x) for x in query_embedding]
    passages, _ = assistant.search(analyze(question, original=question), question, mode, query)
    return merge_passages(passages)[: assistant.config.k]


def load_results(path: str | Path) -> list[dict]:
    """Result lines written by `--out`."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise QuestionSetError(f"Cannot read the results file {path}: {e.strerror or e}.") from e
    results = []
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as e:
            raise QuestionSetError(f"{path}, line {n}: not valid JSON ({e.msg} at column {e.colno}).") from None
        if not isinstance(row, dict) or "gold" not in row:
            raise QuestionSetError(
                f"{path}, line {n}: not a result line (no 'gold').", "Give files written by `sourced eval --out`."
            )
        results.append(row)
    if not results:
        raise QuestionSetError(f"The results file {path} is empty.")
    return results


# -- presentation ------------------------------------------------------------------------------


@dataclass
class Run:
    """One evaluated configuration: its label, settings, result lines and metrics."""

    label: str
    settings: dict
    results: list[dict]
    metrics: dict


def metric_rows(k: int | None) -> list[tuple[str, str, str]]:
    """(metric key, display name, format) in table order; format is 'pct', 'num' or 'ms'."""
    kk = k if k else "k"
    return [
        ("hit@1", "retrieval hit@1", "pct"),
        ("hit@k", f"retrieval hit@{kk}", "pct"),
        ("mrr", f"retrieval MRR@{kk}", "num"),
        ("accuracy", "answer accuracy", "pct"),
        ("citation_precision", "citation precision", "pct"),
        ("citation_validity", "citation validity", "pct"),
        ("refusal_accuracy", "refusal accuracy (unanswerable)", "pct"),
        ("false_refusal_rate", "false refusals (answerable)", "pct"),
        ("latency_p50_ms", "latency p50", "ms"),
        ("latency_p95_ms", "latency p95", "ms"),
    ]


def fmt(value: float | None, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "ms":
        return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"
    return f"{value:.3f}"


def counts(m: dict) -> str:
    s = f"{m['questions']} ({m['answerable']} answerable, {m['unanswerable']} unanswerable"
    s += f", {m['errors']} errors)" if m["errors"] else ")"
    return s


def table(runs: Sequence[Run]) -> str:
    """The metrics side by side, as aligned plain text."""
    k = runs[0].metrics.get("k") if runs else None
    rows = [("questions", *[counts(r.metrics) for r in runs])]
    rows += [(name, *[fmt(r.metrics.get(key), kind) for r in runs]) for key, name, kind in metric_rows(k)]
    header = ("metric", *[r.label for r in runs])
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = zip(row, widths, strict=True)
        return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(cells))

    lines = [line(row) for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def changes(a: Run, b: Run) -> tuple[list[str], list[str]]:
    """Question ids answered correctly by b but not a (fixed), and by a but not b (broken)."""
    sa = {r["id"]: score_result(r) for r in a.results}
    sb = {r["id"]: score_result(r) for r in b.results}

    def good(s: dict) -> bool:
        return bool(s["correct"] if s["correct"] is not None else s["refusal_correct"])

    common = [i for i in sa if i in sb]
    fixed = [i for i in common if good(sb[i]) and not good(sa[i])]
    return fixed, [i for i in common if good(sa[i]) and not good(sb[i])]
