"""The chat app through `gradio_client` (a real server on a free local port) and its wiring.

The store is ingested from the seeds with the real MiniLM embedder: the fake `hash` embedder's
similarities sit below `qa`'s answerability threshold (calibrated for MiniLM), so with it every
question is refused and nothing would be cited. The model loads once per process (~10 s); the
store is built once for this module. The empty-store and upload tests use the `hash` embedder.
"""

from __future__ import annotations

import html
import json
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SEED_FILES, free_port

from qa.assistant import Assistant
from qa.config import Config
from qa.errors import GeneratorUnavailable
from qa.types import Draft
from qa.writers.choose import resolve_name
from qa.writers.contract import Generator
from qa.writers.extractive import ExtractiveGenerator
from ui import chat
from ui.chat import ChatUI, build_app, serve, with_generator_choice
from vectorstore.config import StoreConfig
from vectorstore.ingest import ingest

QUESTION = "Who accompanied Kim?"
SEED_TEXT = {f.name: f.read_text(encoding="utf-8") for f in SEED_FILES}


def store_config(path: Path, embedder: str | None = None) -> StoreConfig:
    return StoreConfig(store=path, collection="articles", embedder=embedder)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Config:
    config = Config(store=store_config(tmp_path_factory.mktemp("chat-api") / "store"), generator="extractive")
    report = ingest(SEED_FILES, config.store)
    assert report.ok and report.total_documents == len(SEED_FILES)
    return config


@pytest.fixture(scope="module")
def assistant(seeded: Config) -> Assistant:
    return Assistant.open(config=seeded)


@pytest.fixture(scope="module")
def url(assistant: Assistant) -> Iterator[str]:
    app = build_app(assistant)
    address = serve(app, "127.0.0.1", free_port(), block=False)
    yield address
    app.close()


def client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False, download_files=False)


def ask(c, question: str) -> tuple[str, dict]:
    text, payload = c.predict(question, api_name="/ask")
    return text, json.loads(payload)


# -- the /ask endpoint ---------------------------------------------------------------------


def test_ask_returns_the_cited_answer_and_its_citations(url):
    text, answer = ask(client(url), QUESTION)
    assert "[1]" in text
    assert answer["text"] == text and answer["answerable"] is True
    citations = answer["citations"]
    assert any("Choe Sun-hui" in c["quote"] or "Jo Chun" in c["quote"] for c in citations), citations
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
    assert markers == {c["n"] for c in citations}
    for c in citations:  # every quote is verbatim at its offsets, inside its passage
        assert SEED_TEXT[c["source"]][c["start"] : c["end"]] == c["quote"]
        assert c["passage_start"] <= c["start"] <= c["end"] <= c["passage_end"]


@pytest.mark.parametrize(
    "question, message",
    [("", "question is empty"), ("  \n\t ", "question is empty"), ("why " * 1000, "the limit is")],
)
def test_ask_rejects_bad_questions_with_a_clear_message(url, question, message):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=message) as err:
        client(url).predict(question, api_name="/ask")
    assert "Traceback" not in str(err.value)


def test_a_one_megabyte_question_over_http_is_a_clear_message(url):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="the limit is") as err:
        client(url).predict("Who accompanied Kim? " * 50_000, api_name="/ask")
    assert "Traceback" not in str(err.value)
    assert ask(client(url), QUESTION)[1]["answerable"]  # the server is still fine


def test_login_is_required_with_auth(assistant):
    import httpx
    from gradio_client import Client

    app = build_app(assistant)
    address = serve(app, "127.0.0.1", free_port(), ("reader", "s3cret"), block=False).rstrip("/")
    try:
        assert httpx.post(f"{address}/gradio_api/call/ask", json={"data": [QUESTION]}, timeout=30).status_code == 401
        assert httpx.post(f"{address}/login", data={"username": "reader", "password": "wrong"}).status_code == 400
        text, payload = Client(address, auth=("reader", "s3cret"), verbose=False).predict(QUESTION, api_name="/ask")
        assert "[1]" in text and json.loads(payload)["answerable"]
    finally:
        app.close()


def test_cli_chat_binds_loopback_unless_told_and_passes_auth(monkeypatch, capsys, seeded):
    from ui import cli

    calls = []
    monkeypatch.setattr(chat, "launch", lambda config, **kw: calls.append(kw))
    store = str(seeded.store.store)
    assert cli.main(["chat", "--store", store, "--generator", "extractive"]) in (0, None)
    assert calls[-1]["host"] == "127.0.0.1" and calls[-1]["auth"] is None
    cli.main(["chat", "--store", store, "--generator", "extractive", "--host", "0.0.0.0", "--auth", "ann:pw:x"])
    assert calls[-1]["host"] == "0.0.0.0" and calls[-1]["auth"] == ("ann", "pw:x")
    assert cli.main(["chat", "--store", store, "--auth", "no-colon"]) == 2
    assert "USER:PASSWORD" in capsys.readouterr().err


def test_chat_keeps_answering_while_an_upload_ingests(assistant, url, tmp_path):
    """An upload holds the store's writer lock while it embeds; questions go on meanwhile."""
    import threading

    class SlowEmbedder:
        """The assistant's own MiniLM, made slow: each batch waits a second first."""

        def __init__(self, inner) -> None:
            self.inner = inner

        def get_text_embedding_batch(self, texts, **kw):
            time.sleep(1.0)
            return self.inner.get_text_embedding_batch(texts, **kw)

        def __getattr__(self, name):
            return getattr(self.inner, name)

    files = []
    for i in range(6):  # six new articles: six batches at least one second each
        f = tmp_path / f"harbour_{i}.txt"
        f.write_text(f"Harbour report {i}\n\nThe harbour of Quillhaven-{i} opened a new pier on day {i}.\n")
        files.append(str(f))
    ui = ChatUI(assistant)
    real = assistant.embedder
    assistant.embedder = SlowEmbedder(real)
    done: list = []
    from vectorstore import ingest as ingest_module

    size = ingest_module.BATCH_SIZE
    ingest_module.BATCH_SIZE = 1  # one text a batch: the upload takes several seconds
    try:
        worker = threading.Thread(target=lambda: done.append(ui.upload(files, progress=lambda *a, **k: None)))
        worker.start()
        time.sleep(0.5)
        answered = []
        while worker.is_alive() and len(answered) < 3:
            t0 = time.perf_counter()
            text, answer = ask(client(url), QUESTION)
            answered.append((time.perf_counter() - t0, worker.is_alive(), answer["answerable"]))
        worker.join(120)
    finally:
        assistant.embedder = real
        ingest_module.BATCH_SIZE = size
        assistant.retriever.refresh(force=True)  # rebuilt during the upload with the slow wrapper: drop it
    assert answered and all(ok for _, _, ok in answered), answered
    assert any(alive for _, alive, _ in answered), "every answer waited for the upload to finish"
    assert done and "6 article(s) now searchable" in done[0][0], done


def test_each_client_session_has_its_own_history(url):
    follow_up = "How did he travel?"
    first = client(url)
    ask(first, QUESTION)
    _, continued = ask(first, follow_up)
    assert continued["question"] == follow_up
    assert continued["standalone_question"] != follow_up  # rewritten with the earlier turn

    _, fresh = ask(client(url), follow_up)  # another session: nothing to follow up on
    assert fresh["standalone_question"] == follow_up


def test_only_ask_is_offered_to_api_clients(url):
    api = client(url).view_api(print_info=False, return_format="dict")
    assert set(api["named_endpoints"]) == {"/ask"}
    assert api["unnamed_endpoints"] == {}


# -- the chat handler, called directly ----------------------------------------------------


def content(message) -> str:
    return message["content"] if isinstance(message, dict) else message.content


def visible(message) -> str:
    """The text a reader sees in a message (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", content(message)))


def metadata(message) -> dict:
    return (message.get("metadata") if isinstance(message, dict) else message.metadata) or {}


class Echo(Generator):
    """A slow 'language model' that restates the evidence with markers, word by word."""

    name = "echo"

    def stream(self, draft: Draft) -> Iterator[str]:
        text = " ".join(f"{q.text} [{i}]" for i, q in enumerate(draft.evidence.quotes, start=1))
        for word in text.split(" "):
            time.sleep(0.01)
            yield word + " "


class Down(Generator):
    """A language model whose server is down."""

    name = "down"

    def stream(self, draft: Draft) -> Iterator[str]:
        yield from ()  # a generator, as writers' streams are: it fails when first read
        raise GeneratorUnavailable("The model server at http://127.0.0.1:9 does not answer.", "Start it.")

    def rewrite(self, question: str, history: list[dict]) -> str | None:
        raise GeneratorUnavailable("The model server at http://127.0.0.1:9 does not answer.", "Start it.")


def twin(assistant: Assistant, generator: Generator) -> Assistant:
    return Assistant(assistant.config, assistant.store, assistant.embedder, generator)


def test_the_draft_answer_shows_at_once_then_the_model_answer_replaces_it(assistant):
    ui = ChatUI(twin(assistant, Echo()))
    steps = [[*chat] for chat, _, _ in ui.respond(QUESTION, [], [], None)]
    first, last = steps[0], steps[-1]
    assert first[0].role == "user" and "Searching" in content(first[-1])
    drafted = [s for s in steps if len(s) == 3 and "sourced-checking" in content(s[1])]
    assert drafted, "the extracted answer must be on screen while the model reads"
    # the draft's answer text and its sources are there in the first update after the search
    assert steps.index(drafted[0]) == 1
    assert "[1]" in visible(drafted[0][1])
    assert metadata(drafted[0][2]) == {"title": "Sources", "status": "pending"}
    assert "<mark>" in content(drafted[0][2])
    assert len(last) == 3
    assert "sourced-checking" not in content(last[1]) and "[1]" in visible(last[1])
    assert metadata(last[2]) == {"title": "Sources", "status": "done"}
    assert "<mark>" in content(last[2])


def test_turns_hold_plain_text_for_follow_ups(assistant):
    ui = ChatUI(assistant)
    *_, (chat_, box, turns) = ui.respond(QUESTION, [], [], None)
    assert box == ""
    assert [t["role"] for t in turns] == ["user", "assistant"]
    assert turns[0]["content"] == QUESTION
    assert "[1]" in turns[1]["content"] and "<" not in turns[1]["content"]
    *_, (chat_, _, turns) = ui.respond("How did he travel?", chat_, turns, None)
    assert len(turns) == 4
    assert "Understood as" in content(chat_[-1])  # the standalone question is shown


def test_session_state_keeps_only_what_follow_ups_read(assistant):
    """A long session's state stays bounded: the last exchanges only (memory under load)."""
    from qa.tuning import HISTORY_MESSAGES

    ui = ChatUI(assistant)
    turns: list = []
    questions = [QUESTION, "How did he travel?", "Who is Matthew Miller?", "When did Kim leave Pyongyang?", "Why?"]
    for q in questions * 2:
        _, _, turns = ui.ask_api(q, turns)
    assert len(turns) == HISTORY_MESSAGES
    assert turns[-2]["content"] == "Why?" and turns[-4]["content"] == "When did Kim leave Pyongyang?"


def test_bad_input_is_a_message_and_keeps_the_conversation(assistant):
    ui = ChatUI(assistant)
    *_, (before, _, turns) = ui.respond(QUESTION, [], [], None)
    *_, (after, box, turns_after) = ui.respond("   ", before, turns, None)
    assert after[: len(before)] == before and len(after) == len(before) + 1
    assert content(after[-1]).startswith('<div class="sourced-error"><strong>Problem:</strong> The question is empty.')
    assert turns_after == turns
    long = "why " * 1000
    *_, (after, box, _) = ui.respond(long, before, turns, None)
    assert "the limit is" in content(after[-1]) and "Traceback" not in content(after[-1])
    assert box == long  # kept, so the user can shorten it


def test_generator_down_is_a_notice_or_a_message_never_a_trace(assistant):
    ui = ChatUI(twin(assistant, Down()))
    *_, (chat_, _, turns) = ui.respond(QUESTION, [], [], None)
    answer = visible(chat_[-2])
    assert "[1]" in answer  # the extracted answer stands in
    assert "Note:" in answer and "language model failed" in answer
    # a follow-up needs the model to rewrite the question: its error is shown as a message
    *_, (chat_, _, _) = ui.respond("How did he travel?", chat_, turns, None)
    assert "Problem:" in content(chat_[-1]) and "does not answer" in content(chat_[-1])


def test_unexpected_errors_are_logged_not_shown(assistant, monkeypatch, caplog):
    broken = twin(assistant, ExtractiveGenerator())

    def boom(*args, **kwargs):
        raise RuntimeError("internal detail /secret/path")

    monkeypatch.setattr(broken, "stream", boom)
    with caplog.at_level(logging.ERROR, logger="sourced.chat"):
        *_, (chat_, _, _) = ChatUI(broken).respond(QUESTION, [], [], None)
    assert content(chat_[-1]) == chat.fmt.error_html(chat.UNEXPECTED)
    assert "secret" not in content(chat_[-1])
    assert any("internal detail" in (r.exc_text or "") for r in caplog.records)


def test_generator_selector_shares_store_and_embedder(assistant):
    echo = twin(assistant, Echo())
    choices = with_generator_choice(echo)
    assert list(choices) == ["echo", "extractive"]
    assert choices["echo"] is echo
    extractive = choices["extractive"]
    assert extractive.embedder is echo.embedder and extractive.store is echo.store
    assert ChatUI(echo, generators=choices)._pick("extractive") is extractive

    def selector(app):
        return next(b for b in app.blocks.values() if getattr(b, "elem_id", None) == "generator")

    assert selector(build_app(echo)).visible is True
    assert list(with_generator_choice(assistant)) == ["extractive"]
    assert selector(build_app(assistant)).visible is False
    # extractive configured: a model offered beside it comes second, the extractive answer stays the default
    offered = with_generator_choice(assistant, Echo())
    assert list(offered) == ["extractive", "echo"] and offered["extractive"] is assistant
    assert offered["echo"].store is assistant.store and ChatUI(assistant, generators=offered).default == "extractive"


def test_auto_is_extractive_unless_a_model_is_configured(tmp_path):
    # the bundled model is opt-in whether or not it is installed: extractive is right more often on
    # the held-out split (docs/EVALUATION.md); a server, an Ollama model or a GGUF file a user names wins
    store = StoreConfig(store=tmp_path / "s")
    assert resolve_name(Config(store=store)) == "extractive"
    assert resolve_name(Config(store=store, llm_url="http://127.0.0.1:9/v1")) == "openai"
    assert resolve_name(Config(store=store, ollama_model="m")) == "ollama"
    assert resolve_name(Config(store=store, gguf=tmp_path / "m.gguf")) == "gguf"
    assert resolve_name(Config(store=store, generator="local")) == "local"


# -- an empty store and uploads (fake embedder) ----------------------------------------------


@pytest.fixture
def empty(tmp_path) -> Assistant:
    config = Config(store=store_config(tmp_path / "empty", "hash"), generator="extractive")
    ingest([], config.store)  # creates the store, holding nothing
    return Assistant.open(config=config)


def test_empty_store_is_a_clear_message(empty):
    ui = ChatUI(empty)
    *_, (chat_, _, _) = ui.respond(QUESTION, [], [], None)
    message = content(chat_[-1])
    assert "holds no articles" in message and "sourced ingest" in html.unescape(message)
    assert "empty" in ui.documents_panel()


def test_upload_reports_each_file_and_lists_the_new_article(empty, tmp_path):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "quillhaven.txt").write_text(
        "Zorblat Festival Opens\n\nThe Zorblat festival opened in Quillhaven on Saturday. "
        "Mayor Elsbeth Marrow cut a ribbon of woven kelp.\n",
        encoding="utf-8",
    )
    (uploads / "copy.txt").write_text((uploads / "quillhaven.txt").read_text(), encoding="utf-8")
    (uploads / "notes.pdf").write_bytes(b"%PDF-1.4")
    ui = ChatUI(empty)
    report, panel, cleared = ui.upload([str(uploads / n) for n in ("quillhaven.txt", "copy.txt", "notes.pdf")])
    assert cleared is None
    assert "quillhaven.txt</code> added (1 chunks)" in report
    assert "copy.txt</code> skipped: same content as quillhaven.txt" in report
    assert "notes.pdf</code> not added: corrupt or truncated PDF" in report  # a broken PDF is reported, not stored
    assert str(uploads) not in report
    assert "Zorblat Festival Opens" in panel and "1 articles, 1 chunks" in panel
    assert [d.source for d in empty.documents()] == ["quillhaven.txt"]
    # searchable at once: the next question retrieves it
    assert empty.retrieve("Who opened the Zorblat festival?")[0].source == "quillhaven.txt"
