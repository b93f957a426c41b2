"""The chat holds while the store changes: questions from several threads, an ingest from the
command line into the store it serves, an upload, and a chat killed in the middle of one."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import BUNDLED, ROOT, free_port
from gradio_client import Client

from bot import Bot, Settings, chat

pytestmark = pytest.mark.slow  # servers, subprocesses and threads under load

BRIEFINGS = ROOT / "tests" / "eval" / "briefings" / "transcripts"
QUESTIONS = [
    "What does Lavrov think about sanctions?",
    "Can online concerts replace live ones?",
    "How does Russia describe China as a partner?",
    "What does Lavrov say about vaccination passports?",
]


def _client(url: str) -> Client:
    return Client(url, verbose=False, token=False, analytics_enabled=False)


def _quotebot(store: Path, *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "bot", "--store", str(store), *args]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_no_question_fails_while_the_command_line_ingests_into_the_served_store(tmp_path, embedder):
    store = tmp_path / "store"
    bot = Bot(Settings(store=store), embedder=embedder)
    port = free_port()
    demo = chat.serve(bot, port=port, block=False)
    url = f"http://127.0.0.1:{port}/"
    folder = tmp_path / "briefings"
    folder.mkdir()
    added = sorted(BRIEFINGS.glob("*.md"))[:4]
    for path in added:
        shutil.copy(path, folder / path.name)
    answers: list[str] = []
    failures: list[BaseException] = []
    done = threading.Event()

    def ask(n: int) -> None:
        client = _client(url)
        try:
            while not done.is_set() and len(answers) < 400:
                answers.append(client.predict(QUESTIONS[n % len(QUESTIONS)], 2, api_name="/chat"))
                n += 1
        except BaseException as exc:  # any failure at all is what this test looks for
            failures.append(exc)
        finally:
            client.close()

    askers = [threading.Thread(target=ask, args=(n,)) for n in range(4)]
    try:
        for asker in askers:
            asker.start()
        time.sleep(1.0)
        ingest = _quotebot(store, "ingest", str(folder))
        out, err = ingest.communicate(timeout=300)
        time.sleep(1.0)  # questions go on a moment after the ingest
    finally:
        done.set()
        for asker in askers:
            asker.join(timeout=120)
        demo.close()
    assert ingest.returncode == 0, err
    assert f"the chat at {url} holds this store" in err
    assert all(f"added      {path.name}" in out for path in added), out
    assert not failures, failures
    assert len(answers) >= 8
    assert not [a for a in answers if "qb-error" in a or "qb-card" not in a]
    # The chat answers from the new transcripts, and the store holds them for a restarted chat.
    assert {s.source for s in bot.sources()} == {BUNDLED.name, *(p.name for p in added)}
    removed = _quotebot(store, "remove", added[0].name)
    assert removed.wait(timeout=120) == 0  # the chat is stopped now: the command line writes itself
    assert added[0].name not in {s.source for s in Bot(Settings(store=store), embedder=embedder).sources()}


def test_a_chat_killed_during_an_upload_leaves_a_store_that_opens_answers_and_reingests(tmp_path, embedder):
    store = tmp_path / "store"
    big = tmp_path / "long-briefings.md"
    # One long transcript, so that the kill lands while its passages are being written.
    big.write_text("\n\n".join(p.read_text(encoding="utf-8") for p in sorted(BRIEFINGS.glob("*.md"))[:12]))
    port = free_port()
    env = {**os.environ, "QUOTEBOT_STORE": str(store)}
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "--verbose", "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/"
        client = _wait_for(url)
        sender = _quotebot(store, "ingest", str(big))
        assert server.stderr is not None
        for line in server.stderr:  # the chat says when it starts on the files sent
            if "ingesting 1 file(s) sent" in line:
                break
        time.sleep(1.5)  # reading and cutting it; then embedding and writing its passages
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
        sender.wait(timeout=120)
        client.close()
    finally:
        if server.poll() is None:
            server.kill()
    bot = Bot(Settings(store=store), embedder=embedder)
    assert BUNDLED.name in {s.source for s in bot.sources()}
    assert bot.ask("Can online concerts replace live ones?").answered
    clean = Bot(Settings(store=tmp_path / "clean"), embedder=embedder)
    clean.ingest([BUNDLED, big])
    partial = bot.store.count()
    report = bot.ingest([big])
    assert report.added or report.replaced  # the kill came before the file was stored whole
    assert partial < bot.store.count() == clean.store.count()


def _wait_for(url: str) -> Client:
    deadline = time.monotonic() + 120
    while True:
        try:
            return _client(url)
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
