"""The chat's marks: a question with the quote that answers it, or with none, kept as eval lines.

Under each answer the chat offers "This one answers" on every quote and "None of these" once; a
click appends one line to ``marked.jsonl`` in the store's folder, in the format ``quotebot eval``
reads (``quotebot eval marked``; see docs/evaluation.md). Nothing leaves the machine.

A mark's link names its turn, the quote's rank (0 for "None of these") and a digest of the line it
would write, so that the click writes exactly what the card showed, or nothing when that answer is
no longer in the conversation.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.answer import Answer, Quote
from bot.highlight import verbatim_segments
from vectorstore import Store

MARKED = "marked"
"""The eval file the chat writes, ``marked.jsonl``, and the name ``quotebot eval`` knows it by."""

MARK_KEY = re.compile(r"(\d{1,6})-(\d{1,2})-([0-9a-f]{12})")
"""A mark link's key: the turn, the quote's rank (0: none of them answers), the line's digest."""

_writing = threading.Lock()  # the chat's sessions append from several threads
_TAIL = 65536  # bytes read from the end of the file to find its last line


def marks_folder(store: Store) -> Path:
    """Where a store's marks are kept: the store's own folder; for a Chroma server, this machine's
    cache folder for that server (each instance keeps its own, as it does its indexes)."""
    return store.path if store.path is not None else store.cache_folder


def marked_file(store: Store, name: str = MARKED) -> Path:
    """The eval file ``name``.jsonl in ``store``'s folder for marks."""
    return marks_folder(store) / f"{name}.jsonl"


def gold(quote: Quote) -> str:
    """What a marked quote's line holds as its gold span: its first highlighted sentence, verbatim
    (whitespace collapsed, as ``quotebot eval`` compares it), or its first verbatim piece when
    nothing in it is highlighted."""
    pieces = [h for h in quote.highlight if h.strip()] or verbatim_segments(quote.text)
    return " ".join(pieces[0].split()) if pieces else ""


def mark_line(answer: Answer, history: Sequence[str], rank: int) -> dict[str, Any] | None:
    """The eval line of marking ``answer`` (asked after the questions ``history``): with its quote
    at ``rank`` (1-based) as the answer, or, for rank 0, as a question the transcripts do not
    answer. None when there is no such quote, or it has nothing verbatim to hold as gold."""
    if rank == 0:
        return {"kind": "unanswerable", "question": answer.question, "history": list(history)}
    if not 1 <= rank <= len(answer.quotes):
        return None
    quote = answer.quotes[rank - 1]
    span = gold(quote)
    if not span:
        return None
    return {
        "kind": "answer",
        "question": answer.question,
        "history": list(history),
        "gold": span,
        "source": quote.passage.source,
    }


def _text(line: dict[str, Any]) -> str:
    return json.dumps(line, ensure_ascii=False)


def mark_key(turn: int, rank: int, line: dict[str, Any]) -> str:
    """The key of a mark link: which answer and quote, and a digest of the line it writes."""
    digest = hashlib.sha256(_text(line).encode("utf-8")).hexdigest()[:12]
    return f"{turn}-{rank}-{digest}"


def mark_keys(turn: int, answer: Answer, history: Sequence[str]) -> list[str]:
    """The keys of an answer's mark links: "None of these" first, then one per quote, in order
    (an empty key for a quote that cannot be marked); none at all for an answer without quotes."""
    if not answer.quotes:
        return []
    keys = []
    for rank in range(len(answer.quotes) + 1):
        line = mark_line(answer, history, rank)
        keys.append(mark_key(turn, rank, line) if line else "")
    return keys


def find_mark(
    key: str, asked: Sequence[tuple[int, str]] | None, answers: Sequence[tuple[int, Answer]] | None
) -> dict[str, Any] | None:
    """The line that the mark link ``key`` writes, from the chat's state: the questions asked so
    far and the answers shown, each with its turn. None when the key is malformed or names an
    answer the conversation no longer holds (undone, retried, cleared)."""
    match = MARK_KEY.fullmatch(key or "")
    if not match:
        return None
    turn, rank = int(match[1]), int(match[2])
    answer = next((a for t, a in reversed(answers or ()) if t == turn), None)
    if answer is None:
        return None
    history = [question for t, question in asked or () if t < turn]
    line = mark_line(answer, history, rank)
    return line if line is not None and mark_key(turn, rank, line) == key else None


def record(path: Path, line: dict[str, Any]) -> bool:
    """Append ``line`` to the eval file at ``path`` (created with its folder if need be); False,
    and nothing written, when it is the file's last line already (a second click)."""
    text = _text(line)
    with _writing:
        path.parent.mkdir(parents=True, exist_ok=True)
        last, ended = _last_line(path)
        if last == text:
            return False
        with path.open("a", encoding="utf-8") as out:
            out.write(("" if ended else "\n") + text + "\n")
    return True


def _last_line(path: Path) -> tuple[str, bool]:
    """The file's last non-blank line, and whether the file ends a line (an empty or missing one
    does); a line longer than the tail read is not found, which only means it is not repeated."""
    try:
        with path.open("rb") as f:
            size = f.seek(0, 2)
            f.seek(max(0, size - _TAIL))
            tail = f.read()
    except FileNotFoundError:
        return "", True
    lines = [line.strip() for line in tail.decode("utf-8", "replace").splitlines() if line.strip()]
    return (lines[-1] if lines else ""), (not tail or tail.endswith(b"\n"))
