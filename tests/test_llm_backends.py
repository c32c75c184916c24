"""The language-model generator over HTTP backends: a fake OpenAI-compatible server, and a real one.

Against the fake (tests/fake_openai.py): streaming, the prompt (fenced passages, the
data-not-instructions rule, its size), citation checking of the model's text, refusals, server
errors, a stream that ends unfinished, time-outs and a server that is down: each ends with a clear
notice and the extractive answer, never a crash.

Against a real server (`python -m qa.backends.server` over the bundled model, started here on a
free loopback port): a streamed, verified answer through `--generator openai`, two users batched
in one model, a server killed mid-answer, and a real model too slow for the time limit. They skip
when the bundled model is not installed, and fail instead in CI (`SOURCED_TEST_REQUIRE_LLM`).
The test starts the server itself, rather than `.ci/run`, because the kill test needs a server it
may kill, and a fixture cleans up its process whatever happens.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import replace

import pytest
from conftest import ROOT, SEED_FILES, free_port, require
from fake_openai import FakeOpenAI

from qa import Assistant
from qa.errors import GeneratorUnavailable
from qa.writers.choose import local_model_installed
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


def with_server(base: Assistant, url: str, timeout_s: float = 20.0, model: str = "fake") -> Assistant:
    from qa.config import Config
    from qa.writers.choose import make_generator

    config = Config.from_env(store_config=base.config.store, generator="openai", llm_url=url, llm_model=model,
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


def test_a_model_that_guesses_a_value_no_quote_holds_votes_for_refusal(base, server):
    server.mode = "guess"
    a = with_server(base, server.url)
    weights = a.scorer.weights
    try:
        a.scorer.weights = replace(weights, sure_threshold=1.01)  # the scorer is never sure: the vote counts
        answer = a.ask(QUESTION)
        assert not answer.answerable and answer.citations == [] and answer.related
        assert "1066" not in answer.text and any("found no answer" in n for n in answer.notices)
        a.scorer.weights = replace(weights, sure_threshold=0.0)  # the scorer is sure: the passages are shown
        answer = a.ask(QUESTION)
        assert answer.answerable and answer.generator == "extractive" and "Khasan" in answer.text
        assert "1066" not in answer.text and any("did not find the answer" in n for n in answer.notices)
    finally:
        a.scorer.weights = weights


def test_a_copied_phrase_that_only_repeats_the_question_shows_the_passages(base, server):
    """ "Kim [1]" is verbatim in quote 1, but says nothing the question does not: no answer to state."""
    server.mode = "repeat"
    answer = with_server(base, server.url).ask(QUESTION)
    assert answer.answerable and answer.generator == "extractive" and "Khasan" in answer.text
    assert not answer.text.startswith("Kim [1]") and any("could not be checked" in n for n in answer.notices)


def test_none_votes_for_refusal_only_for_a_question_that_takes_a_phrase(base, server):
    """A copy-the-phrase reader's NONE to "What did ... say?" means no short phrase, not no answer."""
    server.mode = "none"
    a = with_server(base, server.url)
    weights = a.scorer.weights
    try:
        a.scorer.weights = replace(weights, sure_threshold=1.01)  # the scorer is never sure
        open_question = a.ask("What did the Kremlin say about the talks?")
        assert open_question.answerable and open_question.generator == "extractive" and open_question.citations
        assert any("no short answer" in n for n in open_question.notices)
        typed = a.ask(QUESTION)
        assert not typed.answerable and any("found no answer" in n for n in typed.notices)
    finally:
        a.scorer.weights = weights


def test_unanswerable_question_never_reaches_the_model(base, server):
    answer = with_server(base, server.url).ask("What did Kim eat for breakfast?")
    assert not answer.answerable and answer.citations == [] and answer.related
    assert server.requests == []


def test_server_error_falls_back_to_extractive(base, server):
    server.mode = "error"
    answer = with_server(base, server.url).ask(QUESTION)
    assert answer.answerable and answer.generator == "extractive" and "Khasan" in answer.text
    assert any("language model failed" in n for n in answer.notices)


def test_unfinished_stream_falls_back_to_extractive(base, server):
    server.mode = "truncated"
    stream = with_server(base, server.url).stream(QUESTION)
    tokens = list(stream)
    answer = stream.answer
    assert len(tokens) == 3  # the first words arrived, then the server went away without finishing
    assert answer.generator == "extractive" and "Khasan" in answer.text and answer.citations
    assert any("language model failed (IncompleteStream" in n for n in answer.notices)


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
    from qa.writers.choose import make_generator

    with pytest.raises(GeneratorUnavailable, match="--llm-url"):
        make_generator(Config.from_env(store_config=base.config.store, generator="openai"))
    with pytest.raises(GeneratorUnavailable, match="--ollama-model"):
        make_generator(Config.from_env(store_config=base.config.store, generator="ollama"))


# --------------------------------------------------------------------------------------------------
# A real OpenAI-compatible server over the bundled model
# --------------------------------------------------------------------------------------------------

REAL_TIMEOUT_S = 180.0  # a loaded 2-core machine can take this long; the answers take ~3-10 s when idle


class ModelServerProcess:
    """`python -m qa.backends.server` over the bundled model on a free port, as a child process."""

    def __init__(self, parallel: int = 2) -> None:
        if not local_model_installed():
            require("the bundled local model", "SOURCED_TEST_REQUIRE_LLM", "it is not installed (make install-local)")
        # a file, not a pipe: a full pipe would block the server; closed in close()
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "qa.backends.server", "--port", "0", "--parallel", str(parallel),
             "--ctx", "1024"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=self.log, text=True,
        )
        line = self.proc.stdout.readline()  # "serving FILE on URL ...", printed once the model is loaded
        found = re.search(r"on (http://127\.0\.0\.1:\d+/v1)", line)
        if not found:
            self.proc.kill()
            self.proc.wait()
            self.log.seek(0)
            pytest.fail(f"the model server did not start: {line!r} {self.log.read()[-2000:]}")
        self.url = found.group(1)

    def health(self) -> dict:
        with urllib.request.urlopen(self.url.removesuffix("/v1") + "/health", timeout=10) as r:
            return json.loads(r.read())

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()


@pytest.fixture(scope="module")
def real_server():
    server = ModelServerProcess(parallel=2)
    yield server
    server.close()


def verified(answer, assistant) -> None:
    used = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    assert list(dict.fromkeys(used)) == list(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        assert assistant.document_text(c.source)[c.start:c.end] == c.quote


@pytest.mark.llm
def test_real_server_streams_a_verified_answer(base, real_server):
    a = with_server(base, real_server.url, timeout_s=REAL_TIMEOUT_S, model="bundled")
    stream = a.stream(QUESTION)
    assert stream.live and stream.draft.citations  # the extractive draft comes first
    tokens = list(stream)
    answer = stream.answer
    assert len(tokens) > 1, "the server streams the answer piece by piece"
    assert answer.generator == "openai", answer.notices  # the model's own text passed the citation check
    assert "Khasan" in answer.text and answer.citations
    verified(answer, a)
    assert "first_token_s" in answer.timings


@pytest.mark.llm
def test_real_server_batches_two_users(base, real_server):
    a = with_server(base, real_server.url, timeout_s=REAL_TIMEOUT_S, model="bundled")
    questions = [QUESTION, "Who accompanied Kim?"]
    answers: list = [None, None]

    def ask(i: int) -> None:
        answers[i] = a.ask(questions[i])

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=2 * REAL_TIMEOUT_S)
    for answer, question in zip(answers, questions, strict=True):
        assert answer is not None and answer.question == question and answer.citations
        assert answer.generator == "openai", answer.notices
        verified(answer, a)
    assert "Khasan" in answers[0].text
    assert real_server.health()["max_batch_seqs"] == 2, "both answers were generated in the same decode steps"


@pytest.mark.llm
def test_real_server_past_the_time_limit(base, real_server):
    question = "Who is the Kremlin spokesperson?"  # not asked before: nothing cached
    base.ask(question)  # warm the indexes so the limit below is the model's
    a = with_server(base, real_server.url, timeout_s=0.5, model="bundled")
    started = time.perf_counter()
    stream = a.stream(question)
    assert stream.live, "the evidence answers it and the articles agree: the model is asked"
    for _ in stream:  # > 100 new prompt tokens: > 1.5 s to read on 2 cores
        pass
    answer = stream.answer
    assert time.perf_counter() - started < 5.0
    assert answer.generator == "extractive" and answer.citations
    assert any("did not finish within 0.5 s" in n for n in answer.notices), answer.notices
    # the abandoned request does not block the next one
    again = with_server(base, real_server.url, timeout_s=REAL_TIMEOUT_S, model="bundled").ask(QUESTION)
    assert again.generator == "openai" and "Khasan" in again.text, again.notices


@pytest.mark.llm
def test_real_server_killed_mid_answer(base):
    server = ModelServerProcess(parallel=1)
    try:
        a = with_server(base, server.url, timeout_s=REAL_TIMEOUT_S, model="bundled")
        stream = a.stream(QUESTION)
        tokens = []
        for token in stream:
            tokens.append(token)
            if len(tokens) == 1:  # the model has started answering: kill it (the next token is >= 30 ms away)
                server.proc.kill()
                server.proc.wait()
        answer = stream.answer
        assert tokens, "the model started answering before it was killed"
        assert answer.generator == "extractive" and "Khasan" in answer.text and answer.citations
        assert any("language model failed" in n for n in answer.notices)
        verified(answer, a)
    finally:
        server.close()
