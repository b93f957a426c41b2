"""What an ingest reads: the files under the paths given or uploaded, each checked once, as passages."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingest import Document, Parsed, passages_from
from ingest.chunk import Fits
from ingest.errors import InputFileError, NotATranscriptError
from ingest.media import MEDIA_SUFFIXES
from ingest.read import MAX_FILE_BYTES, SUPPORTED_SUFFIXES, check_readable, parse_bytes, with_media

# Files that sit beside transcripts in a folder (a repository, a download) and are about the
# folder, not from an interview: by their name, whatever their suffix.
_FOLDER_NOTES = frozenset(
    {"readme", "license", "licence", "notice", "copying", "changelog", "contributing", "authors"}
)
# Why an audio or video file in a folder is skipped (ingest.media finds it for its transcript).
RECORDING = "a recording, not a transcript: the chat plays it with its transcript's quotes"


@dataclass
class IngestReport:
    """What one ingest run did, file by file."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    passages: int = 0


@dataclass(frozen=True)
class ReadFile:
    """A transcript file read once: its document (with its recording), its bytes (its version),
    and what to warn of when it is ingested."""

    document: Document
    data: bytes
    warning: str | None = None

    def cut(self, fits: Fits, max_tokens: int) -> Parsed:
        """Its passages; raises :class:`InputFileError` when it has no answer text."""
        parsed = passages_from(self.document, fits, max_tokens)
        if self.warning:
            parsed.transcript.warnings.append(self.warning)
        return parsed


def read_file(path: Path, media: bool = True) -> ReadFile:
    """One file, read; raises :class:`InputFileError` (or :class:`NotATranscriptError`) saying why
    it cannot be used.

    ``media``: look for its recording beside it (:func:`ingest.media.find_media`); a file staged
    in a temp folder (an upload) has none."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file. Check the path and try again.")
    check_readable(path.name, path.stat().st_size)
    data = path.read_bytes()
    doc, warning = parse_bytes(path.name, data), None
    if media:
        doc, warning = with_media(doc, path)
    return ReadFile(doc, data, warning)


def read_files(files: dict[Path, bool], report: IngestReport, media: bool = True) -> list[ReadFile]:
    """Each of ``files`` that can be read (with its recording, if ``media``: see :func:`read_file`);
    each that cannot is written in ``report``."""
    found = []
    for path, walked in files.items():
        try:
            found.append(read_file(path, media))
        except NotATranscriptError as exc:
            # An empty or binary file met in a folder is not a transcript anyone asked for;
            # failing on it would fail every later run over the same folder.
            if walked:
                report.skipped.append((str(path), exc.reason))
            else:
                report.failed.append((path.name, str(exc)))
        except InputFileError as exc:
            report.failed.append((path.name, str(exc)))
    return found


def files_to_ingest(paths: Iterable[Path], report: IngestReport) -> dict[Path, bool]:
    """The files an ingest of ``paths`` reads, each with whether a folder walk found it (rather
    than being named); what is skipped or refused is written in ``report``."""
    return _refuse_name_clashes(_expand(paths, report), report)


def _expand(paths: Iterable[Path], report: IngestReport) -> Iterator[tuple[Path, bool]]:
    """Each file to ingest, and whether it was found by walking a folder (rather than named).

    Files named directly must exist; folders are walked for supported, non-hidden files. A
    folder's README, LICENSE and the like are skipped: ingested, a licence would be quoted as
    if someone had said it. Named on the command line, such a file is ingested: it was asked for.
    """
    given = [Path(p) for p in paths]
    named = {p.resolve() for p in given if p.is_file()}
    for path in given:
        if not path.exists():
            raise InputFileError(f"{path}: no such file or folder. Check the path and try again.")
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if not child.is_file() or any(part.startswith(".") for part in child.relative_to(path).parts):
                    continue
                if (notes := _folder_notes(child)) and child.resolve() not in named:
                    report.skipped.append((str(child), notes))
                elif child.suffix.lower() in SUPPORTED_SUFFIXES:
                    yield child, True
                elif child.suffix.lower() in MEDIA_SUFFIXES:
                    report.skipped.append((str(child), RECORDING))
                else:
                    report.skipped.append((str(child), f"unsupported file type {child.suffix or '(none)'}"))
        else:
            yield path, False


def _folder_notes(path: Path) -> str | None:
    """Why ``path`` is skipped in a folder when it is named like the folder's notes or licence
    (README.md, LICENSE, notice.txt); None when it is not."""
    suffix = path.suffix.lower()
    if path.stem.lower() not in _FOLDER_NOTES or (suffix and suffix not in SUPPORTED_SUFFIXES):
        return None
    why = "named as the folder's notes or licence, not a transcript"
    # A file without a suffix cannot be read even when named, so that advice would mislead.
    return f"{why}; name it on the command line to ingest it anyway." if suffix else f"{why}."


def _refuse_name_clashes(found: Iterable[tuple[Path, bool]], report: IngestReport) -> dict[Path, bool]:
    """The files to ingest, each once, less those that share a file name with another one.

    A transcript is stored, cited and removed under its file name, so two files of one name
    would overwrite each other, run after run. Which one is meant cannot be told, so neither is
    ingested. (A file named like one ingested in an earlier run replaces it, as an edit would.)
    """
    # The same file named twice, or named and found in a folder, is one file; named, it counts
    # as named.
    unique: dict[Path, tuple[Path, bool]] = {}
    for path, walked in found:
        first, was_walked = unique.get(path.resolve(), (path, True))
        unique[path.resolve()] = first, walked and was_walked
    files = dict(unique.values())
    by_name: dict[str, list[Path]] = {}
    for path in files:
        by_name.setdefault(path.name, []).append(path)
    for name, same in by_name.items():
        if len(same) > 1:
            paths = ", ".join(map(str, same))
            report.failed.append(
                (
                    name,
                    f"{len(same)} files share the name {name!r} ({paths}); quotebot stores each "
                    "transcript under its file name, so only one of them can be kept. Rename the "
                    "others, or ingest only one, and run again; none of them was ingested.",
                )
            )
            for path in same:
                del files[path]
    return files


# -- uploads from the browser ------------------------------------------------------------------

# File signatures of common binary formats, refused unless the file is named as one quotebot reads.
_BINARY_MAGIC = {
    b"%PDF": "a PDF",
    b"PK\x03\x04": "a ZIP archive (or a Word/OpenDocument file)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"\xd0\xcf\x11\xe0": "an old Office document",
    b"\x7fELF": "a program",
    b"MZ": "a program",
}
# The binary formats quotebot reads, under the name each must have, and what to say when it has not.
_READ_AS = {
    b"%PDF": (".pdf", "; name it .pdf to ingest its text"),
    b"PK\x03\x04": (".docx", "; a Word document is read when it is named .docx"),
}
_UNSAFE_NAME = re.compile(r"[^\w.\- ()\[\]’'&,]+")


def safe_name(name: str) -> str:
    """The upload's base name, without folders or characters a file name should not carry."""
    base = Path(name.replace("\\", "/")).name.strip().lstrip(".")
    base = _UNSAFE_NAME.sub("_", base)[:160]
    if not base or not Path(base).suffix:
        raise InputFileError(f"{name!r} is not a usable file name; name the file like interview.txt.")
    return base


def check_upload(name: str, data: bytes, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The safe file name for ``data`` if it is a transcript quotebot can read; else InputFileError.

    The type is checked by content: binary signatures are refused unless the extension names that
    format (a PDF as .pdf, a Word document as .docx), undecodable text is refused, and the content
    must parse as the format the extension names.
    """
    base = safe_name(name)
    check_readable(base, len(data), max_bytes)
    suffix = Path(base).suffix.lower()
    for magic, kind in _BINARY_MAGIC.items():
        suffix_read, hint = _READ_AS.get(magic, (None, ""))
        if data.startswith(magic) and suffix != suffix_read:
            raise InputFileError(f"{base}: this is {kind}, not a text transcript{hint}.")
    parse_bytes(base, data)  # refuses binary, empty and undecodable content, and unreadable documents
    return base


def stage_upload(upload: Path, original_name: str, max_bytes: int = MAX_FILE_BYTES) -> Path:
    """Check ``upload`` and copy it into a fresh temporary folder under its checked base name.

    The caller ingests the returned path (whose name becomes the source name) and then removes
    its folder.
    """
    upload = Path(upload)
    check_readable(safe_name(original_name), upload.stat().st_size, max_bytes)
    data = upload.read_bytes()
    base = check_upload(original_name, data, max_bytes)
    folder = Path(tempfile.mkdtemp(prefix="quotebot-upload-"))
    target = folder / base
    shutil.copyfile(upload, target)
    return target
