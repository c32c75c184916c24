"""Train the answerability scorer (`qa/data/scorer.json`) on the dev half of the SQuAD articles.

Usage:
    python eval/squad.py                                   # once: writes eval/squad/
    sourced ingest eval/squad/articles --store STORE       # once
    python eval/train_scorer.py --store STORE [--questions 900] [--seed 0]

Training data, from dev articles only (eval/splits.py):
* positives: candidate sentences (those the pipeline retrieves for the question) that hold a gold
  answer and come from the question's article;
* negatives: every other candidate sentence of the same question, and every candidate sentence
  of a *swapped* question: the question with one specific (a number, a year, a capitalised name)
  replaced by another of the same kind from a different paragraph of the same article, which
  the article then no longer answers (the SQuAD 2.0 "entity swap" kind).

Two L2-regularised logistic regressions, fitted by Newton's method on standardised features
(`qa.answerability`): the sentence model on the sentence labels above; the question model on
answerable questions against their swaps, plus the hand-written dev unanswerable questions
(eval/sets/squad_unanswerable.jsonl, split dev), each counted `--unanswerable-weight` times. The
threshold is the highest one whose false refusal rate on held-apart dev answerable questions stays
within `--max-false-refusals` (default 5%). The hand-written questions' refusal rate is reported
by 5-fold cross-validation (each fold scored by a model that did not see it). Deterministic for a
given seed.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from splits import squad_article_split  # noqa: E402

from qa.answerability import WEIGHTS_FILE, Logistic, ScorerWeights  # noqa: E402
from qa.evidence import candidates  # noqa: E402
from qa.features import NAMES, QUESTION_NAMES, SIGNS, question_features  # noqa: E402
from qa.question import analyze  # noqa: E402
from qa.text import normalize_answer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_NAME = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]+(?: [A-Z][a-z]+)*")


def contains(text: str, answers: list[str]) -> bool:
    t = f" {normalize_answer(text)} "
    return any(f" {normalize_answer(a)} " in t for a in answers if normalize_answer(a))


def swap(question: str, paragraph: str, article: str, rng: random.Random) -> str | None:
    """The question with one number or name swapped for another of the article's (not the paragraph's)."""
    numbers = [m for m in _NUMBER.finditer(question)]
    names = [m for m in re.finditer(r"(?<=\w )[A-Z][a-z]+(?: [A-Z][a-z]+)*", question)]
    options = []
    if numbers:
        pool = sorted({n for n in _NUMBER.findall(article) if n not in paragraph and len(n) == len(numbers[0].group())})
        if pool:
            m = numbers[0]
            options.append((m, rng.choice(pool)))
    if names:
        pool = sorted({n for n in _NAME.findall(article) if n not in paragraph and n not in question})
        if pool:
            m = rng.choice(names)
            options.append((m, rng.choice(pool)))
    if not options:
        return None
    m, new = rng.choice(options)
    return question[: m.start()] + new + question[m.end() :]


def build(assistant, rows: list[dict], paragraphs: dict, articles: dict, rng: random.Random):
    """Each question's analysis, candidates and sentence labels (answerable or a swap), so features
    can be recomputed without running retrieval again (`--dump`, `--load`)."""
    out = []
    for row in rows:
        variants = [(row["question"], True)]
        source = row["sources"][0]
        swapped = swap(row["question"], paragraphs[(source, row["paragraph"])], articles[source], rng)
        if swapped:
            variants.append((swapped, False))
        for text, is_answerable in variants:
            info = analyze(text)
            passages, sentences, _ = assistant.rank(info, text)
            pairs = candidates(passages, sentences, assistant.evidence_passages)
            if not pairs:
                continue
            labels = [is_answerable and s.source == source and contains(s.text, row["answers"]) for s, _ in pairs]
            out.append((info, [c for _, c in pairs], np.asarray(labels, dtype=float), is_answerable))
    return out


def featurize(items, stats, words) -> tuple[list[np.ndarray], list[np.ndarray], list[bool]]:
    from qa.features import FeatureBuilder

    builder = FeatureBuilder(stats, lambda source: words[source])
    return [builder.build(info, cands) for info, cands, _, _ in items], [y for *_, y, _ in items], [
        a for *_, a in items
    ]


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 30) -> tuple[np.ndarray, ...]:
    mean, scale = x.mean(axis=0), x.std(axis=0)
    mean[0], scale[0] = 0.0, 1.0
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    w = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], l2)
    reg[0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        grad = z.T @ (p - y) + reg * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w, mean, scale


def question_rows(xs: list[np.ndarray], sentence: Logistic) -> np.ndarray:
    return np.asarray([question_features(x, sentence(x)) for x in xs])


def logistic(names: tuple[str, ...], x: np.ndarray, y: np.ndarray) -> Logistic:
    """Fit, then drop the feature whose weight most has the wrong sign (`qa.features.SIGNS`) and refit,
    until every weight has its sign."""
    keep = np.ones(len(names), dtype=bool)
    while True:
        w_kept, mean_kept, scale_kept = fit(x[:, keep], y)
        w = np.zeros(len(names))
        mean, scale = np.zeros(len(names)), np.ones(len(names))
        w[keep], mean[keep], scale[keep] = w_kept, mean_kept, scale_kept
        wrong = [i for i, n in enumerate(names) if keep[i] and SIGNS.get(n, 0) * w[i] < 0]
        if not wrong:
            return Logistic(names, tuple(map(float, w)), tuple(map(float, mean)), tuple(map(float, scale)))
        keep[max(wrong, key=lambda i: abs(w[i]))] = False  # one at a time: collinear features trade signs


def unanswerable_items(assistant, path: Path) -> list:
    """The hand-written dev unanswerable questions, as `build` items (for the threshold report)."""
    out = []
    if not path.is_file():
        return out
    for line in path.open(encoding="utf-8"):
        r = json.loads(line)
        if r.get("split") != "dev":
            continue
        info = analyze(r["question"])
        passages, sentences, _ = assistant.rank(info, r["question"])
        pairs = candidates(passages, sentences, assistant.evidence_passages)
        if pairs:
            out.append((info, [c for _, c in pairs], np.zeros(len(pairs)), False))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", help="the SQuAD store (not needed with --load)")
    ap.add_argument("--questions", type=int, default=900, help="dev questions sampled for training")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-false-refusals", type=float, default=0.05)
    ap.add_argument("--unanswerable-weight", type=int, default=1,
                    help="times each hand-written dev unanswerable question counts in the answerability fit")
    ap.add_argument("--out", default=str(WEIGHTS_FILE))
    ap.add_argument("--dump", help="also pickle the feature matrices here (for analysis)")
    ap.add_argument("--load", help="fit from a --dump file instead of running the pipeline")
    ap.add_argument("--seed-store", help="a store of seeds/: the threshold must also keep false refusals on the "
                    "dev rewordings of the seed questions within --max-false-refusals")
    args = ap.parse_args(argv)

    from qa import Assistant

    split = squad_article_split()
    data = json.loads((ROOT.parent / "shared" / "data" / "squad-public-half.json").read_text(encoding="utf-8"))
    paragraphs, articles = {}, {}
    for a in data["data"]:
        name = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9_-]+", "_", a["title"])).strip("_") + ".txt"
        articles[name] = "\n".join(p["context"] for p in a["paragraphs"])
        for i, p in enumerate(a["paragraphs"]):
            paragraphs[(name, i)] = p["context"]
    rows = [json.loads(line) for line in (ROOT / "eval" / "squad" / "questions.jsonl").open(encoding="utf-8")]
    dev = [r for r in rows if split[r["sources"][0]] == "dev"]
    rng = random.Random(args.seed)
    sample = rng.sample(dev, min(args.questions, len(dev)))
    fit_rows, tune_rows = sample[: len(sample) * 2 // 3], sample[len(sample) * 2 // 3 :]

    if args.load:
        with open(args.load, "rb") as f:
            data = pickle.load(f)
    else:
        assistant = Assistant.open(store=args.store, generator="extractive")
        # features do not depend on the weights; any weights let the pipeline run
        zero = Logistic(NAMES, (0.0,) * len(NAMES), (0.0,) * len(NAMES), (1.0,) * len(NAMES))
        qzero = Logistic(QUESTION_NAMES, (0.0,) * len(QUESTION_NAMES), (0.0,) * len(QUESTION_NAMES),
                         (1.0,) * len(QUESTION_NAMES))
        assistant.scorer.weights = ScorerWeights(zero, qzero, 0.5)
        print(f"features for {len(fit_rows)} + {len(tune_rows)} dev questions (and their swaps) ...", file=sys.stderr)
        data = {
            "fit": build(assistant, fit_rows, paragraphs, articles, rng),
            "tune": build(assistant, tune_rows, paragraphs, articles, rng),
            "unanswerable": unanswerable_items(assistant, ROOT / "eval" / "sets" / "squad_unanswerable.jsonl"),
            "stats": assistant.retriever.stats,
        }
        data["words"] = {s: assistant.document_words(s) for s in articles}
        if args.dump:
            with open(args.dump, "wb") as f:
                pickle.dump(data, f)
    xs, ys, fans = featurize(data["fit"], data["stats"], data["words"])
    txs, _, tans = featurize(data["tune"], data["stats"], data["words"])
    unans, _, _ = featurize(data["unanswerable"], data["stats"], data["words"])

    # stage 1: which sentence holds the answer
    sentence = logistic(NAMES, np.vstack(xs), np.concatenate(ys))
    # stage 2: whether any does (answerable questions vs their swaps), on the same fit questions
    fit_answerable = np.asarray(fans, dtype=bool)
    q_rows, u_rows = question_rows(xs, sentence), question_rows(unans, sentence) if unans else None
    tq_rows = question_rows(txs, sentence)
    tans = np.asarray(tans, dtype=bool)

    def stage2(extra: np.ndarray | None) -> Logistic:
        """Answerable vs swapped questions, plus hand-written unanswerable ones repeated `--unanswerable-weight`
        times (they are rarer and harder than swaps)."""
        x, y = q_rows, fit_answerable.astype(float)
        if extra is not None and len(extra) and args.unanswerable_weight:
            x = np.vstack([x, np.repeat(extra, args.unanswerable_weight, axis=0)])
            y = np.concatenate([y, np.zeros(len(extra) * args.unanswerable_weight)])
        return logistic(QUESTION_NAMES, x, y)

    def cut(model: Logistic) -> float:
        pos = np.sort(model(tq_rows)[tans])
        return float(pos[int(np.floor(args.max_false_refusals * len(pos)))]) - 1e-6

    # the hand-written questions' refusal rate by 5-fold cross-validation (each fold unseen in training)
    cv = []
    if u_rows is not None and len(u_rows):
        folds = np.arange(len(u_rows)) % 5
        for k in range(5):
            model = stage2(u_rows[folds != k])
            cv += list(model(u_rows[folds == k]) < cut(model))
    question = stage2(u_rows)

    # the threshold, on held-apart dev questions: at most --max-false-refusals of the answerable refused
    tq = question(tq_rows)
    threshold = cut(question)
    # the scorer is "sure" where it refuses none of these answerable questions' top 1% wrongly
    sure = float(np.quantile(tq[~tans], 0.99)) if (~tans).any() else 1.0
    uq = question(u_rows) if u_rows is not None else np.zeros(0)
    seed_threshold = None
    if args.seed_store:
        # The threshold must also hold on another kind of corpus: a handful of news articles and
        # questions worded unlike them (the dev half of eval/sets/seed_reworded.jsonl).
        from qa.evaluation import load_questions

        seeds = Assistant.open(store=args.seed_store, generator="extractive")
        seeds.scorer.weights = ScorerWeights(sentence, question, threshold)
        conf = [
            seeds.prepare(q.question, q.history or None)[0].evidence.confidence
            for q in load_questions(ROOT / "eval" / "sets" / "seed_reworded.jsonl")
            if q.extra.get("split") == "dev" and q.answerable
        ]
        seed_threshold = float(np.sort(conf)[int(np.floor(args.max_false_refusals * len(conf)))]) - 1e-6
        threshold = min(threshold, seed_threshold)
    out = {
        "sentence": sentence.to_dict(),
        "question": question.to_dict(),
        "threshold": round(threshold, 4),
        "sure_threshold": round(max(sure, threshold), 4),
        "trained_on": {
            "data": "SQuAD v1.1 dev half, dev articles only (eval/splits.py)",
            "fit_questions": len(fit_rows),
            "threshold_questions": len(tune_rows),
            "seed": args.seed,
            "max_false_refusals": args.max_false_refusals,
            "unanswerable_weight": args.unanswerable_weight,
        },
        "dev": {
            "squad_threshold": round(cut(question), 4),
            "seed_reworded_threshold": round(seed_threshold, 4) if seed_threshold is not None else None,
            "false_refusals": round(float((tq[tans] < threshold).mean()), 4),
            "swaps_refused": round(float((tq[~tans] < threshold).mean()), 4) if (~tans).any() else None,
            "unanswerable_refused_in_training": round(float((uq < threshold).mean()), 4) if len(uq) else None,
            "unanswerable_refused_cross_validated": round(float(np.mean(cv)), 4) if cv else None,
            "unanswerable_n": int(len(uq)),
        },
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: out[k] for k in ("threshold", "sure_threshold", "dev")}, indent=1))
    for name, v in zip(QUESTION_NAMES, question.weights, strict=True):
        print(f"  {name:32s} {v:+.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
