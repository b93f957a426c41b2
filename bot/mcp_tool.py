"""quotebot for other assistants: ``quote``, the one Model Context Protocol tool the chat serves.

``quotebot serve --mcp`` (or ``QUOTEBOT_MCP=1``) serves it through Gradio's MCP server at
``/gradio_api/mcp/`` beside the chat; it answers as ``quotebot ask --json`` does (docs/json.md,
docs/mcp.md). No other endpoint of the chat is a tool: :func:`bot.chat.build` keeps them out of
the public API, which is what Gradio turns into tools.
"""

# No `from __future__ import annotations`: Gradio reads the tool's annotations, the return one
# included, as types.

import importlib.util
import json
from collections.abc import Callable

from bot.core import Bot
from ingest.errors import QuotebotError

MCP_PATH = "/gradio_api/mcp/"
"""Where the chat serves the tool (MCP's streamable HTTP transport), from its address."""

INSTALL_MCP = 'pip install "quotebot[mcp]"'


def mcp_installed() -> bool:
    """Whether the ``mcp`` package, which Gradio's MCP server needs, is installed."""
    return importlib.util.find_spec("mcp") is not None


def check_mcp_installed() -> None:
    """Raise a QuotebotError that says how to install it when the ``mcp`` package is missing."""
    if not mcp_installed():
        raise QuotebotError(
            "Serving quotebot as an MCP tool needs the mcp package, which is not installed: "
            f"run `{INSTALL_MCP}`, or serve without --mcp (and QUOTEBOT_MCP)."
        )


def quote_tool(bot: Bot) -> Callable[..., str]:
    """The ``quote`` tool over ``bot``: its name, parameters and docstring are what an assistant
    sees (Gradio reads them), its return the ``ask --json`` contract as JSON text."""

    def quote(
        question: str,
        k: int = 3,
        sources: list[str] | None = None,
        speakers: list[str] | None = None,
    ) -> str:
        """Quote interview transcripts word for word: the passages that answer a question, best
        first, each with the citation that finds it in its transcript. Every quote is verbatim from
        the transcripts: its "text" and its "highlight" sentences (those that answer) are the
        interviewee's exact words ("[…]" marks where a passage goes on). Quote them exactly as
        given, in quotation marks; never paraphrase, shorten, correct or merge them. Cite each quote
        exactly as given: speaker, title, date, question N (citation.turn) and ¶M
        (citation.paragraph; ¶M–L when citation.last_paragraph is higher), and citation.time when
        there is one. "answered": false means the transcripts do not answer the question: the quotes
        are then only the closest passages, of low confidence; say that the transcripts do not
        answer it rather than answer from them. The first quote's "score" is the chance that it
        holds the answer. Each call stands alone: ask a follow-up as a whole question.

        Args:
            question: The question about what the interviewees said, in plain words (at most 1000 characters).
            k: How many quotes to return, from 1 to 10.
            sources: Only these transcripts, by file name (citation.source); omit for all of them.
            speakers: Only these speakers, by name (a surname is enough); omit for every speaker.

        Returns:
            JSON: question, answered, quotes (rank, text, highlight, score, citation), follows, more, searched
        """
        answer = bot.ask(question, k=k, sources=sources or None, speakers=speakers or None)
        return json.dumps(answer.to_dict(), ensure_ascii=False)

    return quote
