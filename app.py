"""The top-level entry `python app.py`: serves the browser chat that bot/chat.py builds."""

from __future__ import annotations

import logging

from bot.chat import build, serve
from ingest.errors import QuotebotError

__all__ = ["build", "serve"]

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        serve()
    except QuotebotError as exc:
        raise SystemExit(f"quotebot: {exc}") from None
