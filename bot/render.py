"""What every rendering of an Answer shares, and its plain-text form for the terminal."""

from __future__ import annotations

from bot.answer import Answer, Quote

NO_CONFIDENT_ANSWER = "No passage in the transcripts answers this confidently."


def citation_line(quote: Quote) -> str:
    p = quote.passage
    parts = [p.speaker or "Unattributed", p.title, p.date or "undated"]
    if p.turn:
        parts.append(f"question {p.turn}")
    parts.append(f"¶{p.paragraph}")
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
    if answer.follows:
        lines += [reading(answer), ""]
    if not answer.answered:
        lines += [NO_CONFIDENT_ANSWER + " The closest passages (low confidence):", ""]
    for rank, quote in enumerate(answer.quotes, 1):
        lines.append(f"[{rank}] {citation_line(quote)} · score {quote.score:.2f}")
        if quote.passage.question:
            lines.append(f"    Q: {_shorten(quote.passage.question)}")
        # Hard-wrapped sources keep their line breaks in the quote; here they would break the layout.
        lines.append(f"    “{' '.join(quote.text.split())}”")
        for h in quote.highlight:
            lines.append(f"    >> {' '.join(h.split())}")
        lines.append("")
    return "\n".join(lines).rstrip()


def reading(answer: Answer) -> str:
    """How the bot read a question that leans on an earlier one."""
    earlier = _shorten(answer.follows or "", 120)
    return f"More on “{earlier}”" if answer.more else f"Read as a follow-up to “{earlier}”"


def _shorten(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: text.rfind(" ", 0, limit)] + " …"
