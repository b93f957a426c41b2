"""Reading subtitle files (.srt, .vtt, .sbv) as transcripts (webvtt-py parses the cues)."""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from ingest.errors import NotATranscriptError

SUBTITLE_SUFFIXES = (".srt", ".vtt", ".sbv")
PAUSE_SECONDS = 3.0  # a silence this long between cues starts a new paragraph
# A paragraph spoken for this long ends with its sentence, and at twice as long at any cue, so
# that its time locates every passage in it (automatic captions have neither pauses nor stops).
PARAGRAPH_SECONDS = 30
_SENTENCE_END = re.compile(r"[.?!…][\"'”’)\]]*$")

_VOICE = re.compile(r"<v(?:\.[^\s>]+)*\s+([^>]+)>")  # WebVTT's voice span: "<v Mara Lindqvist>"
_TAG = re.compile(r"<[^>]*>")  # styling and word-timing tags: "<i>", "<c>", "<00:00:04.160>"
_TURN_MARK = re.compile(r"^(?:>>+|[-–—](?=\s))\s*")  # ">>" (broadcast captions), "- " (a new voice)
_SOUND = re.compile(r"^[\[(♪][^\])]*[\])♪]?$")  # "[Music]", "(APPLAUSE)", "♪"
# What may be a speaker label written in a cue ("HOST:", "Mara Lindqvist:"): it starts a paragraph
# of its own, where the transcript parser decides whether it is one.
_LABEL_LIKE = re.compile(r"^[^\W\d_][\w.'’ ()-]{0,60}:(?:\s|$)")


@dataclass
class _Paragraph:
    time: str  # "00:01:05"
    start: int  # the same, in seconds
    label: str | None  # the WebVTT voice that opens it
    lines: list[str] = field(default_factory=list)
    timed_out: bool = False  # opened only because the one before had run for long


def read_subtitle_text(source: str, text: str) -> str:
    """The cues' words in order, as a transcript the speaker-label parser reads.

    Paragraphs on one line each, opened by their start time ("[00:01:05] Mara Lindqvist: …"; the
    time is never quoted): a turn begins where a WebVTT voice changes, at a ">>" or "- " that
    marks a new speaker, and at a line that may open with a speaker label ("HOST: …"); a
    paragraph also ends after a pause of :data:`PAUSE_SECONDS` and when it has run for
    :data:`PARAGRAPH_SECONDS`. Sound notes ("[Music]") are left out, and so is a line that only
    repeats the line before it (rolling captions repeat each line).
    """
    kind = Path(source).suffix.lower().lstrip(".")
    try:
        captions = webvtt.WebVTT.from_buffer(io.StringIO(text), format=kind).captions
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise NotATranscriptError(
            source, f"this is not a readable {kind.upper()} subtitle file ({exc})."
        ) from None
    paragraphs = _paragraphs(captions)
    if not paragraphs:
        raise NotATranscriptError(source, "the subtitle file has no cues with text in them.")
    return "".join(
        f"[{p.time}] {f'{p.label}: ' if p.label else ''}" + " ".join(p.lines) + "\n\n" for p in paragraphs
    )


def _paragraphs(captions: list[webvtt.Caption]) -> list[_Paragraph]:
    paragraphs: list[_Paragraph] = []
    voice: str | None = None
    previous_line = ""
    last_end: float | None = None
    for cue in captions:
        pause = last_end is not None and cue.start_in_seconds - last_end >= PAUSE_SECONDS
        spoken = cue.start_in_seconds - paragraphs[-1].start if paragraphs else 0
        timed_out = spoken >= 2 * PARAGRAPH_SECONDS or (
            spoken >= PARAGRAPH_SECONDS and bool(_SENTENCE_END.search(previous_line))
        )
        last_end = cue.end_in_seconds
        for raw in cue.raw_text.split("\n"):
            found = _VOICE.search(raw)
            line = " ".join(html.unescape(_TAG.sub("", raw)).split())
            marked = _TURN_MARK.match(line)
            line = line[marked.end() :] if marked else line
            if not line or _SOUND.match(line) or line == previous_line:
                continue
            previous_line = line
            new_turn = bool(marked or _LABEL_LIKE.match(line))
            if found and found.group(1).strip() != voice:
                voice, new_turn = found.group(1).strip(), True
            elif marked:
                voice = None
            if new_turn or pause or timed_out or not paragraphs:
                label = voice if found else None
                paragraphs.append(
                    _Paragraph(
                        cue.start[:8],
                        cue.start_in_seconds,
                        label,
                        timed_out=timed_out and not (new_turn or pause),
                    )
                )
                pause = timed_out = False
            paragraphs[-1].lines.append(line)
    # A few words cut off by the clock belong with the paragraph they end.
    for i in range(len(paragraphs) - 1, 0, -1):
        if paragraphs[i].timed_out and len(" ".join(paragraphs[i].lines).split()) < 4:
            paragraphs[i - 1].lines += paragraphs.pop(i).lines
    return paragraphs
