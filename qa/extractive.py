"""The extractive generator: the answer is the evidence itself, stitched and cited.

No language model: the selected quotes are joined in score order, each followed by its marker.
Deterministic and fast (the whole answer is ready as soon as retrieval is), so it serves the
tests, the evaluation runs, the first draft the chat shows while a model writes, and the
fallback when a model fails or times out.
"""

from __future__ import annotations

from collections.abc import Iterator

from .generate import Draft, Generator


def compose(draft: Draft) -> str:
    """The extractive answer text for a draft; quotes are numbered by their evidence position."""
    if not draft.evidence.answerable:
        return REFUSAL
    parts = []
    if draft.conflicts:
        c = draft.conflicts[0]
        values = " and ".join(f"“{side.value}”" for side in c.sides)
        parts.append(f"The articles disagree on the {c.topic}: they give {values}.")
    for i, q in enumerate(draft.evidence.quotes, start=1):
        parts.append(f"{q.text} [{i}]")
    return " ".join(parts)


REFUSAL = "The articles don't say."


class ExtractiveGenerator(Generator):
    name = "extractive"

    def stream(self, draft: Draft) -> Iterator[str]:
        text = compose(draft)
        words = text.split(" ")
        for i, word in enumerate(words):
            yield word if i == len(words) - 1 else word + " "
