"""The browser's HTML for answers, sources and the source viewer: pure functions, everything escaped.

Every string that comes from a transcript (quote, question, title, speaker, file name, URL) goes
through :func:`esc` before it reaches the page. The chat sanitises what it shows as well; the
source viewer does not, so escaping here is what keeps a transcript's ``<script>`` inert.
Links carry a passage id in their ``href`` (``#src=…`` opens the viewer, ``#copy=…`` copies the
quote, ``#link=…`` copies the app's address that opens the viewer on it, ``?passage=ID``;
``#mark=…`` records which quote answers, see ``bot/marks.py``; ``#play=…`` opens the viewer
playing the passage's recording); the page's one click handler reads them (see
``static/quotebot.js``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote as url_quote
from urllib.parse import urlparse

from bot.answer import Answer, Quote
from bot.context import Context
from bot.marks import MARK_KEY
from bot.render import (
    UNATTRIBUTED,
    asked_text,
    citation_line,
    counted,
    highlight_segments,
    no_answer_note,
    readings,
)
from ingest import Passage
from ingest.media import PLAYABLE, media_kind, seconds
from vectorstore import IngestReport, SourceInfo

TITLE_CHARS = 90
"""A longer title is shortened in a citation (in full in its tooltip and when copied)."""

PASSAGE_ID = re.compile(r"[0-9a-f]{24}")
"""What a passage id looks like; anything else in a ``#src=`` link is refused before a lookup."""
_BLANK_LINE = re.compile(r"\n\s*\n")  # between the paragraphs a joined passage holds

# The chat renders Markdown and LaTeX around HTML blocks; these characters are written as
# entities so that quoted text always shows exactly as written, whatever the renderer does.
_INERT = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_[]$~"})


def esc(text: str | None) -> str:
    """``text`` as inert HTML: markup escaped, whitespace collapsed, Markdown specials as entities."""
    return html.escape(" ".join((text or "").split()), quote=True).translate(_INERT)


def relevance(score: float, min_score: float) -> str:
    """A word for ``score``: weak below the answering threshold, strong in the top third above it."""
    if score < min_score:
        return "weak"
    return "strong" if score >= min_score + (1.0 - min_score) / 3 else "moderate"


def _quote_body(quote: Quote) -> str:
    """The quote with its highlighted sentences marked; ``[…]`` gaps are kept as written."""
    return " ".join(
        f'<mark class="qb-hl">{esc(piece)}</mark>' if marked else esc(piece)
        for piece, marked in highlight_segments(quote)
    )


def _relevance_html(score: float, min_score: float) -> str:
    word = relevance(score, min_score)
    percent = round(max(0.0, min(1.0, score)) * 100)
    width = round(percent / 5)  # the bar's fill, in steps of 5% (a class: the chat drops inline styles)
    title = f"Relevance {percent}%: {word}. Answers above {round(min_score * 100)}% count as confident."
    return (
        f'<span class="qb-rel qb-rel-{word}" title="{esc(title)}">'
        f'<span class="qb-bar" aria-hidden="true"><span class="qb-fill qb-w-{width}"></span></span>'
        f'<span class="qb-rel-text">{word} · {percent}%</span></span>'
    )


def quote_card(quote: Quote, rank: int, min_score: float, asked_before: bool = False, mark: str = "") -> str:
    """One quote: the question it answers, the quote, its citation, relevance, and links that copy
    the quote and a link to it.

    ``asked_before``: the previous card quotes an answer to the same question, so the question
    is shown on one line. ``mark``: the key of its "This one answers" link (bot/marks.py), if any.
    """
    p = quote.passage
    weak = quote.score < min_score
    again = " qb-again" if asked_before else ""
    asked = (
        f'<div class="qb-asked{again}"><span class="qb-label">Asked</span> '
        f"{esc(asked_text(p.question, 240))}</div>"
        if p.question
        else ""
    )
    return (
        f'<div class="qb-card{" qb-weak" if weak else ""}">'
        f"{asked}"
        f'<blockquote class="qb-quote">{_quote_body(quote)}</blockquote>'
        f'<div class="qb-cite">'
        f'<a class="qb-src" href="#src={p.id}" title="Open this passage in its context">'
        f'<span class="qb-rank">{rank}</span>'
        f'<span class="qb-cite-text" title="{esc(citation_line(quote))}">'
        f"{esc(citation_line(quote, TITLE_CHARS))}</span></a>"
        f"{_play_link(p)}"
        f"{_original_link(p.url)}"
        f"{_relevance_html(quote.score, min_score)}"
        f'<span class="qb-actions">'
        f"{_mark_link(mark, 'This one answers', MARK_ONE_TITLE)}"
        f'<a class="qb-copy" href="#copy={p.id}" title="Copy the quote and its citation">Copy</a>'
        f'<a class="qb-link" href="#link={p.id}" '
        f'title="Copy a link that opens this passage in its context">Link</a>'
        f"</span></div></div>"
    )


def answer_html(answer: Answer, min_score: float, only: Sequence[str] = (), marks: Sequence[str] = ()) -> str:
    """The chat message for ``answer``: one card per quote, or the closest passages marked as weak.

    ``only``: the transcripts and speakers the filters kept the answer to, if any. ``marks``: the
    keys of its mark links (bot/marks.py ``mark_keys``): "None of these" first, then one per
    quote; without them the answer has no mark links.
    """
    scope = f'<p class="qb-scope">Only from {esc(", ".join(only))}</p>' if only else ""
    if not answer.quotes:
        return (
            f'<div class="qb-answer">{scope}<p class="qb-empty">Nothing in the transcripts matches: '
            "no source has been ingested, or the filters exclude them all.</p></div>"
        )
    head = scope
    if notes := readings(answer):
        head += f'<p class="qb-reading">{"<br>".join(map(esc, notes))}</p>'
    if not answer.answered:
        head += (
            '<div class="qb-lowconf" role="status">'
            f"<strong>{esc(no_answer_note(answer))}</strong> "
            "<span>The closest passages are below, marked as low confidence.</span></div>"
        )
    cards = "".join(
        quote_card(
            q,
            rank,
            min_score,
            asked_before=rank > 1 and _same_question(q, answer.quotes[rank - 2]),
            mark=marks[rank] if rank < len(marks) else "",
        )
        for rank, q in enumerate(answer.quotes, 1)
    )
    none = _mark_link(marks[0], "None of these", MARK_NONE_TITLE, " qb-mark-none") if marks else ""
    foot = f'<div class="qb-marks">{none}</div>' if none else ""
    return f'<div class="qb-answer">{head}{cards}{foot}</div>'


MARK_ONE_TITLE = (
    "Record this quote as the one that answers the question: a line in marked.jsonl beside the "
    "store, which “quotebot eval marked” measures"
)
MARK_NONE_TITLE = (
    "Record that no quote here answers the question: a line in marked.jsonl beside the store, which "
    "“quotebot eval marked” measures"
)


def _mark_link(key: str, label: str, title: str, kind: str = "") -> str:
    """A mark link (bot/marks.py): the page's script sends its key to the chat, which appends the
    line; nothing for an empty or malformed key."""
    if not MARK_KEY.fullmatch(key or ""):
        return ""
    return f'<a class="qb-mark{kind}" href="#mark={key}" title="{esc(title)}">{esc(label)}</a>'


def _same_question(a: Quote, b: Quote) -> bool:
    same = (a.passage.source, a.passage.turn) == (b.passage.source, b.passage.turn)
    return same and bool(a.passage.turn)


def error_html(message: str) -> str:
    """The chat message for a question that was refused."""
    return f'<div class="qb-answer"><p class="qb-error">{esc(message)}</p></div>'


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an http(s) address, else None (a ``javascript:`` link never becomes a link)."""
    if not url:
        return None
    parsed = urlparse(url.strip())
    return url.strip() if parsed.scheme in ("http", "https") and parsed.netloc else None


def _original_link(url: str | None) -> str:
    link = safe_url(url)
    if not link:
        return ""
    return (
        f'<a class="qb-orig" href="{html.escape(link, quote=True)}" target="_blank" '
        'rel="noopener noreferrer nofollow" title="The original, on the web">original ↗</a>'
    )


def _play_link(p: Passage) -> str:
    """The "▶ at 00:01:05" link: opens the viewer playing the passage's recording from its time;
    nothing for a passage without a time, or without a recording a browser plays."""
    if not p.media or seconds(p.time) is None or Path(p.media).suffix.lower() not in PLAYABLE:
        return ""
    return (
        f'<a class="qb-play" href="#play={p.id}" title="Play the recording from {esc(p.time)}">'
        f"▶ at {esc(p.time)}</a>"
    )


def media_url(path: str) -> str:
    """Gradio's file route for a recording it serves (``allowed_paths``: bot/chat.py), relative to
    the page: the player's source, never a link the page shows."""
    return "gradio_api/file=" + url_quote(path, safe="/")


def _media_html(ctx: Context) -> str:
    """The recording of the viewer's passage: a player cued to its time (the page's script seeks
    when it has loaded, and plays when its card's ▶ was clicked), or why there is none."""
    p = ctx.passage
    if not p.media:
        return ""
    name = Path(p.media).name
    if ctx.media_problem:
        return f'<p class="qb-v-media qb-v-media-off" role="note">{esc(ctx.media_problem)}</p>'
    start = seconds(p.time)
    tag = "video" if media_kind(p.media) == "video" else "audio"
    cue = f' data-start="{start:g}"' if start is not None else ""
    at = f" from {esc(p.time)}" if start is not None else ""
    return (
        f'<div class="qb-v-media"><{tag} class="qb-player" controls preload="metadata" '
        f'src="{html.escape(media_url(p.media), quote=True)}" data-passage="{p.id}"{cue} '
        f'aria-label="The recording{at}"></{tag}>'
        f'<span class="qb-v-media-note">Recording: {esc(name)}{at}</span></div>'
    )


def _meta_line(p: Passage) -> str:
    parts = [p.speaker or UNATTRIBUTED, p.date or "undated"]
    if p.turn:
        parts.append(f"question {p.turn}")
    return " · ".join(esc(x) for x in parts)


def context_html(ctx: Context) -> str:
    """The source viewer: the question, the answer's paragraphs, the quoted passage marked."""
    p = ctx.passage
    url = safe_url(p.url)
    original = (
        f'<a class="qb-original" href="{html.escape(url, quote=True)}" target="_blank" '
        f'rel="noopener noreferrer nofollow">Open the original ↗</a>'
        if url
        else ""
    )
    out = [
        '<article class="qb-viewer">',
        f'<header><div class="qb-v-title">{esc(p.title)}</div>',
        f'<div class="qb-v-meta">{_meta_line(p)}<span class="qb-v-file">{esc(p.source)}</span></div>',
        f"{original}{_media_html(ctx)}</header>",
    ]
    if p.question:
        label = f"Question {p.turn}" if p.turn else "Question"
        out.append(
            f'<div class="qb-v-question"><span class="qb-label">{label}</span> {esc(p.question)}</div>'
        )
    if ctx.more_before:
        out.append('<p class="qb-v-gap">[…] earlier paragraphs of this answer</p>')
    speaker = esc(ctx.paragraphs[0][0].speaker) if ctx.paragraphs and ctx.paragraphs[0][0].speaker else ""
    if speaker:
        out.append(f'<div class="qb-v-speaker">{speaker}</div>')
    for para in ctx.paragraphs:
        pieces = []
        for piece in para:
            # A passage that joins short paragraphs shows them as paragraphs still.
            text = "<br><br>".join(esc(part) for part in _BLANK_LINE.split(piece.text))
            if piece.id == p.id:
                pieces.append(f'<mark id="qb-focus" class="qb-focus">{text}</mark>')
            else:
                pieces.append(text)
        current = " qb-v-current" if any(piece.id == p.id for piece in para) else ""
        time = f" · {esc(para[0].time)}" if para[0].time else ""
        out.append(
            f'<p class="qb-v-para{current}"><span class="qb-v-pno">{para[0].paragraph_label}{time}</span>'
            f"{' '.join(pieces)}</p>"
        )
    if ctx.more_after:
        out.append('<p class="qb-v-gap">[…] later paragraphs of this answer</p>')
    out.append("</article>")
    return "".join(out)


def viewer_placeholder() -> str:
    return (
        '<div class="qb-viewer qb-viewer-empty"><p>Click a citation under a quote to read it here, '
        "in the context of the whole answer.</p></div>"
    )


def viewer_missing() -> str:
    return (
        '<div class="qb-viewer qb-viewer-empty"><p>That passage is no longer in the store: its '
        "transcript was removed or re-ingested. Ask again to get fresh citations.</p></div>"
    )


def viewer_error(message: str) -> str:
    """The viewer, when the store cannot say what the passage is."""
    return f'<div class="qb-viewer qb-viewer-empty"><p class="qb-error">{esc(message)}</p></div>'


def sources_error(message: str) -> str:
    """The sources panel, when the store cannot say what it holds."""
    return f'<div class="qb-sources"><p class="qb-error">{esc(message)}</p></div>'


def sources_html(infos: list[SourceInfo]) -> str:
    """The sources panel: one card per ingested transcript."""
    if not infos:
        return '<div class="qb-sources"><p class="qb-empty">No transcripts yet: upload one below.</p></div>'
    total = sum(i.passages for i in infos)
    cards = []
    for i in infos:
        speakers = ", ".join(i.speakers) or UNATTRIBUTED
        cards.append(
            '<li class="qb-source">'
            f'<div class="qb-s-title">{esc(i.title)}</div>'
            f'<div class="qb-s-meta">{esc(i.date or "undated")} · {counted(i.passages, "passage")}</div>'
            f'<div class="qb-s-speakers">{esc(speakers)}</div>'
            f'<div class="qb-s-file">{esc(i.source)}</div>'
            f'<a class="qb-s-remove" href="#rm={esc(url_quote(i.source, safe=""))}" role="button" '
            f'aria-label="Remove {esc(i.source)}">Remove</a>'
            "</li>"
        )
    return (
        f'<div class="qb-sources"><div class="qb-s-count">{counted(len(infos), "transcript")} · '
        f"{counted(total, 'passage')}</div>"
        f'<ul class="qb-s-list">{"".join(cards)}</ul></div>'
    )


def removed_status(source: str, passages: int) -> str:
    """What removing a transcript did, in one line."""
    return upload_status("ok", f"Removed {source} and its {counted(passages, 'passage')} from the store.")


def header_html() -> str:
    return (
        '<div class="qb-brand"><span class="qb-logo" aria-hidden="true">❝</span>'
        '<span class="qb-name">quotebot</span>'
        '<span class="qb-tag">answers quoted word for word from interview transcripts</span></div>'
    )


def upload_hint(suffixes: tuple[str, ...], max_bytes: int) -> str:
    return (
        f'<p class="qb-hint">{esc(" ".join(suffixes))} · up to {max_bytes // 1_000_000} MB. '
        "Uploading the same file again changes nothing.</p>"
    )


def export_title() -> str:
    return '<div class="qb-export-title">Export this conversation</div>'


def export_hint(answers: Sequence[Answer]) -> str:
    """The line under the export buttons: what an export of ``answers`` holds."""
    if not answers:
        return '<p class="qb-hint">The quotes of your questions, word for word with their citations.</p>'
    quoted = sum(len(a.quotes) for a in answers if a.answered)  # an unanswered one is a note
    if not quoted:
        return f'<p class="qb-hint">{counted(len(answers), "question")}, none answered confidently.</p>'
    return f'<p class="qb-hint">{counted(len(answers), "question")} · {counted(quoted, "quote")}.</p>'


def upload_status(kind: str, message: str) -> str:
    """A one-line status under the upload button: ``kind`` is ok, same or error."""
    role = "alert" if kind == "error" else "status"
    return f'<p class="qb-status qb-status-{kind}" role="{role}">{esc(message)}</p>'


def ingest_status(report: IngestReport) -> str:
    """What an upload did, in one line."""
    if report.failed:
        return upload_status("error", "; ".join(why for _, why in report.failed))
    if report.added:
        return upload_status("ok", f"Added {report.added[0]}: {report.passages} passages, searchable now.")
    if report.replaced:
        return upload_status(
            "ok", f"Updated {report.replaced[0]}: {report.passages} passages replace the old version."
        )
    if report.unchanged:
        return upload_status("same", f"{report.unchanged[0]} is already in the store, unchanged.")
    return upload_status("error", "Nothing was ingested from that file.")
