"""Exports of a conversation's answers as Markdown, CSV and Word, every quote verbatim and cited."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import TextIO

from bot.answer import Answer, Quote
from bot.highlight import ELLIPSIS
from bot.render import asked_text, citation_line, highlight_segments, no_answer_note, readings
from ingest.errors import QuotebotError

NOTHING_TO_EXPORT = "There is nothing to export yet: ask a question first."
NO_QUOTES_TO_EXPORT = (
    "There is nothing to export yet: no question found a passage to quote (has anything been ingested?)."
)
CSV_COLUMNS = (
    "question", "rank", "score", "text", "highlight", "speaker", "title", "date",
    "question_asked", "turn", "paragraph", "time", "url", "source",
)  # fmt: skip
HIGHLIGHT_JOINER = f" {ELLIPSIS} "
"""Between a quote's highlighted runs in the CSV's ``highlight`` column: the mark the quote's
text itself uses for words left out, so each run stays verbatim and the gap is marked."""
DOCX_TITLE = "Quotes from the transcripts"

# A quote line that Markdown could read as structure inside the block quote: a heading (#), a
# nested quote (>), a list item (- + * or "1." "1)"), a rule or setext underline (- * _ =), a code
# fence (` ~), an HTML block (<), a table row (| :), a link definition ("[x]: …"), or a line that
# starts with a backslash, which would escape what follows it. Up to three spaces may precede it;
# four or more make the line indented code (shown as it is) or the continuation of a paragraph.
_STRUCTURE = re.compile(
    r"(?P<indent> {0,3})(?:(?P<mark>[#>\-+*_=`~<|:\\])|\[[^\]]*\]:|\d{1,9}(?P<dot>[.)])(?=[ \t]|$))"
)


def check_exportable(answers: Sequence[Answer]) -> None:
    """Refuse a conversation with nothing in it to export: no answer, or no answer with quotes."""
    if not answers:
        raise QuotebotError(NOTHING_TO_EXPORT)
    if not any(a.quotes for a in answers):
        raise QuotebotError(NO_QUOTES_TO_EXPORT)


# Markdown


def to_markdown(answers: Sequence[Answer]) -> str:
    """The answers as Markdown: per answer a heading with the question, then each quote as a
    block quote of its exact text, its citation line and the interviewer's question; an answer
    below the threshold says so instead of quoting."""
    check_exportable(answers)
    return "\n\n".join(markdown_section(a) for a in answers) + "\n"


def markdown_section(answer: Answer) -> str:
    """One answer in Markdown, without a trailing newline."""
    blocks = [f"## {_one_line(answer.question)}", *readings(answer)]
    if not answer.answered:
        blocks.append(no_answer_note(answer))
    else:
        blocks += [markdown_quote(q) for q in answer.quotes]
    return "\n\n".join(blocks)


def markdown_quote(quote: Quote) -> str:
    """The quote as a block quote, then its citation and what the interviewer asked."""
    blocks = [block_quote(quote.text), f"— {citation(quote)}"]
    if quote.passage.question:
        blocks.append(f"Asked: {asked_text(quote.passage.question)}")
    return "\n\n".join(blocks)


def block_quote(text: str) -> str:
    """``text`` with ``> `` before every line (a bare ``>`` on an empty one) and each line's
    leading Markdown character escaped (see :func:`escape_line`), so that it renders as the same
    words and nothing but a block quote."""
    return "\n".join(f"> {escape_line(line)}" if line else ">" for line in re.split(r"\r\n?|\n", text))


def escape_line(line: str) -> str:
    """``line`` with a backslash before the one character that would make it Markdown structure
    (a heading, list item, rule, nested quote, fence, HTML block, table row, link definition), and
    nothing else touched: inline marks (``*word*``) may still style a word but never change it."""
    match = _STRUCTURE.match(line)
    if not match:
        return line
    at = match.start("dot") if match.group("dot") else match.end("indent")
    return line[:at] + "\\" + line[at:]


# CSV


def to_csv(answers: Sequence[Answer]) -> str:
    """The answers as CSV (RFC 4180: CRLF line ends, fields quoted where needed): a header row
    of :data:`CSV_COLUMNS`, then one row per quote of each answered question."""
    check_exportable(answers)
    out = io.StringIO(newline="")
    write_csv(out, answers, header=True)
    return out.getvalue()


def write_csv(out: TextIO, answers: Iterable[Answer], header: bool = False) -> None:
    """Write the rows of ``answers`` to ``out``, after the header row if ``header``."""
    writer = csv.writer(out)
    if header:
        writer.writerow(CSV_COLUMNS)
    for answer in answers:
        writer.writerows(csv_rows(answer))


def csv_rows(answer: Answer) -> list[list[str]]:
    """One row per quote, in :data:`CSV_COLUMNS` order; none for an answer below the threshold.

    ``text`` and ``question_asked`` are verbatim and whole (line breaks kept); ``highlight`` is
    the highlighted runs joined by :data:`HIGHLIGHT_JOINER`; ``paragraph`` is "3", or "3–5" for a
    passage joining paragraphs; a missing value is an empty field."""
    if not answer.answered:
        return []
    rows = []
    for rank, quote in enumerate(answer.quotes, 1):
        p = quote.passage
        last = f"–{p.last_paragraph}" if p.last_paragraph else ""
        row = [
            answer.question, str(rank), f"{quote.score:.4f}", quote.text,
            HIGHLIGHT_JOINER.join(quote.highlight), p.speaker or "", p.title, p.date or "",
            p.question or "", str(p.turn) if p.turn else "", f"{p.paragraph}{last}", p.time or "",
            p.url or "", p.source,
        ]  # fmt: skip
        rows.append(row)
    return rows


# Word


def to_docx(answers: Sequence[Answer], title: str = DOCX_TITLE) -> bytes:
    """The answers as a Word document: ``title``, then per answer a heading with the question and
    each quote in the Quote style, its highlighted sentence(s) in bold, its citation below."""
    check_exportable(answers)
    from docx import Document  # imported here: only this export needs it

    document = Document()
    document.add_heading(title, level=0)
    for answer in answers:
        document.add_heading(_one_line(answer.question), level=1)
        for note in readings(answer):
            document.add_paragraph(note)
        if not answer.answered:
            document.add_paragraph(no_answer_note(answer))
            continue
        for quote in answer.quotes:
            paragraph = document.add_paragraph(style="Quote")
            for piece, marked in highlight_segments(quote):
                paragraph.add_run(_xml_text(piece)).bold = marked or None
            document.add_paragraph(f"— {citation(quote)}")
            if quote.passage.question:
                document.add_paragraph(f"Asked: {asked_text(quote.passage.question)}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _xml_text(text: str) -> str:
    """``text`` as a Word run can hold it: a form feed or vertical tab (page and line breaks in
    some sources) becomes a line break, and any other control character, which XML cannot hold
    and which shows nothing, is left out. Every visible character is kept."""
    text = text.replace("\f", "\n").replace("\v", "\n")
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]", "", text)


# Shared


def citation(quote: Quote) -> str:
    """The citation line, and the source's URL when it has one."""
    url = quote.passage.url
    return f"{citation_line(quote)} · {url}" if url else citation_line(quote)


def _one_line(text: str) -> str:
    return " ".join(text.split())
