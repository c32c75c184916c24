"""sourced's answering layer: retrieval, answering and citations over a `vectorstore` store.

    from qa import Assistant, ask
    assistant = Assistant.open(store=".sourced/store")
    answer = assistant.ask("Who opened the new bridge?")
    answer = ask("Who opened the new bridge?", store=".sourced/store")   # one call

Modules, one concept each: `retrieval` (dense + BM25, fused), `rerank`, `question` (answer
types), `evidence` (quotes and whether the articles answer), `conflicts`, `citations` (checking
by code), `rewrite` (follow-ups), `generate`/`extractive`/`llm`/`generators` (answer writers),
`models` (language-model backends), `assistant` (the pipeline), `evaluation`/`report`,
`config`, `types`, `errors`. Importing the package is cheap: the pipeline loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .assistant import Assistant
    from .types import Answer

__all__ = ["Answer", "Assistant", "ask"]


def ask(question: str, history: list[dict] | None = None, **open_kwargs: Any) -> Answer:
    """Open an assistant (`Assistant.open(**open_kwargs)`) and answer one question."""
    from .assistant import Assistant

    return Assistant.open(**open_kwargs).ask(question, history)


def __getattr__(name: str) -> Any:
    if name == "Assistant":
        from .assistant import Assistant

        return Assistant
    if name == "Answer":
        from .types import Answer

        return Answer
    raise AttributeError(name)
