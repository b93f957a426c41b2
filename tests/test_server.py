"""The same bot against a real Chroma server on loopback."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import httpx
import pytest
from conftest import BUNDLED, collapse, free_port

from bot import Bot, Settings, chat
from ingest.errors import StoreUnavailableError


def start_server(path: Path, port: int) -> subprocess.Popen[bytes]:
    """``chroma run`` on ``path``, on the loopback, once it answers its heartbeat."""
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    server = subprocess.Popen(
        [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    server.kill()
    pytest.fail("the Chroma server did not start within 60 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    port = free_port()
    server = start_server(tmp_path_factory.mktemp("chroma-server"), port)
    yield f"http://127.0.0.1:{port}"
    stop_server(server)


@pytest.mark.slow  # starts a Chroma server
def test_ingest_and_ask_through_a_chroma_server(chroma_url, embedder):
    bot = Bot(Settings(chroma_url=chroma_url), embedder=embedder)
    report = bot.ingest([BUNDLED])
    assert report.added == [BUNDLED.name]
    assert bot.ingest([BUNDLED]).unchanged == [BUNDLED.name]
    answer = bot.ask("Can online concerts replace live ones?")
    assert answer.answered
    assert "never replace face-to-face relations" in collapse(answer.quotes[0].text)
    # a second client sees the same store
    other = Bot(Settings(chroma_url=chroma_url), embedder=embedder)
    assert [s.source for s in other.sources()] == [BUNDLED.name]


@pytest.mark.slow  # starts a Chroma server
def test_two_instances_on_one_server_see_each_others_ingests(chroma_url, embedder, make_bot, tmp_path):
    """Each instance keeps its own derived indexes; a write by the other is noticed on the next
    question, and the new transcript answers."""
    first = Bot(Settings(chroma_url=chroma_url), embedder=embedder)
    second = Bot(Settings(chroma_url=chroma_url), embedder=embedder)
    first.ingest([BUNDLED])
    before = second.store.derived()
    beekeeper = Path(__file__).parent / "fixtures" / "beekeeper.md"
    assert first.ingest([beekeeper]).added == [beekeeper.name]
    answer = second.ask("How do you keep bees alive through the winter?")
    assert second.store.derived() is not before
    assert answer.quotes[0].passage.source == beekeeper.name
    first.remove(beekeeper.name)
    assert beekeeper.name not in second.store.derived().sources.tolist()


def test_unreachable_server_is_a_clear_error(embedder):
    bot = Bot(Settings(chroma_url=f"http://127.0.0.1:{free_port()}"), embedder=embedder)
    with pytest.raises(StoreUnavailableError) as caught:
        bot.sources()
    message = str(caught.value)
    assert "Start the server" in message and "?." not in message and message.count("running?") <= 1


@pytest.mark.slow  # starts a Chroma server
def test_a_server_gone_mid_session_is_the_same_clear_error_and_its_return_is_answered(embedder, tmp_path):
    port = free_port()
    server = start_server(tmp_path / "chroma", port)
    try:
        bot = Bot(Settings(chroma_url=f"http://127.0.0.1:{port}"), embedder=embedder)
        bot.ingest([BUNDLED])
        question = "What does Lavrov say about sanctions?"
        answered = bot.ask(question)
        assert answered.quotes
        stop_server(server)
        passage = answered.quotes[0].passage.id
        for use in (
            partial(bot.ask, question),
            bot.sources,
            partial(bot.context, passage),
            partial(bot.ingest, [BUNDLED]),
        ):
            with pytest.raises(StoreUnavailableError) as caught:
                use()
            assert str(caught.value).startswith("Cannot reach the passage store at http://127.0.0.1:")
            assert "Start the server" in str(caught.value)
        # The chat says so where it would have shown what it asked for.
        reply, _, _ = chat.converse(bot, question, [])
        panel, _, _ = chat.refresh(bot)
        viewer, _, _ = chat.open_source(bot, passage)
        assert all("Start the server" in html for html in (reply, panel, viewer))
        server = start_server(tmp_path / "chroma", port)
        again = bot.ask(question)
        assert [q.passage.id for q in again.quotes] == [q.passage.id for q in answered.quotes]
    finally:
        stop_server(server)


@pytest.mark.slow  # starts a Chroma server
def test_a_chat_on_the_server_answers_throughout_another_process_ingest(chroma_url, embedder, tmp_path):
    """For a team: the chat and `quotebot ingest` are two clients of one server. No question fails
    while the other writes, and the chat answers from the new transcript once it notices it."""
    import threading

    from gradio_client import Client

    from bot import chat

    bot = Bot(Settings(chroma_url=chroma_url), embedder=embedder)
    port = free_port()
    demo = chat.serve(bot, port=port, block=False)
    briefing = sorted((Path(__file__).parent / "eval" / "briefings" / "transcripts").glob("*.md"))[0]
    replies: list[str] = []
    failures: list[BaseException] = []
    done = threading.Event()

    def ask() -> None:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False, token=False, analytics_enabled=False)
        try:
            while not done.is_set() and len(replies) < 300:
                replies.append(client.predict("Can online concerts replace live ones?", 1, api_name="/chat"))
        except BaseException as exc:  # any failure is what this test looks for
            failures.append(exc)
        finally:
            client.close()

    askers = [threading.Thread(target=ask) for _ in range(3)]
    try:
        for asker in askers:
            asker.start()
        ingest = subprocess.run(
            [sys.executable, "-m", "bot", "--chroma-url", chroma_url, "ingest", str(briefing)],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    finally:
        done.set()
        for asker in askers:
            asker.join(timeout=120)
    try:
        assert ingest.returncode == 0, ingest.stderr
        assert not failures and replies and not [r for r in replies if "qb-error" in r]
        assert briefing.name in {s.source for s in bot.sources()}
        assert briefing.name in bot.store.derived().sources.tolist()
    finally:
        demo.close()
        bot.remove(briefing.name)
