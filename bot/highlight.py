"""Which sentences of a passage are highlighted and how much of it is quoted: pure functions."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

import numpy as np

from bot.fusion import coverage

ELLIPSIS = "[…]"


def sentence_scores(
    similarities: np.ndarray,
    sentence_tokens: Sequence[Collection[str]],
    query_tokens: Sequence[str],
    idf: Callable[[str], float],
    lexical_weight: float,
    asked_tokens: Collection[str] = (),
    asked_weight: float = 1.0,
    restatement: np.ndarray | None = None,
    restatement_weight: float = 0.0,
) -> np.ndarray:
    """How well each sentence answers: its cosine plus ``lexical_weight`` times its coverage.

    A question word that the interviewer's question also uses (``asked_tokens``) counts only
    ``asked_weight`` of its IDF in the coverage: the answer's topic words echo the interviewer's
    question in every sentence, so they say little about which sentence answers. Likewise each
    sentence loses ``restatement_weight`` times its cosine with the interviewer's question
    (``restatement``): a sentence that restates what was asked is rarely the one that answers.
    """

    def weight(word: str) -> float:
        return idf(word) * (asked_weight if word in asked_tokens else 1.0)

    lexical = np.array([coverage(query_tokens, toks, weight) for toks in sentence_tokens], dtype=np.float32)
    scores = np.asarray(similarities, dtype=np.float32) + lexical_weight * lexical
    if restatement is not None and restatement_weight:
        scores = scores - restatement_weight * np.asarray(restatement, dtype=np.float32)
    return scores


def highlight_indices(scores: np.ndarray, margin: float, limit: int = 2) -> list[int]:
    """The best sentence, joined by the next best ones that score within ``margin`` of it.

    At most ``limit`` sentences, anywhere in the passage (a runner-up need not be next to the
    best one). Returns sorted sentence indices (empty for no sentences).
    """
    if len(scores) == 0:
        return []
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    top = float(scores[order[0]])
    return sorted(int(i) for i in order[: max(1, limit)] if scores[i] >= top - margin)


def runs(indices: Collection[int]) -> list[tuple[int, int]]:
    """Sorted indices as (first, last) runs of consecutive ones: {1, 2, 4} -> [(1, 2), (4, 4)]."""
    found: list[tuple[int, int]] = []
    for i in sorted(indices):
        if found and i == found[-1][1] + 1:
            found[-1] = (found[-1][0], i)
        else:
            found.append((i, i))
    return found


def quote_window(
    word_counts: Sequence[int],
    chosen: Sequence[int],
    scores: np.ndarray,
    max_words: int,
    whole_words: int | None = None,
) -> list[tuple[int, int]]:
    """The sentences to quote, as (first, last) runs: the chosen ones plus context.

    The whole passage when it fits in ``whole_words`` (``max_words`` if not given). Otherwise
    the chosen sentences with the ones between them when that fits in ``max_words`` (or the
    chosen ones alone when not), grown one neighbour at a time (the best-scoring first) while
    the quote stays within ``max_words``. Sentences are never cut, so a long chosen sentence
    may exceed the limit; runs that are not adjacent are quoted with ``[…]`` between them.
    """
    n = len(word_counts)
    if n == 0:
        return []
    if sum(word_counts) <= max(max_words, whole_words or 0) or not chosen:
        return [(0, n - 1)]
    first, last = min(chosen), max(chosen)
    span = set(range(first, last + 1))
    keep = span if sum(word_counts[i] for i in span) <= max_words else set(chosen)
    words = sum(word_counts[i] for i in keep)
    while True:
        options = [
            i
            for i in {j + d for j in keep for d in (-1, 1)} - keep
            if 0 <= i < n and words + word_counts[i] <= max_words
        ]
        if not options:
            return runs(keep)
        pick = max(options, key=lambda i: (scores[i], -i))
        words += word_counts[pick]
        keep.add(pick)


def window_text(
    text: str,
    spans: Sequence[tuple[int, int]],
    windows: Sequence[tuple[int, int]],
    more_before: bool = False,
    more_after: bool = False,
) -> str:
    """The verbatim text of each (first, last) run of sentences, with ``[…]`` wherever text is left
    out: inside ``text``, and before or after it when its paragraph goes on (``more_before``,
    ``more_after``), so that a quote is never taken for a whole paragraph."""
    if not spans or not windows or list(windows) == [(0, len(spans) - 1)]:
        pieces = [text]
    else:
        pieces = []
        pos = 0
        for first, last in windows:
            if text[pos : spans[first][0]].strip():
                pieces.append(ELLIPSIS)
            pieces.append(text[spans[first][0] : spans[last][1]])
            pos = spans[last][1]
        if text[pos:].strip():
            pieces.append(ELLIPSIS)
    if more_before and pieces[0] != ELLIPSIS:
        pieces.insert(0, ELLIPSIS)
    if more_after and pieces[-1] != ELLIPSIS:
        pieces.append(ELLIPSIS)
    return " ".join(pieces)


def verbatim_segments(quote_text: str) -> list[str]:
    """The pieces of a quote between ``[…]`` marks; each is verbatim from the source."""
    return [piece.strip() for piece in quote_text.split(ELLIPSIS) if piece.strip()]
