from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import BUNDLED, FIXTURES

from ingest import parse_bytes, read_document
from ingest.errors import InputFileError
from ingest.transcript import parse_transcript


def paragraphs(path: Path):
    doc = read_document(path)
    t = parse_transcript(doc)
    return doc, t, [(p, doc.text[p.start : p.end]) for p in t.paragraphs]


def test_bundled_transcript_structure():
    _, t, paras = paragraphs(BUNDLED)
    assert t.title == "Foreign Minister Sergey Lavrov’s interview with Chinese media, Moscow, March 22, 2021"
    assert t.date == "2021-03-22"
    assert t.questions == 5
    assert t.speakers == ["Sergey Lavrov"]
    assert sorted({p.turn for p, _ in paras}) == [1, 2, 3, 4, 5]
    assert all(p.question for p, _ in paras)
    assert paras[0][1].startswith("Our leaders and people regard relations")  # label stripped
    assert paras[0][0].question.startswith("This year Russia and China will mark 20 years")
    third = [p for p, _ in paras if p.turn == 3]
    assert third[0].question.startswith("The United States and its allies have been meddling")
    assert [p.paragraph for p in third] == list(range(1, len(third) + 1))
    # the page chrome at both ends is not speech
    texts = " ".join(text for _, text in paras)
    assert "Additional materials" not in texts and "Advanced settings" not in texts
    assert "en-GB1" not in texts
    assert paras[-1][1].endswith("while preparing to resume them in the traditional format.")


def test_q_and_a_labels_and_trailing_chrome():
    _, t, paras = paragraphs(FIXTURES / "qa_short.txt")
    assert t.title == "Interview of the Mayor of Springfield with the Gazette"
    assert t.date == "2020-05-05"
    assert [(p.turn, p.paragraph, text) for p, text in paras] == [
        (1, 1, "We will repair it this summer. The council voted for it last week."),
        (1, 2, "The work should take three months."),
        (2, 1, "The library stays open."),
    ]
    assert paras[0][0].question == "What will the city do about the bridge?"
    assert paras[2][0].question == "And the library?"


def test_hard_wrapped_markdown_with_front_matter_and_bare_q():
    _, t, paras = paragraphs(FIXTURES / "wrapped.md")
    assert t.title == "Press Call on Harbour Safety"
    assert t.date == "2022-07-14"
    assert t.url == "https://example.org/press/harbour"
    assert t.speakers == ["Harbour Master"]
    # "Repairs:" heads a paragraph of the harbour master's answer: labels here are in capitals
    assert [(p.turn, p.paragraph) for p, _ in paras] == [(1, 1), (1, 2), (1, 3), (2, 1)]
    assert paras[2][1] == "Repairs: the crane on Pier Two works again."
    assert paras[0][0].question.startswith("Good morning.")
    assert paras[3][0].question == "When will the fish market reopen?"
    assert " ".join(paras[0][1].split()).startswith("Thanks. The harbour reopened on Monday after the storm")
    # a wrapped line that runs on into "North Sound:" is not a new speaker
    assert " ".join(paras[1][1].split()).endswith(
        "islands of the North Sound: Arran, Bute and Cumbrae wait until June."
    )


def test_bare_q_with_one_space_opens_a_question():
    # A real briefing (whitehouse.gov, public domain) whose reporters' turns are "Q Thanks, Jen."
    _, t, paras = paragraphs(FIXTURES / "briefing_single_space_q.md")
    assert t.speakers == ["Ms. Psaki"]
    assert [(p.turn, p.paragraph) for p, _ in paras] == [(0, 1), (1, 1), (1, 2), (1, 3), (2, 1), (2, 2)]
    texts = " ".join(text for _, text in paras)
    assert "Thanks, Jen" not in texts and "I mean, basically" not in texts  # never quoted as an answer
    assert paras[1][0].question.startswith("Thanks, Jen. Two subjects.")
    assert paras[4][0].question.startswith("I mean, basically the U.S. economy")


def test_labels_in_a_briefing_written_in_capitals():
    _, t, paras = paragraphs(FIXTURES / "briefing_mixed_labels.md")
    assert t.speakers == ["Ms. Psaki", "Secretary Blinken"]  # not "Vaccinations"
    assert [(p.speaker, p.turn, p.paragraph) for p, _ in paras] == [
        ("Ms. Psaki", 0, 1),  # a label right after the page header, with no blank line
        ("Ms. Psaki", 1, 1),  # after a question that runs on to the line before it
        ("Ms. Psaki", 1, 2),  # "Vaccinations:" heads a paragraph of her answer
        ("Secretary Blinken", 2, 1),  # a guest in title case who speaks twice is a speaker
        ("Secretary Blinken", 3, 1),
        ("Ms. Psaki", 4, 1),
    ]
    assert paras[2][1].startswith("Vaccinations: we will ship")
    assert paras[3][0].question == "What about Iran?"  # "Question:" asks, in any case
    assert (
        " ".join(paras[1][0].question.split())
        == "Jen, what will the summit decide about the harbour ferries, Jen"
    )


def test_no_speaker_labels_is_unattributed_with_warning():
    _, t, paras = paragraphs(FIXTURES / "no_speakers.txt")
    assert t.warnings and "no speaker labels" in t.warnings[0]
    assert all(p.speaker is None and p.question is None for p, _ in paras)
    assert [text[:20] for _, text in paras] == ["The harbour reopened", "Ferries will run on "]


def test_a_colon_inside_a_sentence_is_not_a_speaker():
    doc = parse_bytes(
        "x.txt", b"Question: Why?\n\nJohn Smith: The reason is simple: money.\n\nThe plan: wait.\n"
    )
    t = parse_transcript(doc)
    assert [doc.text[p.start : p.end] for p in t.paragraphs] == [
        "The reason is simple: money.",
        "The plan: wait.",
    ]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"  \n\n ", "empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ],
)
def test_unusable_content_is_refused(name, data, message):
    with pytest.raises(InputFileError, match=re.escape(message)):
        parse_bytes(name, data)


def test_missing_and_unsupported_files(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        read_document(tmp_path / "nope.txt")
    (tmp_path / "x.docx").write_bytes(b"PK\x03\x04")
    with pytest.raises(InputFileError, match=r"unsupported file type \.docx"):
        read_document(tmp_path / "x.docx")


def test_html_text_is_extracted_without_scripts():
    html = b"""<html><head><title>Talk with A</title><script>var x=1;</script></head>
    <body><p>Question: Why now?</p><p>Ann Lee: Because it is <b>time</b>.</p></body></html>"""
    doc = parse_bytes("talk.html", html)
    t = parse_transcript(doc)
    assert t.title == "Talk with A"
    assert [doc.text[p.start : p.end] for p in t.paragraphs] == ["Because it is time."]
    assert "var x" not in doc.text


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("cp1252", b""),
        ("latin-1", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-32-le", b"\xff\xfe\x00\x00"),
    ],
)
def test_short_files_in_common_encodings_are_read_verbatim(encoding, prefix):
    text = "Q: Where did you grow up?\r\nA: In Zürich, naïve, for 50 € — I couldn’t stay.\r\n"
    if encoding == "latin-1":
        text = text.replace("€", "¤").replace("—", "-").replace("’", "'")
    doc = parse_bytes("x.txt", prefix + text.encode(encoding))
    assert doc.text == text.replace("\r\n", "\n")


@pytest.mark.parametrize(
    "data", [b"\xfe\xff" + b"\x00\x00" * 8 + b"PK\x03\x04", bytes(range(1, 32)) * 20 + b"Q: Hi?"]
)
def test_binary_is_refused_whatever_it_decodes_as(data):
    with pytest.raises(InputFileError, match="binary"):
        parse_bytes("x.txt", data)
