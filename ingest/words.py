"""The words of a text as search counts them: stemmed content words, acronyms, stop words."""

from __future__ import annotations

import re
import string
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

# Words that say how something is asked, not what it is about.
_QUESTION_WORDS = {
    "what", "how", "why", "who", "whom", "whose", "when", "where", "which", "does", "did", "do",
    "say", "said", "says", "think", "thinks", "tell", "told", "view", "views", "according",
    "would", "could", "should", "can", "will", "much", "many", "also", "about",
}  # fmt: skip
STOPWORDS = frozenset(STOPWORDS_EN) | _QUESTION_WORDS
WORD = re.compile(r"\w\w+")  # what tokenize() counts as a word
ACRONYM = re.compile(r"\b[A-Z]{2,5}\b")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+\b")  # runs of capitalised words
NAME_WORD = re.compile(r"[^\W\d_][\w'’-]*")  # a word as a name writes it ("O'Neill", "Jean-Pierre")


@lru_cache(maxsize=1)
def stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokenize(text: str, capitals_mark_acronyms: bool | None = None) -> list[str]:
    """Lower-cased, stemmed content words of ``text`` (stop words and question words dropped),
    then its acronyms in capitals (see :func:`acronyms`). Text mostly in capitals ("WHAT DOES
    LAVROV THINK?", captions) has none: there, capitals say nothing. ``capitals_mark_acronyms``
    decides instead, for a word tokenized on its own, what its whole text would."""
    words = [w for w in WORD.findall(text.lower()) if w not in STOPWORDS]
    if capitals_mark_acronyms is None:
        capitals_mark_acronyms = not mostly_capitals(text)
    return list(stemmer().stemWords(words)) + (sorted(acronyms(text)) if capitals_mark_acronyms else [])


def acronyms(text: str) -> set[str]:
    """The acronyms ``text`` writes ("EU", "US") and the initials of the names it spells out
    ("the European Union" -> "EU"), so that either form of a name matches the other.

    Capitals keep them apart from ordinary words: "US" is not the stop word "us".
    """
    found = set(ACRONYM.findall(text))
    for name in _NAME.findall(text):
        words = [w for w in re.split(r"[ -]", name) if w.lower() not in STOPWORDS]
        if len(words) >= 2:
            found.add("".join(w[0] for w in words).upper())
    return found


_CAPITALS = string.ascii_uppercase.encode()
_SMALL = string.ascii_lowercase.encode()


def mostly_capitals(text: str) -> bool:
    """Whether ``text`` is written mostly in capitals ("WHAT DOES LAVROV THINK?"): its capitals then
    mark neither acronyms nor names. Only A-Z and a-z count: acronyms are made of them, and bytes
    count fast enough to run on every passage of a large store."""
    letters = text.encode("ascii", "ignore")
    capitals = len(letters) - len(letters.translate(None, _CAPITALS))
    small = len(letters) - len(letters.translate(None, _SMALL))
    return capitals > small
