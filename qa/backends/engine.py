"""A GGUF model run in-process by cyllama (llama.cpp): loading, the chat template, and one-sequence generation.

Why cyllama 0.2.18 and not llama-cpp-python: cyllama installs as a prebuilt manylinux wheel in ~2 s,
llama-cpp-python builds llama.cpp from source (~8 min on 2 cores) for the same llama.cpp speed. We use
its low-level binding (LlamaModel / LlamaContext / LlamaSampler) rather than ``cyllama.LLM`` because
``LLM`` leaves the context at llama.cpp's default of 4 threads, clears the KV cache on every call, and
raises instead of waiting when two threads use it at once.

Threads are pinned (default 2). On the 2-core reference machine, idle: 1 thread = 34 prompt tok/s and
20 generated tok/s, 2 threads = 65 / 29.5, 4 threads = 61 / 21 (oversubscription). Caveat: llama.cpp's
worker threads spin at barriers, so when another process keeps a core busy, 2 threads drop to 11 tok/s
(one busy loop) or even < 1 tok/s (a multi-threaded job), while 1 thread keeps ~19 tok/s. Pass
``threads=1`` where the model must share the CPU (e.g. while indexing runs).

``Engine`` serves one sequence at a time: one llama context is not thread-safe, so every generation
holds the engine lock from its first token until the stream is exhausted or closed (a second caller
waits; the same thread opening a second stream before closing the first gets a RuntimeError instead
of a deadlock). ``qa.backends.batched.BatchedEngine`` serves several at once.

Prefix reuse: the engine remembers which tokens are in the KV cache and, on the next call, keeps the
longest common prefix (``memory_seq_rm``) and evaluates only the rest. Measured on the RAG prompt
(~244 tokens): a new question over the same passages starts in 0.2 s instead of 3.5 s; a new set of
passages under the same system prompt saves the system prompt's ~64 tokens (2.55 s -> 1.67 s). Greedy
answers are identical with and without reuse. It is one cache slot, so alternating between two
unrelated prompts (e.g. a rewrite prompt and an answer prompt) re-evaluates from the first difference.

Memory: ~1.95 GB RSS once loaded (1.09 GB of it the mmap'd file, reclaimable page cache; ~0.86 GB
anonymous, mostly weights repacked for AVX2/AVX512 by llama.cpp's CPU_REPACK buffers, which buy +60%
prefill and +20% decode speed over the plain mmap'd layout).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from . import INSTALL_HINT, ModelUnavailable

DEFAULT_THREADS = 2
DEFAULT_N_CTX = 4096
DEFAULT_MAX_TOKENS = 512
N_BATCH = 512


def _cyllama() -> Any:
    try:
        from cyllama.llama import llama_cpp
    except ImportError as exc:
        raise ModelUnavailable("The local model runtime (cyllama) is not installed.", INSTALL_HINT) from exc
    return llama_cpp


class ModelFile:
    """A loaded GGUF model: weights, vocabulary, chat template, and the text of generated tokens."""

    def __init__(self, path: str) -> None:
        llama = _cyllama()
        from cyllama.utils.validation import validate_gguf_file

        llama.disable_logging()
        llama.ggml_backend_load_all()
        t0 = time.perf_counter()
        try:
            # Check magic/version/counts first: llama.cpp aborts the process on some malformed files.
            validate_gguf_file(path, kind="GGUF model")
            self.model = llama.LlamaModel(path, llama.LlamaModelParams())
        except Exception as exc:  # cyllama raises ValueError/RuntimeError for unreadable GGUFs
            raise ModelUnavailable(
                f"Could not load the model file {path}: {exc}", "Check that it is a valid GGUF file."
            ) from exc
        self.vocab = self.model.get_vocab()
        self.path = path
        self.load_s = time.perf_counter() - t0
        self._template: Any = None
        # Recurrent/hybrid models cannot drop the tail of a sequence's cache, so no prefix reuse.
        self.prefix_ok = not (self.model.is_recurrent() or self.model.is_hybrid())

    def context(self, n_ctx: int, threads: int, n_batch: int = N_BATCH, n_seq: int = 1) -> Any:
        llama = _cyllama()
        params = llama.LlamaContextParams()
        params.n_ctx = n_ctx
        params.n_batch = n_batch
        params.n_threads = threads
        params.n_threads_batch = threads
        if n_seq > 1:
            params.n_seq_max = n_seq
            params.kv_unified = True  # one pool of cells: sequences can share a prompt prefix's cells
        return llama.LlamaContext(self.model, params)

    # -- prompt formatting ------------------------------------------------------------------------

    def render(self, messages: list[dict[str, str]], add_generation_prompt: bool = True) -> str:
        """Format ``messages`` with the chat template embedded in the GGUF (ChatML for Qwen)."""
        if self._template is None:
            self._template = self._compile_template()
        if self._template is False:
            parts = [f"{m['role'].capitalize()}: {m['content']}" for m in messages]
            return "\n\n".join(parts) + ("\n\nAssistant:" if add_generation_prompt else "")
        vocab = self.vocab
        bos = vocab.token_to_piece(vocab.token_bos(), special=True) if vocab.token_bos() >= 0 else ""
        eos = vocab.token_to_piece(vocab.token_eos(), special=True) if vocab.token_eos() >= 0 else ""
        return self._template.render(
            messages=messages, bos_token=bos, eos_token=eos, add_generation_prompt=add_generation_prompt
        )

    def _compile_template(self) -> Any:
        source = self.model.get_default_chat_template()
        if not source:
            return False
        try:
            from cyllama._vendor.jinja2 import ext
            from cyllama._vendor.jinja2.sandbox import ImmutableSandboxedEnvironment
        except ImportError:  # pragma: no cover - the vendored copy ships with cyllama
            from jinja2 import ext
            from jinja2.sandbox import ImmutableSandboxedEnvironment

        def raise_exception(message: str) -> str:
            raise ValueError(message)

        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[ext.loopcontrols])
        env.filters["tojson"] = lambda v, **kw: json.dumps(v, ensure_ascii=False, **kw)
        env.globals["raise_exception"] = raise_exception
        env.globals["strftime_now"] = lambda fmt: time.strftime(fmt)
        return env.from_string(source)

    def tokenize(self, text: str) -> list[int]:
        return self.vocab.tokenize(text, True, True)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text))

    def piece_text(self, tokens: list[int]) -> str:
        """Text of generated ``tokens``; a multi-byte character split over tokens shows as U+FFFD
        until all of its tokens are passed together."""
        first = self.vocab.token_to_piece(tokens[0], special=True)
        if len(tokens) == 1:
            return first
        text = self.vocab.detokenize(tokens, 64 * len(tokens) + 64, False, True)
        # llama_detokenize drops the leading space of the first token; token_to_piece keeps it
        if first.startswith(" ") and not text.startswith(" "):
            text = " " + text
        return text

    def sampler(self, temperature: float, seed: int) -> Any:
        llama = _cyllama()
        sampler = llama.LlamaSampler(llama.LlamaSamplerChainParams())
        if temperature <= 0:
            sampler.add_greedy()
        else:
            sampler.add_min_p(0.05, 1)
            sampler.add_top_k(40)
            sampler.add_top_p(0.95, 1)
            sampler.add_temp(temperature)
            sampler.add_dist(seed)
        return sampler

    def check_prompt(self, tokens: list[int], n_ctx: int, max_tokens: int) -> int:
        """The most tokens to generate after ``tokens`` in a context of ``n_ctx``; ValueError if none fit."""
        if len(tokens) >= n_ctx:
            raise ValueError(
                f"The prompt is {len(tokens)} tokens but the model's context window is {n_ctx}; "
                "use fewer or shorter passages."
            )
        return max(0, min(max_tokens, n_ctx - len(tokens)))


class TextOut:
    """Generated tokens to text pieces: holds back a UTF-8 character split over tokens, and any text
    that may be the start of a stop sequence; ``stopped`` once a stop sequence appeared (it is cut)."""

    def __init__(self, model: ModelFile, stop: Sequence[str]) -> None:
        self.model = model
        self.stop = [s for s in stop if s]
        self.max_stop = max((len(s) for s in self.stop), default=0)
        self.held = ""  # text not yet given out: may be the start of a stop sequence
        self.pending: list[int] = []  # tokens whose bytes may end mid-UTF-8 character
        self.stopped = False

    def push(self, token: int) -> str:
        self.pending.append(token)
        text = self.model.piece_text(self.pending)
        if text.endswith("\ufffd") and len(self.pending) < 4:  # wait for the rest of a UTF-8 char
            return ""
        self.pending = []
        self.held += text
        if self.stop:
            cut = min((p for p in (self.held.find(s) for s in self.stop) if p >= 0), default=-1)
            if cut >= 0:
                out, self.held, self.stopped = self.held[:cut], "", True
                return out
            safe = len(self.held) - (self.max_stop - 1)
        else:
            safe = len(self.held)
        if safe <= 0:
            return ""
        out, self.held = self.held[:safe], self.held[safe:]
        return out

    def flush(self) -> str:
        tail = self.held + (self.model.piece_text(self.pending) if self.pending else "")
        self.held, self.pending = "", []
        return tail


class FileFront:
    """What Engine and BatchedEngine answer from the model file alone: its chat template and tokenizer."""

    file: ModelFile

    def render(self, messages: list[dict[str, str]], add_generation_prompt: bool = True) -> str:
        return self.file.render(messages, add_generation_prompt)

    def count_tokens(self, text: str) -> int:
        return self.file.count_tokens(text)


class Engine(FileFront):
    """A loaded GGUF model with a single llama context, its KV-cache contents, and the lock guarding them.

    ``generate`` keeps the tokens currently held in the KV cache and, on the next call, keeps the
    longest common prefix and evaluates only the rest (what llama-server calls prompt caching).
    """

    parallel = 1

    def __init__(self, path: str, n_ctx: int, threads: int) -> None:
        self.file = ModelFile(path)
        t0 = time.perf_counter()
        self.ctx = self.file.context(n_ctx, threads)
        self.load_s = self.file.load_s + time.perf_counter() - t0
        self.path = path
        self.n_ctx = n_ctx
        self.threads = threads
        self.lock = threading.Lock()
        self._owner: int | None = None
        self._cached: list[int] = []  # tokens whose K/V are in the cache, positions 0..len-1
        self.last_stats: dict[str, Any] = {}

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
        """Yield the completion of the already-formatted ``prompt`` as text pieces.

        The engine lock is held from the first ``next()`` until the generator finishes or is closed.
        """
        me = threading.get_ident()
        if self._owner == me:
            raise RuntimeError(
                "This thread still has an unfinished stream from the same local model; "
                "exhaust or close it before starting another call."
            )
        with self.lock:
            self._owner = me
            try:
                yield from self._generate_locked(prompt, max_tokens, temperature, list(stop), seed, reuse_prefix)
            finally:
                self._owner = None

    def _generate_locked(
        self, prompt: str, max_tokens: int, temperature: float, stop: list[str], seed: int, reuse: bool
    ) -> Iterator[str]:
        from cyllama.llama.llama_cpp import llama_batch_get_one

        t_start = time.perf_counter()
        ctx, file = self.ctx, self.file
        tokens = file.tokenize(prompt)
        n_prompt = len(tokens)
        max_new = file.check_prompt(tokens, self.n_ctx, max_tokens)

        # Keep the longest common prefix of what is already in the KV cache; evaluate the rest.
        common = 0
        if reuse and file.prefix_ok and self._cached:
            limit = min(len(self._cached), n_prompt - 1)  # always evaluate >= 1 token to get logits
            while common < limit and self._cached[common] == tokens[common]:
                common += 1
        if common == 0 or not ctx.memory_seq_rm(0, common, -1) or ctx.memory_seq_pos_min(0) > 0:
            ctx.kv_cache_clear()
            common = 0
        self._cached = tokens[:common]
        stats: dict[str, Any] = {"prompt_tokens": n_prompt, "reused_tokens": common, "threads": self.threads}
        self.last_stats = stats

        for i in range(common, n_prompt, N_BATCH):
            chunk = tokens[i : i + N_BATCH]
            ctx.decode(llama_batch_get_one(chunk, i))
            self._cached.extend(chunk)
        t_prefilled = time.perf_counter()
        stats["prefill_s"] = t_prefilled - t_start
        stats["prefill_tok_s"] = (n_prompt - common) / max(stats["prefill_s"], 1e-9)

        sampler = file.sampler(temperature, seed)
        out = TextOut(file, stop)
        n_gen = 0
        t_first: float | None = None
        finish = "length"
        for _ in range(max_new):
            tok = sampler.sample(ctx, -1)
            if file.vocab.is_eog(tok):
                finish = "stop"
                break
            n_gen += 1
            text = out.push(tok)
            if text:
                t_first = t_first or time.perf_counter()
                yield text
            if out.stopped:
                finish = "stop"
                break
            ctx.decode(llama_batch_get_one([tok], n_prompt + n_gen - 1))
            self._cached.append(tok)
        tail = out.flush()
        if tail:
            t_first = t_first or time.perf_counter()
            yield tail
        t_end = time.perf_counter()
        stats.update(
            generated_tokens=n_gen,
            finish_reason=finish,
            ttft_s=(t_first or t_end) - t_start,
            total_s=t_end - t_start,
            decode_s=t_end - t_prefilled,
            decode_tok_s=n_gen / max(t_end - t_prefilled, 1e-9),
        )
