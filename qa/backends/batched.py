"""Several sequences at once in one loaded model: continuous batching over one llama context.

One context holds ``parallel`` sequences in a unified KV cache (``n_seq_max``, ``kv_unified``). A
scheduler thread owns the context: every step it puts, into one ``llama_decode`` batch, the next
token of every sequence that is generating and a chunk of the prompt of any sequence still being
read, then samples each sequence's next token from its own row of logits. A caller's ``generate``
only queues a request and reads its text from a queue, so callers never touch the context.

Prompt state is reused across requests and across users: a new request goes to the free slot whose
cached tokens share the longest prefix with its prompt, or, when a busy slot shares a longer one (the
same system prompt, say), that prefix's cells are shared into the free slot (``memory_seq_cp``) and
only the rest of the prompt is read.

What batching buys on a CPU: a decode step is bound by reading the weights, so adding sequences to
it costs far less than running them one after another; prompt reading is bound by arithmetic and
gains nothing. See docs/BENCHMARKS.md (bench/load.py) for what that means for many chat users.
"""

from __future__ import annotations

import collections
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .engine import FileFront, ModelFile, TextOut

_DONE = object()
_MIN_SHARED = 16  # share a busy slot's prefix only when it saves at least this many tokens
_CELLS_PER_SEQ = 768


@dataclass
class _Request:
    tokens: list[int]
    max_new: int
    sampler: Any
    out: TextOut
    reuse: bool
    queue: queue.Queue = field(default_factory=queue.Queue)
    cancelled: bool = False
    n_gen: int = 0
    stats: dict[str, Any] = field(default_factory=dict)
    t_submit: float = field(default_factory=time.perf_counter)
    t_first: float | None = None
    t_prefilled: float | None = None


@dataclass
class _Slot:
    seq: int
    cached: list[int] = field(default_factory=list)  # tokens whose K/V are in this sequence, positions 0..n-1
    req: _Request | None = None
    todo: list[int] = field(default_factory=list)  # prompt tokens not read yet
    last: int | None = None  # sampled token to feed in the next step


def _common(a: list[int], b: list[int], limit: int) -> int:
    n = 0
    limit = min(limit, len(a), len(b))
    while n < limit and a[n] == b[n]:
        n += 1
    return n


class BatchedEngine(FileFront):
    """``parallel`` sequences of up to ``n_ctx`` tokens each, in one context, served by a scheduler thread.

    Same interface as ``qa.backends.engine.Engine``: ``generate`` yields text pieces; closing the
    generator early (a client gone, a time limit) frees its sequence at the next step.
    """

    def __init__(
        self, path: str, n_ctx: int, threads: int, parallel: int, n_batch: int = 256, n_cells: int | None = None
    ) -> None:
        if parallel < 1:
            raise ValueError("parallel must be >= 1")
        # The shared pool of KV cells (28 KiB each for the bundled model). A sequence may use up to
        # n_ctx of them; the default sizes the pool for RAG prompts (~300 tokens + the answer) rather
        # than n_ctx per sequence, and a request that does not fit waits for others to finish.
        self.n_cells = n_cells or min(n_ctx * parallel, max(n_ctx, _CELLS_PER_SEQ * parallel))
        self.file = ModelFile(path)
        t0 = time.perf_counter()
        self.ctx = self.file.context(self.n_cells, threads, n_batch=n_batch, n_seq=parallel)
        self.load_s = self.file.load_s + time.perf_counter() - t0
        self.path = path
        self.n_ctx = n_ctx
        self.threads = threads
        self.parallel = parallel
        self.n_batch = n_batch
        from cyllama.llama.llama_cpp import LlamaBatch

        self._batch = LlamaBatch(n_tokens=n_batch, embd=0, n_seq_max=parallel)
        self._slots = [_Slot(i) for i in range(parallel)]
        self._waiting: collections.deque[_Request] = collections.deque()
        self._cv = threading.Condition()
        self._thread: threading.Thread | None = None
        self._local = threading.local()
        self.steps = 0  # decode calls so far
        self.max_batch_seqs = 0  # most sequences generating in one step (shows that batching happened)

    # -- the interface shared with Engine ---------------------------------------------------------

    @property
    def last_stats(self) -> dict[str, Any]:
        """Timings of this thread's most recent call."""
        return getattr(self._local, "stats", {})

    def generate(
        self,
        prompt: str,
        *,
        max_tokens: int,
        temperature: float,
        stop: Sequence[str] = (),
        seed: int = 0,
        reuse_prefix: bool = True,
    ) -> Iterator[str]:
        """Yield the completion of the already-formatted ``prompt`` as text pieces."""
        tokens = self.file.tokenize(prompt)
        max_new = self.file.check_prompt(tokens, self.n_ctx, max_tokens)
        if not tokens or max_new == 0:
            self._local.stats = {"prompt_tokens": len(tokens), "generated_tokens": 0, "finish_reason": "length"}
            return
        req = _Request(tokens, max_new, self.file.sampler(temperature, seed), TextOut(self.file, stop), reuse_prefix)
        with self._cv:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True, name="sourced-llm-batch")
                self._thread.start()
            self._waiting.append(req)
            self._cv.notify()
        try:
            while True:
                item = req.queue.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            req.cancelled = True  # the scheduler frees the slot (or drops the queued request)
            self._local.stats = req.stats

    # -- the scheduler thread ---------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._waiting and not any(s.req for s in self._slots):
                    self._cv.wait()
            try:
                with self._cv:
                    self._admit()
                self._step()
            except Exception as exc:  # noqa: BLE001 - a failed decode ends the requests in it, not the engine
                for slot in self._slots:
                    if slot.req:
                        self._finish(slot, "error", exc)
                        self._forget(slot)

    def _forget(self, slot: _Slot) -> None:
        self.ctx.memory_seq_rm(slot.seq, -1, -1)
        slot.cached = []

    def _admit(self) -> None:
        """Move queued requests into free slots, reusing or sharing cached prompt prefixes."""
        while self._waiting:
            req = self._waiting[0]
            if req.cancelled:
                self._waiting.popleft()
                continue
            free = [s for s in self._slots if s.req is None]
            reserved = sum(len(s.req.tokens) + s.req.max_new for s in self._slots if s.req)
            need = len(req.tokens) + req.max_new
            if not free or (reserved and reserved + need > self.n_cells):
                return  # wait for a sequence to finish
            self._waiting.popleft()
            limit = len(req.tokens) - 1  # always read >= 1 token, for the logits
            reuse = req.reuse and self.file.prefix_ok
            own = {s.seq: _common(s.cached, req.tokens, limit) if reuse else 0 for s in free}
            slot = max(free, key=lambda s: own[s.seq])
            common = own[slot.seq]
            donor = max(self._slots, key=lambda s: _common(s.cached, req.tokens, limit) if reuse else 0)
            shared = _common(donor.cached, req.tokens, limit) if reuse else 0
            if donor is not slot and shared >= common + _MIN_SHARED:
                self._forget(slot)
                self.ctx.memory_seq_cp(donor.seq, slot.seq, 0, shared)
                common = shared
            elif common == 0 or not self.ctx.memory_seq_rm(slot.seq, common, -1):
                self._forget(slot)
                common = 0
            slot.cached = req.tokens[:common]
            # Make room: drop the caches of idle sequences until every admitted request fits.
            idle = sorted((s for s in self._slots if s.req is None and s is not slot and s.cached),
                          key=lambda s: len(s.cached), reverse=True)
            while idle and reserved + need + sum(len(s.cached) for s in idle) > self.n_cells:
                self._forget(idle.pop(0))
            slot.todo = req.tokens[common:]
            slot.req, slot.last = req, None
            req.stats.update(
                prompt_tokens=len(req.tokens),
                reused_tokens=common,
                threads=self.threads,
                parallel=self.parallel,
                queued_s=time.perf_counter() - req.t_submit,
            )

    def _step(self) -> None:
        batch = self._batch
        batch.clear()
        rows: list[tuple[_Slot, int]] = []  # slots whose logits this step produces, with their row
        n = 0
        for slot in self._slots:
            if slot.req and slot.req.cancelled:
                self._finish(slot, "cancelled")
        generating = [s for s in self._slots if s.req and not s.todo and s.last is not None]
        for slot in generating:
            batch.add(slot.last, len(slot.cached), [slot.seq], True)
            slot.cached.append(slot.last)
            rows.append((slot, n))
            n += 1
        self.max_batch_seqs = max(self.max_batch_seqs, len(generating))
        for slot in self._slots:  # prompts, oldest slot first, in what room is left
            if not (slot.req and slot.todo) or n >= self.n_batch:
                continue
            take = slot.todo[: self.n_batch - n]
            for i, tok in enumerate(take):
                last = i == len(take) - 1 and len(take) == len(slot.todo)
                batch.add(tok, len(slot.cached) + i, [slot.seq], last)
            slot.cached.extend(take)
            slot.todo = slot.todo[len(take) :]
            n += len(take)
            if not slot.todo:
                rows.append((slot, n - 1))
        if n == 0:
            return
        self.ctx.decode(batch)
        self.steps += 1
        now = time.perf_counter()
        eog = self.file.vocab.is_eog
        for slot, row in rows:
            req = slot.req
            assert req is not None
            if req.t_prefilled is None:
                req.t_prefilled = now
            tok = req.sampler.sample(self.ctx, row)
            if eog(tok):
                self._finish(slot, "stop")
                continue
            req.n_gen += 1
            text = req.out.push(tok)
            if text:
                req.t_first = req.t_first or now
                req.queue.put(text)
            if req.out.stopped:
                self._finish(slot, "stop")
            elif req.n_gen >= req.max_new:
                self._finish(slot, "length")
            else:
                slot.last = tok

    def _finish(self, slot: _Slot, reason: str, error: BaseException | None = None) -> None:
        req = slot.req
        assert req is not None
        slot.req, slot.last, slot.todo = None, None, []
        tail = req.out.flush() if error is None else ""
        if tail:
            req.t_first = req.t_first or time.perf_counter()
            req.queue.put(tail)
        t_end = time.perf_counter()
        prefilled = req.t_prefilled or t_end
        req.stats.update(
            generated_tokens=req.n_gen,
            finish_reason=reason,
            ttft_s=(req.t_first or t_end) - req.t_submit,
            total_s=t_end - req.t_submit,
            prefill_s=prefilled - req.t_submit,
            decode_s=t_end - prefilled,
            decode_tok_s=req.n_gen / max(t_end - prefilled, 1e-9),
        )
        req.queue.put(error if error is not None else _DONE)
