"""The same bot against a real Chroma server on loopback."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import BUNDLED, collapse, free_port

from bot import Bot, Settings
from ingest.errors import StoreUnavailableError


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    server = subprocess.Popen(
        [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        server.kill()
        pytest.fail("the Chroma server did not start within 60 s")
    yield url
    server.terminate()
    server.wait(timeout=30)


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


def test_unreachable_server_is_a_clear_error(embedder):
    bot = Bot(Settings(chroma_url=f"http://127.0.0.1:{free_port()}"), embedder=embedder)
    with pytest.raises(StoreUnavailableError) as caught:
        bot.sources()
    message = str(caught.value)
    assert "Start the server" in message and "?." not in message and message.count("running?") <= 1
