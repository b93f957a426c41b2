"""Handing `quotebot ingest` and `quotebot remove` to the chat that holds an embedded store.

Chroma's embedded store is written by one process at a time, and a chat serving it reads it all
the time: another process writing under it made most of its questions fail. So the chat holds its
store (:meth:`vectorstore.Store.hold`) and takes writes through two API endpoints on the loopback
(:func:`receive_ingest`, :func:`receive_remove`); the command line sends its files there.
"""

from __future__ import annotations

import base64
import dataclasses
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ingest.errors import InputFileError, StoreUnavailableError
from ingest.pipeline import files_to_ingest
from vectorstore import IngestReport, Store

logger = logging.getLogger(__name__)

INGEST_API = "ingest_files"
REMOVE_API = "remove_source"


def send_ingest(url: str, paths: list[Path], credentials: tuple[str, str] | None) -> tuple[IngestReport, int]:
    """Ingest ``paths`` through the chat at ``url``: the files are found here, as ``ingest``
    finds them (folders walked, name clashes refused), and their bytes sent. The report, and
    how many passages the store holds then."""
    report = IngestReport()
    files = files_to_ingest(paths, report)
    names = [path.name for path in files]
    contents = [base64.b64encode(path.read_bytes()).decode("ascii") for path in files]
    where = [str(path.absolute()) for path in files]  # its recording is beside it (receive_ingest)
    sent = _client(url, credentials).predict(
        names, list(files.values()), contents, where, api_name=f"/{INGEST_API}"
    )
    places = {name: str(path) for name, path in zip(names, files, strict=True)}
    stored = int(sent.pop("stored", 0))
    for field in dataclasses.fields(IngestReport):
        value = sent.get(field.name)
        if field.name == "passages":
            report.passages += int(value or 0)
        elif field.name == "skipped":
            report.skipped += [(places.get(name, name), why) for name, why in value or ()]
        else:
            getattr(report, field.name).extend(tuple(v) if isinstance(v, list) else v for v in value or ())
    return report, stored


def send_remove(url: str, source: str, credentials: tuple[str, str] | None) -> int:
    """Remove ``source`` through the chat at ``url``; the number of passages removed."""
    return int(_client(url, credentials).predict(source, api_name=f"/{REMOVE_API}"))


def receive_ingest(
    store: Store,
    names: list[str],
    walked: list[bool],
    contents: list[str],
    places: list[str] | None = None,
) -> dict[str, Any]:
    """Ingest the files :func:`send_ingest` sent (named as they were, each as found), and say
    what happened as an :class:`IngestReport` of plain values.

    ``places``: where each file is on the machine that sent it. A file found there as it was sent
    (this machine's, then) is ingested from there, with the recording beside it, as
    ``quotebot ingest`` would; any other is ingested from a temp folder, without a recording: what
    a caller says of a path is not taken on trust, since the chat serves the recording found."""
    folder = Path(tempfile.mkdtemp(prefix="quotebot-sent-"))
    report = IngestReport()
    try:
        files: dict[Path, bool] = {}
        here: dict[Path, bool] = {}
        for name, found, content, place in zip(
            names, walked, contents, places or [""] * len(names), strict=True
        ):
            data = base64.b64decode(content)
            if original := _sent_from(place, _base_name(name), data):
                here[original] = bool(found)
                continue
            path = folder / _base_name(name)
            path.write_bytes(data)
            files[path] = bool(found)
        logger.info("ingesting %d file(s) sent by `quotebot ingest`", len(files) + len(here))
        if here:
            store.ingest_files(here, report)
        if files:
            store.ingest_files(files, report, media=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    plain = dataclasses.asdict(report)
    plain["skipped"] = [(Path(path).name, why) for path, why in report.skipped]
    plain["stored"] = store.count()
    return plain


def _sent_from(place: str, name: str, data: bytes) -> Path | None:
    """``place``, when it is an absolute path to a file named ``name`` that holds ``data``."""
    try:
        path = Path(place)
        named = bool(place) and path.is_absolute() and path.name == name and path.is_file()
        if named and path.stat().st_size == len(data) and path.read_bytes() == data:
            return path
    except OSError:
        pass
    return None


def _base_name(name: str) -> str:
    """``name`` as a file name in the folder it is written to, never a path out of it."""
    base = Path(name).name
    if base != name or base in ("", ".", ".."):
        raise InputFileError(f"{name!r} is not a file name.")
    return base


def _client(url: str, credentials: tuple[str, str] | None) -> Any:
    from gradio_client import Client  # only the commands that hand over need it

    try:
        return Client(
            url, auth=credentials, verbose=False, download_files=False, token=False, analytics_enabled=False
        )
    except Exception as exc:
        raise StoreUnavailableError(
            f"The store is held by the quotebot chat at {url}, which does not answer ({exc}). Stop it, "
            "or add files through its upload button."
        ) from None
