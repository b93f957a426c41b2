"""Passages as columns of arrays, saved as files a process maps into memory rather than reads.

A million passages as Python objects took gigabytes, and a minute to load from JSON. Here each
text is bytes in one array, each label (source, speaker, question, …) a number into one table
of the distinct labels, and a :class:`Passage` is made only for a row that is asked for.
"""

from __future__ import annotations

import dataclasses
import os
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import overload

import numpy as np
import orjson

from ingest import Passage

_FIELDS = dataclasses.fields(Passage)
# Labels, stored as numbers into the table of distinct labels (-1 for None); the rest are numbers.
_LABELS = [f.name for f in _FIELDS if "str" in str(f.type) and f.name not in ("id", "text")]
_NUMBERS = [f.name for f in _FIELDS if "int" in str(f.type)]
_NONE = -1  # a number or label that is None (paragraphs, turns and offsets are never negative)


@dataclass(frozen=True, eq=False)  # two tables of the same passages may number labels apart
class PassageTable(Sequence[Passage]):
    """Passages in rows: ``table[i]`` is the :class:`Passage` of row ``i``."""

    ids: np.ndarray  # bytes, UTF-8
    text: np.ndarray  # every text's UTF-8 bytes, end to end
    ends: np.ndarray  # where row i's text ends in ``text`` (it starts where row i - 1's ends)
    labels: list[str]  # the distinct labels
    columns: dict[str, np.ndarray]  # a label's number, or a number, by field name and row
    saved_in: Path | None = None  # the folder its files are mapped from, if it was loaded

    @classmethod
    def of(cls, passages: Iterable[Passage]) -> PassageTable:
        """The table of ``passages``, in their order, read one at a time."""
        ids: list[bytes] = []
        text, ends = bytearray(), array("q")
        number: dict[str, int] = {}
        columns = {name: array("q") for name in _LABELS + _NUMBERS}
        for p in passages:
            ids.append(p.id.encode())
            text += p.text.encode()
            ends.append(len(text))
            for name in _LABELS:
                value = getattr(p, name)
                columns[name].append(_NONE if value is None else number.setdefault(value, len(number)))
            for name in _NUMBERS:
                value = getattr(p, name)
                columns[name].append(_NONE if value is None else value)
        return cls(
            np.array(ids, dtype=bytes) if ids else np.zeros(0, dtype="S1"),
            np.frombuffer(text, dtype=np.uint8),  # the bytearray itself, not a copy
            np.frombuffer(ends, dtype=np.int64),
            list(number),
            {name: np.array(values, dtype=np.int64) for name, values in columns.items()},
        )

    def __len__(self) -> int:
        return len(self.ends)

    @overload
    def __getitem__(self, row: int) -> Passage: ...
    @overload
    def __getitem__(self, row: slice) -> list[Passage]: ...
    def __getitem__(self, row: int | slice) -> Passage | list[Passage]:
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        row = int(row)
        if not -len(self) <= row < len(self):
            raise IndexError(f"row {row} of a table of {len(self)} passages")
        row %= len(self)
        values: dict[str, object] = {name: self.label(name, row) for name in _LABELS}
        values.update({name: self.number(name, row) for name in _NUMBERS})
        return Passage(id=self.id(row), text=self.text_of(row), **values)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Passage]:
        return (self[i] for i in range(len(self)))

    def texts(self) -> Iterator[str]:
        """Every row's text, in order, without making its passage."""
        return (self.text_of(i) for i in range(len(self)))

    def id(self, row: int) -> str:
        return bytes(self.ids[row]).decode()

    def text_of(self, row: int) -> str:
        start = int(self.ends[row - 1]) if row else 0
        return bytes(self.text[start : self.ends[row]]).decode()

    def label(self, name: str, row: int) -> str | None:
        number = int(self.columns[name][row])
        return None if number == _NONE else self.labels[number]

    def number(self, name: str, row: int) -> int | None:
        value = int(self.columns[name][row])
        return None if value == _NONE else value

    def strings(self, name: str, none: str | None = None) -> np.ndarray:
        """Column ``name``'s label of every row, as an array of objects (``none`` where it has none)."""
        table = np.array([*self.labels, none], dtype=object)  # number -1 reads the last
        return table[self.columns[name]]

    def distinct(self, name: str) -> set[str]:
        """The labels column ``name`` holds."""
        return {self.labels[n] for n in np.unique(self.columns[name]).tolist() if n != _NONE}

    def row(self, passage_id: str) -> int | None:
        """The row of the passage ``passage_id``; None when the table has none."""
        if len(passage_id.encode()) > self.ids.dtype.itemsize:
            return None
        key = np.array(passage_id.encode(), dtype=self.ids.dtype)
        at = int(np.searchsorted(self.ids, key, sorter=self._by_id))
        if at < len(self) and self.ids[self._by_id[at]] == key:
            return int(self._by_id[at])
        return None

    @cached_property
    def _by_id(self) -> np.ndarray:
        return np.argsort(self.ids, kind="stable")

    def take(self, rows: Sequence[int] | np.ndarray) -> PassageTable:
        """The rows ``rows``, in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        starts = np.concatenate([[0], self.ends])[rows]
        lengths = self.ends[rows] - starts
        text = bytearray()
        for start, length in zip(starts.tolist(), lengths.tolist(), strict=True):
            text += self.text[start : start + length].tobytes()
        return PassageTable(
            self.ids[rows],
            np.frombuffer(text, dtype=np.uint8),
            np.cumsum(lengths, dtype=np.int64),
            self.labels,
            {name: values[rows] for name, values in self.columns.items()},
        )

    @classmethod
    def joined(cls, parts: Sequence[PassageTable]) -> PassageTable:
        """The rows of ``parts`` one after another, their labels in one table."""
        labels: dict[str, int] = {}
        renumbered = []
        for part in parts:
            mapping = np.array([labels.setdefault(label, len(labels)) for label in part.labels] + [_NONE])
            renumbered.append({name: mapping[part.columns[name]] for name in _LABELS})
        offsets = np.cumsum([0] + [len(part.text) for part in parts[:-1]])
        width = max([part.ids.dtype.itemsize for part in parts] + [1])
        return cls(
            np.concatenate([part.ids.astype(f"S{width}") for part in parts]),
            np.concatenate([np.asarray(part.text) for part in parts]),
            np.concatenate([part.ends + offset for part, offset in zip(parts, offsets, strict=True)]),
            list(labels),
            {
                name: np.concatenate(
                    [
                        numbers[name] if name in _LABELS else part.columns[name]
                        for part, numbers in zip(parts, renumbered, strict=True)
                    ]
                )
                for name in _LABELS + _NUMBERS
            },
        )

    def source_order(self) -> np.ndarray:
        """The rows ordered by source, then by where they start in it."""
        rank = np.empty(len(self.labels) + 1, dtype=np.int64)
        rank[np.argsort(np.array(self.labels, dtype=object), kind="stable")] = np.arange(len(self.labels))
        rank[-1] = -1
        return np.lexsort((self.columns["char_start"], rank[self.columns["source"]]))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self.saved_in is not None and _link_files(self.saved_in, folder):
            return
        for name in _FILES:  # written anew, never into a file another table may map
            (folder / name).unlink(missing_ok=True)
        np.save(folder / "ids.npy", self.ids)
        np.save(folder / "text.npy", self.text)
        np.save(folder / "ends.npy", self.ends)
        np.savez(folder / "columns.npz", **self.columns)  # type: ignore[arg-type]  # names, not options
        (folder / "labels.json").write_bytes(orjson.dumps(self.labels))

    def on_disk(self, folder: Path) -> PassageTable:
        """This table saved in ``folder`` and mapped back: its texts leave memory until read."""
        self.save(folder)
        return PassageTable.load(folder)

    @classmethod
    def load(cls, folder: Path) -> PassageTable:
        """The table saved in ``folder``: its ids and texts mapped, not read, until they are used."""
        with np.load(folder / "columns.npz", allow_pickle=False) as saved:
            columns = {name: saved[name] for name in _LABELS + _NUMBERS}
        return cls(
            np.load(folder / "ids.npy", mmap_mode="r", allow_pickle=False),
            np.load(folder / "text.npy", mmap_mode="r", allow_pickle=False),
            np.load(folder / "ends.npy", allow_pickle=False),
            orjson.loads((folder / "labels.json").read_bytes()),
            columns,
            folder,
        )


_FILES = ("ids.npy", "text.npy", "ends.npy", "columns.npz", "labels.json")


def _link_files(saved: Path, folder: Path) -> bool:
    """Link the files of the table saved in ``saved`` into ``folder``: the same bytes, without
    reading half a gigabyte of text back through memory to write it again. False when they
    cannot be (another file system, a file removed since): the table is then written."""
    made = []
    try:
        for name in _FILES:
            target = folder / name
            if target.exists() and os.path.samefile(saved / name, target):
                continue
            target.unlink(missing_ok=True)
            os.link(saved / name, target)
            made.append(target)
    except OSError:
        for file in made:
            file.unlink()
        return False
    return True
