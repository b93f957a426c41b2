"""Ranking, fusion, highlighting, quote windows and follow-ups as pure functions.

Nothing here does I/O: the bot gathers the signals (cosines from the model, BM25 scores, token
sets) and these functions turn them into scores, highlighted sentences and quote text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence

import numpy as np

from vectorstore.index import WORD, tokenize
from vectorstore.spelling import mostly_capitals

ELLIPSIS = "[…]"

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


# -- follow-up questions -----------------------------------------------------------------

_LEADS = ("and ", "but ", "so ", "also ", "then ", "what about ", "how about ", "what else")
# Words that point back to the previous question's topic. "He" and "she" are not among them:
# they point to the speaker, who carries over anyway (see ``Bot._query``).
_ANAPHORA = {
    "it", "its", "they", "them", "their", "theirs", "this", "that", "these", "those",
    "such", "there", "one", "ones",
}  # fmt: skip
# Words that name no topic: requests for more of the same ("Tell me more", "Anything else?"),
# and the pronouns, verbs of being and having and little words the stop-word list keeps, so that
# "Who suffers most from them?" names two things, not four.
_NOT_TOPIC = frozenset(
    tokenize("more else anything further elaborate expand continue go detail")
    + tokenize("i me my we us our you your he him his she her them its itself themselves those")
    + tokenize("am were been being has have had having from than too very just so up out over")
)
_WORDS = re.compile(r"[a-z']+")


def points_back(question: str, content_tokens: Sequence[str]) -> bool:
    """Whether ``question`` surely leans on the conversation: it names nothing of its own ("Why?",
    "And how?", "Tell me more"), or points back with a pronoun while naming little ("Who first
    proposed them?")."""
    lowered = " ".join(question.lower().split())
    n = _topic_count(content_tokens)
    return n == 0 or (n <= 3 and bool(set(_WORDS.findall(lowered)) & _ANAPHORA))


def followup_weight(question: str, content_tokens: Sequence[str], has_history: bool, weight: float) -> float:
    """How much of the previous question to blend into ``question`` (0 for a self-contained one).

    A question that :func:`points_back` or opens like a continuation ("And what about …", "But
    …") gets the full ``weight``. One that names only one or two things may lean on the
    conversation too ("Which fields?"), with less weight for two. Unless it surely points back,
    the bot then also answers it on its own and keeps the more confident reading (see
    ``Bot.rank``): "What about vaccine passports?" after a question on sanctions changes the
    subject. A question that names its topic ("What did he say about sanctions?") or three or
    more things of its own stands alone and is answered unaffected by the history.
    """
    if not has_history:
        return 0.0
    if points_back(question, content_tokens) or " ".join(question.lower().split()).startswith(_LEADS):
        return weight
    if "about" in _WORDS.findall(question.lower()):
        return 0.0
    n = _topic_count(content_tokens)
    if n == 1:
        return weight
    if n == 2:
        return weight / 2
    return 0.0


def _topic_count(content_tokens: Sequence[str]) -> int:
    # An acronym repeats a name's words, so it is not counted again.
    return len({t for t in content_tokens if not t.isupper() and t not in _NOT_TOPIC})


_MORE_REQUEST = re.compile(r"\b(more|else|further|elaborate|continue|expand|go on)\b")


def asks_for_more(question: str, content_tokens: Sequence[str]) -> bool:
    """Whether ``question`` asks for more on the previous one ("Tell me more", "Anything else?",
    "Go on") without naming a topic of its own."""
    asks = _MORE_REQUEST.search(" ".join(question.lower().split()))
    return bool(asks) and all(t.isupper() or t in _NOT_TOPIC for t in content_tokens)


def means_nothing_alone(question: str, tokens: Sequence[str]) -> bool:
    """Whether ``question`` means something only after another one: it asks for more ("Tell me
    more") or names nothing of its own ("Why?", "What did he say?")."""
    return asks_for_more(question, tokens) or all(t in _NOT_TOPIC for t in tokens)


def blend(vector: np.ndarray, previous: np.ndarray, weight: float) -> np.ndarray:
    """The unit vector ``(1 - weight) * vector + weight * previous``."""
    mixed = (1.0 - weight) * vector + weight * previous
    norm = float(np.linalg.norm(mixed))
    return (mixed / norm if norm > 0 else vector).astype(np.float32)


def top_indices(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[int]:
    """Indices of the ``k`` highest positive scores (among ``allowed``), best first."""
    values = np.where(allowed, scores, -math.inf) if allowed is not None else scores.astype(np.float64)
    order = np.argsort(-values, kind="stable")[:k]
    return [int(i) for i in order if values[i] > 0]
