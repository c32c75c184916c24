"""Claim-level checking: is each value an answer states attached, in the cited sentence, to what the answer
attaches it to?

Shared words are not enough: "The bridge opened in 1932" has every word in "The old ferry closed in 1932,
two years before the bridge opened.", yet the quote gives 1932 to the ferry. `attached(claim, quote)`
finds each value of the claim (a date, a year, a number, an amount, a name) in the quote and looks at the
clause around it. The clauses come from a light segmentation with no parser (none is available offline):
commas, semicolons, colons, dashes and brackets; relative pronouns and subordinators ("which", "who",
"while", "when", "after", "that", ...); "and"/"but"/"or" when a new clause follows. A clause with no
content word of its own ("In 1931,", "it was not until 1931") joins the next one; a verbless clause that
opens with a preposition (", in 1932") joins the one before it. Verbs are recognised by form alone:
auxiliaries, "-ed"/"-ing" forms not after a determiner, and common irregular past forms.

A value fails when, in the quote,
* its clause has its own subject, and the claim's subject is found elsewhere in the quote;
* the claim's main verb is found in another clause, and the value's clause has a verb of its own;
* the claim's other words are all found outside its clause, which says something else;
* it is a number whose neighbouring word in the claim ("900 *men*") belongs to another number in the quote;
* it is a number or date whose clause names a different date or agent than the claim pairs it with, or a
  number in brackets after a name the claim does not have ("A (at 3 million) and B (at 1 million)");
* it is the claim's subject, and the claim's verb has a different subject in the quote;
* it is a date standing by a verb of reporting ("On 5 May, the paper reported ..."), which dates the
  report, unless the claim or its question is about a report.
Besides, a claim and the clause that matches it best must agree on negation ("not until 1877" is no
negation), values on each side of "than" must be on the same sides, and a number word, ordinal, scaled
number ("4 million") or date part of the claim must be in the quote.

Everything here is lexical and general: no word list names a topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .clauses import (
    AUX,
    FUNCTION_WORDS,
    NEGATION,
    NEUTRAL_AFTER,
    PREPOSITIONS,
    PRONOUNS,
    SUBORDINATORS,
    Parsed,
    Tok,
    Value,
    is_cap,
    parse,
)
from .lexicon import STOPWORDS, word_list
from .text import SENTENCE_END, fold, stem


def _overlaps(a: Value, b: Value) -> bool:
    return a.kind == b.kind == "name" and bool(a.key & b.key) or _matches(a, b)


def _matches(cv: Value, qv: Value) -> bool:
    if cv.kind == "name" or qv.kind == "name":
        return cv.kind == qv.kind and cv.key <= qv.key
    if cv.kind == "date" or qv.kind == "date":
        ck, qk = (v.key if v.kind == "date" else v.key for v in (cv, qv))
        return bool(ck) and ck <= qk
    return cv.key == qv.key


def _negated(toks: list[Tok], idx: list[int], scope: set[str] | None = None) -> bool:
    """Is there a negation among these tokens (one that bears on `scope`'s words, when given)?"""
    words = [toks[i].low for i in idx]
    for k, w in enumerate(words):
        if NEGATION.match(w):
            rest = words[k + 1:]
            if rest and rest[0] in NEUTRAL_AFTER.get(w, ()):
                continue
            if w == "not" and any(x in {"until", "till"} for x in rest):
                continue  # "not until 1877 did it move": it moved in 1877
            after = [toks[i].stem for i in idx[k + 1:] if toks[i].stem][:3]
            if scope is not None and not scope & set(after):
                continue  # "sent home ... for not having a pass" does not deny the sending
            return True
    return False


@dataclass
class _Claim:
    p: Parsed
    subject: set[int]  # token indexes of the subject
    verb: str  # stem of the main verb, "" if none


def _claim(text: str, quote_caps: frozenset[str]) -> _Claim:
    p = parse(text, quote_caps)
    toks = p.toks
    start = 0
    if toks and toks[0].low in PREPOSITIONS | {"as", "starting", "under", "according"}:
        first_verb = next((i for i, t in enumerate(toks) if t.verb), len(toks))
        comma = next((i for i, t in enumerate(toks[:first_verb]) if t.text == ","), None)
        if comma is not None:
            start = comma + 1
        else:
            k = 1
            while k < len(toks) and (toks[k].low in STOPWORDS or toks[k].low == "of") and toks[k].value < 0:
                k += 1
            if k < len(toks) and toks[k].value >= 0:
                k = p.values[toks[k].value].last + 1
            start = k
    first_verb = next((i for i in range(start, len(toks)) if toks[i].verb), len(toks))
    verb = ""
    for i in range(first_verb, min(first_verb + 4, len(toks))):
        if toks[i].verb and toks[i].low not in AUX and toks[i].stem:
            verb = toks[i].stem
            break
    return _Claim(p, set(range(start, first_verb)), verb)


def _near(toks: list[Tok], i: int, step: int, skip_brackets: bool = True) -> list[str]:
    """The first two content stems on one side of token i, within its sentence, across brackets."""
    out: list[str] = []
    depth = 0
    k = i + step
    while 0 <= k < len(toks) and toks[k].sent == toks[i].sent and len(out) < 2:
        t = toks[k]
        if t.text in ("(", ")"):
            depth += 1 if (t.text == "(") == (step > 0) else -1
        elif depth > 0 and skip_brackets:
            pass
        elif t.text in {",", ";", ":"} or (t.value >= 0 and t.stem and toks[i].value != t.value and
                                           not t.text[0].isalpha()):
            break
        elif t.stem and t.value != toks[i].value:
            out.append(t.stem)
        k += step
    return out


def attached(claim: str, quote: str, question: str = "") -> bool:
    """Does the quote attach each value of the claim to what the claim attaches it to?"""
    return why_not(claim, quote, question) is None


def why_not(claim: str, quote: str, question: str = "") -> str | None:
    """Why the quote does not back the claim's values (None when it does)."""
    if _verbatim(claim, quote):
        return None
    q = parse(quote)
    qcaps = frozenset(t.low for t in q.toks if is_cap(t))
    c = _claim(claim, qcaps)
    ct, qt = c.p.toks, q.toks
    qfold = fold(question)
    quote_stems = {t.stem for t in qt if t.stem}
    claim_stems = {t.stem for t in ct if t.stem}
    segs_of = {}
    for i, s in enumerate(q.seg):
        segs_of.setdefault(s, []).append(i)

    if not _negation_agrees(c, q, segs_of, claim_stems):
        return "negation differs"
    claim_negated = _negated(ct, list(range(len(ct))))  # a negated claim is the negation check's to judge
    if not _comparison_agrees(c.p, q):
        return "the comparison is the other way round"
    for vi, cv in enumerate(c.p.values):
        occurrences = [qv for qv in q.values if _matches(cv, qv)]
        if not occurrences:
            written_in_digits = any(ct[i].text[:1].isdigit() for i in range(cv.first, cv.last + 1))
            plain = written_in_digits and cv.kind != "date" and all(re.fullmatch(r"[\d.]+", k) for k in cv.key)
            if cv.kind == "name" or plain or cv.soft:
                continue  # the shared-words check rules on absent names and digits; soft words may paraphrase
            if any(k.replace("d", "", 1) in qfold or k in qfold for k in cv.key):
                continue
            return f"{cv.key} not in the quote"
        if not claim_negated and all(_denied(q.toks, qv.first) for qv in occurrences):
            return f"{sorted(cv.key)}: the quote denies it"
        if cv.kind in ("year", "date") and all(_dates_the_report(q, qv, claim_stems, question) for qv in occurrences):
            return f"{sorted(cv.key)}: it dates a report, not the event"
        reasons = [_fits(c, vi, cv, q, qv, segs_of, quote_stems) for qv in occurrences]
        if all(reasons):
            return f"{sorted(cv.key)}: {reasons[0]}"
    return None


def _denied(toks: list[Tok], first: int) -> bool:
    """Is the value starting at token `first` denied where it stands: "not on Pine Hill", "never Ana Vel"?
    ("not only X", "not until 1877" affirm it.)"""
    k = first - 1
    if k >= 0 and toks[k].low in PREPOSITIONS:
        k -= 1
    if k < 0 or toks[k].sent != toks[first].sent or not NEGATION.match(toks[k].low):
        return False
    return toks[k + 1].low not in NEUTRAL_AFTER.get(toks[k].low, ())


def _verbatim(claim: str, quote: str) -> bool:
    """Is the claim one whole sentence of the quote, word for word? Then it attaches every value as the quote
    does, whatever the clause segmentation makes of it (a sentence with "not" in one clause once failed the
    negation check against itself)."""
    def norm(text: str) -> str:
        return " ".join(text.split()).rstrip(" .!?")

    wanted = norm(claim)
    return bool(wanted) and any(norm(s) == wanted for s in SENTENCE_END.split(quote))


def _comparison_agrees(c: Parsed, q: Parsed) -> bool:
    """"lower in 1811 than in 1790": the values on each side of "than" must be on the same sides in the quote."""
    for t in (i for i, x in enumerate(c.toks) if x.low == "than"):
        left = [v for v in c.values if v.last < t and c.toks[v.last].sent == c.toks[t].sent][-1:]
        right = [v for v in c.values if v.first > t and c.toks[v.first].sent == c.toks[t].sent][:1]
        if not left or not right:
            continue
        for u in (i for i, x in enumerate(q.toks) if x.low == "than"):
            before = [v for v in q.values if v.last < u and q.toks[v.last].sent == q.toks[u].sent]
            after = [v for v in q.values if v.first > u and q.toks[v.first].sent == q.toks[u].sent]
            if any(_matches(right[0], v) for v in before) and any(_matches(left[0], v) for v in after) and not (
                    any(_matches(left[0], v) for v in before) or any(_matches(right[0], v) for v in after)):
                return False
    return True


def _negation_agrees(c: _Claim, q: Parsed, segs_of: dict[int, list[int]], claim_stems: set[str]) -> bool:
    negated = _negated(c.p.toks, list(range(len(c.p.toks))))
    scored = [(len(claim_stems & {q.toks[i].stem for i in idx if q.toks[i].stem}), s) for s, idx in segs_of.items()]
    if not scored:
        return True
    best = max(score for score, _ in scored)
    if best == 0:
        return True
    flags = {_negated(q.toks, segs_of[s], claim_stems) for score, s in scored if score == best}
    return negated in flags


_DEMONSTRATIVES = frozenset({"this", "these", "those", "such", "that"})


def _extended(q: Parsed, qv: Value, segs_of: dict[int, list[int]]) -> list[int]:
    """The value's clause, with a bracket that follows it and, when the value ends its clause, a verbless
    apposition after it ("the harbour, about 40km north of ...")."""
    qt = q.toks
    seg_id = q.seg[qv.first]
    idx = list(segs_of[seg_id])
    k = qv.last + 1
    if k < len(qt) and qt[k].text in {"(", "["}:
        idx += segs_of[q.seg[k]]
        k = max(segs_of[q.seg[k]]) + 1
    own_words = [i for i in segs_of[seg_id] if re.match(r"\w", qt[i].text)]
    if qv.kind in {"date", "year"} and own_words and own_words[-1] == qv.last and k < len(qt) and (
            qt[k].low == "when" or (qt[k].text == "," and k + 1 < len(qt) and qt[k + 1].low == "when")):
        idx += segs_of[q.seg[k if qt[k].low == "when" else k + 1]]  # "came in 1811 when the hall received"
    if own_words and own_words[-1] == qv.last and k < len(qt) and qt[k].text == ",":
        nxt = k + 1
        if nxt < len(qt) and q.seg[nxt] != seg_id and qt[nxt].sent == qt[qv.last].sent:
            apposition = segs_of[q.seg[nxt]]
            words = [qt[i].low for i in apposition if re.match(r"\w", qt[i].text)]
            if not any(qt[i].verb for i in apposition) and words and words[0] not in PREPOSITIONS | SUBORDINATORS:
                idx += apposition
    return idx


def _fits(c: _Claim, vi: int, cv: Value, q: Parsed, qv: Value, segs_of: dict[int, list[int]],
          quote_stems: set[str]) -> str | None:
    ct, qt = c.p.toks, q.toks
    own = set(range(cv.first, cv.last + 1))
    qown = set(range(qv.first, qv.last + 1))
    seg_id = q.seg[qv.first]
    seg_idx = [i for i in segs_of[seg_id] if i not in qown]
    ext_idx = [i for i in _extended(q, qv, segs_of) if i not in qown]
    seg_stems = {qt[i].stem for i in seg_idx if qt[i].stem}
    ext_stems = {qt[i].stem for i in ext_idx if qt[i].stem}

    def words_only(t: Tok, values: list[Value]) -> bool:  # content words and names; numbers are values
        return bool(t.stem) and (t.value < 0 or values[t.value].kind == "name")

    context = {ct[i].stem for i in range(len(ct)) if ct[i].stem and i not in own}
    # the claim's own clause around the value: its verb and its other words ("..., dated 1811, stands ...")
    clause = [i for i in range(len(ct)) if c.p.seg[i] == c.p.seg[cv.first]]
    claim_gov = c.p.gov.get(c.p.seg[cv.first], "")
    verb = next((ct[i].stem for i in clause if ct[i].verb and ct[i].low not in AUX and ct[i].stem), claim_gov)
    subject = {ct[i].stem for i in c.subject if words_only(ct[i], c.p.values) and i not in own}
    is_subject = cv.kind == "name" and own <= c.subject and (cv.first == 0 or ct[cv.first - 1].low not in PREPOSITIONS)
    seg_verbs = [i for i in seg_idx if qt[i].verb]
    seg_subject: set[str] = set()
    if seg_verbs:
        before = [i for i in seg_idx if i < seg_verbs[0]]
        if not any(qt[i].low in _DEMONSTRATIVES for i in before):  # "those trips" points back: no new subject
            seg_subject = {
                qt[i].stem for i in before if words_only(qt[i], q.values) and qt[i].low not in FUNCTION_WORDS
            }
    numeric = cv.kind in {"year", "number", "date"}
    sentence_verbs = [i for i, t in enumerate(qt) if t.verb and t.sent == qt[qv.first].sent]
    fronted = (qv.first > 0 and qt[qv.first - 1].low in PREPOSITIONS | {"of"}
               and (not sentence_verbs or qv.first < sentence_verbs[0]))

    # (names are left out: a pronoun may stand for them in the other clause)
    # "late guests" vs "with early guests given ...": a subject word found only elsewhere, and
    # this clause's subject has a word the claim lacks
    found_elsewhere = not subject & ext_stems if fronted else bool((subject & quote_stems) - ext_stems)
    if numeric and subject & quote_stems and found_elsewhere and seg_subject - context:
        return "its clause has another subject"
    extra = {qt[i].stem for i in ext_idx if qt[i].stem and qt[i].value < 0} - context
    if is_subject and verb and verb in quote_stems:
        return None if _subject_of_verb(c, verb, cv, q, segs_of) else "the verb has another subject"
    host = _host_stems(q, qv, segs_of)
    if not claim_gov:
        host.discard(q.gov.get(seg_id, ""))  # "In 1811 X said that ...": the claim dates the report itself
    if not is_subject and verb and verb in quote_stems and verb not in seg_stems | host and (
            seg_verbs or _opens_clause(q, seg_idx) or (extra and not _shares(q, qv, seg_idx, context))) and not (
            cv.kind == "name" and _pronoun_with_verb(verb, q, segs_of)):
        return "the claim's verb is in another clause"
    rest = {ct[i].stem for i in clause if ct[i].stem and ct[i].value < 0 and i not in c.subject} - {verb}
    in_subject = bool(own & c.subject)
    if (not fronted and (not in_subject or (is_subject and not verb)) and rest & quote_stems and not rest & ext_stems
            and extra):
        return "what the claim says of it is in another clause"
    if numeric and not _neighbours_fit(c, cv, q, qv):
        return "its neighbouring word belongs to another number"
    if not _pairs_fit(c, vi, cv, q, qv):
        return "its clause pairs it with another value"
    return None


# Verbs that only report (not "wrote", "published", "confirmed", "claimed": those also do things): a
# date standing by one is when something was said, not when it happened.
_REPORTING = frozenset(stem(w) for w in word_list("reported said told stated announced"))
# A claim or question with one of these is about a report itself, and may be answered with its date.
_ABOUT_REPORTS = _REPORTING | frozenset(stem(w) for w in word_list(
    "published wrote written article piece story statement announcement interview spoke speak comment"))


def _dates_the_report(q: Parsed, qv: Value, claim_stems: set[str], question: str) -> bool:
    """Is the quote's date the day of a report rather than of the event: "On 5 May, the paper reported
    the plans", "officials confirmed on Monday that ..."? So when the date stands next to a reporting
    verb (at most two function words apart), or opens the sentence before its first verb and that
    verb reports. Not when the claim or its question is about a report
    ("When did the paper report it?", "What day was the piece published?")."""
    toks = q.toks
    sent = toks[qv.first].sent
    verbs = [i for i, t in enumerate(toks) if t.sent == sent and t.verb and t.low not in AUX]

    def between_only_function_words(a: int, b: int) -> bool:
        return b - a <= 3 and all(not toks[k].stem for k in range(a + 1, b))

    near = [i for i in verbs if (i < qv.first and between_only_function_words(i, qv.first))
            or (i > qv.last and between_only_function_words(qv.last, i))]
    if not near and verbs and qv.last < verbs[0]:
        near = [verbs[0]]
    if not any(toks[i].stem in _REPORTING for i in near) or claim_stems & _ABOUT_REPORTS:
        return False
    return not (question and {t.stem for t in parse(question).toks} & _ABOUT_REPORTS)


def _host_stems(q: Parsed, qv: Value, segs_of: dict[int, list[int]]) -> set[str]:
    """Words of the clause that governs the value's clause: the verb before "that", the clause around a bracket."""
    seg_id = q.seg[qv.first]
    out = {q.gov.get(seg_id, "")}
    first = min(segs_of[seg_id])
    words = [i for i in segs_of[seg_id] if re.match(r"\w", q.toks[i].text)]
    naming = bool(words) and q.toks[words[0]].low in _NAMING  # "..., entitled X": X names the thing before
    if first > 0 and (q.toks[first].text in {"(", "["} or naming) and q.toks[first - 1].sent == q.toks[first].sent:
        out |= {q.toks[i].stem for i in segs_of[q.seg[first - 1]] if q.toks[i].stem}
    return out


_NAMING = frozenset({"entitled", "titled", "called", "named", "dubbed", "known"})


def _shares(q: Parsed, qv: Value, idx: list[int], context: set[str]) -> bool:
    """Does the clause hold claim words other than the value's own neighbours ("the Odo River *valley*")?"""
    near = {qv.first - 1, qv.last + 1}
    return bool({q.toks[i].stem for i in idx if q.toks[i].stem and q.toks[i].value < 0 and i not in near} & context)


def _opens_clause(q: Parsed, idx: list[int]) -> bool:
    words = [q.toks[i].low for i in idx if re.match(r"\w", q.toks[i].text)]
    return bool(words) and words[0] in SUBORDINATORS


def _pronoun_with_verb(verb: str, q: Parsed, segs_of: dict[int, list[int]]) -> bool:
    """Does the clause of the claim's verb hold a pronoun (which may stand for a name said elsewhere)?"""
    return any(q.toks[i].low in _OBJECT_PRONOUNS for vpos, t in enumerate(q.toks) if t.stem == verb
               for i in segs_of[q.seg[vpos]])


_OBJECT_PRONOUNS = frozenset(word_list("it him her them he she they its his their"))


def _subject_of_verb(c: _Claim, verb: str, cv: Value, q: Parsed, segs_of: dict[int, list[int]]) -> bool:
    """Is the value (the claim's subject) in the clause of the claim's verb in the quote, or its subject?"""
    qt = q.toks
    claim_stems = {t.stem for t in c.p.toks if t.stem}
    mine = {i for qv in q.values if _matches(cv, qv) for i in range(qv.first, qv.last + 1)}
    for vpos in (i for i, t in enumerate(qt) if t.stem == verb):
        s = q.seg[vpos]
        idx = segs_of[s]
        if mine & set(idx):
            # after the verb it is its object, unless the clause names no one before it or it is the agent ("by")
            named_before = any(i < vpos and qt[i].value >= 0 and q.values[qt[i].value].kind == "name"
                               and i not in mine for i in idx)
            if (any(i < vpos for i in mine & set(idx)) or not named_before
                    or any(i > 0 and qt[i - 1].low == "by" for i in mine & set(idx))):
                return True
            continue
        first_verb = min([i for i in idx if qt[i].verb] + [vpos])
        before = [i for i in idx if i < first_verb]  # "did some useful work": words after "did" are no subject
        own_subject = {qt[i].stem for i in before if qt[i].stem and (qt[i].value < 0 or qt[i].text[:1].isupper())}
        if own_subject - claim_stems:
            continue  # the verb has a subject of its own there
        sent_segs = [x for x in dict.fromkeys(q.seg) if qt[segs_of[x][0]].sent == qt[vpos].sent]
        k = sent_segs.index(s)
        if any(qt[i].low in PRONOUNS for i in before) and any(i < vpos for i in mine):
            return True  # "Ada married ..., one of the men he had helped": the pronoun may be the name
        words = [qt[i] for i in idx if re.match(r"\w", qt[i].text)]
        participle = bool(words) and words[0].verb and words[0].low.endswith("ed") and any(t.low == "by" for t in words)
        if participle:  # "..., and the B, designed in 1811 by C": the participle is B's, not the sentence's
            near = sent_segs[max(0, k - 1):k]
        else:
            near = sent_segs[:1] + (sent_segs[max(0, k - 1):k] if _opens_clause(q, idx) else [])
        if own_subject:  # "the rooms were not let, V instead ...": the claim's object, passive
            near += sent_segs[max(0, k - 1):k + 2]
        if any(mine & set(segs_of[x]) for x in near):
            return True
    return False


def _neighbours_fit(c: _Claim, cv: Value, q: Parsed, qv: Value) -> bool:
    """"900 men": the claim's neighbouring word must not be the neighbour of another number there."""
    ct, qt = c.p.toks, q.toks
    claim_stems = {t.stem for t in ct if t.stem}
    others = [v for v in q.values if v.kind in {"number", "year"} and v is not qv and v.key != qv.key]
    for side, (ci, qi) in ((1, (cv.last, qv.last)), (-1, (cv.first, qv.first))):
        mine = _near(ct, ci, side)
        theirs = _near(qt, qi, side)
        for k, u in enumerate(mine):  # the nearest word, then the next one while they agree
            here = theirs[k] if k < len(theirs) else None
            if here is None:
                break
            if u == here:
                continue
            # the quote's neighbour may sit elsewhere in the claim, unless there it is another number's
            elsewhere = here in claim_stems and not any(
                here in _near(ct, x.last if side > 0 else x.first, side) for x in c.p.values
                if x is not cv and x.kind in {"number", "year"})
            if u not in theirs and here not in mine and not elsewhere:
                rivals = [_near(qt, (v.last if side > 0 else v.first), side) for v in others]
                # after a number: its unit or what it counts; before it, only the word right there
                if any((u in r) if side > 0 else (r[:1] == [u] and k == 0) for r in rivals):
                    return False
            break
    return True


def _pairs_fit(c: _Claim, vi: int, cv: Value, q: Parsed, qv: Value) -> bool:
    """A number's own clause must not hold another date, or another agent before it, than the claim pairs it
    with ("... by A in 1690 and by B in 1702": 1702 is B's)."""
    qt = q.toks
    raw_id = q.raw[qv.first]
    raw_idx = {i for i in range(len(qt)) if q.raw[i] == raw_id}
    here = [v for v in q.values if v.first in raw_idx and v is not qv]
    times = {"date", "year"}
    # a number in brackets belongs to the name before it: "A (at 3 million) and B (at 1 million)"
    first = min(i for i in range(len(qt)) if q.seg[i] == q.seg[qv.first])
    if cv.kind != "name" and first > 0 and qt[first].text in {"(", "["} and any(w.kind == "name" for w in c.p.values):
        heads = [qt[i].value for i in range(max(0, first - 3), first) if qt[i].name]  # "the Odo period (710-794)"
        if heads and not any(_matches(w, q.values[heads[-1]]) or _matches(q.values[heads[-1]], w)
                             for w in c.p.values if w.kind == "name"):
            return False
    for wi, w in enumerate(c.p.values):
        if wi == vi or not any(_matches(w, v) for v in q.values) or any(_overlaps(w, v) for v in here):
            continue
        if w.kind in times:
            rival = [v for v in here if v.kind in times]
        elif w.kind == "name" and set(range(w.first, w.last + 1)) <= c.subject and cv.kind != "name":
            rival = [v for v in here if v.kind == "name" and v.first < qv.first]
        else:
            continue
        if any(not any(_overlaps(x, v) for x in c.p.values) for v in rival):
            return False
    return True
