"""Contract tests of `qa` on the seed articles, with the real MiniLM and a real Chroma store.

These pin what users rely on: cited answers whose quotes are exact slices of the source,
refusals when the articles don't say, follow-ups, conflicts, clear errors for bad input.
The extractive generator keeps them fast and deterministic.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import SEED_FILES, run_cli

from qa import Assistant, ask
from qa.errors import EmptyQuestion, EmptyStore, QuestionTooLong
from vectorstore.config import StoreConfig
from vectorstore.errors import StoreNotFound
from vectorstore.ingest import ingest
from vectorstore.store import Store

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("seed-store") / "store"
    report = ingest([p for p in SEED_FILES], StoreConfig(store=path))
    assert report.ok
    return str(path)


@pytest.fixture(scope="session")
def assistant(seed_store) -> Assistant:
    return Assistant.open(store=seed_store, generator="extractive")


def check_citations(answer, assistant: Assistant) -> None:
    """Every [n] refers to a listed citation, numbers run 1..k in order of first use, quotes are exact."""
    used = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    first_use = list(dict.fromkeys(used))
    assert first_use == list(range(1, len(answer.citations) + 1))
    assert [c.n for c in answer.citations] == first_use
    for c in answer.citations:
        text = assistant.document_text(c.source)
        assert text[c.start:c.end] == c.quote
        original = next(f for f in SEED_FILES if f.name == c.source).read_text(encoding="utf-8")
        assert original[c.start:c.end] == c.quote


def test_who_accompanied_kim(assistant):
    answer = assistant.ask("Who accompanied Kim?")
    assert answer.answerable
    quotes = " ".join(c.quote for c in answer.citations)
    assert "Choe Sun-hui" in quotes and "Jo Chun-ryong" in quotes
    check_citations(answer, assistant)
    assert json.loads(json.dumps(answer.to_dict()))["citations"][0]["n"] == 1


def test_repeated_passages_are_merged(assistant):
    answer = assistant.ask("What does the presence of Jo Chun-ryong indicate according to Michael Madden?")
    assert answer.answerable
    check_citations(answer, assistant)
    cited = answer.citations[0]
    assert "munitions purchases" in cited.quote
    assert len(cited.sources) >= 2, "the same quote appears in several articles"


# "What gifts did Putin give Kim?" was refused by the first version's seed-fitted rules and is now
# answered with the closest passages (docs/EVALUATION.md: 2 of the 11 unanswerable seed questions
# are refused); these two hinge on words no article contains.
@pytest.mark.parametrize("question", ["What did Kim eat for breakfast?", "What is the population of Vladivostok?"])
def test_refusals(assistant, question):
    answer = assistant.ask(question)
    assert not answer.answerable
    assert "don't say" in answer.text
    assert answer.citations == [] and "[" not in answer.text
    assert answer.related, "the closest passages are listed as related"


def test_follow_up_resolves(assistant):
    history = [{"role": "user", "content": "At which station did the train enter Russia?"},
               {"role": "assistant", "content": "Khasan [1]."}]
    answer = assistant.ask("Which agency reported that?", history=history)
    assert answer.standalone_question != answer.question and "Khasan" in answer.standalone_question
    assert answer.answerable and "Kyodo" in answer.text
    check_citations(answer, assistant)


def test_conflict_on_the_summit_date(assistant):
    # the chat's own example; "summit" is in one sentence only, which dates a previous meeting
    answer = assistant.ask("When will the summit take place?")
    assert "2019" not in answer.text.split("[1]")[0]
    assert answer.answerable and answer.conflicts
    conflict = answer.conflicts[0]
    assert len(conflict.sides) >= 2
    assert len({s.sources[0] for s in conflict.sides}) >= 2, "sides come from different articles"
    assert "disagree" in answer.text
    cited = {c.n for c in answer.citations}
    assert all(s.citation in cited for s in conflict.sides)
    check_citations(answer, assistant)


def test_streaming_yields_the_answer(assistant):
    stream = assistant.stream("At which station did Kim's armoured train arrive?")
    assert stream.draft.citations  # sources are there before any token
    text = "".join(stream)
    assert text == stream.answer.text and "Khasan" in text


def test_bad_questions(assistant, seed_store):
    with pytest.raises(EmptyQuestion):
        assistant.ask("   \n\t ")
    with pytest.raises(ValueError, match="limit is 2,000"):
        assistant.ask("Who accompanied Kim? " * 200)
    with pytest.raises(QuestionTooLong):
        assistant.ask("x" * 1_000_000)
    answer = assistant.ask("Who\x00 accompanied\x1b Kim?\u200b")  # control characters are dropped
    assert answer.answerable
    assert sorted(Store.open(StoreConfig(store=seed_store)).chunk_ids())  # the store is untouched


def test_missing_and_empty_store(tmp_path):
    with pytest.raises(StoreNotFound, match="sourced ingest"):
        Assistant.open(store=tmp_path / "none", generator="extractive")
    config = StoreConfig(store=tmp_path / "empty")
    Store.open(config, create=True)
    with pytest.raises(EmptyStore, match="holds no articles"):
        Assistant.open(store=config.store, generator="extractive").ask("Who accompanied Kim?")


def test_one_call_ask(seed_store):
    answer = ask("Where did Putin and Kim meet in 2019?", store=seed_store, generator="extractive")
    assert answer.answerable and "Vladivostok" in answer.text


def test_cli_ask(seed_store):
    out = run_cli("ask", "Who accompanied Kim?", "--store", seed_store, "--generator", "extractive")
    assert out.returncode == 0, out.stderr
    assert "[1]" in out.stdout and "Sources:" in out.stdout and "Choe Sun-hui" in out.stdout
    js = run_cli("ask", "What did Kim eat for breakfast?", "--store", seed_store, "--generator", "extractive",
                 "--json")
    data = json.loads(js.stdout)
    assert data["answerable"] is False and data["related"]
    empty = run_cli("ask", "  ", "--store", seed_store, "--generator", "extractive")
    assert empty.returncode == 2 and "empty" in empty.stderr and "Traceback" not in empty.stderr
