"""The `quotebot` command, run in this process with the shared model (`bot.cli.main`), and two
smoke tests of the real command in its own process."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import BUNDLED, FIXTURES, Result, collapse, run_cli
from filelock import FileLock

from bot.highlight import verbatim_segments


@pytest.fixture(scope="module")
def store(tmp_path_factory, embedder):
    path = tmp_path_factory.mktemp("cli") / "store"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run_cli(embedder, ["--store", path, "ingest", BUNDLED])
    assert code == 0, err.getvalue()
    assert f"added      {BUNDLED.name}" in out.getvalue()
    return path


def test_ingest_again_reports_unchanged(quotebot, store):
    result = quotebot(store, "ingest", BUNDLED.parent)
    assert result.returncode == 0
    assert f"unchanged  {BUNDLED.name}" in result.stdout
    assert "0 passages written" in result.stdout


def test_ask_json_contract(quotebot, store):
    result = quotebot(store, "ask", "What does Lavrov think about sanctions?", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["answered"] is True
    assert data["quotes"][0]["citation"]["turn"] == 3
    assert "sanctions" in data["quotes"][0]["text"]
    source = collapse(BUNDLED.read_text(encoding="utf-8"))
    assert all(collapse(piece) in source for piece in verbatim_segments(data["quotes"][0]["text"]))


def test_ask_human_readable(quotebot, store):
    result = quotebot(store, "ask", "Can online concerts replace live ones?", "-k", "1")
    assert result.returncode == 0
    assert "[1] Sergey Lavrov · Foreign Minister" in result.stdout
    assert "question 5" in result.stdout
    assert ">> " in result.stdout


def test_ask_says_what_it_searched_for_when_it_corrects_spelling(quotebot, store):
    result = quotebot(store, "ask", "Can online conserts replace live ones?", "-k", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Searched for “Can online concerts replace live ones?”\n")


def test_ask_jsonl_batch(quotebot, store):
    lines = "\n".join(
        json.dumps(q)
        for q in [
            {"question": "What does Lavrov think about sanctions?"},
            {"question": "Can online concerts replace live ones?", "history": ["culture"]},
            {"question": " "},
        ]
    )
    result = quotebot(store, "ask", "--jsonl", stdin=lines)
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 3
    assert out[0]["answered"] and out[1]["answered"]
    assert out[2] == {"line": 3, "error": "The question is empty: type a question about the transcripts."}
    assert result.returncode == 1


def test_ask_jsonl_names_the_bad_field_and_goes_on(quotebot, store):
    lines = [
        json.dumps({"question": "sanctions", "history": [1, 2]}),
        json.dumps({"question": "sanctions", "history": "sanctions"}),
        json.dumps({"question": "sanctions", "k": "2"}),
        json.dumps({"question": "sanctions", "k": 2.5}),
        json.dumps({"question": "sanctions", "k": 50}),
        json.dumps({"question": "sanctions", "k": -2}),
        "not json",
        json.dumps({"question": "sanctions", "k": 2, "history": None}),
    ]
    result = quotebot(store, "ask", "--jsonl", stdin="\n".join(lines))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    *errors, last = [json.loads(line) for line in result.stdout.splitlines()]
    assert errors == [
        {"line": 1, "error": '"history" must be a list of earlier questions (strings); it is [1, 2].'},
        {"line": 2, "error": '"history" must be a list of earlier questions (strings); it is "sanctions".'},
        {"line": 3, "error": "\"k\" must be a whole number from 1 to 10; it is '2'."},
        {"line": 4, "error": '"k" must be a whole number from 1 to 10; it is 2.5.'},
        {"line": 5, "error": '"k" must be a whole number from 1 to 10; it is 50.'},
        {"line": 6, "error": '"k" must be a whole number from 1 to 10; it is -2.'},
        {"line": 7, "error": "not valid JSON (Expecting value at column 1)."},
    ]
    assert len(last["quotes"]) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--source", "nope.txt"],
            f"No source named 'nope.txt' in the store. Ingested sources: {BUNDLED.name}.",
        ),
        (
            ["--speaker", "Lavrov Sergey"],
            "No speaker named 'Lavrov Sergey' in the store. Speakers in the store: Sergey Lavrov.",
        ),
        (["-k", "0"], "-k must be a whole number from 1 to 10; it is 0."),
    ],
)
def test_ask_refuses_what_matches_nothing(quotebot, store, args, message):
    result = quotebot(store, "ask", "sanctions", *args)
    assert tuple(result) == (1, "", f"quotebot: {message}\n")


def test_sources_json(quotebot, store):
    result = quotebot(store, "sources", "--json")
    [info] = json.loads(result.stdout)
    assert info["source"] == BUNDLED.name and info["speakers"] == ["Sergey Lavrov"]


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_fails_cleanly(quotebot, store, question):
    result = quotebot(store, "ask", question)
    assert result.returncode == 1
    assert result.stderr.strip() == "quotebot: The question is empty: type a question about the transcripts."


def test_bad_inputs_fail_cleanly_and_change_nothing(quotebot, tmp_path, store):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    binary = tmp_path / "blob.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    before = json.loads(quotebot(store, "sources", "--json").stdout)
    for path, message in [
        (tmp_path / "missing.txt", "no such file"),
        (empty, "empty"),
        (binary, "binary"),
    ]:
        result = quotebot(store, "ingest", path)
        assert result.returncode == 1, path
        assert message in result.stderr
        assert "Traceback" not in result.stderr
    assert json.loads(quotebot(store, "sources", "--json").stdout) == before


def test_unlabelled_file_is_ingested_with_a_warning(quotebot, tmp_path):
    result = quotebot(tmp_path / "s", "ingest", FIXTURES / "no_speakers.txt")
    assert result.returncode == 0
    assert "no speaker labels" in result.stderr
    assert "added      no_speakers.txt" in result.stdout


def test_remove(quotebot, tmp_path):
    quotebot(tmp_path / "s", "ingest", FIXTURES / "qa_short.txt")
    result = quotebot(tmp_path / "s", "remove", "qa_short.txt")
    assert result.returncode == 0 and "removed qa_short.txt (2 passages)" in result.stdout
    result = quotebot(tmp_path / "s", "remove", "qa_short.txt")
    assert result.returncode == 1 and "No source named 'qa_short.txt'" in result.stderr


def test_folder_with_bad_and_same_named_files(quotebot, tmp_path):
    folder = tmp_path / "mixed"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(FIXTURES / "qa_short.txt", folder / "qa_short.txt")
    (folder / "empty.txt").write_text("")
    (folder / "blob.txt").write_bytes(bytes(range(256)) * 4)
    (folder / "README.md").write_text("# Interviews\n\nTranscripts of the 2023 oral history project.\n")
    (folder / "LICENSE").write_text("MIT License\n\nPermission is hereby granted, free of charge.\n")
    result = quotebot(tmp_path / "s", "ingest", folder)
    assert result.returncode == 0, result.stderr  # skipped, not failed: re-runs succeed too
    assert "added      qa_short.txt" in result.stdout
    assert f"skipped    {folder / 'empty.txt'}: the file is empty" in result.stdout
    assert f"skipped    {folder / 'blob.txt'}: this looks like a binary file" in result.stdout
    assert (
        f"skipped    {folder / 'README.md'}: named as the folder's notes or licence, not a transcript; "
        "name it on the command line to ingest it anyway.\n"
    ) in result.stdout
    assert (
        f"skipped    {folder / 'LICENSE'}: named as the folder's notes or licence, not a transcript.\n"
        in result.stdout
    )
    shutil.copy(FIXTURES / "no_speakers.txt", folder / "qa_short.txt")
    shutil.copy(FIXTURES / "qa_short.txt", folder / "sub" / "qa_short.txt")
    result = quotebot(tmp_path / "s", "ingest", folder)
    assert result.returncode == 1
    assert f"2 files share the name 'qa_short.txt' ({folder / 'qa_short.txt'}, " in result.stderr
    assert "0 passages written; the store holds 2" in result.stdout


def test_ingest_says_once_that_it_waits_for_the_write_lock(quotebot, tmp_path, capsys):
    store = tmp_path / "s"
    store.mkdir()
    results: list[Result] = []
    with FileLock(store / "quotebot-write.lock"):  # another writer: the ingest must wait for it
        ingest = threading.Thread(
            target=lambda: results.append(quotebot(store, "ingest", FIXTURES / "qa_short.txt"))
        )
        ingest.start()
        waited, deadline = "", time.monotonic() + 120
        while "waiting" not in waited and ingest.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
            waited += capsys.readouterr().err
    ingest.join(timeout=300)
    [result] = results
    assert f"Another process is writing to the store at {store}; waiting for it to finish" in waited
    assert result.returncode == 0 and "added      qa_short.txt" in result.stdout
    assert "waiting" not in result.stderr


def test_one_passage_is_counted_in_the_singular(quotebot, tmp_path):
    transcript = tmp_path / "short.txt"
    transcript.write_text("Q: Where did you grow up?\n\nA: In a small town by the sea.\n", encoding="utf-8")
    store = tmp_path / "store"
    assert "1 passage written;" in quotebot(store, "ingest", transcript).stdout
    assert "· 1 passage\n" in quotebot(store, "sources").stdout
    assert "removed short.txt (1 passage)" in quotebot(store, "remove", "short.txt").stdout


@pytest.mark.parametrize("name", ["lavrov", "SERGEY LAVROV"])
def test_a_speaker_filter_takes_a_surname_or_any_case(quotebot, store, name):
    result = quotebot(store, "ask", "sanctions", "--speaker", name, "--json")
    assert result.returncode == 0, result.stderr
    assert {q["citation"]["speaker"] for q in json.loads(result.stdout)["quotes"]} == {"Sergey Lavrov"}


# The real command, in its own process: the installed entry point, and `python -m bot`.


@pytest.mark.slow
def test_the_installed_command_answers(store):
    command = shutil.which("quotebot") or str(Path(sys.executable).parent / "quotebot")
    result = subprocess.run(
        [command, "--store", str(store), "ask", "What does Lavrov think about sanctions?", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["quotes"][0]["citation"]["turn"] == 3


@pytest.mark.slow
def test_output_cut_short_by_its_reader_is_no_error(store):
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "--store", str(store), "sources", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # like `| head` that has read all it wants
    _, err = proc.communicate(timeout=300)
    assert b"Traceback" not in err and err == b""
