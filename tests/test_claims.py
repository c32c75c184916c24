"""The claim-level check (`qa.claims`): a value must be attached in the quote to what the claim attaches it to.

Made-up sentences only. Each case states one behaviour; the benchmark over real articles is
eval/claims/run.py (numbers in docs/EVALUATION.md, "Claim check").
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.citations import supports, verify
from qa.claims import attached, why_not
from qa.types import Quote

FERRY = "The old ferry closed in 1932, two years before the bridge opened."
BRIDGE = "The bridge, finished in 1931, opened in 1932."
MEETING = "This visit is the second trip of the mayor to the port, with their previous meeting taking place in 2015."


@pytest.mark.parametrize(("claim", "quote"), [
    ("The bridge opened in 1932", BRIDGE),
    ("The bridge was finished in 1931", BRIDGE),
    ("The ferry closed in 1932", FERRY),
    ("Their previous meeting took place in 2015", MEETING),
    ("In 1930 the mill burned down", "In 1930, the mill burned down and the town moved east."),
    ("The mill burned down in 1930", "The mill, which had stood since 1801, burned down in 1930."),
    ("Dana Reyes ruled from 1410 to 1422", "Queen Dana Reyes, the old king's niece, ruled for twelve years, "
                                             "from 1410 to 1422."),
    ("The hall moved to the river in 1877", "It was not until 1877 that the hall moved to the river."),
    # the event's own date in a reported sentence, and the report's date when the claim is the report
    ("The plant closes in June", "Officials said on Monday that the town would close the plant in June."),
    ("A newspaper reported on the plans on 5 May", "On 5 May, a newspaper reported on the plans."),
    ("The article was published on 5 May", "On 5 May, a newspaper reported on the plans."),
    ("The bridge opened in 1932", "In 1932, the bridge was opened, the paper reported."),
])
def test_a_value_attached_as_in_the_quote_is_kept(claim: str, quote: str):
    assert why_not(claim, quote) is None


@pytest.mark.parametrize(("claim", "quote", "why"), [
    # the value's clause has its own subject; the claim's subject sits elsewhere
    ("The bridge opened in 1932", FERRY, "another subject"),
    ("The summit of the mayor will take place in 2015", MEETING, "another subject"),
    # the claim's verb is in another clause, and the value's clause has a verb of its own
    ("The bridge opened in 1931", BRIDGE, "verb"),
    ("The hall moved to the river in 1801", "The hall, which was built in 1801, moved to the river in 1877.",
     "verb"),
    # a number next to another number's word
    ("The fleet had 40 ships and 900 men", "The fleet had 900 ships and 40 men.", "neighbouring"),
    # a date paired with another agent in its own clause
    ("The pump was described by Ola Berg in 1702", "The pump was described by Ola Berg in 1690 and by Ivo Lind "
                                                   "in 1702.", "pairs"),
    # a number word the quote does not have
    ("The town has seven bridges", "The town has three bridges.", "not in the quote"),
    # a date that stands by a verb of reporting dates the report
    ("The talks between the mayors take place on 5 May", "On 5 May, a newspaper reported on the plans for "
                                                         "the mayors' visit.", "dates a report"),
    ("The plant closes on Monday", "Officials said on Monday that the town would close the plant in June.",
     "dates a report"),
])
def test_a_value_attached_to_something_else_is_rejected(claim: str, quote: str, why: str):
    reason = why_not(claim, quote)
    assert reason is not None and why in reason, reason


def test_negation_is_checked_clause_by_clause():
    quote = "The road was closed in May, and no bus ran to the village."
    assert attached("No bus ran to the village", quote)
    assert not attached("A bus ran to the village", quote)  # the negation dropped
    assert not attached("The road was not closed in May", quote)  # one added, though the sentence has "no"
    # a negation about something else, and "not until", deny nothing
    assert attached("The clerk was sent home in 1899", "In 1899, the clerk was sent home for not having a pass.")
    assert attached("The hall moved in 1877", "It was not until 1877 that the hall moved.")
    assert not attached("The hall did not move in 1877", "It was not until 1877 that the hall moved.")


def test_a_sentence_quoted_whole_is_backed_by_itself():
    # the negation sits in one clause ("not on the ridge"), the best-matching clause has none: the
    # clause-by-clause check once rejected this sentence against itself, and so dropped it from answers
    quote = "The fire started in Mill Canyon, not on Pine Ridge where smoke was first seen, investigators said."
    assert attached(quote, quote)
    assert attached(quote, f"Crews worked all night. {quote} The park stays closed.")
    assert not attached("Smoke was first seen in Mill Canyon.", quote)  # a corruption of it is still caught
    doc = f"Crews worked all night. {quote}"
    assert verify(f"{quote} [1]", [_quote(doc, quote)], {"a.txt": doc}.get).citations


def test_a_value_the_quote_denies_is_not_backed_by_it():
    quote = "The fire started in Mill Canyon, not on Pine Ridge where smoke was first seen."
    assert why_not("The fire started on Pine Ridge", quote) == "['pine', 'ridge']: the quote denies it"
    assert attached("The fire started in Mill Canyon", quote)
    assert attached("The fire did not start on Pine Ridge", quote)  # the claim denies it too
    assert attached("Ana Vel sang", "Not only Ana Vel but also Edo Varn sang.")  # "not only" affirms


def test_supports_runs_the_claim_check_unless_asked_not_to():
    sentence = "The bridge opened in 1932"
    assert supports(sentence, [FERRY], claims=False)  # every word is there
    assert not supports(sentence, [FERRY])
    assert supports(sentence, [BRIDGE])


def _quote(doc: str, text: str) -> Quote:
    start = doc.index(text)
    return Quote("a.txt", "A", None, start, start + len(text), text, 1.0, 0.8, 1.0, True, 0, len(doc))


def test_verify_re_attributes_a_misattached_value_to_the_quote_that_backs_it():
    doc = f"{FERRY} {BRIDGE}"
    quotes = [_quote(doc, FERRY), _quote(doc, BRIDGE)]
    v = verify("The bridge opened in 1932 [1].", quotes, {"a.txt": doc}.get)
    assert v.text == "The bridge opened in 1932 [1]." and v.citations[0].quote == BRIDGE
    v = verify("The bridge opened in 1931 [1].", quotes, {"a.txt": doc}.get)
    assert v.citations == [] and v.removed == ["The bridge opened in 1931."]


def test_a_capitalised_connecting_word_alone_ends_the_parse():
    # "ÊL" lowers to a connecting word ("el"): it once made the name scanner loop forever
    assert attached("&", "{ ÊL") is True and attached("The El", "El") is True


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=120), st.text(max_size=200))
def test_the_check_never_raises(claim: str, quote: str):
    assert isinstance(attached(claim, quote), bool)


def test_benchmark_file_is_well_formed(tmp_path: Path):
    root = Path(__file__).resolve().parents[1]
    path = root / "eval" / "claims" / "corrupted.jsonl"
    squad = root / "eval" / "squad"
    if not (squad / "articles").is_dir():  # generated, not committed: build it as eval/squad.py does
        sys.path.insert(0, str(root / "eval"))
        from squad import convert

        squad = Path(convert(out_dir=tmp_path / "squad", sample=1)["articles_dir"]).parent
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    ids = {r["id"] for r in rows}
    kinds = {"swap-date", "swap-number", "swap-name", "move-value", "drop-negation", "swap-place"}
    assert sum(r["label"] == "corrupted" for r in rows) >= 60 and sum(r["label"] == "supported" for r in rows) >= 40
    assert {r["corruption"] for r in rows if r["label"] == "corrupted"} == kinds
    for r in rows:
        generated = r["source"].startswith("eval/squad/")
        source = squad / r["source"].removeprefix("eval/squad/") if generated else root / r["source"]
        text = source.read_text(encoding="utf-8")
        assert r["quote"] in text and r["split"] in {"dev", "test"}
        if r["label"] == "corrupted":
            assert r["of"] in ids and r["corruption"] in kinds
        else:
            assert r["corruption"] is None and r["of"] is None
