"""Real transcript pages, read against a truth taken from their markup (benchmarks/attribution.py):
every answer paragraph stored once and verbatim, under its speaker and the question it answers,
and none of the page around it (menus, captions, tooltips, footers) stored as speech."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))  # benchmarks/ is no installed package
from benchmarks.attribution import (  # noqa: E402
    ANSWER,
    IGNORED,
    QUESTION,
    Result,
    compare,
    measure,
    truth_from_text,
)

PAGES = Path(__file__).parent / "fixtures" / "pages"
SAMPLES = Path(__file__).parents[2] / "shared" / "corpus" / "samples"  # ../shared, beside the repository


def _pages() -> list[Path]:
    pages = sorted(PAGES.glob("*.html"))
    if SAMPLES.is_dir():
        pages += sorted((SAMPLES / "kremlin").glob("*.html"))
        pages += sorted(SAMPLES.glob("0[45]_*.html")) + sorted(SAMPLES.glob("0[678]_*.md"))
    return pages


@cache
def _measured(page: Path) -> Result:
    return measure(page)


def _failures(result: Result, *kinds: str) -> str:
    found = [e for e in result.examples if e.startswith(kinds)]
    return "\n".join(found[:15]) + (f"\n… {len(found) - 15} more" if len(found) > 15 else "")


PAGE = pytest.mark.parametrize("page", _pages(), ids=lambda page: page.name)


@PAGE
def test_every_answer_paragraph_is_stored_once_verbatim(page: Path) -> None:
    result = _measured(page)
    assert result.error is None
    assert result.paragraphs
    assert result.duplicated == 0, _failures(result, "duplicated")
    assert result.stored >= 0.99 * result.paragraphs, _failures(result, "dropped")


@PAGE
def test_answers_are_cited_with_their_speaker_and_question(page: Path) -> None:
    result = _measured(page)
    assert result.right >= 0.95 * result.paragraphs, _failures(result, "wrong", "dropped")


@PAGE
def test_no_page_chrome_is_stored_as_speech(page: Path) -> None:
    result = _measured(page)
    assert result.chrome == 0, _failures(result, "chrome")


# --- the truth itself ----------------------------------------------------------------------------

KREMLIN = """<html><head><title>Meeting • President of Russia</title></head><body>
<nav><p>Русский English</p></nav>
<div class="read__lead"><p>The President met the Governor.</p></div>
<div itemprop="articleBody" class="entry-content">
<div class="media"><figure><img alt="With Jane Roe."><figcaption>With Jane Roe.</figcaption></figure>
<span class="media__title">With Jane Roe.</span></div>
<p>The meeting was held in the Kremlin.</p>
<p><b>* * *</b></p>
<p><b>President of Russia
Vladimir Putin:</b> Good afternoon. How is the
harvest?</p>
<p><b>Governor <a href="/persons/1">Jane Roe<span class="tooltip hidden">Roe Jane Governor of the
Region</span></a></b>: It is good.</p>
<p>We sold two tractors.</p>
<p><b>Dmitry Peskov:</b> Next question, please.</p>
<p><b>Anna Lee: </b>Anna Lee, Radio Mayak.</p>
<p>Will prices rise?</p>
<p><b>Vladimir Putin</b><b>: </b>No, they will not.<br>Not this year.</p>
<p><b>Question:</b> And wages?</p>
<p><b>Vladimir Putin: They</b> will grow.</p>
<p><b>Jane Roe</b> <i>(nodding)</i><b>:</b> In our region too.</p>
<p><b>Remark</b>: Thank you.</p>
<p><b>Reply:</b> You are welcome.</p>
<p>&lt;…&gt;</p>
<div class="read__bottommeta"><p>Published in sections: News</p><p>Direct link: en.kremlin.ru/d/1</p></div>
</div>
<footer><p>All content on this site is licensed under Creative Commons Attribution 4.0.</p></footer>
</body></html>"""


def test_the_truth_of_a_kremlin_page() -> None:
    said = [(p.kind, p.speaker, p.question, p.body) for p in truth_from_text("page.html", KREMLIN)]
    prices = "Anna Lee, Radio Mayak. Will prices rise?"
    assert said == [
        (ANSWER, None, None, "The meeting was held in the Kremlin."),
        (IGNORED, None, None, "* * *"),
        (ANSWER, "Vladimir Putin", None, "Good afternoon. How is the harvest?"),
        (ANSWER, "Jane Roe", None, "It is good."),
        (ANSWER, "Jane Roe", None, "We sold two tractors."),
        (ANSWER, "Dmitry Peskov", None, "Next question, please."),
        (QUESTION, "Anna Lee", None, "Anna Lee, Radio Mayak."),
        (QUESTION, "Anna Lee", None, "Will prices rise?"),
        (ANSWER, "Vladimir Putin", prices, "No, they will not. Not this year."),
        (QUESTION, "Question", None, "And wages?"),
        (ANSWER, "Vladimir Putin", "And wages?", "They will grow."),
        (ANSWER, "Jane Roe", "And wages?", "In our region too."),
        (QUESTION, "Remark", None, "Thank you."),
        (ANSWER, None, "Thank you.", "You are welcome."),
        (IGNORED, None, None, "<…>"),
    ]


def test_the_truth_of_a_foreign_ministry_page() -> None:
    page = """<html><head><title>Foreign Ministry Spokesperson Geng Shuang's Regular Press Conference
    on March 24, 2020</title></head><body><div class="nav"><p>Home: News</p></div>
    <div class="content"><P align=center><IMG src="./a.jpg"></P>
    <P>Let me start with an announcement.</P><P>CCTV: Will you comment?</P>
    <P>Geng Shuang: Yes.</P><P>The Wall Street Journal said so.</P>
    <P>Q: And?</P><P>A: No.</P><P>Follow-up: Why?</P><P>A: Because.</P></div></body></html>"""
    said = [(p.kind, p.speaker, p.question, p.body) for p in truth_from_text("mfa.html", page)]
    assert said == [
        (ANSWER, None, None, "Let me start with an announcement."),
        (QUESTION, "CCTV", None, "Will you comment?"),
        (ANSWER, "Geng Shuang", "Will you comment?", "Yes."),
        (ANSWER, "Geng Shuang", "Will you comment?", "The Wall Street Journal said so."),
        (QUESTION, "Q", None, "And?"),
        (ANSWER, "Geng Shuang", "And?", "No."),
        (QUESTION, "Follow-up", None, "Why?"),
        (ANSWER, "Geng Shuang", "Why?", "Because."),
    ]


def test_the_truth_of_a_white_house_briefing() -> None:
    briefing = (
        '---\ntitle: "Remarks by President\\_Biden in Press\\_Conference"\n---\n \n'
        "Hôtel du Parc  \nGeneva, Switzerland\n\n7:20 P.M. CEST\n\n"
        "THE PRESIDENT:  Good afternoon.  Thank\nyou all.  \n   \n"
        "Q    Mr. President, will you\nrun?\n\n"
        "THE PRESIDENT:  Yes.  \nMS. PSAKI:  Thanks, everyone.\n\n"
        "Q — and the follow-up?\n\nMR. SULLIVAN:  Sure.\n\nEND 7:53 P.M. CEST\n"
    )
    said = [(p.kind, p.speaker, p.question, p.body) for p in truth_from_text("briefing.md", briefing)]
    assert said == [
        (IGNORED, None, None, "Hôtel du Parc Geneva, Switzerland"),
        (IGNORED, None, None, "7:20 P.M. CEST"),
        (ANSWER, "President Biden", None, "Good afternoon. Thank you all."),
        (QUESTION, "Q", None, "Mr. President, will you run?"),
        (ANSWER, "President Biden", "Mr. President, will you run?", "Yes."),
        (ANSWER, "MS. PSAKI", "Mr. President, will you run?", "Thanks, everyone."),
        (QUESTION, "Q", None, "— and the follow-up?"),
        (ANSWER, "MR. SULLIVAN", "— and the follow-up?", "Sure."),
        (IGNORED, None, None, "END 7:53 P.M. CEST"),
    ]


@dataclass(frozen=True)
class _Passage:
    text: str
    speaker: str | None
    question: str | None
    char_start: int
    char_end: int


def test_the_comparison_counts_what_the_ingest_got_wrong() -> None:
    truth = truth_from_text("page.html", KREMLIN)
    text = (
        "Русский English\n\nThe President met the Governor.\n\nThe meeting was held in the Kremlin.\n\n"
        "Vladimir Putin: Good afternoon. How is the\nharvest?\n\nJane Roe: It is good.\n\n"
        "We sold two tractors.\n\nDmitry Peskov: Next question, please.\n\n"
        "Anna Lee: Anna Lee, Radio Mayak.\n\nWill prices rise?\n\n"
        "Vladimir Putin: No, they will not.\n\nNot this year.\n\nQuestion: And wages?\n\n"
        "Vladimir Putin: They will grow.\n\nJane Roe: In our region too.\n\n"
        "Remark: Thank you.\n\nReply: You are welcome.\n\nCopy: We sold two tractors.\n"
    )

    def passage(piece: str, speaker: str | None, question: str | None = None, nth: int = 0) -> _Passage:
        start = -1
        for _ in range(nth + 1):
            start = text.index(piece, start + 1)
        return _Passage(piece, speaker, question, start, start + len(piece))

    prices = "Anna Lee, Radio Mayak.\n\nWill prices rise?"
    passages = [
        passage("The President met the Governor.", None),  # the page's lead: chrome
        passage("The meeting was held in the Kremlin.", None),
        passage("Good afternoon. How is the\nharvest?", "Vladimir Putin"),
        passage("It is good.\n\nWe sold two tractors.", "Jane Roe"),  # two short paragraphs joined
        # Peskov's paragraph is dropped
        passage("Will prices rise?", "Anna Lee"),  # a question stored as an answer
        passage("No, they will not.", "Vladimir Putin", prices),
        passage("Not this", "Vladimir Putin", prices),  # one paragraph in two pieces
        passage("year.", "Vladimir Putin", prices),
        passage("They will grow.", "VLADIMIR PUTIN", "And wages?"),  # same name, other case
        passage("In our region too.", "Anna Lee", "And wages?"),  # wrong speaker
        passage("You are welcome.", None, "Will prices rise?"),  # wrong question
        passage("We sold two tractors.", "Jane Roe", nth=1),  # stored again from chrome
    ]
    result = compare(truth, text, passages)
    assert (result.paragraphs, result.stored, result.dropped) == (9, 8, 1)
    assert (result.duplicated, result.wrong_speaker, result.wrong_question, result.right) == (1, 1, 1, 6)
    assert (result.questions_as_answers, result.chrome) == (1, 2)
