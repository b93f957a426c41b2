"""What every rendering of an Answer shares, and its plain-text form for the terminal."""

from __future__ import annotations

import calendar
from datetime import date

from bot.answer import Answer, Quote
from ingest import sentence_spans

NO_CONFIDENT_ANSWER = "No passage in the transcripts answers this confidently."
NOTHING_MORE = "Nothing more in the transcripts answers this confidently."
UNATTRIBUTED = "Unattributed"  # who speaks where the transcript names no one


def no_answer_note(answer: Answer) -> str:
    """What an answer below the threshold says: for a request for more ("Tell me more"), that the
    confident passages have run out."""
    return NOTHING_MORE if answer.more else NO_CONFIDENT_ANSWER


def citation_line(quote: Quote, title_limit: int = 0) -> str:
    """speaker · title · date · question N · ¶M · time; the date is left out when the title gives
    it, the time when the transcript gives none, and the title is shortened to ``title_limit``
    characters if one is given."""
    p = quote.passage
    parts = [p.speaker or UNATTRIBUTED, shorten(p.title, title_limit) if title_limit else p.title]
    if not _gives_date(p.title, p.date):
        parts.append(p.date or "undated")
    if p.turn:
        parts.append(f"question {p.turn}")
    parts.append(p.paragraph_label)
    if p.time:
        parts.append(p.time)
    return " · ".join(parts)


def highlight_segments(quote: Quote) -> list[tuple[str, bool]]:
    """``quote.text`` cut into (piece, is_highlighted) runs, in order, nothing lost or repeated."""
    text = quote.text
    marks = sorted((start, start + len(h)) for h in quote.highlight if h and (start := text.find(h)) >= 0)
    segments, pos = [], 0
    for start, end in marks:
        if start < pos:
            continue
        segments += [(text[pos:start], False), (text[start:end], True)]
        pos = end
    segments.append((text[pos:], False))
    return [(piece, marked) for piece, marked in segments if piece]


def answer_text(answer: Answer) -> str:
    """The terminal form of ``answer``."""
    if not answer.quotes:
        return "Nothing has been ingested yet: run `quotebot ingest PATH` first."
    lines: list[str] = []
    if notes := readings(answer):
        lines += [*notes, ""]
    if not answer.answered:
        lines += [no_answer_note(answer) + " The closest passages (low confidence):", ""]
    for rank, quote in enumerate(answer.quotes, 1):
        lines.append(f"[{rank}] {citation_line(quote)} · score {quote.score:.2f}")
        if quote.passage.question:
            lines.append(f"    Q: {asked_text(quote.passage.question)}")
        # Hard-wrapped sources keep their line breaks in the quote; here they would break the layout.
        lines.append(f"    “{' '.join(quote.text.split())}”")
        for h in quote.highlight:
            lines.append(f"    >> {' '.join(h.split())}")
        lines.append("")
    return "\n".join(lines).rstrip()


def readings(answer: Answer) -> list[str]:
    """How the bot read the question: with its spelling corrected, and leaning on an earlier one."""
    notes = []
    if answer.searched:
        notes.append(f"Searched for “{shorten(answer.searched, 120)}”")
    if answer.follows:
        earlier = shorten(answer.follows, 120)
        notes.append(f"More on “{earlier}”" if answer.more else f"Read as a follow-up to “{earlier}”")
    return notes


def shorten(text: str | None, limit: int = 300) -> str:
    """``text`` cut at a word boundary before ``limit`` characters, with an ellipsis if it was cut."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit] + " …"


def asked_text(question: str, limit: int = 300) -> str:
    """The interviewer's turn in at most about ``limit`` characters: a long turn sets the scene
    first and asks last, so it is shown from the sentences that ask ("… how can modern diplomacy
    respond?"), or from its start when none ends in a question mark or they do not fit."""
    text = " ".join(question.split())
    if len(text) <= limit:
        return text
    sentences = [text[a:b] for a, b in sentence_spans(text)]
    asking = [i for i, sentence in enumerate(sentences) if sentence.endswith("?")]
    if not asking:
        return shorten(text, limit)
    first = last = asking[-1]
    while first > 0 and len(" ".join(sentences[first - 1 : last + 1])) <= limit:
        first -= 1
    shown = " ".join(sentences[first : last + 1])
    if len(shown) > limit:
        return shorten(text, limit)
    return ("… " if first else "") + shown + (" …" if last < len(sentences) - 1 else "")


def _gives_date(title: str, iso_date: str | None) -> bool:
    """Whether ``title`` already says ``iso_date`` ("…, Moscow, March 22, 2021" says 2021-03-22)."""
    try:
        day = date.fromisoformat(iso_date or "")
    except ValueError:
        return False
    month = calendar.month_name[day.month]  # English: the C locale, which Python starts in
    written = (day.isoformat(), f"{month} {day.day}, {day.year}", f"{day.day} {month} {day.year}")
    title = " ".join(title.split()).lower()
    return any(w.lower() in title for w in written)


def counted(n: int, noun: str) -> str:
    """``n`` and ``noun``, in the plural unless ``n`` is 1: "1 passage", "3 passages"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
