from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote_plus, urlsplit

import gradio as gr
import httpx
import pytest
from conftest import BUNDLED, collapse, serving
from gradio_client import Client
from gradio_client.exceptions import AuthenticationError
from starlette.datastructures import QueryParams

from bot import Bot, Settings, chat
from bot.answer import Answer
from bot.export import NO_QUOTES_TO_EXPORT, NOTHING_TO_EXPORT, to_csv, to_markdown
from ingest.errors import QuotebotError, SourceNotFoundError
from ingest.read import MAX_FILE_BYTES
from vectorstore import Embedder


@pytest.fixture
def running_app(make_bot):
    bot = make_bot()
    with serving(bot) as (url, _):
        yield bot, url


@pytest.mark.slow  # starts the chat's server
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


@pytest.mark.slow  # starts the chat's server
def test_the_served_chat_loads_its_model_before_the_first_question(make_bot, tmp_path):
    make_bot().ingest([BUNDLED])  # a store that is not empty: serving it seeds nothing
    bot = Bot(Settings(store=tmp_path / "store"), embedder=Embedder())
    with serving(bot):
        deadline = time.monotonic() + 120
        while bot.embedder._model is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert bot.embedder._model is not None


def _listening(port: int) -> list[tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, str]]:
    """The address and socket inode of each TCP socket in LISTEN state on ``port``, as the kernel
    lists them in /proc/net/tcp and tcp6 (addresses in hex, each 32-bit word in host order)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            _, local, _, state, *_, inode = row.split()[:10]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:
                raw = bytes.fromhex(address)
                if sys.byteorder == "little":
                    raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                ip = ipaddress.ip_address(raw)
                found.append((getattr(ip, "ipv4_mapped", None) or ip, inode))
    return found


def _own_sockets() -> set[str]:
    """The inodes of the sockets this process has open."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # closed since it was listed
            link = os.readlink(f"/proc/self/fd/{fd}")
            if link.startswith("socket:["):
                inodes.add(link[len("socket:[") : -1])
    return inodes


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the kernel's socket tables (Linux)")
def test_app_listens_on_loopback_only_and_limits_uploads(running_app):
    """Served with the default settings, the chat listens on the loopback alone: every socket
    listening on its port is bound to 127.0.0.1 or ::1, and this process holds one of them."""
    bot, url = running_app
    assert bot.settings.host == Settings().host
    listening = _listening(urlsplit(url).port)
    assert listening, f"nothing listens on the chat's port ({url})"
    assert all(ip.is_loopback for ip, _ in listening), f"the chat listens beyond the loopback: {listening}"
    assert {inode for _, inode in listening} & _own_sockets(), "what listens on the port is not the chat"
    too_big = b"x" * (MAX_FILE_BYTES + 1)
    response = httpx.post(f"{url}gradio_api/upload", files={"files": ("big.txt", too_big)})
    assert response.status_code == 413


@pytest.mark.slow  # starts the chat's server
def test_login_is_required_when_settings_ask_for_one(make_bot):
    bot = make_bot(auth="reader:s3cret")
    with serving(bot) as (url, _):
        with pytest.raises(AuthenticationError):
            Client(url, verbose=False, token=False, analytics_enabled=False)
        client = Client(url, verbose=False, token=False, analytics_enabled=False, auth=("reader", "s3cret"))
        assert "qb-card" in client.predict("sanctions", 1, api_name="/chat")
        client.close()


def test_auth_setting_is_checked_and_hidden():
    assert Settings(auth="u:p").credentials == ("u", "p")
    assert "u:p" not in repr(Settings(auth="u:p"))
    with pytest.raises(QuotebotError, match="user:password"):
        Settings(auth="nopassword")


def test_spelling_correction_can_be_switched_off(monkeypatch):
    assert Settings.from_env().spelling is True
    monkeypatch.setenv("QUOTEBOT_SPELLING", "off")
    assert Settings.from_env().spelling is False
    monkeypatch.setenv("QUOTEBOT_SPELLING", "nope")
    with pytest.raises(QuotebotError, match="QUOTEBOT_SPELLING='nope' is not 1 or 0"):
        Settings.from_env()


def test_serving_beyond_loopback_without_a_login_warns(caplog):
    with caplog.at_level(logging.WARNING):
        chat.warn_if_exposed("127.0.0.1", None)
        chat.warn_if_exposed("0.0.0.0", ("u", "p"))
    assert caplog.text == ""
    with caplog.at_level(logging.WARNING):
        chat.warn_if_exposed("0.0.0.0", None)
    assert "without a login" in caplog.text
    assert chat._is_loopback("127.0.0.1") and chat._is_loopback("::1") and not chat._is_loopback("0.0.0.0")


@pytest.mark.slow  # starts the chat's server
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


@pytest.mark.slow  # starts the chat's server
def test_a_question_about_someone_who_does_not_speak_in_the_chosen_transcripts_is_answered(
    make_bot, roe_and_doe
):
    roe, doe = roe_and_doe
    bot = make_bot()
    bot.ingest([roe, doe])
    with serving(bot) as (url, _):
        client = Client(url, verbose=False, token=False, analytics_enabled=False)
        question = "Why did Roe sell her tractors?"
        reply = client.predict(question, 3, [doe.name], [], api_name="/chat")
        assert "qb-card" in reply and "qb-error" not in reply and "qb-lowconf" not in reply
        assert "the most stubborn farmer I know" in reply
        # A speaker chosen by hand who does not speak there is still refused.
        reply = client.predict(question, 3, [doe.name], ["Jane Roe"], api_name="/chat")
        assert "No speaker named" in reply and f"in {doe.name}" in reply and "qb-card" not in reply
        client.close()


@pytest.mark.slow  # starts the chat's server
def test_an_unexpected_failure_reaches_the_chat_as_a_sentence_and_the_log_with_its_cause(
    running_app, monkeypatch, caplog
):
    bot, url = running_app

    def broken(*args, **kwargs):
        raise RuntimeError("Error executing plan: Internal error: Error finding id")

    monkeypatch.setattr(bot, "ask", broken)
    client = Client(url, verbose=False, token=False, analytics_enabled=False)
    with caplog.at_level(logging.ERROR, logger="bot.chat"):
        reply = client.predict("What does Lavrov think about sanctions?", 2, api_name="/chat")
    client.close()
    assert "qb-error" in reply
    assert "Something went wrong while answering the question (RuntimeError); nothing was lost" in reply
    assert "Error finding id" not in reply  # the cause is for the log, not the reader
    assert any("Error finding id" in r.exc_text for r in caplog.records if r.exc_text)


# -- the chat's handlers, called as they are: a real bot, no server ---------------------------

SANCTIONS = "What does Lavrov think about sanctions?"


def _exchange(question: str, reply: str) -> list[dict[str, str]]:
    """One turn of the chat's history, as the chat holds it."""
    return [{"role": "user", "content": question}, {"role": "assistant", "content": reply}]


def test_respond_answers_with_cited_quotes_and_keeps_the_question(bundled_bot):
    reply, asked = chat.respond(bundled_bot, "Can online concerts replace live ones?", [], 2)
    assert "never replace face" in collapse(reply)
    assert reply.count('class="qb-card') == 2 and "qb-error" not in reply
    assert asked == [(0, "Can online concerts replace live ones?")]
    assert chat.questions(asked) == ["Can online concerts replace live ones?"]


def test_a_follow_up_is_read_against_the_questions_in_the_state(bundled_bot):
    reply, asked = chat.respond(bundled_bot, SANCTIONS, [], 3)
    history = _exchange(SANCTIONS, reply)
    follow_up, asked = chat.respond(bundled_bot, "Who first proposed them?", history, 3, [], [], asked)
    assert f"Read as a follow-up to “{SANCTIONS}”" in follow_up and "qb-card" in follow_up
    assert chat.questions(asked) == [SANCTIONS, "Who first proposed them?"]
    assert [turn for turn, _ in asked] == [0, 1]
    # The state is what it reads, not the HTML of the earlier replies.
    blank = _exchange(SANCTIONS, "")
    again, _ = chat.respond(bundled_bot, "Who first proposed them?", blank, 3, [], [], asked[:1])
    assert f"Read as a follow-up to “{SANCTIONS}”" in again
    alone, _ = chat.respond(bundled_bot, "Who first proposed them?", history, 3, [], [], [])
    assert "Read as a follow-up" not in alone


def test_a_refused_question_stays_out_of_the_state(bundled_bot):
    reply, asked = chat.respond(bundled_bot, "Why?", [], 3)
    assert "ask about the transcripts first" in reply and "qb-card" not in reply
    assert asked == []
    reply, asked = chat.respond(bundled_bot, "   ", _exchange("Why?", reply), 3, [], [], asked)
    assert "qb-error" in reply and "empty" in reply and asked == []


def test_a_question_the_chat_took_back_is_no_context_for_the_next(bundled_bot):
    """Undo, retry and clear shorten the history; the state's questions from those turns go."""
    _, asked = chat.respond(bundled_bot, SANCTIONS, [], 3)
    assert chat.questions(asked) == [SANCTIONS]
    after_clear, kept = chat.respond(bundled_bot, "Tell me more", [], 3, [], [], asked)
    assert "ask about the transcripts first" in after_clear and kept == []
    _, kept = chat.respond(bundled_bot, SANCTIONS, [], 3, [], [], asked)
    assert kept == [(0, SANCTIONS)]  # asked again at the same turn, kept once


def test_respond_with_a_source_that_is_not_stored_says_so(bundled_bot):
    reply, asked = chat.respond(bundled_bot, SANCTIONS, [], 3, ["nope.txt"], [])
    assert '<p class="qb-error">' in reply and "qb-card" not in reply
    assert "No source named" in reply and "nope.txt" in reply
    assert "Ingested sources: lavrov-interview-chinese-media-2021-03-22.txt" in reply
    assert asked == []
    reply, _ = chat.respond(bundled_bot, SANCTIONS, [], 3, [], ["Jane Roe"])
    assert "No speaker named" in reply and "Sergey Lavrov" in reply


def test_respond_turns_an_unexpected_failure_into_a_sentence(bundled_bot, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("Error finding id")

    monkeypatch.setattr(bundled_bot, "ask", broken)
    with caplog.at_level(logging.ERROR, logger="bot.chat"):
        reply, asked = chat.respond(bundled_bot, SANCTIONS, [], 3, [], [], [(0, "earlier")])
    assert "Something went wrong while answering the question (RuntimeError)" in reply
    assert "Error finding id" not in reply and asked == []
    assert any("Error finding id" in r.exc_text for r in caplog.records if r.exc_text)


def test_open_source_shows_the_passage_and_makes_room_for_it(bundled_bot):
    reply, _ = chat.respond(bundled_bot, "What does Lavrov say about vaccination passports?", [], 1)
    passage_id = reply.split('href="#src=', 1)[1].split('"', 1)[0]
    html, viewer_bar, sources_bar = chat.open_source(bundled_bot, passage_id)
    assert 'id="qb-focus"' in html and "vaccination passports" in html
    assert viewer_bar.open is True and sources_bar.open is False
    for unknown in ("0" * 24, "javascript:alert(1)", ""):
        html, _, _ = chat.open_source(bundled_bot, unknown)
        assert html == chat.ui.viewer_missing()


def test_refresh_lists_the_sources_and_the_filters_choices(bundled_bot):
    panel, sources, speakers = chat.refresh(bundled_bot)
    assert "Foreign Minister Sergey Lavrov’s interview with Chinese media" in panel
    assert [value for _, value in sources.choices] == ["lavrov-interview-chinese-media-2021-03-22.txt"]
    assert [value for _, value in speakers.choices] == ["Sergey Lavrov"]


def test_add_transcript_and_remove_source_change_the_store_and_the_panel(make_bot, roe_and_doe):
    roe, doe = roe_and_doe
    bot = make_bot()
    quiet = lambda *args, **kwargs: None  # noqa: E731  (the chat's progress bar)
    status, panel, _, speakers = chat.add_transcript(bot, str(roe), quiet)
    assert "Added roe.txt" in status and "roe.txt" in panel
    # The writer rebuilt the indexes, so that the next question does not wait for them.
    assert [p.source for p in bot.store._derived.passages] == ["roe.txt"] * bot.store.count()
    assert [value for _, value in speakers.choices] == ["Jane Roe"]
    status, *_ = chat.add_transcript(bot, str(roe), quiet)
    assert "already in the store, unchanged" in status
    status, *_ = chat.add_transcript(bot, None, quiet)
    assert "No file arrived" in status
    chat.add_transcript(bot, str(doe), quiet)
    status, panel, sources, _ = chat.remove_source(bot, "roe.txt")
    assert "Removed roe.txt" in status and "roe.txt" not in panel
    assert [value for _, value in sources.choices] == ["doe.txt"]
    assert {p.source for p in bot.store._derived.passages} == {"doe.txt"}
    status, *_ = chat.remove_source(bot, "roe.txt")
    assert "qb-status-error" in status and "roe.txt" in status


@pytest.mark.slow  # starts the chat's server
def test_the_chat_api_takes_the_question_and_the_panel_s_settings_only(running_app):
    _, url = running_app
    client = Client(url, verbose=False, token=False, analytics_enabled=False)
    endpoint = client.view_api(print_info=False, return_format="dict")["named_endpoints"]["/chat"]
    client.close()
    names = [p["parameter_name"] for p in endpoint["parameters"]]
    assert names == ["message", "quotes", "sources", "speakers"]
    assert len(endpoint["returns"]) == 1


# -- export and links: the handlers, called as they are ------------------------------------


def _first_quote(reply: str) -> str:
    """The first quote card's passage id in a reply's HTML."""
    return reply.split('href="#src=', 1)[1].split('"', 1)[0]


def test_converse_keeps_each_answer_for_the_export_as_the_chat_shows_it(bundled_bot):
    reply, asked, answers = chat.converse(bundled_bot, SANCTIONS, [], 2)
    assert asked == [(0, SANCTIONS)]
    assert [(t, a.question, len(a.quotes)) for t, a in answers] == [(0, SANCTIONS, 2)]
    history = _exchange(SANCTIONS, reply)
    follow_up = "Who first proposed them?"
    second, asked, answers = chat.converse(bundled_bot, follow_up, history, 2, [], [], asked, answers)
    assert [t for t, _ in answers] == [0, 1] and answers[1][1].follows == SANCTIONS
    # A refused question adds nothing; the answers before it stay.
    both = history + _exchange(follow_up, second)
    _, _, after_refusal = chat.converse(bundled_bot, "   ", both, 2, [], [], asked, answers)
    assert after_refusal == answers
    # Undo, retry and clear shorten the history: the answers of the turns taken back go.
    _, _, retried = chat.converse(bundled_bot, "Tell me more", history, 2, [], [], asked, answers)
    assert [t for t, _ in retried] == [0, 1] and retried[1][1].question == "Tell me more"
    _, _, cleared = chat.converse(bundled_bot, SANCTIONS, [], 2, [], [], asked, answers)
    assert [(t, a.question) for t, a in cleared] == [(0, SANCTIONS)]
    assert chat.shown_answers(both, answers) == [a for _, a in answers]
    assert chat.shown_answers(history, answers) == [answers[0][1]]  # the second one undone
    assert chat.shown_answers([], answers) == []


def test_prepare_export_writes_each_format_to_a_temp_folder_not_the_store(bundled_bot):
    reply, _, answers = chat.converse(bundled_bot, SANCTIONS, [], 2)
    history = _exchange(SANCTIONS, reply)
    *files, hint = chat.prepare_export(history, answers)
    assert "1 question · 2 quotes" in hint
    paths = [Path(p) for p in files]
    today = date.today().isoformat()
    assert [p.name for p in paths] == [f"quotebot-answers-{today}.{s}" for s in ("md", "csv", "docx")]
    store = Path(bundled_bot.store.location).resolve()
    for path in paths:
        assert path.resolve().is_relative_to(Path(tempfile.gettempdir()).resolve())
        assert not path.resolve().is_relative_to(store)
    exported = [answer for _, answer in answers]
    markdown = paths[0].read_text(encoding="utf-8")
    assert markdown == to_markdown(exported)
    assert exported[0].quotes[0].text in markdown.replace("\n> ", "\n")
    assert paths[1].read_bytes().decode("utf-8") == to_csv(exported)  # CRLF rows, as made
    assert paths[2].read_bytes()[:2] == b"PK"  # a Word document is a zip
    # The next change writes a new folder; the files before it stay for a download under way.
    again = chat.prepare_export(history, answers)
    assert Path(again[0]).parent != paths[0].parent and paths[0].exists()
    # Once Gradio has long copied them to its cache, the next export removes them.
    old = time.time() - chat.EXPORT_KEEP_SECONDS - 1
    os.utime(paths[0].parent, (old, old))
    chat.prepare_export(history, answers)
    assert not paths[0].parent.exists() and Path(again[0]).exists()
    assert chat.export_refusal(again[0], history, answers) is None  # the browser downloads it


def test_an_empty_conversation_has_nothing_to_export_and_a_click_says_so(bundled_bot):
    assert chat.prepare_export([], []) == (None, None, None, chat.ui.export_hint([]))
    assert chat.export_refusal(None, [], []) == NOTHING_TO_EXPORT
    # A cleared conversation is empty again, whatever the state still holds.
    reply, _, answers = chat.converse(bundled_bot, SANCTIONS, [], 1)
    assert chat.prepare_export([], answers)[:3] == (None, None, None)
    assert chat.export_refusal(None, [], answers) == NOTHING_TO_EXPORT
    # Questions that found nothing to quote: that is said instead.
    unanswered = [(0, Answer("What about bees?", answered=False, quotes=()))]
    assert chat.prepare_export(_exchange("What about bees?", ""), unanswered)[:3] == (None, None, None)
    assert chat.export_refusal(None, _exchange("What about bees?", ""), unanswered) == NO_QUOTES_TO_EXPORT
    # Something to export whose file is not there yet (being written, or it failed).
    assert chat.export_refusal(None, _exchange(SANCTIONS, reply), answers) == chat.EXPORT_NOT_READY


def test_an_export_that_fails_is_logged_and_leaves_the_buttons_empty(bundled_bot, monkeypatch, caplog):
    _, _, answers = chat.converse(bundled_bot, SANCTIONS, [], 1)

    def broken(answers):
        raise OSError("No space left on device")

    monkeypatch.setitem(chat.EXPORTS, "docx", (broken, "Word"))
    with caplog.at_level(logging.ERROR, logger="bot.chat"):
        assert chat.prepare_export(_exchange(SANCTIONS, ""), answers)[:3] == (None, None, None)
    assert any("No space left" in r.exc_text for r in caplog.records if r.exc_text)


def test_a_link_is_read_from_the_page_s_query_parameters():
    link = chat.Link.of(
        QueryParams("q=What+does+Lavrov+think+about+sanctions%3F&source=a.txt&source=b.txt&speaker=lavrov")
    )
    assert link == chat.Link(SANCTIONS, ("a.txt", "b.txt"), ("lavrov",), "")
    assert chat.Link.of(QueryParams("passage=" + "a" * 24)).passage == "a" * 24
    assert chat.Link.of({"q": "  ", "source": ["x.txt", "x.txt"]}) == chat.Link("", ("x.txt",))
    assert chat.Link.of(None) == chat.Link()


def test_a_link_s_question_is_shown_then_answered_with_its_filters(bundled_bot):
    source = BUNDLED.name
    link = chat.Link.of(QueryParams(f"q={quote_plus(SANCTIONS)}&source={source}&speaker=lavrov"))
    sources, speakers, shown = chat.show_link_question(bundled_bot, link)
    assert sources.value == [source] and speakers.value == ["Sergey Lavrov"]
    assert shown == [{"role": "user", "content": SANCTIONS}]
    history, asked, answers = chat.answer_link_question(bundled_bot, link, 2)
    assert history[0] == {"role": "user", "content": SANCTIONS}
    reply = history[1]["content"]
    assert history[1]["role"] == "assistant" and reply.count('class="qb-card') == 2
    assert "Nothing good will ever come of sanctions" in collapse(reply)
    assert f"Only from {source}, Sergey Lavrov" in reply
    assert asked == [(0, SANCTIONS)] and [a.question for _, a in answers] == [SANCTIONS]
    # A page opened without a question changes nothing.
    assert chat.show_link_question(bundled_bot, chat.Link()) == (gr.skip(),) * 3
    assert chat.answer_link_question(bundled_bot, chat.Link(), 2) == (gr.skip(),) * 3


def test_a_link_to_a_source_that_is_not_stored_says_so_as_the_filter_does(bundled_bot):
    link = chat.Link.of(QueryParams(f"q={quote_plus(SANCTIONS)}&source=nope.txt"))
    sources, _, _ = chat.show_link_question(bundled_bot, link)
    assert sources.value == []  # the filter keeps to what the store holds
    history, asked, answers = chat.answer_link_question(bundled_bot, link, 2)
    reply = history[1]["content"]
    assert '<p class="qb-error">' in reply and "qb-card" not in reply
    assert asked == [] and answers == []
    with pytest.raises(SourceNotFoundError) as refused:  # what `quotebot ask --source nope.txt` says
        bundled_bot.ask(SANCTIONS, sources=["nope.txt"])
    assert reply == chat.ui.error_html(str(refused.value))
    history, _, _ = chat.answer_link_question(bundled_bot, chat.Link(SANCTIONS, speakers=("Jane Roe",)), 2)
    assert "No speaker named" in history[1]["content"]


def test_a_link_to_a_passage_opens_the_viewer_on_it(bundled_bot):
    reply, _ = chat.respond(bundled_bot, "What does Lavrov say about vaccination passports?", [], 1)
    link = chat.Link.of(QueryParams(f"passage={_first_quote(reply)}"))
    html, viewer_bar, sources_bar = chat.open_link_passage(bundled_bot, link)
    assert 'id="qb-focus"' in html and "vaccination passports" in html
    assert viewer_bar.open is True and sources_bar.open is False
    html, *_ = chat.open_link_passage(bundled_bot, chat.Link(passage="../../etc/passwd"))
    assert html == chat.ui.viewer_missing()
    assert chat.open_link_passage(bundled_bot, chat.Link(SANCTIONS)) == (gr.skip(),) * 3
