"""Reading transcripts into verbatim, citable passages. Knows nothing of Chroma or Gradio."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.chunk import Fits, count_tokens, join_short_paragraphs, split_paragraph
from ingest.errors import InputFileError, QuotebotError
from ingest.passage import Passage, passage_id
from ingest.read import SUPPORTED_SUFFIXES, Document, parse_bytes, read_document
from ingest.sentences import sentence_spans
from ingest.transcript import Transcript, parse_transcript

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Document",
    "InputFileError",
    "Parsed",
    "Passage",
    "QuotebotError",
    "count_tokens",
    "parse_bytes",
    "passages_from",
    "read_document",
    "sentence_spans",
]

DEFAULT_MAX_TOKENS = 160


@dataclass(frozen=True)
class Parsed:
    """A document, its structure and its passages, ready to store."""

    document: Document
    transcript: Transcript
    passages: list[Passage]


def passages_from(doc: Document, fits: Fits, max_tokens: int = DEFAULT_MAX_TOKENS) -> Parsed:
    """Cut every answer paragraph of ``doc`` into passages, or join short ones (see
    :func:`join_short_paragraphs`); questions are context, not passages."""
    transcript = parse_transcript(doc)
    paragraphs = transcript.paragraphs
    answers = [(p.start, p.end, (p.turn, p.speaker)) for p in paragraphs]
    runs = join_short_paragraphs(doc.text, answers, max_tokens, fits)
    passages = []
    for first, last in runs:
        para, end_para = paragraphs[first], paragraphs[last]
        text = doc.text[para.start : end_para.end]
        for s, e in split_paragraph(text, max_tokens, fits):
            start, end = para.start + s, para.start + e
            piece = doc.text[start:end]
            passages.append(
                Passage(
                    id=passage_id(doc.source, start, piece),
                    text=piece,
                    source=doc.source,
                    title=transcript.title,
                    date=transcript.date,
                    url=transcript.url,
                    speaker=para.speaker,
                    question=para.question,
                    turn=para.turn,
                    paragraph=para.paragraph,
                    last_paragraph=end_para.paragraph if last > first else None,
                    char_start=start,
                    char_end=end,
                    time=para.time,
                    media=doc.media,
                )
            )
    if not passages:
        raise InputFileError(f"{doc.source}: no answer text found to ingest.")
    return Parsed(doc, transcript, passages)


def read_passages(path: Path, fits: Fits, max_tokens: int = DEFAULT_MAX_TOKENS) -> Parsed:
    """Read one file into passages; raises :class:`InputFileError` when it cannot be used."""
    return passages_from(read_document(path), fits, max_tokens)
