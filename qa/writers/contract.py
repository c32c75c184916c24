"""The generator contract: a `Draft` in, answer text with `[n]` markers out, streamed.

A `Draft` (`qa.types`) is everything known before any language model runs: the (standalone) question, the
evidence quotes numbered 1..n in order, whether the articles answer it, and any conflict. A
generator only writes text; the caller verifies its citations (`qa.citations.verify`) the same
way whichever generator wrote it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator

from ..types import Draft


class Generator(ABC):
    name: str = "generator"

    @abstractmethod
    def stream(self, draft: Draft) -> Iterator[str]:
        """Yield the answer text piece by piece; markers `[n]` refer to draft.evidence.quotes."""

    def rewrite(self, question: str, history: list[dict]) -> str | None:
        """A standalone version of a follow-up question, or None to use the rule-based rewrite."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release resources (models, connections)."""
