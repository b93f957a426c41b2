"""Reading subtitle files (.srt, .vtt, .sbv) as transcripts (webvtt-py parses the cues)."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from ingest.errors import NotATranscriptError

SUBTITLE_SUFFIXES = (".srt", ".vtt", ".sbv")
PAUSE_SECONDS = 3.0  # a silence this long between cues starts a new paragraph

_VOICE = re.compile(r"<v(?:\.[^\s>]+)*\s+([^>]+)>")  # WebVTT's voice span: "<v Mara Lindqvist>"
_TAG = re.compile(r"<[^>]*>")  # styling and word-timing tags: "<i>", "<c>", "<00:00:04.160>"
_TURN_MARK = re.compile(r"^(?:>>+|[-–—](?=\s))\s*")  # ">>" (broadcast captions), "- " (a new voice)
_SOUND = re.compile(r"^[\[(♪][^\])]*[\])♪]?$")  # "[Music]", "(APPLAUSE)", "♪"
# What may be a speaker label written in a cue ("HOST:", "Mara Lindqvist:"): it starts a paragraph
# of its own, where the transcript parser decides whether it is one.
_LABEL_LIKE = re.compile(r"^[^\W\d_][\w.'’ ()-]{0,60}:(?:\s|$)")


def read_subtitle_text(source: str, text: str) -> str:
    """The cues' words in order, as a transcript the speaker-label parser reads.

    A paragraph, on one line, per speaker turn, opened by its start time ("[00:01:05] Mara
    Lindqvist: …"; the time is never quoted): a turn begins where a WebVTT voice changes, at a
    ">>" or "- " that marks a new speaker, at a line that may open with a speaker label ("HOST:
    …"), and after a pause of :data:`PAUSE_SECONDS`. Sound notes ("[Music]") are left out, and
    so is a line that only repeats the line before it (rolling captions repeat each line).
    """
    kind = Path(source).suffix.lower().lstrip(".")
    try:
        captions = webvtt.WebVTT.from_buffer(io.StringIO(text), format=kind).captions
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise NotATranscriptError(
            source, f"this is not a readable {kind.upper()} subtitle file ({exc})."
        ) from None
    paragraphs: list[tuple[str, str | None, list[str]]] = []  # start time, voice, lines
    voice: str | None = None
    previous_line = ""
    last_end: float | None = None
    for cue in captions:
        new_turn = last_end is not None and cue.start_in_seconds - last_end >= PAUSE_SECONDS
        last_end = cue.end_in_seconds
        for raw in cue.raw_text.split("\n"):
            found = _VOICE.search(raw)
            line = " ".join(html.unescape(_TAG.sub("", raw)).split())
            marked = _TURN_MARK.match(line)
            line = line[marked.end() :] if marked else line
            if not line or _SOUND.match(line) or line == previous_line:
                continue
            previous_line = line
            if found and found.group(1).strip() != voice:
                voice, new_turn = found.group(1).strip(), True
            elif marked:
                voice, new_turn = None, True
            elif _LABEL_LIKE.match(line):
                new_turn = True
            if new_turn or not paragraphs:
                paragraphs.append((cue.start[:8], voice if found else None, []))
                new_turn = False
            paragraphs[-1][2].append(line)
    if not paragraphs:
        raise NotATranscriptError(source, "the subtitle file has no cues with text in them.")
    return "".join(
        f"[{time}] {f'{label}: ' if label else ''}" + " ".join(lines) + "\n\n"
        for time, label, lines in paragraphs
    )
