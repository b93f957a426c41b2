"""PDF and subtitle transcripts: read into the same turns, speakers and questions as plain text."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from xml.sax.saxutils import escape

import pypdf
import pytest
from conftest import FIXTURES, collapse

from bot.uploads import check_upload
from ingest import parse_bytes, read_document
from ingest.errors import InputFileError
from ingest.transcript import parse_transcript


def answers(name: str, data: bytes | None = None):
    doc = parse_bytes(name, data) if data is not None else read_document(FIXTURES / name)
    t = parse_transcript(doc)
    return t, [
        (p.speaker, p.turn, collapse(p.question or ""), collapse(doc.text[p.start : p.end]))
        for p in t.paragraphs
    ]


def test_a_printed_pdf_reads_as_its_text_without_running_title_or_page_numbers():
    printed, from_pdf = answers("glassblower.pdf")
    _, from_text = answers("glassblower.txt")
    assert printed.title == "Interview with a glassblower from the harbour workshop"  # the PDF's own title
    assert printed.date == "2024-05-02"
    assert printed.speakers == ["Mara Lindqvist"] and printed.questions == 6
    # The same turns, questions and words: only a paragraph that a page break splits is one.
    assert [a[:3] for a in from_pdf] == [a[:3] for a in from_text if (a[1], a[3][:12]) != (6, "And bring a ")]
    assert " ".join(a[3] for a in from_pdf) == " ".join(a[3] for a in from_text)
    words = " ".join(a[3] for a in from_pdf)
    assert "Page 1 of 4" not in words and "harbour workshop" not in words


def test_a_printed_briefing_reads_word_for_word_as_its_text():
    # A real briefing (public domain) printed on 10 pages: "Q —" questions, words broken at hyphens
    printed, from_pdf = answers("briefing_2021-03-01.pdf")
    _, from_text = answers("briefing_2021-03-01.txt")
    assert printed.speakers == ["Ms. Psaki", "Secretary Mayorkas"] and printed.questions == 3
    words = " ".join(a[3] for a in from_pdf)
    assert words == " ".join(a[3] for a in from_text)
    assert "with non-governmental organizations" in words
    assert any(
        question.startswith("— just one more question about South America?") for _, _, question, _ in from_pdf
    )


def _docx(paragraphs: list[str]) -> bytes:
    """A Word document as Word writes one, at its smallest: each paragraph's speaker label in a
    bold run of its own, the speech in two more runs (Word splits runs anywhere)."""

    def run(text: str, bold: bool = False) -> str:
        style = "<w:rPr><w:b/></w:rPr>" if bold else ""
        return f'<w:r>{style}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'

    body = ""
    for paragraph in paragraphs:
        label, colon, speech = paragraph.partition(": ")
        label, speech = (label + ":", " " + speech) if colon else ("", paragraph)
        half = len(speech) // 2
        body += f"<w:p>{run(label, bold=True) if label else ''}{run(speech[:half])}{run(speech[half:])}</w:p>"
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="word/document.xml" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/officeDocument"/></Relationships>',
        "word/document.xml": '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
        f'main"><w:body>{body}</w:body></w:document>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, xml in parts.items():
            z.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + xml)
    return out.getvalue()


def test_a_word_document_reads_as_its_text():
    source = (FIXTURES / "glassblower.txt").read_text(encoding="utf-8")
    typed, from_docx = answers("glassblower.docx", _docx(source.strip().split("\n\n")))
    _, from_text = answers("glassblower.txt")
    assert (
        typed.title == "Interview with a glassblower from the harbour workshop" and typed.date == "2024-05-02"
    )
    assert from_docx == from_text
    assert check_upload("glassblower.docx", _docx(source.strip().split("\n\n"))) == "glassblower.docx"


def test_subtitles_take_their_speakers_from_voices_or_labels_and_never_quote_a_time():
    for name in ("glassblower.vtt", "glassblower.srt"):
        t, found = answers(name)
        assert t.speakers == ["Mara Lindqvist"] and t.questions == 2, name
        assert t.title == "glassblower"  # the cues' first words are not a title
        assert found[0][2] == "How did you start working with glass?"
        assert found[0][3].startswith("I started at sixteen, sweeping the floor of my uncle's workshop")
        assert all(not re.search(r"\d\d:\d\d|<|>|\[laughs\]", text) for *_, text in found)
    voiced_transcript, voiced = answers("glassblower.vtt")
    assert [p.time for p in voiced_transcript.paragraphs] == ["00:00:04", "00:00:16", "00:00:25"]
    # a pause of seconds starts a new paragraph of the same turn; tags and entities are undone
    assert [(turn, text[:24]) for _, turn, _, text in voiced] == [
        (1, "I started at sixteen, sw"),
        (1, "The first piece I made o"),
        (2, "Patience with the anneal"),
    ]
    assert voiced[2][3] == "Patience with the annealing & the oven. Nobody's hands learn to wait."


def test_a_time_written_before_a_turn_is_when_its_paragraphs_are_spoken():
    text = (
        "Interviewer (00:00:02):\nHow did you start?\n\nMara Lindqvist (00:00:05):\nAt sixteen.\n\n"
        "Then I learned.\n\n[01:02:03.500] Mara Lindqvist: Later on.\n\nQuestion: And now?\n\n"
        "Mara Lindqvist: Now I teach.\n"
    )
    t, found = answers("talk.txt", text.encode())
    assert [(p.paragraph, p.time, text) for p, (*_, text) in zip(t.paragraphs, found, strict=True)] == [
        (1, "00:00:05", "At sixteen."),
        (2, "00:00:05", "Then I learned."),  # no time of its own: its turn's
        (3, "01:02:03", "Later on."),
        (1, None, "Now I teach."),
    ]


def test_rolling_captions_are_read_once_and_a_time_without_label_is_not_speech():
    rolling = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nwe keep the furnace hot\n\n"
        "00:00:03.000 --> 00:00:03.010\nwe keep the furnace hot\n\n"
        "00:00:03.010 --> 00:00:05.000\nwe keep the furnace hot\nall season long\n\n"
        "00:00:09.000 --> 00:00:10.000\n[Music]\n\n"
        "00:00:11.000 --> 00:00:12.000\n>> and in august we rest\n"
    )
    t, found = answers("talk.vtt", rolling.encode())
    assert t.warnings and "no speaker labels" in t.warnings[0]
    assert [text for *_, text in found] == [
        "we keep the furnace hot all season long",
        "and in august we rest",
    ]


def _cues(lines: list[str], seconds: int = 10) -> bytes:
    return (
        "WEBVTT\n\n"
        + "".join(
            f"00:{i * seconds // 60:02d}:{i * seconds % 60:02d}.000 --> 00:{(i + 1) * seconds // 60:02d}:"
            f"{(i + 1) * seconds % 60:02d}.000\n{line}\n\n"
            for i, line in enumerate(lines)
        )
    ).encode()


def test_a_long_stretch_of_captions_is_cut_into_paragraphs_each_with_its_time():
    # with full stops, at the first sentence end after 30 seconds; without, every 60 seconds
    said = [
        "It was cold.",
        "We waited",
        "for the boat",
        "to come.",
        "It came late.",
        "Then we sailed",
        "home.",
    ]
    t, _ = answers("talk.vtt", _cues(said * 2))
    assert [p.time for p in t.paragraphs] == ["00:00:00", "00:00:40", "00:01:10", "00:01:50"]
    unpunctuated = [line.lower().rstrip(".") for line in said]
    t, _ = answers("talk.vtt", _cues(unpunctuated * 2))
    assert [p.time for p in t.paragraphs] == ["00:00:00", "00:01:00", "00:02:00"]
    t, found = answers("talk.vtt", _cues(unpunctuated))  # "home" alone after 60 s is not cut off
    assert [p.time for p in t.paragraphs] == ["00:00:00"] and found[0][3].endswith("then we sailed home")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.pdf", b"just some words", "not a readable PDF"),
        ("empty.pdf", b"", "not a readable PDF"),
        ("talk.srt", b"1\nnot a time\nhello\n", "not a readable SRT subtitle file"),
        ("talk.vtt", b"00:00:01.000 --> 00:00:02.000\nno header\n", "not a readable VTT subtitle file"),
        ("talk.vtt", b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n[Music]\n", "no cues with text"),
        ("notes.docx", b"PK\x03\x04" + bytes(100), "not a readable Word document"),
        ("notes.docx", _docx([]), "the Word document has no text in it"),
    ],
)
def test_unreadable_pdfs_and_subtitles_say_why(name, data, message):
    with pytest.raises(InputFileError, match=re.escape(message)):
        parse_bytes(name, data)


def _pdf(password: str | None = None) -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if password:
        writer.encrypt(user_password=password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_without_text_or_with_a_password_is_refused_with_what_to_do():
    with pytest.raises(InputFileError, match=r"no text to read .*OCR"):
        parse_bytes("scan.pdf", _pdf())
    with pytest.raises(InputFileError, match="password-protected; save a copy without a password"):
        parse_bytes("locked.pdf", _pdf(password="secret"))


def test_an_uploaded_pdf_is_checked_by_its_content():
    data = (FIXTURES / "glassblower.pdf").read_bytes()
    assert check_upload("glassblower.pdf", data) == "glassblower.pdf"
    with pytest.raises(InputFileError, match=r"this is a PDF, not a text transcript; name it \.pdf"):
        check_upload("glassblower.txt", data)
    with pytest.raises(InputFileError, match="not a readable PDF"):
        check_upload("fake.pdf", b"Question: Why?\n\nAnna: Because.\n")


def test_a_folder_of_pdf_and_subtitles_is_ingested_and_quoted_verbatim(make_bot, tmp_path):
    folder = tmp_path / "talks"
    folder.mkdir()
    for name in ("glassblower.pdf", "glassblower.vtt", "glassblower.srt"):
        shutil.copy(FIXTURES / name, folder / name)
    (folder / "scan.pdf").write_bytes(_pdf())
    bot = make_bot()
    report = bot.ingest([folder])
    assert sorted(report.added) == ["glassblower.pdf", "glassblower.srt", "glassblower.vtt"]
    assert [reason for _, reason in report.skipped] == [
        "the PDF has no text to read (a scanned document?); run it through OCR first."
    ]
    answer = bot.ask("How hot does the furnace get?", sources=["glassblower.pdf"])
    assert answer.answered
    best = answer.quotes[0]
    assert [collapse(h) for h in best.highlight] == [
        "The furnace holds the glass at about eleven hundred degrees Celsius, day and night."
    ]
    assert (best.passage.speaker, best.passage.turn) == ("Mara Lindqvist", 4)
    source_text = collapse(read_document(folder / "glassblower.pdf").text)
    assert collapse(best.text) in source_text
    assert best.passage.time is None  # the PDF gives no times
    answer = bot.ask("Who taught you to gather glass?", sources=["glassblower.vtt"])
    assert answer.quotes[0].passage.question == "How did you start working with glass?"
    assert "He let me gather glass from the furnace" in answer.quotes[0].text
    assert answer.to_dict()["quotes"][0]["citation"]["time"] == "00:00:04"  # its turn's first cue
