"""qa.values: numbers in words and digits, amounts, percentages, dates, durations, names."""

from __future__ import annotations

import pytest

from qa.values import (
    dates,
    durations,
    format_published,
    month_number,
    names,
    parse_number,
    places,
    quantities,
    same_name,
    same_quantity,
    words_to_number,
    year_spans,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("nine", 9),
        ("twenty-one", 21),
        ("ninety nine", 99),
        ("one hundred and twenty", 120),
        ("two hundred and five thousand", 205_000),
        ("a hundred", 100),
        ("three million", 3_000_000),
        ("1,200", 1200),
        ("1.5", 1.5),
    ],
)
def test_numbers(text, value):
    assert parse_number(text) == value


def test_not_numbers():
    assert words_to_number("several") is None
    assert parse_number("many") is None


def one(text: str):
    qs = quantities(text)
    assert len(qs) == 1, [q.text for q in qs]
    return qs[0]


def test_counts_with_qualifiers_and_nouns():
    q = one("At least 12 people died, officials said.")
    assert (q.value, q.bound, q.unit) == (12, "min", "")
    assert q.after[0] == "people" and q.text == "At least 12 people"
    assert one("The flood killed nine people.").value == 9
    assert one("about 1,200 homes were damaged").bound == "approx"
    assert one("A hundred and twelve people came").value == 112


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("The deal was worth $1.9bn.", 1.9e9, "USD"),
        ("It paid 1.5 billion dollars for the firm.", 1.5e9, "USD"),
        ("the €300m takeover", 3e8, "EUR"),
        ("Someone paid £45 million", 4.5e7, "GBP"),
        ("It cost 2m euros", 2e6, "EUR"),
        ("Prices rose 4.5% this spring.", 4.5, "%"),
        ("a 40 per cent stake", 40, "%"),
        ("forty percent of voters", 40, "%"),
    ],
)
def test_amounts_and_percentages(text, value, unit):
    q = one(text)
    assert q.value == pytest.approx(value) and q.unit == unit


def test_years_dates_times_and_pronouns_are_not_counts():
    assert quantities("It happened on 5 March 2024 at 10:30.") == []
    assert quantities("one of the victims") == []
    assert [q.value for q in quantities("In 2023 the firm hired 40 staff.")] == [40]
    # "100m" without a currency may be metres: not a hundred million
    assert one("a 100m sprint").value == 100


def test_same_quantity():
    [a], [b] = quantities("1.5 billion dollars"), quantities("$1.5bn")
    assert same_quantity(a, b)
    [c] = quantities("$1.9bn")
    assert not same_quantity(a, c)
    [nine], [word] = quantities("9 deaths"), quantities("nine deaths")
    assert same_quantity(nine, word)
    [least], [twelve] = quantities("at least 9 people"), quantities("12 people")
    assert not same_quantity(least, twelve)  # two different reports of the toll
    assert same_quantity(least, nine)
    [about], [close] = quantities("about 1,200 homes"), quantities("1,190 homes")
    assert same_quantity(about, close)
    [euros] = quantities("1.5 billion euros")
    assert not same_quantity(a, euros)


def test_dates_and_months():
    assert month_number("Sept.") == 9 and month_number("march") == 3
    assert dates("from March 5-7 and on 10 September") == {(3, 5), (3, 6), (3, 7), (9, 10)}  # each day of a range
    assert dates("on March 5 and 7") == {(3, 5), (3, 7)}
    assert format_published("2024-03-05") == "5 March 2024"
    assert format_published("spring") == "spring"


def test_durations_of_any_size():
    assert durations("The inquiry lasted three years") == {36.0}
    assert durations("a 36-month inquiry") == {36.0}
    assert durations("twenty-four months of work") == {24.0}


def test_names_and_places():
    [berg] = names("Chief Inspector Anna Berg leads the inquiry.")
    assert berg == {"anna", "berg"}
    [holt] = names("The inquiry is led by Detective Mark Ostby.")
    assert not same_name(berg, holt)
    assert same_name(berg, names("It is headed by Berg.")[0])
    assert names("Police said the inquiry goes on.") == []
    assert places("The plane landed in Tarsk after the storm.") == [frozenset({"tarsk"})]
    assert places("It landed at Velmor airport", exclude={"velmor"}) == []


def test_years_of_any_century_read_as_years_only_where_they_read_as_years():
    def years(text: str) -> list[str]:
        return [text[a:b] for a, b in year_spans(text)]

    assert years("The king in 1291 forbade the trade.") == ["1291"]
    assert years("The astronomer (1249–1314) mapped the sky.") == ["1249", "1314"]
    assert years("The county, which began in 911 as a fief, grew.") == ["911"]
    assert years("since the 6th century BC, and by the early 11th century") == ["6th century BC", "early 11th century"]
    assert years("It sailed in 300 ships.") == [] and years("It rose by 300.") == []
    assert years("About 1500 soldiers died.") == []
    # and a year is no count
    assert quantities("The king in 1291 forbade the trade.") == []
    assert [q.text for q in quantities("About 1500 soldiers died.")] == ["About 1500 soldiers"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It cited an unnamed Veldish source.", []),
        ("The Ostrian news agency Kavla reported it.", [{"kavla"}]),
        ("Ms Tarvanian said the talks went well.", [{"tarvanian"}]),  # after a title: a surname
        ("They met Adrian Vellish there.", [{"adrian", "vellish"}]),  # part of a full name
    ],
)
def test_a_nationality_shaped_adjective_before_a_noun_is_no_name(text, expected):
    assert [set(n) for n in names(text)] == expected


def test_a_dotted_initialism_is_one_name_word():
    # "U.N." was read as two one-letter names, "U" and "N", and "No" opening a sentence as part of one
    [council] = names("The vote would breach U.N. Security Council resolutions.")
    assert council == {"un", "security", "council"}
    assert same_name(council, names("No UN resolution allows it.")[0])
    assert names("No UN resolution allows it.") == [{"un"}]
