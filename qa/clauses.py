"""Clauses and values of a sentence, for the claim check (`qa.claims`): a light segmentation with no parser.

Tokens keep their order and sentence; values (dates, years, numbers, number words, ordinals, names) are
found first so that the commas inside "Monday, May 3, 1811" cut no clause; verbs are told by form;
clauses are cut at punctuation, relative pronouns, subordinators and "and/but" before a new clause, then
merged where a piece cannot stand alone (see `_segments`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .lexicon import (
    IRREGULAR,
    MONTH_NUMBERS,
    NEGATIONS,
    NUMBER_WORDS,
    ORDINALS,
    QUESTION_WORDS,
    SCALES,
    STOPWORDS,
    word_list,
)
from .lexicon import WEEKDAYS as WEEKDAY_NAMES
from .text import fold, stem

WEEKDAYS = frozenset(WEEKDAY_NAMES)  # a set: `_values` takes set differences with it
_ORDINALS = {w: i for i, w in enumerate(ORDINALS)}
# "one" is mostly a pronoun and "first" a paraphrase ("the first to ..."): not values to insist on
_SOFT_NUMBERS = frozenset({"one", "first", "second"})
_CONNECT = frozenset({"of", "de", "la", "le", "von", "van", "der", "du", "al", "el", "da", "di", "&"})
AUX = frozenset(word_list("is are was were be been being am has have had will would shall should can could may "
                       "might must do does did"))
_DETERMINERS = frozenset(word_list("the a an his her its their this that these those our my your each every no "
                                "any some"))
_NOT_VERBS = frozenset(word_list(
    "hundred indeed need speed seed breed creed greed bed shed red sled during including according regarding "
    "concerning nothing something anything everything thing king morning evening spring string ring ceiling wing"))
_IRREGULAR_PAST = frozenset(k for k in IRREGULAR if k not in {"men", "women", "children", "people"}) | {
    "set", "put", "cut", "became", "began", "ran", "won", "led", "held", "made", "rose", "fell", "grew", "lay"}
PREPOSITIONS = frozenset(word_list(
    "in on at from to during by for with since until till after before between within into near over under "
    "through throughout across around against among along beside except via amid toward towards upon"))
SUBORDINATORS = frozenset(word_list(
    "who whom whose which where while when whereas although though because that unless whether"))
# "after/before/since/until" open a clause only when one follows; a verbless rest joins the clause before
_CLAUSE_PREPS = frozenset({"after", "before", "since", "until"})
_COORDINATORS = frozenset({"and", "but", "or", "nor"})
# reporting verbs are stopwords for retrieval, but who reported what, when, matters here
# prepositions and subordinators are never a clause's subject, whatever the stopword list says
FUNCTION_WORDS = PREPOSITIONS | SUBORDINATORS | _CLAUSE_PREPS | {"also", "however", "then", "thus"}
_REPORTING = frozenset({"say", "says", "said", "tell", "told", "report", "reports", "reported"})
PRONOUNS = frozenset(["he", "she", "it", "they", "we", "i", "you", "there"])
_BOUNDARY_PUNCT = frozenset(",;:()[]—–")
NEGATION = re.compile(rf"^(?:{'|'.join(NEGATIONS)}|n't)$")
NEUTRAL_AFTER = {"not": {"only", "until", "till"}, "no": {"doubt", "less", "more", "fewer"}}

_TOKEN = re.compile(r"\d+[A-Z][A-Za-z]*\b|\d+(?:,\d{3})*(?:\.\d+)?|[^\W\d_]+(?:['’][^\W\d_]+)?|n['’]t|\S", re.UNICODE)


@dataclass
class Tok:
    text: str
    low: str  # folded
    stem: str  # "" for punctuation and stopwords
    sent: int  # sentence index
    space_before: bool
    value: int = -1  # index of the value it belongs to, -1 if none
    verb: bool = False
    name: bool = False  # part of a name


@dataclass
class Value:
    kind: str  # "date" | "year" | "number" | "name"
    key: frozenset[str]  # date parts, the number, or the name's words
    first: int  # token indexes [first, last]
    last: int
    soft: bool = False  # a number word that may be a paraphrase


@dataclass
class Parsed:
    toks: list[Tok]
    values: list[Value]
    seg: list[int] = field(default_factory=list)  # merged clause of each token
    raw: list[int] = field(default_factory=list)  # raw clause of each token (brackets join their head)
    gov: dict[int, str] = field(default_factory=dict)  # clause -> stem of the verb governing it ("said that")


def _tokenize(text: str) -> list[Tok]:
    toks: list[Tok] = []
    sent = 0
    prev_end = 0
    for m in _TOKEN.finditer(text):
        t = m.group(0)
        if t in {"’s", "'s"}:
            prev_end = m.end()
            continue
        if re.fullmatch(r"[^\W\d_]+['’]s", t):  # possessive: "Ada's" -> "Ada"
            t = t[:-2]
        low = fold(t)
        w = low.replace("’", "'")
        st = ""
        content = (w not in STOPWORDS or w in _REPORTING) and w not in QUESTION_WORDS
        if re.match(r"\w", t) and content and (len(w) > 1 or t[0].isdigit()):
            st = _number_key(w) if t[0].isdigit() else stem(w)
        toks.append(Tok(t, w, st, sent, m.start() > prev_end))
        prev_end = m.end()
        if t in {".", "!", "?"} and not (len(toks) > 1 and len(toks[-2].text) == 1 and toks[-2].text.isupper()):
            sent += 1
    return toks


def _number_key(w: str) -> str:
    return w.replace(",", "")


def is_cap(t: Tok) -> bool:
    return t.text[:1].isupper() and t.low not in STOPWORDS and t.low not in MONTH_NUMBERS and t.low not in WEEKDAYS


def _values(toks: list[Tok], capitalised: set[str]) -> list[Value]:
    """Dates, years, numbers and names, in order; each token belongs to at most one value."""
    values: list[Value] = []
    n = len(toks)
    i = 0

    def initial(k: int) -> bool:
        return k == 0 or toks[k - 1].sent != toks[k].sent or toks[k - 1].text in {'"', "“", "(", "["}

    while i < n:
        t = toks[i]
        j = i
        month_next = t.text.isdigit() and i + 1 < n and toks[i + 1].low in MONTH_NUMBERS
        if t.low in MONTH_NUMBERS or t.low in WEEKDAYS or month_next:
            parts: set[str] = set()
            while j < n:
                x = toks[j]
                if x.low in MONTH_NUMBERS or x.low in WEEKDAYS:
                    parts.add(x.low)
                elif x.text.isdigit() and len(x.text) <= 2 and int(x.text) <= 31:
                    parts.add(f"d{int(x.text)}")
                elif x.text.isdigit() and len(x.text) == 4:
                    parts.add(x.text)
                elif x.text == "," and j + 1 < n and (toks[j + 1].text.isdigit() or toks[j + 1].low in MONTH_NUMBERS):
                    pass
                else:
                    break
                j += 1
            if j > i and (parts - WEEKDAYS or len(parts) == 1):
                if t.low == "may" and len(parts) == 1:  # the modal, not the month
                    i += 1
                    continue
                values.append(Value("date", frozenset(parts), i, j - 1))
                i = j
                continue
            j = i
        if t.text[0].isdigit() and not re.search(r"[A-Z]", t.text):
            key = _number_key(t.low)
            if j + 1 < n and toks[j + 1].low in SCALES:
                key += " " + toks[j + 1].low
                j += 1
            kind = "year" if re.fullmatch(r"1\d{3}|20\d{2}", key) else "number"
            if j + 1 < n and toks[j + 1].low in {"st", "nd", "rd", "th"} and not toks[j + 1].space_before:
                kind, key, j = "ordinal", key + "th", j + 1
            values.append(Value(kind, frozenset({key}), i, j))
            i = j + 1
            continue
        if t.low in NUMBER_WORDS or t.low in _ORDINALS or (t.low in SCALES and not (i and toks[i - 1].value >= 0)):
            num = NUMBER_WORDS.get(t.low, _ORDINALS.get(t.low, 1 if t.low in SCALES else 0))
            scale = ""
            while j + 1 < n and toks[j + 1].low in SCALES:
                j += 1
                scale = toks[j].low if toks[j].low != "hundred" else scale
                num *= 100 if toks[j].low == "hundred" else 1
            key = f"{num}{'th' if t.low in _ORDINALS else ''}{' ' + scale if scale else ''}"
            kind = "ordinal" if t.low in _ORDINALS else "number"
            values.append(Value(kind, frozenset({key}), i, j, soft=t.low in _SOFT_NUMBERS and j == i))
            i = j + 1
            continue
        if is_cap(t) and (not initial(i) or t.low in capitalised or (i + 1 < n and is_cap(toks[i + 1]))):
            while j + 1 < n:
                nxt = toks[j + 1]
                glued = nxt.text[0].isdigit() and bool(re.search(r"[A-Z]", nxt.text))  # "Relay 3B"
                if (is_cap(nxt) or glued) and toks[j].sent == nxt.sent:
                    j += 1
                elif (nxt.text == "-" and not nxt.space_before and j + 2 < n and not toks[j + 2].space_before) or (
                        nxt.text == "." and len(toks[j].text) <= 2 and j + 2 < n and is_cap(toks[j + 2])):
                    j += 2
                elif (nxt.low in _CONNECT or (nxt.low == "the" and toks[j].low == "of")) and j + 2 < n and (
                        is_cap(toks[j + 2]) or toks[j + 2].low in _CONNECT):
                    j += 1
                else:
                    break
            while j > i and (toks[j].low in _CONNECT or toks[j].text in {"-", "."}):
                j -= 1
            if toks[j].low in _CONNECT:  # a lone connecting word ("El" alone) names nothing
                i += 1
                continue
            words = frozenset(x.low for x in toks[i:j + 1] if x.stem or (x.text[:1].isupper() and len(x.text) == 1))
            values.append(Value("name", words, i, j))
            i = j + 1
            continue
        i += 1
    for k, v in enumerate(values):
        for x in range(v.first, v.last + 1):
            toks[x].value = k
            toks[x].name = v.kind == "name"
    return values


def _mark_verbs(toks: list[Tok]) -> None:
    for i, t in enumerate(toks):
        w = t.low
        prev = toks[i - 1].low if i else ""
        if t.value >= 0 or not re.fullmatch(r"[a-z]+", w) or prev == "to" or w in _NOT_VERBS:
            continue
        if (t.text[:1].isupper() and i and toks[i - 1].sent == t.sent) and w not in AUX:
            continue
        if w in AUX or w in _IRREGULAR_PAST:
            t.verb = prev not in _DETERMINERS
        elif (w.endswith("ed") and len(w) > 4) or (w.endswith("ing") and len(w) > 5):
            initial = i == 0 or toks[i - 1].sent != t.sent
            t.verb = prev not in _DETERMINERS and prev not in PREPOSITIONS and not (initial and w.endswith("ing"))
    # the plain verb after an auxiliary: "would become", "did not lead"
    for i, t in enumerate(toks):
        if t.verb and t.low in AUX:
            k = i + 1
            while k < len(toks) and (toks[k].low in AUX or toks[k].low in {"not", "never", "also", "still"}
                                     or (toks[k].low.endswith("ly") and len(toks[k].low) > 4)):
                k += 1
            if k < len(toks) and toks[k].stem and toks[k].value < 0 and re.fullmatch(r"[a-z]+", toks[k].text):
                toks[k].verb = True


def _segments(toks: list[Tok]) -> tuple[list[int], list[int], dict[int, str]]:
    """(merged clause, raw clause) index of every token."""
    n = len(toks)
    raw = [0] * n
    cur = 0
    depth_seg: list[int] = []
    bracket_of: dict[int, int] = {}  # bracket clause -> clause it is inside
    next_id = 1
    for i, t in enumerate(toks):
        new = False
        if i and toks[i - 1].sent != t.sent:
            new = True
        elif t.value >= 0 and i and toks[i - 1].value == t.value:
            new = False
        elif t.text in {"(", "["}:
            depth_seg.append(cur)
            cur = next_id
            bracket_of[cur] = depth_seg[-1]
            next_id += 1
            raw[i] = cur
            continue
        elif t.text in {")", "]"} and depth_seg:
            raw[i] = cur
            cur = depth_seg.pop()
            continue
        elif t.text in _BOUNDARY_PUNCT and not (
                t.text in "–—" and i and toks[i - 1].value >= 0 and i + 1 < n and toks[i + 1].value >= 0):
            new = True
        elif t.low in SUBORDINATORS or t.low in _CLAUSE_PREPS:
            new = not (i and toks[i - 1].low in SUBORDINATORS)  # "in which": one clause
            if i and toks[i - 1].low in PREPOSITIONS | {",", ";"} and t.low in SUBORDINATORS:
                new = True
        elif t.low in _COORDINATORS and i + 1 < n:
            nxt = toks[i + 1]
            if i + 3 < n and toks[i + 2].text == "-" and len(nxt.low) <= 3:
                nxt = toks[i + 3]  # "and re-opened"
            new = nxt.low in _DETERMINERS | PRONOUNS | PREPOSITIONS | AUX or nxt.verb
        if new and i:
            cur = next_id
            next_id += 1
        raw[i] = cur
    # merging works on clause ids in order of first appearance (brackets kept apart)
    order = list(dict.fromkeys(raw))
    members: dict[int, list[int]] = {s: [i for i in range(n) if raw[i] == s] for s in order}

    def content(s: int) -> bool:
        return any(toks[i].stem and (toks[i].value < 0 or toks[i].name) for i in members[s])

    def has_verb(s: int) -> bool:
        return any(toks[i].verb for i in members[s])

    def has_time(s: int) -> bool:
        return any(toks[i].value >= 0 and not toks[i].name and toks[i].text[:1].isdigit() for i in members[s])

    def verb_initial(s: int) -> bool:
        words = [toks[i] for i in members[s] if re.match(r"\w", toks[i].text)]
        return bool(words) and words[0].verb

    def opener(s: int) -> str:
        words = [toks[i].low for i in members[s] if re.match(r"\w", toks[i].text)]
        if words and words[0] in _COORDINATORS and len(words) > 1:
            return words[1]
        return words[0] if words else ""

    merged = {s: s for s in order}
    main = [s for s in order if s not in bracket_of]
    # a verbless clause opening with a preposition (", in 1930") joins the clause before it
    for k in range(1, len(main)):
        s = main[k]
        # to the nearest clause before it with a verb ("served as ..., the forerunner of ..., from 1811")
        before = [merged[x] for x in main[:k] if toks[members[x][0]].sent == toks[members[s][0]].sent]
        if not before or toks[members[s][0]].text in {":", ";"}:
            continue  # a sentence's opening "On her birthday in 1811," joins what follows (below)
        prev = next((x for x in reversed(before) if has_verb(x)), before[-1])
        nxt = main[k + 1] if k + 1 < len(main) else None
        nxt_words = [toks[i] for i in members[nxt] if re.match(r"\w", toks[i].text)] if nxt is not None else []
        if nxt_words and nxt_words[0].verb and toks[members[nxt][0]].sent == toks[members[s][0]].sent:
            continue  # "..., and, on 3 May, was elected": the adverbial goes with the verb after it
        if not has_verb(s) and opener(s) in PREPOSITIONS and toks[members[s][0]].sent == toks[members[prev][0]].sent:
            members[prev] = members[prev] + members[s]
            for a, b in merged.items():
                if b == s:
                    merged[a] = prev
    main = [s for s in main if merged[s] == s]
    # a clause with no content word of its own ("In 1931,") joins the next one, until the result has a verb
    carry: set[int] = set()
    for k in range(len(main) - 1):
        s, nxt = main[k], main[k + 1]
        first = k == 0 or toks[members[main[k - 1]][0]].sent != toks[members[s][0]].sent or (
            members[s][0] > 0 and toks[members[s][0] - 1].text in {":", ";"}) or toks[members[s][0]].text in {":", ";"}
        if toks[members[s][0]].sent == toks[members[nxt][0]].sent and (
                not content(s) or (s in carry and not has_verb(s))
                or (not has_verb(s) and opener(s) in PREPOSITIONS and (first or verb_initial(nxt)))
                or (first and not has_verb(s) and has_time(s))):  # "Later, in May 1811, X said"
            members[nxt] = members[s] + members[nxt]
            carry.add(nxt)
            for a, b in merged.items():
                if b == s:
                    merged[a] = nxt
    seg = [merged[raw[i]] if raw[i] not in bracket_of else raw[i] for i in range(n)]
    # "declared that 1811 was ...": the verb that governs a that-clause counts as the clause's own
    gov: dict[int, str] = {}
    for i, t in enumerate(toks):
        if t.low == "that" and i and toks[i - 1].verb and toks[i - 1].stem and seg[i] != seg[i - 1]:
            gov[seg[i]] = toks[i - 1].stem
    # a bracket's raw clause includes the word or name just before it ("Oslo (82)")
    raw_out = list(raw)
    for b in bracket_of:
        first = min(i for i in range(n) if raw[i] == b)
        if first > 0:
            head = toks[first - 1]
            lo = first - 1 if head.value < 0 else min(i for i in range(n) if toks[i].value == head.value)
            for i in range(lo, first):
                raw_out[i] = b  # the head word now belongs to the bracket's raw clause (for pairing)
    return seg, raw_out, gov


@lru_cache(maxsize=4096)
def parse(text: str, capitalised: frozenset[str] = frozenset()) -> Parsed:
    toks = _tokenize(text)
    caps = set(capitalised) | {t.low for i, t in enumerate(toks) if i and toks[i - 1].sent == t.sent and is_cap(t)}
    values = _values(toks, caps)
    _mark_verbs(toks)
    seg, raw, gov = _segments(toks)
    return Parsed(toks, values, seg, raw, gov)
