"""Reading transcript files of each supported format into plain document text."""

from __future__ import annotations

import codecs
import dataclasses
import io
import re
import zipfile
from collections import Counter
from pathlib import Path

import mammoth
import yaml
from bs4 import BeautifulSoup, Tag

from ingest.document import Document, title_from_filename
from ingest.errors import InputFileError, NotATranscriptError
from ingest.html import read_html
from ingest.media import find_media
from ingest.pdf import read_pdf_text
from ingest.sentences import SENTENCE_END
from ingest.subtitles import SUBTITLE_SUFFIXES, read_subtitle_text
from ingest.transcript import label_at

SUPPORTED_SUFFIXES = (
    ".txt",
    ".text",
    ".md",
    ".markdown",
    ".html",
    ".htm",
    ".docx",
    ".pdf",
    *SUBTITLE_SUFFIXES,
)
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # a Word document is a ZIP archive: what it may unpack to

_COLUMN_HEADS = {"speaker", "name", "who", "person", "participant"}
# A cell that holds a time or a span of time, "00:00:02" or "[00:00:02 - 00:00:09]": its start.
_TIME_CELL = re.compile(r"[\[(]?(\d{1,3}:\d\d(?::\d\d)?)(?:[.,]\d+)?(?:\s*[-–—]\s*[\d:.,]+)?[\])]?")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.DOTALL)


def read_document(path: Path) -> Document:
    """Read one transcript file; raise :class:`InputFileError` saying why it cannot be used."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file. Check the path and try again.")
    if not path.is_file():
        raise InputFileError(f"{path}: not a regular file.")
    check_readable(path.name, path.stat().st_size)
    return with_media(parse_bytes(path.name, path.read_bytes()), path)[0]


def with_media(doc: Document, path: Path) -> tuple[Document, str | None]:
    """``doc``, read from the file at ``path``, with the absolute path of its recording (the file
    its front matter names, or one of its name beside it: :func:`ingest.media.find_media`), and a
    warning when the one its front matter names cannot be used."""
    media, warning = find_media(path, doc.media_named)
    return dataclasses.replace(doc, media=media), warning


def check_readable(name: str, size: int, max_bytes: int = MAX_FILE_BYTES) -> None:
    """Raise :class:`InputFileError` when a file of this name and size is not one quotebot reads:
    the one check of type by name and of size, for files on disk and uploads alike."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        hint = " (save a .doc as .docx)" if suffix == ".doc" else ""
        raise InputFileError(
            f"{name}: unsupported file type {suffix or '(none)'}; "
            f"quotebot reads {', '.join(SUPPORTED_SUFFIXES)}{hint}."
        )
    if size > max_bytes:
        raise InputFileError(
            f"{name}: {size / 1e6:.1f} MB is larger than the "
            f"{max_bytes / 1e6:.0f} MB limit for one transcript; split it into parts."
        )


def parse_bytes(source: str, data: bytes) -> Document:
    """Decode and parse file content; ``source`` is the file name the passages will cite."""
    suffix = Path(source).suffix.lower()
    if suffix == ".pdf":
        text, title = read_pdf_text(source, data)
        return Document(source=source, text=text, title=title, wrapped=True)
    if suffix == ".docx":
        return read_html(source, _docx_as_html(source, data), page=False)
    text = decode(source, data)
    if not text.strip():
        raise NotATranscriptError(source, "the file is empty; there is nothing to ingest.")
    if suffix in SUBTITLE_SUFFIXES:
        # Cues have no title line: the first words spoken would be taken for one.
        return Document(
            source=source,
            text=read_subtitle_text(source, text),
            title=title_from_filename(source),
            all_speech=True,
        )
    if suffix in (".html", ".htm"):
        return read_html(source, BeautifulSoup(text, "html.parser"))
    if suffix in (".md", ".markdown"):
        return _read_markdown(source, text)
    return Document(source=source, text=text)


def decode(source: str, data: bytes) -> str:
    """Bytes to text with newlines normalised; binary content is refused.

    A byte-order mark decides the encoding; without one, UTF-16 if every second byte is NUL (see
    :func:`_utf16_without_mark`), else UTF-8, with each byte that is not UTF-8
    read as Windows-1252 (what Windows editors save in Western Europe and the Americas): a
    Windows-1252 file reads right, and so does a UTF-8 file with one stray dash pasted from
    Word. A transcript is often too short for a statistical guess, which mistook ü for ³ in one.
    """
    text = _decoded(data)
    if text is None or _looks_binary(text[:8192]):
        raise NotATranscriptError(source, "this looks like a binary file, not a text transcript.")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _looks_binary(text: str) -> bool:
    controls = sum(1 for c in text if c < " " and c not in "\t\n\r\f\v")
    return "\x00" in text or controls > len(text) / 100


_BYTE_ORDER_MARKS = (  # UTF-32-LE's mark begins like UTF-16-LE's, so it is tried first
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decoded(data: bytes) -> str | None:
    marked = next((encoding for mark, encoding in _BYTE_ORDER_MARKS if data.startswith(mark)), None)
    encoding = marked or _utf16_without_mark(data[:8192])
    if encoding:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            return None
    return data.decode("utf-8", errors=_WINDOWS_1252)  # NUL bytes, if any, are refused as binary


def _utf16_without_mark(sample: bytes) -> str | None:
    """The UTF-16 byte order of text in a Latin script saved with no byte-order mark (some
    exporters and scripts write it so): every second byte is then a NUL, which no text in any
    other encoding has. None for anything else."""
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    high_first, high_second = sample[0 : 2 * pairs : 2].count(0), sample[1 : 2 * pairs : 2].count(0)
    if high_second >= 0.9 * pairs and not high_first:
        return "utf-16-le"
    if high_first >= 0.9 * pairs and not high_second:
        return "utf-16-be"
    return None


def _as_windows_1252(error: UnicodeError) -> tuple[str, int]:
    """The bytes UTF-8 cannot read, as Windows-1252; its five unused bytes as Latin-1."""
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start : error.end]
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad), error.end


_WINDOWS_1252 = "quotebot-windows-1252"
codecs.register_error(_WINDOWS_1252, _as_windows_1252)


def _read_markdown(source: str, text: str) -> Document:
    match = _FRONT_MATTER.match(text)
    if not match:
        return Document(source=source, text=text)
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        meta = None
    meta = meta if isinstance(meta, dict) else {}
    date = meta.get("date")
    url = meta.get("source_url") or meta.get("url")
    title = meta.get("title")
    media = meta.get("media")
    return Document(
        source=source,
        text=text,
        body_start=match.end(),
        title=" ".join(str(title).split()) if title else None,
        date=str(date) if date else None,
        url=str(url) if url else None,
        media_named=str(media) if media is not None else None,
    )


def _docx_as_html(source: str, data: bytes) -> BeautifulSoup:
    """A Word document's paragraphs as HTML (mammoth), to be read as any web page is: a line break
    inside a paragraph stays one, and footnotes, which are not speech, are left out."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise NotATranscriptError(
                source, f"the Word document unpacks to {unpacked / 1e6:.0f} MB, more than a transcript holds."
            )
        soup = BeautifulSoup(mammoth.convert_to_html(io.BytesIO(data)).value, "html.parser")
    except NotATranscriptError:
        raise
    except Exception as exc:  # a damaged file fails anywhere in unzipping or parsing its XML
        raise NotATranscriptError(source, f"this is not a readable Word document ({exc}).") from None
    for note in soup.select('li[id^="footnote-"], li[id^="endnote-"]'):
        note.decompose()
    for mark in soup.select('a[href^="#footnote-"], a[href^="#endnote-"]'):
        (mark.parent if mark.parent and mark.parent.name == "sup" else mark).decompose()
    for notes in soup.find_all("ol"):
        if not notes.find("li"):
            notes.decompose()
    for table in soup.find_all("table"):
        _table_as_turns(soup, table)
    if not soup.get_text().strip():
        raise NotATranscriptError(source, "the Word document has no text in it; there is nothing to ingest.")
    return soup


def _table_as_turns(soup: BeautifulSoup, table: Tag) -> None:
    """A transcript laid out as a table (speaker | speech, time | speaker | speech or speaker |
    time | speech) as the paragraphs of its turns, "[00:01:05] Mara Lindqvist: …", so that its
    speakers are found. A table is one when a column holds names, one of them on two rows or
    more, and the cells after it read as sentences in half the rows at least; other tables stay
    as they are. A row of one cell ("Part two") is a paragraph of its own."""
    rows = [tr.find_all(("td", "th"), recursive=False) for tr in table.find_all("tr")]
    rows = [cells for cells in rows if cells and not all(c.name == "th" for c in cells)]
    texts = [[_cell_paragraphs(c) for c in cells] for cells in rows]
    if texts and _COLUMN_HEADS & {" ".join(cell).lower() for cell in texts[0]}:  # "Time | Speaker | Text"
        texts = texts[1:]
    turns = [t for t in texts if len(t) >= 2]
    for column in range(max((len(t) for t in turns), default=0) - 1):
        found = [
            " ".join(t[column]) for t in turns if column < len(t) and len(" ".join(t[column]).split()) <= 6
        ]
        said = [" ".join(" ".join(cell) for cell in t[column + 1 :]) for t in turns]
        spoken = sum(bool(SENTENCE_END.search(words)) for words in said) >= len(said) / 2
        named = all(label_at(f"{name}: …") for name in found)
        if len(found) == len(turns) >= 3 and named and max(Counter(found).values()) >= 2 and spoken:
            break
    else:
        return
    paragraphs = []
    for row in texts:
        if len(row) < 2:
            paragraphs += [p for cell in row for p in cell]
            continue
        others = [cell for k, cell in enumerate(row) if k != column]
        time = next((cell for cell in others if len(cell) == 1 and _TIME_CELL.fullmatch(cell[0])), None)
        speech = [p for cell in others if cell is not time for p in cell] or [""]
        opening = f"[{_TIME_CELL.fullmatch(time[0]).group(1)}] " if time else ""  # type: ignore[union-attr]
        paragraphs += [f"{opening}{' '.join(row[column])}: {speech[0]}", *speech[1:]]
    replacement = soup.new_tag("div")
    for text in paragraphs:
        paragraph = soup.new_tag("p")
        paragraph.string = text
        replacement.append(paragraph)
    table.replace_with(replacement)


def _cell_paragraphs(cell: Tag) -> list[str]:
    """The text of each paragraph, list item or heading in a table cell (the whole cell if none)."""
    blocks = cell.find_all(("p", "li", "h1", "h2", "h3", "h4", "h5", "h6")) or [cell]
    found = [" ".join(b.get_text(" ").split()) for b in blocks if not b.find(("p", "li"))]
    return [text for text in found if text]
