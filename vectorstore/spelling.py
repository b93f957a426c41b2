"""Misspelt question words corrected, so that a typo neither misleads retrieval nor makes the
bot decline: a question word no passage uses counts against every passage (that is how the bot
declines what the transcripts do not answer), so "vacination pasports" was declined.

Only a word that neither the transcripts nor an English dictionary know is corrected: "Iraq" is
never made "Iran". It becomes the closest word the transcripts use (one edit away, two for a long
word), or else an English word one edit away that is far more common than any other."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib.resources import files

from symspellpy import SymSpell, Verbosity

_WORD = re.compile(r"[^\W\d_]+")
_SHORTEST = 4  # shorter words are too close to too many others to correct safely
_LONG = 8  # from this length on, a word may be two edits from the one meant


_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_DOMINANT = 5  # an English correction must be this many times as common as the next candidate


@lru_cache(maxsize=1)
def english_words() -> dict[str, int]:
    """The 82,765 English words of SymSpell's frequency dictionary, lower case, with their counts."""
    text = files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt").read_text(encoding="utf-8")
    return {word: int(count) for word, count in (line.split(" ", 1) for line in text.splitlines() if line)}


def english_correction(word: str) -> str | None:
    """The English word one edit from ``word`` (a letter left out, added, changed, or two letters
    swapped), if one is much more common than any other: "orgaanization" -> "organization", but
    "sufers" stays, since "surfers" is as common as "suffers"."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    edits = {a + b[1:] for a, b in splits if b}
    edits |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    edits |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    edits |= {a + c + b for a, b in splits for c in _LETTERS}
    counts = english_words()
    found = sorted(((counts[w], w) for w in edits if w in counts), reverse=True)
    if not found or (len(found) > 1 and found[0][0] < _DOMINANT * found[1][0]):
        return None
    return found[0][1]


class Speller:
    """Corrects misspelt words of a question to the closest of the words of ``texts`` and the
    English words that share a stem with one of them ("sufers" -> "suffers" where the transcripts
    only say "suffer"), the most used first."""

    def __init__(self, texts: Iterable[str], stem: Callable[[str], str]) -> None:
        counts = Counter(w for text in texts for w in _WORD.findall(text.lower()))
        self.vocabulary = frozenset(counts)
        stems = {stem(w) for w in counts}
        # Counted once, so that a word the transcripts use comes first among equally close ones.
        forms = {w: 1 for w in english_words().keys() - self.vocabulary if stem(w) in stems}
        self._symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for word, count in (counts | forms).items():
            if len(word) >= _SHORTEST - 2:
                self._symspell.create_dictionary_entry(word, count)

    def correct(self, text: str) -> str:
        """``text`` with each misspelt word replaced, its capitals kept; the rest as it was. A word
        in capitals is an acronym, left as it is, unless the whole text is in capitals."""
        shouted = not any(c.islower() for c in text)
        return _WORD.sub(lambda found: self._word(found.group(), shouted), text)

    def _word(self, word: str, shouted: bool) -> str:
        lower = word.lower()
        if len(word) < _SHORTEST or (word.isupper() and not shouted):
            return word
        if lower in self.vocabulary or lower in english_words():
            return word
        edits = 1 if len(word) < _LONG else 2
        used = self._symspell.lookup(lower, Verbosity.CLOSEST, max_edit_distance=edits)
        # A word the transcripts use comes first, unless an English word is closer ("programmng" is
        # "programming", not the transcripts' "programme"); an English word the transcripts do not
        # use still reads right to the model, though it matches no word of theirs.
        english = english_correction(lower) if not used or used[0].distance > 1 else None
        best = english or (used[0].term if used else None)
        if best is None:
            return word
        if word.isupper():
            return best.upper()
        return best[:1].upper() + best[1:] if word[:1].isupper() else best
