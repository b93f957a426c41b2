"""The derived lexical index: tokens, acronyms and BM25 scores that keep a weak match weak."""

from __future__ import annotations

import gc
import os
import time
from dataclasses import replace

import bm25s
import numpy as np
import pytest

from bot.query import named_speakers, query_tokens
from ingest import Passage, passage_id, sentence_spans
from ingest.words import acronyms, tokenize
from vectorstore import Scope
from vectorstore import index as index_module
from vectorstore.index import DerivedIndex, _Tokens


def _passage(text: str, turn: int, speaker: str = "Sergey Lavrov") -> Passage:
    return Passage(
        id=passage_id("t.txt", turn, text), text=text, source="t.txt", title="t", date=None, url=None,
        speaker=speaker, question="Question?", turn=turn, paragraph=0, char_start=turn, char_end=turn,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What did the European Union do?", {"EU"}),
        ("The EU imposed sanctions.", {"EU"}),
        ("The World Health Organization and the WHO", {"WHO"}),
        ("Lavrov spoke in Moscow.", set()),
    ],
)
def test_acronyms_match_the_names_they_stand_for(text, expected):
    assert acronyms(text) == expected


def test_an_acronym_is_not_the_stop_word_it_spells():
    assert "US" in tokenize("Does the US want to rejoin it?")
    assert "US" not in tokenize("Tell us more.")


def test_text_in_capitals_has_no_acronyms():
    assert tokenize("WHAT DID THE EU DO?") == tokenize("What did the eu do?") == ["eu"]
    assert tokenize("WHO", capitals_mark_acronyms=True) == ["WHO"]  # a word of a text in lower case
    assert tokenize("What is the WHO's position?") == ["posit", "WHO"]


def test_a_question_naming_the_union_finds_the_passage_saying_eu(embedder):
    index = DerivedIndex.build(
        "fp",
        [
            _passage("European businesses are disgruntled with the sanctions.", 1),
            _passage("Washington was joined by the EU, which followed the same path.", 2),
        ],
        embedder,
    )
    scores = index.lexical_scores(tokenize("What did the European Union do?"))
    assert scores[1] > 0


def test_lexical_scores_keep_a_weak_match_weak(embedder):
    index = DerivedIndex.build(
        "fp",
        [
            _passage("Tourism was hit hard by the coronavirus.", 1),
            _passage("Poor countries have been hit by sanctions.", 2),
            _passage("Cultural exchanges went online.", 3),
            _passage("Students are returning to universities.", 4),
        ],
        embedder,
    )
    scores = index.lexical_scores(tokenize("Was tourism hit by the coronavirus?"))
    assert 0.3 < scores[0] < 1.0  # every word once: BM25 gives more only to repeated words
    # The sanctions passage shares only "hit": it is not given full marks for being second best.
    assert 0 < scores[1] < scores[0] / 2
    assert index.lexical_scores(tokenize("cryptocurrency regulation")).tolist() == [0.0] * 4
    # Words no passage uses still count in the most BM25 could give: matching "tourism" alone
    # out of "tourism" and two unknown words is a weak match, not a full one.
    alone = index.lexical_scores(tokenize("tourism"))[0]
    diluted = index.lexical_scores(tokenize("tourism cryptocurrency regulation"))[0]
    assert 0 < diluted < alone / 2


def test_words_the_filtered_passages_never_use_weigh_the_most(embedder):
    index = DerivedIndex.build(
        "fp",
        [
            _passage("Relations with China are the best they have ever been.", 1),
            _passage("Relations with Japan are warming, and trade with Japan grows.", 2, "Other Minister"),
        ],
        embedder,
    )
    question = tokenize("How are relations with Japan?")
    everyone = Scope().mask(index)
    lavrov = Scope(speakers=("Sergey Lavrov",)).mask(index)
    assert index.unused(question, everyone) == frozenset()
    assert index.unused(question, lavrov) == {"japan"}
    # Lavrov never mentions Japan: to his passages it weighs as much as a word nobody uses.
    assert index.idf("japan", {"japan"}) == index.idf("cryptocurrency") > index.idf("japan")
    assert index.lexical_scores(question, {"japan"})[0] < index.lexical_scores(question)[0]


def test_implied_initials_count_only_where_a_passage_uses_them(embedder):
    index = DerivedIndex.build("fp", [_passage("Washington was joined by the EU.", 1)], embedder)
    assert "EU" in query_tokens(index, "What did the European Union do?")
    # "XJ" from "Xi Jinping" is in no passage: it would count against every passage as unknown.
    assert "XJ" not in query_tokens(index, "What did Xi Jinping propose?")
    # An acronym typed by the asker is kept, known or not: it is what they asked about.
    assert "NATO" in query_tokens(index, "What about NATO?")


def test_a_question_names_speakers_by_their_surname(embedder):
    labels = ["Sergey Lavrov", "Ambassador Rice", "Ms. Young", "On Russia", "Clinton", "Mr. Jean-Pierre"]
    passages = [_passage(f"Passage {i} on young people and exports.", i, who) for i, who in enumerate(labels)]
    index = DerivedIndex.build("fp", passages, embedder)
    assert named_speakers(index, "What did Lavrov say about NATO?") == ["Sergey Lavrov"]
    assert named_speakers(index, "Lavrov's view of Jean-Pierre?") == ["Mr. Jean-Pierre", "Sergey Lavrov"]
    assert named_speakers(index, "What did Rice say?") == ["Ambassador Rice"]
    assert named_speakers(index, "what did lavrov's deputy say?") == ["Sergey Lavrov"]  # no English word
    # Asked of chosen sources, only those who speak there: anyone else named is the subject.
    assert named_speakers(index, "What did Lavrov say about Rice?", ["t.txt"]) == [
        "Ambassador Rice",
        "Sergey Lavrov",
    ]
    assert named_speakers(index, "What did Lavrov say about Rice?", ["other.txt"]) == []
    # Not names: a lower-case English word; a surname the transcripts also use as an ordinary word ("young");
    # a heading taken for a speaker; a one-word label, which may as well be a place.
    assert named_speakers(index, "How much rice does Russia export?") == []
    assert named_speakers(index, "Young people in Russia and Clinton?") == []


def test_question_vectors_are_saved_by_question_and_reused(tmp_path, embedder, monkeypatch):
    asked = ["Will the treaty be extended? It expires soon.", "What about sanctions?"]
    passages = [replace(_passage(f"Answer number {i}.", i), question=asked[i % 2]) for i in range(4)]
    first = DerivedIndex.build("a", passages, embedder, tmp_path)
    assert len(first.questions.vectors) == 3  # one row per sentence of each distinct question

    # A rebuild with one new question splits and embeds that question only.
    split: list[str] = []
    monkeypatch.setattr(
        index_module, "sentence_spans", lambda text: split.append(text) or sentence_spans(text)
    )
    embedded: list[str] = []
    embed = embedder.embed
    monkeypatch.setattr(embedder, "embed", lambda texts: embedded.extend(texts) or embed(texts))
    more = [*passages, replace(_passage("Answer five.", 5), question="And students?")]
    second = DerivedIndex.build("b", more, embedder, tmp_path)
    assert split == ["And students?"] and embedded == ["And students?"]
    for text in asked:
        i, j = first.questions.texts.index(text), second.questions.texts.index(text)
        np.testing.assert_array_equal(
            first.questions.vectors[first.questions.owner == i],
            second.questions.vectors[second.questions.owner == j],
        )


def test_a_speaker_name_counts_once_when_spelling_is_corrected(embedder):
    passages = [_passage(f"Answer {i} on trade.", i, "Mr. Deese") for i in range(101)]
    passages.append(_passage("Defense, " * 10, 200, "Ms. Psaki"))
    index = DerivedIndex.build("fp", passages, embedder)
    # "defese" is one edit from "defense" (said ten times) and from "Deese" (who speaks 101 times).
    assert index.speller.correct("What about defese?") == "What about defense?"


def test_postings_list_the_rows_that_use_each_word_in_order():
    tokens = _Tokens.of([["b", "a"], ["c"], ["a", "a", "c"], []])
    postings = index_module._postings(index_module._bm25(tokens, rows_at_once=2))
    assert {w: rows.tolist() for w, rows in postings.items()} == {"a": [0, 2], "b": [0], "c": [1, 2]}


def test_bm25_scores_each_word_as_bm25s_indexing_the_words_does(bundled_bot):
    passages = bundled_bot.store.derived().passages
    words = [tokenize(index_module._about(p)) for p in passages]
    theirs = bm25s.BM25()
    theirs.index(words, show_progress=False)
    ours = index_module._bm25(_Tokens.of(words), rows_at_once=7)  # in slices, the last one short
    assert len(passages) % 7 and set(ours.vocab_dict) == set(theirs.vocab_dict)
    for word in set(ours.vocab_dict) - {""}:  # the empty word, which bm25s adds, scores nothing
        np.testing.assert_array_equal(ours.get_scores([word]), theirs.get_scores([word]), err_msg=word)


def test_a_word_used_more_than_a_count_holds_counts_as_the_most_it_holds():
    # "peace" is counted before "war" overflows: that row is counted again, capped, not twice.
    tokens = _Tokens.of([["a", "b"], ["peace"] + ["war"] * 70_000, ["b"]])
    assert tokens.counts.dtype == np.uint16
    words = tokens.vocab[tokens.ids].tolist()
    assert list(zip(words, tokens.counts.tolist(), strict=True)) == [
        ("a", 1),
        ("b", 1),
        ("peace", 1),
        ("war", 65_535),
        ("b", 1),
    ]


def test_a_build_keeps_the_texts_on_disk_and_saving_links_them(tmp_path, embedder):
    abandoned, recent = tmp_path / "building-crashed", tmp_path / "building-running"
    abandoned.mkdir()
    recent.mkdir()
    two_hours_ago = time.time() - 7200
    os.utime(abandoned, (two_hours_ago, two_hours_ago))
    passages = [_passage(f"Answer number {i} on trade.", i) for i in range(5)]
    index = DerivedIndex.build("k", passages, embedder, tmp_path)
    assert not abandoned.exists() and recent.exists()
    spill = index.passages.saved_in
    assert spill is not None and spill.parent == tmp_path and spill.name.startswith("building-")
    assert isinstance(index.passages.text, np.memmap) and index.answers.all()
    index_texts = list(index.passages)
    assert [p.text for p in index_texts] == [p.text for p in passages]

    index.save(tmp_path / "saved")
    assert (tmp_path / "saved/passages/text.npy").stat().st_ino == (spill / "text.npy").stat().st_ino
    index.save(tmp_path / "saved")  # again, into its own links: nothing is written over
    assert [p.text for p in index.passages] == [p.text for p in index_texts]
    del index
    gc.collect()
    assert not spill.exists()  # removed with the index; the saved copy stays whole
    loaded = DerivedIndex.load(tmp_path / "saved", "k", embedder)
    assert loaded is not None and [p.text for p in loaded.passages] == [p.text for p in index_texts]


def test_a_build_where_nothing_can_be_written_keeps_the_texts_in_memory(tmp_path, embedder):
    cache = tmp_path / "cache"
    cache.write_text("a file where the cache folder would be")
    passages = [_passage(f"Answer number {i} on trade.", i) for i in range(3)]
    index = DerivedIndex.build("k", passages, embedder, cache)
    assert index.passages.saved_in is None and [p.text for p in index.passages] == [p.text for p in passages]
