"""Any text in, verbatim passages out: property-based tests (hypothesis) of the readers and the
chunker. Transcript-like text in any script, with control and invisible characters, RTL, emoji,
very long lines, no line breaks at all, CRLF and runs of blank lines, is read from every text
format (.txt, .md, .html, .srt, .vtt, .sbv) and cut into passages. Nothing raises but the
project's own errors, and every passage is a verbatim slice of the document at its recorded
offsets, within the token limits the store and the model set."""

from __future__ import annotations

import html

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import InputFileError, QuotebotError, count_tokens, parse_bytes, passages_from
from ingest.chunk import split_paragraph
from ingest.read import Document

MAX_TOKENS = 160  # ingest.DEFAULT_MAX_TOKENS: what passages_from cuts to

# Reproducible in CI: the same examples on every run, and no example database on disk.
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

# --- characters and words ------------------------------------------------------------------------

LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèüößøłąçñ'’-"
SCRIPTS = [
    "абвгдежзийклмнопрстуфхцчшщыэюяАБВГДЖЗИКЛМНПРСТ",  # Cyrillic
    "αβγδεζηθικλμνξοπρστυφχψωΑΒΓΔΩ",  # Greek
    "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",  # Arabic (RTL)
    "אבגדהוזחטיכלמנסעפצקרשת",  # Hebrew (RTL)
    "的一是不了人我在有他这中大来上个国",  # CJK, no spaces between words
    "कखगघचछजझटठडढणतथदधनपफबभमयरलवशसह",  # Devanagari
    "กขคงจฉชซญดตถทนบปผพฟภมยรลวสหอ",  # Thai, no spaces between words
]
EMOJI = ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🇺🇦", "❤️", "🏳️‍🌈", "🤷‍♀️", "1️⃣", "🫠"]
# Characters that are easy to get wrong: combining marks, zero-width and bidi controls, the
# private-use marks the HTML reader uses internally, odd white space and line separators.
TRICKY = [
    "\u0301", "\u0308", "\u20dd",  # combining marks
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",  # zero-width
    "\u200e", "\u200f", "\u202a", "\u202b", "\u202e", "\u2066", "\u2069",  # bidi controls
    "\ue000", "\ue001", "\ue002", "\U000f0000",  # private use
    "\xa0", "\u2003", "\u3000", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\t",  # spaces, breaks
    "\u00ad", "\ufffd", "\uffff", "\U0010ffff",  # soft hyphen, replacement, non-characters
]  # fmt: skip
CONTROLS = [chr(c) for c in range(1, 32) if chr(c) not in "\n\r"] + ["\x7f", "\x80", "\x9b", "\x9f"]
PUNCTUATION = [".", ",", "?", "!", "…", ":", ";", "—", "–", '"', "“", "”", "«", "»", "(", ")", "[", "]"]

latin_word = st.text(st.sampled_from(LATIN), min_size=1, max_size=12)
script_word = st.sampled_from(SCRIPTS).flatmap(lambda s: st.text(st.sampled_from(s), min_size=1, max_size=10))
# Any character but a lone surrogate (no file can hold one) and a control character: those come
# rarely (below), as the reader refuses a file where more than one character in a hundred is one.
any_char = st.characters(exclude_categories=["Cs", "Cc"])
token = st.one_of(
    latin_word,
    latin_word,
    script_word,
    st.sampled_from(EMOJI),
    st.sampled_from(TRICKY),
    st.sampled_from(PUNCTUATION),
    any_char,
    st.text(any_char, min_size=1, max_size=6),
)
# NUL is left out: the reader refuses it as binary on purpose (test_any_bytes… gives it some).
rare_control = st.sampled_from(CONTROLS)
gap = st.sampled_from([" ", " ", " ", " ", "  ", "\t", ". ", ", ", "? ", "! ", "… ", ": ", " — ", "\n"])


@st.composite
def speech(draw: st.DrawFn, max_tokens: int = 40) -> str:
    """Words in any script with white space and punctuation between them; at times one word or
    one sentence repeated into a very long line, or a "word" with no space in it at all."""
    kind = draw(st.sampled_from(["words", "words", "words", "repeated", "unbroken"]))
    if kind == "repeated":
        unit = draw(st.lists(token, min_size=1, max_size=8).map(" ".join))
        return (unit + draw(st.sampled_from([" ", ". ", ", ", ""]))) * draw(st.integers(20, 200))
    if kind == "unbroken":
        unit = draw(st.one_of(token, st.sampled_from(EMOJI), st.sampled_from(SCRIPTS)))
        return unit * draw(st.integers(100, 800))
    words = draw(st.lists(token, min_size=1, max_size=max_tokens))
    text = "".join(w + draw(gap) for w in words)
    if draw(st.integers(0, 9)) == 0:  # now and then a control character or two
        for _ in range(draw(st.integers(1, 2))):
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(rare_control) + text[at:]
    return text


# --- speaker labels and transcripts --------------------------------------------------------------

NAMES = [
    "Jane Roe", "Sergey Lavrov", "Łukasz Nowak", "Владимир Путин", "Ursula von der Leyen",
    "Dr. Jane O'Neil-Smith", "Mara Lindqvist", "Speaker 1", "Ωμέγα Άλφα", "HOST", "Host",
    "Interviewer", "Moderator", "ANDERSON COOPER, CNN ANCHOR", "محمد علي", "דוד כהן", "王伟",
]  # fmt: skip
capitalised = latin_word.map(lambda w: w[:1].upper() + w[1:])
name = st.one_of(st.sampled_from(NAMES), st.lists(capitalised, min_size=1, max_size=3).map(" ".join))
timestamp = st.builds(
    lambda h, m, s: f"{h:02d}:{m:02d}:{s:02d}", st.integers(0, 2), st.integers(0, 59), st.integers(0, 59)
)
label = st.one_of(
    name.map(lambda n: f"{n}: "),
    st.sampled_from(["Q: ", "A: ", "Question: ", "Answer: ", "Q. ", "A. ", "Q ", "Q — ", "Q\t"]),
    name.map(lambda n: f"MS. {n.upper()}: "),
    st.builds(lambda t, n: f"[{t}] {n}: ", timestamp, name),
    name.map(lambda n: f"**{n}:** "),
    name.map(lambda n: f"{n} (Host): "),
    st.builds(lambda n, t: f"{n} ({t}):\n", name, timestamp),  # Rev: the label alone on its line
    st.builds(lambda n, t: f"{n}  {t}\n", name, timestamp),  # Otter
    st.builds(lambda n, t: f"{n}: [{t}] ", name, timestamp),
    name.map(lambda n: f"{n}:\n"),
)
paragraph_break = st.sampled_from(
    ["\n\n", "\n\n", "\n", "\r\n", "\r\n\r\n", "\r", "\n\n\n\n\n", "\n \t\n", " "]
)


@st.composite
def transcript(draw: st.DrawFn) -> str:
    """Paragraphs of speech, most opened by a speaker label, between line breaks of any kind; or
    all on one line, with no line break at all."""
    one_line = draw(st.integers(0, 7)) == 0
    paragraphs = draw(st.lists(st.tuples(st.one_of(st.none(), label, label, label), speech()), max_size=8))
    text = draw(speech()) if not paragraphs or draw(st.booleans()) else ""  # opening remarks
    for who, said in paragraphs:
        text += (" " if one_line else draw(paragraph_break)) + (who or "") + said
    if one_line:
        text = text.replace("\r", " ").replace("\n", " ")
    return text


# --- checks --------------------------------------------------------------------------------------


def read_or_refuse(source: str, data: bytes) -> Document | None:
    """The document, or None where the reader refuses the file with one of the project's errors."""
    try:
        return parse_bytes(source, data)
    except QuotebotError:  # NotATranscriptError, InputFileError: said to the user, not a crash
        return None


def check_passages(doc: Document, fits) -> None:
    try:
        parsed = passages_from(doc, fits)
    except InputFileError as exc:
        assert "no answer text found" in str(exc)
        return
    assert parsed.passages
    for p in parsed.passages:
        assert 0 <= p.char_start < p.char_end <= len(doc.text)
        assert doc.text[p.char_start : p.char_end] == p.text
        assert p.source == doc.source
        assert p.char_start >= doc.body_start  # never the front matter
        assert p.text.strip(), p
        p.text.encode("utf-8")  # no lone surrogate: the store and the JSON answer take UTF-8
        assert count_tokens(p.text) <= MAX_TOKENS, p
        assert fits(p.text), p
        if p.speaker is not None:
            assert isinstance(p.speaker, str) and p.speaker.strip() and "\n" not in p.speaker, p
    assert len({p.id for p in parsed.passages}) == len(parsed.passages)


def as_read(text: str, encoding: str = "utf-8") -> str:
    """``text``, saved in ``encoding``, as quotebot reads it back: line endings as "\\n", and no
    byte-order mark (a text that starts with U+FEFF saved as UTF-8 is read as marked by it)."""
    text = text.removeprefix("\ufeff") if encoding == "utf-8" else text  # else the codec wrote one
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- the readers ---------------------------------------------------------------------------------


@PROPERTY
@given(text=transcript(), encoding=st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16"]))
def test_plain_text_is_read_verbatim_and_cut_into_passages(embedder, text, encoding):
    doc = read_or_refuse("interview.txt", text.encode(encoding))
    if doc is None:
        return
    assert doc.text == as_read(text, encoding)
    check_passages(doc, embedder.fits)


front_matter_value = st.one_of(
    name, speech(max_tokens=6).map(lambda s: s.replace("\r", " ").replace("\n", " ")), timestamp
)


@PROPERTY
@given(
    body=transcript(),
    meta=st.one_of(
        st.none(),
        st.fixed_dictionaries(
            {},
            optional={
                "title": front_matter_value,
                "date": st.sampled_from(
                    ["2021-03-22", "March 22, 2021", "22 Mar 2021", "yesterday", "[1, 2]"]
                ),
                "source_url": st.sampled_from(["https://example.org/x", "", "{a: b}", "'"]),
            },
        ),
    ),
    crlf=st.booleans(),
)
def test_markdown_with_or_without_front_matter(embedder, body, meta, crlf):
    text = body
    if meta is not None:
        text = "---\n" + "".join(f"{key}: {value}\n" for key, value in meta.items()) + "---\n" + body
    if crlf:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    doc = read_or_refuse("interview.md", text.encode("utf-8"))
    if doc is None:
        return
    assert doc.text == as_read(text)
    if doc.title is not None:
        assert doc.title.strip() and "\n" not in doc.title
    check_passages(doc, embedder.fits)


COMMENTED = "Zqxcommented"  # a word only ever written inside an HTML comment
ENTITIES = ["&amp;", "&nbsp;", "&mdash;", "&hellip;", "&lt;", "&gt;", "&quot;", "&#8217;", "&#x1F600;",
            "&bogus;", "&#0;", "&#xD800;", "&#1114112;", "&", "&#", "&amp"]  # fmt: skip


@st.composite
def html_text(draw: st.DrawFn) -> str:
    """Speech as a page writes it: escaped, with entities, line breaks in the source, and <br>."""
    said = html.escape(draw(speech()), quote=False)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(said)))
        inserted = [
            *ENTITIES,
            "<br>",
            "<br/>",
            "<i>",
            "</i>",
            "\n",
            f"<!-- {COMMENTED}\n -->",
            f"<!--\n{COMMENTED}-->",
        ]
        said = said[:at] + draw(st.sampled_from(inserted)) + said[at:]
    return said


@st.composite
def web_page(draw: st.DrawFn) -> str:
    paragraphs = []
    for _ in range(draw(st.integers(0, 8))):
        said = draw(html_text())
        who = html.escape(draw(name), quote=False)
        form = draw(st.integers(0, 6))
        if form == 0:
            paragraphs.append(f"<p><b>{who}:</b> {said}</p>")
        elif form == 1:
            paragraphs.append(f"<p><strong>{who}</strong>: {said}</p>")
        elif form == 2:
            paragraphs.append(f"<p><b>{who}</b> <i>(answering)</i><b>:</b> {said}</p>")
        elif form == 3:
            paragraphs.append(f"<p>{who}: {said}</p>")
        elif form == 4:
            paragraphs.append(f"<h2>{said}</h2>")
        elif form == 5:
            paragraphs.append(f"{said}<br>")
        else:
            paragraphs.append(f"<p>{said}</p>")
    title = html.escape(draw(speech(max_tokens=8)), quote=False)
    wrapper = draw(st.sampled_from(["article", "main", "div", "body"]))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<nav><a href='/'>Home</a></nav><{wrapper}>{''.join(paragraphs)}</{wrapper}>"
        # A page has a ";" after a stray "&#" (here "&copy;"): where none follows, Python's own
        # html.parser (3.11) reads the rest of the page, tags and all, as text.
        "<footer>&copy; 2024 Footer</footer></body></html>"
    )


@PROPERTY
@given(page=web_page())
def test_web_pages(embedder, page):
    doc = read_or_refuse("page.html", page.encode("utf-8"))
    if doc is None:
        return
    assert COMMENTED.casefold() not in doc.text.casefold()  # a comment is not read, even over two lines
    previous_end = 0
    for marked in doc.labels:  # in order, apart, each within one line of the text
        assert previous_end <= marked.start < marked.end <= len(doc.text)
        assert "\n" not in doc.text[marked.start : marked.end]
        assert marked.name and "\n" not in marked.name
        previous_end = marked.end
    assert list(doc.headings) == sorted(doc.headings)
    assert all(0 <= h <= len(doc.text) for h in doc.headings)
    check_passages(doc, embedder.fits)


def _clock(ms: int, separator: str, hours: bool = True) -> str:
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return (
        f"{h:02d}:{m:02d}:{s:02d}{separator}{ms:03d}" if hours else f"{h}:{m:02d}:{s:02d}{separator}{ms:03d}"
    )


CUE_DECORATION = ["", "", "", ">> ", "- ", "<i>", "[Music] ", "<c.yellow>", "<00:00:04.160>", "HOST: "]


@st.composite
def subtitles(draw: st.DrawFn, kind: str) -> str:
    """A subtitle file in valid cue syntax around random speech: a cue's lines are never blank."""
    out = ["WEBVTT\n\n"] if kind == "vtt" else []
    clock = 0
    for i in range(1, draw(st.integers(1, 10)) + 1):
        clock += draw(st.integers(0, 8000))
        end = clock + draw(st.integers(1, 6000))
        lines = [line for line in draw(speech()).split("\n") if line.strip()] or ["…"]
        lines = [line.replace("\r", " ") for line in lines][:3]
        lines[0] = draw(st.sampled_from(CUE_DECORATION)) + lines[0]
        if kind == "vtt" and draw(st.booleans()):
            lines[0] = f"<v {draw(name)}>" + lines[0]
        words = "\n".join(lines)
        if kind == "srt":
            out.append(f"{i}\n{_clock(clock, ',')} --> {_clock(end, ',')}\n{words}\n\n")
        elif kind == "vtt":
            out.append(f"{_clock(clock, '.')} --> {_clock(end, '.')}\n{words}\n\n")
        else:
            out.append(f"{_clock(clock, '.', False)},{_clock(end, '.', False)}\n{words}\n\n")
        clock = end
    return "".join(out)


@PROPERTY
@given(data=st.data(), kind=st.sampled_from(["srt", "vtt", "sbv"]))
def test_subtitles(embedder, data, kind):
    text = data.draw(subtitles(kind))
    doc = read_or_refuse(f"captions.{kind}", text.encode("utf-8"))
    if doc is None:
        return
    check_passages(doc, embedder.fits)


SUFFIXES = [".txt", ".md", ".html", ".srt", ".vtt", ".sbv", ".docx", ".pdf"]


@PROPERTY
@given(
    data=st.one_of(
        st.binary(max_size=2000),
        transcript()
        .map(lambda t: t.encode("utf-8"))
        .flatmap(
            lambda b: st.integers(0, len(b)).map(lambda n: b[:n] + b"\xff\xfe\x80\x00"[: n % 5] + b[n:])
        ),
    ),
    suffix=st.sampled_from(SUFFIXES),
)
def test_any_bytes_are_read_or_refused_with_a_reason(embedder, data, suffix):
    doc = read_or_refuse(f"file{suffix}", data)
    if doc is not None:
        check_passages(doc, embedder.fits)


# --- the chunker ---------------------------------------------------------------------------------


@PROPERTY
@given(text=speech(max_tokens=120), max_tokens=st.integers(4, 400))
def test_the_chunker_covers_the_paragraph_in_order_within_the_limits(embedder, text, max_tokens):
    # As passages_from gives it a paragraph: without the white space around it. A code point is at
    # most 4 bytes, so 4 tokens: the smallest limit a cut can always keep to.
    text = text.strip()
    if not text:
        return
    spans = split_paragraph(text, max_tokens, embedder.fits)
    assert spans
    previous_end = 0
    for s, e in spans:
        assert previous_end <= s < e <= len(text)
        piece = text[s:e]
        assert piece.strip()
        assert count_tokens(piece) <= max_tokens, (s, e, piece)
        assert embedder.fits(piece)
        previous_end = e
    covered = set()
    for s, e in spans:
        covered.update(range(s, e))
    assert all(i in covered for i, c in enumerate(text) if not c.isspace())


# --- regressions: the failures hypothesis found, as plain tests ----------------------------------


def test_a_word_longer_than_the_limit_is_cut_where_it_fits(embedder):
    # A "word" over the limit (a run of letters, a URL, emoji or Chinese with no space) was kept
    # whole: 200 tokens in one passage. Around it, the words are still cut between.
    for text in [
        "Aß" * 100,
        "short words here " + "x" * 2000,
        "x" * 2000 + " short words here",
        "👍🏽" * 300,
    ]:
        spans = split_paragraph(text, MAX_TOKENS, embedder.fits)
        assert len(spans) > 1
        assert all(count_tokens(text[s:e]) <= MAX_TOKENS and embedder.fits(text[s:e]) for s, e in spans)
        assert "".join(text[s:e] for s, e in spans).replace(" ", "") == text.replace(" ", "")
    text = "short words here " + "x" * 2000
    assert text[slice(*split_paragraph(text, MAX_TOKENS, embedder.fits)[0])] == "short words here"


def test_a_run_of_dots_too_long_for_the_model_is_cut(embedder):
    # 270 dots are few tokens but 270 word pieces: the model would have truncated the passage.
    text = "Jane Roe: \x01A  Jane Roe: 0. 0. 0. 0. 0. 0.  AAAAAAAAAAAA: " + "." * 270
    parsed = passages_from(parse_bytes("interview.txt", text.encode("utf-16")), embedder.fits)
    assert all(embedder.fits(p.text) and count_tokens(p.text) <= MAX_TOKENS for p in parsed.passages)
    assert "".join(p.text for p in parsed.passages).count(".") >= 270


def test_private_use_characters_on_a_page_are_not_taken_for_labels(embedder):
    # The reader marks labels and headings with U+E000–E002 while it lays the page out; the page's
    # own (an icon font's glyphs) made "Jane Roe: Hello there. We said" a speaker.
    page = (
        "<html><body><article><p><b>Jane Roe:</b> Hello there.</p><p>We said \ue002 something\ue001 odd.</p>"
        "<p>Other \ue002 Thing: more words.</p><h2>Intro \ue000 text</h2>"
        "<p><b>Jane Roe:</b> Yes indeed we did.</p></article></body></html>"
    )
    doc = parse_bytes("page.html", page.encode("utf-8"))
    assert [m.name for m in doc.labels] == ["Jane Roe", "Jane Roe"]
    assert [doc.text[h:].split("\n")[0] for h in doc.headings] == ["Intro text"]
    passages = passages_from(doc, embedder.fits).passages
    assert {p.speaker for p in passages} == {"Jane Roe"}
    assert [p.text for p in passages] == [  # short paragraphs of one answer are joined
        "Hello there.\n\nWe said something odd.\n\nOther Thing: more words.",
        "Yes indeed we did.",
    ]


def test_an_html_comment_over_two_lines_is_not_read_and_loses_no_speech():
    # Made a plain string when its line break became a space, the comment's words were read: here
    # they were not the page's main content, so the whole paragraph around them was left out.
    page = "<p>Jane Roe: More of it here<!-- another\nnote --> and on.</p><p>Jane Roe: Then more.</p>"
    doc = parse_bytes("page.html", page.encode("utf-8"))
    assert doc.text == "Jane Roe: More of it here and on.\n\nJane Roe: Then more.\n\n"
