"""A transcript file's text, as quotebot reads it, and what the file itself says about it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class MarkedLabel:
    """A speaker label the file's markup sets apart (bold at the start of a paragraph): the
    speaker's name as written, and where the label starts and ends (after its colon)."""

    start: int
    end: int
    name: str


@dataclass(frozen=True)
class Document:
    """The text of one transcript file and what the file itself says about it.

    ``body_start`` is where speech may begin (after front matter); passage offsets
    index ``text``.
    """

    source: str
    text: str
    body_start: int = 0
    title: str | None = None
    date: str | None = None
    url: str | None = None
    wrapped: bool = False  # its lines are a printed page's (PDF): a paragraph runs over several
    all_speech: bool = False  # every word is spoken (subtitles): no page chrome, headings or notes
    headings: tuple[int, ...] = ()  # where the headings a page marks up start: no label, no speech
    labels: tuple[MarkedLabel, ...] = ()  # the speaker labels its markup sets apart, in order
    media_named: str | None = None  # the recording its front matter names (``media:``), as written
    media: str | None = None  # the absolute path of its recording, once found beside it (ingest.media)


def title_from_filename(source: str) -> str:
    """The title a file's name gives ("lavrov_interview 2021.txt": "lavrov interview 2021")."""
    return re.sub(r"[_\s]+", " ", Path(source).stem).strip()
