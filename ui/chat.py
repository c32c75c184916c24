"""The web chat: a Gradio app wired to a `qa.Assistant`, holding no retrieval or answering logic.

Layout: the conversation on the left, a side panel on the right (generator selector when there
is a choice, an upload box, the articles in the store).

Each answer is two `gr.ChatMessage`s, after smolagents' `gradio_ui`: the answer text with its
`[n]` markers, then a collapsible block (`metadata={"title": "Sources", "status": ...}`) with the
numbered passages, the cited sentence highlighted. `Assistant.stream` gives a draft at once, so
the sources appear immediately ("pending"), the text streams in, and both are replaced by the
verified final answer ("done"). All HTML comes from `ui.chat_format`, which escapes every string
taken from an article or a user.

State: the chat display lives in the per-session `gr.Chatbot`; the conversation handed to the
assistant for follow-ups (the questions and the *plain* answer texts, not their HTML) lives in a
per-session `gr.State`, so several users, or several `gradio_client.Client`s, have independent
histories. Questions share one concurrency group on Gradio's queue with a few workers (the
`Assistant` is thread-safe; a local model serializes its own calls), and uploads have their own
group of one, so the chat keeps answering while an upload ingests.

API: `api_name="ask"`; see `ChatUI.ask_api`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import gradio as gr

from qa.assistant import Assistant
from qa.config import Config
from qa.errors import GeneratorUnavailable
from qa.tuning import HISTORY_MESSAGES
from qa.types import Answer
from qa.writers import Generator
from qa.writers.choose import local_model_installed, make_generator
from vectorstore.documents import SUPPORTED
from vectorstore.errors import SourcedError

from . import chat_format as fmt

log = logging.getLogger("sourced.chat")

MAX_EXAMPLES = 3


def corpus_examples(records: Sequence, n: int = MAX_EXAMPLES) -> list[str]:
    """Example questions made from the store's own articles (their titles), so every corpus gets
    examples about itself: "Bridge reopens after repairs" -> "What do the articles say about
    “Bridge reopens after repairs”?". The largest articles first; none for an empty store."""
    ranked = sorted(records, key=lambda r: (-r.chunks, r.source))
    out = []
    for r in ranked:
        title = " ".join((r.title or "").split()[:10]).rstrip(".:;,")
        if title and title.lower() not in (q.lower() for q in out):
            out.append(title)
        if len(out) == n:
            break
    return [f"What do the articles say about “{t}”?" for t in out]
UNEXPECTED = "Something went wrong while answering; the details are in the server log. Try again or rephrase."
UPLOAD_FAILED = "The upload could not be ingested; the details are in the server log."
_ANSWERS = "answers"  # questions share a pool of workers (the Assistant is thread-safe)
_ANSWER_WORKERS = 4  # at least; as many as the local model answers at once (config.llm_parallel)
_UPLOADS = "uploads"  # one ingest at a time, beside the questions: the chat keeps serving

CSS = """
.sourced-cite { font-weight: 600; color: var(--color-accent); white-space: nowrap; }
.sourced-sources { color: var(--body-text-color); }
.sourced-source, .sourced-related { margin-bottom: 0.9em; }
.sourced-source blockquote, .sourced-related blockquote {
  margin: 0.3em 0 0.2em; padding: 0.4em 0.8em; border-left: 3px solid var(--border-color-accent);
  font-size: 0.95em; }
.sourced-sources mark { background: #fde68a; color: inherit; padding: 0 0.1em; border-radius: 2px; }
.sourced-title { font-weight: 600; }
.sourced-file, .sourced-date, .sourced-also, .sourced-hint, .sourced-understood, .sourced-notice {
  color: var(--body-text-color-subdued); font-size: 0.9em; }
.sourced-conflict { border: 1px solid #f59e0b; border-radius: 6px; padding: 0.4em 0.8em; margin-top: 0.5em; }
.sourced-conflict ul { margin: 0.2em 0 0; }
.sourced-error { color: var(--error-text-color, #b91c1c); }
.sourced-documents { font-size: 0.85em; list-style: none; padding: 0; margin: 0; }
.sourced-documents li { margin-bottom: 0.6em; }
.sourced-documents .sourced-file, .sourced-chunks, .sourced-count { color: var(--body-text-color-subdued); }
.sourced-ingest ul { margin: 0; padding-left: 0; list-style: none; }
.sourced-ingest .sourced-added, .sourced-ingest .sourced-updated { color: #15803d; }
.sourced-ingest .sourced-failed, .sourced-ingest .sourced-skipped { color: var(--error-text-color, #b91c1c); }
"""


def _message(content: str, metadata: dict | None = None) -> gr.ChatMessage:
    return gr.ChatMessage(role="assistant", content=content, metadata=metadata or {})


def _remember(turns: list, answer: Answer) -> list:
    """The session's conversation after this answer: only what follow-ups read, so a long
    session's state stays small."""
    turns = turns + [{"role": "user", "content": answer.question}, {"role": "assistant", "content": answer.text}]
    return turns[-HISTORY_MESSAGES:]


class ChatUI:
    """Wires Gradio components to one or more `Assistant`s (one per generator, same store)."""

    def __init__(
        self,
        assistant: Assistant,
        examples: Sequence[str] | None = None,
        generators: Mapping[str, Assistant] | None = None,
    ) -> None:
        self.assistant = assistant
        if examples is None:
            try:
                examples = corpus_examples(assistant.documents())
            except SourcedError:
                examples = []
        self.examples = list(examples)
        self.generators: dict[str, Assistant] = dict(generators or {assistant.generator.name: assistant})
        self.default = next(name for name, a in self.generators.items() if a is assistant)
        self.exports = fmt.MarkdownExports()  # issue 15: "Copy as Markdown" of each session's last answer

    # -- answering --------------------------------------------------------------------

    def _pick(self, name: str | None) -> Assistant:
        return self.generators.get(name or "", self.assistant)

    def _total(self, a: Assistant) -> int | None:
        try:
            return len(a.documents())
        except Exception:  # only decorates "reported by N of M"; never worth failing an answer
            return None

    def _sources(self, a: Assistant, answer: Answer, status: str) -> gr.ChatMessage:
        body = fmt.sources_html(answer, a.document_text, self._total(a), a.store.document_pages)
        return _message(body, {"title": fmt.sources_title(answer), "status": status})

    def respond(
        self, question: str | None, chat: list | None, turns: list | None, generator: str | None = None
    ) -> Iterator[tuple[list, str, list]]:
        """Stream one answer into the chat; yields (chat messages, textbox value, conversation)."""
        question = question or ""
        turns = list(turns or [])
        chat = list(chat or [])
        a = self._pick(generator)
        if question.strip():
            chat.append(gr.ChatMessage(role="user", content=fmt.user_html(question)))
        mine = len(chat)  # this turn's messages start here
        chat.append(_message(fmt.SEARCHING))
        yield chat, "", turns
        try:
            stream = a.stream(question, turns)
            # No model to wait for (extractive, or a refusal): the draft is final, so the block is
            # "done" from the start; flipping pending -> done in one burst can leave it open.
            final = not stream.live
            # The extracted answer is on screen at once; a model's answer replaces it once checked.
            draft = fmt.answer_html(stream.draft)
            chat[-1] = _message(draft if final else draft + fmt.CHECKING)
            chat.append(self._sources(a, stream.draft, "done" if final else "pending"))
            yield chat, "", turns
            for _ in stream:  # the model writes a short phrase; the draft stays until it is verified
                pass
            answer = stream.answer or stream.draft
            chat[-2] = _message(fmt.answer_html(answer) + fmt.evidence_table_html(answer))  # issue 15
            chat[-1] = self._sources(a, answer, "done")
            self.exports.remember(answer, self._total(a))
            turns = _remember(turns, answer)
            yield chat, "", turns
        except SourcedError as e:  # the user can fix it: say how, keep their text to edit
            yield chat[:mine] + [_message(fmt.error_html(str(e)))], question, turns
        except Exception:
            log.exception("answering %r failed", question[:200])
            yield chat[:mine] + [_message(fmt.error_html(UNEXPECTED))], question, turns

    def on_example(
        self, evt: gr.SelectData, chat: list | None, turns: list | None, generator: str | None
    ) -> Iterator[tuple[list, str, list]]:
        value = evt.value if isinstance(evt.value, dict) else {"text": str(evt.value)}
        yield from self.respond(str(value.get("text") or ""), chat, turns, generator)

    def ask_api(self, question: str, turns: list | None) -> tuple[str, str, list]:
        """The `/ask` endpoint: `Client(url).predict(question, api_name="/ask")`.

        Returns `(text, answer_json)`: the answer text with its `[n]` markers, and the whole
        `Answer` as a JSON string, the same object as `sourced ask --json` prints
        (`citations` is a list of {n, source, title, quote, start, end, published,
        passage_start, passage_end, also_in, score}; also `answerable`, `standalone_question`,
        `conflicts`, `related`, `notices`). Follow-ups use the history of the client's session.
        A question the assistant cannot take (empty, too long, empty store, generator down)
        raises `gradio_client.exceptions.AppError` whose message says what to do.
        """
        turns = list(turns or [])
        try:
            answer = self.assistant.ask(question, turns)
        except SourcedError as e:
            raise gr.Error(str(e), print_exception=False) from None
        except Exception:
            log.exception("API question %r failed", str(question)[:200])
            raise gr.Error(UNEXPECTED, print_exception=False) from None
        turns = _remember(turns, answer)
        return answer.text, json.dumps(answer.to_dict(), ensure_ascii=False), turns

    # -- the store ---------------------------------------------------------------------

    def documents_panel(self) -> str:
        try:
            return fmt.documents_html(self.assistant.documents())
        except SourcedError as e:
            return fmt.error_html(str(e))
        except Exception:
            log.exception("listing the documents failed")
            return fmt.error_html("The list of articles could not be read; the details are in the server log.")

    def upload(self, files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[str, str, None]:  # noqa: B008 - Gradio's idiom
        """Ingest uploaded files; returns (report, documents panel, cleared upload box)."""
        if not files:
            return "", self.documents_panel(), None
        # Gradio keeps each upload in its cache under the client's (already reduced) file name;
        # the assistant copies it to the store's uploads folder under a sanitized name.
        uploads = [(Path(str(f)).name, str(f)) for f in files]

        def on_progress(stage: str, done: int, total: int) -> None:
            # files are read quickly; embedding chunks is the long part
            base, span = (0.0, 0.2) if stage == "files" else (0.2, 0.8)
            verb = "Reading" if stage == "files" else "Embedding"
            progress(base + span * done / max(total, 1), desc=f"{verb} {done}/{total} {stage}")

        progress(0.0, desc=f"Reading {len(uploads)} file(s)")
        try:
            report = self.assistant.ingest_uploads(uploads, on_progress=on_progress)
        except SourcedError as e:
            return fmt.error_html(str(e)), self.documents_panel(), None
        except Exception:
            log.exception("ingesting uploads failed")
            return fmt.error_html(UPLOAD_FAILED), self.documents_panel(), None
        return fmt.ingest_report_html(report), self.documents_panel(), None

    # -- layout ------------------------------------------------------------------------

    def build(self) -> gr.Blocks:
        with gr.Blocks(title="sourced", analytics_enabled=False) as app:
            turns = gr.State([])  # the conversation for follow-ups, per session
            gr.Markdown("## sourced\nAnswers from your articles, with the passage behind every claim.")
            with gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(
                        label="Chat",
                        elem_id="chat",
                        height="68vh",
                        latex_delimiters=[],  # "$5 ... $10" in an article is money, not math
                        placeholder="Ask a question about the articles. Every claim comes with its passage.",
                        examples=[{"text": q} for q in self.examples],
                        buttons=["copy"],
                        feedback_options=None,
                    )
                    with gr.Row():
                        question = gr.Textbox(
                            elem_id="question",
                            show_label=False,
                            placeholder="Ask about the articles… (Enter to send)",
                            scale=6,
                            autofocus=True,
                        )
                        send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                        clear = gr.Button("New chat", scale=1, elem_id="new-chat")
                    with gr.Accordion("Copy as Markdown", open=False, elem_id="markdown-export"):  # issue 15
                        export = gr.Code(
                            language="markdown", label="The last answer, its quotes and sources",
                            interactive=False, buttons=["copy", "download"], elem_id="answer-markdown",
                        )  # fmt: skip
                with gr.Column(scale=1, min_width=280):
                    generator = gr.Dropdown(
                        choices=list(self.generators),
                        value=self.default,
                        label="Answer generator",
                        info="extractive quotes the articles; a language model rephrases, still cited",
                        visible=len(self.generators) > 1,
                        elem_id="generator",
                    )
                    upload = gr.File(
                        label="Add articles (.txt, .md, .html)",
                        file_count="multiple",
                        file_types=sorted(SUPPORTED),
                        elem_id="upload",
                        height=120,
                    )
                    report = gr.HTML(elem_id="upload-report", padding=True)
                    documents = gr.HTML(
                        self.documents_panel(),
                        label="Articles in the store",
                        show_label=True,
                        container=True,
                        padding=True,
                        max_height=520,
                        elem_id="documents",
                    )
                    # Inputs/outputs of the API endpoint only; not shown.
                    api_question = gr.Textbox(visible=False, label="question")
                    api_text = gr.Textbox(visible=False, label="answer")
                    api_json = gr.Textbox(visible=False, label="answer_json")
                    api_button = gr.Button(visible=False)

            chat_io = dict(
                inputs=[question, chatbot, turns, generator],
                outputs=[chatbot, question, turns],
                concurrency_id=_ANSWERS,
                concurrency_limit=max(_ANSWER_WORKERS, self.assistant.config.llm_parallel),
                api_visibility="private",  # streaming HTML is for the page; clients use /ask
            )
            export_io = dict(fn=self.exports.last, inputs=[turns], outputs=[export], api_visibility="private")
            question.submit(self.respond, **chat_io).then(**export_io)
            send.click(self.respond, **chat_io).then(**export_io)
            chatbot.example_select(
                self.on_example,
                inputs=[chatbot, turns, generator],
                outputs=[chatbot, question, turns],
                concurrency_id=_ANSWERS,
                concurrency_limit=max(_ANSWER_WORKERS, self.assistant.config.llm_parallel),
                api_visibility="private",
            ).then(**export_io)
            clear.click(lambda: ([], "", []), outputs=[chatbot, question, turns], api_visibility="private")
            # the chatbot's own trash button empties the display; forget the conversation with it
            chatbot.clear(lambda: [], outputs=[turns], api_visibility="private")
            upload.upload(
                self.upload,
                inputs=[upload],
                outputs=[report, documents, upload],
                concurrency_id=_UPLOADS,
                concurrency_limit=1,
                api_visibility="private",
            )
            api_button.click(
                self.ask_api,
                inputs=[api_question, turns],
                outputs=[api_text, api_json, turns],
                api_name="ask",
                concurrency_id=_ANSWERS,
                concurrency_limit=max(_ANSWER_WORKERS, self.assistant.config.llm_parallel),
            )
            app.load(self.documents_panel, outputs=[documents], api_visibility="private")
        app.queue()
        return app


def with_generator_choice(assistant: Assistant, model: Generator | None = None) -> dict[str, Assistant]:
    """The generators to offer: the configured one (the default), and extractive if that is a
    language model, or `model` (the bundled one, loaded on its first answer) if it is extractive.

    Each twin is a second `Assistant` over the same store and the same embedder object, so
    switching never reloads anything (its retriever builds its own small BM25 index).
    """
    choices = {assistant.generator.name: assistant}
    other = assistant.extractive if assistant.generator is not assistant.extractive else model
    if other is not None:
        twin = assistant.with_generator(other)
        choices[twin.generator.name] = twin
    return choices


def build_app(
    assistant: Assistant,
    examples: Sequence[str] | None = None,
    generators: Mapping[str, Assistant] | None = None,
) -> gr.Blocks:
    """The chat app over `assistant` (queue enabled). `examples` default to questions about the
    store's own articles (`corpus_examples`); `generators` defaults to
    `with_generator_choice(assistant)`; the selector shows only when it has several."""
    return ChatUI(assistant, examples, generators or with_generator_choice(assistant)).build()


def serve(
    app: gr.Blocks,
    host: str = "127.0.0.1",
    port: int | None = 7860,
    auth: tuple[str, str] | None = None,
    *,
    block: bool = True,
    max_upload_bytes: int | None = None,
) -> str:
    """Start `app` (never shared publicly, analytics off); returns its URL. With `block=False`
    the server runs in a thread (tests); `app.close()` stops it. Uploads larger than
    `max_upload_bytes` are refused before they reach the disk."""
    _, url, _ = app.launch(
        server_name=host,
        server_port=port,
        share=False,
        auth=auth,
        prevent_thread_lock=True,
        quiet=True,
        show_error=False,  # unexpected errors are logged, never sent to the page
        ssr_mode=False,
        css=CSS + fmt.VIEWER_CSS,  # issue 14: the source viewer
        head=fmt.VIEWER_HEAD,
        footer_links=["api"],
        max_file_size=max_upload_bytes,
    )
    if block:
        print(f"sourced chat: {url} (Ctrl+C to stop)", flush=True)
        app.block_thread()
    return url


def launch(
    config: Config,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: tuple[str, str] | None = None,
    examples: Sequence[str] | None = None,
) -> None:
    """`sourced chat`: open the assistant over the configured store and serve the chat."""
    # Our own errors (logged with their traceback) on stderr; libraries' info/debug chatter is not.
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    if host not in ("127.0.0.1", "localhost", "::1") and auth is None:
        print(f"warning: serving on {host} without --auth: anyone who can reach this machine can use the chat")
    print("loading the store and the embedding model…", flush=True)
    assistant = Assistant.open(config=config)
    assistant.warm_up()  # indexes, sentence vectors and the model load while the page opens
    model = None
    if assistant.generator is assistant.extractive and local_model_installed():
        try:  # offered in the selector, loaded lazily; the chat starts without it if it cannot be prepared
            model = make_generator(replace(config, generator="local"))
        except GeneratorUnavailable as e:
            print(f"warning: the bundled model is not offered: {e.message}", flush=True)
    app = build_app(assistant, examples, with_generator_choice(assistant, model))
    # the same limit ingest applies, so an oversized file is refused at the door, not after the upload
    serve(app, host, port, auth, max_upload_bytes=config.store.max_file_bytes)
