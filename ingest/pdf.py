"""Reading a PDF's text layer as a transcript (pypdf), without its running headers and footers."""

from __future__ import annotations

import io
import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import pypdf

from ingest.errors import NotATranscriptError
from ingest.transcript import label_at

_PARAGRAPH_GAP = 1.3  # a step down this many times the usual one between lines ends a paragraph
_EDGE_LINES = 2  # how many lines a running header or footer may have
_PAGE_NUMBER = re.compile(r"(?:page\s*)?[-–—\s]*(\d{1,5})[-–—\s]*(?:(?:of|/)\s*\d+)?", re.IGNORECASE)
_BROKEN_AT_HYPHEN = re.compile(r"[^\W\d_]-$")
# Titles that name the file or the page it was printed from, not the interview.
_NO_TITLE = re.compile(
    r"^(?:Microsoft Word - .*|.*\.(?:docx?|odt|rtf|pdf|txt|html?)|untitled|about:blank"
    r"|[a-z][a-z0-9+.-]*:/\S*)$",
    re.IGNORECASE,
)
# Typeset ligatures ("ﬁ", "ﬂ") are one character in the text layer; a reader sees two letters.
_LIGATURES = str.maketrans({chr(c): unicodedata.normalize("NFKC", chr(c)) for c in range(0xFB00, 0xFB07)})


def read_pdf_text(source: str, data: bytes) -> tuple[str, str | None]:
    """The text of every page, in reading order, and the title the file records (if any).

    A blank line stands where the page leaves a wider gap than between the lines of a
    paragraph, so paragraphs stay apart; pages are joined by a line break only, so a paragraph
    that runs onto the next page stays one. Running headers and footers (a title, "Page 3 of
    12") and page numbers are not speech and are left out.
    """
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise NotATranscriptError(
                source, "the PDF is password-protected; save a copy without a password and ingest that."
            )
        pages = [_lines_with_gaps(page) for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
        title = " ".join(title.split()) if isinstance(title, str) else ""
    except NotATranscriptError:
        raise
    except Exception as exc:  # pypdf raises assorted errors on damaged files, not only its own
        raise NotATranscriptError(source, f"this is not a readable PDF ({exc}).") from None
    text = "\n".join("\n".join(page).strip() for page in _without_running_lines(pages)).translate(_LIGATURES)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if not text:
        raise NotATranscriptError(
            source, "the PDF has no text to read (a scanned document?); run it through OCR first."
        )
    return text + "\n", (title if title and not _NO_TITLE.match(title) else None)


@dataclass
class _Line:
    text: str = ""
    height: float | None = None  # where on the page it stands


def _lines_with_gaps(page: pypdf.PageObject) -> list[str]:
    """The page's lines in pypdf's reading order, with an empty line where a paragraph ends: where
    the step down to the next line is wider than most steps on the page, or goes back up it."""
    lines = [_Line()]

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        for i, piece in enumerate(text.split("\n")):
            if i:
                lines.append(_Line())
            if piece.strip() and lines[-1].height is None:
                lines[-1].height = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            lines[-1].text += piece

    page.extract_text(visitor_text=visit)
    filled = [(" ".join(line.text.split()), line.height or 0.0) for line in lines if line.text.strip()]
    steps = [above - height for (_, above), (_, height) in itertools.pairwise(filled)]  # down the page
    # The step between the lines of a paragraph: a low quantile, as short answers make many gaps.
    down = sorted(s for s in steps if s > 0)
    usual = down[len(down) // 4] if down else 0.0
    found = [filled[0][0]] if filled else []
    for step, (text, _) in zip(steps, filled[1:], strict=True):
        if step < 0 or step > _PARAGRAPH_GAP * usual:  # back up the page: a header, or a column
            found.append("")
        elif _BROKEN_AT_HYPHEN.search(found[-1]) and text[:1].islower():
            found[-1] += text  # "non-" + "governmental": one word, broken where it has a hyphen
            continue
        found.append(text)
    return found


def _without_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Pages without their running headers and footers: one of the first two or last two blocks
    of lines on a page (set apart by gaps, each no more than two lines) when each of its lines,
    numbers aside, stands so on at least half of the pages (both of two), or is a page number. A
    line of one or two words ("DRAFT") or one that opens with a speaker's label ("Oral History
    Project: Mara Lindqvist") must stand so word for word on four pages in five, three at least,
    and end in no full stop: pages may begin with "Yes.", "A. Yes." or "Interviewer (00:03:02):",
    and one question may differ from another in a number only."""

    def shape(line: str) -> str:
        return re.sub(r"\d+", "#", line.lower())

    def edge_blocks(page: list[str]) -> list[list[int]]:
        blocks: list[list[int]] = [[]]
        for i, line in enumerate(page):
            if line:
                blocks[-1].append(i)
            elif blocks[-1]:
                blocks.append([])
        blocks = [b for b in blocks if b]
        # pypdf may read a header after the body: the last blocks can be both header and footer.
        edges = blocks[:2] + [b for b in blocks[-2:] if b not in blocks[:2]] if len(blocks) >= 2 else []
        return [b for b in edges if len(b) <= _EDGE_LINES]

    def page_number(line: str) -> bool:
        number = _PAGE_NUMBER.fullmatch(line)
        return number is not None and int(number.group(1)) <= len(pages) + 10

    edges = [[page[i] for block in edge_blocks(page) for i in block] for page in pages]
    repeated = Counter(found for lines in edges for found in {shape(line) for line in lines})
    same = Counter(found for lines in edges for found in set(lines))
    often = max(2, len(pages) / 2)

    def running(line: str) -> bool:
        if page_number(line):
            return True
        if label_at(line) or (len(line.split()) < 3 and not re.search(r"\d", line)):
            # "A. Yes." or "Yes." may recur atop pages: a header only word for word, on four
            # pages in five, without a full stop ("Oral History Project: Mara Lindqvist", "DRAFT")
            return len(pages) >= 3 and same[line] >= 0.8 * len(pages) and not line.endswith((".", "?", "!"))
        return repeated[shape(line)] >= often

    kept = []
    for page in pages:
        drop = {i for block in edge_blocks(page) if all(running(page[i]) for i in block) for i in block}
        kept.append([line for i, line in enumerate(page) if i not in drop])
    return kept
