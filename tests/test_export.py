"""Exports of a conversation (bot/export.py): every quote verbatim and cited in Markdown, CSV and
Word, and `quotebot ask --format md|csv`."""

from __future__ import annotations

import csv
import io
import json
import re
import sys

import docx
import pytest
from conftest import BUNDLED, collapse
from docx.text.paragraph import Paragraph

from bot import Bot, cli, export
from bot.answer import Answer, Quote
from bot.highlight import verbatim_segments
from bot.render import NO_CONFIDENT_ANSWER, NOTHING_MORE
from ingest import Passage
from ingest.errors import QuotebotError

# A quote whose lines would each be Markdown structure, were they not escaped.
TRICKY = (
    "# Not a heading, and [sic] not a link\n"
    "- not a list item\n"
    "  * nor this\n"
    "+ nor this\n"
    "> not a nested quote\n"
    "2021. That year, not an ordered list.\n"
    "3) Nor this.\n"
    "---\n"
    "Said on a line before a setext underline\n"
    "===\n"
    "```\n"
    "~~~ not a fence\n"
    "<div>not an HTML block\n"
    "| not | a table |\n"
    "[…]: not a link definition\n"
    "\\# a backslash the source really has\n"
    "\n"
    "After a blank line — Zürich, 北京, القاهرة.\n"
    "[…] and on, 12 o'clock.\n"
    "_ _ _"
)
UNICODE = 'He said, "Zürich — 北京, مرحبا بالعالم"; then:\n"Yes," twice,\r\nand a tab\there.'


def passage(**fields) -> Passage:
    defaults = dict(
        id="p1",
        text="unused",
        source="roe.txt",
        title="Interview with Jane Roe",
        date="2021-03-22",
        url="https://example.org/roe",
        speaker="Jane Roe",
        question="How did the drought affect you?",
        turn=2,
        paragraph=3,
        char_start=0,
        char_end=6,
    )
    return Passage(**{**defaults, **fields})


def quote(text: str, highlight: tuple[str, ...] = (), score: float = 0.8123456, **fields) -> Quote:
    return Quote(passage(text=text, **fields), score, highlight, text)


DROUGHT = quote(
    "The drought cost us half the barley crop. We sold two tractors to pay the bank, "
    "and we still owe the co-operative for seed.",
    highlight=("We sold two tractors to pay the bank, and we still owe the co-operative for seed.",),
)
BARLEY = quote(
    "We grow barley and oats. […] We rotate them with clover every third year.",
    highlight=("We grow barley and oats.", "We rotate them with clover every third year."),
    url=None,
    question=None,
    turn=0,
    speaker=None,
    paragraph=1,
    last_paragraph=2,
    time="00:01:05",
)
CONVERSATION = [
    Answer("How did the drought affect you?", True, (DROUGHT, BARLEY)),
    Answer("What is the weather on Mars?", False, (quote("Mars is far away.", ("Mars is far away.",)),)),
]


def unescape(line: str) -> str:
    """A block-quote line as the source has it: the ``>`` prefix gone and the one backslash that
    export.escape_line may put before a leading Markdown character removed."""
    line = line[2:] if line.startswith("> ") else line.removeprefix(">")
    if m := re.match(r"( {0,3})\\([!-/:-@\[-`{-~])", line):
        return m.group(1) + line[m.end(1) + 1 :]
    if m := re.match(r"( {0,3}\d{1,9})\\([.)])", line):
        return m.group(1) + line[m.end(1) + 1 :]
    return line


def quoted_texts(markdown: str) -> list[str]:
    """The text of each block quote in ``markdown``, un-escaped."""
    blocks: list[str] = []
    current: list[str] = []
    for line in [*markdown.split("\n"), ""]:
        if line.startswith(">"):
            current.append(unescape(line))
        elif current:
            blocks.append("\n".join(current))
            current = []
    return blocks


# Markdown


def test_markdown_quotes_each_text_exactly_under_its_question_with_its_citation():
    md = export.to_markdown(CONVERSATION)
    assert quoted_texts(md) == [DROUGHT.text, BARLEY.text]
    assert md.startswith("## How did the drought affect you?\n\n> The drought cost us")
    assert md.endswith("\n") and not md.endswith("\n\n")
    assert (
        "\n\n— Jane Roe · Interview with Jane Roe · 2021-03-22 · question 2 · ¶3 · https://example.org/roe"
        "\n\nAsked: How did the drought affect you?\n\n" in md
    )
    # No URL, no interviewer's question, no speaker: the citation says so and nothing more.
    assert md.count("Asked:") == 1
    assert "\n\n— Unattributed · Interview with Jane Roe · 2021-03-22 · ¶1–2 · 00:01:05\n\n" in md


def test_markdown_says_an_unanswered_question_has_no_confident_answer_and_quotes_nothing():
    md = export.to_markdown(CONVERSATION)
    section = md[md.index("## What is the weather on Mars?") :]
    assert section == f"## What is the weather on Mars?\n\n{NO_CONFIDENT_ANSWER}\n"
    assert "Mars is far away" not in md
    more = Answer("Tell me more", False, (DROUGHT,), follows="How did the drought affect you?", more=True)
    assert export.markdown_section(more) == (
        f"## Tell me more\n\nMore on “How did the drought affect you?”\n\n{NOTHING_MORE}"
    )


@pytest.mark.parametrize("text", [TRICKY, UNICODE.replace("\r\n", "\n"), "One line.", "\n\nBlank lines\n\n"])
def test_markdown_block_quote_unescapes_to_the_verbatim_text(text):
    md = export.to_markdown([Answer("Q?", True, (quote(text),))])
    assert quoted_texts(md) == [text]


def test_markdown_quote_renders_as_one_block_quote_of_the_same_words():
    markdown_it = pytest.importorskip("markdown_it")
    md = export.to_markdown([Answer("Q?", True, (quote(TRICKY),))])
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(md)
    kinds = {t.type for t in tokens}
    assert [t.tag for t in tokens if t.type == "heading_open"] == ["h2"]  # the question's, only
    assert [t.type for t in tokens].count("blockquote_open") == 1
    assert not kinds & {
        "bullet_list_open", "ordered_list_open", "hr", "fence", "code_block", "html_block", "table_open"
    }  # fmt: skip
    types = [t.type for t in tokens]
    inside = tokens[types.index("blockquote_open") : types.index("blockquote_close")]
    words = [c.content if c.type == "text" else " " for t in inside if t.children for c in t.children]
    assert collapse(" ".join(words)) == collapse(TRICKY)


@pytest.mark.parametrize(
    ("line", "escaped"),
    [
        ("# heading", "\\# heading"),
        ("   ## heading", "   \\## heading"),
        ("    # indented code, shown as it is", "    # indented code, shown as it is"),
        ("- item", "\\- item"),
        ("* item", "\\* item"),
        ("+ item", "\\+ item"),
        ("> quote", "\\> quote"),
        ("1. item", "1\\. item"),
        ("123456789) item", "123456789\\) item"),
        ("2021.", "2021\\."),
        ("2021.5 percent", "2021.5 percent"),
        ("1234567890. too long for a list", "1234567890. too long for a list"),
        ("===", "\\==="),
        ("___", "\\___"),
        ("```python", "\\```python"),
        ("~~~", "\\~~~"),
        ("<p>", "\\<p>"),
        ("| a | b |", "\\| a | b |"),
        (":--- | ---", "\\:--- | ---"),
        ("[1]: https://example.org", "\\[1]: https://example.org"),
        ("[…] and then", "[…] and then"),
        ("\\ backslash", "\\\\ backslash"),
        ("Plain words, *emphasis* and `code` inside", "Plain words, *emphasis* and `code` inside"),
        ("", ""),
    ],
)
def test_escape_line_escapes_only_the_leading_markdown_character(line, escaped):
    assert export.escape_line(line) == escaped
    assert unescape(escaped) == line


# CSV


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_csv_has_a_header_and_a_row_per_quote_of_each_answered_question():
    rows = read_csv(export.to_csv(CONVERSATION))
    assert rows[0] == list(export.CSV_COLUMNS)
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert len(records) == 2  # the unanswered question adds no row
    first, second = records
    assert first == {
        "question": "How did the drought affect you?",
        "rank": "1",
        "score": "0.8123",
        "text": DROUGHT.text,
        "highlight": DROUGHT.highlight[0],
        "speaker": "Jane Roe",
        "title": "Interview with Jane Roe",
        "date": "2021-03-22",
        "question_asked": "How did the drought affect you?",
        "turn": "2",
        "paragraph": "3",
        "time": "",
        "url": "https://example.org/roe",
        "source": "roe.txt",
    }
    assert second["rank"] == "2" and second["text"] == BARLEY.text
    assert second["highlight"] == "We grow barley and oats. […] We rotate them with clover every third year."
    assert second["highlight"].split(export.HIGHLIGHT_JOINER) == list(BARLEY.highlight)
    assert (second["speaker"], second["question_asked"], second["turn"], second["url"]) == ("", "", "", "")
    assert (second["paragraph"], second["time"]) == ("1–2", "00:01:05")


def test_csv_round_trips_commas_quotes_newlines_and_any_script(tmp_path):
    tricky = quote(
        UNICODE,
        highlight=('"Yes," twice',),
        title='Roe, "the farmer" — Zürich',
        question='Wie geht\'s, "Frau" Roe?\nY ahora, ¿qué?',
    )
    answer = Answer('Comma, "quote"\nand 中文?', True, (tricky, quote(TRICKY)))
    text = export.to_csv([answer])
    assert text.endswith("\r\n") and text.split("\r\n")[0] == ",".join(export.CSV_COLUMNS)
    saved = tmp_path / "quotes.csv"
    saved.write_bytes(text.encode("utf-8"))
    with saved.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert [r[3] for r in rows[1:]] == [UNICODE, TRICKY]
    assert rows[1][0] == answer.question
    assert rows[1][4] == '"Yes," twice'
    assert rows[1][6] == 'Roe, "the farmer" — Zürich'
    assert rows[1][8] == tricky.passage.question
    assert all(len(r) == len(export.CSV_COLUMNS) for r in rows)


# Word


def open_docx(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def style(paragraph: Paragraph) -> str | None:
    return paragraph.style.name if paragraph.style else None


def test_docx_quotes_each_text_in_the_quote_style_with_the_highlight_in_bold():
    document = open_docx(export.to_docx(CONVERSATION))
    paragraphs = document.paragraphs
    assert (style(paragraphs[0]), paragraphs[0].text) == ("Title", export.DOCX_TITLE)
    headings = [p.text for p in paragraphs if style(p) == "Heading 1"]
    assert headings == [a.question for a in CONVERSATION]
    quotes = [p for p in paragraphs if style(p) == "Quote"]
    assert [p.text for p in quotes] == [DROUGHT.text, BARLEY.text]
    for paragraph, q in zip(quotes, (DROUGHT, BARLEY), strict=True):
        assert "".join(r.text for r in paragraph.runs) == q.text
        assert [r.text for r in paragraph.runs if r.bold] == list(q.highlight)
    texts = [p.text for p in paragraphs]
    after = texts[texts.index(DROUGHT.text) + 1 :]
    assert after[:2] == [
        "— Jane Roe · Interview with Jane Roe · 2021-03-22 · question 2 · ¶3 · https://example.org/roe",
        "Asked: How did the drought affect you?",
    ]
    assert texts[-1] == NO_CONFIDENT_ANSWER and "Mars is far away." not in texts


def test_docx_keeps_line_breaks_and_every_script_and_drops_only_what_xml_cannot_hold():
    text = "Zürich — 北京\nمرحبا\fnext page\x01 end"
    document = open_docx(export.to_docx([Answer("Q?", True, (quote(text, ("北京",)),))]))
    (paragraph,) = [p for p in document.paragraphs if style(p) == "Quote"]
    assert paragraph.text == "Zürich — 北京\nمرحبا\nnext page end"
    assert [r.text for r in paragraph.runs if r.bold] == ["北京"]


# Nothing to export


@pytest.mark.parametrize("make", [export.to_markdown, export.to_csv, export.to_docx])
def test_an_empty_conversation_is_refused_in_every_format(make):
    with pytest.raises(QuotebotError, match="nothing to export yet: ask a question first"):
        make([])
    with pytest.raises(QuotebotError, match="nothing to export yet"):
        make([Answer("Anything?", False, ())])


# The command


def test_ask_format_csv_and_md_export_the_answer(bundled_bot, embedder, monkeypatch, capsys):
    monkeypatch.setenv("QUOTEBOT_STORE", str(bundled_bot.settings.store))
    monkeypatch.setattr(cli, "Bot", lambda settings: Bot(settings, embedder=embedder))
    question = "What does Lavrov think about sanctions?"
    answer = bundled_bot.ask(question, k=2)
    transcript = collapse(BUNDLED.read_text(encoding="utf-8"))

    assert cli.main(["ask", "--format", "md", "-k", "2", question]) == 0
    md = capsys.readouterr().out
    assert md == export.to_markdown([answer])
    assert md.startswith(f"## {question}\n\n> ")
    for text in quoted_texts(md):
        assert all(collapse(piece) in transcript for piece in verbatim_segments(text))

    assert cli.main(["ask", "--format", "csv", "-k", "2", question]) == 0
    rows = read_csv(capsys.readouterr().out)
    assert rows[0] == list(export.CSV_COLUMNS)
    assert [r[3] for r in rows[1:]] == [q.text for q in answer.quotes]
    assert {r[5] for r in rows[1:]} == {"Sergey Lavrov"}

    lines = [json.dumps({"question": question, "k": 2}), json.dumps({"question": "Why?"}), ""]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join([*lines, lines[0]])))
    assert cli.main(["ask", "--jsonl", "--format", "csv"]) == 1  # "Why?" alone is refused
    out, err = capsys.readouterr()
    rows = read_csv(out)
    assert rows[0] == list(export.CSV_COLUMNS) and len(rows) == 1 + 2 * len(answer.quotes)
    assert "line 2" in err and "Why?" not in out
