"""Whether a question follows on from the conversation, and how much of the previous question it borrows."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from ingest.words import tokenize

_LEADS = ("and ", "but ", "so ", "also ", "then ", "what about ", "how about ", "what else")
# Words that point back to the previous question's topic. "He" and "she" are not among them:
# they point to the speaker, who carries over anyway (see ``Bot._query``).
_ANAPHORA = {
    "it", "its", "they", "them", "their", "theirs", "this", "that", "these", "those",
    "such", "there", "one", "ones",
}  # fmt: skip
# Words that name no topic: requests for more of the same ("Tell me more", "Anything else?"),
# and the pronouns, verbs of being and having and little words the stop-word list keeps, so that
# "Who suffers most from them?" names two things, not four.
_NOT_TOPIC = frozenset(
    tokenize("more else anything further elaborate expand continue go detail")
    + tokenize("i me my we us our you your he him his she her them its itself themselves those")
    + tokenize("am were been being has have had having from than too very just so up out over")
)
_WORDS = re.compile(r"[a-z']+")


def points_back(question: str, content_tokens: Sequence[str]) -> bool:
    """Whether ``question`` surely leans on the conversation: it names nothing of its own ("Why?",
    "And how?", "Tell me more"), or points back with a pronoun while naming little ("Who first
    proposed them?")."""
    lowered = " ".join(question.lower().split())
    n = _topic_count(content_tokens)
    return n == 0 or (n <= 3 and bool(set(_WORDS.findall(lowered)) & _ANAPHORA))


def followup_weight(question: str, content_tokens: Sequence[str], has_history: bool, weight: float) -> float:
    """How much of the previous question to blend into ``question`` (0 for a self-contained one).

    A question that :func:`points_back` or opens like a continuation ("And what about …", "But
    …") gets the full ``weight``. One that names only one or two things may lean on the
    conversation too ("Which fields?"), with less weight for two. Unless it surely points back,
    the bot then also answers it on its own and keeps the more confident reading (see
    ``Bot.rank``): "What about vaccine passports?" after a question on sanctions changes the
    subject. A question that names its topic ("What did he say about sanctions?") or three or
    more things of its own stands alone and is answered unaffected by the history.
    """
    if not has_history:
        return 0.0
    if points_back(question, content_tokens) or " ".join(question.lower().split()).startswith(_LEADS):
        return weight
    if "about" in _WORDS.findall(question.lower()):
        return 0.0
    n = _topic_count(content_tokens)
    if n == 1:
        return weight
    if n == 2:
        return weight / 2
    return 0.0


def _topic_count(content_tokens: Sequence[str]) -> int:
    # An acronym repeats a name's words, so it is not counted again.
    return len({t for t in content_tokens if not t.isupper() and t not in _NOT_TOPIC})


_MORE_REQUEST = re.compile(r"\b(more|else|further|elaborate|continue|expand|go on)\b")


def asks_for_more(question: str, content_tokens: Sequence[str]) -> bool:
    """Whether ``question`` asks for more on the previous one ("Tell me more", "Anything else?",
    "Go on") without naming a topic of its own."""
    asks = _MORE_REQUEST.search(" ".join(question.lower().split()))
    return bool(asks) and all(t.isupper() or t in _NOT_TOPIC for t in content_tokens)


def means_nothing_alone(question: str, tokens: Sequence[str]) -> bool:
    """Whether ``question`` means something only after another one: it asks for more ("Tell me
    more") or names nothing of its own ("Why?", "What did he say?")."""
    return asks_for_more(question, tokens) or all(t in _NOT_TOPIC for t in tokens)


def blend(vector: np.ndarray, previous: np.ndarray, weight: float) -> np.ndarray:
    """The unit vector ``(1 - weight) * vector + weight * previous``."""
    mixed = (1.0 - weight) * vector + weight * previous
    norm = float(np.linalg.norm(mixed))
    return (mixed / norm if norm > 0 else vector).astype(np.float32)
