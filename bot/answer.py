"""What the bot returns: an Answer made of verbatim Quotes, and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest import Passage


@dataclass(frozen=True)
class Quote:
    """A passage quoted word for word, how well it answers, and its best sentence(s)."""

    passage: Passage
    score: float
    highlight: tuple[str, ...]
    text: str

    def to_dict(self, rank: int) -> dict[str, Any]:
        p = self.passage
        return {
            "rank": rank,
            "text": self.text,
            "highlight": list(self.highlight),
            "score": round(self.score, 4),
            "citation": {
                "source": p.source,
                "title": p.title,
                "date": p.date,
                "url": p.url,
                "speaker": p.speaker,
                "question": p.question,
                "turn": p.turn,
                "paragraph": p.paragraph,
                "last_paragraph": p.last_paragraph or p.paragraph,
                "char_start": p.char_start,
                "char_end": p.char_end,
                "time": p.time,
            },
        }


@dataclass(frozen=True)
class Answer:
    """The quotes for one question; ``answered`` is False when none is confident enough."""

    question: str
    answered: bool
    quotes: tuple[Quote, ...]
    follows: str | None = None
    """The earlier question this one was read with, when it was read as a follow-up."""
    more: bool = False
    """Whether it asked for more ("Tell me more"): the quotes continue those for ``follows``."""
    searched: str | None = None
    """The question as searched, when misspelt words were corrected ("vacination" -> "vaccination")."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answered": self.answered,
            "quotes": [q.to_dict(rank) for rank, q in enumerate(self.quotes, 1)],
            "follows": self.follows,
            "more": self.more,
            "searched": self.searched,
        }
