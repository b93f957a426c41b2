"""Finding the structure of a transcript: title, date, speaker turns, answer paragraphs."""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

from ingest.document import Document, MarkedLabel, title_from_filename

# A speaker label opens a paragraph: "Sergey Lavrov:", "MS. PSAKI:", "Q:", a bare "Q  ",
# "Q Thanks, Jen." or "Q — and …" (White House style; one space only before a capital or a
# dash), deposition style "Q." and "A.", "ANDERSON COOPER, CNN ANCHOR:", "Dr. Jane Roe
# (Economist):", "**Host:**", after a timestamp ("[00:00:05] Interviewer:") or alone on its line
# with the speech below it ("Speaker 1 (00:00:02):", Otter's "Linda Park  0:07"). The regex
# finds the shape; _looks_like_name then asks that every word be capitalised, so a sentence with
# a colon ("The answer is simple: ...") is not mistaken for one.
_TIMESTAMP = r"\d{1,3}:\d\d(?::\d\d)?(?:[.,]\d{1,3})?"
_TIME_OR_RANGE = rf"{_TIMESTAMP}(?:\s*[-–—]\s*{_TIMESTAMP})?"  # "(00:00:05 - 00:00:12)"
_NAME = r"[^\W\d_][\w.'’\-]*(?:,?[^\S\n]+[^\W\d_][\w.'’\-]*){0,5}(?:[^\S\n]\d{1,3})?"
_LABEL = re.compile(
    rf"""
    (?:[\[(]?{_TIMESTAMP}[\])]?[^\S\n]+)?
    [*_]{{0,2}}
    (?:
        (?P<name>{_NAME})(?:[^\S\n]+[(\[](?P<role>[^()\[\]\n]{{1,60}})[)\]])?
        [*_]{{0,2}}[^\S\n]*:[*_]{{0,2}}
        (?:[^\S\n]*[\[(]{_TIMESTAMP}[\])])?  # "Mara Lindqvist: [00:00:10] …"
        (?:[^\S\n]+(?=\S)|(?P<alone>[^\S\n]*(?:\n\s*|\Z)))
      | (?P<timed>{_NAME})[^\S\n]{{2,}}{_TIMESTAMP}[^\S\n]*(?:\n\s*|\Z)
    )
    """,
    re.VERBOSE,
)
# A time opening a paragraph, also with no label after it ("[00:01:05] And then …"): not speech.
_LEADING_TIME = re.compile(rf"(?:[\[(]{_TIMESTAMP}[\])]|\d{{1,2}}:\d\d:\d\d(?:[.,]\d{{1,3}})?)\s+(?=\S)")
_DASH_Q = re.compile(r"[^\S\n]*Q[^\S\n]+[—–]")
_BARE_LABEL = re.compile(
    rf"(?:[\[(]?{_TIMESTAMP}[\])]?[^\S\n]+)?"
    r"(?P<bare>Q|A(?=\.[^\S\n]))(?:\.[^\S\n]*|[^\S\n]{2,}|\t|[^\S\n](?=[A-ZÀ-Þ“‘\x22\x27—–]))(?=\S)"
)
# Lower-case words inside a name: "Ursula von der Leyen", "Mohammed bin Salman", "d'Estaing".
_NAME_PARTICLES = {
    "von", "van", "der", "den", "de", "da", "di", "del", "della", "des", "du", "la", "le", "ter",
    "ten", "zu", "bin", "ibn", "al", "el", "dos", "das", "do", "y", "d", "l",
}  # fmt: skip
# A one-word label used once that is one of these opens a point of speech ("First:", "Finally:").
_SEQUENCE_WORDS = {
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "firstly", "secondly", "thirdly", "finally", "lastly", "next", "then", "also", "plus", "again",
}  # fmt: skip
_SENTENCE_END = set('.?!:;…—"”’)]')  # a wrapped line ending otherwise runs on
_LINK = re.compile(r"\bhttps?://")
_WORD = re.compile(r"[^\W_]")
_SENTENCE_CLOSE = re.compile(r"[.!?…][\"'”’)\]]*$")
_FINISHED_STATEMENT = re.compile(r"[.!…][\"'”’)\]]*$")
_HONORIFIC = re.compile(r"^(?:Mr|Ms|Mrs|Dr)\.? ")
_NOT_SPEAKERS = {
    "note",
    "notes",
    "source",
    "sources",
    "update",
    "updated",
    "date",
    "time",
    "title",
    "subject",
    "location",
    "transcript",
    "editor's note",
    "related",
    "see also",
    "tags",
    "published",
    "photo",
    "video",
    "read more",
    "share",
    "print",
    "keywords",
    "ps",
    "p.s.",
    "re",
    "fw",
    "url",
    "link",
}
_ANSWER_LABELS = {"a", "answer", "answers", "reply", "response", "responses"}
_INTERVIEWER_WORDS = {
    "q",
    "question",
    "questions",
    "interviewer",
    "moderator",
    "host",
    "anchor",
    "journalist",
    "reporter",
    "correspondent",
    "presenter",
    "press",
    "audience",
    "follow-up",
    "remark",
    "remarks",
}

_PRESS_SECRETARY = re.compile(r"\bpress secretary\b", re.IGNORECASE)
_SPOKESPERSON = re.compile(r"\bSpokesperson ((?:[A-Z][\w\-]+ ){0,2}[A-Z][\w\-]+)['’]s\b")

_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTH = (
    r"(?P<month>"
    + "|".join(m.capitalize() for m in _MONTHS)
    + r"|"
    + "|".join(m[:3].capitalize() for m in _MONTHS)
    + r")\.?"
)
_DATES = (
    re.compile(r"(?P<year>(?:19|20)\d\d)-(?P<mnum>[01]\d)-(?P<day>[0-3]\d)"),
    re.compile(rf"(?P<day>[0-3]?\d) {_MONTH},? (?P<year>(?:19|20)\d\d)"),
    re.compile(rf"{_MONTH} (?P<day>[0-3]?\d)(?:st|nd|rd|th)?,? (?P<year>(?:19|20)\d\d)"),
)
_PAGE_CHROME = re.compile(
    r"^(additional materials|advanced settings|print|share|back to top|related( materials)?|"
    r"tags|see also|subscribe|download|version for print|\W*)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int


@dataclass(frozen=True)
class Label:
    """A speaker label at the start of a paragraph or line."""

    name: str  # who speaks, as the turns know them: "Sergey Lavrov", "Speaker 1", "Jo Roe (Host)"
    end: int  # where the speech after it begins
    heading: bool  # only a colon follows it on its line, and no timestamp: "Key Points:" or "Host:"


@dataclass
class Turn:
    label: str | None
    paragraphs: list[Paragraph] = field(default_factory=list)
    speech_start: int = 0  # where the words after its label begin

    def words(self, text: str) -> str:
        return text[self.paragraphs[0].start : self.paragraphs[-1].end]


@dataclass
class AnswerParagraph:
    """One paragraph of an interviewee's answer, ready to be cut into passages."""

    start: int
    end: int
    speaker: str | None
    question: str | None
    turn: int
    paragraph: int
    time: str | None = None  # when it is spoken, where the transcript says: "00:01:05"


@dataclass
class Transcript:
    title: str
    date: str | None
    url: str | None
    paragraphs: list[AnswerParagraph]
    speakers: list[str]
    questions: int
    warnings: list[str]


def parse_transcript(doc: Document) -> Transcript:
    """Find title, date, turns and answer paragraphs in a document.

    Turns are opened by speaker labels; the interviewer is recognised by label (``Question``,
    ``Q``, ``Moderator`` …) or, failing that, as the speaker whose turns are mostly questions.
    Text before the first label is page preamble; the sentences in it (opening remarks) are kept
    as un-attributed speech. A document with no labels is kept whole as un-attributed text, with
    a warning.
    """
    text = doc.text
    paragraphs = _paragraphs(text, doc.body_start, doc.wrapped)
    if not doc.all_speech:
        paragraphs = _drop_trailing_chrome(text, paragraphs)
    turns = _turns(text, paragraphs, frozenset(doc.headings), doc.labels)
    preamble = turns[0].paragraphs if turns and turns[0].label is None else []
    preamble_lines = [
        line.strip().lstrip("#").strip() for p in preamble for line in text[p.start : p.end].split("\n")
    ]
    title = doc.title or _title_from(preamble_lines) or title_from_filename(doc.source)
    date = _normalise_date(doc.date) or _find_date([*preamble_lines, title, doc.source])
    warnings: list[str] = []

    labelled = [t for t in turns if t.label is not None]
    if not labelled:
        warnings.append(
            f"{doc.source}: no speaker labels (like 'Name:' or 'Question:') found; "
            "ingested as un-attributed text."
        )
        body = [p for p in preamble if doc.all_speech or not _is_metadata_line(text[p.start : p.end], title)]
        answers = [AnswerParagraph(p.start, p.end, None, None, 0, i) for i, p in enumerate(body, 1)]
        return Transcript(
            title, date, doc.url, _timed(text, paragraphs, answers, doc.body_start), [], 0, warnings
        )

    # Nobody is named beside opening remarks, and the guest's name would put a host's welcome
    # in the guest's mouth: they are quoted un-attributed.
    opening = [p for p in preamble if doc.all_speech or _is_opening_speech(text[p.start : p.end], title)]
    answers = [AnswerParagraph(p.start, p.end, None, None, 0, i) for i, p in enumerate(opening, 1)]
    interviewers = _interviewer_labels(text, labelled, title, by_asking=not doc.labels)
    asking = [t.label in interviewers for t in labelled]
    if doc.labels:
        asking = _asking_turns(text, labelled, asking)
    speakers: list[str] = []
    asked: list[tuple[int, str, str]] = []  # each question so far: its number, who asks, its words
    numbered = Counter({0: len(answers)})  # answer paragraphs so far, by question number
    for t, asks in zip(labelled, asking, strict=True):
        assert t.label is not None
        first = t.paragraphs[0]
        if asks:
            # Where the markup sets labels apart, a later paragraph's "Perm Territory:" is a word said.
            rest = [text[p.start : p.end] if doc.labels else _strip_label(text, p) for p in t.paragraphs[1:]]
            words = [text[t.speech_start : first.end], *rest]
            asked.append((len(asked) + 1, t.label, "\n\n".join(filter(None, words))))
            continue
        # The question a turn replies to is the last one put by someone else: a speaker's own
        # question, or the thanks after an answer, are not what the next words answer.
        number, _, question = next(
            ((n, who, q) for n, who, q in reversed(asked) if who != t.label), (0, "", None)
        )
        speaker = _display_name(t.label, title)
        if speaker and speaker not in speakers:
            speakers.append(speaker)
        spans = [(t.speech_start, first.end)]
        spans += [(p.start, p.end) for p in t.paragraphs[1:]]
        # Not a label alone on its line, nor a mark with no word in it ("<…>" for words left out, "* * *")
        spans = [(start, end) for start, end in spans if _WORD.search(text, start, end)]
        # Numbered within the question, not the turn, so that two replies to one question (two
        # guests, or one relabelled) never share a citation.
        for i, (start, end) in enumerate(spans, numbered[number] + 1):
            answers.append(AnswerParagraph(start, end, speaker, question, number, i))
        numbered[number] += len(spans)
    if not interviewers:
        warnings.append(f"{doc.source}: no interviewer recognised; every turn is treated as an answer.")
    return Transcript(
        title,
        date,
        doc.url,
        _timed(text, paragraphs, answers, doc.body_start),
        speakers,
        len(asked),
        warnings,
    )


def _timed(
    text: str, paragraphs: list[Paragraph], answers: list[AnswerParagraph], body_start: int
) -> list[AnswerParagraph]:
    """``answers`` with the time each is spoken at: the first written between it and the paragraph
    before (with its label, or a label alone on the line above: "[00:01:05] Host:", "Speaker 1
    (00:00:02 - 00:00:09):", "Linda Park  0:07"), or else, within a speaker's turn, the time of
    the paragraph before it."""
    ends = [p.end for p in paragraphs]
    previous: AnswerParagraph | None = None
    for answer in answers:
        before = bisect.bisect_right(ends, answer.start)  # paragraphs[:before] end before it starts
        if before and _alone_label(text, paragraphs[before - 1]):
            before -= 1
        gap = text[max(ends[before - 1] if before else 0, body_start) : answer.start]
        times = re.findall(_TIMESTAMP, gap)
        if times:
            answer.time = re.sub(r"[.,]\d+$", "", times[0])
        elif (
            previous and answer.speaker and (previous.turn, previous.speaker) == (answer.turn, answer.speaker)
        ):
            answer.time = previous.time
        previous = answer
    return answers


def _alone_label(text: str, paragraph: Paragraph) -> bool:
    found = _label_shape(text, paragraph.start, paragraph.end)
    return found is not None and not text[found.end : paragraph.end].strip()


def _paragraphs(text: str, start: int, wrapped: bool = False) -> list[Paragraph]:
    """Paragraph spans: blank-line separated blocks, or single lines when lines are not wrapped
    (unless the document says they are)."""
    blocks = [(m.start(), m.end()) for m in re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|\Z))+", text[start:])]
    blocks = [(start + s, start + e) for s, e in blocks]
    lines_in_blocks = [line for s, e in blocks for line in text[s:e].split("\n") if line.strip()]
    multi_line = sum(1 for s, e in blocks if text[s:e].strip().count("\n"))
    short = sum(1 for line in lines_in_blocks if len(line.rstrip()) <= 90)
    hard_wrapped = wrapped or (multi_line >= max(2, len(blocks) // 4) and short >= 0.7 * len(lines_in_blocks))
    paragraphs: list[Paragraph] = []
    for s, e in blocks:
        if hard_wrapped:
            # A label at the start of a wrapped line still opens a new paragraph: a name in
            # capitals or an interviewer's label always, any other (a place, an acronym) only
            # after a finished sentence ("…to cover the\nAfrican Union: South Africa, …").
            cut = pos = s
            previous = ""
            for line in text[s:e].split("\n"):
                found = _label_shape(text, pos, e) if pos > cut and line.strip() else None
                label = found.name if found else None
                # "Q — and …" takes up a question, but a dash also opens an aside ("a\nQ — that is,
                # a letter —"): after a finished sentence only.
                taken_up = _DASH_Q.match(line)
                sure = label and not taken_up and (_asks(label) or (_in_capitals(label) and " " in label))
                if label and (sure or previous.rstrip()[-1:] in _SENTENCE_END):
                    paragraphs.append(_trimmed(text, cut, pos))
                    cut = pos
                previous = line
                pos += len(line) + 1
            paragraphs.append(_trimmed(text, cut, e))
        else:
            pos = s
            for line in text[s:e].split("\n"):
                if line.strip():
                    paragraphs.append(_trimmed(text, pos, pos + len(line)))
                pos += len(line) + 1
    return [p for p in paragraphs if p.end > p.start]


def _trimmed(text: str, start: int, end: int) -> Paragraph:
    """The paragraph without the white space around it, nor the time it may open with."""
    while start < end and text[start].isspace():
        start += 1
    time = _LEADING_TIME.match(text, start, end)
    if time:
        start = time.end()
    while end > start and text[end - 1].isspace():
        end -= 1
    return Paragraph(start, end)


def _drop_trailing_chrome(text: str, paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Scraped pages end in menus ("Additional materials", "Advanced settings") and notes to the
    reader ("To view the slides, visit <https://…>"): not speech."""
    while paragraphs:
        last = text[paragraphs[-1].start : paragraphs[-1].end]
        short_fragment = len(last.split()) <= 3 and not re.search(r"[.!?\"”’)]$", last)
        note = _LINK.search(last) and not _label_shape(last, 0, len(last))
        if (
            _PAGE_CHROME.match(last.strip())
            or note
            or (short_fragment and not _label_shape(last, 0, len(last)))
        ):
            paragraphs = paragraphs[:-1]
        else:
            break
    return paragraphs


def label_at(line: str) -> Label | None:
    """The speaker label ``line`` opens with, if the parser may take it for one."""
    return _label_shape(line, 0, len(line))


def _label_shape(text: str, start: int, end: int) -> Label | None:
    """The label at ``start`` if something there has the shape of one and reads as a name."""
    m = _LABEL.match(text, start, end)
    name = " ".join((m.group("name") or m.group("timed")).split()) if m else ""
    if not m or not _looks_like_name(name):
        bare = _BARE_LABEL.match(text, start, end)
        return Label(bare.group("bare"), bare.end(), heading=False) if bare else None
    role = m.group("role")
    timed = bool(m.group("timed") or (role and re.fullmatch(_TIME_OR_RANGE, role.strip())))
    if role and not timed:  # a timestamp says nothing of who speaks
        name = f"{name} ({' '.join(role.split())})"
    return Label(name, m.end(), heading=m.group("alone") is not None and not timed)


def _looks_like_name(name: str) -> bool:
    """Every word capitalised ("Łukasz Nowak", "MS. PSAKI", "Speaker 2"), but for name particles."""
    words = name.replace(",", " ").split()
    if len(words) > 1 and words[-1].isdigit():
        words = words[:-1]
    return words[-1].lower() not in _NAME_PARTICLES and all(_name_word(w) for w in words)


def _name_word(word: str) -> bool:
    if word[0].isupper() or word.lower() in _NAME_PARTICLES:
        return True
    joined = re.match(r"([^\W\d_]+)['’\-](\w)", word)  # "al-Assad", "d'Estaing"
    return bool(joined and joined.group(1).lower() in _NAME_PARTICLES and joined.group(2).isupper())


def _label_at(text: str, p: Paragraph) -> Label | None:
    label = _label_shape(text, p.start, p.end)
    if label is None or _not_a_speaker(label.name):
        return None
    return label


def _not_a_speaker(name: str) -> bool:
    return _name_of(name).lower().rstrip(".") in _NOT_SPEAKERS


def _marked_labels(
    text: str, paragraphs: list[Paragraph], marked: tuple[MarkedLabel, ...]
) -> list[Label | None]:
    """Each paragraph's label where the markup sets labels apart: the markup decides. A label it
    marks opens a turn; so does the same name written plainly at the start of a paragraph, and
    the labels that only say who asks or answers ("Q:", "A:"); any other text before a colon
    ("Second:", "Perm Territory:") is speech."""
    at = {m.start: m for m in marked if not _not_a_speaker(m.name)}
    names = {m.name for m in at.values()}
    labels: list[Label | None] = []
    for p in paragraphs:
        found = at.get(p.start)
        if found:
            end = found.end + len(text[found.end : p.end]) - len(text[found.end : p.end].lstrip())
            labels.append(Label(found.name, end, heading=False))
            continue
        label = _label_at(text, p)
        generic = label and (_names_no_one(label.name) or _asks(label.name))
        labels.append(label if label and (label.name in names or generic) else None)
    return labels


def _speech_start(text: str, p: Paragraph) -> int:
    label = _label_at(text, p)
    return label.end if label else p.start


def _strip_label(text: str, p: Paragraph) -> str:
    return text[_speech_start(text, p) : p.end]


def _turns(
    text: str,
    paragraphs: list[Paragraph],
    headings: frozenset[int] = frozenset(),
    marked: tuple[MarkedLabel, ...] = (),
) -> list[Turn]:
    """The speaker turns. A heading ("Glassblowing: An Interview", "Part Two: The Workshop") opens
    one only with a label that opens other paragraphs too, or two headings (pages mark up "Q: …"
    as a heading, and Word users set labels in a heading style); else it is no one's speech, and
    before the first turn it may give the title. Where the markup sets labels apart, it
    decides (see :func:`_marked_labels`)."""
    labels = _marked_labels(text, paragraphs, marked) if marked else [_label_at(text, p) for p in paragraphs]
    headed = Counter(
        label.name for p, label in zip(paragraphs, labels, strict=True) if label and p.start in headings
    )
    outside = {
        label.name for p, label in zip(paragraphs, labels, strict=True) if label and p.start not in headings
    } | {name for name, n in headed.items() if n >= 2}
    labels = [
        None if p.start in headings and label and label.name not in outside else label
        for p, label in zip(paragraphs, labels, strict=True)
    ]
    named = [label.name for label in labels if label]
    counts = Counter(named)
    # Where speakers are labelled in capitals ("MS. PSAKI:", "Mr. KIRBY:"), a one-off title-case
    # phrase before a colon heads part of a statement ("Vaccinations:", "On Afghanistan:") or
    # quotes someone ("Jack Lew: “…”"); it is no speaker, unless it names an interviewer.
    in_capitals = len(named) >= 3 and sum(map(_in_capitals, named)) > len(named) / 2
    cast = len(counts) >= 2 and max(counts.values(), default=0) >= 2
    # Where labels stand on lines of their own ("Linda Park:" and the speech below), a one-off
    # one is a speaker too; among labels written inline, it is a heading ("Key Demands:").
    inline = sum(1 for label in labels if label and label.heading) <= len(named) / 2

    def opens_turn(label: Label) -> bool:
        if marked or counts[label.name] > 1 or _asks(label.name):
            return True
        if in_capitals and not _in_capitals(label.name):
            return False
        # A turn opens a sentence; a one-off label followed by lower case runs into one
        # ("Bottom Line: we were too proud"), and so does one word of sequence ("First:").
        runs_on = text[label.end : label.end + 1].islower()
        sequence = label.name.lower().rstrip(".") in _SEQUENCE_WORDS
        return not runs_on and not sequence and not (label.heading and cast and inline)

    turns: list[Turn] = [Turn(None)]
    for p, label in zip(paragraphs, labels, strict=True):
        if p.start in headings and not label and len(turns) > 1:
            continue
        if label and opens_turn(label):
            turns.append(Turn(label.name, [p], label.end))
        else:
            if not turns[-1].paragraphs:
                turns[-1].speech_start = p.start
            turns[-1].paragraphs.append(p)
    if marked:
        same = _same_speakers(Counter(t.label for t in turns if t.label))
        for t in turns:
            t.label = same.get(t.label, t.label) if t.label else None
    return [t for t in turns if t.paragraphs]


def _same_speakers(turns: Counter[str]) -> dict[str, str]:
    """Labels that name a speaker another label names more briefly: "President of Russia
    Vladimir Putin", "Gazprom CEO Alexei Miller" and "Vladimir Putin (Noise in the audience)" are
    Vladimir Putin and Alexei Miller where those labels open other turns, and so is "PRESS
    SECRETARY DMITRY PESKOV" Dmitry Peskov; a name spelt otherwise once ("Dmitry PeskoV") is
    the one spelt so most often (``turns`` counts each label's turns). A name of one word
    ("COOPER") is too short to tell."""
    same = {}
    for label in turns:
        long = _name_of(label).casefold().split()
        shorter = [
            other
            for other in turns
            if other != label
            and 2 <= len(other.split()) <= len(long)
            and long[-len(other.split()) :] == other.casefold().split()
            and (len(other.split()) < len(label.split()) or turns[other] > turns[label])
        ]
        if shorter:
            same[label] = max(shorter, key=lambda other: (turns[other], -len(other)))
    return same


def _name_of(label: str) -> str:
    """The label without its role: "Jo Roe (Host)" is Jo Roe."""
    return re.sub(r"\s*\([^()]*\)$", "", label)


def _in_capitals(label: str) -> bool:
    """Whether a label is written in capitals, a leading title aside: "MS. PSAKI", "Mr. KIRBY"."""
    return _HONORIFIC.sub("", _name_of(label), count=1).isupper()


def _label_words(label: str) -> set[str]:
    return {w.strip(".,'’()").lower() for w in label.split()}


def _asks(label: str) -> bool:
    """Whether a label names an interviewer: "Q", "Question", "MODERATOR", "Q Mr. President"; a
    press secretary answers ("Presidential Press Secretary Dmitry Peskov")."""
    return bool(_label_words(_PRESS_SECRETARY.sub("", label)) & _INTERVIEWER_WORDS)


def _interviewer_labels(text: str, turns: list[Turn], title: str, by_asking: bool = True) -> set[str]:
    """The labels of those who ask: by label ("Question", "MODERATOR", and their later short
    forms); at the press conference of a spokesperson the title names, everyone else ("CCTV:",
    "Reuters:"); or failing that (``by_asking``) the one speaker whose turns are mostly
    questions."""
    labels = {t.label for t in turns if t.label}
    named = {label for label in labels if _asks(label)}
    spokesperson = _SPOKESPERSON.search(title)
    if spokesperson:
        answering = {spokesperson.group(1).casefold(), *_ANSWER_LABELS}
        named |= {label for label in labels if _name_of(label).casefold().rstrip(".") not in answering}
    # "ANDERSON COOPER, CNN ANCHOR:" is later just "COOPER:".
    names = {w for label in named for w in _label_words(label) - _INTERVIEWER_WORDS if len(w) > 2}
    aliases = {label for label in labels if _label_words(label) <= names}
    if named or not by_asking:
        return named | aliases
    asks: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for t in turns:
        assert t.label is not None
        counts[t.label] += 1
        asks[t.label] += "?" in text[t.paragraphs[0].start : t.paragraphs[-1].end]
    if len(counts) < 2:
        return set()
    label, _ = max(
        ((lb, asks[lb] / counts[lb]) for lb in counts if counts[lb] >= 2),
        key=lambda x: x[1],
        default=(None, 0.0),
    )
    if label is not None and asks[label] / counts[label] >= 0.5:
        return {label}
    return set()


def _asking_turns(text: str, turns: list[Turn], asking: list[bool]) -> list[bool]:
    """``asking`` with the questions that named speakers put where the markup sets labels apart:
    at a news conference a journalist asks ("Valery Sanfirov: … How can climate change damage
    Russia?"), at a meeting the host asks a minister. A turn of anyone but the one who speaks
    most, with a question in it, that another named speaker takes up, puts a question: the
    question its reply cites, not an answer. (In plain text, where officials hand over with a
    question, "… Dr. Fauci?", and debaters ask back, labels alone tell who asks.)"""
    said: Counter[str] = Counter()  # the words of each named speaker ("Reply:" names no one)
    for t, asks in zip(turns, asking, strict=True):
        if not asks and t.label and not _names_no_one(t.label):
            said[t.label] += len(t.words(text).split())
    if not said:
        return asking
    principal = said.most_common(1)[0][0]
    asking = list(asking)
    for i, (t, reply) in enumerate(itertools.pairwise(turns)):
        taken_up = reply.label not in (t.label, None) and not asking[i + 1] and reply.label in said
        if not asking[i] and t.label != principal and taken_up and "?" in t.words(text):
            asking[i] = True
    return asking


def _names_no_one(label: str) -> bool:
    """Whether a label only says that someone answers: "A:", "Answer:", "Reply:"."""
    return _name_of(label).casefold().rstrip(".") in _ANSWER_LABELS


def _display_name(label: str, title: str = "") -> str | None:
    """The speaker as citations name them. A label that only says it answers ("A:", "Answer:")
    names no one (None), unless the title names the one spokesperson who answers ("Foreign
    Ministry Spokesperson Lu Kang's Regular Press Conference …"); a title in place of a name
    ("THE PRESIDENT:") is the person the transcript's title gives it to ("Remarks by President
    Biden …": President Biden)."""
    if _names_no_one(label):
        spokesperson = _SPOKESPERSON.search(title)
        return spokesperson.group(1) if spokesperson else None
    label = _name_of(label)
    office = re.fullmatch(r"(?i:the) ((?:[A-Z][a-z]*|[A-Z]+)(?: [A-Z][a-z]*| [A-Z]+)*)", label)
    if office:
        role = " ".join(w.capitalize() for w in office.group(1).split())
        holder = re.search(rf"\b{re.escape(role)}\s+([A-Z][\w'’\-]+)", title)
        if holder:
            return f"{role} {holder.group(1)}"
    if label.isupper() and len(label) > 2:
        return " ".join(w.capitalize() if w.isalpha() else w.title() for w in label.split())
    return label


def _title_from(lines: list[str]) -> str | None:
    for line in lines:
        if len(line.split()) >= 3 and not _is_date_only(line) and re.search(r"[a-z]", line):
            # "I grew up in a mining town." is speech; a title seldom ends with a full stop.
            return None if _FINISHED_STATEMENT.search(line) else line
    return None


def _is_date_only(line: str) -> bool:
    rest = line
    for pattern in _DATES:
        rest = pattern.sub("", rest)
    return not re.search(r"[A-Za-z]{2,}", rest)


def _is_metadata_line(paragraph: str, title: str) -> bool:
    line = paragraph.strip()
    short = len(line.split()) <= 3 and not _SENTENCE_CLOSE.search(line)  # but "Yes." is speech
    return line.lstrip("#").strip() == title or _is_date_only(line) or short


def _is_opening_speech(paragraph: str, title: str) -> bool:
    """Whether a paragraph before the first label is speech: sentences, not a heading or notice."""
    line = paragraph.strip()
    words = line.split()
    capitalised = sum(1 for w in words if w[0].isupper())
    return (
        not _is_metadata_line(line, title)
        and _SENTENCE_CLOSE.search(line) is not None
        and len(words) >= 2
        and capitalised <= len(words) / 2  # "THIS IS A RUSH TRANSCRIPT.", "En Route Washington, D.C."
        and (line[0].isalnum() or line[0] in "\"“‘'¿¡")  # not a heading, note, aside or quote block
        and not _LINK.search(line)  # "To view the slides, visit <https://…>" is a note to the reader
    )


def _find_date(candidates: list[str]) -> str | None:
    for line in candidates:
        for pattern in _DATES:
            m = pattern.search(line)
            if m:
                if "mnum" in m.groupdict():
                    month = int(m.group("mnum"))
                else:
                    month = [x[:3] for x in _MONTHS].index(m.group("month")[:3].lower()) + 1
                day = int(m.group("day"))
                if 1 <= month <= 12 and 1 <= day <= 31:
                    return f"{m.group('year')}-{month:02d}-{day:02d}"
    return None


def _normalise_date(value: str | None) -> str | None:
    return _find_date([value]) if value else None
