"""Detecting when the articles disagree on the value asked for.

For "when" and "how long" questions, each relevant quote's values are read with rules (a date,
a weekday, a part of the day; a duration in months), and two quotes from different articles
conflict when their values cannot both be true: different dates, the same day but a different
part of it ("late on Sunday night" vs "the afternoon of September 10"), or different durations
("four years" vs "three years"). A weekday and a date agree when the date falls on that
weekday in the year the article gives. Values are only compared between quotes about the same
thing: each must be among the best-scoring evidence for the question.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from .evidence import next_sentence, preceding
from .features import specifics
from .phrase import attached_phrase, stated_phrase
from .question import DURATION, PERSON, TIME
from .text import fold, stem, words
from .times import TimeValue, describe_time, segments, time_conflict, time_value
from .tuning import (
    ATTACHED_SCORE,
    CLOSE_ALONE,
    CLOSE_FOR_NAMES,
    COMMON_TERM,
    RELEVANT,
    SAME_EVENT_SHARE,
)
from .types import Found, QuestionInfo, Quote, Side
from .values import (
    COUNTED_SYNONYMS,
    ORG_WORDS,
    TALLY_WORDS,
    TIME_UNITS,
    bare_value,
    comparable,
    describe_duration,
    describe_name,
    durations,
    names,
    places,
    quantities,
    same_name,
    same_quantity,
    strip_dateline,
)

__all__ = ["durations", "detect", "event_terms"]

def question_names(info: QuestionInfo) -> set[str]:
    """Stems of the question's capitalised words after its first ("Mara", "Tellen", "Oskarby")."""
    return {stem(w.lower()) for w in re.findall(r"(?<=\s)[A-Z][a-z]+", info.text)}


def names_enough(info: QuestionInfo, q: Quote) -> bool:
    """Does the quote name at least half of what the question names? A date read from the attached
    phrase alone (`_attached_dates`, which asks no shared event words) is a side only then: two dates
    of unrelated events, each in a sentence with one word of "When was the Old Mill Bridge
    built?", are no disagreement. (The event-word reading keeps its own test: "the leader" there may
    stand for a name.)"""
    names = question_names(info)
    return not names or 2 * len(names & q.terms) >= len(names)


def event_terms(info: QuestionInfo, stats=None) -> set[str]:
    """The question's event words: its terms minus names and the words that are everywhere.

    "arrive" in "When did Mara Tellen arrive in Oskarby?" (not the names, not "Tellen" in a corpus about her).
    """
    common = {t for t in info.term_set if stats is not None and stats.n and stats.df.get(t, 0) / stats.n > COMMON_TERM}
    names = question_names(info)
    return info.term_set - common - names or info.term_set - common or info.term_set


def _detect_time(
    info: QuestionInfo, quotes: list[Quote], stats=None, min_similarity: float = RELEVANT, kind: str | None = None
) -> list[Found]:
    """Disagreements on a date, a time of day or a duration.

    Dates are read next to the question's event words that both quotes contain (so "arrived on
    Monday ... the forum, which runs from September 10" gives Monday, not the forum's dates);
    durations are read from the whole sentence.
    """
    kind = kind or {TIME: "date", DURATION: "duration"}.get(info.kind)
    if kind not in ("date", "duration") or len(quotes) < 2:
        return []
    relevant = [q for q in quotes if q.similarity >= min_similarity and not bare_value(q.text)]
    events = event_terms(info, stats)
    weight = {t: (stats.idf(t) if stats is not None else 1.0) for t in events}

    def same_event(a: Quote, b: Quote) -> set[str]:
        """The event words both quotes use, if they carry most of the question's event."""
        shared = events & a.terms & b.terms
        return shared if sum(weight[t] for t in shared) >= SAME_EVENT_SHARE * sum(weight.values()) else set()

    if kind == "duration":
        for i, qa_ in enumerate(relevant):
            for qb in relevant[i + 1 :]:
                if qa_.source == qb.source or not same_event(qa_, qb):
                    continue
                va, vb = durations(qa_.text), durations(qb.text)
                if va and vb and not (va & vb):
                    return [Found("duration", [Side(describe_duration(va), qa_), Side(describe_duration(vb), qb)])]
        return []
    for i, qa_ in enumerate(relevant):
        for qb in relevant[i + 1 :]:
            if qa_.source == qb.source or any(loc.source == qb.source for loc in qa_.also_in):
                continue
            shared = same_event(qa_, qb)
            if shared:
                va, vb = time_value(qa_.text, qa_.published, shared), time_value(qb.text, qb.published, shared)
            elif same_subject(info, qa_, qb, stats):
                # the same event in other words ("will reopen" / "the reopening ... put back to"):
                # each quote's values next to its own event words
                va = time_value(qa_.text, qa_.published, (events & qa_.terms) or None)
                vb = time_value(qb.text, qb.published, (events & qb.terms) or None)
                if not (va.dates and vb.dates):
                    continue  # only calendar dates are compared across wordings, not a lone weekday
            else:
                continue
            topic = time_conflict(va, vb)
            if topic:
                return [Found(topic, [Side(describe_time(va), qa_), Side(describe_time(vb), qb)])]
    return []


# -- counts, amounts, percentages, names, places ------------------------------------------------

COUNT, AMOUNT, PERCENT, NAME, PLACE_VALUE = "count", "amount", "percentage", "name", "place"
DATE, LENGTH = "date", "duration"
CHANGE = "change"  # "by how much did rents rise?": a percentage or an amount
_MONEY_NOUNS = (
    r"budget|cost|costs|costing|price|fine|fee|fees|salary|wage|bill|bid|offer|payout|compensation|damages|loan|"
    r"debt|grant|subsidy|funding|investment|deal|valuation|worth|value|penalty|settlement|ransom|bonus|pay|paid"
)
_PERCENT_Q = re.compile(
    r"\b(percentage|percent|per cent|proportion|turnout|share of|vote share|rate)\b|\bby what percentage\b"
)
_CHANGE_Q = re.compile(
    r"\b(by )?how much\b.*\b(rise|rose|risen|raise|raised|increase|increased|go up|going up|went up|grow|grew|fall|"
    r"fell|fallen|drop|dropped|cut|reduce|reduced|decline|declined|climb|climbed)\b"
)
_AMOUNT_Q = re.compile(
    rf"\bhow (much|large|big|high)\b|\bfor how much\b|\b(what|which)\b.*\b({_MONEY_NOUNS})\b|\bcost(ing)?\b"
)
_DATE_Q = re.compile(r"\b(on )?(which|what) (night|day|date|morning|evening|afternoon|weekend|month|year)\b")
_ORG_Q = re.compile(
    r"\b(which|what) (\w+ )?(company|firm|organi[sz]ation|group|agency|bank|body|party|team|business|buyer|bidder|"
    r"insurer|investor|charity|club|union|authority|department|ministry|court|newspaper|broadcaster|carrier|airline|"
    r"manufacturer|supplier|contractor|developer|university|school|hospital|architects?|engineers|operator|builder)\b"
)
_PERSON_Q = re.compile(
    r"\b(which|what) (\w+ ){0,3}?(officer|detective|inspector|coach|manager|owner|winner|player|artist|author|"
    r"writer|poet|judge|spokes\w*|minister|executive|ceo|captain|chief|head|leader|director|president|chair\w*|"
    r"mayor|prosecutor|investigator|surgeon|doctor|scientist|researcher|official|person|woman|man)\b"
)
_WHICH = re.compile(r"^\W*(which|whose)\b")
# names and places recur all over a story: only quotes that share the question's event words are compared
_CLOSE = {"name": CLOSE_FOR_NAMES, "place": CLOSE_FOR_NAMES}
_NAME_KINDS = {"person"}
_PLACE_KINDS = {"place"}


def value_type(info: QuestionInfo) -> str | None:
    """What kind of value the question asks for, as the conflict rules compare it."""
    q = fold(info.text)
    if info.kind == TIME or _DATE_Q.search(q):
        return DATE
    if info.kind == DURATION:
        return LENGTH
    if _PERCENT_Q.search(q):
        return PERCENT
    if _CHANGE_Q.search(q):
        return CHANGE
    if _AMOUNT_Q.search(q) and re.search(rf"\b({_MONEY_NOUNS})\b|\bhow much\b", q):
        return AMOUNT
    if info.kind == "number":
        return COUNT
    if (
        info.kind in _NAME_KINDS
        or _ORG_Q.search(q)
        or _PERSON_Q.search(q)
        or (info.kind == "other" and _WHICH.search(q))
    ):
        return NAME
    if info.kind in _PLACE_KINDS:
        return PLACE_VALUE
    return None


@dataclass
class Reading:
    """The value one quote gives for what was asked: the normalised values, and how it is written."""

    quote: Quote
    values: list  # Quantity or frozenset[str] (a name's words)
    shown: str
    anchored: bool = False  # a count read next to the noun the question counts ("how many people")
    about: Quote | None = None  # the sentence on the question that `quote` continues (`_continued`)


def asked_words(info: QuestionInfo) -> set[str]:
    """The question's own words: a name it asks about is never the value that answers it."""
    return set(words(info.text))


_COUNTED: dict[str, set[str]] = {}
_FOLLOWERS = {"and", "but", "or", "on", "in", "after", "by", "as", "when", "while", "of", "from", "since", "last"}


def counted_nouns(counted: str) -> set[str]:
    """The stems that count the same things as `counted` ("person" -> victim, death, resident ...)."""
    if not _COUNTED:
        for group in COUNTED_SYNONYMS:
            stems = {stem(w) for w in group.split()}
            for t in stems:
                _COUNTED.setdefault(t, set()).update(stems)
    return _COUNTED.get(counted, set()) | {counted}


def _noun(q) -> str:
    """The stem of the word a figure counts ("12 people" -> person), '' if a verb or nothing follows."""
    if not q.after or q.after[0] in _FOLLOWERS:
        return ""
    return stem(q.after[0])


def _event_clauses(text: str, events: set[str]) -> str:
    """The clauses of a sentence that hold one of the question's event words ("" if none)."""
    held = [text[a:b] for a, b in segments(text) if any(stem(w) in events for w in words(text[a:b]))]
    return " ".join(held)


def read_value(kind: str, info: QuestionInfo, quote: Quote, events: set[str], whole: bool = False) -> Reading | None:
    """The value of `kind` a quote gives for the question, or None if it gives none we can tell.
    Names are read from the clauses with the question's event words, or, if `whole` and none has
    one, from the whole sentence.

    A sentence that gives several candidate values (a list of figures, several names) gives
    none: which one answers the question is not for rules to guess."""
    text = quote.text
    if kind in (COUNT, AMOUNT, PERCENT, CHANGE):
        qs = quantities(text)
        anchored = False
        if kind == COUNT:
            qs = [q for q in qs if not q.unit]
            if info.counted:
                nouns = counted_nouns(info.counted)
                counted = [q for q in qs if any(stem(w) in nouns for w in q.after[:3])]
                # "the death toll has risen to 12": a bare number after a tally of the counted thing
                tallied = [
                    q
                    for q in qs
                    if q.bare
                    and any(w in TALLY_WORDS for w in q.before[-12:])
                    and any(stem(w) in nouns | events for w in q.before[-20:])
                ]
                qs, anchored = counted or tallied, True
            else:
                qs = [q for q in qs if _noun(q)]
            if info.counted not in TIME_UNITS:  # "four years" is how long, not how many
                qs = [q for q in qs if _noun(q) not in TIME_UNITS]
        elif kind == AMOUNT:
            qs = [q for q in qs if q.is_money]
        elif kind == CHANGE:
            qs = [q for q in qs if q.is_percent] or [q for q in qs if q.is_money]
        else:
            qs = [q for q in qs if q.is_percent]
        if len({q.value for q in qs}) > 1:  # several figures: the one next to the question's words
            qs = [q for q in qs if any(stem(w) in events for w in q.after[:3] + q.before[-4:])]
        if not qs or len({q.value for q in qs}) > 1:
            return None
        return Reading(quote, qs, qs[0].text, anchored)
    if kind in (NAME, PLACE_VALUE):
        exclude = asked_words(info)
        clauses = _event_clauses(text, events) or (text if whole else "")
        found = (names if kind == NAME else places)(clauses, exclude)
        if kind == NAME and clauses and text.startswith(clauses):
            first = re.match(r"\s*([A-Z][\w’'-]*)", strip_dateline(text))
            # a capitalised first word is a name only if it is one elsewhere too ("Police said ...")
            if (
                first
                and found
                and len(found[0]) == 1
                and text.count(first.group(1)) == 1
                and _fold_word(first.group(1)) in found[0]
            ):
                found = found[1:]
        if kind == NAME:
            at = places(clauses, exclude)
            found = [n for n in found if n not in at]  # "... to Harbourtown": a place, not who
            q = info.text.lower()
            if (info.kind == "person" or _PERSON_Q.search(q)) and not _ORG_Q.search(q) and "whose" not in q:
                found = [n for n in found if not n & ORG_WORDS]  # "who" asks for a person
        distinct: list[frozenset[str]] = []
        for n in found:
            if not any(n & d for d in distinct):
                distinct.append(n)
        if not distinct or len(distinct) > (2 if kind == NAME else 1):
            return None
        return Reading(quote, distinct, ", ".join(describe_name(text, n) for n in distinct))
    return None


def _fold_word(w: str) -> str:
    return fold(w)


def agree(kind: str, a: Reading, b: Reading) -> bool:
    """Can both readings be true? Figures of different kinds (currencies, what they count) always can."""
    if kind in (NAME, PLACE_VALUE):
        return any(same_name(x, y) for x in a.values for y in b.values)
    pairs = [(x, y) for x in a.values for y in b.values if comparable(x, y)]
    if kind == COUNT and not (a.anchored and b.anchored):
        # "425 miles" and "seven trips" are not two answers to one question
        pairs = [(x, y) for x, y in pairs if _noun(x) == _noun(y) or _noun(y) in counted_nouns(_noun(x))]
    if not pairs:
        return True
    return any(same_quantity(x, y) for x, y in pairs)


def readings(info: QuestionInfo, quotes: list[Quote], stats=None, min_similarity: float = RELEVANT) -> list[Reading]:
    """One reading per article: its best quote that is about the question and gives a value."""
    kind = value_type(info)
    if kind is None or kind in (DATE, LENGTH):
        return []
    events = event_terms(info, stats)
    out: dict[str, Reading] = {}
    for q in quotes:
        if q.similarity < min_similarity or q.source in out:
            continue
        r = reading_in(kind, info, q, quotes, events | info.term_set)
        if r is not None:
            out[q.source] = r
    return list(out.values())


# A sentence that goes on about the subject of the one before: "Its board ...", "She ...". Not "It ..."
# nor "The ...": each, tried, read a name from an unrelated sentence into a false disagreement.
_PRONOUN_OPENING = re.compile(r"^[“\"]?(?:its|his|her|their|he|she|they)\b", re.I)
_SUBJECT_PRONOUN = re.compile(r"^[“\"]?(?:he|she|they)\b", re.I)


def reading_in(kind: str, info: QuestionInfo, q: Quote, quotes: list[Quote], events: set[str]) -> Reading | None:
    """The value `q` gives, read with its neighbours among `quotes` where it names no one itself."""
    r = read_value(kind, info, q, events)
    return _continued(kind, info, q, quotes, events) if r is None and kind in (NAME, PLACE_VALUE) else r


def _continued(kind: str, info: QuestionInfo, q: Quote, quotes: list[Quote], events: set[str]) -> Reading | None:
    """The name the sentence after `q` gives, when `q` is on the question but names no one and that
    sentence continues it: "The club has a new coach after all. Its board said Ana Vel will lead
    the team." The next sentence is read for the value; whether it is about the question is judged
    by `q`, which it continues (`Reading.about`)."""
    after = next_sentence(q, quotes)
    if after is not None and _PRONOUN_OPENING.match(after.text):
        r = read_value(kind, info, after, events, whole=True)  # it continues the question's words
        return None if r is None else Reading(r.quote, r.values, r.shown, r.anchored, about=q)
    return _subject_before(info, q, quotes) if kind == NAME and _SUBJECT_PRONOUN.match(q.text) else None


def _subject_before(info: QuestionInfo, q: Quote, quotes: list[Quote]) -> Reading | None:
    """The name the sentence before `q` opens with, when `q` is on the question and opens with "she",
    "he" or "they": "Ana Vel, 49, joined the pilots in 2016. She takes over from ... in June." A
    one-word name must be one elsewhere in the article too (a first word alone may be "Police")."""
    before = next(iter(preceding(q, quotes)), None)
    found = names(before.text, asked_words(info)) if before is not None else []
    if not found or not _opens_with(before.text, found[0]):
        return None
    elsewhere = (c for c in quotes if c.source == before.source and c is not before)
    if len(found[0]) == 1 and not any(found[0] & n for c in elsewhere for n in names(c.text)):
        return None
    return Reading(before, [found[0]], describe_name(before.text, found[0]), about=q)


def _opens_with(text: str, name: frozenset[str]) -> bool:
    """Does the sentence open with (a word of) the name?"""
    first = re.match(r"\W*([\w’'-]+)", strip_dateline(text))
    return bool(first) and _fold_word(first.group(1)) in name


def _subject_terms(info: QuestionInfo) -> set[str]:
    """The question's terms minus the names it mentions (in a small store every word is "common",
    so `event_terms` may have nothing left but a name)."""
    return info.term_set - question_names(info) or info.term_set


def same_subject(
    info: QuestionInfo,
    a: Quote,
    b: Quote,
    stats=None,
    share: float = SAME_EVENT_SHARE,
    close: float = RELEVANT,
    alone: float = CLOSE_ALONE,
) -> bool:
    """Do both quotes speak of the question's subject? Either the event words they share carry
    `share` of the question's event weight, or both are `close` to the question (cosine) and
    share one of its words: "The flood killed nine" and "12 people died in the flood"."""
    events = _subject_terms(info)
    # a word in every passage of a small store has an idf of zero or less: it still counts a little
    weight = {t: max(stats.idf(t) if stats is not None else 1.0, 0.01) for t in events}
    total = sum(weight.values())
    shared = events & a.terms & b.terms
    if shared and sum(weight[t] for t in shared) >= share * total:
        return True
    near = min(a.similarity, b.similarity)
    # or both are very close to the question, whatever their words ("sank" / "went down")
    return (near >= close and bool(info.term_set & a.terms & b.terms)) or near >= max(close, alone)


def detect(
    info: QuestionInfo, quotes: list[Quote], stats=None, min_similarity: float = RELEVANT,
    document_words: Callable[[str], set[str]] | None = None,
) -> list[Found]:
    """Disagreements between quotes of different articles on the value asked for.

    Dates and durations as described above; counts, amounts and percentages compared once
    normalised (`qa.values`); names and places by their words. Sides are groups of articles
    that agree with each other, best-scoring first, one quote each. With `document_words` (an
    article's stemmed words), a side's article must name every name the question does: "What share
    of pupils in Veldmark ...?" is not answered by an article that never mentions Veldmark.
    """
    asked = [w for w in specifics(info.original or info.text) if not w[:1].isdigit()] if document_words else []
    found = _detect(info, quotes, stats, min_similarity, loose=bool(asked))
    if not asked:
        return found
    out = []
    for f in found:
        sides = [s for s in f.sides if all(n in document_words(s.quote.source) for n in asked)]
        if len(sides) >= 2:
            out.append(Found(f.topic, sides))
    return out


def _detect(info: QuestionInfo, quotes: list[Quote], stats, min_similarity: float, loose: bool = False) -> list[Found]:
    """With `loose`, a name or place question that the event-word readings give one article's value
    for, or none, is read again from each article's best-scoring quotes (`_best_named`). Only then:
    that reading has no subject test of its own, so the question must name its subject and each
    side's article must name it too (`detect`); "Who was the head of the company?" over unrelated
    articles names none."""
    kind = value_type(info)
    if kind in (DATE, LENGTH) or kind is None:
        return _detect_time(info, quotes, stats, min_similarity, kind) or (
            _attached_dates(info, quotes) if kind == DATE else []
        )
    if len(quotes) < 2:
        return []
    rs = readings(info, quotes, stats, min_similarity)
    found = _detect_readings(kind, info, quotes, rs, stats)
    # where the readings leave one article or none with a value, not where they agree; a name only
    # for "who" ("which agency" gives no answer phrase to read a name from)
    rereadable = kind == PLACE_VALUE or (kind == NAME and info.kind == PERSON)
    if found or len(rs) > 1 or not loose or info.is_follow_up or not rereadable:
        return found
    return _detect_readings(kind, info, quotes, _best_named(kind, info, quotes, stats), stats, same=False)


def _best_named(kind: str, info: QuestionInfo, quotes: list[Quote], stats) -> list[Reading]:
    """One reading per article: its best-scoring quote that names one place, or for "who" one person
    with a full name that is fit to be said as the answer (`qa.phrase.stated_phrase`), if that quote
    scores at least `ATTACHED_SCORE` of the best quote of all. The event-word readings miss a
    sentence that gives the value in other words than the question ("came down in a field outside
    Vessby" for "Where did the plane make its forced landing?", "its next director will be Ana Vel"
    for "Who was appointed to head ...?") or sits under the relevance cosine; the learned score,
    which weighs every question term and the value asked for, stands in for both."""
    if not quotes:
        return []
    bound = ATTACHED_SCORE * quotes[0].score
    events = event_terms(info, stats) | info.term_set
    out: dict[str, Reading] = {}
    for q in quotes:
        if q.score < bound or q.source in out:
            continue
        if kind == NAME:
            phrase = stated_phrase(info, q.text)
            if phrase and " and " not in phrase and " " in phrase:
                out[q.source] = Reading(q, [frozenset(words(phrase))], phrase)
        elif (r := read_value(kind, info, q, events, whole=True)) is not None:
            out[q.source] = r
    rs = [r for r in out.values() if len(r.values) == 1]
    # read more loosely than the event-word readings, so a mention of a side's name in any other
    # article sets the two apart (`_named_in_another_role` lets a one-way mention of a full name be)
    return [r for r in rs if not any(_mentions(quotes, o.quote.source, r) for o in rs if o is not r)]


def _detect_readings(
    kind: str, info: QuestionInfo, quotes: list[Quote], rs: list[Reading], stats, same: bool = True
) -> list[Found]:
    """Group the readings by agreement; the lead group's best reading against each other group's
    (`same`: both quotes must also speak of the question's subject, `same_subject`)."""
    groups: list[list[Reading]] = []
    for r in rs:
        home = next((g for g in groups if agree(kind, g[0], r)), None)
        if home is None:
            groups.append([r])
        else:
            home.append(r)
    if len(groups) < 2:
        return []
    lead = groups[0][0]
    sides = [Side(lead.shown, lead.quote)]
    close = _CLOSE.get(kind, RELEVANT)
    if kind in (NAME, PLACE_VALUE) and info.is_follow_up:
        # a follow-up is embedded with its context, so any quote on the earlier subject is close to
        # it; two names are two answers only if both quotes share the words of what it refers to
        close = math.inf
    for g in groups[1:]:
        r = g[0]
        if r.quote.source in {loc.source for loc in lead.quote.also_in}:
            continue
        if kind in (NAME, PLACE_VALUE) and _named_in_another_role(quotes, lead, r):
            continue
        if not same or same_subject(info, lead.about or lead.quote, r.about or r.quote, stats, close=close):
            sides.append(Side(r.shown, r.quote))
    if len(sides) < 2:
        return []
    topic = _topic(kind, info)
    return [Found(topic, sides)]


def _attached_dates(info: QuestionInfo, quotes: list[Quote], depth: int = 20) -> list[Found]:
    """Dates that the claim check attaches to what the question asks about, in different articles,
    that cannot both hold ("expected to be held on 12 September" vs "could take place around 13
    September"). Catches the event worded differently in each article, which the event-word
    reading above needs to be the same. A side must name what the question names (`names_enough`)."""
    sides: list[tuple[TimeValue, Side]] = []
    for q in quotes[:depth]:
        if not names_enough(info, q):
            continue
        phrase = attached_phrase(info, q.text)
        value = time_value(phrase, q.published) if phrase else None
        if not value or not value.dates:
            continue
        seen = {q.source, *(loc.source for loc in q.also_in)}
        if any(seen & {s.quote.source, *(loc.source for loc in s.quote.also_in)} for _, s in sides):
            continue
        if sides and q.score < ATTACHED_SCORE * sides[0][1].quote.score:
            continue
        if all(time_conflict(value, other) for other, _ in sides):
            sides.append((value, Side(phrase, q)))
    return [Found("date", [side for _, side in sides])] if len(sides) >= 2 else []


def _named_in_another_role(quotes: list[Quote], a: Reading, b: Reading) -> bool:
    """Does an article also name the other's person or place, so that the two are not two answers to
    one role? A one-way mention of one full name by the other's article is still a disagreement: "Edo
    Varn won" against a later "Ana Vel has been declared the winner; Edo Varn was disqualified".
    Sides that are a lone word or a list of names are read less surely, and a mention either way
    sets them apart."""
    one_way = _mentions(quotes, b.quote.source, a), _mentions(quotes, a.quote.source, b)
    full = all(len(r.values) == 1 and len(next(iter(r.values))) >= 2 for r in (a, b))
    return all(one_way) if full else any(one_way)


def _mentions(quotes: list[Quote], source: str, reading: Reading) -> bool:
    """Does any quote of `source` name one of the reading's names?"""
    return any(q.source == source and any(name <= set(words(q.text)) for name in reading.values) for q in quotes)


def _topic(kind: str, info: QuestionInfo) -> str:
    m = re.search(r"\bhow many ([a-z]+)", info.text.lower())
    if kind == COUNT:
        return f"number of {m.group(1)}" if m and info.counted else "number"
    return {AMOUNT: "amount", PERCENT: "percentage", CHANGE: "change", NAME: "name", PLACE_VALUE: "place"}.get(
        kind, kind
    )
