"""Checking an answer's citations by code: nothing a generator writes is taken on trust.

`verify(text, quotes, document_text)` returns the answer with citations that hold:

* every `[n]` refers to an existing quote (`[1, 2]` and `[1][2]` are read too);
* every sentence of the answer is supported by a quote it cites: the sentence's own content
  terms (those not already in the question) are mostly found in the quote, and every number
  and capitalised name it states appears in the cited quotes. A sentence citing the wrong
  quote is re-attributed to one that supports it; a sentence no quote supports is removed;
* each value a sentence states (date, number, name) must be attached in the quote to what the sentence
  attaches it to, not merely be there (`qa.claims`): "The bridge opened in 1932" is not backed by "The old
  ferry closed in 1932, two years before the bridge opened.";
* numbers run 1..k in order of first use, and only quotes the text uses are listed;
* each citation's `quote` equals the source document's text at `start:end`.

Meta sentences ("The articles don't say.", "The articles disagree on the date: ...") need no
citation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .claims import attached
from .lexicon import NEGATIONS, STOPWORDS
from .text import SENTENCE_END, containment, content_terms, fold, is_instruction
from .tuning import SUPPORT
from .types import Citation, Quote, Verified
from .values import words_to_number

_GROUP = re.compile(r"\s*(?:[\[【]\s*\d+(?:\s*[,;]\s*\d+)*\s*[\]】])+")
_NUMBERS = re.compile(r"\d+")
_NAMES_NUMBERS = re.compile(r"\b(?:\d[\d,.:]*\d|\d)\b|\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)*\b")
_META = re.compile(
    r"^(the (articles|sources) (don't|do not|disagree)|i don't know|i do not know|"
    r"(the )?(articles|sources) (say|give) different)",
    re.I,
)
# A negated claim ("Vel was never there") shares its words with the sentence it denies: the
# sentence that backs it must be negated too.
_NEGATION = re.compile(rf"\b(?:{'|'.join(NEGATIONS)})\b|n[’']t\b", re.I)


@dataclass
class Clause:
    text: str  # without markers
    numbers: list[int]  # markers as written (1-based), empty if none
    tail: str = ""  # punctuation that followed the markers


def split_answer(text: str) -> list[list[Clause]]:
    """Sentences of an answer, each a list of clauses ending in a marker group.

    "Ana went with Vel [1] and Oto [2]." -> [[Clause("Ana went with Vel", [1]),
    Clause(" and Oto", [2], ".")]]. Markers that open a sentence belong to the one before.
    """
    from vectorstore.chunking import split_sentences

    sentences: list[list[Clause]] = []
    for s, e in split_sentences(text, max_chars=100_000):
        raw = text[s:e]
        lead = re.match(_GROUP.pattern, raw)
        if lead and lead.start() == 0 and sentences:
            sentences[-1][-1].numbers.extend(int(n) for n in _NUMBERS.findall(lead.group(0)))
            raw = raw[lead.end() :]
        clauses: list[Clause] = []
        pos = 0
        for m in _GROUP.finditer(raw):
            clauses.append(Clause(raw[pos : m.start()], [int(n) for n in _NUMBERS.findall(m.group(0))]))
            pos = m.end()
        rest = raw[pos:]
        if clauses and not rest.strip(' .,;:!?…"”’)'):
            clauses[-1].tail = rest.strip()
        elif rest.strip():
            clauses.append(Clause(rest, []))
        if clauses:
            sentences.append(clauses)
    return sentences


def supports(sentence: str, quote_texts: list[str], question: str = "", claims: bool = True) -> bool:
    """Is the sentence backed by these quotes (taken together)?

    With `claims` (the default) each value the sentence states must also be attached in the quotes to
    what the sentence attaches it to (`qa.claims.attached`), not merely be there.
    """
    joined = " ".join(quote_texts)
    if is_instruction(joined) and not is_instruction(sentence):
        joined = " ".join(s for s in SENTENCE_END.split(joined) if not is_instruction(s))
    terms = set(content_terms(sentence))
    # what the sentence adds to the question must be in the quote; a sentence that only restates
    # the question ("... was written by the harbour board") must be in the quote as a whole
    own = (terms - set(content_terms(question))) or terms
    if own and containment(own, set(content_terms(joined))) < SUPPORT:
        return False
    if _NEGATION.search(sentence) and not _negated_match(sentence, joined):
        return False
    folded = fold(joined)
    question_folded = fold(question)
    for token in _NAMES_NUMBERS.findall(sentence):
        t = fold(token)
        if t in ("i", "the", "a") or t in STOPWORDS or t in question_folded:  # "Under the deal, ..."
            continue
        if t not in folded and not all(part in folded for part in re.split(r"[ -]", t)):
            return False
    return not claims or attached(sentence, joined, question)


def unquoted_values(text: str, quote_texts: list[str], question: str = "") -> list[str]:
    """The numbers and capitalised names of `text` that neither the quotes nor the question contain.

    A reader asked to copy its answer from the quotes that writes a value they do not hold has not
    found the answer there: "$100 million [2]" over quotes that give no sum is a guess, and the
    caller counts it as a vote that the articles do not answer (`Assistant._finish`).
    """
    body = _GROUP.sub(" ", text)
    folded = fold(" ".join(quote_texts))
    question_folded = fold(question)
    # a figure written another way is no guess: "1000" for "1,000", "7" for "seven"
    stated = {n.replace(",", "") for n in re.findall(r"\d[\d,]*", folded)}
    stated |= {str(int(v)) for w in re.findall(r"[a-z]{3,}", folded) if (v := words_to_number(w)) is not None}
    out = []
    for token in _NAMES_NUMBERS.findall(body):
        t = fold(token)
        if t in STOPWORDS or t in question_folded or t in folded or t.replace(",", "") in stated:
            continue
        if all(part in folded or part in question_folded for part in re.split(r"[ -]", t)):
            continue
        out.append(token)
    return out


def _negated_match(sentence: str, joined: str) -> bool:
    """Does the quote sentence closest to this negated claim say it negatively too?"""
    terms = set(content_terms(sentence))
    best = max(SENTENCE_END.split(joined), key=lambda s: containment(terms, set(content_terms(s))), default="")
    return bool(_NEGATION.search(best))


def is_meta(sentence: str) -> bool:
    return bool(_META.match(sentence.strip()))


def verify(text: str, quotes: list[Quote], document_text: Callable[[str], str | None], question: str = "") -> Verified:
    # a quote whose text is not exactly its document's slice is never cited
    valid = []
    for q in quotes:
        doc = document_text(q.source)
        valid.append(doc is not None and doc[q.start : q.end] == q.text)

    def find(sentence: str) -> int | None:
        return next(
            (i for i in range(len(quotes)) if valid[i] and supports(sentence, [quotes[i].text], question)), None
        )

    def backing(clause: str, candidates: list[int]) -> list[int]:
        good = [i for i in candidates if supports(clause, [quotes[i].text], question)]
        if not good and candidates and supports(clause, [quotes[i].text for i in candidates], question):
            good = candidates
        if not good:
            alt = find(clause)
            good = [alt] if alt is not None else []
        return good

    kept: list[list[tuple[Clause, list[int]]]] = []  # per sentence: clauses with 0-based quote indexes
    removed: list[str] = []
    for clauses in split_answer(text):
        sentence = "".join(c.text + c.tail for c in clauses).strip()
        if is_meta(sentence):
            kept.append([(c, []) for c in clauses])
            continue
        marked = [n - 1 for c in clauses for n in c.numbers if 1 <= n <= len(quotes) and valid[n - 1]]
        resolved: list[tuple[Clause, list[int]]] = []
        for c in clauses:
            own = [n - 1 for n in dict.fromkeys(c.numbers) if 1 <= n <= len(quotes) and valid[n - 1]]
            if not c.text.strip(" ,;:-–—"):
                resolved.append((c, own))
                continue
            good = backing(c.text, own or list(dict.fromkeys(marked)))
            if not good:
                break
            # an unmarked clause backed by its sentence's other citations stays unmarked
            resolved.append((c, good if (c.numbers or not marked) else []))
        else:
            kept.append(resolved)
            continue
        removed.append(sentence)

    order: list[int] = []
    for sentence in kept:
        for _, idx in sentence:
            for i in idx:
                if i not in order:
                    order.append(i)
    number = {i: n for n, i in enumerate(order, start=1)}
    out = []
    for sentence in kept:
        parts = []
        for c, idx in sentence:
            marks = "".join(f"[{number[i]}]" for i in sorted(set(idx), key=lambda i: number[i]))
            body = c.text.rstrip()
            parts.append(f"{body} {marks}{c.tail}" if marks else f"{body}{c.tail}")
        out.append("".join(parts).strip())
    citations = [
        Citation(
            n=number[i],
            source=quotes[i].source,
            title=quotes[i].title,
            quote=quotes[i].text,
            start=quotes[i].start,
            end=quotes[i].end,
            score=quotes[i].score,
            published=quotes[i].published,
            passage_start=quotes[i].passage_start,
            passage_end=quotes[i].passage_end,
            also_in=list(quotes[i].also_in),
        )
        for i in order
    ]
    return Verified(" ".join(out), citations, order, removed)
