"""What a question asks: its words, the speakers it names, its vector with the conversation blended in."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.fusion import piece_match, piece_weights
from ingest.words import ACRONYM, NAME_WORD, tokenize
from vectorstore.embedder import Pieces
from vectorstore.index import DerivedIndex
from vectorstore.scope import Scope
from vectorstore.spelling import dictionary_words

# "What did Lavrov say …", "How does Biden describe …": a question about a person's own words.
ASKS_WHAT_SAID = re.compile(
    r"^\s*(?:what|how)\b.*?\b(?:say|says|said|think|thinks|thought|tell|tells|told|describe|describes|"
    r"described|explain|explains|explained|feel|feels|felt|believe|believes|view|views|see|sees|"
    r"call|calls|called|react|reacts|reacted|respond|responds|responded|answer|answers|answered)\b",
    re.IGNORECASE,
)


def plain(text: str) -> str:
    """``text`` with its accents composed ("e" and a combining accent are one letter), without the
    invisible characters that split words (soft hyphens, zero-width spaces), and its spaces collapsed."""
    composed = unicodedata.normalize("NFC", text)
    return " ".join("".join(c for c in composed if unicodedata.category(c) != "Cf").split())


def query_tokens(index: DerivedIndex, text: str) -> list[str]:
    """A question's words as the lexical signals see them: initials the question implies
    ("European Union" -> "EU") are kept only where a passage uses them, since a word no passage
    uses counts against every passage; an acronym the question types counts either way."""
    typed = set(ACRONYM.findall(text))
    return [t for t in tokenize(text) if not t.isupper() or t in typed or t in index.postings]


def named_speakers(index: DerivedIndex, text: str, sources: Sequence[str] | None = None) -> list[str]:
    """The speakers whose surname ``text`` names ("What did Lavrov say …" -> ["Sergey Lavrov"];
    "Lavrov's" counts too): capitalised, or in any case when it is no English word ("what did
    lavrov say"); "rice" does not name Ambassador Rice.

    With ``sources``, only those who speak in them: in "How did Biden describe his meeting
    with Putin?", asked of a press conference where Putin does not speak, Putin is the subject.
    """
    bare = [re.sub(r"['’]s$", "", w) for w in NAME_WORD.findall(text)]
    words = {w.lower() for w in bare if w[0].isupper() or w not in dictionary_words()}
    named = sorted({label for w in words for label in index.speaker_surnames.get(w, ())})
    return [n for n in named if Scope.of(sources, [n]).mask(index).any()] if sources else named


def speakers_named(index: DerivedIndex, names: Iterable[str]) -> list[str]:
    """The speakers a filter names: each name as stored, in any case ("MARIA LOPEZ"), or by
    surname ("lavrov" -> "Sergey Lavrov"); a name that matches none is kept as given."""
    found: list[str] = []
    for name in names:
        key = " ".join(name.split()).lower()
        exact = index.speaker_by_lower.get(key)
        matches = [exact] if exact else sorted(index.speaker_surnames.get(key, ())) or [name]
        found += [m for m in matches if m not in found]
    return found


def topic_tokens(index: DerivedIndex, question: str, sources: Sequence[str] | None = None) -> list[str]:
    """The question's content words less the names of the speakers it names (who speak in
    ``sources``): "Does Lavrov think others should copy that?" says no more about its topic
    than "Does he …", but Putin is the topic of "What did Biden say of Putin?" asked of a
    press conference where Putin does not speak."""
    names = {t for label in named_speakers(index, question, sources) for t in tokenize(label)}
    return [t for t in query_tokens(index, question) if t not in names]


@dataclass(frozen=True)
class Query:
    """A question as retrieval sees it: its vector and content words, history blended in."""

    text: str
    vector: np.ndarray
    tokens: list[str]
    context: str | None = None
    """The previous question, for a follow-up."""
    context_tokens: list[str] = field(default_factory=list)
    """Its content words."""
    context_weight: float = 0.0
    speakers: list[str] = field(default_factory=list)
    """The speakers the question names (or the previous one, for a follow-up)."""
    pieces: Pieces | None = None
    """The question's word pieces in context."""
    context_pieces: Pieces | None = None
    """The previous question's."""

    def blended(self, own: Any, before: Callable[[], Any]) -> Any:
        """A signal of the question's own words, blended with ``before()``, the previous question's."""
        if not self.context_weight:
            return own
        return (1.0 - self.context_weight) * own + self.context_weight * before()

    def lexical(self, score: Callable[[list[str]], Any]) -> Any:
        """A lexical ``score`` of the question's own words, blended with the previous question's."""
        return self.blended(score(self.tokens), lambda: score(self.context_tokens))

    def matcher(self, idf: Callable[[str], float]) -> Callable[[np.ndarray], float]:
        """The ``match`` signal of a passage's word-piece vectors: how closely they match the
        question's topic words (each word by its IDF, shared among its pieces), blended with the
        previous question's."""

        def topic(
            text: str | None, pieces: Pieces | None, tokens: list[str]
        ) -> tuple[np.ndarray, np.ndarray]:
            if text is None or pieces is None:
                return np.zeros((0, 1), np.float32), np.zeros(0, np.float32)
            weights = piece_weights(text, pieces.spans, set(tokens), idf)
            return pieces.vectors[weights > 0], weights[weights > 0]

        own = topic(self.text, self.pieces, self.tokens)
        before = topic(self.context, self.context_pieces, self.context_tokens)
        return lambda passage: self.blended(piece_match(*own, passage), lambda: piece_match(*before, passage))
