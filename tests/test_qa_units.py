"""Unit tests of the answering pieces that need no model: citations, conflicts, rewrites, cues."""

from __future__ import annotations

import pytest

from qa.assistant import normalize_history
from qa.citations import split_answer, unquoted_values, verify
from qa.conflicts import durations
from qa.evidence import merge_passages
from qa.question import DURATION, NUMBER, OTHER, PERSON, PLACE, TIME, analyze, has_cue
from qa.rewrite import needs_context, rule_rewrite
from qa.text import content_terms, normalize_answer
from qa.times import time_conflict, time_value
from qa.types import Passage, Quote
from qa.writers.extractive import is_phrase_reply

DOC = (
    "Kim was accompanied by senior officials. The delegation includes Choe Sun-hui and Jo Chun-ryong. "
    "The train reached Khasan station on Tuesday. Putin arrived on Monday."
)


def _quote(text: str, source: str = "a.txt") -> Quote:
    start = DOC.index(text)
    return Quote(source, "A", None, start, start + len(text), text, 1.0, 0.8, 1.0, True, 0, len(DOC),
                 set(content_terms(text)))


QUOTES = [
    _quote("The delegation includes Choe Sun-hui and Jo Chun-ryong."),
    _quote("The train reached Khasan station on Tuesday."),
    _quote("Putin arrived on Monday."),
]


def docs(source: str) -> str | None:
    return DOC if source == "a.txt" else None


def test_verify_renumbers_in_order_of_first_use_and_lists_only_used():
    v = verify("The train reached Khasan on Tuesday [2]. Choe Sun-hui and Jo Chun-ryong went [1].", QUOTES, docs,
               question="Who went?")
    assert v.text == "The train reached Khasan on Tuesday [1]. Choe Sun-hui and Jo Chun-ryong went [2]."
    assert [c.n for c in v.citations] == [1, 2]
    assert [c.quote for c in v.citations] == [QUOTES[1].text, QUOTES[0].text]
    for c in v.citations:
        assert DOC[c.start:c.end] == c.quote


def test_verify_drops_unknown_markers_and_unsupported_sentences():
    v = verify("Choe Sun-hui went [7]. Kim ate noodles for breakfast [1]. Putin arrived on Monday [3].", QUOTES,
               docs)
    assert "[7]" not in v.text
    assert "noodles" not in v.text and v.removed == ["Kim ate noodles for breakfast."]
    # the sentence citing a missing quote was re-attributed to the quote that supports it
    assert v.text.startswith("Choe Sun-hui went [1].")
    assert {c.quote for c in v.citations} == {QUOTES[0].text, QUOTES[2].text}


def test_verify_rejects_invented_numbers_and_names():
    v = verify("The train reached Khasan station on Tuesday with 40 carriages [2].", QUOTES, docs)
    assert v.citations == [] and v.removed
    v = verify("Boris Johnson arrived on Monday [3].", QUOTES, docs)
    assert v.citations == []


def test_verify_inline_markers_and_meta_sentences():
    v = verify("Kim went with Choe Sun-hui [1] and reached Khasan station [2]. The articles don't say more.",
               QUOTES, docs, question="Who went with Kim?")
    assert v.text == "Kim went with Choe Sun-hui [1] and reached Khasan station [2]. The articles don't say more."
    assert len(v.citations) == 2


def test_verify_never_cites_a_quote_that_is_not_the_document_slice():
    bad = _quote("Putin arrived on Monday.")
    bad.start += 1  # offsets no longer match the document
    v = verify("Putin arrived on Monday [1].", [bad], docs)
    assert v.citations == []


def test_split_answer_attaches_leading_markers_to_previous_sentence():
    sentences = split_answer("The U.S. warned. [2][1] He left.")
    assert [c.text for c in sentences[0]] == ["The U.S. warned."]
    assert sentences[0][0].numbers == [2, 1]


@pytest.mark.parametrize(("question", "kind"), [
    ("Who accompanied Kim?", PERSON), ("When will the summit take place?", TIME),
    ("Where did they meet in 2019?", PLACE), ("How many trips has Kim made?", NUMBER),
    ("How long since Kim last travelled abroad?", DURATION), ("What did Kim eat?", OTHER),
    ("Which station did the train reach?", PLACE),
    # "what was the NOUN of" asks what "what NOUN" asks; not when the noun is the subject of more
    ("What was the date of the launch?", TIME), ("What is the number of seats in the hall?", NUMBER),
    ("What was the location of their first meeting?", PLACE), ("What is the country known for?", OTHER),
    ("What was the time limit on the offer?", OTHER),
    ("Near which village did the plane land?", PLACE), ("In which church was the panel found?", PLACE),
])
def test_question_kinds(question: str, kind: str):
    assert analyze(question).kind == kind


def test_cues():
    assert has_cue(PERSON, "The delegation includes Choe Sun-hui.", "Who accompanied Kim?")
    assert not has_cue(PERSON, "They met on Monday in September.", "Who met the mayor?")  # calendar words
    assert not has_cue(PERSON, "Ana Vel opened it.", "Who is Ana Vel?")  # the question's own name
    # a future event's date is not among years before the article's publication
    assert not has_cue(TIME, "They last met in 2019.", "When will they meet?", published="2023-09-12")
    assert has_cue(TIME, "They last met in 2019.", "When did they last meet?", published="2023-09-12")
    assert not has_cue(TIME, "Their previous talks took place in 2019.", "When will the talks take place?")
    assert has_cue(TIME, "The talks will take place in 2031.", "When will the talks take place?")
    assert has_cue(TIME, "He left on Sunday.", "When did he leave?")
    info = analyze("How many carriages does the train have?")
    assert not has_cue(info.kind, "The trip took four years.", info.text, info.counted)
    assert has_cue(info.kind, "It has twelve armoured carriages.", info.text, info.counted)


def test_time_values_and_conflicts():
    a = time_value("The meeting is expected on Tuesday, September 12, 2023, afternoon.")
    b = time_value("The meeting could take place around September 13.")
    assert a.dates == {(9, 12)} and a.weekdays == {"tuesday"} and a.parts == {"afternoon"}
    assert time_conflict(a, b) == "date"
    night = time_value("Kim left late on Sunday, September 10, 2023, night.")
    afternoon = time_value("He left on the afternoon of September 10.")
    assert time_conflict(night, afternoon) == "time of day"
    # a weekday agrees with the date that falls on it (12 September 2023 was a Tuesday)
    assert time_conflict(a, time_value("They meet on Tuesday in 2023.")) is None
    assert time_conflict(a, time_value("They meet on Monday in 2023.")) == "date"
    # only the clause about the event counts
    v = time_value("Putin is in Vladivostok after arriving to participate in the Eastern Economic Forum, which takes "
                   "place from September 10 to 13.",
                   near={"arriv"})
    assert not v.dates
    assert durations("the first trip abroad in more than four years") == {48.0}
    assert durations("a 12-year rule and 18 months of war") == {144.0, 18.0}


def test_rule_rewrite_adds_context_only_when_needed():
    history = [{"role": "user", "content": "At which station did the train enter Russia?"},
               {"role": "assistant", "content": "Khasan station [1].\n\nSources: ..."}]
    out = rule_rewrite("Which agency reported that?", history)
    assert "Which agency reported that?" in out and "Khasan station" in out and "[1]" not in out
    assert rule_rewrite("Who is Jo Chun-ryong's deputy minister?", history) == "Who is Jo Chun-ryong's deputy minister?"
    assert rule_rewrite("Which agency reported that?", None) == "Which agency reported that?"
    assert needs_context("And what about him?")


def test_normalize_history_accepts_gradio_and_pairs():
    msgs = [{"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1"},
            {"role": "assistant", "content": "sources...", "metadata": {"title": "Sources"}},
            {"role": "user", "content": [{"type": "text", "text": "Q2"}]}]
    assert normalize_history(msgs) == [{"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1"},
                                       {"role": "user", "content": "Q2"}]
    assert normalize_history([("Q", "A")]) == [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]


def test_near_duplicate_passages_merge_with_also_in():
    text = "The presence of Jo Chun-ryong indicates that North Korea and Russia will conclude an agreement."
    ps = [Passage("1", "a.txt", "A", None, text, 0, len(text)),
          Passage("2", "b.txt", "B", None, "“" + text + "” said Madden.", 10, 120),
          Passage("3", "c.txt", "C", None, "Something else entirely about trains.", 0, 40)]
    merged = merge_passages(ps)
    assert [p.source for p in merged] == ["a.txt", "c.txt"]
    assert [loc.source for loc in merged[0].also_in] == ["b.txt"]


def test_normalize_answer():
    assert normalize_answer("The Jo Chun-Ryong’s.") == "jo chun ryong s"


def test_a_follow_ups_best_quote_has_a_word_of_the_follow_up_itself():
    """Retrieved with its context, a follow-up meets the sentence that gave the last answer first;
    without any of the follow-up's own words it answers the last question, so the best quote with
    one of them leads. A question that is not a follow-up keeps the scorer's order."""
    from collections import Counter

    from qa.evidence import select
    from qa.types import LexicalStats

    doc = "Ana Vel founded the Lumen Choir in 1990. In 2004 Edo Varn replaced Ana Vel as conductor."
    last, answer = (Quote("c.txt", "C", None, s, s + len(t), t, sc, 0.8, 1.0, True, 0, len(doc), set(content_terms(t)))
                    for t, s, sc in ((doc[:40], 0, 0.9), (doc[41:], 41, 0.6)))  # fmt: skip
    stats = LexicalStats(Counter({t: 1 for t in content_terms(doc)}), 2)
    standalone = "Who replaced her as conductor? (following up on: Who founded the Lumen Choir? — Ana Vel.)"
    follow_up = analyze(standalone, original="Who replaced her as conductor?")
    assert select(follow_up, [last, answer], 0.9, 0.5, stats).quotes[0] is answer
    plain = analyze("Who founded the Lumen Choir and who replaced her?")
    assert select(plain, [last, answer], 0.9, 0.5, stats).quotes[0] is last
    # none of the follow-up's own words anywhere: the order stands
    other = analyze(standalone.replace("replaced her as conductor", "was she"), original="Who was she?")
    assert select(other, [last, answer], 0.9, 0.5, stats).quotes[0] is last


def test_a_reply_value_no_quote_holds_is_found_and_a_quoted_one_is_not():
    quotes = ["The mill was sold to Ana Vel for 4,000 crowns in 1932.", "It burned down two years later."]
    assert unquoted_values("4,000 crowns [1]", quotes) == []
    assert unquoted_values("Ana Vel [1]", quotes) == []
    assert unquoted_values("$100 million [2]", quotes) == ["100"]
    assert unquoted_values("Edo Varn [1]", quotes) == ["Edo Varn"]
    assert unquoted_values("In 1950 [1]", quotes, "Was it sold in 1950?") == []  # the question's own value
    assert unquoted_values("4000 crowns [1]", quotes) == [] and unquoted_values("2 years [2]", quotes) == []


def test_a_phrase_reply_is_one_short_phrase():
    assert is_phrase_reply("4 May 1932 [2]") and is_phrase_reply("NONE") and is_phrase_reply("Ana Vel.")
    assert not is_phrase_reply("The mill was sold in 1932 [1]. It burned down two years later [2].")
    assert not is_phrase_reply("[1]") and not is_phrase_reply(" ".join(["word"] * 30))
