"""Checking, before a question is asked, that its filters leave passages to quote from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.core import Bot
from ingest.errors import SourceNotFoundError, SpeakerNotFoundError


def check_filters(
    bot: Bot,
    sources: Iterable[str] | None = None,
    speakers: Iterable[str] | None = None,
) -> None:
    """Raise when ``sources`` or ``speakers`` leave no passage to quote, saying which name matched
    nothing and what there is.

    Without this, such a question gets no quotes at all, which reads as an empty store. An empty
    store passes: its answer says that nothing has been ingested. A speaker a question names
    who does not speak in ``sources`` is no error: they are what it asks about ("How did Biden
    describe his meeting with Putin?" of a press conference where Putin does not speak), and the
    bot answers it from ``sources`` (see :meth:`DerivedIndex.named_speakers`).
    """
    index = bot.store.derived()
    if not len(index):
        return
    source_list = list(sources or [])
    ingested = set(index.sources.tolist())
    if missing := [s for s in source_list if s not in ingested]:
        raise SourceNotFoundError(
            f"No source named {_names(missing)} in the store. Ingested sources: {_listing(sorted(ingested))}."
        )
    where = f"in {', '.join(source_list)}" if source_list else "in the store"
    chosen = index.mask(source_list or None, None)
    present = sorted({str(s) for s in index.speakers[chosen] if s})
    if speakers and (
        missing := [s for s in speakers if not index.mask(source_list, index.speakers_named([s])).any()]
    ):
        raise SpeakerNotFoundError(
            f"No speaker named {_names(missing)} {where}. Speakers {where}: {_listing(present)}."
        )


def _names(names: Sequence[str]) -> str:
    return " or ".join(repr(n) for n in names)


def _listing(names: Sequence[str], limit: int = 20) -> str:
    """``names`` joined, at most ``limit`` of them; a store can hold hundreds of transcripts."""
    shown = ", ".join(names[:limit]) or "none"
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
