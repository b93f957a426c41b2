"""The wheel as a user installs it: built, installed into a fresh venv, and run from elsewhere,
it seeds a new store with the bundled transcript (package data) and answers from it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest
from conftest import NETGUARD, ROOT, collapse, free_port
from gradio_client import Client

pytestmark = pytest.mark.slow

# What the wheel is built from (pyproject.toml's packages, py-module and readme). Copied, so that
# no build/ left in the checkout by an earlier build brings stale files into the wheel.
SOURCES = ["pyproject.toml", "README.md", "app.py", "bot", "ingest", "vectorstore"]
QUESTION = "Can online concerts replace live ones?"
QUOTED = "never replace face-to-face"


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _site_packages(python: Path | str) -> Path:
    return Path(
        _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh venv with only the wheel installed in it; this venv's packages (the dependencies)
    are visible to it through a .pth file, so nothing is downloaded. Its bin folder, and an
    environment that keeps the checkout off its path."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / name, source / name)
    dist = tmp / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    _run([*pip, "wheel", "--no-deps", "--no-index", "--no-build-isolation", ".", "-w", str(dist)], cwd=source)
    (wheel,) = dist.glob("quotebot-*.whl")

    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    _run([*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)])
    # After the install: with this venv's packages visible, pip would find quotebot (editable)
    # there already and install nothing.
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (_site_packages(python) / "quotebot-deps.pth").write_text("\n".join(sorted(ours)) + "\n")

    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUOTEBOT_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(
        PYTHONPATH=str(NETGUARD),  # the network stays blocked; nothing of the checkout is on it
        HF_HUB_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
        PATH=os.pathsep.join([str(venv / "bin"), env.get("PATH", "")]),
    )
    return venv / "bin", env


def test_the_installed_wheel_imports_from_itself_and_carries_the_bundled_transcript(installed, tmp_path):
    bin_dir, env = installed
    probe = (
        "import app, bot, bot.chat, ingest, vectorstore; from bot.bundled import bundled_corpus;"
        "print(*(m.__file__ for m in (app, bot, bot.chat, ingest, vectorstore)), sep='\\n');"
        "print(*sorted(p.name for p in bundled_corpus().iterdir()), sep='\\n');"
        "print((bot.chat.STATIC / 'quotebot.js').is_file(), (bot.chat.STATIC / 'quotebot.css').is_file())"
    )
    out = _run([str(bin_dir / "python"), "-c", probe], cwd=tmp_path, env=env).stdout.splitlines()
    venv = bin_dir.parent.resolve()
    for module in out[:5]:
        assert Path(module).resolve().is_relative_to(venv), module
    assert out[5:] == ["NOTICE", "lavrov-interview-chinese-media-2021-03-22.txt", "True True"]


def test_the_installed_chat_seeds_an_empty_store_with_the_bundled_transcript_and_answers(installed, tmp_path):
    bin_dir, env = installed
    env = {**env, "QUOTEBOT_STORE": str(tmp_path / "store")}
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(bin_dir / "quotebot"), "serve", "--port", str(port)],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 300  # the model loads and the transcript is ingested first
        while True:
            assert server.poll() is None, f"quotebot serve stopped:\n{log.read_text()[-3000:]}"
            try:
                client = Client(url, verbose=False, token=False, analytics_enabled=False)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1.0)
        reply = client.predict(QUESTION, 2, api_name="/chat")
        client.close()
        assert QUOTED in collapse(reply) and reply.count('class="qb-card') == 2
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
    assert "ingesting the bundled transcript" in log.read_text()

    # The store it seeded answers the command line too, once the chat has stopped.
    done = _run([str(bin_dir / "quotebot"), "ask", QUESTION, "-k", "1"], cwd=tmp_path, env=env)
    assert QUOTED in collapse(done.stdout)
    listed = _run([str(bin_dir / "quotebot"), "sources"], cwd=tmp_path, env=env).stdout
    assert "lavrov-interview-chinese-media-2021-03-22.txt" in listed
