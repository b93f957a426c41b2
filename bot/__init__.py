"""Turning a question into an Answer of verbatim, cited quotes; rendering it safely."""

from bot.answer import Answer, Quote
from bot.core import Bot
from bot.render import answer_text
from bot.settings import Settings

__all__ = ["Answer", "Bot", "Quote", "Settings", "answer_text"]
