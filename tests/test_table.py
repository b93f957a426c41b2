"""Passages as columns: every field comes back as it went in, through a save and a load too."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ingest import Passage
from vectorstore.table import PassageTable


def _passage(i: int, source: str, **fields) -> Passage:
    values = dict(
        id=f"id-{i}",
        text=f"Answer {i}: «déjà vu» — ünïcode.",
        source=source,
        title=f"Interview {source}",
        date="2021-03-22",
        url=None,
        speaker="Sergey Lavrov" if i % 2 else None,
        question="What about sanctions?" if i % 3 else None,
        turn=i // 2,
        paragraph=i,
        char_start=100 * i,
        char_end=100 * i + 30,
    )
    return Passage(**{**values, **fields})


PASSAGES = [
    _passage(0, "b.txt", time="00:01:05", last_paragraph=2),
    _passage(1, "a.txt", media="/recordings/a.wav"),
    _passage(2, "b.txt", char_start=50, char_end=60, text=""),
    _passage(3, "a.txt", url="https://example.org/a", char_start=0),
]


def test_every_field_of_every_passage_comes_back(tmp_path):
    table = PassageTable.of(PASSAGES)
    assert list(table) == PASSAGES and len(table) == 4
    assert table[-1] == PASSAGES[-1] and table[1:3] == PASSAGES[1:3]
    table.save(tmp_path / "passages")
    loaded = PassageTable.load(tmp_path / "passages")
    assert list(loaded) == PASSAGES
    assert isinstance(loaded.text, np.memmap)  # mapped, not read
    with pytest.raises(IndexError):
        loaded[4]


def test_a_passage_is_found_by_its_id():
    table = PassageTable.of(PASSAGES)
    assert [table.row(p.id) for p in PASSAGES] == [0, 1, 2, 3]
    assert table.row("id-9") is None
    assert table.row("an id longer than any the table holds") is None
    assert PassageTable.of([]).row("id-0") is None


def test_columns_read_as_labels_of_every_row():
    table = PassageTable.of(PASSAGES)
    assert table.strings("source").tolist() == ["b.txt", "a.txt", "b.txt", "a.txt"]
    assert table.strings("speaker", none="").tolist() == ["", "Sergey Lavrov", "", "Sergey Lavrov"]
    assert table.distinct("question") == {"What about sanctions?"}


def test_rows_taken_joined_and_put_in_source_order_are_the_same_passages():
    first, second = PassageTable.of(PASSAGES[:2]), PassageTable.of(PASSAGES[2:])
    joined = PassageTable.joined([first, second])
    assert list(joined) == PASSAGES
    ordered = joined.take(joined.source_order())
    assert list(ordered) == sorted(PASSAGES, key=lambda p: (p.source, p.char_start))
    assert list(joined.take([2])) == [PASSAGES[2]]
    assert list(joined.take([])) == []


def test_a_new_field_of_passage_would_be_kept_too():
    """The columns follow Passage's fields: none is left out."""
    table = PassageTable.of(PASSAGES)
    names = {f.name for f in dataclasses.fields(Passage)} - {"id", "text"}
    assert set(table.columns) == names
