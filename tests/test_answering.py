"""Unit tests of the general answering pieces, on made-up text: answer phrases, the model's phrase
check, follow-up readings, the scorer's features and its weights file."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from qa.answerability import WEIGHTS_FILE, ScorerWeights
from qa.evidence import attach, refuse_without_value, select, unstated_figures, with_antecedent
from qa.features import NAMES, Candidate, FeatureBuilder, question_features, specifics
from qa.phrase import answer_phrase
from qa.question import analyze
from qa.rewrite import candidates, exchanges
from qa.text import content_terms
from qa.types import Draft, Evidence, LexicalStats, Location, Quote
from qa.writers.extractive import REFUSAL, compose, read_phrase, unread_phrase

BRIDGE = "The bridge, built by Ana Vel, opened on 4 May 1932 after two years of work."


@pytest.mark.parametrize(
    ("question", "sentence", "phrase"),
    [
        ("When did the bridge open?", BRIDGE, "4 May 1932"),
        ("Who built the bridge?", BRIDGE, "Ana Vel"),
        ("How long did the work take?", BRIDGE, "two years"),
        ("Who went with the mayor?", "The delegation includes Tomas Brin, the finance chief, and Lia Oto.",
         "Tomas Brin and Lia Oto"),
        ("How many people died?", "At least 12 people died and 40 were hurt in the flood.", "At least 12 people"),
        ("When was the flood?", "The flood struck on Tuesday, September 12, 2023, at dawn.",
         "Tuesday, September 12, 2023"),
        ("Where did the ferry dock?", "The ferry docked at Port Velm after a night crossing.", "Port Velm"),
        ("How much was the takeover worth?", "The takeover was valued at $1.9bn, the company said.", "$1.9bn"),
        # each name of a list once
        ("Who was in the film?", "The film starred Ana Vel and Edo Varn, and Ana Vel sang.", "Ana Vel and Edo Varn"),
        # a month before a year is part of the date
        ("When was the siege?", "The town fell after the failed siege of September 1644.", "September 1644"),
        # a range is one figure
        ("How many species are known?", "Only 100–150 species are known, and another 25 are not named.",
         "100–150 species"),
        ("How long did the crossing take?", "The crossing took 5 to 7 days by boat.", "5 to 7 days"),
        ("How many people died?", "Between 10 and 12 people died in the flood.", "Between 10 and 12 people"),
    ],
)
def test_answer_phrase(question: str, sentence: str, phrase: str):
    found = answer_phrase(analyze(question), sentence)
    assert found == phrase
    # verbatim (each name of a list), so the citation check sees the cited words
    assert all(part in sentence for part in found.split(" and "))


def test_no_phrase_for_open_questions_or_values_the_question_already_has():
    assert answer_phrase(analyze("Why did the bridge close?"), BRIDGE) is None
    # a word that only extends a question word ("Veldish" for "Veld") is no answer
    assert answer_phrase(analyze("Where in Veld did they settle?"), "They settled in Veldish towns.") is None
    # the figures of an ISO date count nothing
    assert answer_phrase(analyze("How many carriages does the train have?"), "date 2023-09-12 The train left.") is None
    # a possessive name modifies the place that follows it
    assert answer_phrase(analyze("In which city did they meet?"), "They met in Ardale's northern city of Som.") is None
    assert answer_phrase(analyze("Who is Ana Vel?"), "Ana Vel opened the bridge.") is None
    assert answer_phrase(analyze("When did it open in 1932?"), "It opened in 1932.") is None


def quote(text: str, n: int = 0, prob: float = 0.9) -> Quote:
    return Quote("a.txt", "A", None, n, n + len(text), text, 1.0, 0.8, 1.0, True, 0, 100,
                 set(content_terms(text)), prob=prob)


def draft(question: str, *texts: str, answerable: bool = True, probs: tuple[float, ...] = ()) -> Draft:
    """The first quote is the scorer's clear best (0.9 against 0.5) unless `probs` says otherwise."""
    probs = probs or (0.9,) + (0.5,) * (len(texts) - 1)
    quotes = [quote(t, 200 * i, p) for i, (t, p) in enumerate(zip(texts, probs, strict=True))]
    return Draft(question, question, analyze(question), Evidence(quotes, answerable, "test"))


def test_extractive_answer_opens_with_the_phrase_then_at_most_two_quotes():
    d = draft("When did the bridge open?", BRIDGE, "It was repaired in 1990.", "Traffic doubled later.")
    text = compose(d)
    assert text.startswith("4 May 1932 [1]. ")
    assert text.count("[") == 3  # the phrase and two supporting quotes
    assert "Traffic doubled" not in text
    assert compose(draft("When?", BRIDGE, answerable=False)) == REFUSAL


def test_no_phrase_is_stated_when_another_quote_is_as_likely_to_answer():
    rival = "The footbridge opened on 9 June 1934."
    unsure = compose(draft("When did the bridge open?", BRIDGE, rival, probs=(0.62, 0.58)))
    assert not unsure.startswith("4 May 1932") and unsure.startswith(BRIDGE)  # the quotes, for the reader
    assert rival in unsure
    sure = compose(draft("When did the bridge open?", BRIDGE, rival, probs=(0.9, 0.3)))
    assert sure.startswith("4 May 1932 [1]. ")


@pytest.mark.parametrize(
    ("question", "sentence", "opening"),
    [
        # two names: both are the answer
        ("Who went with the mayor?", "The delegation includes Tomas Brin, the finance chief, and Lia Oto.",
         "Tomas Brin and Lia Oto [1]. "),
        # a place after "in" is not whom; a possessive is the name
        ("Who won the prize?", "In Velmar, Ana Vel's novel won the prize.", "Ana Vel [1]. "),
        ("Who won the prize?", "At a dinner in Oskarby the prize went to Edo Varn.", "Edo Varn [1]. "),
        # more than two candidates: the reader chooses, the answer opens with the quote
        ("Who won the prize?", "Ana Vel, Edo Varn, Lia Oto and Tomas Brin were shortlisted by Orla Press.", None),
        ("Where did the ferry dock?", "Ferries from Velm to Orla call at Brin, Oto and Varn.", None),
        ("Where did the ferry dock?", "The ferry docked at Port Velm after a night crossing.", "Port Velm [1]. "),
    ],
)
def test_a_who_or_where_phrase_is_stated_only_when_it_can_be_the_answer(
    question: str, sentence: str, opening: str | None
):
    text = compose(draft(question, sentence, "Traffic doubled later."))
    if opening is None:
        assert text.startswith(sentence + " [1]")
    else:
        assert text.startswith(opening)


@pytest.mark.parametrize(
    ("question", "texts", "opening"),
    [
        # a lone capitalised word is as often a place or a people as a person: no phrase
        ("Who led the siege?", ["Tension with Velmar led to a siege by the royal army."], None),
        ("Who produces the show?", ["The show is a Veldish drama made by a public broadcaster."], None),
        # beside a full name, the lone word is left out of what is said
        ("Who drove him out?", ["He fled to Orla when he was forced from his office by Ana Vel."], "Ana Vel [1]. "),
        # a surname the answer's other quotes give in full is a person
        ("Who called the trip desperate?",
         ["The trip was called desperate by Vel.", "Ana Vel told reporters on Monday."], "Vel [1]. "),
    ],
)  # fmt: skip
def test_a_lone_capitalised_word_is_stated_as_whom_only_as_the_end_of_a_longer_name(
    question: str, texts: list[str], opening: str | None
):
    text = compose(draft(question, *texts))
    if opening is None:
        assert text.startswith(texts[0] + " [1]"), text
    else:
        assert text.startswith(opening), text


def test_model_phrase_is_accepted_only_verbatim_and_of_the_right_kind():
    d = draft("When did the bridge open?", "It was repaired in 1990.", BRIDGE)
    assert read_phrase("4 May 1932 [2]", d).startswith("4 May 1932 [2]. " + BRIDGE + " [2]")
    assert read_phrase("5 May 1932 [2]", d) is None  # not in the sentence it cites
    assert read_phrase("4 May 1932 [1]", d) is None  # in another sentence than the one cited
    assert read_phrase("Ana Vel [2]", d) is None  # a name for a "when" question
    assert read_phrase("4 May 1932 [9]", d) is None  # no such sentence
    assert read_phrase("The bridge opened in 1932 and was loved by all [2].", d) is None  # free text


def test_a_model_phrase_is_held_to_what_the_extractive_phrase_is_held_to():
    """A phrase the model copied verbatim is still no answer if it only repeats the question, if its
    date is attached to another event, or, for "who", if it is a place or a lone capitalised word."""
    mayor = draft("Which mayor of Vessmark resigned?", "The mayor of Vessmark resigned in March.")
    assert read_phrase("Vessmark [1]", mayor) is None  # the question's own word
    met = draft("When will the two leaders meet?", "Their previous meeting took place in 2019, officials said.")
    assert read_phrase("2019 [1]", met) is None  # dates the last meeting, not the next
    bridge = draft("When did the bridge open?", BRIDGE)
    assert read_phrase("4 May 1932 [1]", bridge).startswith("4 May 1932 [1].")
    who = draft("Who led the search?", "The search in Holtby was led by police, the council said.")
    assert read_phrase("Holtby [1]", who) is None  # after "in": where, not who
    lone = draft("Who opened the bridge?", "Veldmark opened the bridge in 1932.")
    assert read_phrase("Veldmark [1]", lone) is None
    full = draft("Who opened the bridge?", "Ana Vel opened the bridge in 1932.", "Vel cut the ribbon.")
    assert read_phrase("Vel [2]", full).startswith("Vel [2].")  # the end of a longer name in another quote
    assert read_phrase("Ana Vel [1]", full).startswith("Ana Vel [1].")
    station = draft("At which station did the train arrive?", "The train arrived at Vessby station on Sunday.")
    assert read_phrase("Vessby station [1]", station).startswith("Vessby station [1].")  # no "at" needed
    assert not unread_phrase("Vessby station [1]", station)
    assert unread_phrase("Holm station [1]", station) and unread_phrase("The train arrived [1]", mayor)
    assert not unread_phrase("The train arrived at Vessby station on Sunday, and then it left again.", station)


def test_follow_up_readings_offer_each_recent_exchange():
    history = [
        {"role": "user", "content": "Who designed the tower?"},
        {"role": "assistant", "content": "Ana Vel [1]."},
        {"role": "user", "content": "Where is the harbour?"},
        {"role": "assistant", "content": "In Port Velm [2]."},
    ]
    assert exchanges(history) == [
        ("Where is the harbour?", "In Port Velm [2]."),
        ("Who designed the tower?", "Ana Vel [1]."),
    ]
    readings = candidates("When did she die?", history)
    assert len(readings) == 2
    assert "Where is the harbour?" in readings[0] and "Ana Vel" in readings[1]
    assert candidates("When did the tower open to visitors?", history) == ["When did the tower open to visitors?"]
    # the last answer's first sentence is its context, and "St." does not end it
    church = [{"role": "user", "content": "Which church is oldest?"},
              {"role": "assistant", "content": "St. Ana's Church in Velm, in use since 1769 [1]. It is small. [2]"}]
    assert candidates("When was it founded?", church)[0].endswith("— St. Ana's Church in Velm, in use since 1769.)")


def test_ellipsis_takes_its_kind_from_the_context():
    info = analyze("And in 1990? (following up on: How many visitors came in 1980? — 3,000.)", original="And in 1990?")
    assert info.kind == "number" and info.original == "And in 1990?"
    assert "follow" not in info.terms


def test_specifics_are_numbers_and_capitalised_words():
    assert specifics("When did Ana Vel open the Port Velm bridge in 1932?") == ["ana", "vel", "port", "velm", "1932"]
    assert specifics("when did it open?") == []


def test_a_missing_specific_counts_against_a_sentence():
    stats = LexicalStats(Counter({"bridg": 3, "open": 2, "1932": 1}), 10)
    doc = ({"bridg", "open", "1932"}, {"bridg", "open", "1932", "the"})
    builder = FeatureBuilder(stats, lambda source: doc)
    good = Candidate("The bridge opened in 1932.", "a.txt", 0.7, 0.6, {"bridg", "open", "1932"},
                     "The bridge opened in 1932.")
    x = builder.build(analyze("When did the bridge open in 1932?"), [good])
    y = builder.build(analyze("When did the bridge open in 1990?"), [good])
    i, j = NAMES.index("spec_missing_context"), NAMES.index("spec_missing_document")
    assert x[0, i] == 0.0 and y[0, i] == 1.0 and y[0, j] == 1.0


def test_the_shipped_weights_match_the_features_and_rank_a_better_sentence_higher():
    w = ScorerWeights.load()
    data = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    assert data["trained_on"]["data"].startswith("SQuAD") and 0 < w.threshold < 1
    stats = LexicalStats(Counter({"bridg": 3, "open": 2, "1932": 1, "ferri": 4}), 50)
    builder = FeatureBuilder(stats, lambda source: ({"bridg", "open", "1932", "ferri"}, {"bridg", "open", "1932"}))
    info = analyze("When did the bridge open?")
    right = Candidate(BRIDGE, "a.txt", 0.75, 0.6, set(content_terms(BRIDGE)), BRIDGE)
    wrong = Candidate("The ferry sank.", "a.txt", 0.2, 0.6, {"ferri", "sank"}, "The ferry sank.")
    x = builder.build(info, [right, wrong])
    p = w.sentence(x)
    assert p[0] > p[1] and np.all((p > 0) & (p < 1))
    # a question whose best sentence has no date at all is less likely answered than one whose has
    answered = w.question(question_features(x, p))[0]
    x2 = builder.build(info, [wrong])
    assert w.question(question_features(x2, w.sentence(x2)))[0] < answered


def test_a_figure_of_the_question_that_no_evidence_states_refuses():
    stats = LexicalStats(Counter(content_terms("In 1624 and 1688, seven ships sailed to the cape from the north")), 5)
    sailed = quote("In 1688, seven ships sailed to the cape.")
    evidence = select(analyze("How many ships sailed to the cape in 1624?"), [sailed], 0.9, 0.1, stats)
    assert not evidence.answerable and "1624" in evidence.reason
    # the same figure, in words or digits, in the sentence or the one before it, is stated
    assert select(analyze("Did 7 ships sail in 1688?"), [sailed], 0.9, 0.1, stats).answerable
    before = replace(quote("In 1624, three ships sailed."), score=0.0)  # too weak to be chosen itself
    came = quote("They came from the north.", before.end + 1)
    chosen = select(analyze("Where did the ships of 1624 come from?"), [came, before], 0.9, 0.1, stats)
    assert chosen.answerable and chosen.quotes == [came]
    far = quote("They came from the north.", before.end + 40)
    assert not select(analyze("Where did the ships of 1624 come from?"), [far, before], 0.9, 0.1, stats).answerable
    assert unstated_figures("What share did 18-49 year olds give in the 1980s?", [came]) == []


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        # a number that counts another noun does not count the question's
        ("How many provinces did the kingdom have?", "Exactly 12 months later the kingdom became a republic."),
        # "how much" asks for an amount: a count of things is none
        ("How much did the mill pay for the land?", "The mill owned two farms and a barn near the river."),
        ("How much did her aunts give her?", "In 1880, two of her aunts paid for the journey."),
        # a year is no count, in any century
        ("How many soldiers did the duke send?", "The duke took the city in 1234, ending the siege."),
        ("How many men did the count lead?", "The county, which began in 911 as a fief, passed to his son."),
        # "how deep" asks for a measure
        ("How deep is the lake?", "The lake consists of three basins joined by a channel."),
        ("What percentage of pupils passed?", "Some 400 pupils passed the exam that year."),
        # "how old" asks for an age
        ("How old was the prince when he was crowned?", "It restored his power on the one hand."),
        # a reference mark of a saved web page counts nothing
        ("How deep is the lake?", "[note 7] The lake lies in three basins.[12]"),
    ],
)
def test_a_number_of_another_kind_is_no_answer_phrase(question: str, sentence: str):
    assert answer_phrase(analyze(question), sentence) is None


@pytest.mark.parametrize(
    ("question", "sentence", "phrase"),
    [
        ("How many counties has the republic?", "It is divided into 47 semi-autonomous counties.",
         "47 semi-autonomous"),
        ("How many people are descended from the poet?", "Some 30,000 are descended from him.", "Some 30,000"),
        ("How many foreign trips has she made?", "She has made seven trips abroad.", "seven trips"),
        ("How much does the sector contribute?", "The sector contributes 61% of output.", "61%"),
        ("How much do the larvae eat?", "They eat ten times their own weight.", "ten times"),
        ("How deep is the lake?", "The lake is 251 metres deep.", "251 metres"),
        ("When did the king ban the trade?", "The king in 1291 forbade the trade.", "1291"),
        ("When was the astronomer born?", "The astronomer Ana Vel (1249–1314) mapped the sky.", "1249"),
        ("When did the reform begin?", "In the early 11th century the dukes began a reform.", "early 11th century"),
        ("When did the delta form?", "The delta began to form (~8,000 years ago).", "~8,000 years ago"),
        ("How much of the flow does the canal take?", "Two thirds of the flow goes west.", "Two thirds"),
        ("How old was the prince when he was crowned?", "At the age of 13 he was crowned.", "13"),
    ],
)
def test_the_number_or_date_the_question_asks_for_is_the_phrase(question: str, sentence: str, phrase: str):
    assert answer_phrase(analyze(question), sentence) == phrase


def test_a_count_or_date_question_whose_evidence_states_none_is_refused():
    def evidence(question: str, *texts: str) -> Evidence:
        quotes = [quote(t, 200 * i) for i, t in enumerate(texts)]
        return refuse_without_value(analyze(question), Evidence(quotes, True, "test"))

    assert not evidence("How many ships sailed?", "The fleet sailed at dawn from the north.").answerable
    assert not evidence("When was the priest ordained?", "The priest was ordained in the old chapel.").answerable
    # one sentence with a value of the kind is enough; a word of time answers "when"
    assert evidence("How many ships sailed?", "The fleet sailed at dawn.", "Seven ships left.").answerable
    assert evidence("When was the priest ordained?", "He was ordained after the war.").answerable
    assert evidence("How many types of boat are there?", "Several types of boat are made.").answerable
    # other kinds are left to the scorer
    assert evidence("Who ordained the priest?", "The priest was ordained in the old chapel.").answerable


def test_a_quote_that_opens_with_it_brings_the_sentence_that_says_what_it_is():
    named = "The Velm school is a tradition of river painting."
    it = "It has been described as painting with an emphasis on light."
    other = "Painters of the coast worked in oils."

    def chosen(question: str, best: str, *retrieved: Quote) -> list[str]:
        quotes = [quote(best, 200), *retrieved]
        evidence = with_antecedent(analyze(question), Evidence([quotes[0], quote(other, 900)], True, "test"), quotes)
        return [q.text for q in evidence.quotes]

    before = quote(named, 200 - len(named) - 1)  # the sentence right before, in the same article
    # "what" takes no phrase: the sentence naming "it" leads, so the answer shows it
    assert chosen("What has been described as painting with an emphasis on light?", it, before) == [named, it, other]
    info = analyze("What has been described as painting with an emphasis on light?")
    evidence = with_antecedent(info, Evidence([quote(it, 200)], True, "test"), [quote(it, 200), before])
    assert compose(Draft(info.text, info.text, info, evidence)).startswith(f"{named} [1] {it} [2]")
    # a sentence that does not open with a pronoun, or has no retrieved neighbour before it, is left alone
    assert chosen("What has been described as painting?", named.replace("The", "A"), before) == [
        named.replace("The", "A"), other]
    assert chosen("What has been described as painting with an emphasis on light?", it) == [it, other]
    # for a "when" question the phrase still comes from the best quote, which stays first
    dated = "It opened in 1932 after two years of work."
    assert chosen("When did the Velm school open?", dated, before)[:2] == [dated, named]


def test_whom_a_best_quote_leaves_out_comes_from_the_next_sentence_of_any_copy():
    """The sentence naming whom follows the best quote in article a, but its copy in article b
    scored a little higher, so the merged quote stands for b and lists a in `also_in`."""
    met = "She was met by senior officials of the port."
    named = "The delegation included Ana Vel and Edo Varn."
    best = quote(met, 100)
    follows = Quote("b.txt", "B", None, 40, 40 + len(named), named, 0.5, 0.4, 0.5, True, 0, 100,
                    set(content_terms(named)), [Location("a.txt", 101 + len(met), 101 + len(met) + len(named))])
    info = analyze("Who met her?")
    evidence = attach(info, Evidence([best], True, "test"), [best, follows])
    assert [q.text for q in evidence.quotes] == [named, met]
    elsewhere = replace(follows, also_in=[Location("c.txt", 101 + len(met), 200)])  # a copy in another article
    assert [q.text for q in attach(info, Evidence([best], True, "test"), [best, elsewhere]).quotes] == [met]


def test_a_quote_dating_only_the_past_does_not_lead_the_answer_to_a_future_question():
    past = replace(quote("Their previous meeting took place in 2019 in the capital.", 0), published="2023-05-01")
    ahead = replace(quote("Officials said the two would meet after the fair.", 300), published="2023-05-01")
    info = analyze("When will the two meet?")
    evidence = attach(info, Evidence([past, ahead], True, "test"), [past, ahead])
    assert [q.text for q in evidence.quotes] == [ahead.text, past.text]
    # a question about the past keeps it first
    info = analyze("When did the two last meet?")
    assert attach(info, Evidence([past, ahead], True, "test"), [past, ahead]).quotes[0] is past
