"""The browser chat: its event handlers, their Gradio wiring, and serving it; importing starts nothing.

Each handler is a plain function of the :class:`Bot` and the event's inputs, so a test calls it
as it is; :func:`build` wires them to the page. The page's script is ``static/quotebot.js`` and
its styles ``static/quotebot.css``.
"""

from __future__ import annotations

import logging
import os

# Before gradio is imported: no version check, no telemetry, no hub.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import atexit
import contextlib
import functools
import ipaddress
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import gradio as gr

from bot import ui_html as ui
from bot.answer import Answer
from bot.bundled import bundled_corpus
from bot.core import MAX_QUESTION_CHARS, Bot
from bot.export import check_exportable, to_csv, to_docx, to_markdown
from bot.handover import INGEST_API, REMOVE_API, receive_ingest
from bot.marks import find_mark, mark_keys, marked_file, record
from bot.mcp_tool import MCP_PATH, check_mcp_installed, quote_tool
from bot.query import speakers_named
from bot.settings import Settings
from ingest import SUPPORTED_SUFFIXES
from ingest.errors import QuotebotError
from ingest.media import media_problem
from ingest.pipeline import stage_upload
from ingest.read import MAX_FILE_BYTES
from vectorstore import SourceInfo

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
EXAMPLES = [
    "What does Lavrov think about sanctions?",
    "How does Russia describe China as a partner?",
    "What does Lavrov say about vaccination passports?",
    "Can online concerts replace live ones?",
    "How many cross year events are planned for this year?",
]
CONCURRENT_EVENTS = 4
ASK_PLACEHOLDER = "Ask about the interviews, or a follow-up…  (Enter to ask)"
INTRO = """\
### Ask the interviews

Every answer is **quoted word for word** from the transcripts, with the sentence that answers \
highlighted and a citation you can open. quotebot never writes an answer of its own.

Follow up as you would in conversation: *Who first proposed them?*, *Why?*, or *Tell me more* \
for the next passages.
"""
# Run once the source viewer has opened: the page's script (static/quotebot.js) defines it.
SCROLL_TO_FOCUS = "() => window.__qbScrollToFocus()"
# The same for a page opened on a link to a passage (?passage=ID), and for no other page.
SCROLL_TO_LINKED_PASSAGE = (
    "() => { if (new URLSearchParams(location.search).get('passage') && window.__qbScrollToFocus)"
    " window.__qbScrollToFocus(); }"
)
# Run once a mark is recorded, with what the chat says of it: its links say so.
SHOW_MARK = "(result) => { if (window.__qbMarked) window.__qbMarked(result); }"

THEME = gr.themes.Soft(
    primary_hue="indigo",
    neutral_hue="slate",
    font=["Inter", "ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
).set(
    block_title_background_fill="transparent",
    block_title_padding="0",
    block_title_text_color="*neutral_700",
    block_title_text_color_dark="*neutral_200",
    block_label_background_fill="transparent",
    block_label_text_color="*neutral_600",
    block_label_text_color_dark="*neutral_300",
    input_border_color="*neutral_200",
    input_border_width="1px",
    input_background_fill="*neutral_50",
    input_shadow="none",
    block_shadow="none",
    # The defaults put hints at 2.6:1 and white on the primary button at 4.47:1; 4.5:1 is the floor.
    block_info_text_color="*neutral_600",
    button_primary_background_fill="*primary_600",
    button_primary_background_fill_hover="*primary_700",
)

# The chat's state: for each question that got an answer (not a refusal), in order, the turn it
# was asked at (0 for the conversation's first question) and its text. The turn lets a question
# that the chat's undo, retry or clear took back stop being context for the next one.
Asked = list[tuple[int, str]]
# The conversation's answers, for its export: the same turns, each with its Answer. A turn the
# chat no longer shows (undo, retry, clear) is left out of the export and dropped at the next answer.
Answers = list[tuple[int, Answer]]

# The export's formats: the file suffix, what makes the file, and its button's label.
EXPORTS: dict[str, tuple[Callable[[Sequence[Answer]], str | bytes], str]] = {
    "md": (to_markdown, "Markdown"),
    "csv": (to_csv, "CSV"),
    "docx": (to_docx, "Word"),
}
EXPORT_NOT_READY = "The export is not ready yet: try again in a moment."
EXPORT_KEEP_SECONDS = 600
"""How long an export's file stays in quotebot's temp folder: Gradio has copied it to its own
cache (which it empties as ``build`` sets) as soon as the handler returned."""


# -- the handlers: plain functions of the bot and the event's inputs --------------------------


def respond(
    bot: Bot,
    message: str,
    history: Sequence[Any],
    quotes: float | None = None,
    sources: list[str] | None = None,
    speakers: list[str] | None = None,
    asked: Asked | None = None,
) -> tuple[str, Asked]:
    """The chat's answer to ``message`` (HTML), and the questions asked so far with it if it was
    answered. ``history`` is the conversation before it, as the chat shows it; ``asked`` the
    state that the previous answer returned: the earlier questions a follow-up is read against."""
    reply, asked, _ = converse(bot, message, history, quotes, sources, speakers, asked)
    return reply, asked


def converse(
    bot: Bot,
    message: str,
    history: Sequence[Any],
    quotes: float | None = None,
    sources: list[str] | None = None,
    speakers: list[str] | None = None,
    asked: Asked | None = None,
    answers: Answers | None = None,
) -> tuple[str, Asked, Answers]:
    """:func:`respond`, and the conversation's answers with this one, for its export: the chat's
    own function. ``answers`` is the state that the previous answer returned; like ``asked``, it
    keeps only the turns before this one, so what undo, retry or clear took back goes."""
    turn = turns(history)
    earlier = [(t, question) for t, question in asked or () if t < turn]
    kept = [(t, answer) for t, answer in answers or () if t < turn]
    try:
        answer = bot.ask(
            message,
            history=questions(earlier),
            k=int(quotes if quotes is not None else bot.settings.top_k),
            sources=sources,
            speakers=speakers,
        )
    except QuotebotError as exc:
        return ui.error_html(str(exc)), earlier, kept
    except Exception as exc:
        return ui.error_html(failure("answering the question", exc)), earlier, kept
    reply = ui.answer_html(
        answer,
        bot.model.min_score,
        only=[*(sources or ()), *(speakers or ())],
        marks=mark_keys(turn, answer, questions(earlier)),
    )
    return reply, [*earlier, (turn, message)], [*kept, (turn, answer)]


def turns(history: Sequence[Any]) -> int:
    """How many questions the chat shows: the turn the next one will be asked at."""
    return sum(1 for m in history or () if isinstance(m, dict) and m.get("role") == "user")


def questions(asked: Asked | None) -> list[str]:
    """The questions of the chat's state, in the order they were asked."""
    return [question for _, question in asked or ()]


def open_source(
    bot: Bot, passage_id: str, demo: gr.Blocks | None = None
) -> tuple[str, gr.Sidebar, gr.Sidebar]:
    """The viewer opens on the clicked passage; the sources panel makes room for it. Its recording,
    if it has one a browser plays, is served by ``demo`` (see :func:`serve_recordings`)."""
    try:
        ctx = bot.context(passage_id) if ui.PASSAGE_ID.fullmatch(passage_id) else None
    except QuotebotError as exc:  # the store cannot be read: a server gone, say
        return ui.viewer_error(str(exc)), gr.Sidebar(open=True), gr.Sidebar(open=False)
    if ctx and demo is not None and ctx.passage.media and not ctx.media_problem:
        allowed = list(demo.allowed_paths or ())
        if ctx.passage.media not in allowed:  # its transcript was ingested since the chat started
            demo.allowed_paths = [*allowed, ctx.passage.media]
    html = ui.context_html(ctx) if ctx else ui.viewer_missing()
    return html, gr.Sidebar(open=True), gr.Sidebar(open=False)


def remove_source(
    bot: Bot, source: str, demo: gr.Blocks | None = None
) -> tuple[str, str, gr.Dropdown, gr.Dropdown]:
    """Remove the transcript whose card was asked to go (the page has asked to confirm); ``demo``
    serves its recording no more."""
    try:
        status = ui.removed_status(source, bot.remove(source))
    except QuotebotError as exc:
        status = ui.upload_status("error", str(exc))
    except Exception as exc:
        status = ui.upload_status("error", failure(f"removing {source}", exc))
    serve_recordings(demo, bot)
    warm_up(bot)
    return (status, *refresh(bot))


def served_media(infos: Sequence[SourceInfo]) -> list[str]:
    """The files the chat serves beyond its own: the recording of each stored transcript that has
    one a browser plays (ingest.media), and nothing else."""
    return sorted({i.media for i in infos if i.media and media_problem(i.media) is None})


def serve_recordings(demo: gr.Blocks | None, bot: Bot) -> None:
    """Gradio serves (``allowed_paths``, read at every request to its file route) the recordings
    of the transcripts stored now: after an ingest or a removal the chat did not start with."""
    if demo is not None:
        with contextlib.suppress(Exception):  # a store that cannot be read serves nothing new
            demo.allowed_paths = served_media(bot.sources())


def refresh(bot: Bot) -> tuple[str, Any, Any]:
    """The sources panel and the two filters' choices, as the store holds them now. A store that
    cannot be read says so in the panel, and the filters keep what they offered."""
    try:
        infos = bot.sources()  # every passage's metadata: read once for the panel and the filters
    except QuotebotError as exc:
        return ui.sources_error(str(exc)), gr.skip(), gr.skip()
    sources, speakers = filter_choices(infos)
    return ui.sources_html(infos), gr.Dropdown(choices=sources), gr.Dropdown(choices=speakers)


def add_transcript(
    bot: Bot,
    upload: str | None,
    progress: gr.Progress = gr.Progress(track_tqdm=True),  # noqa: B008
) -> tuple[str, str, gr.Dropdown, gr.Dropdown]:
    """Ingest the uploaded file; the status line says how it went."""
    if not upload:
        return (ui.upload_status("error", "No file arrived; choose a transcript file."), *refresh(bot))
    original = getattr(upload, "orig_name", None) or Path(upload).name
    progress(0.05, desc="Checking the file")
    staged = None
    try:
        staged = stage_upload(Path(upload), original)
        progress(0.2, desc="Reading and embedding")
        report = bot.ingest([staged], progress=True, media=False)  # an upload has no recording
    except QuotebotError as exc:
        return (ui.upload_status("error", str(exc)), *refresh(bot))
    except Exception as exc:
        return (ui.upload_status("error", failure(f"adding {original}", exc)), *refresh(bot))
    finally:
        if staged is not None:
            shutil.rmtree(staged.parent, ignore_errors=True)
    warm_up(bot)
    progress(1.0, desc="Done")
    return (ui.ingest_status(report), *refresh(bot))


def restore_placeholder() -> gr.Textbox:
    """The chat clears the box's placeholder when a question is sent; this puts it back."""
    return gr.Textbox(placeholder=ASK_PLACEHOLDER)


def filter_choices(infos: Sequence[SourceInfo]) -> tuple[list[tuple[str, str]], list[str]]:
    """The filters' choices: (shortened title, file name) of each transcript, and every speaker."""
    sources = [(i.title if len(i.title) <= 70 else i.title[:68] + "…", i.source) for i in infos]
    speakers = sorted({s for i in infos for s in i.speakers})
    return sources, speakers


def failure(doing: str, exc: Exception) -> str:
    """What the chat says when something it did not expect goes wrong; the cause goes to the log."""
    logger.error("failed %s", doing, exc_info=exc)
    return (
        f"Something went wrong while {doing} ({type(exc).__name__}); nothing was lost. Try again in "
        "a moment; if it keeps happening, restart quotebot: its log says what failed."
    )


# -- marks: which quote answers a question, kept as a line for `quotebot eval` ----------------

MARK_GONE = (
    "That answer is no longer in the conversation (undone, retried or cleared), so nothing was "
    "recorded: ask the question again to mark it."
)


def mark_answer(bot: Bot, key: str, asked: Asked | None, answers: Answers | None) -> str | None:
    """Record the mark whose link was clicked (its ``key``, see bot/marks.py): the question with
    the quote that answers it, or with none, as a line of the store's ``marked.jsonl``, read from
    the chat's state as it was answered. None when it is recorded (a second click on the same mark
    adds no second line, and is recorded still); else why not, in one sentence."""
    line = find_mark(key, asked, answers)
    if line is None:
        return MARK_GONE
    try:
        record(marked_file(bot.store), line)
    except Exception as exc:
        return failure("recording the mark", exc)
    return None


# -- export: the conversation's answers as files to download ---------------------------------


def shown_answers(history: Sequence[Any], answers: Answers | None) -> list[Answer]:
    """The answers of the questions the chat still shows, in order (not those undone or cleared)."""
    shown = turns(history)
    return [answer for t, answer in answers or () if t < shown]


def export_name(suffix: str, day: date | None = None) -> str:
    """The file an export downloads as: ``quotebot-answers-2021-03-22.md``."""
    return f"quotebot-answers-{(day or date.today()).isoformat()}.{suffix}"


@functools.cache
def _export_root() -> Path:
    """This process's folder for exports, in the system's temp folder (never in the store);
    removed when the process ends."""
    root = Path(tempfile.mkdtemp(prefix="quotebot-exports-"))
    atexit.register(shutil.rmtree, root, True)
    return root


def write_exports(answers: Sequence[Answer], day: date | None = None) -> list[Path]:
    """The answers as one file per format of :data:`EXPORTS`, in a new temp folder; the
    exports written more than :data:`EXPORT_KEEP_SECONDS` ago are removed. Raises
    QuotebotError when there is nothing to export."""
    check_exportable(answers)
    root = _export_root()
    root.mkdir(parents=True, exist_ok=True)  # a temp cleaner may have removed it meanwhile
    stale = time.time() - EXPORT_KEEP_SECONDS
    for old in root.iterdir():
        with contextlib.suppress(OSError):  # another session's export, or one just removed
            if old.stat().st_mtime < stale:
                shutil.rmtree(old)
    folder = Path(tempfile.mkdtemp(dir=root))
    paths = []
    for suffix, (make, _) in EXPORTS.items():
        path = folder / export_name(suffix, day)
        content = make(answers)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            with path.open("w", encoding="utf-8", newline="") as out:  # CSV's CRLF kept as made
                out.write(content)
        paths.append(path)
    return paths


def prepare_export(history: Sequence[Any], answers: Answers | None) -> tuple[str | None, ...]:
    """The export buttons' files, kept ready for the conversation the chat shows, one per format
    of :data:`EXPORTS` (None while there is nothing to export), then the line under them."""
    shown = shown_answers(history, answers)
    try:
        return (*(str(path) for path in write_exports(shown)), ui.export_hint(shown))
    except QuotebotError:
        pass
    except Exception as exc:  # a click says the export is not ready; the log says why
        failure("preparing the export", exc)
    return (*(None for _ in EXPORTS), ui.export_hint([]))


def export_refusal(file: str | None, history: Sequence[Any], answers: Answers | None) -> str | None:
    """Why a click on an export button downloads nothing, in one sentence; None when its file is
    ready and the browser downloads it."""
    if file:
        return None
    try:
        check_exportable(shown_answers(history, answers))
    except QuotebotError as exc:
        return str(exc)
    return EXPORT_NOT_READY


# -- links: an address that asks a question or opens a passage -------------------------------


@dataclass(frozen=True)
class Link:
    """What the page's address asks for: ``?q=QUESTION`` (with ``&source=FILE`` and
    ``&speaker=NAME``, each repeatable) asks a question with those filters; ``?passage=ID``
    opens the source viewer on a passage."""

    question: str = ""
    sources: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    passage: str = ""

    @classmethod
    def of(cls, params: Mapping[str, Any] | None) -> Link:
        """The link in a page's query parameters: ``gr.Request.query_params`` (Starlette's
        ``QueryParams``, or a plain dict of a value or a list of values per name)."""

        def values(name: str) -> list[str]:
            if params is None:
                return []
            getlist = getattr(params, "getlist", None)
            found = getlist(name) if getlist else params.get(name, [])
            found = [found] if isinstance(found, str) else list(found or ())
            return list(dict.fromkeys(v.strip() for v in found if isinstance(v, str) and v.strip()))

        return cls(
            question=next(iter(values("q")), ""),
            sources=tuple(values("source")),
            speakers=tuple(values("speaker")),
            passage=next(iter(values("passage")), ""),
        )


def _link_speakers(bot: Bot, link: Link) -> list[str]:
    """The link's speakers as the speaker filter names them ("lavrov" -> "Sergey Lavrov"); a name
    that matches no one is kept as given, for the question to say so."""
    return speakers_named(bot.store.derived(), link.speakers) if link.speakers else []


def show_link_question(bot: Bot, link: Link) -> tuple[Any, Any, Any]:
    """A link that asks a question, as the page opens: the filters it names are set (those the
    store holds: a name it does not hold is for the answer to refuse), and the question shows in
    the chat while it is answered. Nothing changes for a page opened without a question."""
    if not link.question:
        return gr.skip(), gr.skip(), gr.skip()
    shown = [{"role": "user", "content": link.question}]
    try:
        stored_sources, stored_speakers = filter_choices(bot.sources())
        held = {source for _, source in stored_sources}
        sources = [s for s in link.sources if s in held]
        speakers = [s for s in _link_speakers(bot, link) if s in stored_speakers]
    except Exception as exc:  # the answer will say what went wrong; the filters stay as they are
        logger.warning("could not read the filters of a link", exc_info=exc)
        return gr.skip(), gr.skip(), shown
    return (
        gr.Dropdown(choices=stored_sources, value=sources, multiselect=True),
        gr.Dropdown(choices=stored_speakers, value=speakers, multiselect=True),
        shown,
    )


def answer_link_question(bot: Bot, link: Link, quotes: float | None = None) -> tuple[Any, Any, Any]:
    """The answer to a link's question, as the chat would give it: the conversation with it, and
    the chat's two states. A source or speaker the store does not hold is refused with the
    sentence the ``--source`` and ``--speaker`` filters give."""
    if not link.question:
        return gr.skip(), gr.skip(), gr.skip()
    try:
        speakers = _link_speakers(bot, link)
    except Exception:
        speakers = list(link.speakers)
    reply, asked, answers = converse(bot, link.question, [], quotes, list(link.sources), speakers)
    history = [{"role": "user", "content": link.question}, {"role": "assistant", "content": reply}]
    return history, asked, answers


def open_link_passage(bot: Bot, link: Link, demo: gr.Blocks | None = None) -> tuple[Any, Any, Any]:
    """A link to a passage opens the source viewer on it, as its citation would."""
    if not link.passage:
        return gr.skip(), gr.skip(), gr.skip()
    return open_source(bot, link.passage, demo)


# -- the wiring ------------------------------------------------------------------------------


def page_script() -> str:
    """The page's script: one delegated listener for citation, copy and remove links, and the
    question box's focus and scrolling (static/quotebot.js)."""
    return (STATIC / "quotebot.js").read_text(encoding="utf-8")


def _on_link(handler: Callable[[Bot, str], Any], bot: Bot) -> Callable[[gr.EventData], Any]:
    """``handler(bot, src)`` for an event the page's script triggers with the clicked link's ``src``."""

    def on_link(evt: gr.EventData) -> Any:  # Gradio passes the event data by this annotation
        return handler(bot, str(getattr(evt, "src", "")))

    return on_link


def build(bot: Bot, mcp: bool | None = None) -> gr.Blocks:
    """The chat app for ``bot``; with ``mcp`` (default: the ``mcp`` setting), its public API is
    the ``quote`` tool alone (bot/mcp_tool.py), which ``launch(mcp_server=True)`` serves."""
    mcp = bot.settings.mcp if mcp is None else mcp
    sources, speakers = filter_choices(bot.sources())
    # Exports pass through Gradio's cache: files older than a day are removed every hour.
    with gr.Blocks(title="quotebot", delete_cache=(3600, 86400)) as demo:
        with gr.Sidebar(
            label="Sources", position="left", open=True, width=330, elem_id="qb-left"
        ) as sources_bar:
            sources_panel = gr.HTML(ui.sources_html(bot.sources()), elem_id="qb-sources", padding=False)
            quotes = gr.Slider(
                1, 10, value=bot.settings.top_k, step=1, label="Quotes per answer", elem_id="qb-k"
            )
            source_filter = gr.Dropdown(
                choices=sources,
                value=[],
                multiselect=True,
                label="Only these transcripts",
                info="Empty: search all of them.",
                elem_id="qb-source-filter",
            )
            speaker_filter = gr.Dropdown(
                choices=speakers,
                value=[],
                multiselect=True,
                label="Only these speakers",
                info="Empty: every speaker.",
                elem_id="qb-speaker-filter",
            )
            # No file_types: the browser would refuse another type in a passing toast; the
            # server refuses it in the status line, like every other bad upload.
            upload = gr.UploadButton(
                "Add a transcript",
                type="filepath",
                variant="primary",
                size="md",
                elem_id="qb-upload",
            )
            upload_status = gr.HTML(
                ui.upload_hint(SUPPORTED_SUFFIXES, MAX_FILE_BYTES), elem_id="qb-upload-status", padding=False
            )
            # Each button holds the conversation's export, kept ready after every change to the
            # chat, so that one click downloads it; with nothing to export a click says why.
            with gr.Column(elem_id="qb-export"):
                gr.HTML(ui.export_title(), padding=False)
                with gr.Row(elem_id="qb-export-buttons"):
                    export_buttons = [
                        gr.DownloadButton(label, size="sm", min_width=0, elem_id=f"qb-export-{suffix}")
                        for suffix, (_, label) in EXPORTS.items()
                    ]
                export_status = gr.HTML(ui.export_hint([]), elem_id="qb-export-status", padding=False)
        with gr.Sidebar(
            label="Source", position="right", open=False, width=460, elem_id="qb-right"
        ) as viewer_bar:
            viewer = gr.HTML(ui.viewer_placeholder(), elem_id="qb-viewer", padding=False)
        header = gr.HTML(ui.header_html(), js_on_load=page_script(), elem_id="qb-header", padding=False)
        asked = gr.State([])  # see Asked; one per browser tab (and per API client session)
        answers = gr.State([])  # see Answers; the same
        chat = gr.ChatInterface(
            functools.partial(converse, bot),
            api_name="chat",
            # Gradio makes every public endpoint an MCP tool: served as one, the chat is callable
            # still (as `quotebot ingest` calls its own), but not public.
            api_visibility="undocumented" if mcp else "public",
            chatbot=gr.Chatbot(
                sanitize_html=True,
                latex_delimiters=[],
                placeholder=INTRO,
                show_label=False,
                feedback_options=None,
                buttons=[],
                elem_id="qb-chat",
                height="calc(100vh - 170px)",
                autoscroll=False,
            ),
            textbox=gr.Textbox(
                placeholder=ASK_PLACEHOLDER,
                label="Your question",
                show_label=False,
                max_length=MAX_QUESTION_CHARS,
                elem_id="qb-ask",
                max_lines=4,
                submit_btn="Ask",
            ),
            additional_inputs=[quotes, source_filter, speaker_filter, asked, answers],
            additional_outputs=[asked, answers],
            examples=[[q, None, None, None, None, None] for q in EXAMPLES],
            fill_height=True,
            autoscroll=False,
        )
        chat.chatbot.change(restore_placeholder, None, chat.textbox, queue=False, api_visibility="private")
        # After an answer, an undo, a retry or a clear: the exports follow what the chat shows.
        chat.chatbot.change(
            prepare_export,
            [chat.chatbot, answers],
            [*export_buttons, export_status],
            trigger_mode="always_last",
            show_progress="hidden",
            api_visibility="private",
        )

        def export_clicked(file: str | None, history: list[Any], kept: Answers) -> None:
            if why := export_refusal(file, history, kept):
                gr.Warning(why)

        for button in export_buttons:
            button.click(
                export_clicked,
                [button, chat.chatbot, answers],
                None,
                show_progress="hidden",
                api_visibility="private",
            )
        header.open_source(
            _on_link(functools.partial(open_source, demo=demo), bot),
            None,
            [viewer, viewer_bar, sources_bar],
            show_progress_on=viewer,  # on the sidebars, the progress cover would blank the chat
            api_visibility="private",
        ).then(None, js=SCROLL_TO_FOCUS)
        header.remove_source(
            _on_link(functools.partial(remove_source, demo=demo), bot),
            None,
            [upload_status, sources_panel, source_filter, speaker_filter],
            api_visibility="private",
        )

        # A mark link's line is written from the chat's state; the page is then told, as JSON,
        # whether it was recorded and every mark recorded in this tab so far (so that two clicks
        # answered at once are both shown), and its links say so (static/quotebot.js).
        def on_mark(asked_now: Asked, kept: Answers, recorded: list[str], evt: gr.EventData) -> Any:
            key = str(getattr(evt, "src", ""))
            if why := mark_answer(bot, key, asked_now, kept):
                gr.Warning(why)
            else:
                recorded = [*(recorded or ()), key]
            return json.dumps({"key": key, "ok": why is None, "marked": recorded}), recorded

        marks_shown = gr.State([])  # the keys of the marks recorded in this tab
        marked = gr.Textbox(visible=False, elem_id="qb-marked")
        header.mark_answer(
            on_mark,
            [asked, answers, marks_shown],
            [marked, marks_shown],
            trigger_mode="multiple",  # a click on another mark while one is recorded counts too
            show_progress="hidden",
            api_visibility="private",
        ).then(None, marked, None, js=SHOW_MARK)
        upload.upload(
            functools.partial(add_transcript, bot),
            upload,
            [upload_status, sources_panel, source_filter, speaker_filter],
            show_progress="full",
            show_progress_on=upload_status,  # one progress bar, where the outcome will be told
            api_visibility="private",
        )

        # A link's question is asked once the filters' choices are in: it shows, then its answer,
        # the question box waiting meanwhile as it does for a question typed into it.
        def link_question(request: gr.Request) -> Any:
            link = Link.of(request.query_params)
            wait = gr.Textbox(interactive=False) if link.question else gr.skip()
            return (*show_link_question(bot, link), wait)

        def link_answer(k: float | None, request: gr.Request) -> Any:
            link = Link.of(request.query_params)
            if not link.question:
                return (gr.skip(),) * 5
            history, asked, kept = answer_link_question(bot, link, k)
            # Shown, and as the chat's own history, which the next question follows on from.
            return history, history, asked, kept, gr.Textbox(interactive=True)

        def link_passage(request: gr.Request) -> Any:
            return open_link_passage(bot, Link.of(request.query_params), demo)

        demo.load(
            functools.partial(refresh, bot),
            None,
            [sources_panel, source_filter, speaker_filter],
            api_visibility="private",
        ).then(
            link_question,
            None,
            [source_filter, speaker_filter, chat.chatbot, chat.textbox],
            show_progress="hidden",
            api_visibility="private",
        ).then(
            link_answer,
            quotes,
            [chat.chatbot, chat.chatbot_state, asked, answers, chat.textbox],
            show_progress="minimal",
            api_visibility="private",
        )
        demo.load(
            link_passage,
            None,
            [viewer, viewer_bar, sources_bar],
            show_progress_on=viewer,
            api_visibility="private",
        ).then(None, js=SCROLL_TO_LINKED_PASSAGE)

        # `quotebot ingest` and `remove` send their work here while this chat holds the store.
        # gr.api reads each endpoint's parameters from the function's annotations.
        def ingest_files(
            names: list[str], walked: list[bool], contents: list[str], places: list[str]
        ) -> dict[str, Any]:
            sent = receive_ingest(bot.store, names, walked, contents, places)
            serve_recordings(demo, bot)
            warm_up(bot)
            return sent

        def remove_source_sent(source: str) -> int:
            removed = bot.remove(source)
            serve_recordings(demo, bot)
            warm_up(bot)
            return removed

        gr.api(ingest_files, api_name=INGEST_API, api_visibility="undocumented")
        gr.api(remove_source_sent, api_name=REMOVE_API, api_visibility="undocumented")
        if mcp:
            # The one public endpoint, so the one MCP tool. Not queued: Gradio's MCP server then
            # calls it in this process, not through an HTTP client of its own (which the login
            # of QUOTEBOT_AUTH would stop).
            gr.api(quote_tool(bot), api_name="quote", queue=False)
    # Questions are answered a few at a time: each uses both cores for its model work, and an
    # upload embeds beside them; more at once would only lengthen every answer.
    demo.queue(default_concurrency_limit=CONCURRENT_EVENTS)
    return demo


# -- serving ---------------------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def warn_if_exposed(host: str, credentials: tuple[str, str] | None, mcp: bool = False) -> None:
    """Serving beyond this machine without a login is allowed, but never silently; nor is the MCP
    tool where a login is expected, as Gradio serves it without one."""
    if not _is_loopback(host) and credentials is None:
        logger.warning(
            "Serving on %s without a login: anyone who can reach this address can read and add "
            'transcripts. Set QUOTEBOT_AUTH="user:password" to require one.',
            host,
        )
    if mcp and (credentials is not None or not _is_loopback(host)):
        logger.warning(
            "The MCP tool (%s) does not ask for the QUOTEBOT_AUTH login: anyone who can reach %s can "
            "ask it for quotes. Serve it on 127.0.0.1, or without --mcp.",
            MCP_PATH,
            host,
        )


def seed_if_empty(bot: Bot) -> None:
    """A new store gets the bundled transcript, so the demo answers at once."""
    if bot.store.count() == 0:
        logger.warning("The store at %s is empty: ingesting the bundled transcript.", bot.store.location)
        bot.ingest([bundled_corpus()])


def warm_up(bot: Bot) -> None:
    """Load the model and (re)build the store's indexes now: at start, and after the chat changed
    the store, so that the writer waits for the rebuild rather than the next question."""
    try:
        bot.warm_up()
    except Exception:  # the first question meets the same failure, and says what it is
        logger.exception("Loading the model and the store's indexes ahead of the next question failed")


def serve(
    bot: Bot | None = None,
    host: str | None = None,
    port: int | None = None,
    block: bool = True,
) -> gr.Blocks:
    """Seed an empty store, then serve the chat (on 127.0.0.1 unless ``host`` says otherwise)."""
    bot = bot or Bot(Settings.from_env())
    host = host or bot.settings.host
    credentials = bot.settings.credentials
    if bot.settings.mcp:
        check_mcp_installed()
    warn_if_exposed(host, credentials, mcp=bot.settings.mcp)
    bot.store.hold()
    seed_if_empty(bot)
    # The model and the indexes load while Gradio starts, not at the first question.
    threading.Thread(target=warm_up, args=(bot,), name="quotebot-warm-up", daemon=True).start()
    demo = build(bot)
    demo.launch(
        server_name=host,
        server_port=port or bot.settings.port,
        share=False,
        auth=credentials,
        auth_message="quotebot: log in with the user and password from QUOTEBOT_AUTH.",
        prevent_thread_lock=True,
        max_file_size=MAX_FILE_BYTES,
        quiet=not block,
        theme=THEME,
        css_paths=[STATIC / "quotebot.css"],
        footer_links=[],
        mcp_server=bot.settings.mcp,  # never GRADIO_MCP_SERVER: off unless quotebot's setting says so
        # The stored transcripts' recordings, each file by its path (no folder): Gradio serves them
        # at gradio_api/file=PATH, for the viewer's player, and no other file of this machine.
        allowed_paths=served_media(bot.sources()),
    )
    if bot.settings.mcp and not demo.mcp_server:  # Gradio says why on stdout and serves on without it
        demo.close()
        bot.store.release()
        raise QuotebotError(f"The MCP tool could not be served: {demo.mcp_error or 'see the log'}")
    bot.store.hold(local_url(host, demo.server_port))
    close = demo.close

    def close_and_let_go(*args: Any, **kwargs: Any) -> None:  # a stopped chat takes no more writes
        close(*args, **kwargs)
        bot.store.release()

    demo.close = close_and_let_go  # type: ignore[method-assign]
    if block:
        demo.block_thread()
    return demo


def local_url(host: str, port: int | None) -> str:
    """Where this machine reaches the chat: the loopback where it listens on every address."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"
