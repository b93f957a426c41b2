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

from ingest import parse_bytes, read, read_document
from ingest.errors import InputFileError
from ingest.pipeline import check_upload
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


_WORD = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_PART = "application/vnd.openxmlformats-officedocument.wordprocessingml"
_RELATION = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _tables(body: str) -> str:
    return re.sub(r"(?:<w:tr>.*?</w:tr>)+", lambda rows: f"<w:tbl>{rows.group()}</w:tbl>", body)


def _docx(paragraphs: list[str], footnote: str = "") -> bytes:
    """A Word document as Word writes one, at its smallest: each paragraph's speaker label in a
    bold run of its own, the speech in two more runs (Word splits runs anywhere), a line break
    for each newline, and where a paragraph has a "*", a reference to ``footnote``. A paragraph
    that starts with "# " is a heading; one with " | " is a table row, its cells apart."""

    def run(text: str, bold: bool = False) -> str:
        style = "<w:rPr><w:b/></w:rPr>" if bold else ""
        lines = [f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in text.split("\n")]
        return f"<w:r>{style}{'<w:br/>'.join(lines)}</w:r>"

    body = ""
    for paragraph in paragraphs:
        if " | " in paragraph or paragraph.endswith(" |"):  # "one cell |": a row of one cell
            cells = "".join(
                f"<w:tc><w:p>{run(cell)}</w:p></w:tc>" for cell in paragraph.removesuffix(" |").split(" | ")
            )
            body += f"<w:tr>{cells}</w:tr>"
            continue
        style = '<w:pPr><w:pStyle w:val="Heading1"/></w:pPr>' if paragraph.startswith("# ") else ""
        paragraph = paragraph.removeprefix("# ")
        label, colon, speech = paragraph.partition(": ")
        label, speech = (label + ":", " " + speech) if colon else ("", paragraph)
        half = len(speech) // 2
        runs = run(speech[:half]) + run(speech[half:])
        runs = runs.replace(
            "*", '</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r><w:r><w:t xml:space="preserve">'
        )
        body += f"<w:p>{style}{run(label, bold=True) if label else ''}{runs}</w:p>"
    parts = {
        "[Content_Types].xml": f'<Types xmlns="{_PACKAGE}/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{_PART}.document.main+xml"/>'
        f'<Override PartName="/word/footnotes.xml" ContentType="{_PART}.footnotes+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{_PACKAGE}/relationships"><Relationship Id="rId1" '
        f'Target="word/document.xml" Type="{_RELATION}/officeDocument"/></Relationships>',
        "word/_rels/document.xml.rels": f'<Relationships xmlns="{_PACKAGE}/relationships"><Relationship '
        f'Id="rId2" Target="footnotes.xml" Type="{_RELATION}/footnotes"/><Relationship Id="rId3" '
        f'Target="styles.xml" Type="{_RELATION}/styles"/></Relationships>',
        "word/styles.xml": f'<w:styles {_WORD}><w:style w:type="paragraph" w:styleId="Heading1">'
        '<w:name w:val="heading 1"/></w:style></w:styles>',
        "word/document.xml": f"<w:document {_WORD}><w:body>{_tables(body)}</w:body></w:document>",
        "word/footnotes.xml": f"<w:footnotes {_WORD}>"
        f'<w:footnote w:id="1"><w:p>{run(footnote)}</w:p></w:footnote></w:footnotes>',
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


def test_a_word_document_keeps_line_breaks_in_their_paragraph_and_leaves_footnotes_out():
    paragraphs = [
        "Interviewer: Where did you\ntrain?",
        "Mara Lindqvist: In Murano.* It was\nhard.",
    ]
    _, found = answers("murano.docx", _docx(paragraphs, footnote="Murano is an island near Venice."))
    assert [(question, text) for _, _, question, text in found] == [
        ("Where did you train?", "In Murano. It was hard.")
    ]


def test_a_word_document_that_unpacks_to_too_much_is_refused(monkeypatch):
    monkeypatch.setattr(read, "MAX_UNPACKED_BYTES", 1000)  # a ZIP bomb, in small
    with pytest.raises(InputFileError, match="unpacks to 0 MB, more than a transcript holds"):
        parse_bytes("bomb.docx", _docx(["Mara Lindqvist: " + "glass " * 500]))


def test_a_word_heading_is_no_speaker_and_an_otter_export_keeps_its_speakers():
    t, found = answers(
        "talk.docx", _docx(["# Glassblowing: An Interview", "Question: Why?", "Mara Lindqvist: So."])
    )
    assert t.title == "Glassblowing: An Interview" and t.speakers == ["Mara Lindqvist"]
    turns = [
        "Speaker 1  0:02",
        "Why?",
        "Mara Lindqvist  0:10",
        "Heat.",
        "Speaker 1  0:31",
        "And?",
        "Mara Lindqvist  0:40",
        "Art.",
    ]
    t, found = answers("otter.docx", _docx(turns))  # Word's text keeps one space of Otter's two
    assert [(p.time, text) for p, (*_, text) in zip(t.paragraphs, found, strict=True)] == [
        ("0:10", "Heat."),
        ("0:40", "Art."),
    ]


def test_a_transcript_laid_out_as_a_table_in_word_has_its_speakers_and_times():
    rows = [
        "Time | Speaker | Words",
        "00:00:01 | Interviewer | How did you start?",
        "00:00:05 | Mara Lindqvist | At sixteen.",
        "00:00:20 | Interviewer | And now?",
        "00:00:25 | Mara Lindqvist | I teach.",
    ]
    prices = ["Prices:", "Glass | 5 dollars", "Pipe | 6 dollars", "Glass | 7 dollars"]  # names, but no speech
    t, found = answers("table.docx", _docx(["An interview", *prices, "Recorded in May.", *rows]))
    assert t.speakers == ["Mara Lindqvist"]
    assert [(p.time, *found_one) for p, found_one in zip(t.paragraphs, found, strict=True)] == [
        ("00:00:05", "Mara Lindqvist", 1, "How did you start?", "At sixteen."),
        ("00:00:25", "Mara Lindqvist", 2, "And now?", "I teach."),
    ]


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


def test_captions_as_zoom_and_youtube_write_them():
    zoom = "WEBVTT\n\n"
    cues = [
        ("Jane Doe", "Thanks for joining. What got you"),
        ("Jane Doe", "started in glassblowing?"),
        ("Mara Lindqvist", "My grandfather. I was six"),
        ("Mara Lindqvist", "when I first held a pipe."),
        ("Jane Doe", "And now?"),
        ("Mara Lindqvist", "Now I teach."),
    ]
    for i, (name, said) in enumerate(cues):  # every cue names its speaker again
        zoom += f"{i + 1}\n00:00:0{i}.000 --> 00:00:0{i + 1}.000\n{name}: {said}\n\n"
    _, found = answers("zoom.vtt", zoom.encode())
    assert [(question, text) for _, _, question, text in found] == [
        (
            "Thanks for joining. What got you started in glassblowing?",
            "My grandfather. I was six when I first held a pipe.",
        ),
        ("And now?", "Now I teach."),
    ]
    rolling = (
        "WEBVTT\n\n00:00:00.320 --> 00:00:02.310\n \n"
        ">><00:00:00.480><c> so</c><00:00:00.799><c> why glass</c>\n\n"
        "00:00:02.310 --> 00:00:02.320\n>> so why glass\n \n\n"
        "00:00:02.320 --> 00:00:04.950\n>> so why glass\n>><00:00:02.639><c> because it is warm</c>\n\n"
        "00:00:04.950 --> 00:00:04.960\n>> because it is warm\n \n"
    )
    _, found = answers("youtube.vtt", rolling.encode())
    assert [text for *_, text in found] == ["so why glass", "because it is warm"]


def test_voices_are_named_as_labels_are():
    for host, guest, named in (
        ("1", "2", "Speaker 2"),
        ("jane", "mara", "Mara"),
        ("Host", "Mara L.", "Mara L."),
    ):
        vtt = "WEBVTT\n\n"
        said = ((host, "Why?"), (guest, "It is warm."), (host, "And?"), (guest, "I love it."))
        for i, (voice, words) in enumerate(said):
            vtt += f"00:00:0{i}.000 --> 00:00:0{i + 1}.000\n<v {voice}>{words}\n\n"
        _, found = answers("talk.vtt", vtt.encode())
        assert found == [(named, 1, "Why?", "It is warm."), (named, 2, "And?", "I love it.")], (host, guest)


def test_captions_said_twice_in_two_voices_in_brackets_or_with_a_less_than_sign_are_all_kept():
    vtt = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Host>No?\n\n"
        "00:00:02.000 --> 00:00:03.000\n<v Mara Lindqvist>No?\n\n"
        "00:00:03.000 --> 00:00:06.000\n<v Mara Lindqvist>It costs < 5 dollars, and > 2 to make\n"
        "(and I mean it\nsincerely): the answer is\nsimple: we never sold one.\n"
    )
    _, found = answers("talk.vtt", vtt.encode())
    said = "No? It costs < 5 dollars, and > 2 to make (and I mean it sincerely): the answer is simple: "
    said += "we never sold one."
    assert [text for *_, text in found] == [said]
    dialogue = "1\n00:00:01,000 --> 00:00:03,000\n- Are you sure?\n- Yes.\n\n"
    dialogue += "2\n00:00:03,000 --> 00:00:05,000\n- Yes.\n"
    _, found = answers("talk.srt", dialogue.encode())
    assert [text for *_, text in found] == ["Are you sure?", "Yes.", "Yes."]


def test_no_time_is_taken_from_front_matter_or_lent_to_unlabelled_text_and_a_range_cites_its_start():
    front = "---\ntitle: Talk\ndate: 2021-03-22 10:30:00\n---\n\nQuestion: Why?\n\nMara Lindqvist: Because.\n"
    assert [p.time for p in answers("talk.md", front.encode())[0].paragraphs] == [None]
    loose = "[00:00:05] It was cold.\n\nWe waited.\n\n[00:01:00] The boat came.\n"
    assert [p.time for p in answers("talk.txt", loose.encode())[0].paragraphs] == [
        "00:00:05",
        None,
        "00:01:00",
    ]
    ranged = "Host (00:00:01 - 00:00:04):\nWhy?\n\nMara Lindqvist (00:00:05 - 00:00:12):\nBecause.\n"
    assert [p.time for p in answers("talk.txt", ranged.encode())[0].paragraphs] == ["00:00:05"]


def test_times_in_a_label_and_after_it_are_cited_not_quoted():
    ranged = "Jane Doe (00:00:01 - 00:00:04):\nWhy?\n\nMara Lindqvist (00:00:05 - 00:00:12):\nBecause.\n\n"
    ranged += "Jane Doe (00:00:13 - 00:00:15):\nWhen?\n\nMara Lindqvist (00:00:16 - 00:00:20):\nAt six.\n"
    t, found = answers("talk.txt", ranged.encode())
    assert t.questions == 2 and [p.time for p in t.paragraphs] == ["00:00:05", "00:00:16"]
    for after in ("Mara Lindqvist: [00:00:10] My grandfather.", "Mara Lindqvist [00:00:10]: My grandfather."):
        t, found = answers("talk.txt", f"Question: Why?\n\n{after}\n".encode())
        assert (t.paragraphs[0].time, found[0][:1], found[0][3]) == (
            "00:00:10",
            ("Mara Lindqvist",),
            "My grandfather.",
        )


def test_rolling_captions_are_read_once_and_a_time_without_label_is_not_speech():
    rolling = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nwe keep the furnace hot\n\n"
        "00:00:03.000 --> 00:00:03.010\nwe keep the furnace hot\n\n"
        "00:00:03.010 --> 00:00:05.000\nwe keep the furnace hot\nall<00:00:04.000><c> season long</c>\n\n"
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


def _typed_pdf(pages: list[list[str]]) -> bytes:
    """A PDF as a typewriter would make it: each page's lines 14 points apart in Helvetica, and an
    empty line for a wider gap."""
    objects = ["<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for lines in pages:
        shown = [(560 - 14 * i, line.replace("(", r"\(").replace(")", r"\)")) for i, line in enumerate(lines)]
        stream = "BT /F1 11 Tf " + "".join(f"1 0 0 1 40 {y} Tm ({t}) Tj " for y, t in shown if t) + "ET"
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        objects.append(
            f"<< /Type /Page /Parent {2 * len(pages) + 2} 0 R /MediaBox [0 0 420 595] "
            f"/Contents {len(objects)} 0 R /Resources << /Font << /F1 1 0 R >> >> >>"
        )
        kids.append(f"{len(objects)} 0 R")
    objects.append(f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>")
    objects.append(f"<< /Type /Catalog /Pages {len(objects)} 0 R >>")
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    table = "".join(f"{offset:010d} 00000 n \n" for offset in offsets)
    count = len(objects) + 1
    trailer = f"trailer\n<< /Size {count} /Root {count - 1} 0 R >>\nstartxref\n{len(out)}\n%%EOF\n"
    return out + f"xref\n0 {count}\n0000000000 65535 f \n{table}{trailer}".encode()


def test_speaker_labels_atop_every_page_are_kept_and_so_is_a_number_in_the_speech():
    page = [
        "Interviewer (00:0{n}:02):",
        "How did day {n} go?",
        "",
        "Mara Lindqvist (00:0{n}:05):",
        "Day {n} went well.",
    ]
    pages = [[line.format(n=n) for line in page] for n in range(1, 4)]
    pages[2] += ["", "Interviewer (00:03:09):", "How many?", "", "Mara Lindqvist (00:03:12): The total was"]
    pages.append(["1200", "and every one was sold."])
    t, found = answers("rev.pdf", _typed_pdf(pages))
    assert t.speakers == ["Mara Lindqvist"] and t.questions == 4
    assert [(p.time, text) for p, (*_, text) in zip(t.paragraphs, found, strict=True)] == [
        ("00:01:05", "Day 1 went well."),
        ("00:02:05", "Day 2 went well."),
        ("00:03:05", "Day 3 went well."),
        ("00:03:12", "The total was 1200 and every one was sold."),
    ]


def test_running_headers_go_however_they_look_and_speech_stays_however_often_it_recurs():
    header = "Oral History Project: Mara Lindqvist"  # shaped like a label, on every page
    asked = ["Interviewer: And the furnace, how hot", "was it, and how big, and how old", "was it then?"]
    pages = [
        [header, "", *asked, "", "Mara Lindqvist: Yes.", "", *asked, "", "Mara Lindqvist: Yes."]
        + ([] if n == 3 else ["", f"{n}"])
        for n in (1, 2, 3)
    ]
    t, found = answers("talk.pdf", _typed_pdf(pages))
    assert t.questions == 6 and t.speakers == ["Mara Lindqvist"]
    assert [text for *_, text in found] == ["Yes."] * 6
    with_digits = [["Mara Lindqvist: I counted.", "", "9" * 5000]]  # no page number, no crash
    assert answers("count.pdf", _typed_pdf(with_digits))[1][0][3].endswith("9" * 5000)


def test_the_lines_of_a_pdf_paragraph_are_one_paragraph_with_or_without_gaps_between_paragraphs():
    lines = ["Interviewer: How did you start?", "Mara Lindqvist: I started at sixteen,", "sweeping floors."]
    for page in (lines, [lines[0], "", *lines[1:]]):
        _, found = answers("one.pdf", _typed_pdf([page]))
        assert [text for *_, text in found] == ["I started at sixteen, sweeping floors."]


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


def test_automatic_captions_are_quoted_in_runs_of_words_with_one_highlighted(make_bot, tmp_path):
    said = [
        "so we went down to the harbour that morning and the boats were all out already",
        "my uncle kept the furnace going all night because the glass has to stay hot",
        "the sand comes from a quarry up north where it is very pure and white",
        "we sold the bowls at the market on saturdays and the tourists loved the blue ones",
        "in winter the workshop was the warmest place in the whole village so everyone came",
        "nobody ever wants to learn the slow part which is letting the glass cool down",
    ] * 3
    path = tmp_path / "captions.vtt"
    path.write_bytes(_cues(said, seconds=4))
    bot = make_bot()
    bot.ingest([path])
    best = bot.ask("Where does the sand come from?").quotes[0]
    assert len(best.text.split()) <= 90 and "[…]" in best.text
    highlighted = " ".join(best.highlight)
    assert "sand comes from a quarry up north" in highlighted and len(highlighted.split()) <= 40


def test_headings_blank_or_holding_every_label_lose_no_words():
    page = "<p>Interviewer: Why?</p><p>Mara Lindqvist: Warmth.</p><h2> </h2><p>And home.</p>"
    page += "<p>Interviewer: Then?</p><p>Mara Lindqvist: School.</p>"
    _, found = answers("talk.html", page.encode())
    assert [text for *_, text in found] == ["Warmth.", "And home.", "School."]
    styled = [
        "# Interviewer:",
        "Why?",
        "# Mara Lindqvist:",
        "Warmth.",
        "# Interviewer:",
        "Then?",
        "# Mara Lindqvist:",
        "School.",
    ]
    t, found = answers("talk.docx", _docx(styled))  # every label set in a heading style
    assert t.speakers == ["Mara Lindqvist"] and [text for *_, text in found] == ["Warmth.", "School."]


def test_a_table_reads_its_times_wherever_they_stand_and_keeps_every_line():
    rows = [
        "Interviewer | 00:00:01 - 00:00:04 | How did you start?",
        "Mara Lindqvist | 00:00:05 - 00:00:19 | At sixteen. I swept floors.",
        "[Part two, recorded a day later.] |",
        "Interviewer | 00:00:20 | And now?",
        "Mara Lindqvist | 00:00:25 | I teach.",
    ]
    t, found = answers("table.docx", _docx(rows))
    assert [(p.time, text) for p, (*_, text) in zip(t.paragraphs, found, strict=True)] == [
        ("00:00:05", "At sixteen. I swept floors."),
        ("00:00:05", "[Part two, recorded a day later.]"),
        ("00:00:25", "I teach."),
    ]


def test_voices_of_any_spelling_and_replies_that_echo_are_kept_apart():
    said = (
        ("Jane Doe [host]", "Thank you."),
        ("Guest #1", "Thank you.\n<v Guest #1>Glad to be here."),
        ("Jane Doe [host]", "Why?"),
        ("Guest #1", "Art."),
    )
    vtt = "WEBVTT\n\n" + "".join(
        f"00:00:0{i}.000 --> 00:00:0{i + 1}.000\n<v {voice}>{words}\n\n"
        for i, (voice, words) in enumerate(said)
    )
    t, found = answers("talk.vtt", vtt.encode())
    assert [(speaker, text) for speaker, _, _, text in found] == [
        ("Guest 1", "Thank you. Glad to be here."),
        ("Guest 1", "Art."),
    ]
    schedule = "Mara Lindqvist: The day went:\n\nOpening Remarks 9:00\n\nand we were late.\n"
    t, found = answers("talk.txt", schedule.encode())  # one space before a time: no label, no time
    assert [(p.time, text) for p, (*_, text) in zip(t.paragraphs, found, strict=True)] == [
        (None, "The day went:"),
        (None, "Opening Remarks 9:00"),
        (None, "and we were late."),
    ]


@pytest.mark.parametrize("recorded", ["about:blank", "https://example.org/interview.html", "notes.html"])
def test_a_pdf_title_naming_the_page_it_was_printed_from_is_not_the_title(recorded):
    asked = "Interviewer: Why did you close your \xaerst shop?"
    lines = ["Interview with a Chef", "", asked, "", "Ann Lee: Rent."]
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(_typed_pdf([lines])))
    writer.add_metadata({"/Title": recorded})
    out = io.BytesIO()
    writer.write(out)
    t, found = answers("chef.pdf", out.getvalue())
    assert t.title == "Interview with a Chef"
    # The typeset "fi" ligature (byte 0xAE in the font's encoding) reads as the two letters.
    assert t.paragraphs[0].question == "Why did you close your first shop?" and found[0][-1] == "Rent."
