"""Validate a hand-written question set (JSONL) against its articles.

Usage: python eval/check_questions.py eval/seed_questions.jsonl --seeds seeds [--verbose]
       python eval/check_questions.py eval/sets/squad_multifact.jsonl --seeds eval/squad/articles --split-rule article

Checks, per line: valid JSON object; unique ``id``; required fields (``id``, ``question``, ``answers``);
``history`` (if present) is a non-empty list of {role, content} turns with non-empty content, alternating
user/assistant, starting with the user and ending with the assistant (the question is the next user turn);
answerable questions have non-empty ``answers`` and ``sources``; every source is a file name or prefix
matching exactly one existing article file; every answer string occurs, normalised, in at least one listed
source; unanswerable questions (``"answerable": false``) have ``answers: []``; ``conflict: true`` questions
offer at least two answers.

Fields of the derived sets (eval/sets/):

* ``split``: ``"dev"`` or ``"test"``; when one line of a file has it, every line must. ``--split-rule``
  also checks the value: ``article`` (the SQuAD half: the articles sorted by sha256 of their SQuAD title,
  even positions dev, odd test; a question's sources must all be in its split), ``question`` (the seed
  set: first hex digit of sha256 of ``of``, the original's id, or of ``id``; even is dev).
* ``required`` (multi-fact questions): a list of facts, each a non-empty list of acceptable strings, every
  string found in the listed sources; ``answers`` must be the first alternative of each fact. Kind
  ``multifact`` needs ``required`` with at least two facts, and no single sentence of a source may hold
  every fact (sentences split on ., ! and ? followed by a capital: a heuristic, abbreviations split more).
* ``standalone`` (follow-ups): a non-empty string, different from ``question``. Kinds ``followup`` and
  ``follow-up`` need a ``history``.

Normalisation: lower-case, curly quotes/apostrophes and dashes folded, punctuation removed, whitespace
collapsed. Punctuation removal is checked both ways (replaced by a space, as in ``qa.text.normalize_answer``,
and deleted), so an answer matches however the evaluator strips punctuation ("Jo Chun-ryong" needs a
source spelling it with the hyphen or with a space, whichever way it is written).

Answers that also occur in an article that is not listed are reported as notes (not errors): short
answers such as "Tuesday" legitimately appear elsewhere in other contexts. Prints a summary by ``kind``
(and by ``split`` when present) and exits 1 on any problem. Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

KINDS = frozenset(
    {"who", "what", "when", "where", "how-many", "why"}
    | {"single-source", "repeated", "conflict", "follow-up", "unanswerable"}
    | {"followup", "multifact", "reworded"}
)
FOLLOWUP_KINDS = frozenset({"followup", "follow-up"})
SPLITS = ("dev", "test")
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")


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


def sentences(text: str) -> list[str]:
    """Rough sentence split of an article (per paragraph)."""
    return [s for para in text.split("\n") for s in _SENTENCE_END.split(para) if s.strip()]


def article_splits(texts: dict[str, str]) -> dict[str, str]:
    """dev/test per article file: titles (first line, spaces back to underscores) sorted by sha256."""
    titles = {f: t.split("\n", 1)[0].strip().replace(" ", "_") for f, t in texts.items()}
    order = sorted(texts, key=lambda f: hashlib.sha256(titles[f].encode("utf-8")).hexdigest())
    return {f: SPLITS[i % 2] for i, f in enumerate(order)}


def question_split(q: dict[str, Any]) -> str:
    """The seed rule: first hex digit of sha256(original id) even -> dev."""
    original = q.get("of") or q.get("id") or ""
    return SPLITS[int(hashlib.sha256(str(original).encode("utf-8")).hexdigest()[0], 16) % 2]


def history_problem(history: Any) -> str | None:
    """Why a ``history`` is malformed, or None when it is well formed."""
    if not isinstance(history, list) or not history:
        return "history must be a non-empty list of {role: user|assistant, content}"
    for i, turn in enumerate(history):
        if not isinstance(turn, dict) or turn.get("role") not in ("user", "assistant"):
            return f"history turn {i} must be {{role: user|assistant, content}}"
        if not isinstance(turn.get("content"), str) or not turn["content"].strip():
            return f"history turn {i} needs non-empty string content"
        if turn["role"] != ("user" if i % 2 == 0 else "assistant"):
            return f"history turn {i} is {turn['role']!r}: turns must alternate, starting with the user"
    if history[-1]["role"] != "assistant":
        return "history must end with an assistant turn (the question is the next user turn)"
    return None


def check_required(q: dict[str, Any], where: str, listed: list[str], texts: dict[str, str]) -> list[str]:
    """Problems with a multi-fact question's ``required`` facts."""
    required = q.get("required")
    errors: list[str] = []
    if required is None:
        return [f"{where}: kind multifact needs 'required'"] if q.get("kind") == "multifact" else []
    if (
        not isinstance(required, list)
        or not required
        or not all(
            isinstance(fact, list) and fact and all(isinstance(a, str) and a.strip() for a in fact) for fact in required
        )
    ):
        return [f"{where}: required must be a non-empty list of non-empty lists of non-empty strings"]
    if q.get("kind") == "multifact" and len(required) < 2:
        errors.append(f"{where}: a multifact question needs at least two required facts")
    for n, fact in enumerate(required, 1):
        for alt in fact:
            if not any(found(alt, texts[f]) for f in listed):
                errors.append(f"{where}: required fact {n} alternative {alt!r} not found in listed sources")
    if q.get("answers") != [fact[0] for fact in required]:
        errors.append(f"{where}: answers must be the first alternative of each required fact")
    if q.get("kind") == "multifact" and len(required) >= 2:
        for f in listed:
            for sentence in sentences(texts[f]):
                if all(any(found(alt, sentence) for alt in fact) for fact in required):
                    errors.append(f"{where}: every required fact is in one sentence of {f}: {sentence[:120]!r}")
                    break
    return errors


def check(path: Path, seeds: Path, verbose: bool = False, split_rule: str = "none") -> int:
    files = sorted(p.name for p in seeds.glob("*.txt"))
    if not files:
        print(f"ERROR: no .txt files in {seeds}")
        return 1
    texts = {f: (seeds / f).read_text(encoding="utf-8") for f in files}
    by_article = article_splits(texts) if split_rule == "article" else {}
    errors: list[str] = []
    notes: list[str] = []
    ids: set[str] = set()
    kinds: Counter[str] = Counter()
    splits: Counter[str] = Counter()
    extra: Counter[str] = Counter()
    lines = 0

    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        lines += 1
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
        kind = q.get("kind", "?")
        history = q.get("history")
        if history is not None:
            problem = history_problem(history)
            if problem:
                errors.append(f"{where}: {problem}")
            else:
                extra["with history"] += 1
        elif kind in FOLLOWUP_KINDS:
            errors.append(f"{where}: a follow-up needs a history")
        if "standalone" in q:
            standalone = q["standalone"]
            if not isinstance(standalone, str) or not standalone.strip():
                errors.append(f"{where}: standalone must be a non-empty string")
            elif standalone.strip() == str(q.get("question", "")).strip():
                errors.append(f"{where}: standalone repeats the question (a follow-up should need its history)")
        if kind not in KINDS:
            errors.append(f"{where}: unknown kind {kind!r}")
        kinds[kind] += 1
        split = q.get("split")
        if split is not None:
            splits[str(split)] += 1
            if split not in SPLITS:
                errors.append(f"{where}: split must be 'dev' or 'test', not {split!r}")
            elif split_rule == "question" and split != question_split(q):
                errors.append(f"{where}: split {split!r} but the seed rule gives {question_split(q)!r}")
        answerable = q.get("answerable", True)
        if not isinstance(answerable, bool):
            errors.append(f"{where}: answerable must be true or false")
        sources = q.get("sources")
        listed: list[str] = []
        if isinstance(sources, list) and all(isinstance(s, str) for s in sources):
            for s in sources:
                match = resolve(s, files)
                if len(match) != 1:
                    errors.append(f"{where}: source {s!r} matches {len(match)} article files")
                listed += match
        if split_rule == "article" and split in SPLITS:
            wrong = sorted({f for f in listed if by_article[f] != split})
            if wrong:
                errors.append(f"{where}: split {split!r} but source(s) {wrong} are in the other split")
            elif not listed:
                notes.append(f"{where}: no sources, split not checked against the articles")
        if not answerable:
            extra["unanswerable"] += 1
            if answers:
                errors.append(f"{where}: unanswerable question has answers")
            if "required" in q:
                errors.append(f"{where}: unanswerable question has required facts")
            continue
        if q.get("conflict"):
            extra["conflict"] += 1
            if len(answers) < 2:
                errors.append(f"{where}: conflict question should list answers from every side")
        if not answers:
            errors.append(f"{where}: answerable question without answers")
        if not isinstance(sources, list) or not sources or not all(isinstance(s, str) for s in sources):
            errors.append(f"{where}: answerable question needs a non-empty list of sources")
            continue
        for a in answers:
            if not any(found(a, texts[f]) for f in listed):
                errors.append(f"{where}: answer {a!r} not found in listed sources {sources}")
        if "required" in q or kind == "multifact":
            extra["with required"] += 1
            errors += check_required(q, where, listed, texts)
        unlisted = [f[:3] for f in files if f not in listed and any(found(a, texts[f]) for a in answers)]
        if unlisted:
            notes.append(f"{where}: an answer also occurs in unlisted {unlisted}")

    if splits and sum(splits.values()) != lines:
        errors.append(f"{lines - sum(splits.values())} line(s) without split while others have one")
    print(f"{path}: {sum(kinds.values())} questions, {len(files)} seed files")
    for kind, count in sorted(kinds.items()):
        print(f"  {kind:<14} {count}")
    for key in ("conflict", "with history", "unanswerable"):
        print(f"  [{key}] {extra[key]}")
    if extra["with required"]:
        print(f"  [with required] {extra['with required']}")
    for split_name, count in sorted(splits.items()):
        print(f"  [split {split_name}] {count}")
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
    ap.add_argument(
        "--seeds",
        "--articles",
        type=Path,
        default=Path("seeds"),
        help="folder with the .txt articles (seeds/ or eval/squad/articles)",
    )
    ap.add_argument(
        "--split-rule",
        choices=("none", "article", "question"),
        default="none",
        help="also check each split value: by article (SQuAD half) or by question id (seeds)",
    )
    ap.add_argument("-v", "--verbose", action="store_true", help="list the unlisted-source notes")
    args = ap.parse_args(argv)
    return check(args.questions, args.seeds, args.verbose, args.split_rule)


if __name__ == "__main__":
    sys.exit(main())
