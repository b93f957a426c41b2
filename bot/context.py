"""A quoted passage in its context: the question it answers and the answer's paragraphs around it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from ingest import Passage
from ingest.media import media_problem

CONTEXT_PARAGRAPHS = 4
"""Paragraphs shown on each side of the quoted one when an answer is longer than that."""


@dataclass(frozen=True)
class Context:
    """What the source viewer shows for one passage.

    ``paragraphs`` are the answer's paragraphs around the passage, in order; each is the list of
    its passages (a long paragraph is cut into several). ``more_before`` / ``more_after`` say
    whether paragraphs of the same answer were left out on either side. ``media_problem`` says
    why the passage's recording (``passage.media``), if it has one, is not played: None when it is.
    """

    passage: Passage
    paragraphs: tuple[tuple[Passage, ...], ...]
    more_before: bool
    more_after: bool
    media_problem: str | None = None


def context_of(target: Passage, answer: Sequence[Passage], window: int = CONTEXT_PARAGRAPHS) -> Context:
    """The paragraphs of ``answer`` (every passage of the target's turn) within ``window`` of the
    target, and whether its recording can be played (the file is looked at now)."""
    ordered = sorted(answer, key=lambda p: p.char_start)
    if target.id not in {p.id for p in ordered}:
        ordered = sorted([*ordered, target], key=lambda p: p.char_start)
    paragraphs = [tuple(group) for _, group in groupby(ordered, key=lambda p: p.paragraph)]
    at = next(i for i, para in enumerate(paragraphs) if any(p.id == target.id for p in para))
    start, end = max(0, at - window), min(len(paragraphs), at + window + 1)
    return Context(
        passage=target,
        paragraphs=tuple(paragraphs[start:end]),
        more_before=start > 0,
        more_after=end < len(paragraphs),
        media_problem=media_problem(target.media) if target.media else None,
    )
