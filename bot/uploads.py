"""Checking a file uploaded from the browser before it is ingested: size, type by content, name."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from ingest import SUPPORTED_SUFFIXES, parse_bytes
from ingest.errors import InputFileError
from ingest.read import MAX_FILE_BYTES

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
    if len(data) > max_bytes:
        raise InputFileError(
            f"{base}: {len(data) / 1e6:.1f} MB is larger than the {max_bytes / 1e6:.0f} MB upload limit."
        )
    suffix = Path(base).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputFileError(
            f"{base}: unsupported file type; upload a transcript as {', '.join(SUPPORTED_SUFFIXES)}."
        )
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
    size = upload.stat().st_size
    if size > max_bytes:
        raise InputFileError(
            f"{safe_name(original_name)}: {size / 1e6:.1f} MB is larger than the "
            f"{max_bytes / 1e6:.0f} MB upload limit."
        )
    data = upload.read_bytes()
    base = check_upload(original_name, data, max_bytes)
    folder = Path(tempfile.mkdtemp(prefix="quotebot-upload-"))
    target = folder / base
    shutil.copyfile(upload, target)
    return target
