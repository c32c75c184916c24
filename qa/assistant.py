"""The Assistant: question (and conversation) in, verified and cited `Answer` out.

One pipeline for every front end:

    question ─ clean ─ standalone rewrite ─ hybrid retrieval ─ rerank ─ evidence ─┬─ refusal
                                                                                   ├─ conflicts
                                                              generator (extractive | LLM)
                                                                         └─ citation check ─ Answer

`ask` returns the final answer; `stream` returns an `AnswerStream` whose `draft` (sources and
the extractive answer) is ready at once and whose iteration yields the generator's tokens, the
verified `answer` being set when they end. A language model that fails or outlives
`answer_timeout_s` leaves the extractive answer in place, with a notice.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from vectorstore.store import Store
from vectorstore.types import DocumentRecord

from . import (
    compound,
    corroboration,  # issue 15: agreeing articles, copies, the disagreement sentence, evidence table
)
from . import conflicts as conflict_rules
from .answerability import Scorer
from .citations import unquoted_values, verify
from .config import Config
from .errors import EmptyQuestion, EmptyStore, QuestionTooLong
from .evidence import attach, candidates, collect, merge_passages, refuse_without_value, select, with_antecedent
from .features import document_word_sets
from .question import OTHER, analyze
from .rerank import Reranker
from .retrieval import Retriever
from .rewrite import candidates as rewrite_candidates
from .tuning import HISTORY_MESSAGES
from .types import Answer, Conflict, ConflictSide, Draft, Evidence, Passage, Quote, set_pages
from .writers.contract import Generator
from .writers.extractive import REFUSAL, ExtractiveGenerator, compose, is_phrase_reply, read_phrase, unread_phrase

_MARKER = re.compile(r"\[\d+\]")
# control and invisible formatting characters, and lone surrogates (undecodable bytes that
# Python's surrogateescape lets into a command-line argument; no tokenizer takes them)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028-\u202e\ufeff\ud800-\udfff]")
_NONE = re.compile(r"^\W*none\W*$", re.I)
_UNCHECKED = "The model's answer could not be checked against the articles; showing the passages themselves."
_NO_PHRASE = "The language model found no short answer in these passages; showing the passages themselves."

_UNSURE = re.compile(
    r"\b(i (do not|don't) know|(the )?(articles|passages|sources) (do not|don't) "
    r"(say|mention|state|contain)|not (mentioned|stated) in the)",
    re.I,
)


class Assistant:
    """Answers questions over one store. Safe to share between threads: the lexical index is
    rebuilt under a lock, caches are locked, and a local model serializes its own calls."""

    def __init__(
        self,
        config: Config,
        store: Store,
        embedder,
        generator: Generator,
        retriever: Retriever | None = None,
        reranker: Reranker | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.embedder = embedder
        self.generator = generator
        self.retriever = retriever or Retriever(store, embedder, config.candidates)
        self.reranker = reranker or Reranker(embedder)
        self.extractive = generator if isinstance(generator, ExtractiveGenerator) else ExtractiveGenerator()
        self._texts: dict[str, str | None] = {}
        self._words: dict[str, tuple[set[str], set[str]]] = {}
        self.scorer = Scorer(lambda: self.retriever.stats, self.document_words)

    def warm_up(self, background: bool = True, max_chunks: int = 5000) -> threading.Thread | None:
        """Build the indexes, embed the sentences of a small store and load the model now, so the
        first question is as fast as the next. In a daemon thread by default (the chat opens at once)."""

        def work() -> None:
            try:
                self.retriever.refresh()
                if 0 < self.retriever.size <= max_chunks:
                    passages = [
                        Passage(c.id, c.source, "", None, c.text, c.start, c.end) for c in self.store.all_chunks()
                    ]
                    for i in range(0, len(passages), 256):  # one embedding batch per 256 chunks
                        self.reranker.sentences.get(passages[i : i + 256])
                warm = getattr(self.generator, "warm_up", None)
                if warm:
                    warm()
            except Exception:  # warming is an optimisation: a failure shows up, clearly, on the first question
                pass

        if not background:
            work()
            return None
        t = threading.Thread(target=work, daemon=True, name="sourced-warm-up")
        t.start()
        return t

    def with_generator(self, generator: Generator) -> Assistant:
        """The same assistant (store, embedder, indexes, caches) answering with another generator."""
        twin = Assistant(self.config, self.store, self.embedder, generator, self.retriever, self.reranker)
        twin._texts, twin._words = self._texts, self._words
        return twin

    @classmethod
    def open(
        cls,
        store: str | Path | None = None,
        collection: str | None = None,
        chroma_url: str | None = None,
        *,
        config: Config | None = None,
        generator: Generator | str | None = None,
        embedder=None,
        **overrides,
    ) -> Assistant:
        """Open the assistant over a store; settings come from `config` or flags/environment."""
        from vectorstore.embedding import load_embedder

        from .writers.choose import make_generator

        if config is None:
            config = Config.from_env(
                store=store,
                collection=collection,
                chroma_url=chroma_url,
                generator=generator if isinstance(generator, str) else None,
                **overrides,
            )
        st = Store.open(config.store)
        embedder = embedder or load_embedder(st.embedder_name, config.store.model_cache)
        gen = generator if isinstance(generator, Generator) else make_generator(config)
        llm = getattr(gen, "llm", None)
        if llm is not None:
            # a model-backed writer has loaded llama-index: it must never reach for its OpenAI defaults
            from llama_index.core import Settings

            from vectorstore.embedding import as_llama_index

            Settings.llm, Settings.embed_model = llm, as_llama_index(embedder)
        return cls(config, st, embedder, gen)

    # -- public API --------------------------------------------------------------------

    def ask(self, question: str, history: Sequence | None = None) -> Answer:
        s = self.stream(question, history)
        for _ in s:
            pass
        return s.answer

    def stream(self, question: str, history: Sequence | None = None) -> AnswerStream:
        started = time.perf_counter()
        cleaned = self.clean_question(question)
        parts = compound.split(cleaned)
        if len(parts) > 1:
            answer = self._answer_parts(cleaned, parts, history)
            answer.timings["draft_s"] = time.perf_counter() - started
            return AnswerStream(answer, None, None)
        draft, answer = self.prepare(question, history)
        answer.timings["draft_s"] = time.perf_counter() - started
        # a disagreement is shown side by side as the articles word it; a model would pick one side
        if self.generator is self.extractive or not answer.answerable or draft.conflicts:
            return AnswerStream(answer, None, None)
        return AnswerStream(
            answer,
            self.generator.stream(draft),
            lambda text: self._finish(draft, answer, text),
            timeout_s=self.config.answer_timeout_s,
            started=started,
        )

    def _answer_parts(self, question: str, parts: list[str], history: Sequence | None) -> Answer:
        """A question of several parts (`qa.compound`), each answered from its own evidence; a
        later part is read against the first part's question, as a follow-up of it, but not against
        its answer: the question names the shared subject, and the answer's words would pull
        retrieval back to the sentence that answered the first part. Extractive: the parts' drafts
        are final, so a model would only rephrase several checked answers at once."""
        turns = normalize_history(history)
        later = [*turns, {"role": "user", "content": parts[0]}, {"role": "assistant", "content": ""}]
        first = self.prepare(parts[0], turns)[1]
        within = frozenset(c.source for c in first.citations)  # the articles the shared subject is in
        answers = [first, *(self.prepare(part, later, within=within)[1] for part in parts[1:])]
        return compound.combine(question, parts, answers, self.config.k)

    def retrieve(self, question: str) -> list[Passage]:
        """The ranked passages for a question, as `Answer.retrieved` would hold them."""
        return self.prepare(question, None)[1].retrieved

    def documents(self) -> list[DocumentRecord]:
        return sorted(self.store.records().values(), key=lambda r: r.source)

    def ingest(self, paths: Sequence[str | Path], on_progress=None, wait_s: float = 10.0):
        """Ingest files into this assistant's store; they are searchable when this returns."""
        from vectorstore.ingest import ingest

        report = ingest(paths, self.config.store, embedder=self.embedder, on_progress=on_progress, wait_s=wait_s)
        self.retriever.refresh(check=True)
        self._texts.clear()
        self._words.clear()
        return report

    def ingest_uploads(self, files: Sequence[tuple[str, str | Path | bytes]], on_progress=None, wait_s: float = 10.0):
        """Save uploaded files (client's name, content or temporary path) safely in the store's
        uploads folder (`vectorstore.uploads`), then ingest them. A refused file (type, size,
        binary content) is reported as failed in the returned report; the others still land."""
        from vectorstore.errors import LoadError
        from vectorstore.ingest import FAILED, SKIPPED, FileOutcome, IngestReport
        from vectorstore.uploads import safe_name, save_upload

        folder = self.config.store.uploads
        before = set(folder.iterdir()) if folder.is_dir() else set()
        saved: list[Path] = []
        refused: list[FileOutcome] = []
        for name, data in files:
            label = Path(str(name)).name
            try:
                path = save_upload(name, data, folder, self.config.store.max_file_bytes)
            except LoadError as e:
                refused.append(FileOutcome(path=label, source=label, status=FAILED, reason=e.reason))
                continue
            if (path in before or path in saved) and path.name != safe_name(name):
                # same content as an upload already kept: saved once (see vectorstore.uploads)
                refused.append(FileOutcome(label, label, SKIPPED, f"same content as {path.name}"))
            elif path not in saved:
                saved.append(path)
        if saved:
            report = self.ingest(saved, on_progress=on_progress, wait_s=wait_s)
        else:
            report = IngestReport(self.config.store.location, self.config.store.collection)
            status = self.store.status()
            report.total_documents, report.total_chunks = len(status.documents), status.chunks
        report.outcomes[:0] = refused
        return report

    def document_text(self, source: str) -> str | None:
        if source not in self._texts:
            self._texts[source] = self.store.document_text(source)
        return self._texts[source]

    def document_words(self, source: str) -> tuple[set[str], set[str]]:
        """A document's content terms and stemmed words (cached), for the scorer's article-level features."""
        if source not in self._words:
            self._words[source] = document_word_sets(self.document_text(source) or "")
        return self._words[source]

    # -- the pipeline --------------------------------------------------------------------

    def clean_question(self, question: str) -> str:
        if not isinstance(question, str):
            raise EmptyQuestion("The question must be text.")
        text = " ".join(_CONTROL.sub(" ", question).split())
        if not text:
            raise EmptyQuestion("The question is empty.", "Type a question about the articles.")
        if len(text) > self.config.max_question_chars:
            raise QuestionTooLong(
                f"The question is {len(text):,} characters long; the limit is {self.config.max_question_chars:,}.",
                "Ask the question itself, in a sentence or two.",
            )
        return text

    def prepare(
        self, question: str, history: Sequence | None, within: frozenset[str] = frozenset()
    ) -> tuple[Draft, Answer]:
        """Evidence and the extractive answer for a question. With `within` (a later part of a compound
        question, and the articles that answered its first part), the part as written is one more
        reading beside those against the history, read in those articles only: "... and what was its
        membership in 2014?" finds its sentence on its own words, and "its" still means what the
        first part was about."""
        t0 = time.perf_counter()
        q = self.clean_question(question)
        turns = normalize_history(history)
        readings = rewrite_candidates(q, turns)
        as_written = bool(within) and q not in readings
        if as_written:
            readings.append(q)
        if readings != [q]:
            model_reading = self.generator.rewrite(q, turns)
            if model_reading:
                readings.insert(0, model_reading)
        if self.retriever.refresh():
            self._texts.clear()
            self._words.clear()
        if self.retriever.size == 0:
            raise EmptyStore(
                f"The store at {self.config.store.location} holds no articles.",
                "Ingest some first: `sourced ingest seeds/`.",
            )
        t1 = time.perf_counter()
        best = None
        for reading in dict.fromkeys(readings):
            info = analyze(reading, original=q)
            passages, sentences, answers = self.rank(info, reading, within if as_written and reading == q else None)
            if best is None or answers > best[0]:
                best = (answers, reading, info, passages, sentences)
        answers, standalone, info, passages, sentences = best
        t2 = time.perf_counter()
        quotes = collect(passages, sentences, top=self.evidence_passages)
        evidence = select(info, quotes, answers, self.scorer.threshold, self.retriever.stats)
        evidence = refuse_without_value(info, attach(info, evidence, quotes))
        evidence = with_antecedent(info, evidence, quotes)
        words_of = lambda source: self.document_words(source)[1]  # noqa: E731 - an article's stemmed words
        found = []
        if evidence.answerable:
            found = conflict_rules.detect(info, quotes, self.retriever.stats, document_words=words_of)
        if found:
            evidence = _with_conflict_sides(evidence, found)
        if evidence.answerable:  # issue 15: other articles that state the same value in other words
            corroboration.corroborate(info, evidence.quotes, quotes, self.retriever.stats)
        draft = Draft(q, standalone, info, evidence, found)
        retrieved = merge_passages(passages)[: self.config.k]
        answer = self._extractive_answer(draft, retrieved)
        answer.timings.update(rewrite_s=t1 - t0, retrieve_s=t2 - t1, answer_s=time.perf_counter() - t2)
        return draft, answer

    @property
    def evidence_passages(self) -> int:
        """How many of the top passages the evidence is drawn from."""
        return max(self.config.k, 8)

    def search(
        self, info, standalone: str, mode: str, query: Sequence[float] | None
    ) -> tuple[list[Passage], dict | None]:
        """Retrieve under `mode`; in hybrid+rerank mode also rerank, which scores the sentences too
        (else None). The retrieval stage of `rank`, and all that retrieval-only evaluation runs."""
        passages = self.retriever.retrieve(standalone, "hybrid" if mode == "hybrid+rerank" else mode, query)
        if mode == "hybrid+rerank":
            return self.reranker.rerank(info, query, passages, self.retriever.stats)
        return passages, None

    def rank(
        self, info, standalone: str, within: frozenset[str] | None = None
    ) -> tuple[list[Passage], dict, float]:
        """Retrieve, rerank and score every sentence of the top passages (sets `ScoredSentence.prob`);
        also returns the scorer's probability that the articles answer at all. With `within`, only
        passages of those articles (or copied in one of them) count."""
        query = self.embedder.get_query_embedding(standalone)
        passages, sentences = self.search(info, standalone, self.config.retrieval, query)
        if within is not None:
            passages = [p for p in passages if p.source in within or any(c.source in within for c in p.also_in)]
        if sentences is None:
            import numpy as np

            sentences = self.reranker.score_sentences(
                info, np.asarray(query, dtype=np.float32), passages, self.retriever.stats
            )
        pairs = candidates(passages, sentences, self.evidence_passages)
        probs, answerable = self.scorer.score(info, [c for _, c in pairs])
        for (sentence, _), p in zip(pairs, probs, strict=True):
            sentence.prob = float(p)
        return passages, sentences, answerable

    def _extractive_answer(self, draft: Draft, retrieved: list[Passage]) -> Answer:
        base = Answer(
            question=draft.question,
            standalone_question=draft.standalone,
            text=REFUSAL,
            answerable=False,
            retrieved=retrieved,
            generator=self.extractive.name,
        )
        if not draft.evidence.answerable:
            base.related = retrieved[:3]
            return base
        checked = verify(compose(draft), draft.evidence.quotes, self.document_text, draft.standalone)
        if not checked.citations:
            base.related = retrieved[:3]
            return base
        citations = set_pages(checked.citations, self.store.document_pages)
        base.text, base.citations, base.answerable = checked.text, citations, True
        base.conflicts = _conflicts(draft, checked.order)
        return corroboration.complete(base, self.document_text)  # issue 15

    def _finish(self, draft: Draft, extractive: Answer, text: str) -> Answer:
        """The final answer from a generator's text: verified, or the extractive one if it fails."""
        answer = Answer(
            question=draft.question,
            standalone_question=draft.standalone,
            text=text,
            answerable=True,
            retrieved=extractive.retrieved,
            generator=self.generator.name,
            timings=dict(extractive.timings),
        )
        quotes = [q.text for q in draft.evidence.quotes]
        guessed = is_phrase_reply(text) and unquoted_values(text, quotes, draft.standalone)
        # NONE from a reader asked to copy a phrase says "no short phrase" for a question that takes
        # none ("What did she say ...?", "why"): only a typed question's NONE votes for refusal
        unsure = bool(_UNSURE.search(text) or _NONE.match(text)) and "[" not in text
        if unsure and draft.info.kind == OTHER and not guessed:
            extractive.notices.append(_NO_PHRASE)
            return extractive
        if unsure or guessed:
            # The model votes for refusal: it says so, or it writes a value no evidence sentence holds
            # (asked to copy the answer, it guessed one). The scorer alone decides only when it is sure;
            # below that the two agree that the articles do not answer, and no stage may turn that into an
            # answer.
            if draft.evidence.confidence >= self.scorer.sure_threshold:
                extractive.notices.append(
                    "The language model did not find the answer in these passages; "
                    "showing the passages that match the question."
                )
                return extractive
            refusal = replace(
                answer,
                text=REFUSAL,
                answerable=False,
                related=extractive.retrieved[:3],
                notices=["The language model found no answer in the closest passages."],
            )
            return refusal
        direct = read_phrase(text, draft)
        if direct is not None:
            text = direct
        elif unread_phrase(text, draft):
            # counted as a refusal vote instead, such replies refused a quarter of the dev answerable
            # questions (docs/EVALUATION.md)
            extractive.notices.append(_UNCHECKED)
            return extractive
        checked = verify(text, draft.evidence.quotes, self.document_text, draft.standalone)
        if not checked.citations:
            extractive.notices.append(_UNCHECKED)
            return extractive
        answer.text, answer.citations = checked.text, set_pages(checked.citations, self.store.document_pages)
        answer.conflicts = _conflicts(draft, checked.order)
        if draft.conflicts and not answer.conflicts:
            answer.conflicts = extractive.conflicts  # the model smoothed over a disagreement: keep it visible
            answer.citations, answer.text = extractive.citations, extractive.text
            answer.notices.append("The articles disagree here; showing each side as written.")
        elif answer.conflicts and "disagree" not in answer.text.lower():
            answer.text = f"The articles disagree on the {answer.conflicts[0].topic}. {answer.text}"
        corroboration.complete(answer, self.document_text)  # issue 15
        if checked.removed:
            answer.notices.append(
                f"Removed {len(checked.removed)} sentence(s) of the model's answer that no passage supports."
            )
        return answer


class AnswerStream:
    """Iterate for tokens; `draft` is ready at once, `answer` when iteration ends."""

    def __init__(
        self, draft: Answer, tokens: Iterator[str] | None, finish, timeout_s: float = 30.0, started: float | None = None
    ) -> None:
        self.draft = draft
        self.answer: Answer | None = draft if tokens is None else None
        self._tokens = tokens
        self._finish = finish
        self._timeout_s = timeout_s
        self._started = started or time.perf_counter()

    @property
    def live(self) -> bool:
        """Will a generator's tokens follow the draft (rather than the draft being the answer)?"""
        return self._tokens is not None

    def __iter__(self) -> Iterator[str]:
        if self._tokens is None:
            words = self.draft.text.split(" ")
            for i, word in enumerate(words):
                yield word if i == len(words) - 1 else word + " "
            return
        pieces: list[str] = []
        first = None
        deadline = self._started + self._timeout_s
        try:
            for token in _until(self._tokens, deadline):
                if first is None:
                    first = time.perf_counter() - self._started
                pieces.append(token)
                yield token
        except TimeoutError:
            self.draft.notices.append(
                f"The language model did not finish within {self._timeout_s:g} s; showing the extracted answer."
            )
            self.answer = self.draft
        except Exception as e:  # a model or server failing mid-answer must not lose the answer
            self.draft.notices.append(
                f"The language model failed ({type(e).__name__}: {str(e)[:120]}); showing the extracted answer."
            )
            self.answer = self.draft
        else:
            self.answer = self._finish("".join(pieces))
        self.answer.timings["total_s"] = time.perf_counter() - self._started
        if first is not None:
            self.answer.timings["first_token_s"] = first


def _until(tokens: Iterator[str], deadline: float) -> Iterator[str]:
    """Tokens from a worker thread, raising TimeoutError past the deadline."""
    q: queue.Queue = queue.Queue()
    stop = threading.Event()
    done = object()

    def work() -> None:
        try:
            for t in tokens:
                if stop.is_set():
                    break
                q.put(t)
        except BaseException as e:  # noqa: BLE001 - handed to the consumer
            q.put(e)
        finally:
            q.put(done)
            close = getattr(tokens, "close", None)
            if close:
                close()

    threading.Thread(target=work, daemon=True, name="sourced-generate").start()
    try:
        while True:
            try:
                item = q.get(timeout=max(0.0, deadline - time.perf_counter()))
            except queue.Empty:
                raise TimeoutError from None
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def normalize_history(history: Sequence | None) -> list[dict]:
    """Chat history as [{"role", "content"}]: accepts dicts, Gradio messages and (user, bot) pairs."""
    turns: list[dict] = []
    for turn in history or []:
        if isinstance(turn, dict):
            role, content = turn.get("role"), turn.get("content")
            if (turn.get("metadata") or {}).get("title"):
                continue  # collapsible detail blocks (sources) are not part of the conversation
        elif isinstance(turn, (list, tuple)) and len(turn) == 2:
            turns += [
                {"role": "user", "content": str(turn[0] or "")},
                {"role": "assistant", "content": str(turn[1] or "")},
            ]
            continue
        else:
            role, content = getattr(turn, "role", None), getattr(turn, "content", None)
        if isinstance(content, list):
            content = " ".join(str(c.get("text", "")) if isinstance(c, dict) else str(c) for c in content)
        if role in ("user", "assistant") and content:
            turns.append({"role": role, "content": str(content)[:4000]})
    return turns[-HISTORY_MESSAGES:]


def _with_conflict_sides(evidence: Evidence, found: list[conflict_rules.Found]) -> Evidence:
    """Make sure both sides of a conflict are among the quotes, each side first."""
    quotes: list[Quote] = []
    for side in found[0].sides:
        if side.quote not in quotes:
            quotes.append(side.quote)
    quotes += [q for q in evidence.quotes if q not in quotes]
    keep = max(len(evidence.quotes), len(found[0].sides))
    return Evidence(quotes[:keep], evidence.answerable, evidence.reason, evidence.confidence)


def _conflicts(draft: Draft, order: list[int]) -> list[Conflict]:
    """Conflicts expressed with the final citation numbers (only sides the answer cites)."""
    index = {id(q): i for i, q in enumerate(draft.evidence.quotes)}
    number = {i: n for n, i in enumerate(order, start=1)}
    out = []
    for f in draft.conflicts:
        sides = []
        for side in f.sides:
            i = index.get(id(side.quote))
            if i in number:
                sides.append(
                    ConflictSide(
                        side.value, number[i], [side.quote.source] + [loc.source for loc in side.quote.also_in]
                    )
                )
        if len(sides) >= 2:
            out.append(Conflict(f.topic, sides))
    return out
