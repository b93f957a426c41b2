from __future__ import annotations

import logging

import httpx
import pytest
from conftest import collapse, free_port
from gradio_client import Client
from gradio_client.exceptions import AuthenticationError

import app
from bot import Settings
from ingest.errors import QuotebotError
from ingest.read import MAX_FILE_BYTES


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
    assert list(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == ["/chat"]
    reply = client.predict("Can online concerts replace live ones?", 2, api_name="/chat")
    assert "never replace face" in collapse(reply)
    assert "Sergey Lavrov · Foreign Minister Sergey Lavrov’s interview" in reply
    assert '<mark class="qb-hl">' in reply  # the answering sentence is emphasised
    assert reply.count('class="qb-card') == 2
    reply = client.predict("   ", 3, api_name="/chat")
    assert "empty" in reply
    client.close()


def test_app_listens_on_loopback_only_and_limits_uploads(running_app):
    _, url = running_app
    assert url.startswith("http://127.0.0.1:")
    too_big = b"x" * (MAX_FILE_BYTES + 1)
    response = httpx.post(f"{url}gradio_api/upload", files={"files": ("big.txt", too_big)})
    assert response.status_code == 413


def test_login_is_required_when_settings_ask_for_one(make_bot):
    bot = make_bot(auth="reader:s3cret")
    port = free_port()
    demo = app.serve(bot, port=port, block=False)
    try:
        url = f"http://127.0.0.1:{port}/"
        with pytest.raises(AuthenticationError):
            Client(url, verbose=False, token=False, analytics_enabled=False)
        client = Client(url, verbose=False, token=False, analytics_enabled=False, auth=("reader", "s3cret"))
        assert "qb-card" in client.predict("sanctions", 1, api_name="/chat")
        client.close()
    finally:
        demo.close()


def test_auth_setting_is_checked_and_hidden():
    assert Settings(auth="u:p").credentials == ("u", "p")
    assert "u:p" not in repr(Settings(auth="u:p"))
    with pytest.raises(QuotebotError, match="user:password"):
        Settings(auth="nopassword")


def test_a_pool_weight_that_would_raise_scores_is_refused(monkeypatch):
    monkeypatch.setenv("QUOTEBOT_WEIGHT_POOL", "0.1")
    with pytest.raises(QuotebotError, match="weight_pool must be 0 or less"):
        Settings.from_env()
    monkeypatch.setenv("QUOTEBOT_WEIGHT_POOL", "0")
    assert Settings.from_env().weight_pool == 0.0


def test_spelling_correction_can_be_switched_off(monkeypatch):
    assert Settings.from_env().spelling is True
    monkeypatch.setenv("QUOTEBOT_SPELLING", "off")
    assert Settings.from_env().spelling is False
    monkeypatch.setenv("QUOTEBOT_SPELLING", "nope")
    with pytest.raises(QuotebotError, match="QUOTEBOT_SPELLING='nope' is not 1 or 0"):
        Settings.from_env()


def test_serving_beyond_loopback_without_a_login_warns(caplog):
    with caplog.at_level(logging.WARNING):
        app.warn_if_exposed("127.0.0.1", None)
        app.warn_if_exposed("0.0.0.0", ("u", "p"))
    assert caplog.text == ""
    with caplog.at_level(logging.WARNING):
        app.warn_if_exposed("0.0.0.0", None)
    assert "without a login" in caplog.text
    assert app._is_loopback("127.0.0.1") and app._is_loopback("::1") and not app._is_loopback("0.0.0.0")


def test_a_refused_question_is_no_context_for_the_next(running_app):
    _, url = running_app
    client = Client(url, verbose=False, token=False, analytics_enabled=False)
    reply = client.predict("Why?", 3, api_name="/chat")
    assert "ask about the transcripts first" in reply and "qb-card" not in reply
    reply = client.predict("What does Lavrov think about sanctions? " + "x" * 1000, 3, api_name="/chat")
    assert "keep it under 1000" in reply
    reply = client.predict("Tell me more", 3, api_name="/chat")
    assert "ask about the transcripts first" in reply  # the refused question is not what it follows
    client.close()


def test_a_question_about_someone_who_does_not_speak_in_the_chosen_transcripts_is_answered(
    make_bot, roe_and_doe
):
    roe, doe = roe_and_doe
    bot = make_bot()
    bot.ingest([roe, doe])
    port = free_port()
    demo = app.serve(bot, port=port, block=False)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False, token=False, analytics_enabled=False)
        question = "Why did Roe sell her tractors?"
        reply = client.predict(question, 3, [doe.name], [], api_name="/chat")
        assert "qb-card" in reply and "qb-error" not in reply and "qb-lowconf" not in reply
        assert "the most stubborn farmer I know" in reply
        # A speaker chosen by hand who does not speak there is still refused.
        reply = client.predict(question, 3, [doe.name], ["Jane Roe"], api_name="/chat")
        assert "No speaker named" in reply and f"in {doe.name}" in reply and "qb-card" not in reply
        client.close()
    finally:
        demo.close()


def test_an_unexpected_failure_reaches_the_chat_as_a_sentence_and_the_log_with_its_cause(
    running_app, monkeypatch, caplog
):
    bot, url = running_app

    def broken(*args, **kwargs):
        raise RuntimeError("Error executing plan: Internal error: Error finding id")

    monkeypatch.setattr(bot, "ask", broken)
    client = Client(url, verbose=False, token=False, analytics_enabled=False)
    with caplog.at_level(logging.ERROR, logger="app"):
        reply = client.predict("What does Lavrov think about sanctions?", 2, api_name="/chat")
    client.close()
    assert "qb-error" in reply
    assert "Something went wrong while answering the question (RuntimeError); nothing was lost" in reply
    assert "Error finding id" not in reply  # the cause is for the log, not the reader
    assert any("Error finding id" in r.exc_text for r in caplog.records if r.exc_text)
