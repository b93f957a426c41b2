"""Reading subtitle files (.srt, .vtt, .sbv) as transcripts (webvtt-py parses the cues)."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from ingest.errors import NotATranscriptError
from ingest.transcript import starts_with_label

SUBTITLE_SUFFIXES = (".srt", ".vtt", ".sbv")
PAUSE_SECONDS = 3.0  # a silence this long between cues starts a new paragraph
# A paragraph spoken for this long ends with its sentence, and at twice as long at any cue, so
# that its time locates every passage in it (automatic captions have neither pauses nor stops).
PARAGRAPH_SECONDS = 30
_SENTENCE_END = re.compile(r"[.?!…][\"'”’)\]]*$")

_VOICE = re.compile(r"<v(?:\.[^\s>]+)*\s+([^>]+)>")  # WebVTT's voice span: "<v Mara Lindqvist>"
# Styling, voice and word-timing tags ("<i>", "<c.yellow>", "<v Host>", "<00:00:04.160>"), and
# SubRip's "<font color=…>"; a "<" of the speech ("< 5 dollars") is kept.
_TAG = re.compile(r"</?(?:[cibuv]|lang|ruby|rt|font)(?=[\s.>])[^>]*>|<(?:\d+:)?\d\d:\d\d[.,]\d{3}>")
_TURN_MARK = re.compile(r"^(?:>>+|[-–—](?=\s))\s*")  # ">>" (broadcast captions), "- " (a new voice)
_SOUND = re.compile(r"^(?:\[[^\]]*\]|\([^)]*\)|♪.*)$")  # "[Music]", "(APPLAUSE)", "♪ la la ♪"


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
    :data:`PARAGRAPH_SECONDS`. Sound notes ("[Music]") are left out, and so is a line the next
    cue shows again in the same voice (rolling captions).
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


@dataclass(frozen=True)
class _Said:
    """One line of a cue, as spoken: tags, entities and turn marks taken out."""

    cue: webvtt.Caption
    text: str
    voice: str | None  # the WebVTT voice it is tagged with
    marked: bool  # opened by ">>" or "- ": a new speaker


def _lines(captions: list[webvtt.Caption]) -> Iterator[_Said]:
    previous: _Said | None = None
    for cue in captions:
        for raw in cue.raw_text.split("\n"):
            voice = _VOICE.search(raw)
            text = " ".join(html.unescape(_TAG.sub("", raw)).split())
            mark = _TURN_MARK.match(text)
            said = _Said(
                cue,
                text[mark.end() :] if mark else text,
                voice.group(1).strip() if voice else None,
                bool(mark),
            )
            if not said.text or _SOUND.match(said.text):
                continue
            # Rolling captions show each line again in the next cue: the same words, in the same voice.
            if (
                previous
                and (previous.cue is not cue and previous.text == said.text)
                and not said.marked
                and said.voice in (None, previous.voice)
            ):
                continue
            previous = said
            yield said


def _paragraphs(captions: list[webvtt.Caption]) -> list[_Paragraph]:
    paragraphs: list[_Paragraph] = []
    voice: str | None = None
    last: _Said | None = None
    for said in _lines(captions):
        new_turn = said.marked or starts_with_label(said.text) or said.voice not in (None, voice)
        if said.voice or said.marked:
            voice = said.voice
        pause = timed_out = False
        if last and said.cue is not last.cue:
            pause = said.cue.start_in_seconds - last.cue.end_in_seconds >= PAUSE_SECONDS
            spoken = said.cue.start_in_seconds - paragraphs[-1].start
            timed_out = spoken >= 2 * PARAGRAPH_SECONDS or (
                spoken >= PARAGRAPH_SECONDS and bool(_SENTENCE_END.search(last.text))
            )
        if not paragraphs or new_turn or pause or timed_out:
            start = said.cue.start_in_seconds
            cut_by_clock = timed_out and not (new_turn or pause)
            paragraphs.append(
                _Paragraph(said.cue.start.split(".")[0], start, said.voice, timed_out=cut_by_clock)
            )
        paragraphs[-1].lines.append(said.text)
        last = said
    # A few words cut off by the clock belong with the paragraph they end.
    for i in range(len(paragraphs) - 1, 0, -1):
        if paragraphs[i].timed_out and len(" ".join(paragraphs[i].lines).split()) < 4:
            paragraphs[i - 1].lines += paragraphs.pop(i).lines
    return paragraphs
