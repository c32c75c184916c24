"""Convert a SQuAD v1.1 file into a plain-text corpus and a question set for the evaluator.

Usage:
    python eval/squad.py [--data ../shared/data/squad-public-half.json] [--out eval/squad]
                         [--sample 500 --seed 0]

Writes, under ``--out``:

* ``articles/<slug>.txt``: one file per article. The first line is the title with underscores turned into
  spaces, then a blank line, then the paragraphs (the SQuAD contexts, unchanged) separated by blank lines.
  ``<slug>`` is the title with every run of characters other than letters, digits, ``-`` and ``_`` turned
  into a single ``_`` (``Fresno,_California`` -> ``Fresno_California.txt``).
* ``questions.jsonl``: every question as ``{"id", "question", "answers", "sources", "paragraph"}``, where
  ``answers`` holds the unique gold answer texts (in order), ``sources`` the article file name and
  ``paragraph`` the index of the paragraph within its article.
* ``questions_sample<N>.jsonl``: a fixed random sample of N questions
  (``random.Random(seed).sample``, kept in the original order) for answer-accuracy runs.

Re-running with the same input rewrites identical bytes (stale ``.txt`` files in ``articles/`` are removed).
``convert()`` is the reusable entry point for benchmarks. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "squad-public-half.json"
DEFAULT_OUT = ROOT / "eval" / "squad"

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def slugify(title: str) -> str:
    """A file-system-safe stem for an article title."""
    slug = re.sub(r"_+", "_", _UNSAFE.sub("_", title)).strip("_")
    return slug or "article"


def _write(path: Path, text: str) -> None:
    """Write UTF-8 text with LF newlines, leaving the file untouched when the bytes already match."""
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return
    path.write_bytes(data)


def _jsonl(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def convert(
    data_path: str | Path = DEFAULT_DATA, out_dir: str | Path = DEFAULT_OUT, sample: int = 500, seed: int = 0
) -> dict[str, Any]:
    """Convert ``data_path`` (SQuAD v1.1 JSON) into ``out_dir``; return counts and the paths written."""
    data_path, out_dir = Path(data_path), Path(out_dir)
    squad = json.loads(data_path.read_text(encoding="utf-8"))
    articles_dir = out_dir / "articles"
    articles_dir.mkdir(parents=True, exist_ok=True)

    names: set[str] = set()
    questions: list[dict[str, Any]] = []
    paragraphs = answers_total = 0
    for article in squad["data"]:
        title = article["title"]
        stem = slugify(title)
        name, k = f"{stem}.txt", 2
        while name in names:  # distinct titles that slug alike
            name, k = f"{stem}_{k}.txt", k + 1
        names.add(name)
        contexts = [p["context"] for p in article["paragraphs"]]
        _write(articles_dir / name, title.replace("_", " ") + "\n\n" + "\n\n".join(contexts) + "\n")
        paragraphs += len(contexts)
        for index, paragraph in enumerate(article["paragraphs"]):
            for qa in paragraph["qas"]:
                gold = list(dict.fromkeys(a["text"] for a in qa["answers"]))
                answers_total += len(gold)
                questions.append(
                    {
                        "id": qa["id"],
                        "question": qa["question"],
                        "answers": gold,
                        "sources": [name],
                        "paragraph": index,
                    }
                )

    stale = sorted(p.name for p in articles_dir.glob("*.txt") if p.name not in names)
    for old in stale:
        (articles_dir / old).unlink()

    picked = sorted(random.Random(seed).sample(range(len(questions)), min(sample, len(questions))))
    questions_path = out_dir / "questions.jsonl"
    sample_path = out_dir / f"questions_sample{sample}.jsonl"
    _write(questions_path, _jsonl(questions))
    _write(sample_path, _jsonl([questions[i] for i in picked]))
    return {
        "articles": len(names),
        "paragraphs": paragraphs,
        "questions": len(questions),
        "answers": answers_total,
        "sample": len(picked),
        "stale_removed": len(stale),
        "articles_dir": str(articles_dir),
        "questions_path": str(questions_path),
        "sample_path": str(sample_path),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="SQuAD v1.1 JSON file")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    ap.add_argument("--sample", type=int, default=500, help="size of the fixed random sample")
    ap.add_argument("--seed", type=int, default=0, help="seed of the sample")
    args = ap.parse_args(argv)
    if not args.data.is_file():
        print(f"error: no such file: {args.data}", file=sys.stderr)
        return 1
    info = convert(args.data, args.out, args.sample, args.seed)
    print(f"wrote {info['articles']} articles ({info['paragraphs']} paragraphs) to {info['articles_dir']}")
    answers = f"{info['answers']} unique gold answers"
    print(f"wrote {info['questions']} questions ({answers}) to {info['questions_path']}")
    print(f"wrote {info['sample']} sampled questions to {info['sample_path']}")
    if info["stale_removed"]:
        print(f"removed {info['stale_removed']} stale article file(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
