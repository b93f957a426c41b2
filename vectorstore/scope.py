"""Which passages a question may be answered from, as one object that filters Chroma and the index alike."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from vectorstore.index import DerivedIndex


@dataclass(frozen=True)
class Scope:
    """The passages of some sources, said by some speakers; an empty field lets every one through."""

    sources: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()

    @classmethod
    def of(cls, sources: Iterable[str] | None = None, speakers: Iterable[str] | None = None) -> Scope:
        return cls(tuple(sources or ()), tuple(speakers or ()))

    def where(self) -> dict[str, Any] | None:
        """The same choice as a Chroma ``where`` filter (None when there is none)."""
        clauses: list[dict[str, Any]] = []
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if self.speakers:
            clauses.append({"speaker": {"$in": list(self.speakers)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def mask(self, index: DerivedIndex) -> np.ndarray:
        """Which of ``index``'s passages it lets through: never one that only asks back (see
        :func:`vectorstore.index.asks_back`), which Chroma's filter cannot tell."""
        keep = index.answers.copy()
        if self.sources:
            keep &= np.isin(index.sources, list(self.sources))
        if self.speakers:
            keep &= np.isin(index.speakers, list(self.speakers))
        return keep
