from __future__ import annotations

import json
import shutil
import time

import chromadb
import numpy as np
import pytest
from chromadb.config import Settings
from conftest import BUNDLED, FIXTURES

import vectorstore.store as store_module
from ingest.errors import InputFileError, SourceNotFoundError, StoreModelMismatchError
from ingest.pipeline import ReadFile
from vectorstore import Scope, Store
from vectorstore.index import DerivedIndex
from vectorstore.store import changed_since


def test_ingest_bundled_transcript(make_bot):
    bot = make_bot()
    report = bot.ingest([BUNDLED])
    assert report.added == [BUNDLED.name]
    passages = bot.store.passages()
    assert len(passages) == report.passages == bot.store.count()
    assert {p.turn for p in passages} == {1, 2, 3, 4, 5}
    assert {p.speaker for p in passages} == {"Sergey Lavrov"}
    by_turn = {p.turn: p.question for p in passages}
    assert by_turn[3].startswith("The United States and its allies have been meddling")
    assert by_turn[4].startswith("What do you think about the possibility of “vaccination passports”")
    [info] = bot.sources()
    assert info.title.startswith("Foreign Minister Sergey Lavrov’s interview")
    assert (info.date, info.speakers, info.passages) == ("2021-03-22", ["Sergey Lavrov"], len(passages))


def test_ingesting_twice_changes_nothing(make_bot, transcript_copy):
    bot = make_bot()
    bot.ingest([transcript_copy.parent])
    before = sorted(p.id for p in bot.store.passages())
    report = bot.ingest([transcript_copy.parent])
    assert report.unchanged == [transcript_copy.name] and report.passages == 0
    assert sorted(p.id for p in bot.store.passages()) == before


def test_edited_file_replaces_its_passages(make_bot, transcript_copy):
    bot = make_bot()
    bot.ingest([transcript_copy])
    count = bot.store.count()
    text = transcript_copy.read_text(encoding="utf-8")
    edited = text.replace("It is a truly historical document.", "It is a document of real importance.")
    transcript_copy.write_text(edited, encoding="utf-8")
    report = bot.ingest([transcript_copy])
    assert report.replaced == [transcript_copy.name]
    texts = " ".join(p.text for p in bot.store.passages())
    assert "It is a document of real importance." in texts
    assert "truly historical document" not in texts
    assert bot.store.count() == count
    for p in bot.store.passages():
        assert edited[p.char_start : p.char_end] == p.text


def test_an_edit_embeds_only_the_passages_it_changed(make_bot, transcript_copy, monkeypatch):
    bot = make_bot()
    bot.ingest([transcript_copy])
    embedded: list[str] = []
    embed = bot.store.embedder.embed
    monkeypatch.setattr(bot.store.embedder, "embed", lambda texts: embedded.extend(texts) or embed(texts))
    text = transcript_copy.read_text(encoding="utf-8")
    transcript_copy.write_text(text.replace("It is a truly historical document.", "It is a key document."))
    report = bot.ingest([transcript_copy])
    assert report.replaced == [transcript_copy.name]
    assert len(embedded) == 1 and "It is a key document." in embedded[0]
    # every stored vector, kept or new, is its own text's vector
    stored = bot.store.collection.get(include=["documents", "embeddings"])
    fresh = embed(stored["documents"])
    assert np.allclose(np.asarray(stored["embeddings"]), fresh, atol=1e-5)


def test_the_index_follows_an_edit_made_by_another_writer(make_bot, transcript_copy):
    reader = make_bot()
    reader.ingest([transcript_copy])
    before = reader.store.derived()
    text = transcript_copy.read_text(encoding="utf-8")
    transcript_copy.write_text(text.replace("It is a truly historical document.", "It is a key document."))
    writer = make_bot()  # as another process would, through a store of its own
    assert writer.ingest([transcript_copy]).replaced == [transcript_copy.name]
    assert writer.store.count() == reader.store.count()  # so only the generation tells
    index = reader.store.derived()
    assert index is not before and index.key == writer.store.derived().key
    texts = " ".join(p.text for p in index.passages)
    assert "It is a key document." in texts and "truly historical" not in texts


def test_the_indexes_are_saved_and_loaded_by_the_next_process(make_bot, transcript_copy, monkeypatch):
    first = make_bot()
    first.ingest([transcript_copy])
    built = first.store.derived()
    saved = list(first.store.cache_folder.glob("index-*"))
    assert len(saved) == 1 and (saved[0] / "index.json").exists()

    def no_build(*args, **kwargs):
        raise AssertionError("the saved index should have been loaded")

    monkeypatch.setattr(DerivedIndex, "build", no_build)
    loaded = make_bot().store.derived()  # as a new process would
    assert loaded.key == built.key
    assert [p.id for p in loaded.passages] == [p.id for p in built.passages]
    assert loaded.postings.keys() == built.postings.keys()
    assert all((loaded.postings[w] == built.postings[w]).all() for w in built.postings)
    assert all(loaded.words_of(i) == built.words_of(i) for i in range(len(built)))
    assert loaded.speaker_surnames == built.speaker_surnames
    question = ["sanction", "diplomaci"]
    assert np.allclose(loaded.lexical_scores(question), built.lexical_scores(question))
    assert loaded.speller.correct("sanctons") == built.speller.correct("sanctons") == "sanctions"


def test_saved_indexes_are_rebuilt_when_stale_or_lost(make_bot, transcript_copy, tmp_path):
    reader = make_bot()
    reader.ingest([transcript_copy])
    first = reader.store.derived()
    # another process adds a transcript: the generation changes, the next question rebuilds
    other = tmp_path / "other.txt"
    other.write_text("Q: What about bees?\n\nA: Bees need a dry hive in winter.\n", encoding="utf-8")
    make_bot().ingest([other])
    second = reader.store.derived()
    assert second.key != first.key and "other.txt" in second.sources.tolist()
    # another process removes it
    make_bot().remove("other.txt")
    third = reader.store.derived()
    assert "other.txt" not in third.sources.tolist() and len(third) == len(first)
    # only the newest saved index is kept
    assert len(list(reader.store.cache_folder.glob("index-*"))) == 1
    # a deleted or damaged index folder is rebuilt, and saved again
    shutil.rmtree(reader.store.cache_folder)
    assert len(make_bot().store.derived()) == len(first)
    (saved,) = reader.store.cache_folder.glob("index-*")
    (saved / "passages.json").write_text("[[", encoding="utf-8")
    assert len(make_bot().store.derived()) == len(first)


def _same_index(updated: DerivedIndex, built: DerivedIndex) -> None:
    assert updated.key == built.key
    assert [p.id for p in updated.passages] == [p.id for p in built.passages]
    assert list(updated.passages) == list(built.passages)
    for name in ("sources", "speakers", "answers", "question_index", "paragraph_start", "paragraph_end"):
        assert np.array_equal(getattr(updated, name), getattr(built, name)), name
    for name in ("vocab", "indptr", "ids", "counts"):
        assert np.array_equal(getattr(updated.tokens, name), getattr(built.tokens, name)), name
    assert updated.speaker_surnames == built.speaker_surnames
    assert updated.questions.texts == built.questions.texts
    assert np.array_equal(updated.questions.vectors, built.questions.vectors)
    for question in (["bee", "hive"], ["sanction", "diplomaci"], ["barley", "drought", "bank"]):
        assert np.array_equal(updated.lexical_scores(question), built.lexical_scores(question))
    assert updated.speller.correct("sanctons droght") == built.speller.correct("sanctons droght")


def test_after_a_write_the_index_is_updated_from_the_sources_it_changed(
    make_bot, transcript_copy, roe_and_doe, tmp_path, monkeypatch, caplog
):
    roe, doe = roe_and_doe
    reader = make_bot()
    reader.ingest([transcript_copy, roe])
    reader.store.derived()
    bees = tmp_path / "bees.txt"
    bees.write_text("Q: What about bees?\n\nA: Bees need a dry hive in winter.\n", encoding="utf-8")
    roe.write_text(roe.read_text(encoding="utf-8").replace("forty acres", "sixty acres"), encoding="utf-8")
    writer = make_bot()  # another process
    writer.ingest([bees, doe])
    real_build = DerivedIndex.build

    def every_passage(key: str) -> DerivedIndex:  # the index a build from scratch gives
        return real_build(key, writer.store.passages(), writer.embedder, writer.store.cache_folder)

    def no_build(*args, **kwargs):
        raise AssertionError("the index should have been updated, not built from every passage")

    monkeypatch.setattr(DerivedIndex, "build", no_build)
    with caplog.at_level("INFO", logger="vectorstore.store"):
        from_saved = make_bot().store.derived()  # a new process updates the one the reader saved
    assert "updated the indexes" in caplog.text
    assert {p.source for p in from_saved.passages} == {transcript_copy.name, "bees.txt", "doe.txt", "roe.txt"}
    _same_index(from_saved, every_passage(from_saved.key))

    writer.ingest([roe])  # an edit
    writer.remove(transcript_copy.name)
    from_own = reader.store.derived()  # the reader's own index, older than all three writes
    assert {p.source for p in from_own.passages} == {"bees.txt", "doe.txt", "roe.txt"}
    assert "sixty acres" in " ".join(p.text for p in from_own.passages)
    _same_index(from_own, every_passage(from_own.key))


def test_an_index_is_built_again_when_the_writes_since_are_not_known(
    make_bot, transcript_copy, roe_and_doe, caplog
):
    roe, _ = roe_and_doe
    reader = make_bot()
    reader.ingest([transcript_copy])
    generation = reader.store.derived().key.split(":")[0]
    store = reader.store
    # a write by an older quotebot: a new generation, and no entry in the log
    store.collection.modify(metadata={**store.collection.metadata, "quotebot_generation": "older"})
    make_bot().ingest([roe])
    assert changed_since(store._metadata(), generation) is None
    with caplog.at_level("INFO", logger="vectorstore.store"):
        index = reader.store.derived()
    assert "built the indexes" in caplog.text
    assert {p.source for p in index.passages} == {transcript_copy.name, "roe.txt"}


def test_the_log_of_writes_names_what_changed_since_a_generation():
    log = [["a", "b", ["x.txt"]], ["b", "c", ["y.txt", "x.txt"]], ["c", "d", None], ["d", "e", ["z.txt"]]]
    meta = {"quotebot_generation": "c", "quotebot_changes": json.dumps(log[:2])}
    assert changed_since(meta, "a") == {"x.txt", "y.txt"}
    assert changed_since(meta, "b") == {"y.txt", "x.txt"}
    assert changed_since(meta, "c") == set()
    assert changed_since(meta, "older") is None  # the log does not reach back to it
    meta = {"quotebot_generation": "e", "quotebot_changes": json.dumps(log)}
    assert changed_since(meta, "a") is None  # a write in between did not list its sources
    assert changed_since(meta, "d") == {"z.txt"}
    assert changed_since({"quotebot_generation": "e", "quotebot_changes": "[[broken"}, "d") is None


def test_short_files_are_embedded_together_and_a_rerun_reads_the_store_once(make_bot, tmp_path, monkeypatch):
    folder = tmp_path / "short"
    folder.mkdir()
    for i in range(30):
        (folder / f"answer-{i:02d}.txt").write_text(f"Q: Question {i}?\n\nA: Answer number {i} here.\n")
    bot = make_bot()
    calls: list[int] = []
    embed = bot.store.embedder.embed
    monkeypatch.setattr(bot.store.embedder, "embed", lambda texts: calls.append(len(texts)) or embed(texts))
    assert len(bot.ingest([folder]).added) == 30
    assert calls == [30]  # one batch for thirty files, not thirty calls
    gets: list[object] = []
    get = bot.store.collection.get
    monkeypatch.setattr(bot.store.collection, "get", lambda **kw: gets.append(kw) or get(**kw))

    def not_cut(*args, **kwargs):
        raise AssertionError("an unchanged file is not cut into passages again")

    monkeypatch.setattr(ReadFile, "cut", not_cut)
    assert len(bot.ingest([folder]).unchanged) == 30
    assert len(gets) == 1 and calls == [30]


def test_files_of_like_length_are_embedded_together_and_reported_in_folder_order(
    make_bot, tmp_path, monkeypatch
):
    folder = tmp_path / "mixed"
    folder.mkdir()
    long = " ".join(["The harvest this year was the best the region has seen in a decade."] * 4)
    for i in range(8):
        (folder / f"answer-{i}.txt").write_text(f"Q: Question {i}?\n\nA: {long if i % 2 else f'Yes, {i}.'}\n")
    monkeypatch.setattr(store_module, "_BATCH", 4)
    bot = make_bot()
    calls: list[list[str]] = []
    embed = bot.store.embedder.embed
    monkeypatch.setattr(bot.store.embedder, "embed", lambda texts: calls.append(texts) or embed(texts))
    report = bot.ingest([folder])
    assert report.added == [f"answer-{i}.txt" for i in range(8)]
    # A batch is padded to its longest text: the short answers are not embedded beside long ones.
    assert [{len(t) > 100 for t in call} for call in calls] == [{False}, {True}]
    assert len(bot.store.passages()) == 8


def test_interrupted_ingest_is_completed_by_a_rerun(make_bot, transcript_copy):
    bot = make_bot()
    bot.ingest([transcript_copy])
    full = sorted(p.id for p in bot.store.passages())
    # simulate a crash after part of the upsert: some passages are gone
    bot.store.collection.delete(ids=full[: len(full) // 2])
    report = bot.ingest([transcript_copy])
    assert report.replaced == [transcript_copy.name]
    assert sorted(p.id for p in bot.store.passages()) == full


def test_a_change_no_generation_records_is_seen_when_the_count_is_read_again(
    make_bot, transcript_copy, monkeypatch
):
    bot = make_bot()
    bot.ingest([transcript_copy])
    before = bot.store.derived()
    gone = sorted(p.id for p in bot.store.passages())[:3]
    bot.store.collection.delete(ids=gone)  # as a write that crashed after a reader built its index
    assert bot.store.derived() is before  # the count is not read again at every question
    later = time.monotonic() + store_module._RECOUNT_SECONDS
    monkeypatch.setattr(store_module.time, "monotonic", lambda: later)
    after = bot.store.derived()
    assert len(after) == len(before) - 3 and not any(after.row(pid) is not None for pid in gone)


def test_remove_source(make_bot):
    bot = make_bot()
    bot.ingest([BUNDLED, FIXTURES / "qa_short.txt"])
    assert bot.remove("qa_short.txt") == 2
    assert [s.source for s in bot.sources()] == [BUNDLED.name]
    with pytest.raises(SourceNotFoundError, match=r"qa_short\.txt"):
        bot.remove("qa_short.txt")


def test_bad_files_leave_the_store_unchanged(make_bot, tmp_path):
    bot = make_bot()
    bot.ingest([BUNDLED])
    before = bot.store.count()
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n")
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    report = bot.ingest([empty, binary])
    assert [name for name, _ in report.failed] == ["empty.txt", "image.txt"]
    assert "empty" in report.failed[0][1] and "binary" in report.failed[1][1]
    with pytest.raises(InputFileError, match="no such file"):
        bot.ingest([tmp_path / "missing.txt"])
    assert bot.store.count() == before


def test_files_of_one_name_in_two_folders_are_both_refused(make_bot, tmp_path):
    folder = tmp_path / "mixed"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(FIXTURES / "qa_short.txt", folder / "names.txt")
    shutil.copy(FIXTURES / "no_speakers.txt", folder / "sub" / "names.txt")
    shutil.copy(FIXTURES / "xss.txt", folder / "xss.txt")
    bot = make_bot()
    for _ in range(2):  # the same on every run: nothing flips
        report = bot.ingest([folder, folder / "xss.txt"])  # a file named twice is one file
        assert [name for name, _ in report.failed] == ["names.txt"]
        [(_, why)] = report.failed
        assert str(folder / "names.txt") in why and str(folder / "sub" / "names.txt") in why
        assert "Rename" in why
        assert [s.source for s in bot.sources()] == ["xss.txt"]
        assert bot.store.count() == len(bot.store.passages(Scope(sources=("xss.txt",))))


def test_empty_and_binary_files_in_a_folder_are_skipped(make_bot, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(FIXTURES / "qa_short.txt", folder / "qa_short.txt")
    (folder / "empty.txt").write_text("")
    (folder / "blob.txt").write_bytes(bytes(range(256)) * 4)
    bot = make_bot()
    report = bot.ingest([folder])
    assert report.added == ["qa_short.txt"] and not report.failed
    assert dict(report.skipped) == {
        str(folder / "blob.txt"): "this looks like a binary file, not a text transcript.",
        str(folder / "empty.txt"): "the file is empty; there is nothing to ingest.",
    }
    report = bot.ingest([folder, folder / "empty.txt"])  # named, it is still an error
    assert report.unchanged == ["qa_short.txt"]
    assert report.failed == [("empty.txt", "empty.txt: the file is empty; there is nothing to ingest.")]


def test_a_folders_readme_and_licence_are_skipped_unless_named(make_bot, tmp_path):
    folder = tmp_path / "interviews"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(FIXTURES / "qa_short.txt", folder / "qa_short.txt")
    (folder / "README.md").write_text("# Interviews\n\nTranscripts of the 2023 oral history project.\n")
    (folder / "LICENSE").write_text("MIT License\n\nPermission is hereby granted, free of charge.\n")
    (folder / "sub" / "notice.txt").write_text("These transcripts are shared for research only.\n")
    (folder / "sub" / "README.md").write_text("More transcripts.\n")  # no clash with the other README
    bot = make_bot()
    report = bot.ingest([folder])
    assert report.added == ["qa_short.txt"] and not report.failed
    assert [s.source for s in bot.sources()] == ["qa_short.txt"]
    notes = "named as the folder's notes or licence, not a transcript"
    assert dict(report.skipped) == {
        str(folder / "README.md"): f"{notes}; name it on the command line to ingest it anyway.",
        str(folder / "LICENSE"): f"{notes}.",  # it has no suffix, so naming it would not help
        str(folder / "sub" / "notice.txt"): f"{notes}; name it on the command line to ingest it anyway.",
        str(folder / "sub" / "README.md"): f"{notes}; name it on the command line to ingest it anyway.",
    }
    report = bot.ingest([folder, folder / "README.md"])  # named, it is ingested, and not also skipped
    assert report.added == ["README.md"] and report.unchanged == ["qa_short.txt"]
    assert str(folder / "README.md") not in dict(report.skipped)


def test_store_built_with_another_model_is_refused(tmp_path, embedder):
    client = chromadb.PersistentClient(
        path=str(tmp_path / "old"), settings=Settings(anonymized_telemetry=False)
    )
    client.create_collection(
        "passages", embedding_function=None, metadata={"embedding_model": "other", "embedding_dim": 768}
    )
    del client
    with pytest.raises(StoreModelMismatchError, match=r"other.*Rebuild"):
        Store(path=tmp_path / "old", embedder=embedder).count()


def test_store_copy_survives_reopen(make_bot, tmp_path):
    bot = make_bot()
    bot.ingest([BUNDLED])
    shutil.copytree(tmp_path / "store", tmp_path / "copy")
    again = make_bot(store=tmp_path / "copy")
    assert again.store.count() == bot.store.count()


def test_vectors_of_more_ids_than_one_query_can_bind(bundled_bot):
    passages = bundled_bot.store.passages()
    ids = [f"unknown-{i}" for i in range(40_000)] + [p.id for p in passages]
    found = bundled_bot.store.vectors(ids)
    assert sorted(found) == sorted(p.id for p in passages)
    assert all(v.shape == (bundled_bot.embedder.dimension,) for v in found.values())


def test_a_write_by_the_chat_gives_way_to_questions_being_answered(make_bot, transcript_copy, monkeypatch):
    """While the chat answers a question, its own ingest embeds nothing (for a short while at
    most), then embeds a few passages at a time; with no question, a few more; a write outside
    a chat never waits."""
    bot = make_bot()
    waited: list[float] = []
    sizes: list[int] = []
    embed = bot.store.embedder.embed

    def timed_embed(texts):
        waited.append(time.monotonic())
        sizes.append(len(texts))
        return embed(texts)

    monkeypatch.setattr(bot.store, "_background_embedder", bot.store.embedder)
    monkeypatch.setattr(bot.store.embedder, "embed", timed_embed)
    bot.store.hold()
    try:
        with bot.store.reading():
            started = time.monotonic()
            bot.ingest([transcript_copy])
        assert waited and waited[0] - started >= 0.4  # it waited for the question, up to its limit
        assert sum(sizes) == bot.store.count() and max(sizes) == 4
        other = transcript_copy.with_name("copy-" + transcript_copy.name)
        other.write_text(transcript_copy.read_text(encoding="utf-8").replace("Lavrov", "Lavrova"))
        waited.clear()
        sizes.clear()
        started = time.monotonic()
        bot.ingest([other])
        assert waited and waited[0] - started < 0.4  # no question, no wait
        assert max(sizes) == 16
    finally:
        bot.store.release()
