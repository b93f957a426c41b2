"""Finding the structure of a transcript: title, date, speaker turns, answer paragraphs."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ingest.read import Document

# A speaker label opens a paragraph: "Sergey Lavrov:", "MS. PSAKI:", "Q:", a bare "Q  " or
# "Q Thanks, Jen." (White House style; one space only before a capital),
# "ANDERSON COOPER, CNN ANCHOR:". Every word is capitalised, so a sentence with a colon
# ("The answer is simple: ...") is not mistaken for one.
_WORD = r"[A-ZÀ-Þ][\w.'’\-]*"
_LABEL = re.compile(
    rf"(?P<label>{_WORD}(?:,? {_WORD}){{0,5}}|Q|A)[^\S\n]*:[^\S\n]+(?=\S)"
    r"|(?P<bare>Q)(?:\.|[^\S\n]{2,}|\t|[^\S\n](?=[A-ZÀ-Þ“‘\x22\x27]))(?=\S)"
)
_SENTENCE_END = set('.?!:;…—"”’)]')  # a wrapped line ending otherwise runs on
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
}

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


@dataclass
class Turn:
    label: str | None
    paragraphs: list[Paragraph] = field(default_factory=list)


@dataclass
class AnswerParagraph:
    """One paragraph of an interviewee's answer, ready to be cut into passages."""

    start: int
    end: int
    speaker: str | None
    question: str | None
    turn: int
    paragraph: int


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
    Text before the first label is page preamble, not speech. A document with no labels is
    kept whole as un-attributed text, with a warning.
    """
    text = doc.text
    paragraphs = _paragraphs(text, doc.body_start)
    paragraphs = _drop_trailing_chrome(text, paragraphs)
    turns = _turns(text, paragraphs)
    preamble = turns[0].paragraphs if turns and turns[0].label is None else []
    preamble_lines = [line.strip() for p in preamble for line in text[p.start : p.end].split("\n")]
    title = doc.title or _title_from(preamble_lines) or _title_from_filename(doc.source)
    date = _normalise_date(doc.date) or _find_date([*preamble_lines, title, doc.source])
    warnings: list[str] = []

    labelled = [t for t in turns if t.label is not None]
    if not labelled:
        warnings.append(
            f"{doc.source}: no speaker labels (like 'Name:' or 'Question:') found; "
            "ingested as un-attributed text."
        )
        body = [p for p in preamble if not _is_metadata_line(text[p.start : p.end], title)]
        answers = [AnswerParagraph(p.start, p.end, None, None, 0, i) for i, p in enumerate(body, 1)]
        return Transcript(title, date, doc.url, answers, [], 0, warnings)

    interviewers = _interviewer_labels(text, labelled)
    answers = []
    speakers: list[str] = []
    question: str | None = None
    number = 0
    for t in labelled:
        assert t.label is not None
        if t.label in interviewers:
            number += 1
            question = "\n\n".join(_strip_label(text, p) for p in t.paragraphs)
            continue
        speaker = _display_name(t.label)
        if speaker not in speakers:
            speakers.append(speaker)
        for i, p in enumerate(t.paragraphs, 1):
            start = p.start + _label_length(text, p) if i == 1 else p.start
            answers.append(AnswerParagraph(start, p.end, speaker, question, number, i))
    if not interviewers:
        warnings.append(f"{doc.source}: no interviewer recognised; every turn is treated as an answer.")
    return Transcript(title, date, doc.url, answers, speakers, number, warnings)


def _paragraphs(text: str, start: int) -> list[Paragraph]:
    """Paragraph spans: blank-line separated blocks, or single lines when lines are not wrapped."""
    blocks = [(m.start(), m.end()) for m in re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|\Z))+", text[start:])]
    blocks = [(start + s, start + e) for s, e in blocks]
    lines_in_blocks = [line for s, e in blocks for line in text[s:e].split("\n") if line.strip()]
    multi_line = sum(1 for s, e in blocks if text[s:e].strip().count("\n"))
    short = sum(1 for line in lines_in_blocks if len(line.rstrip()) <= 90)
    hard_wrapped = multi_line >= max(2, len(blocks) // 4) and short >= 0.7 * len(lines_in_blocks)
    paragraphs: list[Paragraph] = []
    for s, e in blocks:
        if hard_wrapped:
            # A label at the start of a wrapped line still opens a new paragraph: a name in
            # capitals or an interviewer's label always, any other (a place, an acronym) only
            # after a finished sentence ("…to cover the\nAfrican Union: South Africa, …").
            cut = pos = s
            previous = ""
            for line in text[s:e].split("\n"):
                m = _LABEL.match(text, pos) if pos > cut and line.strip() else None
                label = m and (m.group("label") or m.group("bare"))
                sure = label and (_asks(label) or (_in_capitals(label) and " " in label))
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
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Paragraph(start, end)


def _drop_trailing_chrome(text: str, paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Scraped pages end in menus ("Additional materials", "Advanced settings"): not speech."""
    while paragraphs:
        last = text[paragraphs[-1].start : paragraphs[-1].end]
        short_fragment = len(last.split()) <= 3 and not re.search(r"[.!?\"”’)]$", last)
        if _PAGE_CHROME.match(last.strip()) or (short_fragment and not _LABEL.match(last)):
            paragraphs = paragraphs[:-1]
        else:
            break
    return paragraphs


def _label_match(text: str, p: Paragraph) -> re.Match[str] | None:
    m = _LABEL.match(text, p.start, p.end)
    if not m:
        return None
    label = m.group("label") or m.group("bare")
    if label.lower().rstrip(".") in _NOT_SPEAKERS:
        return None
    return m


def _label_length(text: str, p: Paragraph) -> int:
    m = _label_match(text, p)
    return m.end() - p.start if m else 0


def _strip_label(text: str, p: Paragraph) -> str:
    return text[p.start + _label_length(text, p) : p.end]


def _turns(text: str, paragraphs: list[Paragraph]) -> list[Turn]:
    labels = []
    for p in paragraphs:
        m = _label_match(text, p)
        labels.append(" ".join((m.group("label") or m.group("bare")).split()) if m else None)
    named = [label for label in labels if label]
    counts = Counter(named)
    # Where speakers are labelled in capitals ("MS. PSAKI:", "Mr. KIRBY:"), a one-off title-case
    # phrase before a colon heads part of a statement ("Vaccinations:", "On Afghanistan:") or
    # quotes someone ("Jack Lew: “…”"); it is no speaker, unless it names an interviewer.
    in_capitals = len(named) >= 3 and sum(map(_in_capitals, named)) > len(named) / 2
    turns: list[Turn] = [Turn(None)]
    for p, label in zip(paragraphs, labels, strict=True):
        aside = (
            label is not None
            and in_capitals
            and counts[label] == 1
            and not _in_capitals(label)
            and not _asks(label)
        )
        if label and not aside:
            turns.append(Turn(label, [p]))
        else:
            turns[-1].paragraphs.append(p)
    return [t for t in turns if t.paragraphs]


def _in_capitals(label: str) -> bool:
    """Whether a label is written in capitals, a leading title aside: "MS. PSAKI", "Mr. KIRBY"."""
    return _HONORIFIC.sub("", label, count=1).isupper()


def _label_words(label: str) -> set[str]:
    return {w.strip(".,'’").lower() for w in label.split()}


def _asks(label: str) -> bool:
    """Whether a label names an interviewer: "Q", "Question", "MODERATOR", "Q Mr. President"."""
    return bool(_label_words(label) & _INTERVIEWER_WORDS)


def _interviewer_labels(text: str, turns: list[Turn]) -> set[str]:
    labels = {t.label for t in turns if t.label}
    named = {label for label in labels if _asks(label)}
    # "ANDERSON COOPER, CNN ANCHOR:" is later just "COOPER:".
    names = {w for label in named for w in _label_words(label) - _INTERVIEWER_WORDS if len(w) > 2}
    aliases = {label for label in labels if _label_words(label) <= names}
    if named:
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


def _display_name(label: str) -> str:
    if label.isupper() and len(label) > 2:
        return " ".join(w.capitalize() if w.isalpha() else w.title() for w in label.split())
    return label


def _title_from(lines: list[str]) -> str | None:
    for line in lines:
        if len(line.split()) >= 3 and not _is_date_only(line) and re.search(r"[a-z]", line):
            return line
    return None


def _title_from_filename(source: str) -> str:
    return re.sub(r"[_\s]+", " ", Path(source).stem).strip()


def _is_date_only(line: str) -> bool:
    rest = line
    for pattern in _DATES:
        rest = pattern.sub("", rest)
    return not re.search(r"[A-Za-z]{2,}", rest)


def _is_metadata_line(paragraph: str, title: str) -> bool:
    line = paragraph.strip()
    return line == title or _is_date_only(line) or len(line.split()) <= 3


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
