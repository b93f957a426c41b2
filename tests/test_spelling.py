from __future__ import annotations

import pytest

from ingest.words import STOPWORDS, stemmer
from vectorstore.spelling import Speller

TRANSCRIPT = (
    "Vaccination passports are discussed. The sanctions hit developing economies hardest. "
    "Sergey Lavrov spoke about the Iran deal, about tourism, globalization and modern ties. "
    "They suffer. Beijing is being clear. We want progress, and a process, and the process works. "
    "Restoring technology. Governor DeSantis and DeSantis again. That threat, that energy, every day."
)


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller.from_texts([TRANSCRIPT], stemmer().stemWord, STOPWORDS)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("vacination pasports", "vaccination passports"),  # a letter left out
        ("What did Lavorv say?", "What did Lavrov say?"),  # two letters swapped; the capital kept
        ("sanctons and tourisim", "sanctions and tourism"),
        ("economis", "economies"),
        ("techology", "technology"),  # a misspelling common enough for wordfreq to list
        ("sufered", "suffered"),  # a common English form of a word of theirs ("suffer")
        ("Relations with Beijng?", "Relations with Beijing?"),  # a name: "Being" is no name
        ("And DeSantos?", "And DeSantis?"),  # a name is spelt as the transcripts spell it
        ("Vacination passports?", "Vaccination passports?"),  # a capital that opens a sentence
        ("WHAT DID LAVORV SAY?", "WHAT DID LAVROV SAY?"),  # all in capitals: words, not acronyms
    ],
)
def test_misspelt_words_are_corrected(speller, typed, meant):
    assert speller.correct(typed) == meant


@pytest.mark.parametrize(
    "text",
    [
        "What about Iraq?",  # an English word one edit from their "Iran" is another place
        "reshoring",  # rare, but no misspelling of their "restoring": that is not 1000 times as common
        "What did Imran Khan say?",  # a name wordfreq knows
        "Why wasnt it extended? Are Russias goals clear? And the osce?",  # known to wordfreq too
        "sanction",  # an English form of a word of theirs is no typo
        "What about cryptocurrency regulation?",  # unknown to them, and nothing of theirs is close
        "Is Tokayev mentioned?",  # a name no one knows, and nothing of theirs is close
        "Moderna",  # one edit from their "modern", but a last letter more makes another word
        "vacinnation",  # two edits
        "What progess?",  # "progress" and "process": as likely, so no guess
        "what is beijng's role",  # "being" is likelier than "Beijing", but says nothing: no guess
        "avccination",  # a typo rarely hits the first letter: no guess
        "toops powr idia",  # words under six letters are too close to too many others
        "The Lavorv-era policy, see example.com/vacination or vacination@example.com",
        "BRICS? Did the WHOO act?",  # capitals: acronyms, even alone
        "Irn 2021, a b cd",  # words under four letters, and numbers
        "Was hält Lawrow von Sanktionen?",  # a word with an accent is of another language: not "halt"
    ],
)
def test_words_that_are_not_typos_or_cannot_be_told_are_kept(speller, text):
    assert speller.correct(text) == text
