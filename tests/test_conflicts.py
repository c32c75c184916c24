"""qa.conflicts and qa.corroboration on made-up quotes: disagreements on any value, agreement
across wording, copies, the disagreement sentence and the evidence table."""

from __future__ import annotations

from dataclasses import replace

import pytest

from qa.conflicts import detect, value_type
from qa.corroboration import announce, corroborate, evidence_table, is_copy, mark_copies, with_announcement
from qa.question import analyze
from qa.text import content_terms
from qa.types import Answer, Citation, Conflict, ConflictSide, Location, Quote


def quote(source: str, text: str, published: str | None = None, similarity: float = 0.7, start: int = 0) -> Quote:
    return Quote(
        source, source.upper(), published, start, start + len(text), text, similarity, similarity, 0.5, True, 0,
        start + len(text), set(content_terms(text)),
    )  # fmt: skip


def sides(question: str, *texts: str) -> list[str]:
    quotes = [quote(f"{i}.txt", t) for i, t in enumerate(texts)]
    found = detect(analyze(question), quotes)
    assert len(found) <= 1
    return [s.value for s in found[0].sides] if found else []


DIED = "How many people died in the flood?"


@pytest.mark.parametrize(
    ("question", "a", "b", "expected"),
    [
        (DIED, "The flood killed nine people in the town.", "At least 12 people died in the flood.",
         ["nine people", "At least 12 people"]),
        ("How much did the buyer pay for the shipyard?", "The buyer paid 1.5 billion dollars for the shipyard.",
         "The shipyard was sold to the buyer for $1.9bn.", ["1.5 billion dollars", "$1.9bn"]),
        ("What percentage of voters backed the plan?", "Some 40% of voters backed the plan.",
         "The plan was backed by 45 per cent of voters.", ["Some 40%", "45 per cent"]),
        ("Who leads the investigation into the fire?",
         "Chief Inspector Anna Berg leads the investigation into the fire.",
         "The investigation into the fire is led by Detective Mark Ostby.",
         ["Chief Inspector Anna Berg", "Detective Mark Ostby"]),
        ("Where did the plane land?", "The plane landed in Tarsk after the storm.",
         "The plane landed at Velmor airport.", ["Tarsk", "Velmor"]),
    ],
)  # fmt: skip
def test_disagreements_on_any_value(question, a, b, expected):
    assert sides(question, a, b) == expected


@pytest.mark.parametrize(
    ("question", "a", "b"),
    [
        (DIED, "The flood killed nine people in the town.", "Nine people died in the flood, officials said."),
        (DIED, "The flood killed at least 9 people in the town.", "9 people died in the flood."),
        (DIED, "The flood killed nine victims in the town.", "The death toll from the flood stands at 9."),
        ("How much did the buyer pay for the shipyard?", "The buyer paid $1.5 billion for the shipyard.",
         "The shipyard went to the buyer for 1.5bn dollars."),
        ("Who leads the investigation into the fire?",
         "Chief Inspector Anna Berg leads the investigation into the fire.",
         "The fire investigation, headed by Berg, goes on."),
        # different currencies cannot be compared: no conflict is claimed
        ("How much did the buyer pay for the shipyard?", "The buyer paid $1.5 billion for the shipyard.",
         "The shipyard went to the buyer for 1.4 billion euros."),
    ],
)  # fmt: skip
def test_values_that_agree_once_normalised_are_no_conflict(question, a, b):
    assert sides(question, a, b) == []


def test_a_figure_for_something_else_is_not_a_side():
    # "three shelters" does not count homes
    assert sides("How many homes were damaged?", "About 300 homes were damaged.",
                 "The council opened three shelters for families whose homes were damaged.") == []  # fmt: skip


def test_three_articles_two_sides_and_same_article_is_never_a_side():
    quotes = [
        quote("a.txt", "The flood killed nine people in the town."),
        quote("a.txt", "Twelve people died in the flood, a witness claimed."),
        quote("b.txt", "At least 12 people died in the flood."),
        quote("c.txt", "Nine people died in the flood, police said."),
    ]
    [found] = detect(analyze(DIED), quotes)
    assert [s.quote.source for s in found.sides] == ["a.txt", "b.txt"]


def test_value_types():
    assert value_type(analyze("How much did the firm pay?")) == "amount"
    assert value_type(analyze("What percentage of staff left?")) == "percentage"
    assert value_type(analyze("How many homes were damaged?")) == "count"
    assert value_type(analyze("Which company bought the mill?")) == "name"
    assert value_type(analyze("Why did the bridge close?")) is None


def test_corroboration_across_wording():
    cited = quote("a.txt", "The flood killed nine people in the town.")
    pool = [
        cited,
        quote("b.txt", "Nine people died in the flood, police said."),
        quote("c.txt", "At least 12 people died in the flood."),
        quote("d.txt", "The flood killed nine people, a report said.", similarity=0.2),  # off-topic: ignored
    ]
    corroborate(analyze(DIED), [cited], pool)
    assert [loc.source for loc in cited.also_in] == ["b.txt"]


def citation(n: int, source: str, published: str | None, also: tuple[str, ...] = ()) -> Citation:
    return Citation(n, source, source.upper(), f"quote {n}", 0, 7, published=published,
                    also_in=[Location(s, 0, 1) for s in also])  # fmt: skip


def test_announcement_names_both_sides_and_the_later_report():
    cits = [citation(1, "a.txt", "2024-03-04"), citation(2, "b.txt", "2024-03-05")]
    conflict = Conflict(
        "number of deaths", [ConflictSide("9 deaths", 1, ["a.txt"]), ConflictSide("At least 12 deaths", 2, ["b.txt"])]
    )
    text = announce([conflict], cits)
    assert text == ("The articles disagree on the number of deaths: 9 deaths [1], at least 12 deaths [2]; "
                    "the later report, of 5 March 2024, gives at least 12 deaths [2].")  # fmt: skip
    # same day: no "later report"
    same = [citation(1, "a.txt", "2024-03-05"), citation(2, "b.txt", "2024-03-05")]
    assert "later" not in announce([conflict], same)
    composed = "The articles disagree on the number of deaths: they give “9 deaths” and “12 deaths”. Q1 [1] Q2 [2]"
    replaced = with_announcement(composed, [conflict], cits)
    assert replaced.startswith(text) and replaced.endswith("Q1 [1] Q2 [2]") and replaced.count("disagree") == 1
    assert with_announcement(replaced, [conflict], cits) == replaced


WIRE = ("Heavy rain sent the river over its banks on Sunday night and the water rose fast through the old town. "
        "The flood killed nine people, the regional council said, and about 300 homes were damaged.")  # fmt: skip


def test_copies_count_once():
    copy = WIRE.replace("Sunday night", "Sunday evening") + " Our reporter adds that schools are shut."
    other = "Nine people died when the river burst its banks, officials said on Monday after a long night."
    assert is_copy(WIRE, copy) and not is_copy(WIRE, other)
    texts = {"a.txt": WIRE, "b.txt": copy, "c.txt": other}
    c = citation(1, "a.txt", None, ("b.txt", "c.txt"))
    mark_copies([c], texts.get)
    assert c.copies == {"b.txt": "a.txt"} and c.reported_by == ["a.txt", "c.txt"]


def test_evidence_table_rows():
    cits = [citation(1, "a.txt", "2024-03-04", ("c.txt",)), citation(2, "b.txt", "2024-03-05")]
    conflict = Conflict("number", [ConflictSide("nine", 1, ["a.txt", "c.txt"]), ConflictSide("12", 2, ["b.txt"])])
    answer = Answer("q", "q", "The articles disagree on the number: nine [1], 12 [2]. Nine died. [1] Twelve died. [2]",
                    True, cits, [conflict])  # fmt: skip
    rows = evidence_table(answer)
    assert [(r.citation, r.claim, r.supports, r.contradicts) for r in rows] == [
        (1, "Nine died.", ["c.txt"], ["b.txt"]),
        (2, "Twelve died.", [], ["a.txt", "c.txt"]),
    ]
    assert answer.to_dict()["evidence_table"] == [] and rows[0].to_dict()["published"] == "2024-03-04"


def test_dates_in_other_words_and_a_lone_weekday():
    info = analyze("On what day did the fishing boat sink?")
    a = quote("a.txt", "The fishing boat sank on Tuesday, March 4, the coastguard said.")
    b = quote("b.txt", "The trawler went down on March 5 after taking on water.")
    [found] = detect(info, [a, b])
    assert found.topic == "date" and [s.quote.source for s in found.sides] == ["a.txt", "b.txt"]
    # when it was said ("said on Friday") is not when it happened
    c = quote("c.txt", "The trawler went down on March 4 after taking on water, the owner said on Friday.")
    assert detect(info, [a, c]) == []


def test_corroboration_from_a_quote_with_two_names():
    info = analyze("Which airline operated the plane that landed at the airport?")
    cited = quote("a.txt", "A Cloudline Air plane landed at the airport on Wednesday.")
    other = quote("b.txt", "Investigators examined a plane flown by Cloudline Air, said Tom Quill.", similarity=0.4)
    corroborate(info, [cited], [cited, other])
    assert [loc.source for loc in cited.also_in] == ["b.txt"]
    rival = quote("c.txt", "Investigators examined a plane operated by Bluewing, said Tom Quill.", similarity=0.4)
    cited.also_in.clear()
    corroborate(info, [cited], [cited, rival])
    assert cited.also_in == []


def test_a_day_inside_a_range_is_no_conflict_and_a_day_outside_is():
    info = analyze("When did the trade fair take place?")
    a = quote("a.txt", "The trade fair took place from March 10 to 13 in the old harbour.")
    b = quote("b.txt", "The trade fair took place on March 11, organisers said.")
    assert detect(info, [a, b]) == []
    c = quote("c.txt", "The trade fair took place on March 15, organisers said.")
    [found] = detect(info, [a, c])
    assert [s.value for s in found.sides] == ["March 10 to 13", "March 15"]


def test_a_bare_date_line_is_not_a_side():
    # a date line under a headline says when the article was written, not when the event happens
    info = analyze("When does the tunnel open to traffic?")
    a = quote("a.txt", "The tunnel will open to traffic on Tuesday, March 4, the roads agency said.")
    b = quote("b.txt", "February 27, 2025")
    assert detect(info, [a, b]) == []


@pytest.mark.parametrize(("second", "conflict"), [(0.7, True), (0.6, True), (0.3, False)])
def test_a_date_far_down_the_evidence_is_not_a_side(second: float, conflict: bool):
    """Two wordings of one event disagree on its date; a date in a quote that scores far below the
    first side is most often another event's, and is no side (qa.conflicts.ATTACHED_SCORE)."""
    a = quote("a.txt", "The gathering is expected to be held on Tuesday, 12 March, in the old port town.")
    b = quote("b.txt", "Officials said the summit could take place around 14 March, after the fair.", similarity=second)
    found = detect(analyze("When will the summit take place?"), [a, b])
    assert bool(found) == conflict
    if conflict:
        assert found[0].topic == "date" and [s.quote.source for s in found[0].sides] == ["a.txt", "b.txt"]


def test_dates_of_sentences_without_the_questions_names_are_no_sides():
    """Each of two unrelated sentences holds one word of "Mill Harbour Bridge" and a date: no
    disagreement on when the bridge was built. Sentences that name it disagree."""
    info = analyze("When was the Mill Harbour Bridge built?")
    a = quote("a.txt", "The garden at the mill was laid out on 5 July 2005.", similarity=0.5)
    b = quote("b.txt", "The harbour ferry service was set up on 24 April 1954.", similarity=0.5)
    assert detect(info, [a, b]) == []
    c = quote("c.txt", "The Mill Harbour Bridge was built on 5 July 1932.")
    d = quote("d.txt", "The Mill Harbour Bridge, built on 6 June 1930, is the oldest in the town.")
    found = detect(info, [c, d])
    assert found and found[0].topic == "date" and {s.quote.source for s in found[0].sides} == {"c.txt", "d.txt"}


FOLLOW_UP = "Which agency reported that?"
CONTEXT = " (following up on: Where did the convoy cross the border? — At the Dornhal crossing.)"
CROSSED = "The convoy crossed the border at the Dornhal crossing, the agency Ravno reported on Monday."
LEFT = "The state agency Tessa said the delegation had left the capital under guard."


def test_a_follow_up_name_conflict_needs_both_quotes_on_what_it_refers_to():
    # both quotes are close to the question with its context, but only one reports the crossing:
    # the other agency reported something else, which is no second answer
    quotes = [quote("a.txt", CROSSED), quote("b.txt", LEFT)]
    assert detect(analyze(FOLLOW_UP + CONTEXT, original=FOLLOW_UP), quotes) == []
    # the same two quotes under a question without a context are close enough to compare
    [found] = detect(analyze("Which agency reported on the convoy?"), quotes)
    assert [s.value for s in found.sides] == ["Ravno", "Tessa"]


def test_a_nationality_adjective_is_not_a_side():
    # "an unnamed Veldish source" describes who told the agency; it names no second agency
    quotes = [
        quote("a.txt", "The convoy crossed at Dornhal, an agency reported, citing an unnamed Veldish source."),
        quote("b.txt", "The convoy crossed at Dornhal, the agency Ravno said on Monday."),
    ]
    assert detect(analyze("Which agency reported the crossing at Dornhal?"), quotes) == []


def test_the_day_a_report_came_out_is_no_side():
    """Both sentences name whom the question names; one dates a stay, the other the day a newspaper
    reported the plans (`qa.claims`: a date by a verb of reporting dates the report): no disagreement
    on when the talks open."""
    info = analyze("When will the talks between Ana Vel and Edo Varn open?")
    a = quote("a.txt", "Edo Varn has been in the capital since Monday, 11 May, for the trade fair.", similarity=0.6)
    b = quote("b.txt", "On 5 May, a newspaper reported on the preparations for Ana Vel's visit.", similarity=0.6)
    assert detect(info, [a, b]) == []
    c = quote("c.txt", "The talks between Ana Vel and Edo Varn will open on 12 May.")
    d = quote("d.txt", "Ana Vel and Edo Varn could open their talks around 14 May, officials said.")
    found = detect(info, [c, d])
    assert found and {s.quote.source for s in found[0].sides} == {"c.txt", "d.txt"}


def test_a_later_article_that_also_names_the_first_winner_still_disagrees():
    """The later article names the earlier one's winner too, as disqualified: still two answers to
    "who won". Each article naming the other's person (a winner and a runner-up in both) is not."""
    question = "Who won the men's race at the Orlin marathon?"
    first = "Edo Varn won the men's race at the Orlin marathon on Sunday."
    later = "Ana Vellis was declared the winner of the men's race at the Orlin marathon on Monday."
    dropped = quote("b.txt", "Edo Varn, who crossed the line first, was disqualified for cutting the course.")
    found = detect(analyze(question), [quote("a.txt", first), quote("b.txt", later), dropped])
    assert [s.value for s in found[0].sides] == ["Edo Varn", "Ana Vellis"]
    runner_up = quote("a.txt", "Ana Vellis finished second, four seconds behind.")
    both = [quote("a.txt", first), quote("b.txt", later), dropped, runner_up]
    assert detect(analyze(question), both) == []


def test_a_name_in_the_sentence_that_continues_a_quote_is_a_side():
    """The later article's sentence on the question names no one; the next one, which opens with
    "Its", does: that name is its side. A next sentence that does not continue it gives none."""
    question = "Who was chosen to chair the Orlin growers' union?"
    first = quote("a.txt", "Edo Varn was chosen to chair the Orlin growers' union on Saturday.")
    lead = "The Orlin growers' union has a different chair after all."
    topic = quote("b.txt", lead)
    text = "Its board said on Friday that Ana Vellis won the vote once late ballots were counted."
    after = quote("b.txt", text, similarity=0.4, start=len(lead) + 1)  # too far from the question alone
    found = detect(analyze(question), [first, topic, after])
    assert [s.value for s in found[0].sides] == ["Edo Varn", "Ana Vellis"]
    assert found[0].sides[1].quote is after
    unrelated = quote("b.txt", text.replace("Its board", "A farmer"), similarity=0.4, start=len(lead) + 1)
    assert detect(analyze(question), [first, topic, unrelated]) == []


def test_she_in_the_sentence_on_the_question_is_the_name_the_sentence_before_opens_with():
    """Both articles' sentences on the question say "She ..."; each names her in the sentence
    before, which opens with her name: the two agree, and the second backs the first. A name that
    the article gives nowhere else (a capitalised word opening a sentence) is no one."""
    question = "Who will succeed Edo Varn as the growers' union chair?"
    a_before = "Ana Vellis, 49, ran the seed cooperative for ten years."
    a = quote("a.txt", "She takes over in June from Edo Varn as the growers' union chair.", start=len(a_before) + 1)
    b_before = "Vellis, who farmed near the river for 22 years, starts in June."
    b = quote("b.txt", "She replaces Edo Varn, the growers' union chair since 2009.", start=len(b_before) + 1)
    elsewhere = quote("b.txt", "Trustees chose Vellis from a shortlist of three.", similarity=0.3, start=500)
    pool = [a, b, quote("a.txt", a_before, similarity=0.3), quote("b.txt", b_before, similarity=0.3), elsewhere]
    info = analyze(question)
    assert detect(info, pool) == []
    corroborate(info, [a], pool)
    assert [loc.source for loc in a.also_in] == ["b.txt"]
    alone = [quote("a.txt", a.text, start=a.start), quote("a.txt", "Police said the vote was close.", similarity=0.3)]
    assert detect(info, [*alone, b, pool[3], elsewhere]) == []  # "Police" is no side


def test_a_side_whose_article_never_names_the_questions_subject_is_no_side():
    """"What share of pupils in Veldmark ...?": an article about another country gives another share of
    something else, not a disagreement. Both articles naming Veldmark do disagree."""
    question = "In Veldmark, what percentage of secondary pupils attend private schools?"
    a = quote("a.txt", "The share of secondary pupils in private schools reached 11.1%.")
    b = quote("b.txt", "About 70% of secondary pupils attend private schools, the ministry said.")
    info = analyze(question)
    assert len(detect(info, [a, b])) == 1  # without the articles' words: the old reading
    words = {"a.txt": {"veldmark", "pupil", "school"}, "b.txt": {"ostrava", "pupil", "school"}}
    assert detect(info, [a, b], document_words=words.__getitem__) == []
    words["b.txt"].add("veldmark")
    assert [s.value for s in detect(info, [a, b], document_words=words.__getitem__)[0].sides] == ["11.1%", "About 70%"]


def test_a_place_in_an_articles_best_scoring_sentence_is_a_side_under_the_relevance_cosine():
    """The later article's sentence on the landing names the place in other words than the
    question, and sits under the relevance cosine: as its article's best-scoring quote that names a
    place, it is still a side, when both articles name what the question names. Scored far below the
    best quote, naming a place the other article also names, or with nothing to check the articles
    against, it is none."""
    question = "Near which village did the glider from Tessendal Field make its forced landing?"
    a = quote("a.txt", "The glider that came down on Monday landed in a field outside Brenmoor, the branch said.")
    b_topic = quote("b.txt", "The glider had taken off from Tessendal Field an hour earlier.", similarity=0.65)
    b_text = "A glider carrying two pilots made an emergency landing near Holtby on Monday afternoon."
    b = replace(quote("b.txt", b_text, similarity=0.4, start=200), score=0.6)
    info = analyze(question)
    words = {"a.txt": {"tessend", "field", "glider"}, "b.txt": {"tessend", "field", "glider"}}.__getitem__
    found = detect(info, [a, b_topic, b], document_words=words)
    assert [s.value for s in found[0].sides] == ["Brenmoor", "Holtby"]
    assert detect(info, [a, b_topic, b]) == []  # no article words to check the question's names against
    assert detect(info, [a, b_topic, replace(b, score=0.3)], document_words=words) == []  # under 0.7 of the best
    both = quote("a.txt", "Holtby's fire crew was also sent to the field.", similarity=0.3, start=300)
    assert detect(info, [a, b_topic, b, both], document_words=words) == []


def test_a_full_name_an_articles_best_scoring_sentence_gives_as_whom_is_a_side():
    """ "Its next director will be Edo Varn" names the role in other words than "appointed to head":
    the event-word readings read no name there, the article's best-scoring quote that states one does."""
    question = "Who has been appointed to head the Vessmark Glass Museum?"
    a = quote("a.txt", "The Vessmark Glass Museum has appointed Ana Vellis to head it from June.")
    director = "The Vessmark Glass Museum said its next director will be Edo Varn."
    b = replace(quote("b.txt", director, similarity=0.4), score=0.6)
    words = {"a.txt": {"vessmark", "glass", "museum"}, "b.txt": {"vessmark", "glass", "museum"}}.__getitem__
    found = detect(analyze(question), [a, b], document_words=words)
    assert [s.value for s in found[0].sides] == ["Ana Vellis", "Edo Varn"]
    one_word = replace(b, text="The Vessmark Glass Museum said its next director will be Varn.")
    assert detect(analyze(question), [a, one_word], document_words=words) == []
