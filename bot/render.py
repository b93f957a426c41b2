"""Rendering an Answer as safe Markdown (for the chat) and plain text (for the terminal)."""

from __future__ import annotations

import html
import re

from bot.answer import Answer, Quote

NO_CONFIDENT_ANSWER = "No passage in the transcripts answers this confidently."
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<])")


def escape_markdown(text: str) -> str:
    """Text shown exactly as written: HTML escaped first, then Markdown's special characters."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(" ".join(text.split()), quote=True))


def citation_line(quote: Quote) -> str:
    p = quote.passage
    parts = [p.speaker or "Unattributed", p.title, p.date or "undated"]
    if p.turn:
        parts.append(f"question {p.turn}")
    parts.append(f"¶{p.paragraph}")
    return " · ".join(parts)


def _quoted_with_highlight(quote: Quote) -> str:
    """The quote with its highlighted sentences in bold; everything escaped."""
    text = quote.text
    marks = sorted((start, start + len(h)) for h in quote.highlight if (start := text.find(h)) >= 0)
    out, pos = [], 0
    for start, end in marks:
        if start < pos:
            continue
        out.append(escape_markdown(text[pos:start]))
        out.append(f"**{escape_markdown(text[start:end])}**")
        pos = end
    out.append(escape_markdown(text[pos:]))
    return " ".join(piece for piece in out if piece)


def answer_markdown(answer: Answer) -> str:
    """The chat message for ``answer``: block quotes, bold highlights, a citation under each."""
    if not answer.quotes:
        return "Nothing has been ingested yet, so there is nothing to quote."
    lines: list[str] = []
    if not answer.answered:
        lines += [f"**{NO_CONFIDENT_ANSWER}** The closest passages, low confidence:", ""]
    for quote in answer.quotes:
        if quote.passage.question:
            lines.append(f"*Asked:* {escape_markdown(_shorten(quote.passage.question))}")
            lines.append("")
        lines.append(f"> {_quoted_with_highlight(quote)}")
        lines.append("")
        lines.append(f"— {escape_markdown(citation_line(quote))} · relevance {quote.score:.0%}")
        lines.append("")
    return "\n".join(lines).strip()


def answer_text(answer: Answer) -> str:
    """The terminal form of ``answer``."""
    if not answer.quotes:
        return "Nothing has been ingested yet: run `quotebot ingest PATH` first."
    lines: list[str] = []
    if not answer.answered:
        lines += [NO_CONFIDENT_ANSWER + " The closest passages (low confidence):", ""]
    for rank, quote in enumerate(answer.quotes, 1):
        lines.append(f"[{rank}] {citation_line(quote)} · score {quote.score:.2f}")
        if quote.passage.question:
            lines.append(f"    Q: {_shorten(quote.passage.question)}")
        lines.append(f"    “{quote.text}”")
        for h in quote.highlight:
            lines.append(f"    >> {h}")
        lines.append("")
    return "\n".join(lines).rstrip()


def _shorten(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: text.rfind(" ", 0, limit)] + " …"
