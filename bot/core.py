"""The bot: a question (and the chat history) in, an Answer of verbatim quotes out."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bot.answer import Answer, Quote
from bot.retrieve import best_sentence_spans, passage_sentences
from bot.settings import Settings
from ingest.errors import EmptyQuestionError
from vectorstore import Embedder, IngestReport, SourceInfo, Store

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000


class Bot:
    """Answers questions from the passages in one store. Cheap to create; the model loads on first use."""

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None) -> None:
        self.settings = settings or Settings.from_env()
        s = self.settings
        self.store = Store(
            path=None if s.chroma_url else s.store,
            url=s.chroma_url,
            embedder=embedder,
            max_tokens=s.max_tokens,
        )
        self.embedder = self.store.embedder

    def ask(
        self,
        question: str,
        history: Sequence[str] = (),
        k: int | None = None,
        sources: Iterable[str] | None = None,
        speakers: Iterable[str] | None = None,
    ) -> Answer:
        """Quote the passages that best answer ``question``, best first."""
        question = " ".join((question or "").split())
        if not question:
            raise EmptyQuestionError("The question is empty: type a question about the transcripts.")
        if len(question) > MAX_QUESTION_CHARS:
            raise EmptyQuestionError(
                f"The question is {len(question)} characters long; keep it under {MAX_QUESTION_CHARS}."
            )
        k = k or self.settings.top_k
        vector = self.embedder.embed([question])[0]
        hits = self.store.query(vector, k, where=_filters(sources, speakers))
        quotes = []
        for passage, similarity in hits:
            spans = passage_sentences(passage)
            sentence_vectors = self.embedder.embed([passage.text[s:e] for s, e in spans])
            chosen = best_sentence_spans(passage, vector, sentence_vectors, spans)
            quotes.append(
                Quote(
                    passage=passage,
                    score=max(0.0, min(1.0, similarity)),
                    highlight=tuple(passage.text[s:e] for s, e in chosen),
                    text=passage.text,
                )
            )
        answered = bool(quotes) and quotes[0].score >= self.settings.min_score
        return Answer(question=question, answered=answered, quotes=tuple(quotes))

    def warm_up(self) -> None:
        """Load the model and open the store now rather than on the first question."""
        self.embedder.embed(["warm up"])
        self.store.count()

    def ingest(self, paths: Iterable[Path], progress: bool = False) -> IngestReport:
        return self.store.ingest(paths, progress=progress)

    def sources(self) -> list[SourceInfo]:
        return self.store.sources()

    def remove(self, source: str) -> int:
        return self.store.remove(source)


def _filters(sources: Iterable[str] | None, speakers: Iterable[str] | None) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if sources:
        clauses.append({"source": {"$in": list(sources)}})
    if speakers:
        clauses.append({"speaker": {"$in": list(speakers)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
