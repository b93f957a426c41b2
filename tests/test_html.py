"""Web pages read by their markup: labels in bold, the page around the transcript left out."""

from __future__ import annotations

from bs4 import BeautifulSoup

from ingest import parse_bytes
from ingest.html import read_html
from ingest.transcript import parse_transcript

CHROME = """
<header><nav><a href="/">Русский</a> <a href="/en">Английский</a>
<a href="/media">For the Media</a></nav></header>
<div class="menu"><a href="/letter">Send a Letter</a> <a href="/tw">Official Twitter</a></div>
"""
FOOTER = """
<div class="read__bottommeta"><h3>Publication status</h3>
<p>Published in sections: <a href="/news">News</a>, <a href="/transcripts">Transcripts</a></p>
<p>Publication date: <time datetime="2019-12-19">December 19, 2019, 16:20</time></p>
<p>Direct link: <a href="/d/62366">en.kremlin.ru/d/62366</a></p></div>
<footer><p>All content on this site is licensed under Creative Commons Attribution 4.0 International.</p>
<a href="/contacts">Contacts</a> <a href="/disabled">Version for People with Disabilities</a></footer>
"""


def _page(body: str, head: str = "") -> bytes:
    return f"""<html><head><title>Annual news conference • President of Russia</title>
    <meta property="og:title" content="Annual news conference">
    <meta property="og:url" content="http://en.kremlin.ru/events/president/news/62366">
    <link rel="canonical" href="../62366.html">{head}</head><body>{CHROME}
    <article><h1>Annual news conference</h1>
    <div itemprop="articleBody">{body}</div></article>{FOOTER}</body></html>""".encode()


def _read(body: str, source: str = "page.html"):
    doc = parse_bytes(source, _page(body))
    return doc, parse_transcript(doc)


def _said(doc, transcript):
    return [(p.speaker, doc.text[p.start : p.end], p.question) for p in transcript.paragraphs]


GREW = "It grew by 8 percent, to 418.5 billion cubic metres, all of it sold at home and abroad."
SERIOUS = "Climate change is serious, and it is warming Russia faster than the rest of the world."
REACHED = "Gas reached 67 regions, and over 56 percent of rural areas are now connected."
TOOLTIP = (
    '<span class="read__tooltip tooltip_person hidden"><img alt="Miller Alexei">'
    '<span class="tooltip_title">Miller Alexei</span><span>Gazprom CEO</span></span>'
)


def test_bold_labels_decide_who_speaks_whatever_their_line_breaks_colons_and_tooltips():
    doc, transcript = _read(
        "<p><b>President of Russia\nVladimir Putin:</b> Mr Miller, did production grow last year?</p>"
        f'<p><b>Gazprom CEO <a class="person_tag">Alexei\nMiller{TOOLTIP}</a>: </b>{GREW}</p>'
        "<p>Second: exports rose as well.</p>"
        "<p><b>Vladimir\nPutin</b>: Good. And what about the regions?</p>"
        f"<p><b> Alexei Miller</b><b>: </b>{REACHED}</p>"
    )
    assert _said(doc, transcript) == [
        ("Alexei Miller", GREW, "Mr Miller, did production grow last year?"),
        ("Alexei Miller", "Second: exports rose as well.", "Mr Miller, did production grow last year?"),
        ("Alexei Miller", REACHED, "Good. And what about the regions?"),
    ]
    assert transcript.speakers == ["Alexei Miller"]
    assert "Miller Alexei" not in doc.text and "Gazprom CEO Alexei Miller:" in doc.text


def test_the_page_around_the_transcript_is_not_read():
    doc, transcript = _read(
        '<div class="media"><figure><img src="a.jpg" alt="With Alexei Miller."></figure>'
        '<span class="media__title">Vladimir Putin’s annual news conference.</span></div>'
        "<p><b>Question:</b> Where will you tape your New Year address?</p>"
        "<p><b>Vladimir Putin:</b> In the Kremlin, as always.</p>"
    )
    for chrome in (
        "Send a Letter",
        "Published in sections",
        "Direct link",
        "Version for People",
        "annual news",
    ):
        assert chrome not in doc.text
    assert (doc.title, doc.url, doc.date) == (
        "Annual news conference",
        "http://en.kremlin.ru/events/president/news/62366",
        "2019-12-19",
    )
    assert _said(doc, transcript) == [
        ("Vladimir Putin", "In the Kremlin, as always.", "Where will you tape your New Year address?")
    ]


def test_journalists_ask_and_the_moderator_hands_over_without_being_the_question():
    doc, transcript = _read(
        "<p><b>Dmitry Peskov:</b> Valery Sanfirov, Mayak. Please, pass the microphone.</p>"
        "<p><b>Valery Sanfirov: </b>Hello, Mr President. How can climate change damage Russia?</p>"
        "<p>I wonder if you have something special in mind.</p>"
        f"<p><b>Vladimir Putin:</b> {SERIOUS}</p>"
        "<p><b>Dmitry Peskov</b>: Let us talk about sports. Match TV, please.</p>"
        "<p><b>Question: </b><i>without microphone.</i></p>"
        "<p><b>Vladimir Putin:</b> Sport should stay out of politics, whatever anyone says about it.</p>"
        "<p><b>Remark:</b> But it does not.</p>"
        "<p><b>Vladimir Putin:</b> It should.</p>"
    )
    climate = (
        "Hello, Mr President. How can climate change damage Russia?"
        "\n\nI wonder if you have something special in mind."
    )
    assert _said(doc, transcript) == [
        ("Dmitry Peskov", "Valery Sanfirov, Mayak. Please, pass the microphone.", None),
        ("Vladimir Putin", SERIOUS, climate),
        ("Dmitry Peskov", "Let us talk about sports. Match TV, please.", climate),
        (
            "Vladimir Putin",
            "Sport should stay out of politics, whatever anyone says about it.",
            "without microphone.",
        ),
        ("Vladimir Putin", "It should.", "But it does not."),
    ]


def test_plain_text_before_a_colon_is_speech_where_the_page_sets_labels_in_bold():
    doc, transcript = _read(
        "<p><b>Question:</b> What did the region ask for?</p>"
        "<p><b>Vladimir Putin:</b> Three things.</p>"
        "<p>Perm Territory: a new bridge, a school and a hospital.</p>"
        "<p>Vladimir Putin: that is what I wrote down.</p>"
    )
    said = _said(doc, transcript)
    assert [s for s, _, _ in said] == ["Vladimir Putin"] * 3
    assert said[1][1] == "Perm Territory: a new bridge, a school and a hospital."
    assert said[2][1] == "that is what I wrote down."


def test_an_answer_labelled_a_is_the_spokesperson_the_title_names():
    page = b"""<html><head><title>Foreign Ministry Spokesperson Lu Kang's Regular Press Conference on
    May 14, 2018</title></head><body><div class="content"><p><b>Q: Will the talks go ahead?</b></p>
    <p>A: Yes, they will.</p><p>CCTV: Could you tell us more about the conference?</p>
    <p>A: It lasted three hours.</p></div></body></html>"""
    doc = parse_bytes("mfa.html", page)
    assert _said(doc, parse_transcript(doc)) == [
        ("Lu Kang", "Yes, they will.", "Will the talks go ahead?"),
        ("Lu Kang", "It lasted three hours.", "Could you tell us more about the conference?"),
    ]


def test_a_word_document_is_all_content_and_keeps_its_line_breaks():
    page = (
        b"<p><strong>Host:</strong> Welcome back.</p><p><strong>Jo Roe</strong>: Thanks.<br>Glad to be here."
    )
    doc = read_html("talk.docx", BeautifulSoup(page, "html.parser"), page=False)
    assert doc.text == "Host: Welcome back.\n\nJo Roe: Thanks.\nGlad to be here.\n"
    assert [label.name for label in doc.labels] == ["Host", "Jo Roe"]
