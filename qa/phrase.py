"""The short answer phrase inside an evidence sentence: what a direct answer opens with.

"When did the bridge open?" over "The bridge, built by Ana Vel, opened on 4 May 1932 after two
years of work." opens with "4 May 1932", not the whole sentence. The phrase is cut from the
sentence verbatim (so the citation check sees exactly the cited words), by the kind of value the
question asks for (`qa.question`): a date or year for "when", a duration for "how long", a
count or amount for "how many/much", a capitalised name for "who", a capitalised place after a
preposition for "where" (a reference mark such as "[7]" is no figure: `qa.values.quantities`). Of
the candidates that the question does not already contain, the one nearest to the question's own
words in the sentence wins ("opened" is next to the date, not to "two years"). For "who" questions
every name in a list is kept: "A, B and C". A month before a year belongs to the date ("September
1932"); a possessive name is no place ("Ardale's old port"); a word that only extends a question word
("Veldish" for "Veld") is nothing new. What the answer may *state* as the answer is stricter
(`stated_phrase`): at most two names, none of them standing after "in" or "at".

No phrase is returned for other questions ("what", "why", "how"), or when the sentence holds
no candidate: the answer then opens with the sentence itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .claims import attached
from .lexicon import COUNT_WORDS, MONTHS, ORDINALS, STOPWORDS, WEEKDAYS
from .question import DURATION, NUMBER, PERSON, PLACE, TIME
from .text import fold, stem, words
from .tuning import MAX_STATED_NAMES
from .types import QuestionInfo
from .values import WEEKDAY, Quantity, bare_value, date_spans, quantities, year_spans

_DATE_EXTEND_LEFT = re.compile(r"(?:(?:on|by)\s+)?(?:\w+day,?\s+)?(?:the\s+)?$", re.I)
_YEAR_AFTER = re.compile(r"^,?\s+(1[5-9]\d\d|20\d\d)\b")
_MONTH_BEFORE = re.compile(rf"\b(?:{'|'.join(MONTHS)})\s*,?\s*$", re.I)
_DECADE = re.compile(r"\b(?:early |mid-|mid |late )?(1[5-9]\d0|20\d0)s\b")
_CLOCK = re.compile(r"\b\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?|\b\d{1,2}\s*[ap]\.?m\.?", re.I)
_AGO = re.compile(
    r"(?:~|\b(?:about|some|around|roughly|nearly|over)\s+)?\b\d[\d,.]*(?:\s+(?:thousand|million|billion))?"
    r"\s+(?:years?|decades?|centuries|millennia)\s+ago\b",
    re.I,
)
_DURATION = re.compile(
    rf"\b(?:\d+(?:\.\d+)?|{COUNT_WORDS}|a few|several|a|an)"
    r"[- ](?:years?|months?|weeks?|days?|hours?|minutes?|decades?|centuries|century)\b",
    re.I,
)
_CAPS = re.compile(r"[A-Z][\w’'.-]*(?:\s+(?:(?:of|de|van|von|da|del|der|la|le|bin|al|the)\s+)?[A-Z][\w’'.-]*)*")
_PLACE_PREP = re.compile(r"\b(?:in|at|near|from|to|into|outside|across|on)\s+(?:the\s+)?$", re.I)
# Capitalised words that open sentences (English stopwords): not names on their own.
_FUNCTION = STOPWORDS


_CALENDAR = frozenset(MONTHS) | frozenset(WEEKDAYS)
# English head nouns of organisations and places: a capitalised name ending in one is not a person.
ORGANISATION_WORDS = frozenset(
    [
     "party", "agency", "ministry", "department", "council", "committee", "commission", "company", "corporation",
     "group", "bank", "university", "college", "school", "institute", "institution", "center", "centre",
     "foundation", "association", "union", "league", "church", "army", "navy", "force", "forces", "police",
     "government", "administration", "office", "bureau", "service", "news", "times", "post", "network",
     "station", "forum", "club", "court", "parliament", "assembly", "senate", "congress", "board", "authority",
     "city", "county", "state", "states", "republic", "kingdom", "province", "region", "river", "sea", "ocean",
     "lake", "mountain", "island", "street", "road", "square", "hall", "museum", "hospital", "airport", "port",
    ]
)


def _spans_time(text: str) -> list[tuple[int, int]]:
    spans = []
    for a, b in date_spans(text):
        left = _DATE_EXTEND_LEFT.search(text[:a])
        if left and left.group(0).strip():
            grown = text[left.start() : a]
            lead = re.match(r"(?:(?:on|by)\s+)", grown, re.I)
            a = left.start() + (lead.end() if lead else 0)
        year = _YEAR_AFTER.match(text[b:])
        if year:
            b += year.end()
        spans.append((a, b))
    covered = lambda i: any(a <= i < b for a, b in spans)  # noqa: E731 - a tiny local predicate
    spans += [m.span() for m in _AGO.finditer(text) if not covered(m.start())]  # "~8,000 years ago"
    for a, b in year_spans(text):
        if not covered(a):
            month = _MONTH_BEFORE.search(text[:a])
            spans.append((month.start() if month else a, b))
    for pattern in (_DECADE, _CLOCK, WEEKDAY):
        spans += [m.span() for m in pattern.finditer(text) if not covered(m.start())]
    return spans


def _spans_names(text: str, place: bool = False) -> list[tuple[int, int]]:
    spans = []
    for m in _CAPS.finditer(text):
        a, b = m.span()
        tokens = m.group(0).split()
        # trim function words at the edges ("The", "In" opening a sentence)
        while tokens and tokens[0].lower().strip(".,") in _FUNCTION:
            a += len(tokens[0]) + 1
            tokens = tokens[1:]
        if not tokens:
            continue
        b = a + len(" ".join(tokens))
        phrase = text[a:b].rstrip(".")
        b = a + len(phrase)
        if all(w in _FUNCTION or w in _CALENDAR for w in words(phrase)) or date_spans(phrase):
            continue
        if place and (not _PLACE_PREP.search(text[:a]) or _POSSESSIVE.search(phrase)):
            continue  # "in Ardale's old harbour district": the place is what follows, not "Ardale's"
        if not place and a == 0 and len(tokens) == 1:
            continue  # a lone capitalised word opening the sentence is usually not a name
        if not place and (words(phrase)[-1] in ORGANISATION_WORDS or phrase.isupper()):
            continue  # "the Harbour Workers Union", "NASA": an organisation, not whom
        spans.append((a, b))
    return spans


_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_RANGE_START = re.compile(r"\bbetween\s+\d[\d,.]*\s+and\s*$|\d[\d,.]*\s*(?:–|—|-|to|or)\s*$", re.I)


def _with_range(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A figure that ends a range starts with it: "100–150 species", "between 10 and 12 people", "5 to
    7 days", not "150 species" (the first figure, counting nothing, is dropped). The figures of an ISO
    date are none."""
    iso = [m.span() for m in _ISO_DATE.finditer(text)]  # "2023-09-12" is a date, not figures
    out = []
    for a, b in spans:
        if any(x < b and a < y for x, y in iso):
            continue
        m = _RANGE_START.search(text[:a])
        if m:
            a = m.start()
        if not any(x <= a and b <= y for x, y in out):
            out = [(x, y) for x, y in out if not (a <= x and y <= b)] + [(a, b)]
    return out


def _spans(kind: str, text: str, info: QuestionInfo) -> list[tuple[int, int]]:
    if kind == TIME:
        return _spans_time(text)
    if kind == DURATION:
        return _with_range(text, [m.span() for m in _DURATION.finditer(text)])
    if kind == NUMBER:
        return _with_range(text, [(q.start, q.end) for q in _answering_quantities(info, text)])
    if kind == PERSON:
        return _spans_names(text)
    if kind == PLACE:
        return _spans_names(text, place=True)
    return []


# Words a measured amount is given in ("ten times their weight", "40 tonnes", "3 km"): general English.
MEASURES = frozenset(
    [
        "times", "percent", "per", "cent", "degrees", "metres", "meters", "km", "kilometres", "kilometers",
        "miles", "mi", "feet", "ft", "foot", "inches", "cm", "mm", "m", "mph", "sq", "square", "cubic", "kg",
        "kilograms", "grams", "g", "tonnes", "tons", "tonne", "ton", "pounds", "lb", "lbs", "ounces", "oz",
        "litres", "liters", "gallons", "barrels", "acres", "hectares", "ha", "calories", "watts", "kw", "mw", "gw",
        "kwh", "volts", "hours", "days", "weeks", "months", "years", "minutes", "seconds", "half", "halves",
        "quarter", "quarters",
        *ORDINALS[3:11],  # fractions: "a third", "two fifths"
        *(w + "s" for w in ORDINALS[3:11]),
    ]
)
_COUNTED_PHRASE = re.compile(r"\bhow many ((?:[\w’'-]+\s+){0,2}[\w’'-]+)", re.I)


def counted_words(question: str) -> set[str]:
    """The stems of what a "how many" question counts: "How many foreign trips has ..." -> {foreign,
    trip}; the words after "how many" up to the first function word."""
    m = _COUNTED_PHRASE.search(question)
    if not m or words(m.group(1))[0] in ("times", "more", "other"):  # how often, how many more: no noun
        return set()
    out = set()
    for w in words(m.group(1)):
        if w in _FUNCTION:
            break
        out.add(stem(w))
    return out


_MEASURED = re.compile(r"\bhow (?:much|far|deep|tall|high|wide|heavy|fast)\b", re.I)
_SHARE = re.compile(r"\bwhat (?:percentage|per ?cent)\b", re.I)
_AGE = re.compile(r"\bhow old\b|\bat what age\b", re.I)
_AGE_AFTER = frozenset(["years", "year", "months", "old"])


def _answering_quantities(info: QuestionInfo, text: str) -> list[Quantity]:
    """The quantities of `text` that can answer a "how many/much" question.

    A number followed by a noun counts that noun: "12 months later" does not answer "how many
    provinces", "two radio networks" does not answer "how much did they pay". So for a question that
    names what it counts, a number that counts it wins, else only a bare one (nothing counted after
    it: "rose to 30,000."); for "how much/far/deep ...", only an amount (a currency, a share, a
    measure) or a bare one; for "how old", an age ("aged 13", "13 years old", a bare 13); for "what
    percentage", only a share.
    """
    found = quantities(text)
    question = info.original or info.text
    asked = counted_words(question)
    if asked:
        counting = [q for q in found if any(stem(w) in asked for w in q.after[:3])]
        return counting or [q for q in found if _counts_nothing(q)]
    if _AGE.search(question):  # "aged 13", "13 years old", "at 13,": an age, not "one hand"
        return [q for q in found if q.bare or (q.after and q.after[0] in _AGE_AFTER)
                or q.before[-1:] in (["aged"], ["age"]) or q.before[-2:] == ["age", "of"]]
    if _SHARE.search(question):
        return [q for q in found if q.is_percent or (q.after and q.after[0] in ("percent", "per"))]
    if _MEASURED.search(question):
        return [q for q in found if _counts_nothing(q) or (q.after and q.after[0] in MEASURES)]
    return found


def _counts_nothing(q: Quantity) -> bool:
    """A figure with a unit, or with no noun after it ("rose to 30,000.", "30,000 are"); "two of
    them" counts them."""
    return q.bare or bool(q.unit) or (bool(q.after) and q.after[0] in _FUNCTION and q.after[0] != "of")


def _new(span_text: str, question_words: set[str]) -> bool:
    """Does the span say something the question does not already say? A word that only extends a
    question word of four letters or more by at most three ("Veldish" for "Veld", "Ostran" for
    "Ostra") does not."""
    ws = [w for w in words(span_text) if w not in _FUNCTION]
    longer = [q for q in question_words if len(q) >= 4]

    def known(w: str) -> bool:
        return stem(w) in question_words or w in question_words or any(
            w.startswith(q) and len(w) - len(q) <= 3 for q in longer)

    return bool(ws) and not all(known(w) for w in ws)


def _candidates(info: QuestionInfo, sentence: str) -> list[tuple[int, int]]:
    """Spans of `sentence` holding a value of the asked kind that the question does not already hold."""
    qwords = _question_words(info)
    return [(a, b) for a, b in _spans(info.kind, sentence, info) if _new(sentence[a:b], qwords)]


def _question_words(info: QuestionInfo) -> set[str]:
    """The question's words and their stems: what a phrase must go beyond (`_new`)."""
    return {stem(w) for w in words(info.text)} | set(words(info.text))


def answer_phrase(info: QuestionInfo, sentence: str) -> str | None:
    """The verbatim phrase of `sentence` that answers `info`'s question, or None."""
    spans = _candidates(info, sentence)
    if not spans:
        return None
    if info.kind == PERSON and len(spans) > 1:
        names = list(dict.fromkeys(sentence[a:b] for a, b in sorted(spans)))[:4]  # each name once
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return _nearest(info, sentence, spans)


def _nearest(info: QuestionInfo, sentence: str, spans: list[tuple[int, int]]) -> str:
    """The candidate nearest to the question's own words in the sentence (the first if none is there)."""
    anchors = [m.start() for m in re.finditer(r"[^\W_]+", sentence) if stem(fold(m.group(0))) in info.term_set]
    if not anchors:
        a, b = spans[0]
        return sentence[a:b]
    a, b = min(spans, key=lambda s: min(abs(s[0] - x) for x in anchors))
    return sentence[a:b]


_AT_PLACE = re.compile(r"\b(?:in|at|near|outside|across)\s+(?:the\s+)?$", re.I)
_POSSESSIVE = re.compile(r"[’']s$")


def _longer_name(word: str, texts: Sequence[str]) -> bool:
    """Does a text name `word` as the last word of a longer name ("Ana Vel" for "Vel")?"""
    for text in texts:
        for m in _CAPS.finditer(text):
            tokens = [t for t in m.group(0).split() if t.lower() not in _FUNCTION]
            if len(tokens) >= 2 and _POSSESSIVE.sub("", tokens[-1]).rstrip(".,") == word:
                return True
    return False


def stated_phrase(info: QuestionInfo, sentence: str, others: Sequence[str] = ()) -> str | None:
    """The answer phrase of `sentence` if it is fit to be said as *the* answer, or None.

    `answer_phrase` casts wide on purpose (the scorer and the evidence rules ask "does this sentence
    name anyone new?"). Said first, as the answer, a phrase is a claim of its own, so for "who" and
    "where" questions it is held to more: a sentence that leaves more than two candidate names says
    who or where only to a reader, so no phrase is stated ("A, B, C and D" is a guess); for "who", a
    name standing after "in", "at", "near", "outside" or "across" is where, not who, and a possessive
    is the name ("Ana Vel's" -> "Ana Vel"); and a lone capitalised word is no one unless the
    sentence or one of the `others` (the answer's other quotes) gives it as the end of a longer name
    ("Vel" after "Ana Vel"): alone it is as often a place, a people or a thing ("fled to Vessmark, forced
    out by Ana Vel" says "Ana Vel", not "Vessmark and Ana Vel"). Other kinds keep `attached_phrase`.
    """
    if info.kind not in (PERSON, PLACE):
        return attached_phrase(info, sentence)
    spans = _candidates(info, sentence)
    if info.kind == PERSON:
        spans = [(a, b) for a, b in spans if not _AT_PLACE.search(sentence[:a])]
    names = list(dict.fromkeys(_POSSESSIVE.sub("", sentence[a:b]) for a, b in sorted(spans)))
    if not names or len(names) > MAX_STATED_NAMES:
        return None
    if info.kind == PERSON:  # after the count: a lone word still makes a sentence's list a guess
        names = [n for n in names if " " in n or _longer_name(n, [sentence, *others])]
        if not names:
            return None
    return " and ".join(names) if info.kind == PERSON else _nearest(info, sentence, spans)


def has_value(info: QuestionInfo, phrase: str) -> bool:
    """Does a phrase (a model's answer) hold a value of the kind the question asks for?"""
    if info.kind == PLACE:  # a bare phrase has no preposition before the place: "Vessby station"
        return bool(_spans_names("in " + phrase, place=True))
    return bool(_spans(info.kind, phrase, info)) or (info.kind == PERSON and bool(_spans_names(" " + phrase)))


_WH_OPENING = re.compile(
    r"^\s*(?:in|on|at|by|since|for|from|to)?\s*(?:when|where|who|whom|whose|which|what|how)\b"
    r"(?:\s+(?:year|years|date|day|month|time|period|many|much|long|far|old|often|percentage|proportion|number|"
    r"amount|share)\b)?(?:\s+of)?",
    re.I,
)


_AUXILIARY = re.compile(
    r"^(?:will|would|shall|should|did|does|do|is|are|was|were|has|have|had|can|could|may|might|must)\s+", re.I
)


def statement(question: str, phrase: str) -> str:
    """A rough declarative of a question with its answer phrase, for the claim check:
    "When did the bridge open?" + "4 May 1932" -> "the bridge open 4 May 1932"."""
    body = _WH_OPENING.sub("", question.strip()).strip().rstrip("?").strip()
    body = _AUXILIARY.sub("", body)  # "did the bridge open" -> "the bridge open": the subject first
    return f"{body} {phrase}" if body else phrase


VALUED = (TIME, NUMBER, DURATION)  # kinds whose values the claim check parses reliably


def attached_phrase(info: QuestionInfo, sentence: str) -> str | None:
    """The answer phrase of `sentence`, if the sentence attaches it to what the question asks about:
    "When will the summit open?" is not answered by the 2019 of "the summit follows their previous
    talks in 2019". For kinds other than dates and numbers the phrase is returned unchecked."""
    phrase = answer_phrase(info, sentence)
    if phrase is None or info.kind not in VALUED:
        return phrase
    return phrase if _attached(info, phrase, sentence) else None


def _attached(info: QuestionInfo, phrase: str, sentence: str) -> bool:
    """Does the sentence (not a bare date line) attach the value to what the question asks about?"""
    return not bare_value(sentence) and attached(statement(info.original or info.text, phrase), sentence)


def fit_to_state(info: QuestionInfo, phrase: str, sentence: str, others: Sequence[str] = ()) -> bool:
    """Is a phrase that a model copied from `sentence` fit to be said as the answer? It must pass
    what the extractive answer's own phrase passes (`stated_phrase`): it says something the
    question does not ("Vessmark [1]" for "Which mayor of Vessmark resigned?" repeats the question);
    a date, number or duration must be attached to what the question asks about (`attached_phrase`:
    "2019" of "their previous meeting took place in 2019" does not date the next one); and for "who",
    a name after "in" or "at" is where, and a lone capitalised word is someone only as the end of a
    longer name in the sentence or the `others` (the answer's other quotes)."""
    if not _new(phrase, _question_words(info)):
        return False
    if info.kind in VALUED:
        return _attached(info, phrase, sentence)
    if info.kind != PERSON:
        return True
    at = sentence.find(phrase)
    if at > 0 and _AT_PLACE.search(sentence[:at]):
        return False
    names = [_POSSESSIVE.sub("", n.strip()) for n in re.split(r",|\band\b", phrase) if n.strip()]
    return any(" " in n or _longer_name(n, [sentence, *others]) for n in names)
