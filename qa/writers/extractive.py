"""The extractive generator: the answer is the evidence itself, stitched and cited.

No language model: the answer opens with the answer phrase cut from the best quote
(`qa.phrase`: "4 May 1932 [1]."), or with a statement of the disagreement when the articles
disagree, followed by at most two supporting quotes, each with its marker; without a phrase it
opens with the best quote itself.
Deterministic and fast (the whole answer is ready as soon as retrieval is), so it serves the
tests, the evaluation runs, the first draft the chat shows while a model writes, and the
fallback when a model fails or times out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..phrase import fit_to_state, has_value, stated_phrase
from ..question import OTHER
from ..tuning import MAX_PHRASE_WORDS, MAX_SUPPORT, PHRASE_MARGIN
from ..types import Draft, Quote
from .contract import Generator


def clearly_best(quotes: list[Quote]) -> bool:
    """Is the first quote clearly the one that answers, so that its phrase may be stated as the answer?

    A phrase said first ("1887 [1].") is a claim of its own. When another quote is about as likely to
    answer (the scorer's probabilities within `PHRASE_MARGIN`), the phrase is as likely wrong as right:
    the answer then opens with the quotes and leaves the choice to the reader."""
    rival = max((q.prob for q in quotes[1:]), default=0.0)
    return quotes[0].prob - rival >= PHRASE_MARGIN


def compose(draft: Draft) -> str:
    """The extractive answer text for a draft; quotes are numbered by their evidence position."""
    if not draft.evidence.answerable:
        return REFUSAL
    parts = []
    quotes = draft.evidence.quotes
    opened = False
    if draft.conflicts:
        c = draft.conflicts[0]
        values = " and ".join(f"“{side.value}”" for side in c.sides)
        parts.append(f"The articles disagree on the {c.topic}: they give {values}.")
        opened = True
    else:
        best = quotes[0].text if quotes and clearly_best(quotes) else None
        phrase = stated_phrase(draft.info, best, [q.text for q in quotes[1:]]) if best else None
        if phrase:
            parts.append(f"{phrase.rstrip('.')} [1].")
            opened = True
    shown = quotes[: MAX_SUPPORT if opened else MAX_SUPPORT + 1]
    if draft.conflicts:
        shown = quotes[: max(MAX_SUPPORT, len(draft.conflicts[0].sides))]
    for i, q in enumerate(shown, start=1):
        parts.append(f"{q.text} [{i}]")
    return " ".join(parts)


REFUSAL = "The articles don't say."
_READ = re.compile(r"^\s*[\"“]?(?P<phrase>[^\n\[\]]{1,200}?)[\"”]?\s*\[(?P<n>\d+)\]\s*\.?\s*$")


_NEXT_SENTENCE = re.compile(r"[.!?]\s+[A-Z]")


def is_phrase_reply(reply: str) -> bool:
    """Is the reply in the format the model is asked for: one short phrase, with or without its "[n]"?
    (A server model that answers in sentences is checked sentence by sentence instead.)"""
    body = re.sub(r"\[\d+\]", " ", reply).strip().rstrip(".")
    return bool(body) and "\n" not in body and len(body.split()) <= MAX_PHRASE_WORDS and not _NEXT_SENTENCE.search(body)



def read_phrase(reply: str, draft: Draft) -> str | None:
    """A model's "phrase [n]" reply as a direct answer, if the phrase is verbatim in quote n and fit to be
    said as the answer (it holds the kind of value asked for, `qa.phrase.fit_to_state`); None otherwise.

    "4 May 1932 [2]" with quote 2 "The bridge opened on 4 May 1932." gives
    "4 May 1932 [2]. The bridge opened on 4 May 1932. [2]" (plus one more supporting quote).
    """
    copied = _copied(reply, draft)
    if copied is None:
        return None
    n, phrase = copied
    if not _fit(phrase, n, draft):
        return None
    quotes = draft.evidence.quotes
    others = [i for i in range(1, len(quotes) + 1) if i != n][: MAX_SUPPORT - 1]
    support = " ".join(f"{quotes[i - 1].text} [{i}]" for i in [n, *others])
    return f"{phrase} [{n}]. {support}"


def unread_phrase(reply: str, draft: Draft) -> bool:
    """Is the reply in the phrase format ("phrase [n]", `is_phrase_reply`) but no phrase `read_phrase`
    accepts: not verbatim in the quote it cites, or copied and no answer ("2019 [1]" from "their
    previous meeting took place in 2019" for "When will they meet?")? Read as free text, such a short
    reply would pass the citation check on its few words and replace the quotes that answer."""
    return is_phrase_reply(reply) and _READ.match(reply) is not None and read_phrase(reply, draft) is None


def _copied(reply: str, draft: Draft) -> tuple[int, str] | None:
    """(n, the phrase in quote n's own spelling) if the reply is "phrase [n]" with the phrase verbatim in quote n."""
    m = _READ.match(reply)
    if not m:
        return None
    n, phrase = int(m.group("n")), m.group("phrase").strip().rstrip(".,;:")
    quotes = draft.evidence.quotes
    if not 1 <= n <= len(quotes) or not phrase or len(phrase.split()) > MAX_PHRASE_WORDS:
        return None
    quote = quotes[n - 1].text
    at = quote.lower().find(phrase.lower())
    return None if at < 0 else (n, quote[at : at + len(phrase)])


def _fit(phrase: str, n: int, draft: Draft) -> bool:
    """Is the phrase copied from quote n of the asked kind and fit to be stated (`fit_to_state`)?"""
    quotes = draft.evidence.quotes
    quote = quotes[n - 1].text
    if draft.info.kind != OTHER and not has_value(draft.info, phrase):
        return False
    return fit_to_state(draft.info, phrase, quote, [q.text for q in quotes if q.text != quote])


class ExtractiveGenerator(Generator):
    name = "extractive"

    def stream(self, draft: Draft) -> Iterator[str]:
        text = compose(draft)
        words = text.split(" ")
        for i, word in enumerate(words):
            yield word if i == len(words) - 1 else word + " "
