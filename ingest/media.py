"""The recording beside a transcript: finding it, whether a browser can play it, and the times to seek to.

A transcript with times may sit beside its audio or video: ``talk.vtt`` and ``talk.mp3``, or a
Markdown transcript whose front matter names it (``media: recordings/talk.m4a``, relative to the
transcript). Only a file inside the transcript's own folder counts, never one a path leads out of
(``../``, an absolute path, a link pointing elsewhere): the chat serves the file it finds.
"""

from __future__ import annotations

import os
import re
import time
from functools import lru_cache
from pathlib import Path

# What a browser plays, by suffix, and as what; anything else is not served.
PLAYABLE = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".wav": "audio/wav",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
}
# Recordings found beside a transcript but not played: the viewer says why rather than show a
# player that stays silent.
UNPLAYABLE = (
    *(".mkv", ".mov", ".avi", ".wmv", ".mpg", ".mpeg"),
    *(".wma", ".flac", ".aac", ".opus", ".aiff", ".aif"),
)
MEDIA_SUFFIXES = (*PLAYABLE, *UNPLAYABLE)  # in the order a same-named file is preferred
MAX_MEDIA_BYTES = 2 * 1024**3
_RECENT_NS = 2_000_000_000  # a folder changed this recently is listed afresh

_LANGUAGE = re.compile(r"\.[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")  # subtitles' "talk.en", "talk.pt-BR"
_TIME = re.compile(r"(?:(\d{1,3}):)?(\d{1,3}):(\d\d)(?:[.,](\d{1,3}))?")


def find_media(transcript: Path, named: str | None = None) -> tuple[str | None, str | None]:
    """The absolute path of the recording of ``transcript`` (a file on disk), and a warning when
    the one its front matter names (``named``) cannot be used.

    ``named`` is looked for relative to the transcript's folder and must stay inside it and be an
    audio or video file; without it, a file of the transcript's name ("talk.vtt": "talk.mp3";
    subtitles in a language, "talk.en.vtt": "talk.en.mp4" or "talk.mp4") with a suffix of
    :data:`MEDIA_SUFFIXES`, in that order.
    """
    folder = transcript.absolute().parent.resolve()  # where it was found (a link to it: its folder)
    if named is not None:
        return _named_media(transcript.name, folder, named)
    stem = transcript.name.rsplit(".", 1)[0]
    stems = [stem]
    if (language := _LANGUAGE.search(stem)) and language.start():  # "talk.en.vtt": "talk.en", then "talk"
        stems.append(stem[: language.start()])
    present = _names_in(folder)
    for name in stems:
        for suffix in MEDIA_SUFFIXES:
            for candidate in (f"{name}{suffix}", f"{name}{suffix.upper()}"):
                found = folder / candidate
                if candidate in present and found.is_file() and _inside(found, folder):
                    return str(found), None
    return None, None


def _names_in(folder: Path) -> frozenset[str]:
    """The names in ``folder``, listed once while it is unchanged: a folder of 1,500 transcripts
    asked each of its files for 24 recordings' names took 0.6 s of an ingest."""
    try:
        changed = folder.stat().st_mtime_ns
        if time.time_ns() - changed < _RECENT_NS:  # a change within the clock's tick keeps the time
            return frozenset(os.listdir(folder))
        return _listing(str(folder), changed)
    except OSError:
        return frozenset()


@lru_cache(maxsize=64)
def _listing(folder: str, changed: int) -> frozenset[str]:  # ``changed``: the folder's mtime
    return frozenset(os.listdir(folder))


def _named_media(transcript: str, folder: Path, named: str) -> tuple[str | None, str | None]:
    refused = f"{transcript}: the recording {named!r} in its front matter"
    if not named.strip() or Path(named).is_absolute() or named.startswith(("/", "\\", "~")):
        return None, f"{refused} is not a path relative to the transcript's folder; it is not used."
    path = folder / named
    if not _inside(path, folder):
        return None, f"{refused} is outside the transcript's folder; it is not used."
    if path.suffix.lower() not in MEDIA_SUFFIXES:
        return None, f"{refused} is not an audio or video file; it is not used."
    if not path.is_file():
        return None, f"{refused} is not there; the transcript is ingested without it."
    return str(path.resolve()), None


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, links followed, is in ``folder`` or below it."""
    try:
        return path.resolve().is_relative_to(folder)
    except (OSError, RuntimeError):  # a loop of links
        return False


def media_problem(path: str) -> str | None:
    """Why the recording at ``path`` is not played in the browser, in one sentence naming the file
    (never its folder); None when it can be: an existing file of a :data:`PLAYABLE` type, at most
    :data:`MAX_MEDIA_BYTES`. Asked again whenever it is served, as the file may have changed."""
    name = Path(path).name
    suffix = Path(path).suffix.lower()
    if suffix not in PLAYABLE:
        *most, last = PLAYABLE
        return (
            f"The recording {name} is not played here: browsers play {', '.join(most)} and {last}; "
            "convert it to one of those and ingest its transcript again."
        )
    try:
        size = Path(path).stat().st_size if Path(path).is_file() else None
    except OSError:
        size = None
    if size is None:
        return f"The recording {name} is no longer beside its transcript."
    if size > MAX_MEDIA_BYTES:
        return (
            f"The recording {name} ({size / 1024**3:.1f} GB) is not played here: the chat serves "
            f"recordings of up to {MAX_MEDIA_BYTES / 1024**3:g} GB."
        )
    return None


def media_kind(path: str) -> str:
    """``audio`` or ``video``: the element that plays the recording at ``path``."""
    return PLAYABLE.get(Path(path).suffix.lower(), "audio/").split("/")[0]


def seconds(time: str | None) -> float | None:
    """A transcript's time as seconds: "00:01:05" (or "1:05", "0:01:05.5") is 65.0; None for
    None or anything else."""
    match = _TIME.fullmatch((time or "").strip())
    if not match:
        return None
    hours, minutes, secs, fraction = match.groups()
    if int(secs) >= 60 or (hours is not None and int(minutes) >= 60):
        return None
    total = int(hours or 0) * 3600 + int(minutes) * 60 + int(secs)
    return total + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)
