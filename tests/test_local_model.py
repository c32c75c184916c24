"""End to end with the bundled local model (Qwen2.5-Coder-1.5B Q4_K_M through cyllama).

Skipped when the model is not installed (`make install-local`); in CI (`.ci/run` installs it and
sets SOURCED_TEST_REQUIRE_LLM) a missing model fails instead. The model's text goes through the
same citation check as the extractive answer, so these assert what a user sees.
"""

from __future__ import annotations

import re

import pytest
from conftest import SEED_FILES, require

from qa.writers.choose import local_model_installed
from vectorstore.config import StoreConfig
from vectorstore.ingest import ingest

pytestmark = [pytest.mark.llm, pytest.mark.integration]


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    if not local_model_installed():
        require("the bundled local model", "SOURCED_TEST_REQUIRE_LLM", "it is not installed (make install-local)")
    from qa import Assistant

    path = tmp_path_factory.mktemp("local-store") / "store"
    assert ingest(list(SEED_FILES), StoreConfig(store=path)).ok
    return Assistant.open(store=path, generator="local", answer_timeout_s=120)


def verified(answer, assistant) -> None:
    used = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    assert list(dict.fromkeys(used)) == list(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        assert assistant.document_text(c.source)[c.start:c.end] == c.quote


def test_local_model_answers_with_verified_citations(local):
    stream = local.stream("Who accompanied Kim?")
    assert stream.live and stream.draft.citations  # the extractive draft comes first
    tokens = list(stream)
    answer = stream.answer
    assert tokens and answer.answerable and answer.citations
    verified(answer, local)
    cited = " ".join(c.quote for c in answer.citations)
    assert re.search(r"accompan|delegation", cited)
    if answer.generator == "local":  # the model's own text (not a fallback): it streamed and was checked
        assert "first_token_s" in answer.timings


def test_local_model_refuses_and_keeps_conflicts(local):
    refused = local.ask("What did Kim eat for breakfast?")
    assert not refused.answerable and not refused.citations
    conflict = local.ask("When will the summit take place?")
    assert conflict.conflicts and "disagree" in conflict.text.lower()
    verified(conflict, local)


def test_model_loads_once_per_process(local):
    from qa import models

    llm = local.generator.llm
    first = llm.load()._engine
    again = models.local_llm(local.config.model_cache, threads=local.config.llm_threads,
                             n_ctx=local.config.llm_context, parallel=local.config.llm_parallel).load()._engine
    assert again is first


def test_local_model_rewrites_follow_ups(local):
    history = [{"role": "user", "content": "At which station did the train enter Russia?"},
               {"role": "assistant", "content": "Khasan station [1]."}]
    answer = local.ask("Which agency reported that?", history)
    assert answer.standalone_question != "Which agency reported that?"
    assert answer.answerable
    verified(answer, local)
    assert "Kyodo" in answer.text or any("Kyodo" in c.quote for c in answer.citations)


def test_parallel_sequences_share_one_model(local):
    """`parallel=2`: two callers generate in the same decode steps; abandoned streams free their sequence."""
    import threading

    from qa import models

    llm = models.local_llm(local.config.model_cache, threads=local.config.llm_threads, n_ctx=512, parallel=2,
                           max_tokens=16)
    engine = llm.load()._engine
    assert engine.parallel == 2 and engine is not local.generator.llm.load()._engine
    prompts = ["Name one yellow fruit. Reply with one word.", "What is two plus three? Reply with a number."]
    for p in prompts:  # both sequences taken, then abandoned mid-answer
        stream = llm.stream_complete(p)
        assert next(stream).delta
        stream.close()
    replies: list = [None, None]

    def ask(i: int) -> None:
        replies[i] = llm.complete(prompts[i]).text

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert "banana" in (replies[0] or "").lower() or "lemon" in (replies[0] or "").lower(), replies
    assert re.search(r"\b5\b|five", (replies[1] or "").lower()), replies
    assert engine.max_batch_seqs == 2  # the two answers were decoded together, not one after the other
    stats = llm.last_stats
    assert stats["parallel"] == 2 and stats["reused_tokens"] > 0  # the chat-template prefix was kept
