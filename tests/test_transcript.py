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
    assert {p.speaker for p, _ in paras} == {None} and t.speakers == []  # "A:" names no one


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


def test_bare_q_before_a_dash_opens_a_question():
    # Briefings print a reporter taking up a question cut short as "Q — and …"
    text = "MS. PSAKI: Go ahead.\n\nQ — just one more question about Brazil?\n\nMS. PSAKI: Sure.\n"
    doc = parse_bytes("briefing.txt", text.encode())
    t = parse_transcript(doc)
    assert [(p.turn, doc.text[p.start : p.end]) for p in t.paragraphs] == [(0, "Go ahead."), (1, "Sure.")]
    assert t.paragraphs[1].question == "— just one more question about Brazil?"
    # but in hard-wrapped text a dash after a line that runs on opens an aside, not a question
    wrapped = (
        "Question: What did\nyou get?\n\n"
        "Mara Lindqvist: I got a\nQ — that is, a letter — from the teacher.\n\n"
        "Question: Why did\nit hurt?\n\nMara Lindqvist: Because it\nwas unfair.\n"
    )
    doc = parse_bytes("aside.txt", wrapped.encode())
    t = parse_transcript(doc)
    assert t.questions == 2
    assert (
        doc.text[t.paragraphs[0].start : t.paragraphs[0].end]
        == "I got a\nQ — that is, a letter — from the teacher."
    )


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
    (tmp_path / "x.odt").write_bytes(b"PK\x03\x04")
    with pytest.raises(InputFileError, match=r"unsupported file type \.odt"):
        read_document(tmp_path / "x.odt")


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


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read(encoding):
    text = "Q: Where did you grow up?\nA: In Zürich, naïve — I couldn’t stay.\n"
    assert parse_bytes("x.txt", text.encode(encoding)).text == text


def test_a_stray_windows_byte_in_a_utf8_file_spoils_nothing_else():
    doc = parse_bytes("x.txt", "Q: Where?\nA: In Zürich ".encode() + b"\x96 twice.\n")
    assert doc.text == "Q: Where?\nA: In Zürich – twice.\n"


@pytest.mark.parametrize(
    "data", [b"\xfe\xff" + b"\x00\x00" * 8 + b"PK\x03\x04", bytes(range(1, 32)) * 20 + b"Q: Hi?"]
)
def test_binary_is_refused_whatever_it_decodes_as(data):
    with pytest.raises(InputFileError, match="binary"):
        parse_bytes("x.txt", data)


def answers(data: str, name: str = "x.txt") -> list[tuple[str | None, str | None, str]]:
    """(speaker, question, text) of every passage-to-be, parsed from ``data``."""
    doc = parse_bytes(name, data.encode())
    t = parse_transcript(doc)
    return [(p.speaker, p.question, doc.text[p.start : p.end]) for p in t.paragraphs]


def test_names_in_any_alphabet_with_particles_and_roles_are_speakers():
    data = (
        "Interviewer: What did the commission decide?\n\n"
        "Ursula von der Leyen: We suspend the tariffs.\n\n"
        "Interviewer: And the farmers?\n\n"
        "Łukasz Nowak: They are angry.\n\n"
        "Interviewer: And Russia?\n\n"
        "Владимир Путин: Мы не будем вводить ответные меры.\n\n"
        "Interviewer: Final thoughts?\n\n"
        "Dr. Jane O'Neil-Smith (Economist): Free trade is fragile.\n\n"
        "Interviewer: And in Syria?\n\n"
        "Valéry Giscard d'Estaing: Nothing.\n"
    )
    assert answers(data) == [
        ("Ursula von der Leyen", "What did the commission decide?", "We suspend the tariffs."),
        ("Łukasz Nowak", "And the farmers?", "They are angry."),
        ("Владимир Путин", "And Russia?", "Мы не будем вводить ответные меры."),
        ("Dr. Jane O'Neil-Smith", "Final thoughts?", "Free trade is fragile."),
        ("Valéry Giscard d'Estaing", "And in Syria?", "Nothing."),
    ]


def test_a_role_in_brackets_can_name_the_interviewer():
    data = "Jo Roe (Host): Why bees?\n\nSam Okafor: My grandmother kept them.\n"
    assert answers(data) == [("Sam Okafor", "Why bees?", "My grandmother kept them.")]


def test_markdown_bold_labels():
    data = (
        "# Episode 42\n\n**Host:** Why bees?\n\n**Sam Okafor:** My grandmother kept them.\n\n"
        "**Q**: And now?\n\n**A:** Twelve hives.\n\n__Host:__ Any stings?\n\n*Sam Okafor:* Hundreds.\n"
    )
    assert answers(data, "x.md") == [
        ("Sam Okafor", "Why bees?", "My grandmother kept them."),
        (None, "And now?", "Twelve hives."),
        ("Sam Okafor", "Any stings?", "Hundreds."),
    ]


def test_opening_remarks_before_the_first_label_are_kept_unattributed():
    data = (
        "Remarks by Governor Lopez on the water plan, 5 May 2021\n\n"
        "Good afternoon everyone. Today I am announcing a new water plan.\n\n"
        "It will replace lead pipes in two hundred schools.\n\n"
        "Q: When will construction start?\n\n"
        "GOVERNOR LOPEZ: Next spring.\n"
    )
    assert answers(data) == [
        (None, None, "Good afternoon everyone. Today I am announcing a new water plan."),
        (None, None, "It will replace lead pipes in two hundred schools."),
        ("Governor Lopez", "When will construction start?", "Next spring."),
    ]


def test_timestamps_before_a_label_are_not_quoted():
    data = (
        "[00:00:05] Interviewer: How did the strike start?\n"
        "[00:00:12] Linda Park: It started over the night shift.\n"
        "00:01:23 Interviewer: How long did it last?\n"
        "(00:01:30) Linda Park: Eleven days.\n"
    )
    assert answers(data) == [
        ("Linda Park", "How did the strike start?", "It started over the night shift."),
        ("Linda Park", "How long did it last?", "Eleven days."),
    ]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        (  # Rev
            "rev.txt",
            "Speaker 1 (00:00:02):\nHow did the strike start?\n\n"
            "Speaker 2 (00:00:07):\nOver the night shift.\n\n"
            "Speaker 1 (00:00:30):\nHow long did it last?\n\n"
            "Speaker 2 (00:00:33):\nEleven days.\n",
        ),
        (  # Otter
            "otter.txt",
            "Speaker 1  0:02\nHow did the strike start?\n\nSpeaker 2  0:07\nOver the night shift.\n\n"
            "Speaker 1  0:30\nHow long did it last?\n\nSpeaker 2  0:33\nEleven days.\n",
        ),
        (  # a label on its own line, the speech in the paragraph below
            "ownline.txt",
            "Interviewer:\n\nHow did the strike start?\n\nSpeaker 2:\n\nOver the night shift.\n\n"
            "Interviewer:\n\nHow long did it last?\n\nSpeaker 2:\n\nEleven days.\n",
        ),
        (
            "ownline.html",
            "<p><b>Interviewer:</b></p><p>How did the strike start?</p><p><b>Speaker 2:</b></p>"
            "<p>Over the night shift.</p><p><b>Interviewer:</b></p><p>How long did it last?</p>"
            "<p><b>Speaker 2:</b></p><p>Eleven days.</p>",
        ),
    ],
)
def test_labels_on_a_line_of_their_own(name, data):
    assert answers(data, name) == [
        ("Speaker 2", "How did the strike start?", "Over the night shift."),
        ("Speaker 2", "How long did it last?", "Eleven days."),
    ]


def test_deposition_q_and_a_with_full_stops():
    data = (
        "Deposition of Mark Ellis, 4 April 2019\n\n"
        "Q. Where were you on the night of the fire?\n"
        "A. At my sister's house.\n\n"
        "Q. Did anyone see you leave?\n"
        "A. My neighbour waved.\n"
    )
    assert answers(data) == [
        (None, "Where were you on the night of the fire?", "At my sister's house."),
        (None, "Did anyone see you leave?", "My neighbour waved."),
    ]


def test_a_one_off_opener_before_a_colon_is_speech_not_a_speaker():
    data = (
        "Interviewer: What went wrong?\n\n"
        "Tom Becker: Two things went wrong.\n\n"
        "First: the supplier shipped the wrong batteries.\n\n"
        "Second: our testing was rushed.\n\n"
        "Interviewer: Would you change anything?\n\n"
        "Tom Becker: Yes.\n\n"
        "Bottom Line: we were too proud to delay.\n"
    )
    assert answers(data) == [
        ("Tom Becker", "What went wrong?", "Two things went wrong."),
        ("Tom Becker", "What went wrong?", "First: the supplier shipped the wrong batteries."),
        ("Tom Becker", "What went wrong?", "Second: our testing was rushed."),
        ("Tom Becker", "Would you change anything?", "Yes."),
        ("Tom Becker", "Would you change anything?", "Bottom Line: we were too proud to delay."),
    ]


def test_without_labels_a_first_sentence_and_short_replies_are_speech():
    data = (
        "I grew up in a mining town and left at seventeen.\n"
        "When the mine closed the town emptied.\n"
        "Yes.\n"
        "By Ann Lee\n"
    )
    doc = parse_bytes("mining.txt", data.encode())
    t = parse_transcript(doc)
    assert t.title == "mining"
    assert [doc.text[p.start : p.end] for p in t.paragraphs] == [
        "I grew up in a mining town and left at seventeen.",
        "When the mine closed the town emptied.",
        "Yes.",
    ]


def test_a_one_off_heading_on_its_own_line_is_not_a_speaker():
    data = (
        "Interviewer: What happened?\n\nLinda Park: We went on strike.\n\n"
        "Key Demands:\n\nOvertime pay back.\n\n"
        "Interviewer: And then?\n\nLinda Park: We won.\n"
    )
    assert answers(data) == [
        ("Linda Park", "What happened?", "We went on strike."),
        ("Linda Park", "What happened?", "Key Demands:"),
        ("Linda Park", "What happened?", "Overtime pay back."),
        ("Linda Park", "And then?", "We won."),
    ]


def test_a_timestamped_label_on_its_own_line_is_a_speaker_even_once():
    data = (
        "Speaker 1 (00:00:02):\nWhat happened?\n\nSpeaker 2 (00:00:05):\nWe went on strike.\n\n"
        "Speaker 3 (00:00:09):\nI was there too.\n\n"
        "Speaker 1 (00:00:12):\nAnd then?\n\nSpeaker 2 (00:00:14):\nWe won.\n"
    )
    assert answers(data) == [
        ("Speaker 2", "What happened?", "We went on strike."),
        ("Speaker 3", "What happened?", "I was there too."),
        ("Speaker 2", "And then?", "We won."),
    ]


def test_a_one_off_speaker_whose_name_opens_like_a_point_is_still_a_speaker():
    data = (
        "Moderator: What should change?\n\nAnna Schmidt: Free lunches.\n\n"
        "First Lady Jill Biden: Breakfast matters as much.\n\n"
        "Moderator: What do the unions think?\n\nNo Hong-chul: Far too little.\n\n"
        "Second Caller: They cut my commute.\n\nShort Answer: we trusted them too much.\n\n"
        "Moderator: Thanks.\n\nAnna Schmidt: Thank you.\n"
    )
    assert answers(data) == [
        ("Anna Schmidt", "What should change?", "Free lunches."),
        ("First Lady Jill Biden", "What should change?", "Breakfast matters as much."),
        ("No Hong-chul", "What do the unions think?", "Far too little."),
        ("Second Caller", "What do the unions think?", "They cut my commute."),
        ("Second Caller", "What do the unions think?", "Short Answer: we trusted them too much."),
        ("Anna Schmidt", "Thanks.", "Thank you."),
    ]


def test_a_one_off_speaker_on_a_line_of_their_own_among_such_labels():
    data = (
        "Interviewer:\nHow did the strike start?\n\nLinda Park:\nOver the night shift.\n\n"
        "Tom Hale:\nI called the vote.\n\nInterviewer:\nHow long?\n\nLinda Park:\nEleven days.\n"
    )
    assert answers(data) == [
        ("Linda Park", "How did the strike start?", "Over the night shift."),
        ("Tom Hale", "How did the strike start?", "I called the vote."),
        ("Linda Park", "How long?", "Eleven days."),
    ]


def test_two_replies_to_one_question_never_share_a_citation():
    data = (
        "Q: What should mayors do first?\n"
        "A: Map the drainage.\n"
        "A: And second, talk to insurers early.\n\n"
        "Moderator: Anyone else?\n\nJo Roe: Plant trees.\n\nAl Poe: Raise the roads.\n\nBuild walls.\n"
    )
    t = parse_transcript(parse_bytes("x.txt", data.encode()))
    assert [(p.speaker, p.turn, p.paragraph) for p in t.paragraphs] == [
        (None, 1, 1),
        (None, 1, 2),
        ("Jo Roe", 2, 1),
        ("Al Poe", 2, 2),
        ("Al Poe", 2, 3),
    ]


def test_html_definition_lists_and_table_cells_keep_their_words_apart():
    html = (
        "<html><body><dl><dt>Interviewer:</dt><dd>Any regrets?</dd>"
        "<dt>Jo March:</dt><dd>None at all.</dd></dl>"
        "<table><tr><td>JOHN DOE</td><td>I worked in the mine.</td></tr></table></body></html>"
    )
    doc = parse_bytes("x.html", html.encode())
    assert "JOHN DOE I worked in the mine." in doc.text
    t = parse_transcript(doc)
    assert ("Jo March", "Any regrets?", "None at all.") in [
        (p.speaker, p.question, doc.text[p.start : p.end]) for p in t.paragraphs
    ]
