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
from ingest.transcript import label_at

SUBTITLE_SUFFIXES = (".srt", ".vtt", ".sbv")
PAUSE_SECONDS = 3.0  # a silence this long between cues starts a new paragraph
# A paragraph spoken for this long ends with its sentence, and at twice as long at any cue, so
# that its time locates every passage in it (automatic captions have neither pauses nor stops).
PARAGRAPH_SECONDS = 30
_FINISHED_LINE = re.compile(r"[.?!…][\"'”’)\]]*$")

_VOICE = re.compile(r"<v(?:\.[^\s>]+)*\s+([^>]+)>")  # WebVTT's voice span: "<v Mara Lindqvist>"
# Styling, voice and word-timing tags ("<i>", "<c.yellow>", "<v Host>", "<00:00:04.160>"), and
# SubRip's "<font color=…>"; a "<" of the speech ("< 5 dollars") is kept.
_WORD_TIME = re.compile(r"<(?:\d+:)?\d\d:\d\d[.,]\d{3}>")  # "<00:00:04.160>" before a word
_TAG = re.compile(r"</?(?:[cibuv]|lang|ruby|rt|font)(?=[\s.>])[^>]*>|<(?:\d+:)?\d\d:\d\d[.,]\d{3}>")
_TURN_MARK = re.compile(r"^(?:>>+|[-–—](?=\s))\s*")  # ">>" (broadcast captions), "- " (a new voice)
_SOUND = re.compile(r"^(?:\[[^\]]*\]|\([^)]*\)|♪.*)$")  # "[Music]", "(APPLAUSE)", "♪ la la ♪"


@dataclass
class _Paragraph:
    time: str  # "00:01:05"
    start: int  # the same, in seconds
    label: str | None  # the WebVTT voice that opens its turn
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
    voice: str | None  # the WebVTT voice it is tagged with, as written
    label: str | None  # that voice as a speaker label the transcript parser reads
    marked: bool  # opened by ">>" or "- ": a new speaker


def _lines(captions: list[webvtt.Caption]) -> Iterator[_Said]:
    # YouTube's automatic captions time each word, and roll: a cue's last line shows again,
    # alone in a cue of a few milliseconds, then above the next new line.
    rolling = any(_WORD_TIME.search(cue.raw_text) for cue in captions)
    before = ""  # the last line of the cue before
    for cue in captions:
        here = []
        for raw in cue.raw_text.split("\n"):
            found = _VOICE.search(raw)
            voice = " ".join(found.group(1).split()) if found else None
            text = " ".join(html.unescape(_TAG.sub("", raw)).split())
            mark = _TURN_MARK.match(text)
            text = text[mark.end() :] if mark else text
            if text and not _SOUND.match(text):
                here.append(_Said(cue, text, voice, _voice_label(voice) if voice else None, bool(mark)))
        brief = cue.end_time.in_milliseconds() - cue.start_time.in_milliseconds() < 50
        for i, said in enumerate(here):
            if not (said.text == before and (brief or (rolling and i == 0 and len(here) > 1))):
                yield said
        before = here[-1].text if here else before


def _voice_label(voice: str) -> str | None:
    """A WebVTT voice as a speaker label the transcript parser reads: "mara" as "Mara", "1" as
    "Speaker 1", "Host #1" as "Host 1"; None for one it would read as no name."""
    plain = " ".join(re.sub(r"[^\w\s.'’()\[\]-]", " ", voice).split())
    for name in (voice, voice.title(), f"Speaker {voice}", plain, plain.title()):
        found = label_at(f"{name}: …")
        if found:
            return name
    return None


def _paragraphs(captions: list[webvtt.Caption]) -> list[_Paragraph]:
    paragraphs: list[_Paragraph] = []
    speaking: str | None = None  # who speaks: a voice as written, or the name a label gives
    last: _Said | None = None
    for said in _lines(captions):
        text = said.text
        label = label_at(text)
        if label and label.name == speaking and not said.marked:
            text, label = text[label.end :], None  # Zoom names the speaker again on every cue
        new_turn = bool(said.marked or label or said.voice not in (None, speaking))
        if new_turn:
            speaking = label.name if label else said.voice
        pause = timed_out = False
        if last and said.cue is not last.cue:
            pause = said.cue.start_in_seconds - last.cue.end_in_seconds >= PAUSE_SECONDS
            spoken = said.cue.start_in_seconds - paragraphs[-1].start
            timed_out = spoken >= 2 * PARAGRAPH_SECONDS or (
                spoken >= PARAGRAPH_SECONDS and bool(_FINISHED_LINE.search(last.text))
            )
        if not paragraphs or new_turn or pause or timed_out:
            time, start = said.cue.start.split(".")[0], said.cue.start_in_seconds
            voice = said.label if new_turn and not label else None
            paragraphs.append(_Paragraph(time, start, voice, timed_out=timed_out and not (new_turn or pause)))
        if text:
            paragraphs[-1].lines.append(text)
        last = said
    # A few words cut off by the clock belong with the paragraph they end.
    for i in range(len(paragraphs) - 1, 0, -1):
        if paragraphs[i].timed_out and len(" ".join(paragraphs[i].lines).split()) < 4:
            paragraphs[i - 1].lines += paragraphs.pop(i).lines
    return [p for p in paragraphs if p.lines]
