from __future__ import annotations

import pytest

from vectorstore.index import _stemmer
from vectorstore.spelling import Speller

TRANSCRIPT = (
    "Vaccination passports are discussed. The sanctions hit developing economies hardest. "
    "Sergey Lavrov spoke about the Iran deal, about tourism, globalization and modern ties. "
    "They suffer. A programme."
)


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller([TRANSCRIPT], _stemmer().stemWord)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("vacination pasports", "vaccination passports"),  # a letter left out
        ("What did Lavorv say?", "What did Lavrov say?"),  # two letters swapped; the capital kept
        ("sanctons and tourisim", "sanctions and tourism"),
        ("vacinnation", "vaccination"),  # two edits in a word of ten letters or more
        ("economis", "economies"),
        ("sufered", "suffered"),  # an English form of a word of theirs ("suffer" in the fixture)
        ("WHAT DID LAVORV SAY?", "WHAT DID LAVROV SAY?"),  # all in capitals: words, not acronyms
    ],
)
def test_misspelt_words_are_corrected(speller, typed, meant):
    assert speller.correct(typed) == meant


@pytest.mark.parametrize(
    "text",
    [
        "What about Iraq?",  # an English word one edit from their "Iran" is another place, not a typo
        "sanction",  # an English form of a word of theirs is no typo
        "What about cryptocurrency regulation?",  # unknown to them, and nothing of theirs is close
        "Is Tokayev mentioned?",  # a name no dictionary knows
        "Moderna",  # one edit from their "modern", but a letter more at the end is another word
        "deglobalization",  # two edits from their "globalization": a prefix, not a typo
        "vacinaton",  # two edits, in a word under ten letters
        "programmng",  # two edits from their "programme", one from the English "programming"
        "BRICS? Did the WHOO act?",  # capitals: acronyms, even alone
        "Irn 2021, a b cd",  # words under four letters, and numbers
    ],
)
def test_words_that_are_not_typos_or_cannot_be_told_are_kept(speller, text):
    assert speller.correct(text) == text
