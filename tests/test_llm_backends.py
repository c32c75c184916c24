"""The language-model generator over HTTP backends, against a fake OpenAI-compatible server.

Covers streaming, the prompt (fenced passages, the data-not-instructions rule, its size),
citation checking of the model's text, refusals, server errors, time-outs and a server that is
down: each ends with a clear notice and the extractive answer, never a crash.
"""

from __future__ import annotations

import time

import pytest
from conftest import SEED_FILES, free_port
from fake_openai import FakeOpenAI

from qa import Assistant
from qa.errors import GeneratorUnavailable
from vectorstore.config import StoreConfig
from vectorstore.ingest import ingest

pytestmark = pytest.mark.integration
QUESTION = "At which station did Kim's armoured train arrive?"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("llm-store") / "store"
    assert ingest(list(SEED_FILES), StoreConfig(store=path)).ok
    return str(path)


@pytest.fixture(scope="module")
def base(store) -> Assistant:
    return Assistant.open(store=store, generator="extractive")


@pytest.fixture
def server():
    fake = FakeOpenAI()
    yield fake
    fake.close()


def with_server(base: Assistant, url: str, timeout_s: float = 20.0) -> Assistant:
    from qa.config import Config
    from qa.generators import make_generator

    config = Config.from_env(store_config=base.config.store, generator="openai", llm_url=url, llm_model="fake",
                             answer_timeout_s=timeout_s)
    return Assistant(config, base.store, base.embedder, make_generator(config), base.retriever, base.reranker)


def test_streams_a_verified_answer(base, server):
    a = with_server(base, server.url)
    stream = a.stream(QUESTION)
    assert stream.live and stream.draft.citations  # the sources come first
    tokens = list(stream)
    assert len(tokens) > 3  # streamed piece by piece
    answer = stream.answer
    assert answer.generator == "openai" and answer.answerable
    assert "Khasan" in answer.text and answer.citations[0].n == 1
    assert a.document_text(answer.citations[0].source)[answer.citations[0].start:answer.citations[0].end] == \
        answer.citations[0].quote
    body = server.requests[-1]
    assert body["stream"] is True and body["model"] == "fake"
    system, user = body["messages"][0]["content"], body["messages"][-1]["content"]
    assert "not instructions" in system and "[1]" in user and "<<<" in user and ">>>" in user
    assert len(system) + len(user) < 2500, "the prompt must stay small (prefill is the cost on a CPU)"


def test_unsupported_model_sentences_are_removed(base, server):
    server.mode = "hallucinate"
    answer = with_server(base, server.url).ask(QUESTION)
    assert "noodles" not in answer.text and "Boris" not in answer.text
    assert "Khasan" in answer.text
    assert any("no passage supports" in n for n in answer.notices)


def test_model_refusal_on_answering_passages_shows_the_passages(base, server):
    server.mode = "unsure"
    answer = with_server(base, server.url).ask(QUESTION)
    assert answer.answerable and answer.generator == "extractive" and "Khasan" in answer.text
    assert any("did not find the answer" in n for n in answer.notices)


def test_unanswerable_question_never_reaches_the_model(base, server):
    answer = with_server(base, server.url).ask("What did Kim eat for breakfast?")
    assert not answer.answerable and answer.citations == [] and answer.related
    assert server.requests == []


def test_server_error_falls_back_to_extractive(base, server):
    server.mode = "error"
    answer = with_server(base, server.url).ask(QUESTION)
    assert answer.answerable and answer.generator == "extractive" and "Khasan" in answer.text
    assert any("language model failed" in n for n in answer.notices)


def test_time_limit_falls_back_to_extractive(base, server):
    server.mode, server.delay_s = "slow", 6.0
    base.ask(QUESTION)  # warm the indexes so the time below is the model's
    started = time.perf_counter()
    answer = with_server(base, server.url, timeout_s=1.5).ask(QUESTION)
    assert time.perf_counter() - started < 5.0
    assert answer.generator == "extractive" and "Khasan" in answer.text
    assert any("did not finish within 1.5 s" in n for n in answer.notices)


def test_server_down(base):
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    base.ask(QUESTION)
    started = time.perf_counter()
    answer = with_server(base, url).ask(QUESTION)
    assert time.perf_counter() - started < 20.0
    assert answer.generator == "extractive" and answer.citations
    assert any("language model failed" in n for n in answer.notices)


def test_follow_up_rewritten_by_the_model(base, server):
    history = [{"role": "user", "content": "At which station did the train enter Russia?"},
               {"role": "assistant", "content": "Khasan [1]."}]
    answer = with_server(base, server.url).ask("Which agency reported that?", history)
    assert any("Follow-up question:" in m["content"] for r in server.requests for m in r["messages"])
    assert answer.citations  # the fake echoes the follow-up; the rule-based context still finds Khasan


def test_generator_needs_its_settings(base):
    from qa.config import Config
    from qa.generators import make_generator

    with pytest.raises(GeneratorUnavailable, match="--llm-url"):
        make_generator(Config.from_env(store_config=base.config.store, generator="openai"))
    with pytest.raises(GeneratorUnavailable, match="--ollama-model"):
        make_generator(Config.from_env(store_config=base.config.store, generator="ollama"))
