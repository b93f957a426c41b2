"""The one record that flows from ingestion to the answer: a verbatim passage and its provenance."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Passage:
    """A verbatim slice of one answer, with everything needed to cite it: a paragraph, part of a
    long one, or short paragraphs of the same answer joined (``paragraph`` to ``last_paragraph``).

    ``char_start``/``char_end`` index the document text the passage came from, so
    ``document_text[char_start:char_end] == text`` always holds.
    """

    id: str
    text: str
    source: str
    title: str
    date: str | None
    url: str | None
    speaker: str | None
    question: str | None
    turn: int
    paragraph: int
    char_start: int
    char_end: int
    time: str | None = None  # when its paragraph is spoken, where the transcript says ("00:01:05")
    last_paragraph: int | None = None  # the last paragraph it joins, when it joins several
    media: str | None = None  # the absolute path of its transcript's recording, when one is beside it

    @property
    def paragraph_label(self) -> str:
        """The paragraph(s) it comes from as a citation gives them: "¶3", or "¶3–5" when joined."""
        last = f"–{self.last_paragraph}" if self.last_paragraph else ""
        return f"¶{self.paragraph}{last}"


def passage_id(source: str, char_start: int, text: str) -> str:
    """A stable id derived from where the passage is and what it says."""
    digest = hashlib.sha256(f"{source}\x00{char_start}\x00{text}".encode()).hexdigest()
    return digest[:24]
