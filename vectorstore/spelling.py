"""Misspelt question words corrected to words the transcripts use, so that a typo neither misleads
retrieval nor makes the bot decline: a question word no passage uses counts against every passage
(that is how the bot declines what the transcripts do not answer), so "vacination pasports" was
declined.

Guessing wrong is worse than not guessing: "Imran" made "Iran" would be answered about Iran. So a
word of six letters or more is corrected only when neither the transcripts nor wordfreq's 321,000
English words know it (they know "Imran", "wasnt", "osce" and "denazification"), or wordfreq lists
it as a rare misspelling ("techology"). It becomes the word of the transcripts, or common English
form of one, one edit away, if that is ten times as frequent as any other word one edit away,
begins with the same letter, does not differ by its last letter alone ("Moderna" is not "modern")
and is not a word that says nothing ("beijng" is not "being"). A capitalised word is a name: it
becomes only a name of the transcripts, spelt as they spell it ("Beijng" is "Beijing"). Acronyms,
words with accents, parts of hyphenated words and addresses are left as typed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from functools import lru_cache
from importlib.resources import files

from symspellpy import SymSpell, Verbosity

from ingest.words import mostly_capitals

# A word, not part of a hyphenated word, a path, an address or a file name.
_WORD = re.compile(r"(?<![\w/@.-])[^\W\d_]+(?![\w/@-]|\.\w)")
_LETTERS = re.compile(r"[^\W\d_]+")
_SHORTEST = 6  # shorter words are too close to too many others to correct safely ("toops", "powr")
_ACRONYM_LETTERS = 5  # a word in capitals this short may be an acronym even in a shouted question
_COMMON_ZIPF = 3.0  # an English form this common (once in a million words) may be the word meant
_DOMINANT = 10  # the correction must be this many times as frequent as the next one as close
# wordfreq knows common misspellings too ("techology", "countires"): a word it has seen less than
# once in 100 million words is still taken for one when a word of the transcripts one edit away
# is a thousand times as frequent.
_RARE = 1e-7
_MISSPELLING_GAP = 1000


@lru_cache(maxsize=1)
def english_words() -> dict[str, float]:
    """wordfreq's large English list: 321,000 lower-case words, names and acronyms, with their
    frequencies."""
    from wordfreq import get_frequency_dict  # 0.15 s to import: not for commands that ask nothing

    return get_frequency_dict("en", wordlist="large")


@lru_cache(maxsize=1)
def dictionary_words() -> frozenset[str]:
    """The 82,765 words of SymSpell's English dictionary, lower case: ordinary words, and the
    names of the famous ("biden"), but not "lavrov"."""
    text = files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt").read_text(encoding="utf-8")
    return frozenset(line.split(" ", 1)[0] for line in text.splitlines() if line)


def word_counts(texts: Iterable[str]) -> tuple[Counter[str], Counter[str]]:
    """How often each word of ``texts`` is used (in lower case), and each form of it is written."""
    counts: Counter[str] = Counter()
    forms_written: Counter[str] = Counter()
    for text in texts:
        for word in _LETTERS.findall(text):
            counts[word.lower()] += 1
            forms_written[word] += 1
    return counts, forms_written


class Speller:
    """Corrects misspelt words of a question to the words of ``texts``, and the common English
    words that share a stem with one of them ("sufers" -> "suffers" where they say "suffer")."""

    def __init__(
        self,
        counts: Counter[str],
        forms_written: Counter[str],
        stem: Callable[[str], str],
        stop_words: Collection[str],
    ) -> None:
        """``counts``: how often each word is used, in lower case; ``forms_written``: how often
        each is written as it is (see :func:`word_counts`)."""
        self.stop_words = stop_words
        self.vocabulary = frozenset(counts)
        # A name is a word written with a capital more often than without; it is spelt as written
        # most often ("DeSantis").
        self.names: dict[str, str] = {}
        for written, times in forms_written.most_common():
            lower = written.lower()
            if written[0].isupper() and times * 2 > counts[lower] and lower not in self.names:
                self.names[lower] = written
        stems = {stem(w) for w in counts}
        common = 10 ** (_COMMON_ZIPF - 9)
        forms = {
            w: 1  # less than any word the transcripts use, which comes first among equals
            for w, frequency in english_words().items()
            if frequency >= common and w.isalpha() and w not in self.vocabulary and stem(w) in stems
        }
        self._symspell = SymSpell(max_dictionary_edit_distance=1, prefix_length=7)
        for word, count in (counts | forms).items():
            if len(word) >= _SHORTEST - 1:
                self._symspell.create_dictionary_entry(word, count)

    @classmethod
    def from_texts(
        cls, texts: Iterable[str], stem: Callable[[str], str], stop_words: Collection[str]
    ) -> Speller:
        return cls(*word_counts(texts), stem, stop_words)

    def correct(self, text: str) -> str:
        """``text`` with each misspelt word replaced, its capitals kept; the rest as it was. A word
        in capitals is an acronym, left as it is, unless the question is mostly in capitals and
        the word longer than an acronym. The first word of a sentence is not taken for a name."""
        shouted = mostly_capitals(text)

        def replace(found: re.Match[str]) -> str:
            before = text[: found.start()].rstrip()
            return self._word(found.group(), shouted, opens_sentence=not before or before[-1] in '.?!:;"“(«')

        return _WORD.sub(replace, text)

    def _word(self, word: str, shouted: bool, opens_sentence: bool) -> str:
        lower = word.lower()
        seen = english_words().get(lower, 0.0)
        if len(word) < _SHORTEST or lower in self.vocabulary or seen >= _RARE or not word.isascii():
            return word  # a word with accents is of another language more often than misspelt
        if word.isupper() and (not shouted or len(word) <= _ACRONYM_LETTERS):
            return word
        found = self._symspell.lookup(lower, Verbosity.CLOSEST, max_edit_distance=1)
        if word[:1].isupper() and not opens_sentence and not shouted:
            found = [s for s in found if s.term in self.names]  # a name: "Beijng" is not "Being"
        if not found or (len(found) > 1 and found[0].count < _DOMINANT * found[1].count):
            return word  # two words about as likely ("progess": progress, process)
        best = found[0].term
        if (
            best in self.stop_words  # "thrat" is "threat" more often than "that": no guess
            or best[0] != lower[0]  # a typo rarely hits the first letter ("hwat" is not "heat")
            or _differ_at_the_end_only(best, lower)  # "Moderna" is not "modern"
            or english_words().get(best, 0.0) < _MISSPELLING_GAP * seen  # "reshoring": rare, no misspelling
        ):
            return word
        if word.isupper():
            return best.upper()
        if word[:1].isupper():
            return self.names.get(best) or best[:1].upper() + best[1:]
        return best


def _differ_at_the_end_only(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a) or a[:-1] == b[:-1]
