"""The browser chat: Gradio wiring only. Importing this module starts nothing."""

from __future__ import annotations

import logging
import os

# Before gradio is imported: no version check, no telemetry, no hub.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pathlib import Path
from typing import Any

import gradio as gr

from bot import Bot, Settings, answer_markdown
from ingest.errors import QuotebotError

logger = logging.getLogger(__name__)

BUNDLED_CORPUS = Path(__file__).parent / "corpus"
EXAMPLES = [
    "What does Lavrov think about sanctions?",
    "How does Russia describe China as a partner?",
    "What does Lavrov say about vaccination passports?",
    "Can online concerts replace live ones?",
]
INTRO = """\
## quotebot
Ask about the interviews. Every answer is quoted **word for word** from the transcripts, with the
sentence that answers in bold and a citation to find it: *speaker · interview · date · question · ¶*.
"""


def _text_of(content: Any) -> str:
    """Chat history content is a string from the API and a list of parts from the browser."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def build(bot: Bot) -> gr.Blocks:
    """The chat app for ``bot``."""

    def respond(message: str, history: list[dict[str, Any]], quotes: float) -> str:
        earlier = [_text_of(m.get("content")) for m in history if m.get("role") == "user"]
        try:
            answer = bot.ask(message, history=earlier, k=int(quotes))
        except QuotebotError as exc:
            return f"⚠️ {exc}"
        return answer_markdown(answer)

    with gr.Blocks(title="quotebot") as demo:
        gr.Markdown(INTRO)
        gr.ChatInterface(
            respond,
            api_name="chat",
            chatbot=gr.Chatbot(sanitize_html=True, height=560, label="quotebot"),
            additional_inputs=[gr.Slider(1, 10, value=bot.settings.top_k, step=1, label="Quotes per answer")],
            examples=[[q, bot.settings.top_k] for q in EXAMPLES],
            fill_height=True,
        )
    return demo


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
    seed_if_empty(bot)
    demo = build(bot)
    demo.launch(
        server_name=host or bot.settings.host,
        server_port=port or bot.settings.port,
        share=False,
        prevent_thread_lock=not block,
        max_file_size="20mb",
        quiet=not block,
    )
    return demo


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        serve()
    except QuotebotError as exc:
        raise SystemExit(f"quotebot: {exc}") from None
