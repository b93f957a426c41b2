"""Ranking and highlighting as pure functions over passages and vectors."""

from __future__ import annotations

import numpy as np

from ingest import Passage, sentence_spans


def best_sentence_spans(
    passage: Passage, question_vector: np.ndarray, sentence_vectors: np.ndarray, spans: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The span of the sentence most similar to the question (cosine on unit vectors)."""
    if not spans:
        return [(0, len(passage.text))]
    sims = sentence_vectors @ question_vector
    return [spans[int(np.argmax(sims))]]


def passage_sentences(passage: Passage) -> list[tuple[int, int]]:
    return sentence_spans(passage.text)
