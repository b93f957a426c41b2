"""Every error quotebot raises on purpose; the CLI and the UI show them without a traceback."""

from __future__ import annotations


class QuotebotError(Exception):
    """Something the user can fix: the message says what went wrong and what to do."""


class InputFileError(QuotebotError):
    """A file given to ingest cannot be read as a transcript."""


class NotATranscriptError(InputFileError):
    """A file with no text in it at all: empty, or binary. ``reason`` says which."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.reason = reason


class EmptyQuestionError(QuotebotError):
    """The question is empty, too long, or means nothing without an earlier one ("Why?")."""


class StoreUnavailableError(QuotebotError):
    """The passage store cannot be opened or reached."""


class ModelMissingError(QuotebotError):
    """The bundled embedding model is not installed."""


class StoreModelMismatchError(QuotebotError):
    """The store was built with another embedding model."""


class SourceNotFoundError(QuotebotError):
    """No ingested source has the given name."""


class SpeakerNotFoundError(QuotebotError):
    """No passage of the given (or named) speaker among the chosen sources."""
