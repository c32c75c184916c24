"""`sourced eval`: the command-line half of the evaluator (`qa.evaluation` holds the rest).

Evaluates one or more generators on a question set, or compares two results files, prints the
metrics table and writes the report; the exit status says whether a question failed or an
accuracy floor was missed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from qa.evaluation import (
    EXIT_FAIL,
    EXIT_OK,
    EXIT_USAGE,
    Question,
    Run,
    changes,
    evaluate,
    fmt,
    load_questions,
    load_results,
    metrics_from_results,
    table,
)


def _settings(assistant, questions_path: str | None, n: int) -> dict:
    import platform

    from qa.writers.choose import resolve_name

    c = assistant.config
    return {
        "questions": questions_path,
        "store": c.store.location,
        "collection": c.store.collection,
        "embedder": assistant.store.embedder_name,
        "generator": getattr(assistant.generator, "name", resolve_name(c)),
        "retrieval": c.retrieval,
        "k": c.k,
        "candidates": c.candidates,
        "count": n,
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {_cpus()} cores, Python {platform.python_version()}",
        "command": "sourced " + " ".join(sys.argv[1:]) if sys.argv and sys.argv[0].endswith("sourced") else None,
    }


def _cpus() -> int:

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _settings_from_results(path: str, results: Sequence[dict]) -> dict:
    from collections import Counter

    first = results[0]
    generators = Counter(r.get("generator") for r in results if not r.get("error"))
    return {
        "results": path,
        # the most common: an LLM run's lines say "extractive" where the model failed and the fallback answered
        "generator": generators.most_common(1)[0][0] if generators else first.get("generator"),
        "retrieval": first.get("retrieval"),
        "k": first.get("k"),
        "count": len(results),
    }


def _out_path(out: str, label: str, many: bool) -> Path:
    p = Path(out)
    if not many:
        return p
    safe = re.sub(r"[^A-Za-z0-9_.+-]+", "_", label)
    return p.with_name(f"{p.stem}.{safe}{p.suffix or '.jsonl'}")


def run_cli(args: argparse.Namespace, make_config: Callable[..., Any]) -> int:
    """`sourced eval`: evaluate one or more generators on a question set, or compare two results files."""
    runs: list[Run] = []
    if args.compare:
        if args.questions:
            print("error: give either a question set or --compare A.jsonl B.jsonl, not both", file=sys.stderr)
            return EXIT_USAGE
        for path in args.compare:
            results = load_results(path)
            if args.limit:
                results = results[: args.limit]
            runs.append(
                Run(Path(path).stem, _settings_from_results(path, results), results, metrics_from_results(results))
            )
    else:
        if not args.questions:
            print(
                "error: give a question set (e.g. eval/seed_questions.jsonl) or --compare A.jsonl B.jsonl",
                file=sys.stderr,
            )
            return EXIT_USAGE
        questions = load_questions(args.questions)
        if getattr(args, "split", None):
            questions = [q for q in questions if q.extra.get("split") == args.split]
            if not questions:
                print(f"error: no question of {args.questions} has \"split\": \"{args.split}\"", file=sys.stderr)
                return EXIT_USAGE
        if args.limit:
            questions = questions[: args.limit]
        generators = [g.strip() for g in (args.generator or "").split(",") if g.strip()] or [None]
        if len(set(generators)) != len(generators):
            print("error: --generator lists the same generator twice", file=sys.stderr)
            return EXIT_USAGE
        runs = [_run_one(args, make_config, questions, g, len(generators) > 1) for g in generators]

    print(table(runs))
    if len(runs) == 2:
        fixed, broken = changes(runs[0], runs[1])
        print(
            f"\n{runs[1].label} vs {runs[0].label}: {len(fixed)} question(s) now right, {len(broken)} now wrong"
            + (f"; now right: {', '.join(fixed[:10])}" if fixed else "")
            + (f"; now wrong: {', '.join(broken[:10])}" if broken else "")
        )
    if args.report:
        from qa.report import write_report

        md, png = write_report(args.report, runs)
        print(f"\nreport: {md}" + (f" (plot: {png})" if png else ""))

    status = EXIT_OK
    errors = sum(r.metrics["errors"] for r in runs)
    if errors:
        print(f"error: {errors} question(s) failed; see 'error' in the results", file=sys.stderr)
        status = EXIT_FAIL
    if args.min_accuracy is not None:
        for r in runs:
            acc = r.metrics.get("accuracy")
            if acc is None or acc < args.min_accuracy:
                print(
                    f"accuracy of {r.label} is {fmt(acc, 'pct')}, below --min-accuracy {args.min_accuracy:g}",
                    file=sys.stderr,
                )
                status = EXIT_FAIL
    return status


def _run_one(
    args: argparse.Namespace, make_config, questions: list[Question], generator: str | None, many: bool
) -> Run:
    from qa.assistant import Assistant

    ns = argparse.Namespace(**vars(args))
    ns.generator = generator
    config = make_config(ns)
    assistant = Assistant.open(config=config)
    label = generator or getattr(assistant.generator, "name", "default")
    out_path = _out_path(args.out, label, many) if args.out else None
    if out_path:
        out_path.parent.mkdir(parents=True, exist_ok=True)
    with open(out_path, "w", encoding="utf-8") if out_path else contextlib.nullcontext() as out:
        results, metrics = evaluate(assistant, questions, config.k, out=out, desc=label)
    if out_path:
        print(f"results: {out_path}", file=sys.stderr)
    return Run(label, _settings(assistant, args.questions, len(questions)), results, metrics)
