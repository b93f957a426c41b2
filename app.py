"""The browser chat: Gradio wiring only. Importing this module starts nothing."""

from __future__ import annotations

import logging
import os

# Before gradio is imported: no version check, no telemetry, no hub.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import ipaddress
import itertools
import shutil
from pathlib import Path
from typing import Any

import gradio as gr

from bot import Bot, Settings
from bot import ui_html as ui
from bot.core import MAX_QUESTION_CHARS
from bot.filters import check_filters
from bot.handover import INGEST_API, REMOVE_API, receive_ingest
from bot.uploads import stage_upload
from ingest import SUPPORTED_SUFFIXES
from ingest.errors import QuotebotError
from ingest.read import MAX_FILE_BYTES

logger = logging.getLogger(__name__)

BUNDLED_CORPUS = Path(__file__).parent / "corpus"
STATIC = Path(__file__).parent / "bot" / "static"
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


def _text_of(content: Any) -> str:
    """Chat history content is a string from the API and a list of parts from the browser."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def asked(history: list[dict[str, Any]]) -> list[str]:
    """The questions of the conversation that were answered: one refused with an error is no
    context for the next."""
    return [
        _text_of(question.get("content"))
        for question, reply in itertools.pairwise(history)
        if question.get("role") == "user"
        and reply.get("role") == "assistant"
        and not ui.is_error(_text_of(reply.get("content")))
    ]


def _filter_choices(bot: Bot) -> tuple[list[tuple[str, str]], list[str]]:
    infos = bot.sources()
    sources = [(i.title if len(i.title) <= 70 else i.title[:68] + "…", i.source) for i in infos]
    speakers = sorted({s for i in infos for s in i.speakers})
    return sources, speakers


def build(bot: Bot) -> gr.Blocks:
    """The chat app for ``bot``."""
    min_score = bot.settings.min_score

    def respond(
        message: str,
        history: list[dict[str, Any]],
        quotes: float = bot.settings.top_k,
        sources: list[str] | None = None,
        speakers: list[str] | None = None,
    ) -> str:
        try:
            check_filters(bot, sources, speakers)
            answer = bot.ask(
                message, history=asked(history), k=int(quotes), sources=sources, speakers=speakers
            )
        except QuotebotError as exc:
            return ui.error_html(str(exc))
        except Exception as exc:
            return ui.error_html(failure("answering the question", exc))
        return ui.answer_html(answer, min_score, only=[*(sources or ()), *(speakers or ())])

    def open_source(evt: gr.EventData) -> tuple[str, gr.Sidebar, gr.Sidebar]:
        """The viewer opens on the clicked passage; the sources panel makes room for it."""
        passage_id = str(getattr(evt, "src", ""))
        ctx = bot.context(passage_id) if ui.PASSAGE_ID.fullmatch(passage_id) else None
        html = ui.context_html(ctx) if ctx else ui.viewer_missing()
        return html, gr.Sidebar(open=True), gr.Sidebar(open=False)

    def remove_source(evt: gr.EventData) -> tuple:
        """Remove the transcript whose card was asked to go (the page has asked to confirm)."""
        source = str(getattr(evt, "src", ""))
        try:
            status = ui.removed_status(source, bot.remove(source))
        except QuotebotError as exc:
            status = ui.upload_status("error", str(exc))
        except Exception as exc:
            status = ui.upload_status("error", failure(f"removing {source}", exc))
        return (status, *refresh())

    def refresh() -> tuple[str, Any, Any]:
        sources, speakers = _filter_choices(bot)
        return ui.sources_html(bot.sources()), gr.Dropdown(choices=sources), gr.Dropdown(choices=speakers)

    def add_transcript(upload: str | None, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:  # noqa: B008
        if not upload:
            return (ui.upload_status("error", "No file arrived; choose a transcript file."), *refresh())
        original = getattr(upload, "orig_name", None) or Path(upload).name
        progress(0.05, desc="Checking the file")
        staged = None
        try:
            staged = stage_upload(Path(upload), original)
            progress(0.2, desc="Reading and embedding")
            report = bot.ingest([staged], progress=True)
        except QuotebotError as exc:
            return (ui.upload_status("error", str(exc)), *refresh())
        except Exception as exc:
            return (ui.upload_status("error", failure(f"adding {original}", exc)), *refresh())
        finally:
            if staged is not None:
                shutil.rmtree(staged.parent, ignore_errors=True)
        progress(1.0, desc="Done")
        return (ui.ingest_status(report), *refresh())

    sources, speakers = _filter_choices(bot)
    with gr.Blocks(title="quotebot") as demo:
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
        with gr.Sidebar(
            label="Source", position="right", open=False, width=460, elem_id="qb-right"
        ) as viewer_bar:
            viewer = gr.HTML(ui.viewer_placeholder(), elem_id="qb-viewer", padding=False)
        header = gr.HTML(ui.header_html(), js_on_load=CLICK_HOOK, elem_id="qb-header", padding=False)
        chat = gr.ChatInterface(
            respond,
            api_name="chat",
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
            additional_inputs=[quotes, source_filter, speaker_filter],
            examples=[[q, None, None, None] for q in EXAMPLES],
            fill_height=True,
            autoscroll=False,
        )
        # The chat clears the box's placeholder when a question is sent; put it back.
        chat.chatbot.change(
            lambda: gr.Textbox(placeholder=ASK_PLACEHOLDER),
            None,
            chat.textbox,
            queue=False,
            api_visibility="private",
        )
        header.open_source(
            open_source,
            None,
            [viewer, viewer_bar, sources_bar],
            show_progress_on=viewer,  # on the sidebars, the progress cover would blank the chat
            api_visibility="private",
        ).then(None, js=SCROLL_TO_FOCUS)
        header.remove_source(
            remove_source,
            None,
            [upload_status, sources_panel, source_filter, speaker_filter],
            api_visibility="private",
        )
        upload.upload(
            add_transcript,
            upload,
            [upload_status, sources_panel, source_filter, speaker_filter],
            show_progress="full",
            show_progress_on=upload_status,  # one progress bar, where the outcome will be told
            api_visibility="private",
        )
        demo.load(refresh, None, [sources_panel, source_filter, speaker_filter], api_visibility="private")

        # `quotebot ingest` and `remove` send their work here while this chat holds the store.
        def ingest_files(names: list[str], walked: list[bool], contents: list[str]) -> dict[str, Any]:
            return receive_ingest(bot.store, names, walked, contents)

        def remove_source_sent(source: str) -> int:
            return bot.remove(source)

        gr.api(ingest_files, api_name=INGEST_API, api_visibility="undocumented")
        gr.api(remove_source_sent, api_name=REMOVE_API, api_visibility="undocumented")
    # Questions are answered a few at a time: each uses both cores for its model work, and an
    # upload embeds beside them; more at once would only lengthen every answer.
    demo.queue(default_concurrency_limit=CONCURRENT_EVENTS)
    return demo


def failure(doing: str, exc: Exception) -> str:
    """What the chat says when something it did not expect goes wrong; the cause goes to the log."""
    logger.error("failed %s", doing, exc_info=exc)
    return (
        f"Something went wrong while {doing} ({type(exc).__name__}); nothing was lost. Try again in "
        "a moment; if it keeps happening, restart quotebot: its log says what failed."
    )


# One delegated listener for the whole page: citation links open the viewer, copy links copy.
CLICK_HOOK = """
if (!window.__qbHook) {
  window.__qbHook = true;
  const copy = async (text) => {
    window.__qbCopied = text;
    try { await navigator.clipboard.writeText(text); return; } catch (e) {}
    const area = document.createElement('textarea');
    area.value = text; area.setAttribute('readonly', ''); area.style.position = 'fixed';
    area.style.opacity = '0'; document.body.appendChild(area); area.select();
    try { document.execCommand('copy'); } finally { area.remove(); }
  };
  // The box is disabled while a question is answered, which drops its focus to the page: keys
  // typed then are kept, and the box takes the focus back with them once the answer is shown.
  const box = () => document.querySelector('#qb-ask textarea');
  const unfocused = () => !document.activeElement || document.activeElement === document.body;
  let typed = '', refocus = false;
  window.addEventListener('keydown', (e) => {
    const b = box();
    if (!b) return;
    // An empty question is not sent (the chat would show an empty bubble and an error).
    if (e.target === b && e.key === 'Enter' && !e.shiftKey && !b.value.trim()) {
      e.preventDefault(); e.stopImmediatePropagation(); return;
    }
    // The slider's number box keeps its value in range only when it loses the focus.
    if (e.key === 'Enter' && e.target.matches('#qb-k input[type=number]')) e.target.blur();
    // Escape closes the source viewer and hands the focus back to the question box.
    const viewerToggle = document.querySelector('#qb-right.open .toggle-button');
    if (e.key === 'Escape' && viewerToggle) { viewerToggle.click(); b.focus({preventScroll: true}); return; }
    if (!unfocused() || e.ctrlKey || e.metaKey || e.altKey || e.key.length !== 1) return;
    if (b.disabled) { typed += e.key; e.preventDefault(); } else b.focus({preventScroll: true});
  }, true);
  // A new answer is shown from its start (the chat would scroll to its end).
  let answers = 0;
  new MutationObserver(() => {
    const all = document.querySelectorAll('#qb-chat .qb-answer');
    if (all.length > answers) {
      all[all.length - 1].scrollIntoView({block: 'start'});
      refocus = true;
    }
    answers = all.length;
    const b = box();
    if (refocus && b && !b.disabled) {
      refocus = false;
      if (unfocused()) b.focus({preventScroll: true});
      if (typed && document.activeElement === b) document.execCommand('insertText', false, typed);
      typed = '';
    }
  }).observe(document.body, {childList: true, subtree: true, attributeFilter: ['disabled']});
  // On a phone the sources panel would cover the chat: start with it closed.
  if (window.innerWidth < 768) {
    let tries = 0;
    const closeLeft = () => {
      const toggle = document.querySelector('#qb-left.open .toggle-button');
      if (toggle) toggle.click(); else if (++tries < 50) setTimeout(closeLeft, 100);
    };
    closeLeft();
  }
  document.addEventListener('click', (e) => {
    const send = e.target.closest && e.target.closest('#qb-ask [data-testid="submit-button"]');
    if (send && !box().value.trim()) {
      e.preventDefault(); e.stopImmediatePropagation(); return;
    }
    const a = e.target.closest && e.target.closest('a');
    if (!a) return;
    const href = a.getAttribute('href') || '';
    if (href.startsWith('#rm=')) {
      e.preventDefault(); e.stopPropagation();
      const name = decodeURIComponent(href.slice(4));
      if (confirm('Remove “' + name + '” from the store? Its passages will no longer be searched; '
                  + 'upload it again to bring them back.')) trigger('remove_source', {src: name});
    } else if (href.startsWith('#src=')) {
      e.preventDefault(); e.stopPropagation();
      trigger('open_source', {src: href.slice(5)});
    } else if (href.startsWith('#copy=')) {
      e.preventDefault(); e.stopPropagation();
      const card = a.closest('.qb-card');
      if (!card) return;
      const quote = card.querySelector('.qb-quote').innerText.trim();
      const cite = card.querySelector('.qb-cite-text').title;
      const link = card.querySelector('a.qb-orig');
      copy('“' + quote + '”\\n— ' + cite + (link ? ' · ' + link.href : '')).then(() => {
        a.textContent = 'Copied'; a.classList.add('qb-copied');
        setTimeout(() => { a.textContent = 'Copy'; a.classList.remove('qb-copied'); }, 1600);
      });
    }
  }, true);
}
"""
# The viewer shows the quoted passage in the middle and takes the focus, so that a keyboard or
# screen reader goes on from there.
SCROLL_TO_FOCUS = """
() => { setTimeout(() => {
  const m = document.getElementById('qb-focus');
  if (m) m.scrollIntoView({block: 'center', behavior: 'smooth'});
  const v = document.querySelector('#qb-viewer .qb-viewer');
  if (v) { v.setAttribute('tabindex', '-1'); v.focus({preventScroll: true}); }
}, 120); }
"""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def warn_if_exposed(host: str, credentials: tuple[str, str] | None) -> None:
    """Serving beyond this machine without a login is allowed, but never silently."""
    if not _is_loopback(host) and credentials is None:
        logger.warning(
            "Serving on %s without a login: anyone who can reach this address can read and add "
            'transcripts. Set QUOTEBOT_AUTH="user:password" to require one.',
            host,
        )


def seed_if_empty(bot: Bot) -> None:
    """A new store gets the bundled transcript, so the demo answers at once."""
    if bot.store.count() == 0:
        logger.warning("The store at %s is empty: ingesting the bundled transcript.", bot.store.location)
        bot.ingest([BUNDLED_CORPUS])


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
    warn_if_exposed(host, credentials)
    bot.store.hold()
    seed_if_empty(bot)
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
    )
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


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        serve()
    except QuotebotError as exc:
        raise SystemExit(f"quotebot: {exc}") from None
