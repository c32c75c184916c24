"""Reading values out of sentences and normalising them, so that two wordings can be compared.

The one place for the vocabulary of values: number words of any size ("nine", "twenty-one",
"two hundred thousand"), magnitudes ("1.5bn", "3m", "2 million"), currencies ("$", "€", "£",
"dollars", "euros"), percentages ("40%", "40 per cent"), month and weekday names, dates
("5 March", "March 5-7") and durations ("three years", "36 months"). Other modules should take
month names and number words from here.

A `Quantity` keeps the number as written and as a float, its currency or "%" if any, the words
around it (for matching it to what a question counts) and its qualifier ("at least", "about").
`same_quantity` decides whether two quantities can be the same figure: "nine" and 9, "$1.5
billion" and "1.5bn dollars" are; "at least 9" and "12" are not (two reports of a figure that
differ), "about 1,200" and "1,190" are (an approximate figure within 5%).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .lexicon import MONTH_PATTERN, MONTHS, NUMBER_WORDS, ORDINALS, SCALES, STOPWORDS, WEEKDAYS, word_list
from .text import fold
from .tuning import APPROX_TOLERANCE

_MULTIPLIERS = SCALES | {"k": 1_000, "m": 1_000_000, "mn": 1_000_000, "mln": 1_000_000, "bn": 10**9, "tn": 10**12}

_WORD = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_WORD_NUMBER = (
    rf"(?:(?:{_WORD})(?:[- ](?:{_WORD}))?|an?(?=\s+(?:hundred|thousand)\b))"
    rf"(?:\s+(?:and\s+)?(?:hundred|thousand|{_WORD})(?:[- ](?:{_WORD}))?)*"
)
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"

CURRENCY_SYMBOLS = {"$": "USD", "us$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP",
                    "¥": "JPY", "chf": "CHF", "c$": "CAD", "ca$": "CAD", "cad": "CAD", "a$": "AUD", "au$": "AUD",
                    "aud": "AUD", "nz$": "NZD", "hk$": "HKD", "s$": "SGD", "sek": "SEK", "nok": "NOK",
                    "dkk": "DKK", "jpy": "JPY"}  # fmt: skip
# "Canadian dollars", "Swiss francs": the adjective decides the currency
CURRENCY_ADJECTIVES = {"us": "USD", "u.s.": "USD", "american": "USD", "canadian": "CAD", "australian": "AUD",
                       "new zealand": "NZD", "hong kong": "HKD", "singapore": "SGD", "swiss": "CHF",
                       "swedish": "SEK", "norwegian": "NOK", "danish": "DKK", "japanese": "JPY",
                       "chinese": "CNY", "indian": "INR", "british": "GBP"}  # fmt: skip
CURRENCY_WORDS = {
    "dollar": "USD",
    "euro": "EUR",
    "pound": "GBP",
    "sterling": "GBP",
    "yen": "JPY",
    "franc": "CHF",
    "yuan": "CNY",
    "rupee": "INR",
    "krona": "SEK",
    "kronor": "SEK",
    "krone": "NOK",
    "kroner": "NOK",
}
_CUR_BEFORE = r"(?P<cur>(?:us|c|ca|a|au|nz|hk|s)?\$|€|£|¥|usd|eur|gbp|chf|cad|aud|sek|nok|dkk|jpy)\s?"
_MULT = r"(?:\s?(?P<mult>bn|mn|mln|tn|k|m)\b|\s+(?P<scale>hundred|thousand|million|billion|trillion)s?\b)?"
_PCT = r"(?:\s?(?P<pct>%|per\s?cent\b|percent\b|percentage points?\b))?"
_QUANTITY = re.compile(
    rf"(?<![\w.,:$€£¥])(?:(?<![\w$])(?:{_CUR_BEFORE}))?(?P<num>{_DIGITS}|{_WORD_NUMBER}|an?(?=\s+(?:million|billion)))"
    rf"(?!(?!(?:bn|mn|mln|tn|k|m)\b)[\w:]|[.,]\d){_MULT}{_PCT}",
    re.I,
)
_CUR_AFTER = re.compile(
    r"^\s*(?:(us|u\.s\.|american|canadian|australian|new zealand|hong kong|singapore|swiss|swedish|norwegian|"
    r"danish|japanese|chinese|indian|british)\s+)?(dollars?|euros?|pounds?(?:\s+sterling)?|sterling|yen|"
    r"francs?|yuan|rupees?|kronor|krona|kroner|krone)\b",
    re.I,
)
QUALIFIERS = {
    "at least": "min",
    "more than": "min",
    "over": "min",
    "upwards of": "min",
    "in excess of": "min",
    "no fewer than": "min",
    "no less than": "min",
    "at most": "max",
    "up to": "max",
    "fewer than": "max",
    "less than": "max",
    "under": "max",
    "no more than": "max",
    "nearly": "approx",
    "almost": "approx",
    "about": "approx",
    "around": "approx",
    "roughly": "approx",
    "approximately": "approx",
    "some": "approx",
    "close to": "approx",
    "an estimated": "approx",
    "estimated": "approx",
    "an": "",
}
_QUALIFIER = re.compile(r"\b(" + "|".join(sorted(QUALIFIERS, key=len, reverse=True)) + r")\s*$", re.I)
_TOKEN = re.compile(r"[^\W_]+(?:[’'-][^\W_]+)*")


def words_to_number(text: str) -> float | None:
    """'twenty-one' -> 21, 'two hundred and five thousand' -> 205000, 'a hundred' -> 100; None if not a number."""
    total, current, seen = 0, 0, False
    for w in re.split(r"[\s-]+", text.lower().strip()):
        if w in ("and", ""):
            continue
        if w in ("a", "an") and not seen:
            current, seen = 1, True
        elif w in NUMBER_WORDS:
            current += NUMBER_WORDS[w]
            seen = True
        elif w == "hundred":
            current = (current or 1) * 100
            seen = True
        elif w in SCALES:
            total += (current or 1) * SCALES[w]
            current, seen = 0, True
        else:
            return None
    return float(total + current) if seen else None


def parse_number(text: str) -> float | None:
    """A number as written in digits or words: '1,200' -> 1200, '1.5' -> 1.5, 'nine' -> 9."""
    t = text.strip()
    if re.fullmatch(_DIGITS, t):
        return float(t.replace(",", ""))
    return words_to_number(t)


@dataclass
class Quantity:
    """A number in a sentence, normalised: `value` in units (1.5bn -> 1.5e9), `currency` ("USD")
    or "%" in `unit`, `bound` "" / "min" / "max" / "approx", and the words after and before it."""

    value: float
    text: str  # as written, with its qualifier, currency and unit noun
    start: int
    end: int
    unit: str = ""  # "USD", "EUR", "%" or ""
    bound: str = ""
    after: list[str] = field(default_factory=list)  # the next words (folded), e.g. ["people", "died"]
    before: list[str] = field(default_factory=list)  # the previous words (folded), nearest last
    bare: bool = False  # punctuation or the end follows: "the toll rose to 12."

    @property
    def is_money(self) -> bool:
        return self.unit not in ("", "%")

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"


def _is_year(m: re.Match, text: str) -> bool:
    num = m.group("num")
    if m.group("cur") or m.group("mult") or m.group("scale") or m.group("pct") or not re.fullmatch(r"\d{4}", num):
        return False
    return 1800 <= int(num) <= 2100  # older years: `year_spans`, which `quantities` skips


# A reference mark of a saved web page or a paper ("[7]", "[note 3]", "[12a]") counts nothing.
_FOOTNOTE = re.compile(r"\[(?:[a-z]+\s+)?\d+[a-z]?\]", re.I)


def quantities(text: str) -> list[Quantity]:
    """The counts, amounts and percentages of a sentence (not years, dates, times or ordinals)."""
    skip = [*date_spans(text), *year_spans(text), *(m.span() for m in _FOOTNOTE.finditer(text))]
    out: list[Quantity] = []
    for m in _QUANTITY.finditer(text):
        if any(a <= m.start("num") < b for a, b in skip) or _is_year(m, text):
            continue
        num = m.group("num")
        value = parse_number(num) if num.lower() not in ("a", "an") else 1.0
        if value is None:
            continue
        if num.lower() == "one" and re.match(r"\s+of\b", text[m.end("num") :]):
            continue  # "one of the victims" is no count
        unit = CURRENCY_SYMBOLS.get((m.group("cur") or "").lower(), "")
        end = m.end()
        scale = (m.group("scale") or "").lower()
        if m.group("mult"):
            # "300m" is 300 million only as money ("€300m"); otherwise it may be metres
            if not unit and not _CUR_AFTER.match(text[end:]):
                end = m.end("num")
            else:
                scale = m.group("mult").lower()
        if scale:
            value *= _MULTIPLIERS[scale]
        if m.group("pct"):
            unit = "%"
        elif not unit:
            cm = _CUR_AFTER.match(text[end:])
            if cm:
                word = cm.group(2).lower().split()[0]
                unit = CURRENCY_WORDS.get(word, CURRENCY_WORDS.get(word.rstrip("s"), ""))
                if cm.group(1):
                    unit = CURRENCY_ADJECTIVES.get(cm.group(1).lower(), unit)
                end += cm.end()
        start = m.start()
        bound = ""
        q = _QUALIFIER.search(text[max(0, start - 25) : start])
        if q:
            bound = QUALIFIERS[q.group(1).lower()]
            if bound:
                start = max(0, start - 25) + q.start()
        after = [w.lower() for w in _TOKEN.findall(text[end : end + 60])][:4]
        before = [w.lower() for w in _TOKEN.findall(text[max(0, start - 200) : start])][-20:]
        bare = not re.match(r"\s*[^\W\d_]", text[end:])  # "risen to 12, officials said": nothing counted
        shown_end = end
        if after and not unit and after[0] not in STOPWORDS:  # "12 people", "nine deaths": what it counts
            nm = _TOKEN.search(text, end)
            if nm and nm.start() - end <= 2 and not text[end : nm.start()].strip():
                shown_end = nm.end()
        out.append(Quantity(value, text[start:shown_end].strip(), start, shown_end, unit, bound, after, before, bare))
    return out


def same_quantity(a: Quantity, b: Quantity) -> bool:
    """Can these be the same figure? Units must match (a currency, "%", or none); a figure given
    as approximate matches within 5%; otherwise the numbers must be equal. A qualifier does not
    widen the match: "at least 9" and "12" are two different reports of the toll."""
    if a.unit != b.unit and a.unit and b.unit:
        return False
    if a.value == b.value:
        return True
    if "approx" in (a.bound, b.bound):
        return abs(a.value - b.value) <= APPROX_TOLERANCE * max(abs(a.value), abs(b.value))
    return False


def comparable(a: Quantity, b: Quantity) -> bool:
    """Are these the same kind of figure (both money in one currency, both percentages, both counts)?"""
    return a.unit == b.unit or (not a.is_percent and not b.is_percent and "" in (a.unit, b.unit))


# -- dates -------------------------------------------------------------------------------------

_MD = re.compile(
    rf"\b{MONTH_PATTERN}\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:\s*(to|-|–|and|through)\s*(\d{{1,2}})\b)?\b", re.I
)
_DM = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?:\s*(to|-|–)\s*(\d{{1,2}}))?\s+(?:of\s+)?{MONTH_PATTERN}", re.I)
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b", re.I)
# What follows a bare year rather than a count: punctuation, the end, or a function word ("in 911 as
# a fief", "1234, conquering"); a count is followed by what it counts ("1500 soldiers").
_AFTER_YEAR = re.compile(
    r"^(?:\s*(?:[,.;:)\]–-]|$)|\s+(?:as|and|or|when|while|after|before|until|to|the|a|an|in|on|at|by|for|with|"
    r"from|of|he|she|it|they|his|her|its|their|this|that|which|who|was|were|is|had|has)\b)",
    re.I,
)
_BEFORE_YEAR = re.compile(r"\b(?:in|since|until|till|circa|c\.)\s+$", re.I)


_YEAR_LIKE = re.compile(r"(?<![\d.,$€£¥])\b(\d{3,4})\b(?![.,]\d|%)(?:\s*(BC|BCE|AD|CE)\b)?")
_YEAR_PREP = re.compile(
    r"\b(?:in|since|until|till|by|from|circa|c\.|around|before|after|between|of the year)\s+$", re.I
)
_ERA_BEFORE = re.compile(r"\b(?:AD|CE)\s+$")
_RANGE_NEXT = re.compile(r"^\s*[–-]\s*\d{2,4}\b")
_CENTURY = re.compile(
    rf"\b(?:(?:early|mid|late)[- ])?(?:\d{{1,2}}(?:st|nd|rd|th)|{'|'.join(ORDINALS[1:])}|twenty-first)"
    r"[- ]centur(?:y|ies)(?:\s+(?:BC|BCE|AD|CE)\b)?",
    re.I,
)


def year_spans(text: str) -> list[tuple[int, int]]:
    """Where a text names a year of any era, or a century: `YEAR` (1800-2099, the years news
    compares) and also "in 1291", "(1249–1314)", "800 AD", "in 911, ...", "the 6th century BC".

    A three- or four-digit number before 1800 is a year only where it reads as one: an era beside it,
    a preposition of time before it ("in", "since", "by"), the start of a range ("1249–1314"), or, for
    a three-digit one after "in" or "since", nothing counted after it ("in 911 as", not "in 300 ships")."""
    spans = [m.span() for m in _CENTURY.finditer(text)]
    for m in _YEAR_LIKE.finditer(text):
        value, a = int(m.group(1)), m.start()
        if any(x <= a < y for x, y in spans) or not 100 <= value <= 2099:
            continue
        before, after = text[:a], text[m.end(1) :]
        four = len(m.group(1)) == 4
        if (
            m.group(2)
            or _ERA_BEFORE.search(before)
            or (four and value >= 1800)
            or (four and (_YEAR_PREP.search(before) or _RANGE_NEXT.match(after) or re.match(r"^\s*[,.;:)]", after)))
            or (_BEFORE_YEAR.search(before) and _AFTER_YEAR.match(after))
        ):
            spans.append(m.span())
    return sorted(spans)


def month_number(name: str) -> int:
    """'Sept.' -> 9, 'march' -> 3."""
    return MONTHS.index(next(m for m in MONTHS if m.startswith(name.lower().rstrip(".")[:3]))) + 1


def dates(text: str) -> set[tuple[int, int]]:
    """(month, day) pairs: 'September 10', '10 September', 'March 5 and 7' (two days), 'March 5-7'
    (each day of the range: a forum "from September 10 to 13" does not contradict "on September 11")."""
    out: set[tuple[int, int]] = set()
    for month, first, sep, last in [(m.group(1), m.group(2), m.group(3), m.group(4)) for m in _MD.finditer(text)] + [
        (m.group(4), m.group(1), m.group(2), m.group(3)) for m in _DM.finditer(text)
    ]:
        a, b = int(first), int(last) if last else int(first)
        days = range(a, b + 1) if sep and sep.lower() != "and" and a < b else {a, b}
        out.update((month_number(month), d) for d in days)
    return {(mo, d) for mo, d in out if 1 <= d <= 31}


def bare_value(text: str) -> bool:
    """Whether `text` holds nothing but dates and figures: a date line ("March 3, 2025") under a
    headline says when an article was written, not when anything in it happened."""
    rest = [w for w in re.findall(r"[^\W\d_]{3,}", text) if w.lower() not in MONTHS and w.lower() not in WEEKDAYS]
    return not rest


def date_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _MD.finditer(text)] + [m.span() for m in _DM.finditer(text)]


def format_date(month: int, day: int, year: int | None = None) -> str:
    return f"{day} {MONTHS[month - 1].capitalize()}" + (f" {year}" if year else "")


def format_published(published: str | None) -> str:
    """'2024-03-05' -> '5 March 2024'; other strings as they are."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2}).*", published or "")
    if not m:
        return published or ""
    return format_date(int(m.group(2)), int(m.group(3)), int(m.group(1)))


# -- durations ---------------------------------------------------------------------------------

_DURATION = re.compile(
    rf"\b(\d+(?:\.\d+)?|{_WORD_NUMBER}|a|an)[- ](years?|months?|weeks?|days?|hours?)\b",
    re.I,
)
_UNIT_MONTHS = {"year": 12.0, "month": 1.0, "week": 12 / 52, "day": 12 / 365, "hour": 12 / (365 * 24)}


def durations(text: str) -> set[float]:
    """Durations in months, rounded to 0.1: 'three years' and '36 months' both give 36.0."""
    out = set()
    for n, unit in _DURATION.findall(text):
        count = 1.0 if n.lower() in ("a", "an") else parse_number(n)
        if count is None:
            continue
        out.add(round(count * _UNIT_MONTHS[unit.lower().rstrip("s")], 1))
    return out


def describe_duration(months: set[float]) -> str:
    def one(m: float) -> str:
        if m >= 12 and m % 12 == 0:
            return f"{int(m // 12)} years"
        return f"{m:g} months"

    return ", ".join(one(m) for m in sorted(months))


# -- names and places ----------------------------------------------------------------------------

# Capitalised words that are titles or sentence furniture, not part of whom or where: "Chief
# Inspector Anna Berg" is Berg; "Police said" names nobody.
TITLE_WORDS = (
    frozenset(
        word_list(
            "mr mrs ms miss dr prof professor sir dame lord lady chief deputy acting inspector detective "
            "superintendent sergeant constable officer commissioner captain colonel general major lieutenant "
            "commander admiral minister secretary president vice prime chair chairman chairwoman chairperson "
            "director head mayor governor senator judge justice spokesman spokeswoman spokesperson ceo cfo "
            "chief executive founder manager editor reporter correspondent analyst expert investigator "
            "prosecutor attorney lawyer councillor councilor leader senior junior assistant police the a an "
            "this that these those it its he she they we i his her their our in on at of and but or as by "
            "for from to with after before when while if said says according also however meanwhile earlier "
            "later today yesterday tomorrow last next new no"
        )
    )
    | frozenset(MONTHS)
    | frozenset(WEEKDAYS)
)
_NOT_NAME = TITLE_WORDS | frozenset(NUMBER_WORDS) | frozenset(SCALES)
# a capitalised word, or a dotted initialism ("U.N.", "E.U.") read as one word
_CAP_WORD = r"(?:[A-Z](?:\.[A-Z])+\.?|[A-Z][\w’'-]*)"
_CAP_SEQ = re.compile(rf"\b{_CAP_WORD}(?:\s+(?:(?:de|van|von|da|del|der|la|le|bin|al)\s+)?{_CAP_WORD})*")
_PLACE_PREP = re.compile(
    r"\b(?i:in|at|near|from|to|into|onto|on|outside|across|off|towards?|beside)\s+(?:the\s+|an?\s+)?"
    r"(?:(?:[a-z]+\s+)?(?:village|town|city|hamlet|district|suburb|region|county|island|port|area|parish|edge|outskirts|"
    r"centre|center|heart|middle|north|south|east|west|coast|shore|banks?)\s+of\s+)?"
    r"(?=[A-Z])"
)


def _fold_token(t: str) -> str:
    t = fold(t).replace("’", "'").removesuffix("'s")
    return t.replace(".", "") if re.fullmatch(r"(?:[a-z]\.)+[a-z]?\.?", t) else t  # "u.n." -> "un"


# "an unnamed Veldish source", "the Ostrian news agency": one capitalised word with the shape of a
# nationality adjective, between two lower-case words, describes a noun; it names no one (a suffix
# test, because no list of nationalities could be complete)
_ATTRIBUTIVE = re.compile(r"(\b(?:[a-z]+|The|A|An),? )([A-Z][a-z]{3,}(?:ian|ean|ican|ese|ish))(?= [a-z])")


def names(text: str, exclude: set[str] | frozenset[str] = frozenset()) -> list[frozenset[str]]:
    """Capitalised names in a sentence, each as its set of folded words without titles and
    without the words in `exclude` (the question's own): "Chief Inspector Anna Berg" -> {anna, berg}.
    A lone nationality-shaped adjective before a noun ("the Veldish delegation") is not one."""
    out = []
    text = _ATTRIBUTIVE.sub(lambda m: m.group(1) + m.group(2).lower(), strip_dateline(text))
    for m in _CAP_SEQ.finditer(text):
        toks = {_fold_token(t) for t in re.split(r"[\s-]+", m.group(0)) if t}
        toks = {t for t in toks if t and t not in _NOT_NAME and t not in exclude and not t.isdigit()}
        if toks:
            out.append(frozenset(toks))
    return out


# "HARBOURTOWN — ", "RIVERDALE, March 3 — ": a news dateline names the place of writing, not a value
_DATELINE = re.compile(r"^\s*[A-Z][A-Z’'.-]+(?:[ -][A-Z][A-Z’'.-]+)*(?:,[^—–\n]{1,30})?\s+[—–-]+\s+")


def strip_dateline(text: str) -> str:
    """The sentence without its leading upper-case dateline, blanked so offsets keep."""
    m = _DATELINE.match(text)
    return " " * m.end() + text[m.end() :] if m else text


def places(text: str, exclude: set[str] | frozenset[str] = frozenset()) -> list[frozenset[str]]:
    """Names that follow a place preposition ("in", "at", "near", "from" ...)."""
    out = []
    text = strip_dateline(text)
    for m in _PLACE_PREP.finditer(text):
        seq = _CAP_SEQ.match(text, m.end())
        if seq:
            toks = {_fold_token(t) for t in re.split(r"[\s-]+", seq.group(0)) if t}
            toks = {t for t in toks if t and t not in _NOT_NAME and t not in exclude}
            if toks:
                out.append(frozenset(toks))
    return out


def same_name(a: frozenset[str], b: frozenset[str]) -> bool:
    """One person, organisation or place under two wordings: they share a word ("Berg", "Anna Berg")."""
    return bool(a & b)


def describe_name(text: str, name: frozenset[str]) -> str:
    """The name as written in `text` (its longest capitalised run holding the name's words)."""
    best = ""
    for m in _CAP_SEQ.finditer(text):
        toks = {_fold_token(t) for t in re.split(r"[\s-]+", m.group(0))}
        if name <= toks and len(m.group(0)) > len(best):
            best = m.group(0)
    return best or " ".join(sorted(name)).title()


# Nouns that count the same things, so "how many people" is answered by "nine victims" and
# "how many homes" by "300 houses" (general English; stemmed where used).
COUNTED_SYNONYMS = (
    "people person persons resident residents victim victims death deaths dead fatality fatalities life lives body "
    "bodies individual individuals inhabitant inhabitants villager villagers civilian civilians casualty casualties "
    "passenger passengers worker workers employee employees staff guest guests patient patients child children "
    "adult adults student students pupil pupils fan fans spectator spectators visitor visitors tourist tourists "
    "runner runners climber climbers hiker hikers walker walkers swimmer swimmers soldier soldiers firefighter "
    "firefighters miner miners crew man men woman women member members customer customers participant "
    "participants attendee attendees competitor competitors player players driver drivers rider riders "
    "injured wounded hurt",  # "23 injured" counts people
    "home homes house houses dwelling dwellings property properties building buildings household households "
    "flat flats apartment apartments residence residences",
    "job jobs position positions post posts",
    "vehicle vehicles car cars truck trucks lorry lorries",
)
TALLY_WORDS = ("toll", "total", "tally", "number", "count", "figure")
# Words that make a capitalised name an organisation, not a person ("the Harbour Workers' Union")
ORG_WORDS = frozenset(
    word_list(
        "party ministry agency council committee company group bank university college school news times "
        "post herald department office police court government union association institute corporation "
        "corp inc ltd plc llc service services authority board commission foundation trust "
        "fund club league team army navy force forces hospital church assembly parliament congress "
        "senate cabinet network channel radio tv press"
    )
)
TIME_UNITS = frozenset({"year", "month", "week", "day", "hour", "minut", "decad", "second"})
