from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

NETGUARD = Path(__file__).parent / "netguard"
# Block the network in this process and in every Python process a test starts.
sys.path.insert(0, str(NETGUARD))
import blocknet  # noqa: E402, F401

os.environ["PYTHONPATH"] = os.pathsep.join([str(NETGUARD), os.environ.get("PYTHONPATH", "")]).rstrip(
    os.pathsep
)
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

from bot import Bot, Settings, cli  # noqa: E402
from bot.bundled import bundled_corpus  # noqa: E402
from ingest import Passage  # noqa: E402
from vectorstore import Embedder  # noqa: E402

ROOT = Path(__file__).parent.parent
CORPUS = bundled_corpus()
BUNDLED = CORPUS / "lavrov-interview-chinese-media-2021-03-22.txt"
FIXTURES = Path(__file__).parent / "fixtures"

# Fixtures that load the embedding model or build a Bot, Store or Embedder. A test using any of
# them, directly or through another fixture, is in the `model` tier; a test that builds one in its
# own body is marked `model` by hand.
MODEL_FIXTURES = frozenset({"embedder", "make_bot", "bundled_bot", "quotebot"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Sort every test into its tier: `model` by the fixtures it uses, `unit` when it is neither
    model, browser nor slow (those two are marked by hand)."""
    for item in items:
        if MODEL_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.model)
        if not any(item.get_closest_marker(tier) for tier in ("model", "browser", "slow")):
            item.add_marker(pytest.mark.unit)


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test ever touches the user's real store."""
    monkeypatch.setenv("QUOTEBOT_STORE", str(tmp_path / "default-store"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # a server store's saved indexes
    monkeypatch.delenv("QUOTEBOT_CHROMA_URL", raising=False)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture
def make_bot(tmp_path: Path, embedder: Embedder):
    def make(store: Path | None = None, **settings) -> Bot:
        return Bot(Settings(store=store or tmp_path / "store", **settings), embedder=embedder)

    return make


@pytest.fixture(scope="session")
def bundled_bot(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Bot:
    """A store holding the bundled transcript, shared by read-only tests."""
    store = tmp_path_factory.mktemp("bundled") / "store"
    bot = Bot(Settings(store=store), embedder=embedder)
    bot.ingest([BUNDLED])
    return bot


class Result(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


def run_cli(embedder: Embedder, argv: list, stdin: str = "") -> int:
    """`quotebot ARGV` in this process, its exit code; its Bot shares the tests' model. The root
    logger is bare while it runs, so `main`'s `logging.basicConfig` logs to this call's stderr as
    the command does; what it set up is undone afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.handlers.clear()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(cli, "Bot", lambda settings: Bot(settings, embedder=embedder))
            mp.setattr(sys, "stdin", io.StringIO(stdin))
            return cli.main([str(a) for a in argv])
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


@pytest.fixture
def quotebot(embedder: Embedder, capsys: pytest.CaptureFixture[str]):
    """``quotebot(store, *args, stdin=...)``: `quotebot --store STORE ARGS` in this process, as a
    Result (exit code, stdout, stderr)."""

    def run(store: Path, *args: object, stdin: str = "") -> Result:
        capsys.readouterr()
        code = run_cli(embedder, ["--store", store, *args], stdin)
        return Result(code, *capsys.readouterr())

    return run


@pytest.fixture
def transcript_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "transcripts"
    folder.mkdir()
    return Path(shutil.copy(BUNDLED, folder / BUNDLED.name))


def collapse(text: str) -> str:
    return " ".join(text.split())


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(bot: Bot) -> Iterator[tuple[str, Any]]:
    """The chat for ``bot`` as `quotebot serve` runs it, on a free loopback port: its address
    and the running app, closed afterwards."""
    from bot import chat  # gradio, imported only by the tests that serve

    port = free_port()
    demo = chat.serve(bot, port=port, block=False)
    try:
        yield f"http://127.0.0.1:{port}/", demo
    finally:
        demo.close()


def passage(pid: str = "a" * 24, text: str = "First sentence. Second one here.", **fields: Any) -> Passage:
    """A passage made by hand, its fields defaulted (the offsets from ``text``)."""
    values: dict[str, Any] = dict(
        id=pid,
        text=text,
        source="talk.txt",
        title="A talk",
        date="2024-01-02",
        url=None,
        speaker="Jane Doe",
        question="What is it?",
        turn=2,
        paragraph=1,
        char_start=0,
        char_end=len(text),
    )
    return Passage(**{**values, **fields})


@pytest.fixture
def roe_and_doe(tmp_path: Path) -> tuple[Path, Path]:
    """Two transcripts: Jane Roe speaks in roe.txt; in doe.txt only John Doe does, and talks
    about her."""
    folder = tmp_path / "farmers"
    folder.mkdir()
    roe = folder / "roe.txt"
    roe.write_text(
        "Question: What do you grow on your farm?\n\n"
        "Jane Roe: We grow barley and oats on forty acres, and we rotate them with clover every "
        "third year so that the soil keeps its nitrogen.\n\n"
        "Question: How did the drought affect you?\n\n"
        "Jane Roe: The drought cost us half the barley crop. We sold two tractors to pay the bank, "
        "and we still owe the co-operative for seed.\n",
        encoding="utf-8",
    )
    doe = folder / "doe.txt"
    doe.write_text(
        "Question: You have farmed next to Jane Roe for twenty years. What do you make of her?\n\n"
        "John Doe: Jane Roe is the most stubborn farmer I know, and the most honest. When the "
        "drought came she sold her tractors rather than cheat the co-operative, and I admire her "
        "for it.\n\n"
        "Question: What are you planning for next season?\n\n"
        "John Doe: I am planting sunflowers on the east field and leaving the west field fallow "
        "until the spring rains come.\n",
        encoding="utf-8",
    )
    return roe, doe
