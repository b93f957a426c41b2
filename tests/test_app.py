from __future__ import annotations

import pytest
from conftest import collapse, free_port
from gradio_client import Client

import app


@pytest.fixture
def running_app(make_bot):
    bot = make_bot()
    port = free_port()
    demo = app.serve(bot, port=port, block=False)
    yield bot, f"http://127.0.0.1:{port}/"
    demo.close()


def test_app_seeds_an_empty_store_and_answers_through_the_api(running_app):
    bot, url = running_app
    assert [s.source for s in bot.sources()] == ["lavrov-interview-chinese-media-2021-03-22.txt"]
    client = Client(url, verbose=False, token=False, analytics_enabled=False)
    reply = client.predict("Can online concerts replace live ones?", 2, api_name="/chat")
    assert "never replace face" in collapse(reply).replace("\\", "")
    assert "Sergey Lavrov · Foreign Minister Sergey Lavrov’s interview" in reply
    assert "**" in reply  # the answering sentence is emphasised
    reply = client.predict("   ", 3, api_name="/chat")
    assert "empty" in reply
    client.close()


def test_app_listens_on_loopback_only(running_app):
    _, url = running_app
    assert url.startswith("http://127.0.0.1:")
