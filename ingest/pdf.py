"""Reading a PDF's text layer as a transcript (pypdf), without its running headers and footers."""

from __future__ import annotations

import io
import itertools
import re
import statistics
from collections import Counter

import pypdf

from ingest.errors import NotATranscriptError

_PAGE_NUMBER = re.compile(r"(?:page\s*)?[-–—\s]*#+[-–—\s]*(?:(?:of|/)\s*#+)?", re.IGNORECASE)
_PARAGRAPH_GAP = 1.3  # a step down this many times the usual one between lines ends a paragraph
_EDGE_LINES = 2  # how many lines at the top and at the bottom of a page may be a header or footer
_BROKEN_AT_HYPHEN = re.compile(r"[^\W\d_]-$")
_MADE_BY_SOFTWARE = re.compile(r"^Microsoft Word - |\.(?:docx?|odt|rtf|pdf|txt)$", re.IGNORECASE)


def read_pdf_text(source: str, data: bytes) -> tuple[str, str | None]:
    """The text of every page, in reading order, and the title the file records (if any).

    A blank line stands where the page leaves a wider gap than between the lines of a
    paragraph, so paragraphs stay apart; pages are joined by a line break only, so a paragraph
    that runs onto the next page stays one. Lines repeated at the top or bottom of most pages (a
    running title, "Page 3 of 12") and bare page numbers are not speech and are left out.
    """
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise NotATranscriptError(
                source, "the PDF is password-protected; save a copy without a password and ingest that."
            )
        pages = [_lines_with_gaps(page) for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except NotATranscriptError:
        raise
    except Exception as exc:  # pypdf raises assorted errors on damaged files, not only its own
        raise NotATranscriptError(source, f"this is not a readable PDF ({exc}).") from None
    text = "\n".join("\n".join(page).strip() for page in _without_running_lines(pages))
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if not text:
        raise NotATranscriptError(
            source, "the PDF has no text to read (a scanned document?); run it through OCR first."
        )
    if title and _MADE_BY_SOFTWARE.search(title.strip()):
        title = None
    return text + "\n", " ".join(title.split()) if title else None


def _lines_with_gaps(page: pypdf.PageObject) -> list[str]:
    """The page's lines in pypdf's reading order, with an empty line where a paragraph ends: where
    the step down to the next line is wider than most steps on the page."""
    lines: list[list] = [["", None]]  # text, and the height on the page it stands at

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        for i, piece in enumerate(text.split("\n")):
            if i:
                lines.append(["", None])
            if piece.strip() and lines[-1][1] is None:
                lines[-1][1] = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            lines[-1][0] += piece

    page.extract_text(visitor_text=visit)
    filled = [(" ".join(text.split()), y) for text, y in lines if text.strip() and y is not None]
    steps = [abs(a[1] - b[1]) for a, b in itertools.pairwise(filled)]
    usual = statistics.median(s for s in steps if s > 0) if any(steps) else 0.0
    found = [filled[0][0]] if filled else []
    for step, (text, _) in zip(steps, filled[1:], strict=True):
        if step > _PARAGRAPH_GAP * usual:
            found.append("")
        elif _BROKEN_AT_HYPHEN.search(found[-1]) and text[:1].islower():
            found[-1] += text  # "non-" + "governmental": one word, broken where it has a hyphen
            continue
        found.append(text)
    return found


def _without_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Pages without their running headers and footers: a line among the first or last few of
    a page that, with its numbers ignored, stands there on at least half of the pages (two at
    least), or that is only a page number."""

    def shape(line: str) -> str:
        return re.sub(r"\d+", "#", line.lower())

    def edges(page: list[str]) -> list[int]:
        filled = [i for i, line in enumerate(page) if line]
        return sorted(set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:]))

    repeated = Counter(shape_ for page in pages for shape_ in {shape(page[i]) for i in edges(page)})
    running = {s for s, n in repeated.items() if len(pages) >= 2 and n >= max(2, len(pages) / 2)}
    kept = []
    for page in pages:
        drop = {i for i in edges(page) if shape(page[i]) in running or _PAGE_NUMBER.fullmatch(shape(page[i]))}
        kept.append([line for i, line in enumerate(page) if i not in drop])
    return kept
