"""Validate a hand-written question set (JSONL) against the seed articles.

Usage: python eval/check_questions.py eval/seed_questions.jsonl --seeds seeds [--verbose]

Checks, per line: valid JSON object; unique ``id``; required fields (``id``, ``question``, ``answers``);
``history`` (if present) is a list of {role, content}; answerable questions have non-empty ``answers`` and
``sources``; every source is a file name or prefix matching exactly one existing seed file; every answer
string occurs, normalised, in at least one listed source; unanswerable questions
(``"answerable": false``) have ``answers: []``; ``conflict: true`` questions offer at least two answers.

Normalisation: lower-case, curly quotes/apostrophes and dashes folded, punctuation removed, whitespace
collapsed. Punctuation removal is checked both ways (replaced by a space, as in ``qa.text.normalize_answer``,
and deleted), so an answer matches however the evaluator strips punctuation ("Jo Chun-ryong" needs a
source spelling it with the hyphen or with a space, whichever way it is written).

Answers that also occur in a seed file that is not listed are reported as notes (not errors): short
answers such as "Tuesday" legitimately appear elsewhere in other contexts. Prints a summary by ``kind``
and exits 1 on any problem. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

KINDS = frozenset(
    {"who", "what", "when", "where", "how-many", "why"}
    | {"single-source", "repeated", "conflict", "follow-up", "unanswerable"}
)
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def normalize(text: str, punct: str = " ") -> str:
    """Lower-case, fold quotes, replace punctuation with ``punct`` and collapse whitespace."""
    text = re.sub(r"[^\w\s]|_", punct, _fold(text))
    return " ".join(text.split())


def found(answer: str, text: str) -> bool:
    """True when the answer is a normalised substring of text under both punctuation treatments."""
    return all(normalize(answer, p) in normalize(text, p) for p in (" ", ""))


def resolve(source: str, files: list[str]) -> list[str]:
    return [f for f in files if f == source or f.startswith(source)]


def check(path: Path, seeds: Path, verbose: bool = False) -> int:
    files = sorted(p.name for p in seeds.glob("*.txt"))
    if not files:
        print(f"ERROR: no .txt files in {seeds}")
        return 1
    texts = {f: (seeds / f).read_text(encoding="utf-8") for f in files}
    errors: list[str] = []
    notes: list[str] = []
    ids: set[str] = set()
    kinds: Counter[str] = Counter()
    extra: Counter[str] = Counter()

    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"line {n}: invalid JSON ({exc})")
            continue
        if not isinstance(q, dict):
            errors.append(f"line {n}: not a JSON object")
            continue
        qid = q.get("id")
        where = f"line {n} ({qid})"
        for field in ("id", "question", "answers"):
            if field not in q:
                errors.append(f"{where}: missing field {field!r}")
        if not isinstance(qid, str) or not qid:
            errors.append(f"{where}: id must be a non-empty string")
        elif qid in ids:
            errors.append(f"{where}: duplicate id")
        else:
            ids.add(qid)
        if not isinstance(q.get("question"), str) or not q.get("question", "").strip():
            errors.append(f"{where}: question must be a non-empty string")
        answers = q.get("answers", [])
        if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
            errors.append(f"{where}: answers must be a list of non-empty strings")
            answers = []
        history = q.get("history")
        if history is not None:
            if not isinstance(history, list) or not all(
                isinstance(t, dict)
                and t.get("role") in ("user", "assistant")
                and isinstance(t.get("content"), str)
                for t in history
            ):
                errors.append(f"{where}: history must be a list of {{role: user|assistant, content}}")
            else:
                extra["with history"] += 1
        kind = q.get("kind", "?")
        if kind not in KINDS:
            errors.append(f"{where}: unknown kind {kind!r}")
        kinds[kind] += 1
        answerable = q.get("answerable", True)
        if not isinstance(answerable, bool):
            errors.append(f"{where}: answerable must be true or false")
        if not answerable:
            extra["unanswerable"] += 1
            if answers:
                errors.append(f"{where}: unanswerable question has answers")
            continue
        if q.get("conflict"):
            extra["conflict"] += 1
            if len(answers) < 2:
                errors.append(f"{where}: conflict question should list answers from every side")
        if not answers:
            errors.append(f"{where}: answerable question without answers")
        sources = q.get("sources")
        if not isinstance(sources, list) or not sources or not all(isinstance(s, str) for s in sources):
            errors.append(f"{where}: answerable question needs a non-empty list of sources")
            continue
        listed: list[str] = []
        for s in sources:
            match = resolve(s, files)
            if len(match) != 1:
                errors.append(f"{where}: source {s!r} matches {len(match)} seed files")
            listed += match
        for a in answers:
            if not any(found(a, texts[f]) for f in listed):
                errors.append(f"{where}: answer {a!r} not found in listed sources {sources}")
        unlisted = [f[:3] for f in files if f not in listed and any(found(a, texts[f]) for a in answers)]
        if unlisted:
            notes.append(f"{where}: an answer also occurs in unlisted {unlisted}")

    print(f"{path}: {sum(kinds.values())} questions, {len(files)} seed files")
    for kind, count in sorted(kinds.items()):
        print(f"  {kind:<14} {count}")
    for key in ("conflict", "with history", "unanswerable"):
        print(f"  [{key}] {extra[key]}")
    if notes:
        print(f"{len(notes)} note(s): answer text also in unlisted files (check they are other contexts)")
        if verbose:
            for note in notes:
                print(f"  note: {note}")
    for err in errors:
        print(f"ERROR: {err}")
    print("OK" if not errors else f"{len(errors)} problem(s)")
    return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("questions", type=Path, help="JSONL question file")
    ap.add_argument("--seeds", type=Path, default=Path("seeds"), help="folder with the seed .txt articles")
    ap.add_argument("-v", "--verbose", action="store_true", help="list the unlisted-source notes")
    args = ap.parse_args(argv)
    return check(args.questions, args.seeds, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
