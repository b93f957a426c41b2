from __future__ import annotations

import pytest

from vectorstore.index import _stemmer
from vectorstore.spelling import Speller, english_correction

TRANSCRIPT = (
    "Vaccination passports are discussed. The sanctions hit developing economies hardest. "
    "Sergey Lavrov spoke about the Iran deal and about tourism."
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
        ("vacinaton", "vaccination"),  # two edits in a long word
        ("sanction", "sanction"),  # an English form of a word the transcripts use: "sanctions"
        ("economys", "economy"),  # one edit from an English form of theirs ("economies": two)
        ("programmng", "programming"),  # an English word, closer than their "programmes" would be
        ("orgaanization", "organization"),  # an English word, though the transcripts never use it
        ("WHAT DID LAVORV SAY?", "WHAT DID LAVROV SAY?"),  # all in capitals: words, not acronyms
    ],
)
def test_misspelt_words_are_corrected(speller, typed, meant):
    assert speller.correct(typed) == meant


@pytest.mark.parametrize(
    "text",
    [
        "What about Iraq?",  # an English word one edit from their "Iran" is another place, not a typo
        "What about cryptocurrency regulation?",  # unknown to them, and nothing of theirs is close
        "Is Tokayev mentioned?",  # a name no dictionary knows
        "Did the WHOO act?",  # capitals: an acronym
        "Sufers?",  # "surfers" and "suffers" are as common: no guess
        "Irn 2021, a b cd",  # words under four letters, and numbers
    ],
)
def test_words_that_are_not_typos_or_cannot_be_told_are_kept(speller, text):
    assert speller.correct(text) == text


def test_an_english_correction_needs_one_clear_winner():
    assert english_correction("quicckly") == "quickly"
    assert english_correction("atitude") is None  # altitude or attitude
