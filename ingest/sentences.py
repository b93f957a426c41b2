"""Sentence boundaries as character spans, so callers can always slice the original text."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import pysbd

logger = logging.getLogger(__name__)
_LONE_LINE_BREAK = re.compile(r"(?<!\n)\n(?!\n)")
SENTENCE_END = re.compile(r"[.?!…]")  # a text without one has no sentences to cut on
# Speech with no sentence end at all (automatic captions) is cut into runs of this many words, so
# that a quote can be windowed and a run highlighted rather than a whole passage.
UNPUNCTUATED_RUN = 20


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of the sentences in ``text``, trimmed of whitespace.

    pysbd finds the boundaries; the spans are located in ``text`` itself so that
    ``text[start:end]`` is always verbatim. Text pysbd cannot place stays in the
    previous span rather than being lost. Text with no sentence end at all, and more than two
    runs of :data:`UNPUNCTUATED_RUN` words, is cut into such runs.
    """
    words = [m.span() for m in re.finditer(r"\S+", text)]
    if not SENTENCE_END.search(text) and len(words) > 2 * UNPUNCTUATED_RUN:
        runs = [words[i : i + UNPUNCTUATED_RUN] for i in range(0, len(words), UNPUNCTUATED_RUN)]
        return [(run[0][0], run[-1][1]) for run in runs]
    # pysbd ends a sentence at every line break, and hard-wrapped transcripts break lines
    # mid-sentence. A lone line break becomes a space: same length, so the spans found in the
    # flattened text slice ``text`` too.
    text = _LONE_LINE_BREAK.sub(" ", text)
    spans: list[tuple[int, int]] = []
    pos = 0
    for sentence in _segmenter().segment(text):
        piece = sentence.strip()
        if not piece:
            continue
        found = text.find(piece, pos)
        if found < 0:
            logger.debug("sentence not found verbatim, merging: %r", piece[:40])
            continue
        if spans and text[spans[-1][1] : found].strip():
            # Characters between sentences that pysbd dropped belong to the previous one.
            spans[-1] = (spans[-1][0], found)
            while spans[-1][1] > spans[-1][0] and text[spans[-1][1] - 1].isspace():
                spans[-1] = (spans[-1][0], spans[-1][1] - 1)
        spans.append((found, found + len(piece)))
        pos = found + len(piece)
    if not spans and text.strip():
        start = len(text) - len(text.lstrip())
        spans.append((start, len(text.rstrip())))
    elif spans and text[pos:].strip():
        spans[-1] = (spans[-1][0], len(text.rstrip()))
    return spans
