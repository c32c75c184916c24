"""Answer writers: they turn a `Draft` (question, numbered evidence, answerability, conflict) into
answer text with `[n]` markers. The caller checks every citation the same way whoever wrote it.

- `contract`: `Draft` and the `Generator` contract
- `extractive`: the default writer, quotes the evidence (needs no model)
- `model`: a writer backed by a language model (`qa.backends`), which copies the answer phrase
- `choose`: picks the writer the configuration names
"""

from ..types import Draft
from .contract import Generator

__all__ = ["Draft", "Generator"]
