"""Misspelt question words corrected to words the transcripts use, so that a typo neither misleads
retrieval nor makes the bot decline: a question word no passage uses counts against every passage
(that is how the bot declines what the transcripts do not answer), so "vacination pasports" was
declined.

A word is corrected only when neither the transcripts nor an English dictionary know it ("Iraq" is
never made "Iran"), and only to a word of the transcripts, or an English form of one ("sufers" ->
"suffers" where they say "suffer"), that begins with the same letter and is one edit away (two for
a word of ten letters or more, unless an English word is one edit away), and not by its last letter
alone ("Moderna" is not "modern"). A word the transcripts never use in any form is left as typed,
however close an English word is: guessing from a dictionary made "Uyghur" "Uighur" and "crypto"
"crypt".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib.resources import files

from symspellpy import SymSpell, Verbosity

_WORD = re.compile(r"[^\W\d_]+")
_SHORTEST = 4  # shorter words are too close to too many others to correct safely
_LONG = 10  # from this length on, a word may be two edits from the one meant
_ACRONYM_LETTERS = 5  # a word in capitals this short may be an acronym even in a shouted question


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The 82,765 English words of SymSpell's frequency dictionary, lower case."""
    text = files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt").read_text(encoding="utf-8")
    return frozenset(line.split(" ", 1)[0] for line in text.splitlines() if line)


class Speller:
    """Corrects misspelt words of a question to the closest of the words of ``texts`` and the
    English words that share a stem with one of them, the most used first."""

    def __init__(self, texts: Iterable[str], stem: Callable[[str], str]) -> None:
        counts = Counter(w for text in texts for w in _WORD.findall(text.lower()))
        self.vocabulary = frozenset(counts)
        stems = {stem(w) for w in counts}
        # Counted once, so that a word the transcripts use comes first among equally close ones.
        forms = {w: 1 for w in english_words() - self.vocabulary if stem(w) in stems}
        self._symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for word, count in (counts | forms).items():
            if len(word) >= _SHORTEST - 1:
                self._symspell.create_dictionary_entry(word, count)

    def correct(self, text: str) -> str:
        """``text`` with each misspelt word replaced, its capitals kept; the rest as it was. A word
        in capitals is an acronym, left as it is, unless the question is mostly in capitals and
        the word longer than an acronym."""
        shouted = sum(c.isupper() for c in text) > sum(c.islower() for c in text)
        return _WORD.sub(lambda found: self._word(found.group(), shouted), text)

    def _word(self, word: str, shouted: bool) -> str:
        lower = word.lower()
        if len(word) < _SHORTEST or lower in self.vocabulary or lower in english_words():
            return word
        if word.isupper() and (not shouted or len(word) <= _ACRONYM_LETTERS):
            return word
        edits = 1 if len(word) < _LONG else 2
        # A typo rarely hits the first letter, and a last letter more, less or other makes another
        # word more often than a typo ("deglobalization" for "globalization", "Moderna" for "modern").
        suggested = self._symspell.lookup(lower, Verbosity.CLOSEST, max_edit_distance=edits)
        found = [
            s.term for s in suggested if s.term[0] == lower[0] and not _differ_at_the_end_only(s.term, lower)
        ]
        if not found or (suggested[0].distance > 1 and _one_edit_from_english(lower)):
            # "programmng" is "programming", though the transcripts only say "programme"
            return word
        if word.isupper():
            return found[0].upper()
        return found[0][:1].upper() + found[0][1:] if word[:1].isupper() else found[0]


def _differ_at_the_end_only(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a) or a[:-1] == b[:-1]


def _one_edit_from_english(word: str) -> bool:
    """Whether an English word is a letter left out, added, changed, or two letters swapped away."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    edits = {a + b[1:] for a, b in splits if b} | {a + c + b for a, b in splits for c in letters}
    edits |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    edits |= {a + c + b[1:] for a, b in splits if b for c in letters}
    return not edits.isdisjoint(english_words())
