"""The learned scorer: which sentence answers the question, and whether any does.

Two small logistic regressions over `qa.features`, both in `qa/data/scorer.json`:

1. **sentence**: the probability that a candidate sentence holds the answer (17 features each:
   closeness to the question, coverage of its terms and specifics, the expected value type). It
   ranks the evidence.
2. **question**: the probability that the articles answer at all, from the best sentences'
   probabilities and what the best one lacks (a specific of the question, a value of the kind
   asked for). The articles answer when it reaches `threshold`.

Logistic regression because it is small enough to read (one weight per feature), trains in
seconds on a CPU and needs no weights from a hub; a gradient-boosted model was no better on
the dev split (docs/EVALUATION.md). Both are trained by `eval/train_scorer.py` on the
development half of the public SQuAD articles only; re-running that script rewrites the file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from .features import NAMES, QUESTION_NAMES, Candidate, FeatureBuilder, question_features
from .types import LexicalStats, QuestionInfo

WEIGHTS_FILE = Path(__file__).with_name("data") / "scorer.json"
CLIP = 3.0  # standardised features are clipped to +-3 standard deviations of the training data


@dataclass(frozen=True)
class Logistic:
    """A logistic regression on standardised features (the bias column, first, is not standardised)."""

    names: tuple[str, ...]
    weights: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(x)
        # Clipped: a corpus unlike the training data (a handful of articles, words no article has)
        # must not push one feature far outside the range its weight was learned on.
        z = np.clip((x - np.asarray(self.mean)) / np.asarray(self.scale), -CLIP, CLIP)
        z[:, 0] = 1.0
        return 1.0 / (1.0 + np.exp(-(z @ np.asarray(self.weights))))

    def to_dict(self) -> dict:
        return {
            "names": list(self.names),
            "weights": [round(v, 6) for v in self.weights],
            "mean": [round(v, 6) for v in self.mean],
            "scale": [round(v, 6) for v in self.scale],
        }

    @classmethod
    def from_dict(cls, d: dict, expected: tuple[str, ...]) -> Logistic:
        if tuple(d["names"]) != expected:
            raise ValueError("the scorer was trained on other features; re-run eval/train_scorer.py")
        return cls(tuple(d["names"]), tuple(d["weights"]), tuple(d["mean"]), tuple(d["scale"]))


@dataclass(frozen=True)
class ScorerWeights:
    sentence: Logistic
    question: Logistic
    threshold: float  # question probability from which the articles are taken to answer
    sure_threshold: float = 1.0  # from here on, the scorer's "answerable" stands against a model's NONE

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> ScorerWeights:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            Logistic.from_dict(data["sentence"], NAMES),
            Logistic.from_dict(data["question"], QUESTION_NAMES),
            float(data["threshold"]),
            float(data.get("sure_threshold", 1.0)),
        )


@cache
def default_weights() -> ScorerWeights:
    return ScorerWeights.load()


class Scorer:
    def __init__(
        self,
        stats_of: Callable[[], LexicalStats],
        document_words: Callable[[str], tuple[set[str], set[str]]],
        weights: ScorerWeights | None = None,
    ) -> None:
        self._stats_of = stats_of
        self._document_words = document_words
        self._weights = weights

    @property
    def weights(self) -> ScorerWeights:
        if self._weights is None:
            self._weights = default_weights()
        return self._weights

    @weights.setter
    def weights(self, value: ScorerWeights) -> None:
        self._weights = value

    @property
    def threshold(self) -> float:
        return self.weights.threshold

    @property
    def sure_threshold(self) -> float:
        return self.weights.sure_threshold

    def features(self, info: QuestionInfo, candidates: Sequence[Candidate]) -> np.ndarray:
        return FeatureBuilder(self._stats_of(), self._document_words).build(info, candidates)

    def score(self, info: QuestionInfo, candidates: Sequence[Candidate]) -> tuple[np.ndarray, float]:
        """(each candidate's probability of holding the answer, the probability that any does)."""
        if not candidates:
            return np.zeros(0), 0.0
        x = self.features(info, candidates)
        probs = self.weights.sentence(x)
        return probs, float(self.weights.question(question_features(x, probs))[0])
