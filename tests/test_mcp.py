"""quotebot as a citation tool for other assistants: the `quote` MCP tool that `serve --mcp` adds,
asked through the mcp package's own client over the loopback."""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio
import httpx
import pytest
from conftest import BUNDLED, collapse, free_port, serving
from gradio_client import Client

from bot import Settings, chat, mcp_tool
from bot.cli import _parser
from bot.highlight import verbatim_segments
from ingest.errors import QuotebotError

SANCTIONS = "What does Lavrov think about sanctions?"


def test_mcp_is_off_unless_the_setting_or_the_flag_asks(monkeypatch):
    assert Settings().mcp is False and Settings.from_env().mcp is False
    monkeypatch.setenv("QUOTEBOT_MCP", "1")
    assert Settings.from_env().mcp is True
    assert _parser().parse_args(["serve", "--mcp"]).mcp is True
    assert _parser().parse_args(["serve"]).mcp is None  # the variable decides


def test_serving_mcp_without_the_mcp_package_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(mcp_tool, "mcp_installed", lambda: False)
    with pytest.raises(QuotebotError, match=r"quotebot\[mcp\]"):
        mcp_tool.check_mcp_installed()


def test_serve_refuses_mcp_without_the_package_before_holding_the_store(make_bot, monkeypatch):
    bot = make_bot(mcp=True)
    monkeypatch.setattr(mcp_tool, "mcp_installed", lambda: False)
    with pytest.raises(QuotebotError, match=r"pip install \"quotebot\[mcp\]\""):
        chat.serve(bot, port=free_port(), block=False)
    assert bot.store.held_by(wait=0) is None


def test_the_mcp_tool_where_a_login_is_expected_is_warned_of(caplog):
    with caplog.at_level(logging.WARNING):
        chat.warn_if_exposed("127.0.0.1", None, mcp=True)
    assert caplog.text == ""
    for host, login in (("127.0.0.1", ("u", "p")), ("0.0.0.0", ("u", "p"))):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            chat.warn_if_exposed(host, login, mcp=True)
        assert "does not ask for the QUOTEBOT_AUTH login" in caplog.text


def test_the_quote_tool_answers_with_the_ask_json_contract(bundled_bot):
    quote = mcp_tool.quote_tool(bundled_bot)
    assert quote.__name__ == "quote"
    for phrase in ("verbatim", "never paraphrase", "question N", "¶M", '"answered": false'):
        assert phrase in collapse(quote.__doc__ or "")
    data = json.loads(quote(SANCTIONS, 2))
    assert data == bundled_bot.ask(SANCTIONS, k=2).to_dict()
    only = json.loads(quote(SANCTIONS, 1, [BUNDLED.name], ["lavrov"]))
    assert len(only["quotes"]) == 1 and only["quotes"][0]["citation"]["speaker"] == "Sergey Lavrov"
    with pytest.raises(QuotebotError, match="No source named"):
        quote(SANCTIONS, 3, ["nope.txt"])


# -- served: the mcp package's client over the loopback ---------------------------------------


def _verbatim(text: str) -> bool:
    source = collapse(BUNDLED.read_text(encoding="utf-8"))
    return all(collapse(piece) in source for piece in verbatim_segments(text))


async def _mcp(url: str, calls: list[tuple[str, dict[str, Any]]]) -> tuple[list[Any], list[Any]]:
    """The tools the server at ``url`` lists, and the result of each call, through the mcp
    package's own streamable HTTP client."""
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async with (
        streamable_http_client(url) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        tools = (await session.list_tools()).tools
        results = [await session.call_tool(name, arguments) for name, arguments in calls]
    return tools, results


@pytest.fixture
def mcp_app(make_bot):
    pytest.importorskip("mcp")
    bot = make_bot(mcp=True)
    with serving(bot) as (url, _):
        yield bot, url


@pytest.mark.slow  # starts the chat's server
def test_served_with_mcp_the_only_tool_is_quote_and_it_quotes_verbatim(mcp_app):
    bot, url = mcp_app
    tools, (answer, refused) = anyio.run(
        _mcp,
        url + "gradio_api/mcp/",
        [
            ("quote", {"question": SANCTIONS, "k": 2}),
            ("quote", {"question": SANCTIONS, "sources": ["nope.txt"]}),
        ],
    )
    assert [tool.name for tool in tools] == ["quote"]  # not the chat, nor the upload or ingest
    tool = tools[0]
    assert "verbatim" in tool.description and "never paraphrase" in tool.description
    assert set(tool.inputSchema["properties"]) == {"question", "k", "sources", "speakers"}
    assert tool.inputSchema["required"] == ["question"]

    assert not answer.isError
    data = json.loads(answer.content[0].text)
    assert data == bot.ask(SANCTIONS, k=2).to_dict()  # the `ask --json` contract
    assert data["answered"] is True and len(data["quotes"]) == 2
    first = data["quotes"][0]
    assert "Nothing good will ever come of sanctions" in collapse(" ".join(q["text"] for q in data["quotes"]))
    assert _verbatim(first["text"]) and all(_verbatim(h) for h in first["highlight"])
    assert first["citation"]["source"] == BUNDLED.name and first["citation"]["speaker"] == "Sergey Lavrov"

    assert refused.isError and "No source named 'nope.txt'" in refused.content[0].text

    # The tool is the app's public API, all of it; an API client can call it as well.
    client = Client(url, verbose=False, token=False, analytics_enabled=False)
    assert list(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == ["/quote"]
    assert json.loads(client.predict("sanctions", 1, api_name="/quote"))["quotes"][0]["text"]
    client.close()


@pytest.mark.slow  # starts the chat's server
def test_without_mcp_there_is_no_mcp_route(make_bot, monkeypatch):
    monkeypatch.setenv("GRADIO_MCP_SERVER", "true")  # Gradio's own switch does not turn it on
    bot = make_bot()
    with serving(bot) as (served, demo):
        url = served + "gradio_api/mcp/"
        assert httpx.get(url).status_code == 404
        assert httpx.get(url, headers={"Accept": "text/event-stream"}).status_code == 404
        assert httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).status_code == 404
        assert httpx.get(url + "sse", timeout=5).status_code == 404
        assert demo.mcp_server is False
