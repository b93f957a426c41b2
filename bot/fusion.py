"""The signals a candidate passage is scored by and their fusion into one calibrated score: pure functions."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence

import numpy as np

from ingest.words import WORD, mostly_capitals, tokenize

# The signals fused into one score, each in [0, 1] or close to it:
#   passage  - cosine between the question and the passage
#   sentence - best cosine between the question and one sentence of the passage
#   lexical  - BM25 score as a share of the most BM25 gives the question's words
#   coverage - share of the question's content words (IDF-weighted) that the passage uses
#   match    - how closely the passage's words, in context, match the question's topic words:
#              each word piece of those meets its closest word piece of the passage (late
#              interaction), so a reworded answer scores where no word is shared
# The interviewer's question is not a signal of its own: every paragraph of a long answer shares
# it, so it cannot tell them apart, and a passage with none (a statement, a speech) would gain
# or lose by its absence. It proposes candidates and lends its words to the lexical signals.
FEATURES = ("passage", "sentence", "lexical", "coverage", "match")


def fuse(features: Mapping[str, np.ndarray], weights: Mapping[str, float], bias: float) -> np.ndarray:
    """Calibrated scores in (0, 1): the logistic of a weighted sum of the signals.

    The weights and bias are fit by logistic regression on questions with known answers and
    rescaled so that the best passage's score is the chance that it holds the answer
    (``benchmarks/fit_weights.py``); one threshold serves every question.
    """
    z = np.full(len(next(iter(features.values()))), float(bias))
    for name, weight in weights.items():
        z = z + weight * np.asarray(features[name], dtype=np.float64)
    return 1.0 / (1.0 + np.exp(-z))


def coverage(query_tokens: Sequence[str], doc_tokens: Collection[str], idf: Callable[[str], float]) -> float:
    """IDF-weighted share of the distinct query tokens that ``doc_tokens`` contains.

    A word the corpus never uses carries the highest IDF, so a question about something the
    transcripts never mention scores low everywhere: the signal abstention needs.
    """
    words = set(query_tokens)
    total = sum(idf(w) for w in words)
    if total <= 0.0:
        return 0.0
    return sum(idf(w) for w in words if w in doc_tokens) / total


def piece_weights(
    text: str, spans: Sequence[tuple[int, int]], topic_tokens: Collection[str], idf: Callable[[str], float]
) -> np.ndarray:
    """How much each word piece of ``text`` counts in :func:`piece_match`: the IDF of the topic
    word it is part of, shared among that word's pieces so that a word the model splits counts
    no more than one it keeps whole; 0 for the pieces of other words (question words, names)
    and punctuation."""
    words = []
    capitals = not mostly_capitals(text)
    for found in WORD.finditer(text):
        tokens = [t for t in tokenize(found.group(), capitals) if t in topic_tokens]
        if tokens:
            words.append((found.start(), found.end(), max(idf(t) for t in tokens)))
    owner = [next((k for k, (a, b, _) in enumerate(words) if a <= start < b), -1) for start, _ in spans]
    pieces = np.bincount([k for k in owner if k >= 0], minlength=len(words))
    return np.array([words[k][2] / pieces[k] if k >= 0 else 0.0 for k in owner], dtype=np.float32)


def piece_match(query_vectors: np.ndarray, weights: np.ndarray, passage_vectors: np.ndarray) -> float:
    """The ``weights``-weighted mean, over the question's word pieces, of each one's best cosine
    with a word piece of the passage (both embedded in context)."""
    total = float(weights.sum())
    if total <= 0.0 or not len(passage_vectors):
        return 0.0
    best = (query_vectors @ np.asarray(passage_vectors, dtype=np.float32).T).max(axis=1)
    return float(best @ weights) / total


def top_indices(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[int]:
    """Indices of the ``k`` highest positive scores (among ``allowed``), best first."""
    values = np.where(allowed, scores, -math.inf) if allowed is not None else scores.astype(np.float64)
    if k < len(values):
        # Sorting every passage took milliseconds at 100,000: sort only the k best, found by
        # partition, ties at the k-th taken first by index as a stable sort of all would.
        kth = np.partition(values, len(values) - k)[len(values) - k]
        above = np.flatnonzero(values > kth)
        best = np.concatenate([above, np.flatnonzero(values == kth)[: k - len(above)]])
        best.sort()
        order = best[np.argsort(-values[best], kind="stable")]
    else:
        order = np.argsort(-values, kind="stable")
    return [int(i) for i in order if values[i] > 0]
