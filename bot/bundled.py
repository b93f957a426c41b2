"""Where the bundled interview transcript, installed with the package as data, is found."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ingest.errors import QuotebotError


def bundled_corpus() -> Path:
    """The folder of the bundled transcript and its NOTICE (``bot/corpus`` in the package), which
    a new store is seeded with; found the same way in a checkout and in an installed wheel."""
    folder = resources.files("bot").joinpath("corpus")
    if not isinstance(folder, Path) or not folder.is_dir():  # a zipped or broken install
        raise QuotebotError(
            f"The bundled transcript is not installed with quotebot (looked in {folder}); reinstall it."
        )
    return folder
