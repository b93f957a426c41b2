from __future__ import annotations

import re
import shutil

import pytest
from conftest import FIXTURES, passage

from bot.answer import Answer, Quote
from bot.context import context_of
from bot.render import answer_text, asked_text, shorten
from bot.ui_html import (
    answer_html,
    context_html,
    esc,
    export_hint,
    ingest_status,
    relevance,
    safe_url,
    sources_html,
)
from ingest import Passage
from ingest.errors import InputFileError
from ingest.pipeline import check_upload, safe_name, stage_upload
from vectorstore import IngestReport, SourceInfo

PAYLOAD = 'never run <script>window.__xss = 1</script> or <img src=x onerror="x()"> or [a](javascript:x())'


def quote(p: Passage, score: float = 0.8, highlight: tuple[str, ...] = ()) -> Quote:
    return Quote(passage=p, score=score, highlight=highlight, text=p.text)


def test_esc_makes_markup_and_markdown_inert():
    out = esc(PAYLOAD + " *bold* $x$ `code`")
    assert "<" not in out and ">" not in out
    assert "*" not in out and "$" not in out and "`" not in out and "[" not in out
    assert "&lt;script&gt;" in out


def test_answer_card_has_quote_highlight_citation_relevance_and_copy():
    p = passage()
    html = answer_html(Answer("q", True, (quote(p, 0.8, ("Second one here.",)),)), min_score=0.35)
    assert '<blockquote class="qb-quote">First sentence. <mark class="qb-hl">Second one here.</mark>' in html
    assert f'href="#src={p.id}"' in html and f'href="#copy={p.id}"' in html
    assert "Jane Doe · A talk · 2024-01-02 · question 2 · ¶1" in html
    assert "qb-rel-strong" in html and "strong · 80%" in html and "qb-w-16" in html
    assert "What is it?" in html
    assert "qb-lowconf" not in html and "qb-weak" not in html


def test_a_card_s_link_names_its_passage_by_id_and_never_its_file():
    p = passage(source="../private/notes on the talk.txt", url="https://example.org/talk")
    html = answer_html(Answer("q", True, (quote(p),)), min_score=0.35)
    link = re.search(r'<a class="qb-link" href="([^"]*)" title="([^"]*)">Link</a>', html)
    assert link and link.group(1) == f"#link={p.id}" and "Copy a link" in link.group(2)
    assert html.index('class="qb-copy"') < html.index('class="qb-link"')  # beside Copy, after it


def test_export_hint_counts_the_questions_and_the_quotes_an_export_holds():
    answered = Answer("q", True, (quote(passage()), quote(passage("b" * 24))))
    unanswered = Answer("r", False, (quote(passage("c" * 24), 0.1),))  # an export quotes nothing
    assert "2 questions · 2 quotes." in export_hint([answered, unanswered])
    assert "1 question · 2 quotes." in export_hint([answered])
    assert "1 question, none answered confidently." in export_hint([unanswered])
    assert "question" in export_hint([]) and "·" not in export_hint([])


def test_low_confidence_answer_says_so_and_marks_every_card():
    answer = Answer("q", False, (quote(passage(), 0.2), quote(passage("b" * 24), 0.1)))
    html = answer_html(answer, min_score=0.35)
    assert "No passage in the transcripts answers this confidently." in html
    assert html.count('class="qb-card qb-weak"') == 2
    assert "weak · 20%" in html


def test_a_request_for_more_below_the_threshold_says_nothing_more_answers():
    answer = Answer("Tell me more", False, (quote(passage(), 0.1),), follows="Why?", more=True)
    html = answer_html(answer, min_score=0.35)
    assert "Nothing more in the transcripts answers this confidently." in html
    assert "More on “Why?”" in html and "No passage" not in html
    assert "Nothing more in the transcripts answers this confidently." in answer_text(answer)


def test_an_answer_read_with_an_earlier_question_says_which():
    card = (quote(passage(), 0.8),)
    follow_up = answer_html(Answer("Why?", True, card, follows="What <b>is</b> it?"), 0.35)
    assert '<p class="qb-reading">Read as a follow-up to “What &lt;b&gt;is&lt;/b&gt; it?”</p>' in follow_up
    more = answer_html(Answer("Tell me more", True, card, follows="What is it?", more=True), 0.35)
    assert "More on “What is it?”" in more
    assert "qb-reading" not in answer_html(Answer("q", True, card), 0.35)


def test_an_answer_to_a_corrected_question_says_what_was_searched():
    card = (quote(passage(), 0.8),)
    html = answer_html(Answer("Why sanctons?", True, card, searched="Why sanctions?"), 0.35)
    assert '<p class="qb-reading">Searched for “Why sanctions?”</p>' in html
    both = answer_html(Answer("Why?", True, card, follows="What <b>is</b> it?", searched="Why not?"), 0.35)
    assert '<p class="qb-reading">Searched for “Why not?”<br>Read as a follow-up to “What &lt;b&gt;' in both


def test_transcript_text_is_escaped_everywhere():
    p = passage(
        text=PAYLOAD,
        title="<b>T</b>",
        speaker="<i>S</i>",
        question="<script>q()</script>",
        url="javascript:alert(1)",
    )
    html = answer_html(Answer("q", True, (quote(p, 0.9, (PAYLOAD,)),)), 0.35)
    viewer = context_html(context_of(p, [p]))
    for out in (html, viewer):
        assert "<script" not in out and "<img" not in out and "<b>" not in out and "<i>" not in out
        assert 'href="javascript' not in out and 'onerror="' not in out
        assert "&lt;script&gt;" in out


def test_relevance_words():
    assert relevance(0.1, 0.35) == "weak"
    assert relevance(0.4, 0.35) == "moderate"
    assert relevance(0.6, 0.35) == "strong"


def test_safe_url_only_allows_web_links():
    assert safe_url("https://example.org/a") == "https://example.org/a"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("data:text/html,x") is None
    assert safe_url(None) is None


def test_a_long_interviewer_turn_is_shown_from_the_sentences_that_ask():
    scene = "The United States has been meddling in the affairs of other countries. " * 4
    asks = "Given the circumstances, how can diplomacy respond?"
    assert asked_text(asks, 240) == asks
    # As much of the scene as fits is kept before the question.
    shown = asked_text(scene + asks, 240)
    assert shown.startswith("… The United States") and shown.endswith(asks) and len(shown) <= 242
    assert asked_text(scene + asks, 60) == f"… {asks}"
    assert asked_text(scene + asks + " Thank you.", 60) == f"… {asks} …"
    # Two questions at the end are shown together; none at all, and the turn is shown from its start.
    two = "Do you agree? What do you expect next?"
    assert asked_text(scene + two, 45) == f"… {two}"
    assert asked_text(scene, 100) == shorten(scene, 100)
    assert asked_text(scene + asks, 30) == shorten(scene + asks, 30)  # the question alone is too long


def test_shorten_cuts_at_a_word():
    assert shorten("one two three", 100) == "one two three"
    assert shorten("one two three", 9) == "one two …"


def test_context_marks_the_passage_among_its_answer_paragraphs():
    paras = [passage(f"{i:024d}", f"Paragraph {i}.", paragraph=i, char_start=i * 100) for i in range(1, 13)]
    ctx = context_of(paras[5], paras, window=2)
    assert [p[0].paragraph for p in ctx.paragraphs] == [4, 5, 6, 7, 8]
    assert ctx.more_before and ctx.more_after
    html = context_html(ctx)
    assert '<mark id="qb-focus" class="qb-focus">Paragraph 6.</mark>' in html
    assert "Question 2" in html and "What is it?" in html
    assert html.count("qb-v-para") == 5
    assert "00:" not in html  # no times given, none shown
    timed = context_html(context_of(passage(time="00:12:05"), [passage(time="00:12:05")]))
    assert '<span class="qb-v-pno">¶1 · 00:12:05</span>' in timed


def test_context_shows_a_passage_of_joined_paragraphs_as_its_paragraphs():
    text = "Well, a few things.\n\nThe state pays <half>.\n\nThe rest is a grant."
    joined = passage(text=text, last_paragraph=3)
    after = passage("b" * 24, "Next one.", paragraph=4, char_start=100)
    html = context_html(context_of(joined, [joined, after]))
    assert '<span class="qb-v-pno">¶1–3</span>' in html and '<span class="qb-v-pno">¶4</span>' in html
    assert "Well, a few things.<br><br>The state pays &lt;half&gt;.<br><br>The rest is a grant." in html


def test_context_groups_the_passages_of_a_long_paragraph():
    a = passage("a" * 24, "Start of a long paragraph.", paragraph=1, char_start=0)
    b = passage("b" * 24, "Its second half.", paragraph=1, char_start=27)
    c = passage("c" * 24, "Next paragraph.", paragraph=2, char_start=60)
    ctx = context_of(b, [c, a, b])
    assert [[p.id for p in para] for para in ctx.paragraphs] == [[a.id, b.id], [c.id]]
    assert not ctx.more_before and not ctx.more_after


def test_viewer_links_to_the_original_only_when_it_is_a_web_address():
    p = passage(url="https://example.org/talk")
    assert 'href="https://example.org/talk"' in context_html(context_of(p, [p]))
    assert 'rel="noopener noreferrer nofollow"' in context_html(context_of(p, [p]))


def test_sources_panel_lists_title_date_speakers_and_counts():
    html = sources_html([SourceInfo("talk.txt", "A <talk>", "2024-01-02", None, ["Jane", "Joe"], 7)])
    assert "A &lt;talk&gt;" in html and "2024-01-02 · 7 passages" in html and "Jane, Joe" in html
    assert "1 transcript · 7 passages" in html
    assert "No transcripts yet" in sources_html([])
    odd = sources_html([SourceInfo('a "b" & c#1.txt', "T", None, None, [], 1)])
    assert "Unattributed" in odd  # as its citations name the speaker
    assert 'href="#rm=a%20%22b%22%20%26%20c%231.txt"' in odd and 'aria-label="Remove a &quot;b&quot;' in odd


def test_ingest_status_lines():
    assert "Added a.txt: 3 passages" in ingest_status(IngestReport(added=["a.txt"], passages=3))
    assert "already in the store, unchanged" in ingest_status(IngestReport(unchanged=["a.txt"]))
    assert "qb-status-error" in ingest_status(IngestReport(failed=[("a.txt", "a.txt: bad")]))


# -- uploads ----------------------------------------------------------------------------------


def test_upload_names_lose_folders():
    assert safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_name("C:\\Users\\me\\talk <1>.md") == "talk _1_.md"
    with pytest.raises(InputFileError):
        safe_name("../")


@pytest.mark.parametrize(
    ("name", "data", "why"),
    [
        ("talk.txt", b"%PDF-1.7 text", "PDF"),
        ("talk.txt", b"\x89PNG\r\n\x1a\n", "PNG"),
        ("talk.txt", b"hello\x00world", "binary"),
        ("talk.txt", b"   \n", "empty"),
        ("talk.exe", b"Q: a\n\nA: b", "unsupported"),
        ("talk.txt", b"x" * 2000, "limit for one transcript"),
    ],
)
def test_uploads_are_checked_by_content_and_size(name, data, why):
    with pytest.raises(InputFileError, match=why):
        check_upload(name, data, max_bytes=1000)


def test_a_good_upload_is_staged_under_its_base_name(tmp_path):
    upload = tmp_path / "f0a1b2" / "beekeeper.md"
    upload.parent.mkdir()
    upload.write_bytes((FIXTURES / "beekeeper.md").read_bytes())
    staged = stage_upload(upload, "../beekeeper.md")
    try:
        assert staged.name == "beekeeper.md" and staged.read_bytes() == upload.read_bytes()
        assert re.search(r"quotebot-upload-", str(staged.parent))
    finally:
        shutil.rmtree(staged.parent)


def test_terminal_answer_reflows_a_hard_wrapped_quote():
    p = passage(text="First sentence runs\non to the next line. Second one here.")
    out = answer_text(Answer("q", True, (quote(p, 0.8, ("First sentence runs\non to the next line.",)),)))
    assert "    “First sentence runs on to the next line. Second one here.”" in out.splitlines()
    assert "    >> First sentence runs on to the next line." in out.splitlines()


def test_a_long_title_is_shortened_in_the_citation_and_whole_in_its_tooltip():
    title = "A very long title " + "that goes on " * 20 + "and ends here"
    html = answer_html(Answer("q", True, (quote(passage(title=title), 0.8),)), 0.35)
    shown = re.search(r'<span class="qb-cite-text" title="([^"]*)">([^<]*)</span>', html)
    assert shown is not None
    assert title in shown.group(1) and title not in shown.group(2)
    assert "A very long title that goes on" in shown.group(2) and "…" in shown.group(2)
    assert len(shown.group(2)) < 160


@pytest.mark.parametrize(
    ("title", "date", "line"),
    [
        ("Talk, Rome, March 22, 2021", "2021-03-22", "Jane Doe · Talk, Rome, March 22, 2021 · question 2"),
        ("Talk of 22 March 2021", "2021-03-22", "Jane Doe · Talk of 22 March 2021 · question 2"),
        ("Talk, March 22, 2021", "2021-03-23", "Jane Doe · Talk, March 22, 2021 · 2021-03-23 · question 2"),
        ("A talk", None, "Jane Doe · A talk · undated · question 2"),
    ],
)
def test_the_date_is_cited_once(title, date, line):
    html = answer_html(Answer("q", True, (quote(passage(title=title, date=date), 0.8),)), 0.35)
    assert line in html


def test_the_time_a_passage_is_spoken_ends_its_citation():
    html = answer_html(Answer("q", True, (quote(passage(time="00:12:05"), 0.8),)), 0.35)
    assert "Jane Doe · A talk · 2024-01-02 · question 2 · ¶1 · 00:12:05" in html


def test_an_answer_says_which_filters_it_was_kept_to():
    card = (quote(passage(), 0.8),)
    html = answer_html(Answer("q", True, card), 0.35, only=["talk.txt", "Jane <Doe>"])
    assert '<p class="qb-scope">Only from talk.txt, Jane &lt;Doe&gt;</p>' in html
    assert "qb-scope" not in answer_html(Answer("q", True, card), 0.35)
    assert "qb-scope" in answer_html(Answer("q", False, ()), 0.35, only=["talk.txt"])


def test_one_passage_is_not_plural():
    html = sources_html([SourceInfo("talk.txt", "A talk", "2024-01-02", None, ["Jane"], 1)])
    assert "2024-01-02 · 1 passage<" in html and "1 transcript · 1 passage<" in html
