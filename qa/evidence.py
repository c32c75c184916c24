"""Choosing the evidence for an answer, and deciding whether there is any.

Evidence is sentence-level: an answer cites the sentence(s) that carry it, not a whole chunk.
Every sentence of the top passages is scored by the reranker (`qa.rerank`: cosine to the
question plus the idf-weighted share of its terms; on the dev split this ranks the sentence
holding the answer first more often than the learned scorer does) and gets the learned scorer's
probability of answering (`qa.answerability`). From those we

1. drop repeats of the same sentence (overlapping chunks share sentences),
2. merge near-identical sentences from different articles into one `Quote` whose `also_in`
   lists the others (wire copies repeat sentences: the user should see "reported by 3 of 5
   articles", not three copies),
3. keep the best quote, then add quotes that score nearly as well, or that score well enough
   and bring question terms the chosen ones lack (a question that needs two facts from two
   sentences gets both).

Whether the articles answer at all is the learned scorer's call: its probability that the
articles answer must reach the learned threshold. No later stage may turn a refusal into an answer.
"""

from __future__ import annotations

import re

from .features import Candidate, specifics, word_set
from .phrase import VALUED, answer_phrase, attached_phrase
from .question import NUMBER, OTHER, PERSON, TIME, asks_future, has_cue, only_past
from .text import content_terms, is_instruction, jaccard, question_terms
from .tuning import NEAR_DUPLICATE, EvidenceSelection
from .types import Evidence, LexicalStats, Location, Passage, QuestionInfo, Quote, ScoredSentence
from .values import words_to_number


def candidates(
    passages: list[Passage], sentences: dict[str, list[ScoredSentence]], top: int
) -> list[tuple[ScoredSentence, Candidate]]:
    """The sentences of the top passages (each once), with their neighbours as context."""
    seen: set[tuple[str, int]] = set()
    out = []
    for p in passages[:top]:
        sents = sentences.get(p.id, [])
        for i, s in enumerate(sents):
            key = (s.source, s.start)
            if key in seen:
                continue
            seen.add(key)
            context = " ".join(x.text for x in sents[max(0, i - 1) : i + 2])
            out.append((s, Candidate(s.text, s.source, s.similarity, p.dense or 0.0, s.terms, context, p.published)))
    return out


def collect(passages: list[Passage], sentences: dict[str, list[ScoredSentence]], top: int = 5) -> list[Quote]:
    """Unique sentences of the top passages as quotes, near-duplicates merged, best score first."""
    seen: dict[tuple[str, int], Quote] = {}
    for p in passages[:top]:
        for s in sentences.get(p.id, []):
            key = (s.source, s.start)
            if key in seen or is_instruction(s.text):
                continue
            seen[key] = Quote(
                s.source,
                p.title,
                p.published,
                s.start,
                s.end,
                s.text,
                s.score,
                s.similarity,
                s.coverage,
                s.cue,
                p.start,
                p.end,
                s.terms,
                prob=s.prob,
            )
    ranked = sorted(seen.values(), key=lambda q: -q.score)
    merged: list[Quote] = []
    for q in ranked:
        twin = next((m for m in merged if m.source != q.source and jaccard(m.terms, q.terms) >= NEAR_DUPLICATE), None)
        if twin is None:
            merged.append(q)
        elif all(loc.source != q.source for loc in twin.also_in):
            twin.also_in.append(Location(q.source, q.start, q.end, q.title))
    return merged


def select(
    info: QuestionInfo,
    quotes: list[Quote],
    confidence: float,
    threshold: float,
    stats: LexicalStats,
    s: EvidenceSelection | None = None,
) -> Evidence:
    """The quotes to answer from, and whether to answer: `confidence` (the scorer's probability
    that the articles answer) must reach `threshold`."""
    s = s or EvidenceSelection()
    if not quotes:
        return Evidence([], False, "nothing retrieved", confidence)
    quotes = _own_terms_first(info, quotes, stats, s.follow_depth)
    best = quotes[0]
    chosen = [best]
    covered = set(best.terms)
    for q in quotes[1:]:
        if len(chosen) >= s.max_quotes:
            break
        if _redundant(q, chosen):
            continue
        new_terms = (info.term_set & q.terms) - covered
        weight = sum(max(stats.idf(t), 0.0) for t in new_terms)
        if q.score >= best.score - s.margin or (weight > 0 and q.score >= best.score - s.extra_terms):
            chosen.append(q)
            covered |= q.terms
    answerable = confidence >= threshold
    verdict = ">=" if answerable else "<"
    reason = f"answerability {confidence:.2f} {verdict} {threshold:.2f} (best sentence {best.prob:.2f})"
    unknown = sorted(t for t in info.term_set if stats.df.get(t, 0) == 0)
    idf = {t: max(stats.idf(t), 0.0) for t in info.term_set}
    share = sum(idf[t] for t in unknown) / (sum(idf.values()) or 1.0)
    if answerable and share >= s.unknown and max(q.similarity for q in chosen) < s.unknown_exempt:
        answerable, reason = False, f"the question's key terms are in no article: {', '.join(unknown)}"
    missing = unstated_figures(info.original or info.text, [*chosen, *preceding(best, quotes)])
    if answerable and missing:
        answerable, reason = False, f"no evidence sentence states the question's {', '.join(missing)}"
    return Evidence(chosen, answerable, reason, confidence)


def _own_terms_first(info: QuestionInfo, quotes: list[Quote], stats: LexicalStats, depth: int) -> list[Quote]:
    """A follow-up's quotes with the best one that has a word of the follow-up itself first.

    A follow-up is retrieved with its context ("Who replaced her as conductor? (following up on:
    Who was the first conductor? — Ana Vel ...)"), so the sentence that gave the last answer
    scores high again. If it has none of the follow-up's own words that the context lacks
    ("replaced"), it answers the last question, not this one: the best quote that has one and a
    word of the context leads, else the best with any of the follow-up's words.
    """
    if not info.is_follow_up:
        return quotes
    own = {t for t in question_terms(info.original) if stats.df.get(t, 0)}  # words some article has
    context = set(question_terms(info.text.replace(info.original, " ", 1)))
    # (words the follow-up adds, and still about the context's subject), then any of its words
    for wanted, about in ((own - context, context), (own, set())):
        if not wanted:
            continue
        if wanted & quotes[0].terms:
            return quotes
        better = next((q for q in quotes[1:depth] if wanted & q.terms and (not about or about & q.terms)), None)
        if better is not None:
            return [better, *(q for q in quotes if q is not better)]
    return quotes


# A figure as written ("1932", "4,500", "2.5"), not part of a word, a decade ("1980s", "70's") or a
# range ("18-49", "2013-14"): a range or decade is rarely restated digit for digit.
_FIGURE = re.compile(r"(?<![\w.,\-–])\d+(?:[.,]\d+)*(?![\w'’\-–]|[.,]\d)")
_STATED = re.compile(r"(?<![\d.,])\d+(?:[.,]\d+)*(?!\d|[.,]\d)")  # any figure, "2007–2011" and "20's" too


def unstated_figures(question: str, quotes: list[Quote]) -> list[str]:
    """The figures of the question that none of `quotes` states.

    "How many ships sailed in 1624?" is not answered by "In 1688, seven ships sailed": a question
    that names a year, a count or an amount asks about that one, and evidence that never states it
    is about something else, however close its words. The learned scorer cannot see this (SQuAD's
    questions restate their figures), so it is a rule, and a safe one: an answering sentence that
    leaves out the figure its question gives is rare (2 of 300 dev questions).
    """
    asked = {m.group(0).replace(",", "") for m in _FIGURE.finditer(question)}
    if not asked:
        return []
    stated = {m.group(0).replace(",", "") for q in quotes for m in _STATED.finditer(q.text)}
    for q in quotes:  # "seven ships" states the question's 7
        for word in re.findall(r"[A-Za-z]{3,}", q.text):
            value = words_to_number(word)
            if value is not None and value == int(value):
                stated.add(str(int(value)))
    return sorted(asked - stated)


def preceding(q: Quote, quotes: list[Quote]) -> list[Quote]:
    """The retrieved sentence right before q in its article ("In 1624 ... . They sailed in seven ships.")."""
    return [c for c in quotes if next_sentence(c, [q]) is q]


def attach(info: QuestionInfo, evidence: Evidence, quotes: list[Quote], depth: int = 8) -> Evidence:
    """For a date or number question, open the evidence with the best quote that attaches its value
    to what the question asks about (`qa.phrase.attached_phrase`); the others follow. Evidence whose
    best quote already does, or where no quote does, is returned unchanged."""
    if not evidence.answerable or not evidence.quotes:
        return evidence
    best = evidence.quotes[0]
    if info.kind == PERSON and answer_phrase(info, best.text) is None:
        # "She was met by senior officials." + "The delegation included Ana Vel and Edo Varn.": the
        # next sentence of the same article continues one of the best quotes and names whom
        for q in evidence.quotes[:2]:
            after = next_sentence(q, quotes)
            if after is not None and _CONTINUES.match(after.text) and answer_phrase(info, after.text):
                rest = [c for c in evidence.quotes if c is not q and c is not after]
                return Evidence([after, q, *rest][: len(evidence.quotes) + 1], True, evidence.reason,
                                evidence.confidence)
    if info.kind not in VALUED or attached_phrase(info, best.text):
        return evidence
    # A quote further down that holds a value but fewer of the question's names and figures is about
    # something else: "he led 30,000 men" does not say how many men the question's leader led.
    spec = specifics(info.original or info.text)
    named = _named(spec, best.text)
    past = _past_for_future(info)
    for q in quotes[:depth]:
        if past(q):
            continue
        if attached_phrase(info, q.text) and _named(spec, q.text) >= named:
            rest = [c for c in evidence.quotes if c is not q]
            return Evidence([q, *rest][: len(evidence.quotes)], True, evidence.reason, evidence.confidence)
    if past(best):  # no quote dates the event, and the best one dates only what is over: it does not lead
        ordered = [q for q in evidence.quotes if not past(q)] + [q for q in evidence.quotes if past(q)]
        return Evidence(ordered, True, evidence.reason, evidence.confidence)
    return evidence


def _past_for_future(info: QuestionInfo):
    """A predicate: is this quote one that dates only what is over, for a question about something
    still to come? "They last met in 2019" does not say when they will meet (`qa.question.only_past`)."""
    future = info.kind == TIME and asks_future(info.original or info.text)
    return lambda q: future and only_past(q.text, q.published)


def refuse_without_value(info: QuestionInfo, evidence: Evidence) -> Evidence:
    """Evidence for a "how many/much" or a "when" question that states no value of the kind asked
    for is no answer: the sentence closest to "How many ships sailed?" that holds no count of ships,
    nor a bare number, is about the voyage, not the fleet (`qa.phrase.answer_phrase` decides what
    counts); one closest to "When did the mill close?" that holds no date, year, century or word of
    time ("later", "after", "since") says what happened, not when. The learned scorer weighs this as
    one feature among many; here it is a rule, because the extractive answer would otherwise quote
    a sentence that cannot answer. "Who" and "where" are left to the scorer: an organisation or a
    common noun can answer them, and no pattern tells those apart from any other words."""
    if not evidence.answerable or info.kind not in (NUMBER, TIME):
        return evidence
    question = info.original or info.text
    for q in evidence.quotes:
        # a word of time answers "when"; "several types" answers "how many types"
        cue = has_cue(info.kind, q.text, question, info.counted) if info.kind == TIME or info.counted else False
        if cue or answer_phrase(info, q.text):
            return evidence
    return Evidence(evidence.quotes, False, f"no evidence sentence states a {info.kind} for the question",
                    evidence.confidence)


# A sentence that opens with a pronoun or a demonstrative names its subject in the sentence before.
_ANAPHOR = re.compile(r"^[“\"]?(?:it|this|these|that|those|he|she|they|its|his|her|their|such)\b", re.I)


def with_antecedent(info: QuestionInfo, evidence: Evidence, quotes: list[Quote]) -> Evidence:
    """Evidence whose best quote says "It has been called ..." also quotes the sentence before it, which
    says what "it" is: for "What has been called X?" that sentence holds the answer, and for any
    question the reader sees what the quote is about. It goes first for a question that takes no
    answer phrase ("what", "why": the answer opens with the quotes themselves), second where a phrase
    of the best quote opens the answer; a "when" or "how many" question whose best quote has no
    phrase is left alone. Only a sentence that was retrieved (a neighbour in the same passage) can
    be added."""
    if not evidence.answerable or not evidence.quotes or not _ANAPHOR.match(evidence.quotes[0].text):
        return evidence
    best = evidence.quotes[0]
    if info.kind != OTHER and attached_phrase(info, best.text) is None:
        return evidence  # the answer opens with this quote as it stands; its neighbours are the better use
    before = next(iter(preceding(best, quotes)), None)
    if before is None or any(q is before for q in evidence.quotes[:2]):
        return evidence
    rest = [q for q in evidence.quotes[1:] if q is not before]
    # a question of a kind with phrases opens with a phrase of the first quote (`qa.writers.extractive`):
    # it must still come from the best quote
    ordered = [best, before, *rest] if info.kind != OTHER else [before, best, *rest]
    return Evidence(ordered[: len(evidence.quotes) + 1], True, evidence.reason, evidence.confidence)


def _named(spec: list[str], text: str) -> int:
    """How many of the question's specifics (`qa.features.specifics`) a sentence holds."""
    have = word_set(text)
    return sum(1 for w in spec if w in have)


# A sentence that opens with a definite or anaphoric word continues the one before it.
_CONTINUES = re.compile(r"^[“\"]?(the|this|these|that|those|he|she|they|it|his|her|their|its|such)\b", re.I)


def _locations(q: Quote) -> list[tuple[str, int, int]]:
    return [(q.source, q.start, q.end), *((loc.source, loc.start, loc.end) for loc in q.also_in)]


def next_sentence(q: Quote, quotes: list[Quote]) -> Quote | None:
    """The quote of the sentence right after q in an article, if it was retrieved. Either may be a
    merged wire copy (`collect`) standing for its twin in another article, so every copy counts."""
    ends = [(source, end) for source, _, end in _locations(q)]

    def follows(c: Quote) -> bool:
        return any(src == source and 0 <= start - end <= 3 for src, start, _ in _locations(c) for source, end in ends)

    return next((c for c in quotes if c is not q and follows(c)), None)


def _redundant(q: Quote, chosen: list[Quote]) -> bool:
    return any(q.source == c.source and q.start < c.end and c.start < q.end for c in chosen) or any(
        jaccard(q.terms, c.terms) >= NEAR_DUPLICATE for c in chosen
    )


def merge_passages(passages: list[Passage]) -> list[Passage]:
    """Near-identical passages from different articles become one, with `also_in` (order kept)."""
    merged: list[tuple[Passage, set[str]]] = []
    for p in passages:
        terms = set(content_terms(p.text))
        twin = next((m for m, t in merged if m.source != p.source and jaccard(t, terms) >= NEAR_DUPLICATE), None)
        if twin is None:
            merged.append((p, terms))
        elif all(loc.source != p.source for loc in twin.also_in):
            twin.also_in.append(Location(p.source, p.start, p.end, p.title))
    return [p for p, _ in merged]
